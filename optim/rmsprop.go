package optim

import (
	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// RMSpropOptions are the settings of RMSprop, with PyTorch's names. Start from
// RMSpropDefaults: a zero field means zero, not the default.
type RMSpropOptions struct {
	LR          float64 `json:"lr"`
	Alpha       float64 `json:"alpha"`
	Eps         float64 `json:"eps"`
	WeightDecay float64 `json:"weight_decay"`
	Momentum    float64 `json:"momentum"`
	Centered    bool    `json:"centered"`
	Maximize    bool    `json:"maximize"`
}

// RMSpropDefaults returns torch.optim.RMSprop's defaults: lr 1e-2, alpha 0.99, eps 1e-8.
func RMSpropDefaults() RMSpropOptions { return RMSpropOptions{LR: 1e-2, Alpha: 0.99, Eps: 1e-8} }

// RMSprop divides the gradient by a running root mean square of its recent values
// (optionally centered: minus the square of their running mean), with optional momentum, as
// torch.optim.RMSprop:
//
//	g = ∇ + weight_decay·p  (negated first with Maximize)
//	s = α·s + (1-α)·g²;  avg = √s + eps, or with Centered: a = α·a + (1-α)·g; avg = √(s - a²) + eps
//	with momentum: b = momentum·b + g/avg; p = p - lr·b, otherwise p = p - lr·g/avg
//
// Its state per parameter is the step count and "square_avg", "momentum_buffer" (with
// momentum) and "grad_avg" (centered).
type RMSprop struct {
	base[RMSpropOptions]
}

var rmspropRules = &rules[RMSpropOptions]{
	name:  "optim.RMSprop",
	slots: [3]string{"square_avg", "grad_avg", "momentum_buffer"},
	lr:    func(o *RMSpropOptions) *float64 { return &o.LR },
	check: func(o RMSpropOptions) string {
		return firstProblem(checkNonNeg("learning rate", o.LR), checkNonNeg("epsilon", o.Eps),
			checkNonNeg("momentum", o.Momentum), checkNonNeg("weight decay", o.WeightDecay),
			checkNonNeg("alpha", o.Alpha))
	},
	uses: func(o RMSpropOptions) [3]bool { return [3]bool{true, o.Centered, o.Momentum > 0} },
	fill: func(RMSpropOptions, int) float64 { return 0 },
}

// NewRMSprop returns RMSprop over params, one group with options o. It panics if params is
// empty, a parameter is nil, not a float leaf or listed twice, or an option is out of range.
func NewRMSprop(params []*autograd.Value, o RMSpropOptions) *RMSprop {
	return &RMSprop{newBase(rmspropRules, params, o)}
}

// Step updates every parameter that has a gradient.
func (r *RMSprop) Step() {
	for _, g := range r.groups {
		o := g.opts
		uses := r.rules.uses(o)
		for _, p := range g.params {
			grad := p.Grad()
			if grad == nil {
				continue
			}
			st, _ := r.prepare(p, o)
			st.step++
			tensor.RMSpropStep(p.Data(), grad, st.buf[0], st.slot(uses, 1), st.slot(uses, 2), tensor.RMSpropUpdate{
				LR: o.LR, Alpha: o.Alpha, Eps: o.Eps, WeightDecay: o.WeightDecay, Momentum: o.Momentum,
				Centered: o.Centered, Maximize: o.Maximize})
		}
	}
}

// Momentum returns the momentum of group i.
func (r *RMSprop) Momentum(i int) float64 { return r.group("Momentum", i).opts.Momentum }

// SetMomentum sets the momentum of group i (OneCycleLR cycles it).
func (r *RMSprop) SetMomentum(i int, m float64) { r.group("SetMomentum", i).opts.Momentum = m }
