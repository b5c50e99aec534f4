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

// A linear warm-up over 3 epochs followed by a cosine decay, as PyTorch's SequentialLR runs
// them.
func ExampleSequentialLR() {
	p := autograd.Param(tensor.Zeros(tensor.Shape{1}))
	opt := optim.NewSGD([]*autograd.Value{p}, optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	warm := optim.NewLinearLR(opt, 0.25, 1, 3)
	cos := optim.NewCosineAnnealingLR(opt, 4, 0)
	sched := optim.NewSequentialLR(opt, []optim.Scheduler{warm, cos}, []int{3})
	for epoch := range 8 {
		fmt.Printf("epoch %d: lr %.4f\n", epoch, opt.LR(0))
		// ... train an epoch with opt ...
		sched.Step()
	}
	// Output:
	// epoch 0: lr 0.0250
	// epoch 1: lr 0.0500
	// epoch 2: lr 0.0750
	// epoch 3: lr 0.1000
	// epoch 4: lr 0.0854
	// epoch 5: lr 0.0500
	// epoch 6: lr 0.0146
	// epoch 7: lr 0.0000
}

// ReduceLROnPlateau divides the learning rate by ten after three epochs without improvement.
func ExampleReduceLROnPlateau() {
	p := autograd.Param(tensor.Zeros(tensor.Shape{1}))
	opt := optim.NewAdam([]*autograd.Value{p}, optim.AdamDefaults())
	o := optim.PlateauDefaults()
	o.Patience = 2
	sched := optim.NewReduceLROnPlateau(opt, o)
	for _, loss := range []float64{1, 0.8, 0.8, 0.81, 0.8, 0.7} {
		sched.Step(loss)
		fmt.Printf("%g ", opt.LR(0))
	}
	fmt.Println()
	// Output: 0.001 0.001 0.001 0.001 0.0001 0.0001
}
