package tensor

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// optimCase is one optimizer configuration: state lists how many state buffers it needs (in
// the order of the step function's arguments), step runs one update.
type optimCase struct {
	name  string
	state int
	step  func(p, g *Tensor, st []*Tensor, k int)
}

func optimCases() []optimCase {
	sgd := func(u SGDUpdate) func(p, g *Tensor, st []*Tensor, k int) {
		return func(p, g *Tensor, st []*Tensor, k int) {
			u.First = k == 1
			var buf *Tensor
			if len(st) > 0 {
				buf = st[0]
			}
			SGDStep(p, g, buf, u)
		}
	}
	adam := func(u AdamUpdate) func(p, g *Tensor, st []*Tensor, k int) {
		return func(p, g *Tensor, st []*Tensor, k int) {
			u.Step = int64(k)
			var vmax *Tensor
			if u.AMSGrad {
				vmax = st[2]
			}
			AdamStep(p, g, st[0], st[1], vmax, u)
		}
	}
	rms := func(u RMSpropUpdate) func(p, g *Tensor, st []*Tensor, k int) {
		return func(p, g *Tensor, st []*Tensor, k int) {
			var ga, buf *Tensor
			if u.Centered {
				ga = st[1]
			}
			if u.Momentum > 0 {
				buf = st[2]
			}
			RMSpropStep(p, g, st[0], ga, buf, u)
		}
	}
	return []optimCase{
		{"sgd/plain", 0, sgd(SGDUpdate{LR: 0.1})},
		{"sgd/momentum", 1, sgd(SGDUpdate{LR: 0.05, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01})},
		{"sgd/nesterov/maximize", 1, sgd(SGDUpdate{LR: 0.05, Momentum: 0.8, Nesterov: true, Maximize: true})},
		{"adam", 2, adam(AdamUpdate{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})},
		{"adam/wd/amsgrad/maximize", 3, adam(AdamUpdate{LR: 1e-2, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6, WeightDecay: 0.1, AMSGrad: true, Maximize: true})},
		{"adamw", 2, adam(AdamUpdate{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Decoupled: true})},
		{"rmsprop", 1, rms(RMSpropUpdate{LR: 1e-2, Alpha: 0.99, Eps: 1e-8})},
		{"rmsprop/centered/momentum/wd", 3, rms(RMSpropUpdate{LR: 1e-2, Alpha: 0.9, Eps: 1e-8, WeightDecay: 0.1, Momentum: 0.5, Centered: true})},
		{"adagrad", 1, func(p, g *Tensor, st []*Tensor, k int) {
			AdagradStep(p, g, st[0], AdagradUpdate{LR: 0.1, LRDecay: 0.01, Eps: 1e-10, WeightDecay: 0.05, Step: int64(k)})
		}},
		{"adagrad/maximize", 1, func(p, g *Tensor, st []*Tensor, k int) {
			AdagradStep(p, g, st[0], AdagradUpdate{LR: 0.1, Eps: 1e-10, Maximize: true, Step: int64(k)})
		}},
	}
}

// runOptimCase runs three steps of c on a parameter of the given shape (a transposed view
// when strided) and returns the parameter and the state buffers.
func runOptimCase(c optimCase, dt DType, shape Shape, strided, composed bool) [][]float64 {
	defer SetComposedOptimizers(SetComposedOptimizers(composed))
	rng := NewRNG(7)
	var p *Tensor
	if strided {
		p = rng.Normal(Shape{shape[1], shape[0]}, 0, 1, dt).T()
	} else {
		p = rng.Normal(shape, 0, 1, dt)
	}
	st := make([]*Tensor, c.state)
	for i := range st {
		st[i] = Zeros(shape, dt)
	}
	for k := 1; k <= 3; k++ {
		g := rng.Normal(shape, 0, 1, dt)
		if strided {
			g = g.T().Contiguous().T() // a gradient with other strides than the state
		}
		c.step(p, g, st, k)
	}
	out := [][]float64{p.Float64s()}
	for _, s := range st {
		out = append(out, s.Float64s())
	}
	return out
}

