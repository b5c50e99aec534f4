// Package cpu is godl's CPU backend: the reference implementation of the device contract
// (package device), always compiled in. Package tensor calls it tensor.CPU; users never need
// to import this package, except to tune its buffer pool.
//
// # Kernels
//
// Every primitive is a generic Go function over the element type, instantiated for each dtype
// in one place (device.ByDType). Operands arrive as strided layouts; an iterator merges the
// dimensions that are contiguous in every operand, so a dense tensor is one long row, and
// cuts the work into fixed blocks of elements that run on a bounded pool of goroutines
// (internal/parallel). The blocks, and the order in which partial results are combined,
// depend only on the shapes, so results are bitwise the same on any number of threads.
//
// The matrix product is cache-blocked with packed panels and a register-blocked micro-kernel
// (gemm.go, gemm_kernel.go): AVX-512 (12×32 float32, 12×16 float64), AVX2 (6×16, 6×8) or
// pure Go (4×4), chosen at start-up by the CPU's features, with blocks sized from its cache
// sizes. Every element of C is one chain of fused multiply-adds over k in ascending order,
// whatever the kernel, the blocking or the threads, so the bits of a product are the same on
// every machine and thread count. Small products read operands in place where their layout
// already is a panel (column-major A, row-major B), and edge blocks use kernels for fewer
// rows. Contiguous float32 runs of the elementwise ops, reductions, softmax rows and
// index-add go through vector kernels (simd.go). The kernels live in package internal/asm
// beneath this one, each with its pure-Go twin.
//
// # Memory
//
// Buffers are Go slices. Released buffers wait in size-class pools for the next allocation of
// their class, held through weak pointers so that the garbage collector does not count them as
// live and reclaims whatever is still pooled at its next cycle; SetPoolLimit bounds the bytes
// pooled between two collections. Buffers of tensors dropped without Release are plain
// garbage. An allocation larger than the machine's memory (or its control group's limit)
// panics with *device.Error instead of killing the process.
//
// # Errors
//
// Kernels check what only the data can tell (indices, integer divisors) before they write, so
// a kernel that panics leaves its destination unchanged.
package cpu
