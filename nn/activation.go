package nn

import "github.com/godl/godl/autograd"

// Activation is an elementwise function as a Layer with no parameters, for Sequential:
// ReLU(), GELU(), Tanh(), Sigmoid(), LeakyReLU(slope).
type Activation struct {
	Name string
	Fn   func(*autograd.Value) *autograd.Value
}

// Members lists nothing.
func (a *Activation) Members() []Member { return nil }

// Forward applies the function.
func (a *Activation) Forward(x *autograd.Value) *autograd.Value { return a.Fn(x) }

// ReLU returns the layer max(x, 0).
func ReLU() *Activation { return &Activation{"ReLU", (*autograd.Value).ReLU} }

// GELU returns the layer x·Φ(x) (the exact form, PyTorch's default).
func GELU() *Activation { return &Activation{"GELU", (*autograd.Value).GELU} }

// Tanh returns the layer tanh(x).
func Tanh() *Activation { return &Activation{"Tanh", (*autograd.Value).Tanh} }

// Sigmoid returns the layer 1/(1+e⁻ˣ).
func Sigmoid() *Activation { return &Activation{"Sigmoid", (*autograd.Value).Sigmoid} }

// LeakyReLU returns the layer x for x > 0 and slope·x otherwise.
func LeakyReLU(slope float64) *Activation {
	return &Activation{"LeakyReLU", func(x *autograd.Value) *autograd.Value { return x.LeakyReLU(slope) }}
}
