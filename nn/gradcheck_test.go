package nn

import (
	"reflect"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/require"
)

// replaceValues replaces, in the struct that m points to and every struct it reaches through
// exported pointer, interface and slice fields, each *autograd.Value field found in repl by
// its replacement. Test code only: it lets gradCheckModule differentiate with respect to a
// layer's parameters without the layer knowing.
func replaceValues(m any, repl map[*autograd.Value]*autograd.Value) {
	valueType := reflect.TypeFor[*autograd.Value]()
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(v.Elem())
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Field(i)
				if !v.Type().Field(i).IsExported() {
					continue
				}
				if f.Type() == valueType {
					if r, ok := repl[f.Interface().(*autograd.Value)]; ok && f.CanSet() {
						f.Set(reflect.ValueOf(r))
					}
					continue
				}
				walk(f)
			}
		}
	}
	walk(reflect.ValueOf(m))
}

// gradCheckModule checks the gradients of f(inputs) with respect to the inputs and to every
// parameter of m, in float64 with finite differences. f's output is reduced to a scalar with
// fixed random weights, so that one backward pass covers all its elements.
func gradCheckModule(t *testing.T, name string, m Module, inputs []*tensor.Tensor, f func(xs []*autograd.Value) *autograd.Value) {
	t.Helper()
	var params []*autograd.Value
	if m != nil {
		params = Parameters(m)
	}
	all := append([]*tensor.Tensor(nil), inputs...)
	for _, p := range params {
		all = append(all, p.Data())
	}
	var weights *tensor.Tensor
	err := autograd.GradCheck(func(xs ...*autograd.Value) *autograd.Value {
		there, back := map[*autograd.Value]*autograd.Value{}, map[*autograd.Value]*autograd.Value{}
		for i, p := range params {
			x := xs[len(inputs)+i]
			there[p], back[x] = x, p
		}
		replaceValues(m, there)
		defer replaceValues(m, back)
		if m != nil {
			for i, p := range Parameters(m) {
				if p != xs[len(inputs)+i] {
					panic("gradCheckModule: a parameter of " + name + " was not replaced")
				}
			}
		}
		y := f(xs[:len(inputs)])
		if weights == nil {
			weights = tensor.NewRNG(77).Normal(y.Shape(), 0, 1, tensor.Float64)
		}
		return y.Mul(autograd.Const(weights)).Sum()
	}, all, nil)
	require.NoError(t, err, name)
}

func randT(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.NewRNG(seed).Normal(tensor.Shape(shape), 0, 1, tensor.Float64)
}

func TestAttentionGradChecks(t *testing.T) {
	f64 := func(seed uint64) Init { return Init{DType: tensor.Float64, RNG: tensor.NewRNG(seed)} }
	randomize := func(m Module, seed uint64) {
		for i, p := range Parameters(m) {
			Normal(p, 0, 0.5, tensor.NewRNG(seed+uint64(i)))
		}
	}
	kpm := tensor.From([]int64{0, 0, 0, 1, 0, 1, 0, 0}, 2, 4)

	t.Run("mha/self/padding/causal/per-head", func(t *testing.T) {
		m := NewMultiheadAttention(4, 2, MultiheadAttentionOptions{BatchFirst: true, Init: f64(1)})
		randomize(m, 10)
		gradCheckModule(t, "mha", m, []*tensor.Tensor{randT(2, 2, 4, 4)}, func(xs []*autograd.Value) *autograd.Value {
			out, w := m.Forward(xs[0], xs[0], xs[0], AttentionOptions{Masks: Masks{KeyPadding: kpm, Causal: true}, Weights: WeightsPerHead})
			return autograd.Cat([]*autograd.Value{out.Reshape(-1), w.Reshape(-1)}, 0)
		})
	})
	t.Run("mha/cross/kdim-vdim/bias/mask", func(t *testing.T) {
		m := NewMultiheadAttention(4, 2, MultiheadAttentionOptions{KDim: 3, VDim: 5, Init: f64(3)})
		randomize(m, 20)
		mask := tensor.From([]int64{0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0}, 3, 4)
		in := []*tensor.Tensor{randT(4, 3, 2, 4), randT(5, 4, 2, 3), randT(6, 4, 2, 5), randT(7, 3, 4)}
		gradCheckModule(t, "mha", m, in, func(xs []*autograd.Value) *autograd.Value {
			out, w := m.Forward(xs[0], xs[1], xs[2], AttentionOptions{Masks: Masks{KeyPadding: kpm, Mask: mask, Bias: xs[3]}})
			return autograd.Cat([]*autograd.Value{out.Reshape(-1), w.Reshape(-1)}, 0)
		})
	})
	t.Run("encoder_layer/pre-norm/gelu", func(t *testing.T) {
		l := NewTransformerEncoderLayer(4, 2, TransformerEncoderLayerOptions{DimFeedforward: 6, Activation: GELU(), NormFirst: true, Init: f64(8)})
		Eval(l)
		randomize(l, 30)
		gradCheckModule(t, "encoder layer", l, []*tensor.Tensor{randT(9, 4, 2, 4)}, func(xs []*autograd.Value) *autograd.Value {
			return l.ForwardMasked(xs[0], Masks{KeyPadding: kpm})
		})
	})
	t.Run("encoder/post-norm/2-layers/norm", func(t *testing.T) {
		l := NewTransformerEncoderLayer(4, 2, TransformerEncoderLayerOptions{DimFeedforward: 5, BatchFirst: true, Init: f64(10)})
		e := Eval(NewTransformerEncoder(l, 2, NewLayerNorm(tensor.Shape{4}, LayerNormOptions{Init: f64(11)})))
		randomize(e, 40)
		gradCheckModule(t, "encoder", e, []*tensor.Tensor{randT(12, 2, 4, 4)}, func(xs []*autograd.Value) *autograd.Value {
			return e.ForwardMasked(xs[0], Masks{KeyPadding: kpm, Causal: true})
		})
	})
	t.Run("positions", func(t *testing.T) {
		pe := NewPositionalEncoding(6, PositionalEncodingOptions{MaxLen: 10, BatchFirst: true, Init: f64(0)})
		gradCheckModule(t, "sinusoidal", pe, []*tensor.Tensor{randT(13, 2, 5, 6)}, func(xs []*autograd.Value) *autograd.Value {
			return pe.Forward(xs[0])
		})
		e := NewPositionEmbedding(7, 3, PositionEmbeddingOptions{Init: f64(14)})
		gradCheckModule(t, "learned", e, []*tensor.Tensor{randT(15, 4, 2, 3)}, func(xs []*autograd.Value) *autograd.Value {
			return e.Forward(xs[0])
		})
	})
}
