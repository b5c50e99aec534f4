package nn

import (
	"math"
	"sync"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMultiheadAttentionParameters(t *testing.T) {
	m := NewMultiheadAttention(12, 3, MultiheadAttentionOptions{Init: Init{RNG: tensor.NewRNG(1)}})
	assert.Equal(t, []string{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}, StateDictKeys(m))
	assert.Equal(t, 4, m.HeadDim)
	assert.Equal(t, tensor.Shape{36, 12}, m.InProjWeight.Shape())
	// Xavier-uniform over the stacked [36, 12] weight: U(-a, a), a = √(6/(12+36)).
	a := math.Sqrt(6.0 / 48)
	lo, hi := m.InProjWeight.Data().Min().Item(), m.InProjWeight.Data().Max().Item()
	assert.GreaterOrEqual(t, lo, -a)
	assert.Less(t, hi, a)
	assert.Less(t, lo, -a*0.9, "the draws fill the range")
	assert.Greater(t, hi, a*0.9)
	assert.Equal(t, 0.0, m.InProjBias.Data().Abs().Sum().Item())
	assert.Equal(t, 0.0, m.OutProj.Bias.Data().Abs().Sum().Item(), "out_proj's bias is zeroed")
	assert.Less(t, m.OutProj.Weight.Data().Abs().Max().Item(), 1/math.Sqrt(12), "out_proj's weight is a Linear's")
	assert.True(t, m.Training())

	sep := NewMultiheadAttention(4, 2, MultiheadAttentionOptions{KDim: 3, VDim: 5, NoBias: true})
	assert.Equal(t, []string{"q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"}, StateDictKeys(sep))
	assert.Equal(t, tensor.Shape{4, 5}, sep.VProjWeight.Shape())
}

func TestTransformerParameters(t *testing.T) {
	l := NewTransformerEncoderLayer(8, 2, TransformerEncoderLayerOptions{})
	assert.Equal(t, []string{
		"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
		"linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
		"norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
	}, StateDictKeys(l))
	assert.Equal(t, 2048, l.DimFeedforward, "PyTorch's default")
	assert.Equal(t, 0.1, l.Drop.P)
	assert.Equal(t, 0.1, l.SelfAttn.Dropout)
	assert.Equal(t, "ReLU", l.Activation.Name)
	assert.Equal(t, 1e-5, l.Norm1.Eps)

	e := NewTransformerEncoder(l, 3, NewLayerNorm(tensor.Shape{8}, LayerNormOptions{}))
	keys := StateDictKeys(e)
	assert.Len(t, keys, 3*12+2)
	assert.Equal(t, "layers.0.self_attn.in_proj_weight", keys[0])
	assert.Equal(t, "layers.2.norm2.bias", keys[3*12-1])
	assert.Equal(t, []string{"norm.weight", "norm.bias"}, keys[36:])
	// Every layer starts as a copy of the given one, with storage of its own.
	sd := StateDict(e)
	for _, k := range StateDictKeys(l) {
		assert.Equal(t, StateDict(l)[k].Float32s(), sd["layers.2."+k].Float32s(), k)
		assert.False(t, sd["layers.1."+k].SharesStorage(sd["layers.2."+k]), k)
	}
	Eval(e)
	assert.False(t, e.Layers[1].SelfAttn.Training())
	assert.False(t, e.Layers[1].Drop2.Training())
	assert.True(t, l.SelfAttn.Training(), "the original is left alone")
	clone := e.Layers[0].Clone()
	assert.False(t, clone.Drop.Training(), "a clone keeps the mode")
	none := 0.0
	assert.Equal(t, 0.0, NewTransformerEncoderLayer(8, 2, TransformerEncoderLayerOptions{Dropout: &none}).Drop.P)
}

// mhaInputs returns a batch-first self-attention input [2, 4, 6] and a module of 2 heads.
func mhaInputs(opt MultiheadAttentionOptions) (*MultiheadAttention, *tensor.Tensor) {
	opt.BatchFirst = true
	opt.Init = Init{RNG: tensor.NewRNG(5)}
	m := NewMultiheadAttention(6, 2, opt)
	Normal(m.InProjBias, 0, 0.5, tensor.NewRNG(6))
	Normal(m.OutProj.Bias, 0, 0.5, tensor.NewRNG(7))
	return m, tensor.NewRNG(8).Normal(tensor.Shape{2, 4, 6}, 0, 1)
}

func TestMultiheadAttentionMasksAndWeights(t *testing.T) {
	m, xt := mhaInputs(MultiheadAttentionOptions{})
	Eval(m)
	x := autograd.Const(xt)
	_, avg := m.Forward(x, x, x, AttentionOptions{})
	require.Equal(t, tensor.Shape{2, 4, 4}, avg.Shape())
	// Every row of weights sums to 1.
	for _, s := range avg.Data().Sum(-1).Float64s() {
		assert.InDelta(t, 1, s, 1e-6)
	}
	_, heads := m.Forward(x, x, x, AttentionOptions{Weights: WeightsPerHead})
	require.Equal(t, tensor.Shape{2, 2, 4, 4}, heads.Shape())
	assert.InDeltaSlice(t, avg.Data().Float64s(), heads.Data().Mean(1).Float64s(), 1e-7)
	out, none := m.Forward(x, x, x, AttentionOptions{Weights: WeightsNone})
	assert.Nil(t, none)
	assert.Equal(t, tensor.Shape{2, 4, 6}, out.Shape())

	// Causal: no weight above the diagonal. Key padding: no weight on padded keys.
	kpm := tensor.From([]float32{0, 0, 1, 0, 0, 0, 0, 1}, 2, 4)
	_, w := m.Forward(x, x, x, AttentionOptions{Masks: Masks{Causal: true, KeyPadding: kpm}, Weights: WeightsPerHead})
	wv := w.Data().Float64s()
	for b := range 2 {
		for h := range 2 {
			for l := range 4 {
				for s := range 4 {
					v := wv[((b*2+h)*4+l)*4+s]
					if s > l || kpm.At(b, s) != 0 {
						assert.Zero(t, v, "b %d h %d l %d s %d", b, h, l, s)
					} else {
						assert.Greater(t, v, 0.0)
					}
				}
			}
		}
	}
	// A mask of 0 and -inf works as Mask and as Bias alike; an Int64 mask as a float one.
	minf := tensor.From([]float32{0, float32(math.Inf(-1)), 0, 0}, 1, 4).Expand(4, 4).Contiguous()
	o1, _ := m.Forward(x, x, x, AttentionOptions{Masks: Masks{Mask: minf}})
	o2, _ := m.Forward(x, x, x, AttentionOptions{Masks: Masks{Bias: autograd.Const(minf)}})
	o3, _ := m.Forward(x, x, x, AttentionOptions{Masks: Masks{Mask: tensor.From([]int64{0, 1, 0, 0}, 1, 4).Expand(4, 4)}})
	assert.Equal(t, o1.Data().Float32s(), o2.Data().Float32s())
	assert.Equal(t, o1.Data().Float32s(), o3.Data().Float32s())

	// A query whose keys are all masked gets NaN, as in PyTorch.
	all := tensor.Ones(tensor.Shape{2, 4})
	o, _ := m.Forward(x, x, x, AttentionOptions{Masks: Masks{KeyPadding: all}})
	assert.True(t, math.IsNaN(o.Data().At(0, 0, 0)))

	// Sequence-first and batch-first give the same numbers, transposed.
	sf := &MultiheadAttention{}
	*sf = *m
	sf.BatchFirst = false
	xs := autograd.Const(xt.Transpose(0, 1).Contiguous())
	osf, wsf := sf.Forward(xs, xs, xs, AttentionOptions{})
	obf, wbf := m.Forward(x, x, x, AttentionOptions{})
	assert.InDeltaSlice(t, obf.Data().Float64s(), osf.Data().Transpose(0, 1).Contiguous().Float64s(), 1e-6)
	assert.InDeltaSlice(t, wbf.Data().Float64s(), wsf.Data().Float64s(), 1e-6)
	// Unbatched is batch 1.
	x0 := autograd.Const(xt.Select(0, 1))
	o0, w0 := m.Forward(x0, x0, x0, AttentionOptions{})
	assert.Equal(t, tensor.Shape{4, 6}, o0.Shape())
	assert.Equal(t, tensor.Shape{4, 4}, w0.Shape())
	assert.InDeltaSlice(t, obf.Data().Select(0, 1).Contiguous().Float64s(), o0.Data().Float64s(), 1e-6)
}

func TestMultiheadAttentionDropout(t *testing.T) {
	m, xt := mhaInputs(MultiheadAttentionOptions{Dropout: 0.5, DropoutRNG: tensor.NewRNG(9)})
	x := autograd.Param(xt)
	Eval(m)
	_, ref := m.Forward(x, x, x, AttentionOptions{Weights: WeightsPerHead})
	Train(m, true)
	out, w := m.Forward(x, x, x, AttentionOptions{Weights: WeightsPerHead})
	// In training, each weight is dropped or doubled; the weights returned are those used.
	zeros := 0
	for i, v := range w.Data().Float64s() {
		r := ref.Data().Float64s()[i]
		if v == 0 {
			zeros++
		} else {
			assert.InDelta(t, 2*r, v, 1e-6)
		}
	}
	assert.InDelta(t, 32, zeros, 14, "about half of the 64 weights are dropped")
	out.Sum().Backward()
	assert.NotNil(t, m.InProjWeight.Grad())

	// With p = 1 every weight is dropped: the output is out_proj's bias.
	m1, _ := mhaInputs(MultiheadAttentionOptions{Dropout: 1, DropoutRNG: tensor.NewRNG(9)})
	o1, _ := m1.Forward(x, x, x, AttentionOptions{})
	for i, v := range o1.Data().Float64s() {
		assert.InDelta(t, m1.OutProj.Bias.Data().At(i%6), v, 1e-6)
	}
}

func TestAttentionErrors(t *testing.T) {
	m, xt := mhaInputs(MultiheadAttentionOptions{})
	x := autograd.Const(xt)
	fwd := func(q, k, v *autograd.Value, o AttentionOptions) func() { return func() { m.Forward(q, k, v, o) } }
	kBad := autograd.Const(tensor.Zeros(tensor.Shape{3, 4, 6}))
	for msg, f := range map[string]func(){
		"nn.NewMultiheadAttention: embed dim 6 is not divisible by 4 heads": func() { NewMultiheadAttention(6, 4, MultiheadAttentionOptions{}) },
		"nn.NewMultiheadAttention: dropout probability 1.5 outside [0, 1]": func() {
			NewMultiheadAttention(6, 2, MultiheadAttentionOptions{Dropout: 1.5})
		},
		"nn.MultiheadAttention: nil query, key or value": fwd(nil, x, x, AttentionOptions{}),
		"nn.MultiheadAttention: query [2 4 6], key [2 4 6] and value [2 4 6] must end in 6, 6 and 5 features": func() {
			NewMultiheadAttention(6, 2, MultiheadAttentionOptions{VDim: 5}).Forward(x, x, x, AttentionOptions{})
		},
		"nn.MultiheadAttention: query [2 4 6], key [4 6] and value [4 6] must all be 3-D (batched) or 2-D (unbatched)": fwd(x, x.Select(0, 0), x.Select(0, 0), AttentionOptions{}),
		"nn.MultiheadAttention: key [2 4 6] and value [2 3 6] differ in their leading dimensions":                      fwd(x, x, x.Narrow(1, 0, 3), AttentionOptions{}),
		"nn.MultiheadAttention: query [2 4 6] and key [3 4 6] have different batch sizes":                              fwd(x, kBad, kBad, AttentionOptions{}),
		"nn.MultiheadAttention: key padding mask of shape [4 2], want [2 4]":                                           fwd(x, x, x, AttentionOptions{Masks: Masks{KeyPadding: tensor.Zeros(tensor.Shape{4, 2})}}),
		"nn.MultiheadAttention: attention mask of shape [4 3] does not fit a query of length 4, keys of length 4, batch 2 and 2 heads: want [4 4] or [4 4 4]": fwd(x, x, x,
			AttentionOptions{Masks: Masks{Mask: tensor.Zeros(tensor.Shape{4, 3})}}),
		"nn.MultiheadAttention: attention bias is float64, the query float32": fwd(x, x, x,
			AttentionOptions{Masks: Masks{Bias: autograd.Const(tensor.Zeros(tensor.Shape{4, 4}, tensor.Float64))}}),
		"nn.MultiheadAttention: unknown attention weights kind 7": fwd(x, x, x, AttentionOptions{Weights: 7}),
		"nn.NewTransformerEncoderLayer: bad sizes: d_model 0, heads 2, feed-forward 2048": func() {
			NewTransformerEncoderLayer(0, 2, TransformerEncoderLayerOptions{})
		},
		"nn.NewTransformerEncoder: needs a layer and at least one copy, got 0": func() {
			NewTransformerEncoder(NewTransformerEncoderLayer(4, 2, TransformerEncoderLayerOptions{DimFeedforward: 4}), 0, nil)
		},
		"nn.TransformerEncoderLayer: nil input": func() {
			NewTransformerEncoderLayer(4, 2, TransformerEncoderLayerOptions{DimFeedforward: 4}).Forward(nil)
		},
	} {
		assertPanicsWith(t, msg, f)
	}
}

// assertPanicsWith checks that f panics with a *tensor.Error whose message is msg.
func assertPanicsWith(t *testing.T, msg string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		e, ok := r.(*tensor.Error)
		if !ok {
			t.Errorf("want a *tensor.Error panic %q, got %#v", msg, r)
			return
		}
		assert.Equal(t, msg, e.Error())
	}()
	f()
}

