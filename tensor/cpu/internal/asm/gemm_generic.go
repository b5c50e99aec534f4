package asm

// gemm4x2 is the pure-Go 4×2 micro-kernel: see Gemm4x2F32.
func gemm4x2[T float32 | float64](kc int, a, b, c []T, ldc int, load bool) {
	r0 := c[0:2:2]
	r1 := c[ldc : ldc+2 : ldc+2]
	r2 := c[2*ldc : 2*ldc+2 : 2*ldc+2]
	r3 := c[3*ldc : 3*ldc+2 : 3*ldc+2]
	var c00, c01, c10, c11, c20, c21, c30, c31 T
	if load {
		c00, c01 = r0[0], r0[1]
		c10, c11 = r1[0], r1[1]
		c20, c21 = r2[0], r2[1]
		c30, c31 = r3[0], r3[1]
	}
	ai, bi := 0, 0
	p := 0
	for ; p+4 <= kc; p += 4 {
		aa := (*[16]T)(a[ai : ai+16])
		bb := (*[8]T)(b[bi : bi+8])
		{
			a0, a1, a2, a3 := aa[0], aa[1], aa[2], aa[3]
			b0 := bb[0]
			c00 += a0 * b0
			c10 += a1 * b0
			c20 += a2 * b0
			c30 += a3 * b0
			b1 := bb[1]
			c01 += a0 * b1
			c11 += a1 * b1
			c21 += a2 * b1
			c31 += a3 * b1
		}
		{
			a0, a1, a2, a3 := aa[4], aa[5], aa[6], aa[7]
			b0 := bb[2]
			c00 += a0 * b0
			c10 += a1 * b0
			c20 += a2 * b0
			c30 += a3 * b0
			b1 := bb[3]
			c01 += a0 * b1
			c11 += a1 * b1
			c21 += a2 * b1
			c31 += a3 * b1
		}
		{
			a0, a1, a2, a3 := aa[8], aa[9], aa[10], aa[11]
			b0 := bb[4]
			c00 += a0 * b0
			c10 += a1 * b0
			c20 += a2 * b0
			c30 += a3 * b0
			b1 := bb[5]
			c01 += a0 * b1
			c11 += a1 * b1
			c21 += a2 * b1
			c31 += a3 * b1
		}
		{
			a0, a1, a2, a3 := aa[12], aa[13], aa[14], aa[15]
			b0 := bb[6]
			c00 += a0 * b0
			c10 += a1 * b0
			c20 += a2 * b0
			c30 += a3 * b0
			b1 := bb[7]
			c01 += a0 * b1
			c11 += a1 * b1
			c21 += a2 * b1
			c31 += a3 * b1
		}
		ai += 16
		bi += 8
	}
	for ; p < kc; p++ {
		aa := (*[4]T)(a[ai : ai+4])
		bb := (*[2]T)(b[bi : bi+2])
		a0, a1, a2, a3 := aa[0], aa[1], aa[2], aa[3]
		b0, b1 := bb[0], bb[1]
		c00 += a0 * b0
		c10 += a1 * b0
		c20 += a2 * b0
		c30 += a3 * b0
		c01 += a0 * b1
		c11 += a1 * b1
		c21 += a2 * b1
		c31 += a3 * b1
		ai += 4
		bi += 2
	}
	r0[0], r0[1] = c00, c01
	r1[0], r1[1] = c10, c11
	r2[0], r2[1] = c20, c21
	r3[0], r3[1] = c30, c31
}
