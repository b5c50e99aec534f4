package optim

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fxSpec struct {
	Kind string         `json:"kind"`
	Args map[string]any `json:"args"`
}

type fxSchedCase struct {
	Name      string               `json:"name"`
	Optimizer string               `json:"optimizer"`
	Groups    []map[string]float64 `json:"groups"`
	Scheduler fxSpec               `json:"scheduler"`
	Steps     int                  `json:"steps"`
	Metrics   []float64            `json:"metrics"`
	LRs       [][]float64          `json:"lrs"`
	Momenta   [][]float64          `json:"momenta"`
}

// The learning rates are float64 arithmetic on both sides, in the same order; they may differ
// only where Go's math.Pow and math.Cos round differently from the C library's.
const schedRtol = 1e-13

var fxLambdas = map[string]func(int) float64{
	"pow0.95": func(e int) float64 { return math.Pow(0.95, float64(e)) },
	"inv":     func(e int) float64 { return 1 / float64(e+1) },
	"warm5":   func(e int) float64 { return min(1.0, float64(e+1)/5) },
}

func fxSchedOptimizer(t *testing.T, kind string, groups []map[string]float64) Optimizer {
	t.Helper()
	var opt Optimizer
	var add func(p []*autograd.Value, g map[string]float64)
	for i, g := range groups {
		p := []*autograd.Value{autograd.Param(tensor.Zeros(tensor.Shape{2}))}
		if i > 0 {
			add(p, g)
			continue
		}
		switch kind {
		case "SGD":
			o := NewSGD(p, SGDOptions{LR: g["lr"], Momentum: g["momentum"]})
			opt, add = o, func(p []*autograd.Value, g map[string]float64) {
				o.AddParamGroup(p, SGDOptions{LR: g["lr"], Momentum: g["momentum"]})
			}
		case "Adam":
			d := AdamDefaults()
			d.LR = g["lr"]
			o := NewAdam(p, d)
			opt, add = o, func(p []*autograd.Value, g map[string]float64) { d.LR = g["lr"]; o.AddParamGroup(p, d) }
		case "Adagrad":
			d := AdagradDefaults()
			d.LR = g["lr"]
			opt = NewAdagrad(p, d)
		default:
			t.Fatalf("unknown optimizer %s", kind)
		}
	}
	return opt
}

func num(t *testing.T, args map[string]any, key string, def float64) float64 {
	v, ok := args[key]
	if !ok {
		return def
	}
	f, ok := v.(float64)
	require.True(t, ok, "%s is %T", key, v)
	return f
}

func nums(args map[string]any, key string) []float64 {
	switch v := args[key].(type) {
	case float64:
		return []float64{v}
	case []any:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = x.(float64)
		}
		return out
	}
	return nil
}

func ints(args map[string]any, key string) []int {
	f := nums(args, key)
	out := make([]int, len(f))
	for i, x := range f {
		out[i] = int(x)
	}
	return out
}

func fxScheduler(t *testing.T, opt Optimizer, s fxSpec) Scheduler {
	t.Helper()
	a := s.Args
	switch s.Kind {
	case "StepLR":
		return NewStepLR(opt, int(num(t, a, "step_size", 0)), num(t, a, "gamma", 0.1))
	case "MultiStepLR":
		return NewMultiStepLR(opt, ints(a, "milestones"), num(t, a, "gamma", 0.1))
	case "ExponentialLR":
		return NewExponentialLR(opt, num(t, a, "gamma", 0))
	case "CosineAnnealingLR":
		return NewCosineAnnealingLR(opt, int(num(t, a, "T_max", 0)), num(t, a, "eta_min", 0))
	case "CosineAnnealingWarmRestarts":
		return NewCosineAnnealingWarmRestarts(opt, int(num(t, a, "T_0", 0)), int(num(t, a, "T_mult", 1)), num(t, a, "eta_min", 0))
	case "LinearLR":
		return NewLinearLR(opt, num(t, a, "start_factor", 1./3), num(t, a, "end_factor", 1), int(num(t, a, "total_iters", 5)))
	case "OneCycleLR":
		o := OneCycleDefaults(int(num(t, a, "total_steps", 0)), nums(a, "max_lr")...)
		o.PctStart = num(t, a, "pct_start", o.PctStart)
		o.DivFactor = num(t, a, "div_factor", o.DivFactor)
		o.FinalDivFactor = num(t, a, "final_div_factor", o.FinalDivFactor)
		o.ThreePhase = a["three_phase"] == true
		o.AnnealLinear = a["anneal_strategy"] == "linear"
		if v, ok := a["cycle_momentum"]; ok {
			o.CycleMomentum = v.(bool)
		}
		return NewOneCycleLR(opt, o)
	case "LambdaLR":
		var fns []func(int) float64
		for _, n := range a["lambdas"].([]any) {
			fns = append(fns, fxLambdas[n.(string)])
		}
		return NewLambdaLR(opt, fns...)
	case "SequentialLR":
		var subs []Scheduler
		for _, raw := range a["schedulers"].([]any) {
			b, _ := json.Marshal(raw)
			var sp fxSpec
			require.NoError(t, json.Unmarshal(b, &sp))
			subs = append(subs, fxScheduler(t, opt, sp))
		}
		return NewSequentialLR(opt, subs, ints(a, "milestones"))
	}
	t.Fatalf("unknown scheduler %s", s.Kind)
	return nil
}

