//go:build !race

// Allocation counts are measured only without the race detector: under it sync.Pool drops
// items at random, so the counts say nothing. go test ./... (the README's test command) runs
// these tests.

package autograd

import (
	"testing"

	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
)

func TestInferenceInNoGradAllocatesNoGraph(t *testing.T) {
	x := Param(tensor.NewRNG(1).Normal(tensor.Shape{4, 4}, 0, 1))
	raw := testing.AllocsPerRun(200, func() { grChainTensor(x.Data()) })
	xn := x.NoGrad()
	nograd := testing.AllocsPerRun(200, func() { grChain(xn) })
	grad := testing.AllocsPerRun(200, func() { grChain(x) })
	// Four operations: in NoGrad each adds exactly its Value wrapper to the tensor work.
	assert.LessOrEqual(t, nograd, raw+4, "no-grad inference allocated more than the tensors and 4 Values")
	assert.Greater(t, grad, nograd+4, "recording a graph should allocate nodes")
}
