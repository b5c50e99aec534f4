package nn

import (
	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// Dropout zeroes each element with probability P during training and scales the others by
// 1/(1-P), like torch.nn.Dropout; in evaluation mode it returns its input. New layers are in
// training mode (see Train and Eval).
type Dropout struct {
	P        float64
	RNG      *tensor.RNG // draws the masks; the package default when nil
	training bool
}

// NewDropout returns a Dropout with probability p, drawing its masks from rng (the package
// default when nil). It panics if p is outside [0, 1].
func NewDropout(p float64, rng *tensor.RNG) *Dropout {
	if !(p >= 0 && p <= 1) {
		panicf("nn.NewDropout", "probability %g outside [0, 1]", p)
	}
	return &Dropout{P: p, RNG: rng, training: true}
}

// Members lists nothing: Dropout has no parameters.
func (d *Dropout) Members() []Member { return nil }

// SetTraining switches between training (masks drawn) and evaluation (identity).
func (d *Dropout) SetTraining(on bool) { d.training = on }

// Training reports whether d is in training mode.
func (d *Dropout) Training() bool { return d.training }

// Forward applies dropout in training mode, and returns x in evaluation mode.
func (d *Dropout) Forward(x *autograd.Value) *autograd.Value {
	return autograd.Dropout(x, d.P, d.training, orDefault(d.RNG))
}
