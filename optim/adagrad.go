package optim

import (
	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// AdagradOptions are the settings of Adagrad, with PyTorch's names. Start from
// AdagradDefaults: a zero field means zero, not the default.
type AdagradOptions struct {
	LR                      float64 `json:"lr"`
	LRDecay                 float64 `json:"lr_decay"`
	WeightDecay             float64 `json:"weight_decay"`
	InitialAccumulatorValue float64 `json:"initial_accumulator_value"`
	Eps                     float64 `json:"eps"`
	Maximize                bool    `json:"maximize"`
}

// AdagradDefaults returns torch.optim.Adagrad's defaults: lr 1e-2, eps 1e-10.
func AdagradDefaults() AdagradOptions { return AdagradOptions{LR: 1e-2, Eps: 1e-10} }

// Adagrad scales each element's step by the root of the sum of its past squared gradients, as
// torch.optim.Adagrad: for step t,
//
//	g = ∇ + weight_decay·p  (negated first with Maximize)
//	s = s + g²;  p = p - lr/(1 + (t-1)·lr_decay) · g / (√s + eps)
//
// Its state per parameter is the step count and "sum" (s, starting at
// InitialAccumulatorValue).
type Adagrad struct {
	base[AdagradOptions]
}

var adagradRules = &rules[AdagradOptions]{
	name:  "optim.Adagrad",
	slots: [3]string{"sum"},
	lr:    func(o *AdagradOptions) *float64 { return &o.LR },
	check: func(o AdagradOptions) string {
		return firstProblem(checkNonNeg("learning rate", o.LR), checkNonNeg("lr_decay", o.LRDecay),
			checkNonNeg("weight decay", o.WeightDecay), checkNonNeg("initial accumulator value", o.InitialAccumulatorValue),
			checkNonNeg("epsilon", o.Eps))
	},
	uses: func(AdagradOptions) [3]bool { return [3]bool{true} },
	fill: func(o AdagradOptions, _ int) float64 { return o.InitialAccumulatorValue },
}

// NewAdagrad returns Adagrad over params, one group with options o. It panics if params is
// empty, a parameter is nil, not a float leaf or listed twice, or an option is out of range.
func NewAdagrad(params []*autograd.Value, o AdagradOptions) *Adagrad {
	return &Adagrad{newBase(adagradRules, params, o)}
}

// Step updates every parameter that has a gradient.
func (a *Adagrad) Step() {
	for _, g := range a.groups {
		o := g.opts
		for _, p := range g.params {
			grad := p.Grad()
			if grad == nil {
				continue
			}
			st, _ := a.prepare(p, o)
			st.step++
			tensor.AdagradStep(p.Data(), grad, st.buf[0], tensor.AdagradUpdate{
				LR: o.LR, LRDecay: o.LRDecay, Eps: o.Eps, WeightDecay: o.WeightDecay, Step: st.step, Maximize: o.Maximize})
		}
	}
}
