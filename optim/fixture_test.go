package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/nn"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/require"
)

// The PyTorch fixtures: testdata/gen_optim.py and testdata/gen_sched.py write them (their doc
// strings give the format); these helpers read them.

type fxTensor struct {
	DType string    `json:"dtype"`
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (s fxTensor) build(t testing.TB) *tensor.Tensor {
	t.Helper()
	switch s.DType {
	case "float64":
		return tensor.From(s.Data, s.Shape...)
	case "float32":
		f := make([]float32, len(s.Data))
		for i, v := range s.Data {
			f[i] = float32(v)
		}
		return tensor.From(f, s.Shape...)
	case "int64":
		d := make([]int64, len(s.Data))
		for i, v := range s.Data {
			d[i] = int64(v)
		}
		return tensor.From(d, s.Shape...)
	}
	t.Fatalf("unknown dtype %q", s.DType)
	return nil
}

type fxGroup struct {
	Params  []string        `json:"params"`
	Options json.RawMessage `json:"options"`
}

type fxOptimCase struct {
	Name      string              `json:"name"`
	Optimizer string              `json:"optimizer"`
	DType     string              `json:"dtype"`
	State     map[string]fxTensor `json:"state"`
	Groups    []fxGroup           `json:"groups"`
	AddGroup  *struct {
		At int `json:"at"`
		fxGroup
	} `json:"add_group"`
	Frozen     []string              `json:"frozen"`
	Losses     []float64             `json:"losses"`
	Trajectory []map[string]fxTensor `json:"trajectory"`
	Steps      map[string]int64      `json:"steps"`
}

type fxClipCase struct {
	Name      string              `json:"name"`
	DType     string              `json:"dtype"`
	State     map[string]fxTensor `json:"state"`
	NormType  any                 `json:"norm_type"`
	MaxNorm   float64             `json:"max_norm"`
	TotalNorm float64             `json:"total_norm"`
	ClipValue float64             `json:"clip_value"`
	Grads     map[string]fxTensor `json:"grads"`
}

type fxOptimFile struct {
	TorchVersion string `json:"torch_version"`
	Inputs       struct {
		X fxTensor `json:"x"`
		Y fxTensor `json:"y"`
	} `json:"inputs"`
	Cases []fxOptimCase `json:"cases"`
	Clip  []fxClipCase  `json:"clip"`
}

func fxRead(t testing.TB, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, v))
}

// The tolerances of a comparison: |got - want| <= rtol·|want| + atol·max|want| over the
// tensor. Float32 allows for the rounding of ten steps of forward, backward and update, each
// a few ulp apart from PyTorch's (which fuses some multiply-adds).
const (
	f64Rtol, f64Atol = 1e-10, 1e-12
	f32Rtol, f32Atol = 1e-5, 2e-6
)

func tolerances(dtype string) (rtol, atol float64) {
	if dtype == "float32" {
		return f32Rtol, f32Atol
	}
	return f64Rtol, f64Atol
}

