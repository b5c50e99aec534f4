//go:build !race

// Allocation counts are measured only without the race detector: under it sync.Pool drops
// items at random, so the counts say nothing. go test ./... (the README's test command) runs
// these tests.

package optim

import (
	"testing"

	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
)

// TestStepAllocatesNothing checks the promise of the package documentation: after the first
// step, a step allocates nothing.
func TestStepAllocatesNothing(t *testing.T) {
	ps := params(tensor.Shape{300, 200}, tensor.Shape{200}, tensor.Shape{50, 7})
	setGrads(ps, 1)
	o := AdamDefaults()
	o.AMSGrad = true
	for name, opt := range map[string]Optimizer{
		"adam":    NewAdam(ps, o),
		"sgd":     NewSGD(ps, SGDOptions{LR: 0.1, Momentum: 0.9}),
		"rmsprop": NewRMSprop(ps, RMSpropOptions{LR: 0.01, Alpha: 0.9, Eps: 1e-8, Centered: true, Momentum: 0.9}),
		"adagrad": NewAdagrad(ps, AdagradDefaults()),
	} {
		opt.Step()
		assert.Zero(t, testing.AllocsPerRun(10, opt.Step), name)
	}
}
