//go:build cuda && cgo

package cuda_test

import (
	"testing"

	"github.com/godl/godl/cuda/cudatest"
	"github.com/godl/godl/tensor/tensortest"
)

// TestConformance runs the tensor conformance suite on cuda:0 against the CPU: on the GPU
// when the machine has one, on the emulated driver otherwise.
//
// The tolerances are doubled (TolScale 2) for one reason: the kernels' float64 exp is Go's
// portable math.Exp (kernels/gomath.cuh), under 1 ulp from the true value, while the CPU
// backend on amd64 runs Go's assembly math.Exp (Shibata's method, with or without FMA as the
// CPU allows), which is up to about 2 ulps off; the two can then differ by 3 ulps, where the
// suite allows 2 for exp. Exact comparisons (data movement, integers, comparisons, Uniform and
// Bernoulli draws) stay exact.
func TestConformance(t *testing.T) {
	tensortest.RunOptions(t, cudatest.Device(t), tensortest.Options{TolScale: 2})
}
