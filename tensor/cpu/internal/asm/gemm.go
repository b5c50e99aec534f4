package asm

import "math"

// The GEMM micro-kernels. Each computes an mr×nr block of C from a panel of A, kc steps of
// mr values with a stride of lda between steps, and a panel of B, kc rows of nr values with a
// stride of ldb between rows, C's rows ldc apart:
//
//	for i := range rows {
//		for j := range nr {
//			var s T
//			if load {
//				s = c[i*ldc+j]
//			}
//			for p := range kc {
//				s = fma(a[p*lda+i], b[p*ldb+j], s) // x·y + s rounded once
//			}
//			c[i*ldc+j] = s
//		}
//	}
//
// rows, from 1 to mr, is the number of rows of the block computed (the rows of A beyond it
// are not read): edges of C need no scratch block. Each element of C is one chain of fused multiply-adds over p in ascending order, continued
// from C when load is set; the result does not depend on the kernel's register block, its
// instruction set or how the caller cuts k into kc blocks, so every kernel and the pure-Go
// twins give the same bits. A packed panel of A has lda = mr; a column-major A is read in
// place with lda its column stride; likewise B with ldb = nr packed, or its row stride in
// place. They panic if a slice is too short for its panel.

// GemmKernelF32 is a float32 micro-kernel with its register block.
type GemmKernelF32 struct {
	Name   string
	MR, NR int
	Fn     func(rows, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, load bool)
}

// GemmKernelF64 is GemmKernelF32 for float64.
type GemmKernelF64 struct {
	Name   string
	MR, NR int
	Fn     func(rows, kc int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, load bool)
}

// GemmF32 returns the float32 micro-kernel for level l: 12×32 for AVX512, 6×16 for AVX2,
// 4×4 in Go for Generic. A level above Best runs the pure-Go twin of its kernel.
func GemmF32(l Level) GemmKernelF32 {
	switch l {
	case AVX512:
		return GemmKernelF32{"avx512-12x32", 12, 32, Gemm12x32F32}
	case AVX2:
		return GemmKernelF32{"avx2-6x16", 6, 16, Gemm6x16F32}
	}
	return GemmKernelF32{"go-4x4", 4, 4, Gemm4x4F32}
}

// GemmF64 returns the float64 micro-kernel for level l: 12×16 for AVX512, 6×8 for AVX2, 4×4
// in Go for Generic.
func GemmF64(l Level) GemmKernelF64 {
	switch l {
	case AVX512:
		return GemmKernelF64{"avx512-12x16", 12, 16, Gemm12x16F64}
	case AVX2:
		return GemmKernelF64{"avx2-6x8", 6, 8, Gemm6x8F64}
	}
	return GemmKernelF64{"go-4x4", 4, 4, Gemm4x4F64}
}

// checkGemm panics unless the panels and the block of C fit their slices.
func checkGemm(rows, mr, nr, kc, na, lda, nb, ldb, nc, ldc int) {
	if rows < 1 || rows > mr {
		panic("asm: GEMM rows out of range") // not a caller bug: a broken internal contract
	}
	mr = rows
	if kc <= 0 {
		if (mr-1)*ldc+nr > nc {
			panic("asm: GEMM block of C out of range") // not a caller bug: a broken internal contract
		}
		return
	}
	if (kc-1)*lda+mr > na || (kc-1)*ldb+nr > nb || (mr-1)*ldc+nr > nc || lda < 0 || ldb < 0 || ldc < nr {
		panic("asm: GEMM panel out of range") // not a caller bug: a broken internal contract
	}
}

// Gemm12x32F32 is the 12×32 float32 micro-kernel (mr = 12, nr = 32; see above), in AVX-512.
func Gemm12x32F32(rows, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, load bool) {
	checkGemm(rows, 12, 32, kc, len(a), lda, len(b), ldb, len(c), ldc)
	if !gemm12x32F32Asm(rows, kc, a, lda, b, ldb, c, ldc, load) {
		gemmGoF32(rows, 32, kc, a, lda, b, ldb, c, ldc, load)
	}
}

// Gemm12x16F64 is the 12×16 float64 micro-kernel (mr = 12, nr = 16), in AVX-512.
func Gemm12x16F64(rows, kc int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, load bool) {
	checkGemm(rows, 12, 16, kc, len(a), lda, len(b), ldb, len(c), ldc)
	if !gemm12x16F64Asm(rows, kc, a, lda, b, ldb, c, ldc, load) {
		gemmGoF64(rows, 16, kc, a, lda, b, ldb, c, ldc, load)
	}
}

// Gemm6x16F32 is the 6×16 float32 micro-kernel (mr = 6, nr = 16), in AVX2.
func Gemm6x16F32(rows, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, load bool) {
	checkGemm(rows, 6, 16, kc, len(a), lda, len(b), ldb, len(c), ldc)
	if !gemm6x16F32Asm(rows, kc, a, lda, b, ldb, c, ldc, load) {
		gemmGoF32(rows, 16, kc, a, lda, b, ldb, c, ldc, load)
	}
}

// Gemm6x8F64 is the 6×8 float64 micro-kernel (mr = 6, nr = 8), in AVX2.
func Gemm6x8F64(rows, kc int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, load bool) {
	checkGemm(rows, 6, 8, kc, len(a), lda, len(b), ldb, len(c), ldc)
	if !gemm6x8F64Asm(rows, kc, a, lda, b, ldb, c, ldc, load) {
		gemmGoF64(rows, 8, kc, a, lda, b, ldb, c, ldc, load)
	}
}

// Gemm4x4F32 is the 4×4 float32 micro-kernel (mr = 4, nr = 4) in Go, for CPUs without the
// vector kernels.
func Gemm4x4F32(rows, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, load bool) {
	checkGemm(rows, 4, 4, kc, len(a), lda, len(b), ldb, len(c), ldc)
	gemmGoF32(rows, 4, kc, a, lda, b, ldb, c, ldc, load)
}

// Gemm4x4F64 is the 4×4 float64 micro-kernel in Go.
func Gemm4x4F64(rows, kc int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, load bool) {
	checkGemm(rows, 4, 4, kc, len(a), lda, len(b), ldb, len(c), ldc)
	gemmGoF64(rows, 4, kc, a, lda, b, ldb, c, ldc, load)
}

// gemmGoF32 is the pure-Go twin of every float32 micro-kernel: the reference loop, with a
// row of accumulators kept in C.
func gemmGoF32(mr, nr, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, load bool) {
	for i := range mr {
		row := c[i*ldc : i*ldc+nr]
		if !load {
			clear(row)
		}
		for p := range kc {
			av := a[p*lda+i]
			br := b[p*ldb : p*ldb+nr]
			for j, bv := range br {
				row[j] = fma32(av, bv, row[j])
			}
		}
	}
}

// gemmGoF64 is gemmGoF32 for float64.
func gemmGoF64(mr, nr, kc int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, load bool) {
	for i := range mr {
		row := c[i*ldc : i*ldc+nr]
		if !load {
			clear(row)
		}
		for p := range kc {
			av := a[p*lda+i]
			br := b[p*ldb : p*ldb+nr]
			for j, bv := range br {
				row[j] = math.FMA(av, bv, row[j])
			}
		}
	}
}