func compare(t *testing.T, what string, got *tensor.Tensor, want fxTensor, rtol, atol float64) {
	t.Helper()
	require.Equal(t, want.Shape, []int(got.Shape()), "%s: shape", what)
	g, w := got.Float64s(), want.Data
	scale := 0.0
	for _, v := range w {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range w {
		if d := math.Abs(g[i] - w[i]); !(d <= rtol*math.Abs(w[i])+atol*scale) {
			t.Fatalf("%s: element %d is %v, want %v (difference %.3g)", what, i, g[i], w[i], d)
		}
	}
}

// smallModel is the fixtures' Sequential(Linear(5, 4), Tanh, Linear(4, 3)) with the given
// state loaded.
func smallModel(t testing.TB, dtype string, state map[string]fxTensor) (*nn.Sequential, map[string]*autograd.Value) {
	t.Helper()
	dt := tensor.Float32
	if dtype == "float64" {
		dt = tensor.Float64
	}
	in := nn.Init{RNG: tensor.NewRNG(1), DType: dt}
	m := nn.NewSequential(nn.NewLinear(5, 4, nn.LinearOptions{Init: in}), nn.Tanh(), nn.NewLinear(4, 3, nn.LinearOptions{Init: in}))
	sd := map[string]*tensor.Tensor{}
	for k, v := range state {
		sd[k] = v.build(t)
	}
	require.NoError(t, nn.LoadStateDict(m, sd, true))
	named := map[string]*autograd.Value{}
	for _, n := range nn.NamedParameters(m) {
		named[n.Name] = n.Value
	}
	return m, named
}

// fxOptions decodes PyTorch's keyword arguments onto the defaults of the optimizer.
func fxOptions[O any](t testing.TB, defaults O, raw json.RawMessage) O {
	t.Helper()
	o := defaults
	require.NoError(t, json.Unmarshal(raw, &o))
	return o
}

// fxOptimizer builds the case's optimizer from its first group and returns it with a function
// that adds a group. As in PyTorch, the first group's options are the constructor's, the
// defaults of the groups after it.
func fxOptimizer(t testing.TB, kind string, params []*autograd.Value, raw json.RawMessage) (Optimizer, func([]*autograd.Value, json.RawMessage)) {
	switch kind {
	case "SGD":
		def := fxOptions(t, SGDOptions{}, raw)
		o := NewSGD(params, def)
		return o, func(p []*autograd.Value, r json.RawMessage) { o.AddParamGroup(p, fxOptions(t, def, r)) }
	case "Adam", "AdamW":
		def, mk := AdamDefaults(), NewAdam
		if kind == "AdamW" {
			def, mk = AdamWDefaults(), NewAdamW
		}
		def = fxOptions(t, def, raw)
		o := mk(params, def)
		return o, func(p []*autograd.Value, r json.RawMessage) { o.AddParamGroup(p, fxOptions(t, def, r)) }
	case "RMSprop":
		def := fxOptions(t, RMSpropDefaults(), raw)
		o := NewRMSprop(params, def)
		return o, func(p []*autograd.Value, r json.RawMessage) { o.AddParamGroup(p, fxOptions(t, def, r)) }
	case "Adagrad":
		def := fxOptions(t, AdagradDefaults(), raw)
		o := NewAdagrad(params, def)
		return o, func(p []*autograd.Value, r json.RawMessage) { o.AddParamGroup(p, fxOptions(t, def, r)) }
	}
	t.Fatalf("unknown optimizer %s", kind)
	return nil, nil
}

func pick(named map[string]*autograd.Value, keys []string) []*autograd.Value {
	out := make([]*autograd.Value, len(keys))
	for i, k := range keys {
		out[i] = named[k]
	}
	return out
}

// TestOptimizersFollowPyTorch trains the fixtures' model for ten steps with every optimizer
// and configuration (parameter groups, a group added midway, frozen parameters, weight decay,
// AMSGrad, Nesterov, centered, maximize) and compares the loss and every parameter after every
// step with PyTorch 1.13's, then the step counts. It runs on the fused CPU kernels and on the
// composed form.
func TestOptimizersFollowPyTorch(t *testing.T) {
	var f fxOptimFile
	fxRead(t, "optim.json", &f)
	require.True(t, strings.HasPrefix(f.TorchVersion, "1.13"), "fixture written by torch %s", f.TorchVersion)
	require.NotEmpty(t, f.Cases)
	for _, composed := range []bool{false, true} {
		for _, c := range f.Cases {
			t.Run(fmt.Sprintf("%s/composed=%t", c.Name, composed), func(t *testing.T) {
				defer tensor.SetComposedOptimizers(tensor.SetComposedOptimizers(composed))
				m, named := smallModel(t, c.DType, c.State)
				for _, k := range c.Frozen {
					named[k].SetRequiresGrad(false)
				}
				x := autograd.Const(f.Inputs.X.build(t))
				if c.DType == "float32" {
					x = autograd.Const(x.Data().AsType(tensor.Float32))
				}
				y := f.Inputs.Y.build(t)
				require.NotEmpty(t, c.Groups)
				opt, add := fxOptimizer(t, c.Optimizer, pick(named, c.Groups[0].Params), c.Groups[0].Options)
				for _, g := range c.Groups[1:] {
					add(pick(named, g.Params), g.Options)
				}
				rtol, atol := tolerances(c.DType)
				for step, want := range c.Trajectory {
					if c.AddGroup != nil && c.AddGroup.At == step+1 {
						add(pick(named, c.AddGroup.Params), c.AddGroup.Options)
					}
					opt.ZeroGrad(step%2 == 0) // both ways of clearing
					loss := autograd.CrossEntropy(m.Forward(x), y)
					require.InDelta(t, c.Losses[step], loss.Item(), rtol*math.Abs(c.Losses[step])+atol*10, "loss before step %d", step+1)
					loss.Backward()
					opt.Step()
					for k, w := range want {
						compare(t, fmt.Sprintf("step %d %s", step+1, k), named[k].Data(), w, rtol, atol)
					}
				}
				sd := opt.StateDict()
				got := map[string]int64{}
				for id, ps := range sd.Params {
					if ps.Step > 0 && c.Optimizer != "SGD" {
						got[fmt.Sprint(id)] = ps.Step
					}
				}
				if c.Optimizer != "SGD" {
					require.Equal(t, c.Steps, got, "step counts")
				}
			})
		}
	}
}

// TestClipGradFollowsPyTorch compares ClipGradNorm (orders 1, 2, 3 and ∞, clipping and not)
// and ClipGradValue with torch.nn.utils on the fixture model's gradients.
func TestClipGradFollowsPyTorch(t *testing.T) {
	var f fxOptimFile
	fxRead(t, "optim.json", &f)
	require.NotEmpty(t, f.Clip)
	for _, c := range f.Clip {
		t.Run(c.Name, func(t *testing.T) {
			m, named := smallModel(t, c.DType, c.State)
			x := f.Inputs.X.build(t)
			if c.DType == "float32" {
				x = x.AsType(tensor.Float32)
			}
			autograd.CrossEntropy(m.Forward(autograd.Const(x)), f.Inputs.Y.build(t)).Backward()
			params := nn.Parameters(m)
			rtol, atol := tolerances(c.DType)
			if c.NormType == nil {
				ClipGradValue(params, c.ClipValue)
			} else {
				p := math.Inf(1)
				if v, ok := c.NormType.(float64); ok {
					p = v
				}
				total := ClipGradNorm(params, c.MaxNorm, p)
				require.Equal(t, 0, total.NDim())
				require.InDelta(t, c.TotalNorm, total.Item(), rtol*c.TotalNorm+atol)
			}
			for k, w := range c.Grads {
				compare(t, "grad "+k, named[k].Grad(), w, rtol, atol)
			}
		})
	}
}
