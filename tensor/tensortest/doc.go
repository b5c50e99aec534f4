// Package tensortest checks implementations of tensor.Device: one conformance suite that runs
// every public operation of package tensor on a device and compares it with the CPU backend;
// Naive, a deliberately simple reference device that gives the suite something to check the
// CPU against on a machine without accelerators; and Lazy, a device that queues every kernel
// until the host reads, as a GPU stream does, so that the rest of godl is kept honest about
// asynchronous devices before a GPU is at hand.
//
// # Running the suite
//
// A backend calls Run from a test of its own, under its own build tag. The cuda backend does
// it like this:
//
//	//go:build cuda
//
//	package cuda_test
//
//	import (
//		"testing"
//
//		_ "github.com/godl/godl/cuda" // registers the "cuda" device family
//		"github.com/godl/godl/tensor"
//		"github.com/godl/godl/tensor/tensortest"
//	)
//
//	func TestConformance(t *testing.T) {
//		dev, err := tensor.GetDevice("cuda:0")
//		if err != nil {
//			t.Skip(err) // no GPU or driver on this machine
//		}
//		tensortest.Run(t, dev)
//	}
//
// Package tensor runs tensortest.Run(t, tensortest.Naive) in its own tests, which checks the
// CPU backend against the naive device with the same suite.
//
// Each case runs as a subtest named case/dtype/variant, such as Softmax/float32/perm/-1, so
// that go test -run selects one; CaseNames lists the cases. Run's first subtest, Coverage,
// fails when a public method of *tensor.Tensor is neither exercised by a case nor listed as
// metadata that involves no device, so a new operation cannot be forgotten.
//
// # What a case checks
//
// A case is an operation, the dtypes to try (Float32, Float64 and Int64, including those
// an operation rejects, where both devices must panic alike), and variants: sets of operands
// with integer parameters such as axes. Operands are drawn from a generator seeded by the
// case, dtype and variant names (so a new case changes no other case's inputs), built on the
// CPU and moved to the device with To; then the same view is applied on both sides, which
// gives operands that are contiguous, transposed, strided with steps and an offset, or
// expanded with zero strides, with size-1 and size-0 dimensions, 0-d, and long enough to
// take the CPU's parallel, blocked paths. Values include ties, NaN, ±Inf and ±0 where the
// documented semantics depend on them. The operation then runs on the CPU and on the device,
// and the harness checks that:
//
//   - both return normally, or both panic with a *tensor.Error naming the same operation
//     (an out-of-range index must panic on every device, never corrupt memory); the
//     device's run ends with tensor.SyncDevice, so a device that queues its kernels may
//     report the error at that synchronising call instead of at the operation;
//   - the results have the same shape, dtype and layout, live on the device (or on the
//     host for the methods that read values back), and share storage with the same operands
//     (views stay views, copies stay copies);
//   - the values agree once brought back with To(tensor.CPU): exactly for Int64, data
//     movement, masks and comparisons (NaN matching NaN, signed zeros equal), and within an
//     explicit tolerance for floating-point arithmetic;
//   - the operands afterwards, including the elements of their base tensors outside the
//     views, are unchanged (or, for in-place operations, equal on both sides).
//
// # Tolerances
//
// Floating-point tolerances are stated per operation in units of the unit roundoff u (2⁻²⁴
// for float32, 2⁻⁵³ for float64): |got - want| <= u·(rel·|want| + abs + bound), where bound
// is an elementwise error bound for the operations that accumulate: (n+2)·Σ|x| for a sum of
// n terms, the same for each dot product of a matrix product, n+8 for a log-sum-exp, and so
// on. Elementwise arithmetic that IEEE 754 rounds correctly is compared exactly; functions
// such as exp and tanh get a few units. Options.TolScale multiplies every floating-point
// tolerance, for a device whose documented error bounds are wider than those of Go's math
// package (a GPU's single-precision transcendental functions); exact comparisons stay exact.
//
// # Adding an operation
//
// Add a line to the table in cases.go: a name (the method's name, or Method/detail), the
// dtypes, the operand variants (usually from a shared set: unaryVariants, binaryVariants,
// reduceVariants, ...), the function that runs it and its tolerance. A fused kernel that only
// some devices offer needs no case of its own: the suite runs the public operation, which
// takes the fused path on those devices and the composed one elsewhere.
//
// # The lazy device
//
// Lazy(inner) runs each kernel on inner, but only when the host synchronises (a Read, and so
// Item, Float32s, printing or To(tensor.CPU); or tensor.SyncDevice). Write copies its source
// at once, Free is queued behind the kernels that may still use the buffer, and a kernel
// that panics with a *tensor.Error is reported at the next synchronising call. Package
// tensor runs the suite on Lazy(nil) and Lazy(Naive), and package autograd runs its gradient
// checks and end-to-end models on it.
//
// # The naive device
//
// Naive implements every method of tensor.Device with plain loops over the full multi-index
// of each layout, in float64 for floating-point dtypes, following the documented semantics
// to the letter, and checks the preconditions that package tensor promises its kernels. It
// is the living definition of the primitives, independent of the optimized CPU code. It does
// not implement tensor.SoftmaxKernel, so the composed softmax is what it checks the CPU's
// fused one against.
package tensortest
