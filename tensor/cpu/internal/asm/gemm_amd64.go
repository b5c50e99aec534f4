//go:build !noasm

package asm

import "unsafe"

// The gemm*Asm functions run the assembly kernel for rows rows when the CPU has it, and report
// whether they did. The caller has checked the slices.

func gemm12x32F32Asm(rows, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, load bool) bool {
	if best < AVX512 || kc <= 0 {
		return false
	}
	gemmRows12x32F32AVX512[rows-1](kc, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, load)
	return true
}

func gemm12x16F64Asm(rows, kc int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, load bool) bool {
	if best < AVX512 || kc <= 0 {
		return false
	}
	gemmRows12x16F64AVX512[rows-1](kc, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, load)
	return true
}

func gemm6x16F32Asm(rows, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, load bool) bool {
	if best < AVX2 || kc <= 0 {
		return false
	}
	gemmRows6x16F32AVX2[rows-1](kc, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, load)
	return true
}

func gemm6x8F64Asm(rows, kc int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, load bool) bool {
	if best < AVX2 || kc <= 0 {
		return false
	}
	gemmRows6x8F64AVX2[rows-1](kc, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, load)
	return true
}

func transpose8x8F32Asm(dst []float32, ldd int, src []float32, lds int) bool {
	if best < AVX2 {
		return false
	}
	transpose8x8F32AVX2(unsafe.SliceData(dst), ldd, unsafe.SliceData(src), lds)
	return true
}
