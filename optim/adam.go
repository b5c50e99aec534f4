package optim

import (
	"fmt"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// AdamOptions are the settings of Adam and AdamW, with PyTorch's names. Start from
// AdamDefaults or AdamWDefaults: a zero field means zero, not the default.
type AdamOptions struct {
	LR          float64    `json:"lr"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	WeightDecay float64    `json:"weight_decay"`
	AMSGrad     bool       `json:"amsgrad"`
	Maximize    bool       `json:"maximize"`
}

// AdamDefaults returns torch.optim.Adam's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no
// weight decay.
func AdamDefaults() AdamOptions {
	return AdamOptions{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
}

// AdamWDefaults returns torch.optim.AdamW's defaults: Adam's, with weight decay 1e-2.
func AdamWDefaults() AdamOptions {
	o := AdamDefaults()
	o.WeightDecay = 1e-2
	return o
}

// Adam is the Adam optimizer (Kingma and Ba), with optional AMSGrad, as torch.optim.Adam: for
// step t,
//
//	g = ∇ + weight_decay·p  (negated first with Maximize)
//	m = β₁·m + (1-β₁)·g;  v = β₂·v + (1-β₂)·g²   (v̂ = max(v̂, v) with AMSGrad, used for v)
//	p = p - lr/(1-β₁ᵗ) · m / (√v/√(1-β₂ᵗ) + eps)
//
// Its state per parameter is the step count and "exp_avg" (m), "exp_avg_sq" (v) and, with
// AMSGrad, "max_exp_avg_sq" (v̂).
type Adam struct {
	base[AdamOptions]
	decoupled bool
}

func adamRules(name string) *rules[AdamOptions] {
	return &rules[AdamOptions]{
		name:  name,
		slots: [3]string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
		lr:    func(o *AdamOptions) *float64 { return &o.LR },
		check: func(o AdamOptions) string {
			for i, b := range o.Betas {
				if !(b >= 0 && b < 1) {
					return fmt.Sprintf("invalid beta parameter at index %d: %g (must be in [0, 1))", i, b)
				}
			}
			return firstProblem(checkNonNeg("learning rate", o.LR), checkNonNeg("epsilon", o.Eps),
				checkNonNeg("weight decay", o.WeightDecay))
		},
		uses: func(o AdamOptions) [3]bool { return [3]bool{true, true, o.AMSGrad} },
		fill: func(AdamOptions, int) float64 { return 0 },
	}
}

var (
	adamRulesAdam  = adamRules("optim.Adam")
	adamRulesAdamW = adamRules("optim.AdamW")
)

// NewAdam returns Adam over params, one group with options o. It panics if params is empty, a
// parameter is nil, not a float leaf or listed twice, or an option is out of range.
func NewAdam(params []*autograd.Value, o AdamOptions) *Adam {
	return &Adam{base: newBase(adamRulesAdam, params, o)}
}

// NewAdamW returns AdamW over params (Loshchilov and Hutter: the weight decay is applied to the
// parameter, p = p·(1 - lr·weight_decay), before Adam's update without it), as
// torch.optim.AdamW. It panics as NewAdam does.
func NewAdamW(params []*autograd.Value, o AdamOptions) *Adam {
	return &Adam{base: newBase(adamRulesAdamW, params, o), decoupled: true}
}

// Step updates every parameter that has a gradient.
func (a *Adam) Step() {
	for _, g := range a.groups {
		o := g.opts
		uses := a.rules.uses(o)
		for _, p := range g.params {
			grad := p.Grad()
			if grad == nil {
				continue
			}
			st, _ := a.prepare(p, o)
			st.step++
			tensor.AdamStep(p.Data(), grad, st.buf[0], st.buf[1], st.slot(uses, 2), tensor.AdamUpdate{
				LR: o.LR, Beta1: o.Betas[0], Beta2: o.Betas[1], Eps: o.Eps, WeightDecay: o.WeightDecay,
				Step: st.step, Decoupled: a.decoupled, AMSGrad: o.AMSGrad, Maximize: o.Maximize})
		}
	}
}

// Momentum returns β₁ of group i.
func (a *Adam) Momentum(i int) float64 { return a.group("Momentum", i).opts.Betas[0] }

// SetMomentum sets β₁ of group i (OneCycleLR cycles it).
func (a *Adam) SetMomentum(i int, m float64) { a.group("SetMomentum", i).opts.Betas[0] = m }
