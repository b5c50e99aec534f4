package asm

// Gemm4x2F32 is the 4×2 register-blocked GEMM micro-kernel. a holds a packed panel of 4 rows
// of A, one column of 4 after another; b a packed panel of 2 columns of B, one row of 2 after
// another; c is the top-left element of a 4×2 block of C with row stride ldc:
//
//	for i := range 4 {
//		for j := range 2 {
//			var s float32
//			if load {
//				s = c[i*ldc+j]
//			}
//			for p := range kc {
//				s += a[p*4+i] * b[p*2+j]
//			}
//			c[i*ldc+j] = s
//		}
//	}
//
// Each element of C is one sum over p in ascending order; an implementation may fuse the
// multiply and the add (FMA) but must keep that order.
func Gemm4x2F32(kc int, a, b, c []float32, ldc int, load bool) { gemm4x2(kc, a, b, c, ldc, load) }

// Gemm4x2F64 is Gemm4x2F32 in float64.
func Gemm4x2F64(kc int, a, b, c []float64, ldc int, load bool) { gemm4x2(kc, a, b, c, ldc, load) }
