package cpu

import (
	"github.com/godl/godl/tensor/cpu/internal/asm"
	"github.com/godl/godl/tensor/device"
)

// gemmKernel is a GEMM micro-kernel with the cache blocking that suits it. The blocked driver
// (gemm.go) gives it panels of A of mr rows and panels of B of nr columns, packed by the
// kernel's packers (packA, packB, which follow its mr and nr) or read in place where the
// operand's layout already has the panel's form, and calls fn once per mr×nr block of C:
//
//	for i < rows (at most mr), j < nr:
//		s := 0, or c[i*ldc+j] when load is true
//		for p := 0; p < kc; p++ { s = fma(a[p*lda+i], b[p*ldb+j], s) }
//		c[i*ldc+j] = s
//
// Each element of C is thus one chain of fused multiply-adds over p in ascending order,
// continued across the kc blocks of k; it does not depend on the blocking, so the result does
// not depend on how the blocks of C are spread over threads, nor on which kernel runs.
type gemmKernel[T device.Element] struct {
	name   string
	mr, nr int // register block: rows of A, columns of B
	// kc, mc, nc bound the packed blocks: A is packed mc×kc (kept in L2), B kc×nc (in L3),
	// and one B micro-panel, kc×nr, stays in L1 while the kernel sweeps the A panels.
	kc, mc, nc int
	fn         func(rows, kc int, a []T, lda int, b []T, ldb int, c []T, ldc int, load bool)
}

// newGemmKernel sizes the cache blocks of an mr×nr kernel for elements of size bytes from
// this CPU's cache sizes: a B micro-panel fills half of L1, an A block half of L2, a B block a
// quarter of L3 (shared between cores).
func newGemmKernel[T device.Element](name string, mr, nr int, fn func(int, int, []T, int, []T, int, []T, int, bool)) gemmKernel[T] {
	size := device.DTypeOf[T]().Size()
	c := asm.CacheSizes()
	kc := min(max(c.L1/2/(nr*size), 64), 512) &^ 7
	mc := max(c.L2/2/(kc*size)/mr*mr, mr)
	nc := min(max(c.L3/4/(kc*size)/nr*nr, nr), 4096/nr*nr)
	return gemmKernel[T]{name: name, mr: mr, nr: nr, kc: kc, mc: mc, nc: nc, fn: fn}
}

// The kernels of every level: the widest one this CPU runs is in use (gemmKernelF32,
// gemmKernelF64); the others serve the tests. At AVX-512, a 12×32 float32 block (12×16 in
// float64) keeps 24 accumulators in 24 of the 32 vector registers, and one step over p takes
// two loads of B, twelve broadcasts of A and 24 FMAs: the FMA ports stay busy. AVX2 has 16
// registers: 6×16 (6×8), 12 accumulators. The pure-Go kernels (4×4) round each step like the
// FMA instructions, so all levels give the same bits.
var (
	gemmLevelsF32 = kernelsByLevel(func(l asm.Level) gemmKernel[float32] {
		k := asm.GemmF32(l)
		return newGemmKernel(k.Name, k.MR, k.NR, k.Fn)
	})
	gemmLevelsF64 = kernelsByLevel(func(l asm.Level) gemmKernel[float64] {
		k := asm.GemmF64(l)
		return newGemmKernel(k.Name, k.MR, k.NR, k.Fn)
	})
)

func kernelsByLevel[K any](f func(asm.Level) K) [3]K {
	return [3]K{f(asm.Generic), f(asm.AVX2), f(asm.AVX512)}
}

// The kernels in use.
var (
	gemmKernelF32 = &gemmLevelsF32[asm.Best()]
	gemmKernelF64 = &gemmLevelsF64[asm.Best()]
)

// gemmKernelFor returns the kernel in use for T.
func gemmKernelFor[T float32 | float64]() *gemmKernel[T] {
	var z T
	if _, ok := any(z).(float32); ok {
		return any(gemmKernelF32).(*gemmKernel[T])
	}
	return any(gemmKernelF64).(*gemmKernel[T])
}
