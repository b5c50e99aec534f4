package optim

import (
	"math"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func params(shapes ...tensor.Shape) []*autograd.Value {
	rng := tensor.NewRNG(3)
	out := make([]*autograd.Value, len(shapes))
	for i, s := range shapes {
		out[i] = autograd.Param(rng.Normal(s, 0, 1))
	}
	return out
}

// setGrads gives every parameter a gradient drawn from seed.
func setGrads(ps []*autograd.Value, seed uint64) {
	rng := tensor.NewRNG(seed)
	for _, p := range ps {
		p.SetGrad(rng.Normal(p.Shape(), 0, 1, p.DType()))
	}
}

func TestStepSkipsParametersWithoutGradient(t *testing.T) {
	ps := params(tensor.Shape{3}, tensor.Shape{2})
	before := ps[1].Data().Float32s()
	opt := NewAdam(ps, AdamDefaults())
	ps[0].SetGrad(tensor.Ones(tensor.Shape{3}))
	opt.Step()
	assert.Equal(t, before, ps[1].Data().Float32s())
	sd := opt.StateDict()
	assert.Len(t, sd.Params, 1)
	assert.Equal(t, int64(1), sd.Params[0].Step)
}

func TestZeroGrad(t *testing.T) {
	ps := params(tensor.Shape{3})
	opt := NewSGD(ps, SGDOptions{LR: 1})
	g := tensor.Ones(tensor.Shape{3})
	ps[0].SetGrad(g)
	opt.ZeroGrad(false)
	assert.Same(t, g, ps[0].Grad(), "zeroed in place")
	assert.Equal(t, []float32{0, 0, 0}, g.Float32s())
	opt.ZeroGrad(true)
	assert.Nil(t, ps[0].Grad())
	assert.True(t, g.Released())
}

// TestStateDictRoundTrip saves the state of every optimizer after a few steps, loads it into a
// fresh optimizer over other parameters with the same values, and checks that both go on
// identically, bit for bit.
func TestStateDictRoundTrip(t *testing.T) {
	makers := map[string]func([]*autograd.Value) Optimizer{
		"sgd": func(p []*autograd.Value) Optimizer {
			return NewSGD(p, SGDOptions{LR: 0.1, Momentum: 0.9, Nesterov: true})
		},
		"adam": func(p []*autograd.Value) Optimizer {
			o := AdamDefaults()
			o.AMSGrad = true
			return NewAdam(p, o)
		},
		"adamw": func(p []*autograd.Value) Optimizer { return NewAdamW(p, AdamWDefaults()) },
		"rmsprop": func(p []*autograd.Value) Optimizer {
			o := RMSpropDefaults()
			o.Centered, o.Momentum = true, 0.5
			return NewRMSprop(p, o)
		},
		"adagrad": func(p []*autograd.Value) Optimizer { return NewAdagrad(p, AdagradDefaults()) },
	}
	for name, mk := range makers {
		t.Run(name, func(t *testing.T) {
			a := params(tensor.Shape{4, 3}, tensor.Shape{3})
			opt := mk(a)
			for k := range 3 {
				setGrads(a, uint64(k))
				opt.Step()
			}
			opt.SetLR(0, 0.05)
			opt.SetInitialLR(0, 0.1)
			b := []*autograd.Value{autograd.Param(a[0].Data().Clone()), autograd.Param(a[1].Data().Clone())}
			opt2 := mk(b)
			require.NoError(t, opt2.LoadStateDict(opt.StateDict()))
			assert.Equal(t, 0.05, opt2.LR(0))
			lr, ok := opt2.InitialLR(0)
			assert.True(t, ok)
			assert.Equal(t, 0.1, lr)
			for k := 3; k < 6; k++ {
				setGrads(a, uint64(k))
				setGrads(b, uint64(k))
				opt.Step()
				opt2.Step()
			}
			for i := range a {
				assert.Equal(t, a[i].Data().Float32s(), b[i].Data().Float32s())
			}
			// The loaded buffers are copies: the two optimizers share nothing.
			for id, ps := range opt2.StateDict().Params {
				for n, buf := range ps.Buffers {
					assert.False(t, buf.SharesStorage(opt.StateDict().Params[id].Buffers[n]))
				}
			}
		})
	}
}

func TestLoadStateDictErrors(t *testing.T) {
	ps := params(tensor.Shape{2, 2}, tensor.Shape{2})
	opt := NewAdam(ps, AdamDefaults())
	setGrads(ps, 1)
	opt.Step()
	good := opt.StateDict()
	mutate := map[string]func(s *State){
		"optim: the state has 2 parameter groups, the optimizer 1":           func(s *State) { s.Groups = append(s.Groups, s.Groups[0]) },
		"optim: group 0 of the state has 1 parameters, the optimizer's 2":    func(s *State) { s.Groups[0].Params = s.Groups[0].Params[:1] },
		`optim: group 0 settings: json: unknown field "momentum"`:            func(s *State) { s.Groups[0].Options["momentum"] = 0.9 },
		"optim: group 0: invalid learning rate -1 (must be finite and >= 0)": func(s *State) { s.Groups[0].Options["lr"] = -1.0 },
		"optim: the state has parameter number 7, which no group lists":      func(s *State) { s.Params[7] = s.Params[0] },
		`optim: parameter 0: unknown state buffer "sum" for optim.Adam`: func(s *State) {
			s.Params[0].Buffers["sum"] = s.Params[0].Buffers["exp_avg"]
		},
		`optim: parameter 1: state buffer "exp_avg" is float32 [2 2], the parameter float32 [2]`: func(s *State) {
			s.Params[1].Buffers["exp_avg"] = s.Params[0].Buffers["exp_avg"]
		},
		`optim: parameter 0: state buffer "exp_avg_sq" is missing`: func(s *State) { delete(s.Params[0].Buffers, "exp_avg_sq") },
		"optim: parameter 0: negative step count -1":               func(s *State) { p := s.Params[0]; p.Step = -1; s.Params[0] = p },
	}
	for want, f := range mutate {
		s := copyState(good)
		f(s)
		before := ps[0].Data().Float32s()
		err := opt.LoadStateDict(s)
		require.Error(t, err, want)
		assert.Equal(t, want, err.Error())
		assert.Equal(t, 1e-3, opt.LR(0), "unchanged after %s", want)
		assert.Equal(t, before, ps[0].Data().Float32s())
	}
	require.NoError(t, opt.LoadStateDict(copyState(good)))
}

// copyState copies the maps of s (not the tensors).
func copyState(s *State) *State {
	c := &State{Params: map[int]ParamState{}}
	for _, g := range s.Groups {
		opts := map[string]any{}
		for k, v := range g.Options {
			opts[k] = v
		}
		c.Groups = append(c.Groups, GroupState{Options: opts, Params: append([]int(nil), g.Params...)})
	}
	for id, p := range s.Params {
		bufs := map[string]*tensor.Tensor{}
		for k, v := range p.Buffers {
			bufs[k] = v
		}
		c.Params[id] = ParamState{Step: p.Step, Buffers: bufs}
	}
	return c
}

func TestOptimizerPanics(t *testing.T) {
	ps := params(tensor.Shape{2})
	x := autograd.Param(tensor.Ones(tensor.Shape{2}))
	nonLeaf := x.Mul(x)
	cases := map[string]func(){
		"optim.Adam: empty parameter list":                                              func() { NewAdam(nil, AdamDefaults()) },
		"optim.SGD.AddParamGroup: invalid learning rate -0.1 (must be finite and >= 0)": func() { NewSGD(ps, SGDOptions{LR: -0.1}) },
		"optim.SGD.AddParamGroup: Nesterov momentum requires a momentum and zero dampening": func() {
			NewSGD(ps, SGDOptions{LR: 0.1, Nesterov: true})
		},
		"optim.Adam.AddParamGroup: invalid beta parameter at index 1: 1 (must be in [0, 1))": func() {
			NewAdam(ps, AdamOptions{LR: 1, Betas: [2]float64{0.9, 1}})
		},
		"optim.Adam.AddParamGroup: parameter 0 of shape [2] appears twice among the groups": func() {
			NewAdam(ps, AdamDefaults()).AddParamGroup(ps, AdamDefaults())
		},
		"optim.RMSprop.AddParamGroup: parameter 0 is not a leaf (it was computed by Mul)": func() {
			NewRMSprop([]*autograd.Value{nonLeaf}, RMSpropDefaults())
		},
		"optim.Adagrad.LR: group 1 out of range [0, 1)":                  func() { NewAdagrad(ps, AdagradDefaults()).LR(1) },
		"optim.Adam.SetLR: invalid learning rate NaN":                    func() { NewAdam(ps, AdamDefaults()).SetLR(0, math.NaN()) },
		"optim.ClipGradNorm: invalid norm type 0 (must be > 0, or +Inf)": func() { ClipGradNorm(ps, 1, 0) },
		"optim.ClipGradValue: invalid clip value -1":                     func() { ClipGradValue(ps, -1) },
	}
	for want, f := range cases {
		err := tensor.Maybe(f)
		require.Error(t, err, want)
		assert.Equal(t, want, err.Error())
	}
}

func TestClipGradNormChecked(t *testing.T) {
	p := autograd.Param(tensor.From([]float32{1, 2}))
	p.SetGrad(tensor.From([]float32{float32(math.Inf(1)), 1}))
	_, err := ClipGradNormChecked([]*autograd.Value{p}, 1, 2)
	require.EqualError(t, err, "optim: the total norm of order 2 of the gradients is non-finite (+Inf), so it cannot be clipped")
	assert.Equal(t, float32(1), p.Grad().Float32s()[1], "gradients untouched")
	p.SetGrad(tensor.From([]float32{0, 0.5}))
	n, err := ClipGradNormChecked([]*autograd.Value{p}, 1, 2)
	require.NoError(t, err)
	assert.InDelta(t, 0.5, n.Item(), 1e-7)
	assert.Equal(t, []float32{0, 0.5}, p.Grad().Float32s(), "below the bound: unchanged within rounding")
	// Without gradients the norm is 0.
	q := autograd.Param(tensor.Ones(tensor.Shape{2}))
	assert.Equal(t, 0.0, ClipGradNorm([]*autograd.Value{q}, 1, 2).Item())
}

func TestMomentum(t *testing.T) {
	ps := params(tensor.Shape{2})
	a := NewAdam(ps, AdamDefaults())
	a.SetMomentum(0, 0.85)
	assert.Equal(t, [2]float64{0.85, 0.999}, a.Options(0).Betas)
	assert.Equal(t, 0.85, a.Momentum(0))
	var _ Momentum = NewRMSprop(ps, RMSpropDefaults())
	_, ok := Optimizer(NewAdagrad(params(tensor.Shape{1}), AdagradDefaults())).(Momentum)
	assert.False(t, ok, "Adagrad has no momentum")
}
