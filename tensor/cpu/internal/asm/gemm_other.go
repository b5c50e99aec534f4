//go:build noasm || !amd64

package asm

func gemm12x32F32Asm(int, int, []float32, int, []float32, int, []float32, int, bool) bool {
	return false
}
func gemm12x16F64Asm(int, int, []float64, int, []float64, int, []float64, int, bool) bool {
	return false
}
func gemm6x16F32Asm(int, int, []float32, int, []float32, int, []float32, int, bool) bool {
	return false
}
func gemm6x8F64Asm(int, int, []float64, int, []float64, int, []float64, int, bool) bool { return false }

func transpose8x8F32Asm([]float32, int, []float32, int) bool { return false }
