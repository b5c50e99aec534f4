package cpu

import (
	"github.com/godl/godl/tensor/cpu/internal/asm"
	"github.com/godl/godl/tensor/device"
)

// gemmKernel is a GEMM micro-kernel with the cache blocking that suits it. The blocked driver
// (gemm.go) packs A into panels of mr rows and B into panels of nr columns and calls fn once
// per mr×nr block of C:
//
//	for i < mr, j < nr:
//		s := 0, or c[i*ldc+j] when load is true
//		for p := 0; p < kc; p++ { s += a[p*mr+i] * b[p*nr+j] }
//		c[i*ldc+j] = s
//
// Each element of C is thus one sum over p in ascending order, continued across the kc blocks
// of k; the blocking depends only on the shapes, so the result does not depend on how the
// blocks of C are spread over threads. A kernel may fuse the multiply and the add (FMA), but
// must keep that order.
//
// The pure-Go micro-kernels (package internal/asm) are always compiled; assembly kernels
// chosen at start-up replace gemmKernelF32 and gemmKernelF64 and are tested against them.
type gemmKernel[T device.Element] struct {
	name   string
	mr, nr int // register block: rows of A, columns of B
	// kc, mc, nc bound the packed blocks: A is packed mc×kc (kept in L2), B kc×nc, and one
	// B micro-panel, kc×nr, stays in L1 while the kernel sweeps the A panels.
	kc, mc, nc int
	fn         func(kc int, a, b, c []T, ldc int, load bool)
}

// The pure-Go kernels. Go compiles them to scalar SSE code, so the limit is the scalar
// floating-point throughput: about three multiplies and adds per cycle. Measured on the
// development machine (Sapphire Rapids), 4×2, 2×4 and 3×3 blocks all come close to it, 4×2
// best inside the full product: its eight accumulators, four A values and one B value nearly
// fit the 15 usable registers (the compiler spills a few values in the last of the four
// unrolled steps), while 4×3, 3×4 and 4×4 spill in every step and run 20-40% slower.
// Unrolling p by four lets the scheduler overlap consecutive steps. Built with GOAMD64=v3
// the compiler fuses each multiply-add into an FMA, which is faster still and, since it keeps
// the order of the sum, just as deterministic.
var (
	gemmGoF32 = gemmKernel[float32]{name: "go4x2", mr: 4, nr: 2, kc: 256, mc: 128, nc: 256, fn: asm.Gemm4x2F32}
	gemmGoF64 = gemmKernel[float64]{name: "go4x2", mr: 4, nr: 2, kc: 256, mc: 128, nc: 256, fn: asm.Gemm4x2F64}
)

// The kernels in use. An assembly kernel, where the CPU supports it, replaces these at init.
var (
	gemmKernelF32 = &gemmGoF32
	gemmKernelF64 = &gemmGoF64
)

// gemmKernelFor returns the kernel in use for T.
func gemmKernelFor[T float32 | float64]() *gemmKernel[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(gemmKernelF32).(*gemmKernel[T])
	}
	return any(gemmKernelF64).(*gemmKernel[T])
}
