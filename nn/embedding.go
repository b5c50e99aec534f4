package nn

import (
	"sync"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// EmbeddingOptions configures NewEmbedding. The zero value gives PyTorch's defaults.
type EmbeddingOptions struct {
	// PaddingIdx, when not nil, is an id whose row is zero at initialization and never
	// receives a gradient (a negative index counts from the end, as in PyTorch).
	PaddingIdx *int
	// MaxNorm, when positive, renormalizes in place every row a forward pass looks up whose
	// NormType-norm exceeds it, as PyTorch does.
	MaxNorm float64
	// NormType is the p of the p-norm for MaxNorm; 2 when 0.
	NormType float64
	Init
}

// Embedding maps int64 ids to rows of a table, like torch.nn.Embedding: Weight is
// [num, dim] (the state_dict key "weight").
type Embedding struct {
	Weight     *autograd.Value
	Num, Dim   int
	PaddingIdx int // -1 when there is none
	MaxNorm    float64
	NormType   float64
	mu         sync.Mutex // serializes the in-place renormalization of MaxNorm
}

// NewEmbedding returns a table of num rows of dim values, initialized by Reset. It panics if a
// size is negative or the padding index is out of range.
func NewEmbedding(num, dim int, opt EmbeddingOptions) *Embedding {
	if num < 0 || dim < 0 {
		panicf("nn.NewEmbedding", "negative size: num %d, dim %d", num, dim)
	}
	e := &Embedding{Num: num, Dim: dim, Weight: opt.param("nn.NewEmbedding", num, dim)}
	e.configure(opt)
	e.Reset(opt.rng())
	return e
}

// NewEmbeddingFrom returns an Embedding over a copy of pretrained weights [num, dim], like
// torch.nn.Embedding.from_pretrained; with freeze the table receives no gradient. The options'
// Init is not used. It panics if weights is not a 2-D float tensor.
func NewEmbeddingFrom(weights *tensor.Tensor, freeze bool, opt EmbeddingOptions) *Embedding {
	if weights == nil || weights.NDim() != 2 || !weights.DType().IsFloat() {
		panicf("nn.NewEmbeddingFrom", "weights must be a 2-D float tensor")
	}
	e := &Embedding{Num: weights.Size(0), Dim: weights.Size(1), Weight: autograd.New(weights.Clone(), !freeze)}
	e.configure(opt)
	return e
}

func (e *Embedding) configure(opt EmbeddingOptions) {
	e.PaddingIdx = -1
	if opt.PaddingIdx != nil {
		p := *opt.PaddingIdx
		if p < -e.Num || p >= e.Num {
			panicf("nn.NewEmbedding", "padding index %d out of range for %d rows", p, e.Num)
		}
		if p < 0 {
			p += e.Num
		}
		e.PaddingIdx = p
	}
	if opt.MaxNorm < 0 {
		panicf("nn.NewEmbedding", "negative max norm %g", opt.MaxNorm)
	}
	e.MaxNorm, e.NormType = opt.MaxNorm, opt.NormType
	if e.NormType == 0 {
		e.NormType = 2
	}
}

// Reset draws the table from N(0, 1), as PyTorch does, and zeroes the padding row.
func (e *Embedding) Reset(rng *tensor.RNG) {
	Normal(e.Weight, 0, 1, rng)
	if e.PaddingIdx >= 0 {
		e.Weight.Data().Narrow(0, e.PaddingIdx, 1).Fill(0)
	}
}

// Members lists "weight".
func (e *Embedding) Members() []Member { return []Member{Param("weight", e.Weight)} }

// Lookup returns the rows of the ids, an Int64 tensor of any shape: the result has the ids'
// shape followed by Dim. An id out of range panics (on a queued device, at the next
// synchronizing call). It records a graph when the table requires a gradient; see Forward for
// inference.
func (e *Embedding) Lookup(ids *tensor.Tensor) *autograd.Value {
	if ids == nil {
		panicf("nn.Embedding", "nil ids")
	}
	return e.Forward(autograd.Const(ids))
}

// Forward looks up the ids that x holds (an Int64 tensor of any shape, wrapped as a constant).
// When x is in no-grad mode (autograd.Const(ids).NoGrad()), the lookup records nothing and
// its result is in no-grad mode too: the way to run a model for inference.
func (e *Embedding) Forward(x *autograd.Value) *autograd.Value {
	if x == nil {
		panicf("nn.Embedding", "nil input")
	}
	ids := x.Data()
	if ids.DType() != tensor.Int64 {
		panicf("nn.Embedding", "ids must be int64, got %s of shape %v", ids.DType(), ids.Shape())
	}
	if e.MaxNorm > 0 {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.renorm(ids)
	}
	w := e.Weight
	if x.IsNoGrad() {
		w = w.NoGrad()
	}
	if e.PaddingIdx < 0 {
		return w.IndexSelect(0, ids)
	}
	return autograd.Apply(&paddedLookup{pad: e.PaddingIdx}, w, x)[0]
}

// renorm scales, in place and outside any graph, every row that ids refer to whose norm
// exceeds MaxNorm down to MaxNorm/(norm + 1e-7), as torch.embedding_renorm_.
func (e *Embedding) renorm(ids *tensor.Tensor) {
	w := e.Weight.Data()
	var s tensor.Scope
	defer s.Release()
	used := s.Own(tensor.Zeros(tensor.Shape{e.Num}, w.DType(), tensor.On(w.Device())))
	flat := s.Own(ids.Reshape(-1))
	used.IndexAddInPlace(0, flat, s.Own(tensor.OnesLike(s.Own(flat.AsType(w.DType())))))
	var norm *tensor.Tensor
	if e.NormType == 2 {
		norm = s.Own(s.Own(s.Own(w.Square()).Sum(1)).Sqrt())
	} else {
		norm = s.Own(s.Own(s.Own(s.Own(w.Abs()).PowScalar(e.NormType)).Sum(1)).PowScalar(1 / e.NormType))
	}
	over := s.Own(s.Own(norm.GtScalar(e.MaxNorm)).Mul(s.Own(used.GtScalar(0))))
	scale := s.Own(tensor.Where(over, s.Own(s.Own(norm.AddScalar(1e-7)).RDivScalar(e.MaxNorm)), s.Own(tensor.OnesLike(norm))))
	w.MulInPlace(s.Own(scale.Unsqueeze(1)))
}

// paddedLookup is the embedding lookup whose gradient skips the padding id.
type paddedLookup struct {
	pad  int
	rows int
}

func (f *paddedLookup) Forward(ctx *autograd.Context, in []*tensor.Tensor) []*tensor.Tensor {
	w, ids := in[0], in[1]
	f.rows = w.Size(0)
	if ctx.Recording() {
		ctx.SaveForBackward(ids)
	}
	return []*tensor.Tensor{w.IndexSelect(0, ids)}
}

func (f *paddedLookup) Backward(ctx *autograd.Context, g []*tensor.Tensor) []*tensor.Tensor {
	if !ctx.NeedsInputGrad(0) {
		return []*tensor.Tensor{nil, nil}
	}
	ids := ctx.Saved()[0]
	var s tensor.Scope
	defer s.Release()
	// Zero the gradient of the positions that look up the padding row, then add the rest.
	keep := s.Own(s.Own(ids.NeScalar(float64(f.pad))).AsType(g[0].DType()))
	gk := s.Own(g[0].Mul(s.Own(keep.Unsqueeze(-1))))
	gw := tensor.Zeros(tensor.Shape{f.rows, g[0].Size(-1)}, g[0].DType(), tensor.On(g[0].Device()))
	return []*tensor.Tensor{gw.IndexAddInPlace(0, ids, gk), nil}
}
