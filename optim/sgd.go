package optim

import (
	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// SGDOptions are the settings of SGD, with PyTorch's names; the zero value of every field but
// LR (which has no default) is PyTorch's default.
type SGDOptions struct {
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	Dampening   float64 `json:"dampening"`
	WeightDecay float64 `json:"weight_decay"`
	Nesterov    bool    `json:"nesterov"`
	Maximize    bool    `json:"maximize"`
}

// SGD is stochastic gradient descent with optional momentum (heavy-ball or Nesterov),
// dampening and weight decay, as torch.optim.SGD:
//
//	g = ∇ + weight_decay·p  (negated first with Maximize)
//	b = g on the first step, b = momentum·b + (1-dampening)·g after
//	g = g + momentum·b with Nesterov, g = b otherwise
//	p = p - lr·g
//
// Its state per parameter is the momentum buffer ("momentum_buffer") when Momentum is not 0.
type SGD struct {
	base[SGDOptions]
}

var sgdRules = &rules[SGDOptions]{
	name:  "optim.SGD",
	slots: [3]string{"momentum_buffer"},
	lr:    func(o *SGDOptions) *float64 { return &o.LR },
	check: func(o SGDOptions) string {
		if msg := firstProblem(checkNonNeg("learning rate", o.LR), checkNonNeg("momentum", o.Momentum),
			checkNonNeg("weight decay", o.WeightDecay), checkFinite("dampening", o.Dampening)); msg != "" {
			return msg
		}
		if o.Nesterov && (o.Momentum <= 0 || o.Dampening != 0) {
			return "Nesterov momentum requires a momentum and zero dampening"
		}
		return ""
	},
	uses: func(o SGDOptions) [3]bool { return [3]bool{o.Momentum != 0} },
	fill: func(SGDOptions, int) float64 { return 0 },
}

// NewSGD returns SGD over params, one group with options o. It panics if params is empty, a
// parameter is nil, not a float leaf or listed twice, or an option is out of range (a
// negative learning rate, momentum or weight decay; Nesterov without momentum or with
// dampening).
func NewSGD(params []*autograd.Value, o SGDOptions) *SGD {
	return &SGD{newBase(sgdRules, params, o)}
}

// Step updates every parameter that has a gradient.
func (s *SGD) Step() {
	for _, g := range s.groups {
		o := g.opts
		for _, p := range g.params {
			grad := p.Grad()
			if grad == nil {
				continue
			}
			st, fresh := s.prepare(p, o)
			st.step++
			tensor.SGDStep(p.Data(), grad, st.slot(s.rules.uses(o), 0), tensor.SGDUpdate{
				LR: o.LR, WeightDecay: o.WeightDecay, Momentum: o.Momentum, Dampening: o.Dampening,
				Nesterov: o.Nesterov, Maximize: o.Maximize, First: fresh[0]})
		}
	}
}

// Momentum returns the momentum of group i.
func (s *SGD) Momentum(i int) float64 { return s.group("Momentum", i).opts.Momentum }

// SetMomentum sets the momentum of group i (OneCycleLR cycles it).
func (s *SGD) SetMomentum(i int, m float64) { s.group("SetMomentum", i).opts.Momentum = m }
