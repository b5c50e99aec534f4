package nn

import (
	"fmt"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// TransformerEncoderLayerOptions configures NewTransformerEncoderLayer. The zero value gives
// PyTorch's defaults.
type TransformerEncoderLayerOptions struct {
	// DimFeedforward is the hidden size of the feed-forward block; 2048 when 0.
	DimFeedforward int
	// Dropout is the probability of every dropout of the layer (on the attention weights,
	// in the feed-forward block and on both residual branches); 0.1 when nil, so write
	// new(0.0) for none.
	Dropout *float64
	// Activation is the feed-forward block's nonlinearity: ReLU() when nil, or GELU(), or
	// any other.
	Activation *Activation
	// LayerNormEps is the epsilon of both layer norms; 1e-5 when 0.
	LayerNormEps float64
	// BatchFirst takes and returns [B, L, E] instead of [L, B, E].
	BatchFirst bool
	// NormFirst normalizes before the attention and feed-forward blocks (pre-norm) instead
	// of after the residual additions (post-norm, the default).
	NormFirst bool
	// DropoutRNG draws the dropout masks; the package default when nil.
	DropoutRNG *tensor.RNG
	Init
}

// TransformerEncoderLayer is self-attention followed by a feed-forward block, each with a
// residual connection and a layer norm, like torch.nn.TransformerEncoderLayer. Post-norm:
//
//	x = norm1(x + dropout1(self_attn(x)))
//	x = norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))
//
// pre-norm (NormFirst): x = x + dropout1(self_attn(norm1(x))), then
// x = x + dropout2(linear2(...(norm2(x)))). The state_dict keys are PyTorch's: "self_attn.*",
// "linear1.*", "linear2.*", "norm1.*", "norm2.*".
//
// New layers are in training mode, where the dropouts apply; call Eval for inference.
type TransformerEncoderLayer struct {
	SelfAttn                      *MultiheadAttention
	Linear1, Linear2              *Linear
	Norm1, Norm2                  *LayerNorm
	Drop, Drop1, Drop2            *Dropout
	Activation                    *Activation
	NormFirst                     bool
	DModel, NHead, DimFeedforward int
}

// NewTransformerEncoderLayer returns an encoder layer of dModel features and nhead heads,
// initialized as PyTorch's. It panics if a size is not positive, dModel is not divisible by
// nhead, or the dropout probability is outside [0, 1].
func NewTransformerEncoderLayer(dModel, nhead int, opt TransformerEncoderLayerOptions) *TransformerEncoderLayer {
	const op = "nn.NewTransformerEncoderLayer"
	ff := opt.DimFeedforward
	if ff == 0 {
		ff = 2048
	}
	p := 0.1
	if opt.Dropout != nil {
		p = *opt.Dropout
	}
	if dModel < 1 || nhead < 1 || ff < 1 {
		panicf(op, "bad sizes: d_model %d, heads %d, feed-forward %d", dModel, nhead, ff)
	}
	if !(p >= 0 && p <= 1) {
		panicf(op, "dropout probability %g outside [0, 1]", p)
	}
	act := opt.Activation
	if act == nil {
		act = ReLU()
	}
	ln := LayerNormOptions{Eps: opt.LayerNormEps, Init: opt.Init}
	return &TransformerEncoderLayer{
		SelfAttn: NewMultiheadAttention(dModel, nhead, MultiheadAttentionOptions{
			Dropout: p, BatchFirst: opt.BatchFirst, DropoutRNG: opt.DropoutRNG, Init: opt.Init}),
		Linear1:    NewLinear(dModel, ff, LinearOptions{Init: opt.Init}),
		Drop:       NewDropout(p, opt.DropoutRNG),
		Linear2:    NewLinear(ff, dModel, LinearOptions{Init: opt.Init}),
		Norm1:      NewLayerNorm(tensor.Shape{dModel}, ln),
		Norm2:      NewLayerNorm(tensor.Shape{dModel}, ln),
		Drop1:      NewDropout(p, opt.DropoutRNG),
		Drop2:      NewDropout(p, opt.DropoutRNG),
		Activation: act,
		NormFirst:  opt.NormFirst,
		DModel:     dModel, NHead: nhead, DimFeedforward: ff,
	}
}

// Members lists "self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1"
// and "dropout2", as PyTorch's module does (the dropouts hold no state).
func (l *TransformerEncoderLayer) Members() []Member {
	return []Member{
		Child("self_attn", l.SelfAttn), Child("linear1", l.Linear1), Child("dropout", l.Drop),
		Child("linear2", l.Linear2), Child("norm1", l.Norm1), Child("norm2", l.Norm2),
		Child("dropout1", l.Drop1), Child("dropout2", l.Drop2),
	}
}

// Forward encodes x ([L, B, E], or [B, L, E] with BatchFirst, or [L, E] unbatched) with no
// mask; the result has x's shape.
func (l *TransformerEncoderLayer) Forward(x *autograd.Value) *autograd.Value {
	return l.ForwardMasked(x, Masks{})
}

// ForwardMasked encodes x with masks on the self-attention (PyTorch's src_mask and
// src_key_padding_mask; see Masks). It panics with a *tensor.Error if x is nil or the shapes
// do not fit.
func (l *TransformerEncoderLayer) ForwardMasked(x *autograd.Value, masks Masks) *autograd.Value {
	if x == nil {
		panicf("nn.TransformerEncoderLayer", "nil input")
	}
	sa := func(x *autograd.Value) *autograd.Value {
		y, _ := l.SelfAttn.Forward(x, x, x, AttentionOptions{Masks: masks, Weights: WeightsNone})
		return l.Drop1.Forward(y)
	}
	ff := func(x *autograd.Value) *autograd.Value {
		return l.Drop2.Forward(l.Linear2.Forward(l.Drop.Forward(l.Activation.Forward(l.Linear1.Forward(x)))))
	}
	if l.NormFirst {
		x = x.Add(sa(l.Norm1.Forward(x)))
		return x.Add(ff(l.Norm2.Forward(x)))
	}
	x = l.Norm1.Forward(x.Add(sa(x)))
	return l.Norm2.Forward(x.Add(ff(x)))
}

// Clone returns a deep copy of l: the same options and a copy of every parameter, in
// training or evaluation mode as l is. The dropouts share l's generator.
func (l *TransformerEncoderLayer) Clone() *TransformerEncoderLayer {
	w := l.Linear1.Weight.Data()
	p := l.Drop.P
	c := NewTransformerEncoderLayer(l.DModel, l.NHead, TransformerEncoderLayerOptions{
		DimFeedforward: l.DimFeedforward, Dropout: &p, Activation: l.Activation,
		LayerNormEps: l.Norm1.Eps, BatchFirst: l.SelfAttn.BatchFirst, NormFirst: l.NormFirst,
		DropoutRNG: l.Drop.RNG,
		// A throwaway generator: the values are copied over, and the package default is left
		// as it was.
		Init: Init{RNG: tensor.NewRNG(0), DType: w.DType(), Device: w.Device()},
	})
	c.Norm2.Eps = l.Norm2.Eps
	c.SelfAttn.Dropout, c.SelfAttn.RNG = l.SelfAttn.Dropout, l.SelfAttn.RNG
	c.Drop1.P, c.Drop2.P = l.Drop1.P, l.Drop2.P
	c.Drop1.RNG, c.Drop2.RNG = l.Drop1.RNG, l.Drop2.RNG
	if err := LoadStateDict(c, StateDict(l), true); err != nil {
		panicf("nn.TransformerEncoderLayer.Clone", "%v", err) // the layer's parts were replaced by misfits
	}
	Train(c, l.Drop.Training())
	return c
}

// TransformerEncoder is a stack of encoder layers with an optional final layer norm, like
// torch.nn.TransformerEncoder. Its state_dict keys are "layers.0.*", "layers.1.*", ... and
// "norm.*".
type TransformerEncoder struct {
	Layers []*TransformerEncoderLayer
	Norm   *LayerNorm // nil for none
}

// NewTransformerEncoder returns numLayers copies of layer (each a deep copy, as PyTorch's
// deepcopy makes them: they start from the same parameters) followed by norm, which may be
// nil. It panics if layer is nil or numLayers is below 1.
func NewTransformerEncoder(layer *TransformerEncoderLayer, numLayers int, norm *LayerNorm) *TransformerEncoder {
	if layer == nil || numLayers < 1 {
		panicf("nn.NewTransformerEncoder", "needs a layer and at least one copy, got %d", numLayers)
	}
	e := &TransformerEncoder{Norm: norm}
	for range numLayers {
		e.Layers = append(e.Layers, layer.Clone())
	}
	return e
}

// encoderLayers lists a TransformerEncoder's layers as children "0", "1", ... (a pointer to a
// struct, so that it can be a map key when modules are walked).
type encoderLayers struct{ ls []*TransformerEncoderLayer }

func (ls *encoderLayers) Members() []Member {
	out := make([]Member, len(ls.ls))
	for i, l := range ls.ls {
		out[i] = Child(fmt.Sprint(i), l)
	}
	return out
}

// Members lists the layers under "layers" and the final norm as "norm".
func (e *TransformerEncoder) Members() []Member {
	return []Member{Child("layers", &encoderLayers{e.Layers}), Child("norm", e.Norm)}
}

// Forward encodes x with no mask.
func (e *TransformerEncoder) Forward(x *autograd.Value) *autograd.Value {
	return e.ForwardMasked(x, Masks{})
}

// ForwardMasked runs the layers in turn, each with the same masks (PyTorch's mask and
// src_key_padding_mask), then the final norm.
func (e *TransformerEncoder) ForwardMasked(x *autograd.Value, masks Masks) *autograd.Value {
	for _, l := range e.Layers {
		x = l.ForwardMasked(x, masks)
	}
	if e.Norm != nil {
		x = e.Norm.Forward(x)
	}
	return x
}