// TestEncoderServesConcurrently evaluates one encoder (attention, masks, layer norms) from
// several goroutines at once: each result equals the serial one. Run it under -race.
func TestEncoderServesConcurrently(t *testing.T) {
	Seed(3)
	l := NewTransformerEncoderLayer(8, 2, TransformerEncoderLayerOptions{DimFeedforward: 16, BatchFirst: true})
	e := Eval(NewTransformerEncoder(l, 2, NewLayerNorm(tensor.Shape{8}, LayerNormOptions{})))
	masks := Masks{KeyPadding: tensor.From([]int64{0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0}, 3, 4), Causal: true}
	inputs := make([]*tensor.Tensor, 8)
	want := make([][]float32, len(inputs))
	for i := range inputs {
		inputs[i] = tensor.NewRNG(uint64(10+i)).Normal(tensor.Shape{3, 4, 8}, 0, 1)
		want[i] = e.ForwardMasked(autograd.Const(inputs[i]).NoGrad(), masks).Data().Float32s()
	}
	var wg sync.WaitGroup
	got := make([][][]float32, 4)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, x := range inputs {
				y := e.ForwardMasked(autograd.Const(x).NoGrad(), masks)
				if !y.IsNoGrad() || y.RequiresGrad() {
					panic("inference recorded a graph")
				}
				got[g] = append(got[g], y.Data().Float32s())
			}
		}()
	}
	wg.Wait()
	for g := range got {
		assert.Equal(t, want, got[g], "goroutine %d", g)
	}
}

