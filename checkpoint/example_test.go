package checkpoint_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/checkpoint"
	"github.com/godl/godl/nn"
	"github.com/godl/godl/optim"
	"github.com/godl/godl/tensor"
)

// Save a training run halfway, and resume it in fresh objects.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.ckpt")

	type progress struct{ Epoch int }
	newRun := func(seed uint64) (*nn.Linear, *optim.Adam, *optim.StepLR) {
		m := nn.NewLinear(3, 1, nn.LinearOptions{Init: nn.Init{RNG: tensor.NewRNG(seed)}})
		opt := optim.NewAdam(nn.Parameters(m), optim.AdamDefaults())
		return m, opt, optim.NewStepLR(opt, 2, 0.5)
	}
	x, y := tensor.Ones(tensor.Shape{4, 3}), tensor.Zeros(tensor.Shape{4, 1})
	train := func(m *nn.Linear, opt *optim.Adam, sched *optim.StepLR) {
		opt.ZeroGrad(true)
		d := m.Forward(autograd.Const(x)).Sub(autograd.Const(y))
		d.Mul(d).Mean().Backward()
		opt.Step()
		sched.Step()
	}

	m, opt, sched := newRun(1)
	for range 3 {
		train(m, opt, sched)
	}
	err := checkpoint.Save(path, checkpoint.Training{Model: m, Optimizer: opt, Scheduler: sched, Fields: progress{Epoch: 3}})
	fmt.Println("saved:", err)

	m2, opt2, sched2 := newRun(2)
	var p progress
	err = checkpoint.Load(path, checkpoint.Training{Model: m2, Optimizer: opt2, Scheduler: sched2, Fields: &p})
	fmt.Println("loaded:", err, "epoch", p.Epoch, "lr", opt2.LR(0))
	train(m, opt, sched)
	train(m2, opt2, sched2)
	fmt.Println("same weights:", fmt.Sprint(m.Weight.Data()) == fmt.Sprint(m2.Weight.Data()))
	// Output:
	// saved: <nil>
	// loaded: <nil> epoch 3 lr 0.0005
	// same weights: true
}
