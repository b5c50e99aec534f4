//go:build !noasm

package asm

import "unsafe"

// sumF32Asm adds x (a multiple of 32 long) into lanes with the assembly kernel when the CPU
// has one, and reports whether it did.
func sumF32Asm(x []float32, lanes *[32]float64) bool {
	switch {
	case len(x) == 0:
	case best >= AVX512:
		sumF32AVX512(unsafe.SliceData(x), len(x), lanes)
	case best >= AVX2:
		sumF32AVX2(unsafe.SliceData(x), len(x), lanes)
	default:
		return false
	}
	return true
}

// maxF32Asm folds x (a multiple of 32 long) into lanes with the assembly kernel when the CPU
// has one; ok reports whether it did, nan whether x holds a NaN.
func maxF32Asm(x []float32, lanes *[32]float32) (nan, ok bool) {
	switch {
	case len(x) == 0:
		return false, true
	case best >= AVX512:
		return maxF32AVX512(unsafe.SliceData(x), len(x), lanes), true
	case best >= AVX2:
		return maxF32AVX2(unsafe.SliceData(x), len(x), lanes), true
	}
	return false, false
}