// TestOptimizerFusedMatchesComposed checks the CPU's fused updates against the composed
// form: the same operations in the same order, so the same bits, for float32 and float64,
// small and large (parallel blocks) parameters, contiguous and strided.
func TestOptimizerFusedMatchesComposed(t *testing.T) {
	for _, c := range optimCases() {
		for _, dt := range []DType{Float32, Float64} {
			for _, sh := range []struct {
				shape   Shape
				strided bool
			}{{Shape{5, 7}, false}, {Shape{300, 250}, false}, {Shape{6, 4}, true}} {
				name := fmt.Sprintf("%s/%s/%v/strided=%t", c.name, dt, sh.shape, sh.strided)
				t.Run(name, func(t *testing.T) {
					fused := runOptimCase(c, dt, sh.shape, sh.strided, false)
					comp := runOptimCase(c, dt, sh.shape, sh.strided, true)
					require.Len(t, fused, len(comp))
					for i := range fused {
						for j := range fused[i] {
							if math.Float64bits(fused[i][j]) != math.Float64bits(comp[i][j]) {
								t.Fatalf("operand %d element %d: fused %v, composed %v", i, j, fused[i][j], comp[i][j])
							}
						}
					}
					// The update moved the parameter and is finite.
					for _, v := range fused[0] {
						require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
					}
				})
			}
		}
	}
}

// TestAdamStepValues checks one Adam step against the formula worked by hand: after one step
// from zero moments, the update is -lr·g/(|g| + eps·√(1-β₂)) ≈ -lr·sign(g).
func TestAdamStepValues(t *testing.T) {
	p := From([]float64{1, 2, 3})
	g := From([]float64{0.5, -2, 0})
	m, v := Zeros(Shape{3}, Float64), Zeros(Shape{3}, Float64)
	AdamStep(p, g, m, v, nil, AdamUpdate{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1})
	got := p.Float64s()
	assert.InDelta(t, 0.9, got[0], 1e-7)
	assert.InDelta(t, 2.1, got[1], 1e-7)
	assert.Equal(t, 3.0, got[2])
	assert.InDeltaSlice(t, []float64{0.05, -0.2, 0}, m.Float64s(), 1e-15)
	assert.InDeltaSlice(t, []float64{0.00025, 0.004, 0}, v.Float64s(), 1e-15)
}

func TestOptimizerStepErrors(t *testing.T) {
	p, g := Zeros(Shape{2, 3}), Zeros(Shape{2, 3})
	m, v := Zeros(Shape{2, 3}), Zeros(Shape{2, 3})
	cases := map[string]func(){
		"tensor.AdamStep: step 0: counts start at 1": func() {
			AdamStep(p, g, m, v, nil, AdamUpdate{LR: 1, Beta1: 0.9, Beta2: 0.9})
		},
		"tensor.AdamStep: gradient of shape [3 2] for a parameter of shape [2 3]": func() {
			AdamStep(p, Zeros(Shape{3, 2}), m, v, nil, AdamUpdate{Step: 1})
		},
		"tensor.AdamStep: the maximum buffer goes with AMSGrad (amsgrad true)": func() {
			AdamStep(p, g, m, v, nil, AdamUpdate{Step: 1, AMSGrad: true})
		},
		"tensor.SGDStep: a momentum buffer goes with a nonzero momentum (momentum 0)": func() {
			SGDStep(p, g, m, SGDUpdate{LR: 1})
		},
		"tensor.SGDStep: parameter of dtype int64 and shape [2]: needs float32 or float64": func() {
			SGDStep(Zeros(Shape{2}, Int64), Zeros(Shape{2}, Int64), nil, SGDUpdate{LR: 1})
		},
		"tensor.RMSpropStep: a state buffer shares the parameter's storage": func() {
			RMSpropStep(p, g, p.Alias(), nil, nil, RMSpropUpdate{LR: 1})
		},
		"tensor.AdagradStep: dtypes differ: float32 [2 3] and float64 [2 3]": func() {
			AdagradStep(p, Zeros(Shape{2, 3}, Float64), m, AdagradUpdate{LR: 1, Step: 1})
		},
		"tensor.AdagradStep: cannot write in place to an expanded tensor of shape [2 3] (strides [0 1]); Clone it first": func() {
			AdagradStep(p, g, Zeros(Shape{1, 3}).Expand(2, 3), AdagradUpdate{LR: 1, Step: 1})
		},
	}
	for want, f := range cases {
		err := Maybe(f)
		require.Error(t, err, want)
		assert.Equal(t, want, err.Error())
	}
}
