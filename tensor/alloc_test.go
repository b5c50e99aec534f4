//go:build !race

// Allocation counts are measured only without the race detector: under it sync.Pool drops
// items at random, so the counts say nothing. go test ./... (the README's test command) runs
// these tests.

package tensor

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestOptimizerStepsAllocateNothing checks that a fused step allocates nothing, for a small
// parameter and one large enough to run in parallel blocks.
func TestOptimizerStepsAllocateNothing(t *testing.T) {
	for _, n := range []int{100, 200000} {
		p, g := NewRNG(1).Normal(Shape{n}, 0, 1), NewRNG(2).Normal(Shape{n}, 0, 1)
		m, v, buf := Zeros(Shape{n}), Zeros(Shape{n}), Zeros(Shape{n})
		step := int64(0)
		adam := func() {
			step++
			AdamStep(p, g, m, v, nil, AdamUpdate{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: step})
		}
		sgd := func() { SGDStep(p, g, buf, SGDUpdate{LR: 1e-3, Momentum: 0.9}) }
		adam()
		sgd()
		assert.Zero(t, testing.AllocsPerRun(20, adam), "Adam, %d elements", n)
		assert.Zero(t, testing.AllocsPerRun(20, sgd), "SGD, %d elements", n)
	}
}
