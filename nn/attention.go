package nn

import (
	"math"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// Masks says which keys each query may attend to, for MultiheadAttention and the Transformer
// layers. Every field is optional; they combine (a position masked by any of them is masked).
// The masks are structure, not data to learn from: they are read as they are, on the device
// of the input, and never differentiated (Bias may be).
type Masks struct {
	// KeyPadding is [B, S] ([S] for an unbatched input), of any dtype: a nonzero entry marks
	// key s of example b as padding, which no query attends to (PyTorch's boolean
	// key_padding_mask; a float one of 0 and -inf, its additive form, works the same).
	KeyPadding *tensor.Tensor
	// Mask is [L, S], shared by the batch, or [B·heads, L, S] (example-major, as in PyTorch),
	// of any dtype: a nonzero entry forbids query l to attend to key s (PyTorch's boolean
	// attn_mask; a float one of 0 and -inf works the same).
	Mask *tensor.Tensor
	// Bias is [L, S] or [B·heads, L, S], in the input's dtype, added to the attention scores
	// before the softmax (PyTorch's float attn_mask, -inf forbidding a position). It may
	// require a gradient: a learned relative-position bias, say.
	Bias *autograd.Value
	// Causal forbids query l to attend to keys s > l (counted from the start of both
	// sequences), as the mask Transformer.generate_square_subsequent_mask makes.
	Causal bool
}

// AttentionWeights says which attention weights MultiheadAttention.Forward returns.
type AttentionWeights uint8

// The kinds of attention weights returned.
const (
	// WeightsAveraged returns the weights averaged over the heads, [B, L, S] (PyTorch's
	// need_weights=True, average_attn_weights=True, its default).
	WeightsAveraged AttentionWeights = iota
	// WeightsPerHead returns the weights of every head, [B, heads, L, S]
	// (average_attn_weights=False).
	WeightsPerHead
	// WeightsNone returns no weights, a nil value (need_weights=False): what the Transformer
	// layers use.
	WeightsNone
)

// AttentionOptions configures one call of MultiheadAttention.Forward: the masks and the
// weights to return. The zero value attends everywhere and returns the averaged weights, as
// PyTorch's defaults do.
type AttentionOptions struct {
	Masks
	Weights AttentionWeights
}

// MultiheadAttentionOptions configures NewMultiheadAttention. The zero value gives PyTorch's
// defaults.
type MultiheadAttentionOptions struct {
	// Dropout is the probability of zeroing an attention weight, in training mode only.
	Dropout float64
	// NoBias leaves out the input and output projections' biases (PyTorch's bias=False).
	NoBias bool
	// BatchFirst takes and returns [B, L, E] instead of [L, B, E] (PyTorch's batch_first).
	BatchFirst bool
	// KDim and VDim are the sizes of the keys' and values' features when they differ from
	// the embedding size (0: the embedding size). Then the projections are separate
	// parameters, as in PyTorch.
	KDim, VDim int
	// DropoutRNG draws the dropout masks; the package default when nil.
	DropoutRNG *tensor.RNG
	Init
}

// MultiheadAttention is scaled dot-product attention over several heads, like
// torch.nn.MultiheadAttention: the query, key and value are projected to EmbedDim features,
// split into NumHeads heads of HeadDim, and every head computes
// softmax(q·kᵀ/√HeadDim + masks)·v; the heads are concatenated and projected by OutProj.
//
// Its state_dict keys are PyTorch's: "in_proj_weight" [3E, E] (the query, key and value
// projections stacked) and "in_proj_bias" [3E]; when the keys or values have other sizes,
// "q_proj_weight" [E, E], "k_proj_weight" [E, KDim], "v_proj_weight" [E, VDim] instead of
// in_proj_weight; then "out_proj.weight" and "out_proj.bias".
//
// New layers are in training mode: Dropout applies to the attention weights until Eval.
type MultiheadAttention struct {
	EmbedDim, NumHeads, HeadDim int
	KDim, VDim                  int
	Dropout                     float64
	BatchFirst                  bool

	InProjWeight *autograd.Value // [3E, E]; nil when KDim or VDim differ from E
	QProjWeight  *autograd.Value // [E, E]; nil unless KDim or VDim differ from E
	KProjWeight  *autograd.Value // [E, KDim]
	VProjWeight  *autograd.Value // [E, VDim]
	InProjBias   *autograd.Value // [3E]; nil without bias
	OutProj      *Linear         // E → E

	RNG      *tensor.RNG // draws the dropout masks; the package default when nil
	training bool
}

// NewMultiheadAttention returns attention over embedDim features split into numHeads heads,
// initialized by Reset. It panics if a size is not positive or embedDim is not divisible by
// numHeads, or the dropout probability is outside [0, 1].
func NewMultiheadAttention(embedDim, numHeads int, opt MultiheadAttentionOptions) *MultiheadAttention {
	const op = "nn.NewMultiheadAttention"
	if embedDim < 1 || numHeads < 1 || opt.KDim < 0 || opt.VDim < 0 {
		panicf(op, "bad sizes: embed dim %d, heads %d, key dim %d, value dim %d", embedDim, numHeads, opt.KDim, opt.VDim)
	}
	if embedDim%numHeads != 0 {
		panicf(op, "embed dim %d is not divisible by %d heads", embedDim, numHeads)
	}
	if !(opt.Dropout >= 0 && opt.Dropout <= 1) {
		panicf(op, "dropout probability %g outside [0, 1]", opt.Dropout)
	}
	m := &MultiheadAttention{
		EmbedDim: embedDim, NumHeads: numHeads, HeadDim: embedDim / numHeads,
		KDim: opt.KDim, VDim: opt.VDim, Dropout: opt.Dropout, BatchFirst: opt.BatchFirst,
		RNG: opt.DropoutRNG, training: true,
	}
	if m.KDim == 0 {
		m.KDim = embedDim
	}
	if m.VDim == 0 {
		m.VDim = embedDim
	}
	// PyTorch creates out_proj (drawing its default initialization) before its own reset.
	m.OutProj = NewLinear(embedDim, embedDim, LinearOptions{NoBias: opt.NoBias, Init: opt.Init})
	if m.packed() {
		m.InProjWeight = opt.param(op, 3*embedDim, embedDim)
	} else {
		m.QProjWeight = opt.param(op, embedDim, embedDim)
		m.KProjWeight = opt.param(op, embedDim, m.KDim)
		m.VProjWeight = opt.param(op, embedDim, m.VDim)
	}
	if !opt.NoBias {
		m.InProjBias = opt.param(op, 3*embedDim)
	}
	m.Reset(opt.rng())
	return m
}

// packed reports whether the query, key and value projections are one stacked parameter.
func (m *MultiheadAttention) packed() bool { return m.KDim == m.EmbedDim && m.VDim == m.EmbedDim }

// Reset initializes the parameters as PyTorch does: the input projection weights
// Xavier-uniform (the stacked [3E, E] weight as one matrix), the biases zero, the output
// projection's weight as a Linear's.
func (m *MultiheadAttention) Reset(rng *tensor.RNG) {
	if m.InProjWeight != nil {
		XavierUniform(m.InProjWeight, 1, rng)
	} else {
		XavierUniform(m.QProjWeight, 1, rng)
		XavierUniform(m.KProjWeight, 1, rng)
		XavierUniform(m.VProjWeight, 1, rng)
	}
	if m.InProjBias != nil {
		Zeros(m.InProjBias)
	}
	if m.OutProj.Bias != nil {
		Zeros(m.OutProj.Bias)
	}
}

// Members lists "in_proj_weight" (or "q_proj_weight", "k_proj_weight", "v_proj_weight"),
// "in_proj_bias" and the child "out_proj", in PyTorch's order.
func (m *MultiheadAttention) Members() []Member {
	return []Member{
		Param("in_proj_weight", m.InProjWeight),
		Param("q_proj_weight", m.QProjWeight),
		Param("k_proj_weight", m.KProjWeight),
		Param("v_proj_weight", m.VProjWeight),
		Param("in_proj_bias", m.InProjBias),
		Child("out_proj", m.OutProj),
	}
}

// SetTraining switches dropout on the attention weights on (training) or off.
func (m *MultiheadAttention) SetTraining(on bool) { m.training = on }

// Training reports whether m is in training mode.
func (m *MultiheadAttention) Training() bool { return m.training }

// Forward attends from query to key and value and returns the output and the attention
// weights (see AttentionWeights; nil with WeightsNone).
//
// With BatchFirst, query is [B, L, E], key [B, S, KDim] and value [B, S, VDim]; without, the
// batch is the second dimension ([L, B, E], ...); an unbatched query is [L, E] (key [S,
// KDim], value [S, VDim]). The output has the query's shape; the weights are [B, L, S] or
// [B, heads, L, S] ([L, S] or [heads, L, S] unbatched). Pass the same value as query, key and
// value for self-attention: the three projections are then one matrix product.
//
// A query whose keys are all masked gets NaN weights and output, as in PyTorch. It panics
// with a *tensor.Error if an input is nil or the shapes do not fit together or with the masks.
func (m *MultiheadAttention) Forward(query, key, value *autograd.Value, opt AttentionOptions) (out, weights *autograd.Value) {
	const op = "nn.MultiheadAttention"
	if query == nil || key == nil || value == nil {
		panicf(op, "nil query, key or value")
	}
	if opt.Weights > WeightsNone {
		panicf(op, "unknown attention weights kind %d", opt.Weights)
	}
	qs, ks, vs := query.Shape(), key.Shape(), value.Shape()
	batched := query.NDim() == 3
	if (query.NDim() != 3 && query.NDim() != 2) || key.NDim() != query.NDim() || value.NDim() != query.NDim() {
		panicf(op, "query %v, key %v and value %v must all be 3-D (batched) or 2-D (unbatched)", qs, ks, vs)
	}
	if qs[len(qs)-1] != m.EmbedDim || ks[len(ks)-1] != m.KDim || vs[len(vs)-1] != m.VDim {
		panicf(op, "query %v, key %v and value %v must end in %d, %d and %d features", qs, ks, vs, m.EmbedDim, m.KDim, m.VDim)
	}
	if !ks[:len(ks)-1].Equal(vs[:len(vs)-1]) {
		panicf(op, "key %v and value %v differ in their leading dimensions", ks, vs)
	}
	// Work batch-first: [B, L, E], transforming a value passed twice only once.
	bf := func(x *autograd.Value) *autograd.Value {
		switch {
		case !batched:
			return x.Unsqueeze(0)
		case !m.BatchFirst:
			return x.Transpose(0, 1)
		}
		return x
	}
	q, k, v := bf(query), key, value
	if k == query {
		k = q
	} else {
		k = bf(k)
	}
	switch v {
	case key:
		v = k
	case query:
		v = q
	default:
		v = bf(v)
	}
	b, l, s := q.Size(0), q.Size(1), k.Size(1)
	if k.Size(0) != b {
		panicf(op, "query %v and key %v have different batch sizes", qs, ks)
	}
	mask, bias := m.masks(op, opt.Masks, query, batched, b, l, s)

	qp, kp, vp := m.project(query, key, value, q, k, v)
	h, d := m.NumHeads, m.HeadDim
	// [B, L, E] → [B, heads, L, HeadDim]
	heads := func(x *autograd.Value, n int) *autograd.Value { return x.Reshape(b, n, h, d).Transpose(1, 2) }
	qh, kh, vh := heads(qp, l), heads(kp, s), heads(vp, s)
	scores := autograd.MatMul(qh.DivScalar(math.Sqrt(float64(d))), kh.Transpose(2, 3)) // [B, H, L, S]
	if bias != nil {
		scores = scores.Add(bias)
	}
	if mask != nil {
		scores = scores.MaskedFill(mask, math.Inf(-1))
	}
	w := scores.Softmax(-1)
	if m.training && m.Dropout > 0 {
		w = autograd.Dropout(w, m.Dropout, true, orDefault(m.RNG))
	}
	att := autograd.MatMul(w, vh) // [B, H, L, D]
	if batched && !m.BatchFirst {
		out = att.Permute(2, 0, 1, 3).Reshape(l, b, m.EmbedDim)
	} else {
		out = att.Transpose(1, 2).Reshape(b, l, m.EmbedDim)
	}
	out = m.OutProj.Forward(out)
	switch opt.Weights {
	case WeightsAveraged:
		weights = w.Mean(1)
	case WeightsPerHead:
		weights = w
	}
	if !batched {
		out = out.Squeeze(0)
		if weights != nil {
			weights = weights.Squeeze(0)
		}
	}
	return out, weights
}

// project applies the input projections to the batch-first q, k and v ([B, L, ·]); the
// original query, key and value tell whether they are one value (one matrix product for
// self-attention, two when key and value are the same), as PyTorch's packed projection does,
// and whether to take the parameters in no-grad mode.
func (m *MultiheadAttention) project(query, key, value, q, k, v *autograd.Value) (qp, kp, vp *autograd.Value) {
	e := m.EmbedDim
	// One input in no-grad mode makes the whole result no-grad: take the parameters so too.
	mode := query
	for _, x := range []*autograd.Value{key, value} {
		if x.IsNoGrad() {
			mode = x
		}
	}
	bias := inMode(mode, m.InProjBias)
	var bq, bk, bv *autograd.Value
	if bias != nil {
		bq, bk, bv = bias.Narrow(0, 0, e), bias.Narrow(0, e, e), bias.Narrow(0, 2*e, e)
	}
	lin := func(x, w, b *autograd.Value) *autograd.Value {
		y := autograd.MatMul(x, w.T())
		if b != nil {
			y = y.Add(b)
		}
		return y
	}
	if !m.packed() {
		return lin(q, inMode(mode, m.QProjWeight), bq), lin(k, inMode(mode, m.KProjWeight), bk), lin(v, inMode(mode, m.VProjWeight), bv)
	}
	w := inMode(mode, m.InProjWeight)
	switch {
	case query == key && key == value:
		parts := lin(q, w, bias).Chunk(3, -1)
		return parts[0], parts[1], parts[2]
	case key == value:
		var bkv *autograd.Value
		if bias != nil {
			bkv = bias.Narrow(0, e, 2*e)
		}
		parts := lin(k, w.Narrow(0, e, 2*e), bkv).Chunk(2, -1)
		return lin(q, w.Narrow(0, 0, e), bq), parts[0], parts[1]
	}
	return lin(q, w.Narrow(0, 0, e), bq), lin(k, w.Narrow(0, e, e), bk), lin(v, w.Narrow(0, 2*e, e), bv)
}

// masks checks the masks against the batch b, query length l and key length s, and returns
// the positions to mask, a 0/1 tensor that broadcasts to the scores [B, heads, L, S] (nil when
// none), and the bias to add (nil when none), shaped to broadcast the same way.
func (m *MultiheadAttention) masks(op string, mk Masks, x *autograd.Value, batched bool, b, l, s int) (mask *tensor.Tensor, bias *autograd.Value) {
	dt, dev := x.DType(), x.Data().Device()
	h := m.NumHeads
	or := func(t *tensor.Tensor) {
		t = t.NeScalar(0)
		if t.DType() != dt {
			t = t.AsType(dt)
		}
		if mask == nil {
			mask = t
		} else {
			mask = mask.Maximum(t)
		}
	}
	// attnShape reshapes an [L, S] or [B·heads, L, S] mask to broadcast over [B, H, L, S].
	attnShape := func(what string, shape tensor.Shape) []int {
		switch {
		case shape.Equal(tensor.Shape{l, s}):
			return []int{1, 1, l, s}
		case batched && shape.Equal(tensor.Shape{b * h, l, s}):
			return []int{b, h, l, s}
		case !batched && shape.Equal(tensor.Shape{h, l, s}):
			return []int{1, h, l, s}
		}
		panicf(op, "%s of shape %v does not fit a query of length %d, keys of length %d, batch %d and %d heads: want [%d %d] or [%d %d %d]",
			what, shape, l, s, b, h, l, s, b*h, l, s)
		return nil
	}
	if kp := mk.KeyPadding; kp != nil {
		want := tensor.Shape{b, s}
		if !batched {
			want = tensor.Shape{s}
		}
		if !kp.Shape().Equal(want) {
			panicf(op, "key padding mask of shape %v, want %v", kp.Shape(), want)
		}
		or(kp.Reshape(b, 1, 1, s))
	}
	if mk.Mask != nil {
		or(mk.Mask.Reshape(attnShape("attention mask", mk.Mask.Shape())...))
	}
	if mk.Causal {
		rows := tensor.Arange(0, float64(l), 1, dt, tensor.On(dev)).Unsqueeze(1)
		cols := tensor.Arange(0, float64(s), 1, dt, tensor.On(dev))
		or(cols.Gt(rows))
	}
	if mk.Bias != nil {
		if mk.Bias.DType() != dt {
			panicf(op, "attention bias is %s, the query %s", mk.Bias.DType(), dt)
		}
		bias = mk.Bias.Reshape(attnShape("attention bias", mk.Bias.Shape())...)
	}
	return mask, bias
}