func TestAttentionFromNoGradRecordsNothing(t *testing.T) {
	m, xt := mhaInputs(MultiheadAttentionOptions{})
	Eval(m)
	x := autograd.Const(xt).NoGrad()
	kpm := tensor.From([]int64{0, 0, 0, 1, 1, 0, 0, 0}, 2, 4)
	assertRecordsNothing(t, m, func() {
		m.Forward(x, x, x, AttentionOptions{Masks: Masks{KeyPadding: kpm, Causal: true}})
	})
	q, k := autograd.Const(xt).NoGrad(), autograd.Const(xt.AddScalar(1)).NoGrad()
	assertRecordsNothing(t, m, func() { m.Forward(q, k, k, AttentionOptions{}) })
	assertRecordsNothing(t, m, func() { m.Forward(q, k, x, AttentionOptions{}) })
	l := Eval(NewTransformerEncoderLayer(6, 2, TransformerEncoderLayerOptions{DimFeedforward: 8, BatchFirst: true, NormFirst: true}))
	assertRecordsNothing(t, l, func() { l.ForwardMasked(x, Masks{KeyPadding: kpm}) })
	pe := NewPositionEmbedding(10, 6, PositionEmbeddingOptions{BatchFirst: true})
	assertRecordsNothing(t, pe, func() { pe.Forward(x) })
}
