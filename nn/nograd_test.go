//go:build !race

// Allocation counts are measured only without the race detector: under it sync.Pool drops
// items at random, so the counts say nothing. go test ./... (the README's test command) runs
// these checks; nograd_race_test.go stands in for assertRecordsNothing under -race.

package nn

import (
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
)

// assertRecordsNothing checks that forward, run from no-grad inputs, allocates no more than it
// does when m's parameters are constants: so it records no node anywhere, not even for the
// views it takes of the parameters (a node costs several allocations).
func assertRecordsNothing(t *testing.T, m Module, forward func()) {
	t.Helper()
	params := Parameters(m)
	forward() // warm the pools
	withParams := testing.AllocsPerRun(50, forward)
	for _, p := range params {
		p.SetRequiresGrad(false)
	}
	defer func() {
		for _, p := range params {
			p.SetRequiresGrad(true)
		}
	}()
	withConsts := testing.AllocsPerRun(50, forward)
	assert.LessOrEqual(t, withParams, withConsts+0.5, "a forward pass from a no-grad input recorded nodes")
}

func TestLinearFromNoGradRecordsNothing(t *testing.T) {
	l := NewLinear(4, 3, LinearOptions{})
	x := autograd.Const(tensor.Ones(tensor.Shape{2, 4})).NoGrad()
	assertRecordsNothing(t, l, func() { l.Forward(x) })
}
