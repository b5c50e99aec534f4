package nn

import (
	"math"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// SinusoidalTable returns the sinusoidal position encodings of "Attention Is All You Need"
// for positions 0..n-1 and dim features, a float64 [n, dim] tensor on the CPU: feature 2i of
// position p is sin(p / 10000^(2i/dim)) and feature 2i+1 is cos(p / 10000^(2i/dim)). It
// panics if n or dim is negative.
func SinusoidalTable(n, dim int) *tensor.Tensor {
	if n < 0 || dim < 0 {
		panicf("nn.SinusoidalTable", "negative size: %d positions, %d features", n, dim)
	}
	vals := make([]float64, n*dim)
	for j := range dim {
		// The frequency of the pair j belongs to, the tutorial's div_term: e^(-2i·ln(10000)/dim).
		f := math.Exp(-float64(j-j%2) * math.Log(10000) / float64(dim))
		for p := range n {
			if j%2 == 0 {
				vals[p*dim+j] = math.Sin(float64(p) * f)
			} else {
				vals[p*dim+j] = math.Cos(float64(p) * f)
			}
		}
	}
	return tensor.From(vals, n, dim)
}

// PositionalEncodingOptions configures NewPositionalEncoding. The zero value gives a table of
// 5000 positions, no dropout, and the sequence-first layout.
type PositionalEncodingOptions struct {
	// MaxLen is the number of positions in the table; 5000 when 0.
	MaxLen int
	// Dropout is applied after the addition, in training mode (the PyTorch tutorial uses
	// 0.1).
	Dropout float64
	// BatchFirst takes [B, T, D] instead of [T, B, D].
	BatchFirst bool
	// DropoutRNG draws the dropout masks; the package default when nil.
	DropoutRNG *tensor.RNG
	// Init gives the dtype and device of the table (it draws nothing).
	Init
}

// PositionalEncoding adds the fixed sinusoidal encodings of SinusoidalTable to its input,
// then applies dropout, as the PositionalEncoding module of PyTorch's transformer tutorial
// does. The table is the buffer "pe", [MaxLen, 1, D] as in the tutorial, so that its
// state_dict loads unchanged; it is not trained.
type PositionalEncoding struct {
	PE         *autograd.Value // [MaxLen, 1, D]
	Drop       *Dropout
	MaxLen     int
	Dim        int
	BatchFirst bool
}

// NewPositionalEncoding returns the encoding of dim features. It panics if dim is not
// positive or an option is out of range.
func NewPositionalEncoding(dim int, opt PositionalEncodingOptions) *PositionalEncoding {
	n := opt.MaxLen
	if n == 0 {
		n = 5000
	}
	if dim < 1 || n < 1 {
		panicf("nn.NewPositionalEncoding", "bad sizes: %d features, %d positions", dim, n)
	}
	if !opt.DType.IsFloat() {
		panicf("nn.NewPositionalEncoding", "needs a float dtype, got %s", opt.DType)
	}
	table := SinusoidalTable(n, dim).AsType(opt.DType).To(opt.device()).Reshape(n, 1, dim)
	return &PositionalEncoding{
		PE: autograd.Const(table), Drop: NewDropout(opt.Dropout, opt.DropoutRNG),
		MaxLen: n, Dim: dim, BatchFirst: opt.BatchFirst,
	}
}

// Members lists the child "dropout" and the buffer "pe".
func (p *PositionalEncoding) Members() []Member {
	return []Member{Child("dropout", p.Drop), Buffer("pe", p.PE)}
}

// Forward returns dropout(x + pe[:T]) for x of shape [T, B, D] ([B, T, D] with BatchFirst,
// [T, D] unbatched). It panics with a *tensor.Error if x is nil, has the wrong number of
// features, or is longer than MaxLen.
func (p *PositionalEncoding) Forward(x *autograd.Value) *autograd.Value {
	t := checkPositions("nn.PositionalEncoding", x, p.Dim, p.MaxLen, p.BatchFirst)
	pe := p.PE.Narrow(0, 0, t)
	if x.NDim() == 2 || p.BatchFirst {
		pe = pe.Reshape(t, p.Dim)
	}
	return p.Drop.Forward(x.Add(pe))
}

// checkPositions checks that x is [T, B, dim] ([B, T, dim] batch-first, [T, dim] unbatched)
// with T ≤ maxLen, and returns T.
func checkPositions(op string, x *autograd.Value, dim, maxLen int, batchFirst bool) int {
	if x == nil {
		panicf(op, "nil input")
	}
	if (x.NDim() != 2 && x.NDim() != 3) || x.Size(-1) != dim {
		panicf(op, "input of shape %v: want [T, B, %d], [B, T, %d] or [T, %d]", x.Shape(), dim, dim, dim)
	}
	t := x.Size(0)
	if batchFirst && x.NDim() == 3 {
		t = x.Size(1)
	}
	if t > maxLen {
		panicf(op, "input of shape %v has %d positions, more than the %d of the table", x.Shape(), t, maxLen)
	}
	return t
}

// PositionEmbeddingOptions configures NewPositionEmbedding. The zero value gives the
// sequence-first layout and PyTorch's Embedding initialization.
type PositionEmbeddingOptions struct {
	// BatchFirst takes [B, T, D] instead of [T, B, D].
	BatchFirst bool
	Init
}

// PositionEmbedding adds a learned vector per position to its input, as BERT's position
// embeddings do: x + weight[:T], where weight [MaxLen, Dim] (the state_dict key "weight") is
// an embedding table of the positions, initialized N(0, 1) as torch.nn.Embedding.
type PositionEmbedding struct {
	Weight      *autograd.Value
	MaxLen, Dim int
	BatchFirst  bool
}

// NewPositionEmbedding returns learned embeddings for maxLen positions of dim features. It
// panics if a size is not positive.
func NewPositionEmbedding(maxLen, dim int, opt PositionEmbeddingOptions) *PositionEmbedding {
	if maxLen < 1 || dim < 1 {
		panicf("nn.NewPositionEmbedding", "bad sizes: %d positions, %d features", maxLen, dim)
	}
	e := &PositionEmbedding{Weight: opt.param("nn.NewPositionEmbedding", maxLen, dim), MaxLen: maxLen, Dim: dim, BatchFirst: opt.BatchFirst}
	e.Reset(opt.rng())
	return e
}

// Reset draws the table from N(0, 1).
func (e *PositionEmbedding) Reset(rng *tensor.RNG) { Normal(e.Weight, 0, 1, rng) }

// Members lists "weight".
func (e *PositionEmbedding) Members() []Member { return []Member{Param("weight", e.Weight)} }

// Forward returns x + weight[:T] for x of shape [T, B, D] ([B, T, D] with BatchFirst, [T, D]
// unbatched). It panics with a *tensor.Error if x is nil, has the wrong number of features,
// or is longer than MaxLen.
func (e *PositionEmbedding) Forward(x *autograd.Value) *autograd.Value {
	t := checkPositions("nn.PositionEmbedding", x, e.Dim, e.MaxLen, e.BatchFirst)
	w := inMode(x, e.Weight).Narrow(0, 0, t)
	if x.NDim() == 3 && !e.BatchFirst {
		w = w.Unsqueeze(1)
	}
	return x.Add(w)
}

// inMode returns p in no-grad mode when x is, so that a forward pass from a no-grad input
// records nothing, not even the views it takes of the parameters.
func inMode(x, p *autograd.Value) *autograd.Value {
	if p != nil && x.IsNoGrad() {
		return p.NoGrad()
	}
	return p
}

// constIn returns t as a constant in x's mode.
func constIn(x *autograd.Value, t *tensor.Tensor) *autograd.Value {
	c := autograd.Const(t)
	if x.IsNoGrad() {
		return c.NoGrad()
	}
	return c
}
