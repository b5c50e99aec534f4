package asm

// Transpose8x8F32 copies an 8×8 block transposed, for the GEMM packers:
//
//	for r := range 8 {
//		for c := range 8 {
//			dst[c*ldd+r] = src[r*lds+c]
//		}
//	}
func Transpose8x8F32(dst []float32, ldd int, src []float32, lds int) {
	if 7*ldd+8 > len(dst) || 7*lds+8 > len(src) || ldd < 0 || lds < 0 {
		panic("asm: Transpose8x8F32 block out of range") // not a caller bug: a broken internal contract
	}
	if transpose8x8F32Asm(dst, ldd, src, lds) {
		return
	}
	for r := range 8 {
		s := src[r*lds : r*lds+8]
		for c, v := range s {
			dst[c*ldd+r] = v
		}
	}
}