func fxPlateau(t *testing.T, opt Optimizer, a map[string]any) *ReduceLROnPlateau {
	o := PlateauDefaults()
	o.Max = a["mode"] == "max"
	o.Factor = num(t, a, "factor", o.Factor)
	o.Patience = int(num(t, a, "patience", float64(o.Patience)))
	o.Threshold = num(t, a, "threshold", o.Threshold)
	o.AbsThreshold = a["threshold_mode"] == "abs"
	o.Cooldown = int(num(t, a, "cooldown", 0))
	if m := nums(a, "min_lr"); m != nil {
		o.MinLR = m
	}
	o.Eps = num(t, a, "eps", o.Eps)
	return NewReduceLROnPlateau(opt, o)
}

func momenta(opt Optimizer) []float64 {
	out := make([]float64, opt.NumGroups())
	if m, ok := opt.(Momentum); ok {
		for i := range out {
			out[i] = m.Momentum(i)
		}
	}
	return out
}

func assertClose(t *testing.T, want, got []float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if d := math.Abs(got[i] - want[i]); d > schedRtol*math.Abs(want[i]) {
			t.Fatalf("%s, group %d: %v, want %v (relative difference %.3g)", what, i, got[i], want[i], d/math.Abs(want[i]))
		}
	}
}

// TestSchedulersFollowPyTorch steps every scheduler as PyTorch's fixture did and compares the
// learning rates (and, for OneCycleLR, the momenta or β₁) of every group after every step.
// Halfway through, the scheduler is saved, restored into a fresh scheduler over a fresh
// optimizer, and the rest of the schedule continues from the restored pair.
func TestSchedulersFollowPyTorch(t *testing.T) {
	var f struct {
		TorchVersion string        `json:"torch_version"`
		Cases        []fxSchedCase `json:"cases"`
	}
	fxRead(t, "sched.json", &f)
	require.True(t, strings.HasPrefix(f.TorchVersion, "1.13"))
	require.NotEmpty(t, f.Cases)
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			opt := fxSchedOptimizer(t, c.Optimizer, c.Groups)
			var step func(k int)
			var last func() []float64
			var save func() ([]byte, error)
			var restore func() // swap in a fresh optimizer and scheduler restored from the saved state
			plateau := c.Scheduler.Kind == "ReduceLROnPlateau"
			if plateau {
				s := fxPlateau(t, opt, c.Scheduler.Args)
				step, last, save = func(k int) { s.Step(c.Metrics[k]) }, s.LastLR, s.MarshalBinary
				restore = func() {
					b, err := save()
					require.NoError(t, err)
					opt2 := fxSchedOptimizer(t, c.Optimizer, c.Groups)
					require.NoError(t, opt2.LoadStateDict(opt.StateDict()))
					s2 := fxPlateau(t, opt2, c.Scheduler.Args)
					require.NoError(t, s2.UnmarshalBinary(b))
					opt, s = opt2, s2
					step, last = func(k int) { s.Step(c.Metrics[k]) }, s.LastLR
				}
			} else {
				s := fxScheduler(t, opt, c.Scheduler)
				step, last = func(int) { s.Step() }, s.LastLR
				restore = func() {
					b, err := s.MarshalBinary()
					require.NoError(t, err)
					opt2 := fxSchedOptimizer(t, c.Optimizer, c.Groups)
					s2 := fxScheduler(t, opt2, c.Scheduler)
					require.NoError(t, opt2.LoadStateDict(opt.StateDict()))
					require.NoError(t, s2.UnmarshalBinary(b))
					opt, s = opt2, s2
					step, last = func(int) { s.Step() }, s.LastLR
				}
			}
			lrs := func() []float64 {
				out := make([]float64, opt.NumGroups())
				for i := range out {
					out[i] = opt.LR(i)
				}
				return out
			}
			assertClose(t, c.LRs[0], lrs(), "after construction")
			for k := range c.Steps {
				if k == c.Steps/2 {
					restore()
				}
				step(k)
				assertClose(t, c.LRs[k+1], lrs(), "step "+itoa(k+1))
				assertClose(t, c.LRs[k+1], last(), "LastLR, step "+itoa(k+1))
				assertClose(t, c.Momenta[k+1], momenta(opt), "momentum, step "+itoa(k+1))
			}
		})
	}
}

