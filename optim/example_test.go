package optim_test

import (
	"fmt"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/optim"
	"github.com/godl/godl/tensor"
)

// Minimize (x - 3)² with Adam.
func ExampleAdam() {
	x := autograd.Param(tensor.From([]float64{0}))
	o := optim.AdamDefaults()
	o.LR = 0.1
	opt := optim.NewAdam([]*autograd.Value{x}, o)
	for range 200 {
		opt.ZeroGrad(true)
		d := x.AddScalar(-3)
		d.Mul(d).Sum().Backward()
		opt.Step()
	}
	fmt.Printf("x = %.3f after %d steps\n", x.Data().Item(), opt.StateDict().Params[0].Step)
	// Output: x = 3.000 after 200 steps
}

// Two parameter groups with their own learning rates, and SGD with Nesterov momentum.
func ExampleSGD_AddParamGroup() {
	w := autograd.Param(tensor.From([]float64{1, 1}))
	b := autograd.Param(tensor.From([]float64{1}))
	opt := optim.NewSGD([]*autograd.Value{w}, optim.SGDOptions{LR: 0.1, Momentum: 0.9, Nesterov: true})
	opt.AddParamGroup([]*autograd.Value{b}, optim.SGDOptions{LR: 0.01})
	w.Sum().Add(b.Sum()).Backward() // every gradient is 1
	opt.Step()
	fmt.Println(w.Data().Float64s(), b.Data().Float64s(), opt.LR(0), opt.LR(1))
	// Output: [0.81 0.81] [0.99] 0.1 0.01
}

// Clip the gradients' total norm to 1; the norm stays on the device until Item reads it.
func ExampleClipGradNorm() {
	p := autograd.Param(tensor.From([]float64{0, 0}))
	p.SetGrad(tensor.From([]float64{3, 4}))
	norm := optim.ClipGradNorm([]*autograd.Value{p}, 1, 2)
	fmt.Printf("%.1f %.4f\n", norm.Item(), p.Grad().Float64s())
	// Output: 5.0 [0.6000 0.8000]
}
