package nn

import (
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLayersMatchTorch runs every case of testdata/layers.json: the layer built in godl, its
// state loaded from PyTorch's state_dict by name, outputs and gradients compared.
func TestLayersMatchTorch(t *testing.T) {
	for _, c := range fxLoad(t, "layers.json") {
		t.Run(c.Name, func(t *testing.T) {
			in := Init{DType: c.dtype()}
			switch c.Layer {
			case "linear":
				var p struct {
					In, Out int
					NoBias  bool `json:"no_bias"`
				}
				c.params(t, &p)
				l := NewLinear(p.In, p.Out, LinearOptions{NoBias: p.NoBias, Init: in})
				fxRun(t, c, l, func(x map[string]*autograd.Value, _, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{l.Forward(x["x"])}
				})
			case "layernorm":
				var p struct {
					Shape []int
					Eps   float64
				}
				c.params(t, &p)
				ln := NewLayerNorm(p.Shape, LayerNormOptions{Eps: p.Eps, Init: in})
				fxRun(t, c, ln, func(x map[string]*autograd.Value, _, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{ln.Forward(x["x"])}
				})
			case "embedding":
				var p struct {
					Num, Dim    int
					PaddingIdx  *int                `json:"padding_idx"`
					MaxNorm     float64             `json:"max_norm"`
					StateBefore map[string]fxTensor `json:"state_before"`
				}
				c.params(t, &p)
				e := NewEmbedding(p.Num, p.Dim, EmbeddingOptions{PaddingIdx: p.PaddingIdx, MaxNorm: p.MaxNorm, Init: in})
				after := c.State
				if p.StateBefore != nil {
					c.State = p.StateBefore
				}
				fxRun(t, c, e, func(_ map[string]*autograd.Value, ints, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{e.Lookup(ints["ids"])}
				})
				rtol, atol := fxTolerances(c.DType)
				fxCompare(t, "table after the forward pass", e.Weight.Data(), after["weight"], rtol, atol)
			case "sequential":
				s := NewSequential(NewLinear(4, 8, LinearOptions{Init: in}), Tanh(), NewLinear(8, 2, LinearOptions{Init: in}))
				assert.Equal(t, []string{"0.weight", "0.bias", "2.weight", "2.bias"}, StateDictKeys(s))
				fxRun(t, c, s, func(x map[string]*autograd.Value, _, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{s.Forward(x["x"])}
				})
			default:
				t.Fatalf("unknown layer %q", c.Layer)
			}
		})
	}
}

func TestLayerGradChecks(t *testing.T) {
	f64 := Init{DType: tensor.Float64, RNG: tensor.NewRNG(3)}
	x := tensor.NewRNG(4).Normal(tensor.Shape{3, 5}, 0, 1, tensor.Float64)
	lin := NewLinear(5, 4, LinearOptions{Init: f64})
	ln := NewLayerNorm(tensor.Shape{5}, LayerNormOptions{Init: f64})
	Normal(ln.Weight, 1, 0.3, f64.RNG)
	Normal(ln.Bias, 0, 0.3, f64.RNG)
	pad := 1
	emb := NewEmbedding(6, 3, EmbeddingOptions{PaddingIdx: &pad, Init: f64})
	ids := tensor.From([]int64{1, 4, 0, 4, 1, 2}, 2, 3)
	for name, c := range map[string]struct {
		f      func(xs ...*autograd.Value) *autograd.Value
		inputs []*tensor.Tensor
	}{
		"linear": {func(xs ...*autograd.Value) *autograd.Value {
			lin.Weight.SetData(xs[1].Data())
			return autograd.MatMul(xs[0], xs[1].T()).Add(xs[2])
		}, []*tensor.Tensor{x, lin.Weight.Data(), lin.Bias.Data()}},
		"layernorm": {func(xs ...*autograd.Value) *autograd.Value {
			l := &LayerNorm{Shape: ln.Shape, Eps: ln.Eps, Weight: xs[1], Bias: xs[2]}
			return l.Forward(xs[0])
		}, []*tensor.Tensor{x.MulScalar(3), ln.Weight.Data(), ln.Bias.Data()}},
		// The padding row gets no gradient by design, so the check masks the positions that
		// look it up (their finite differences would not be zero).
		"embedding with padding": {func(xs ...*autograd.Value) *autograd.Value {
			e := &Embedding{Weight: xs[0], Num: 6, Dim: 3, PaddingIdx: 1}
			return e.Lookup(ids).Tanh().MaskedFill(ids.EqScalar(1).Unsqueeze(-1), 0)
		}, []*tensor.Tensor{emb.Weight.Data()}},
	} {
		require.NoError(t, autograd.GradCheck(c.f, c.inputs, nil), name)
	}
}