func itoa(k int) string { b, _ := json.Marshal(k); return string(b) }

func TestSchedulerStateErrors(t *testing.T) {
	mk := func() Optimizer { return NewSGD(params(tensor.Shape{1}), SGDOptions{LR: 0.1}) }
	step := NewStepLR(mk(), 2, 0.5)
	b, err := step.MarshalBinary()
	require.NoError(t, err)
	exp := NewExponentialLR(mk(), 0.9)
	assert.EqualError(t, exp.UnmarshalBinary(b), "optim: loading ExponentialLR: the state is of a StepLR")
	assert.ErrorContains(t, step.UnmarshalBinary([]byte(`{"kind":"StepLR"`)), "optim: loading StepLR: unexpected EOF")
	bad := strings.Replace(string(b), `"step_size":2`, `"step_size":"x"`, 1)
	require.Error(t, step.UnmarshalBinary([]byte(bad)))
	assert.Equal(t, 2, step.p.StepSize, "unchanged after a failed load")
	pl := NewReduceLROnPlateau(mk(), PlateauDefaults())
	pb, err := pl.MarshalBinary()
	require.NoError(t, err)
	assert.Contains(t, string(pb), `"best":"inf"`)
	require.NoError(t, pl.UnmarshalBinary(pb))
	assert.True(t, math.IsInf(float64(pl.p.Best), 1))
}

func TestSchedulerPanics(t *testing.T) {
	opt := NewAdagrad(params(tensor.Shape{1}), AdagradDefaults())
	cases := map[string]func(){
		"optim.NewOneCycleLR: the optimizer *optim.Adagrad has no momentum to cycle (set CycleMomentum to false)": func() {
			NewOneCycleLR(opt, OneCycleDefaults(10, 0.1))
		},
		"optim.OneCycleLR.Step: tried to step 4 times; the cycle has 2 steps": func() {
			o := OneCycleDefaults(2, 0.1)
			o.CycleMomentum = false
			s := NewOneCycleLR(opt, o)
			for range 3 {
				s.Step()
			}
		},
		"optim.NewStepLR: step size 0 must be positive": func() { NewStepLR(opt, 0, 0.1) },
		"optim.NewSequentialLR: expected one milestone fewer than schedulers, got 1 schedulers and 1 milestones": func() {
			NewSequentialLR(opt, []Scheduler{NewExponentialLR(opt, 0.9)}, []int{3})
		},
		"optim.NewLambdaLR: expected 1 or 1 functions, got 2": func() {
			NewLambdaLR(opt, func(int) float64 { return 1 }, func(int) float64 { return 1 })
		},
		"optim.NewReduceLROnPlateau: factor 1 should be < 1": func() {
			o := PlateauDefaults()
			o.Factor = 1
			NewReduceLROnPlateau(opt, o)
		},
	}
	for want, f := range cases {
		err := tensor.Maybe(f)
		require.Error(t, err, want)
		assert.Equal(t, want, err.Error())
	}
}
