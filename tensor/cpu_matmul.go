package tensor

import "github.com/godl/godl/internal/parallel"

func (cpuDevice) MatMul(dst, x, y Strided) {
	nd := len(dst.Shape)
	m, n, k := dst.Shape[nd-2], dst.Shape[nd-1], x.Shape[nd-1]
	if dst.Numel() == 0 {
		return
	}
	bshape := dst.Shape[:nd-2]
	batch := newIter(bshape,
		Layout{Shape: bshape, Strides: dst.Strides[:nd-2], Offset: dst.Offset},
		Layout{Shape: bshape, Strides: x.Strides[:nd-2], Offset: x.Offset},
		Layout{Shape: bshape, Strides: y.Strides[:nd-2], Offset: y.Offset})
	nb := Shape(bshape).Numel()
	each := func(f func(do, xo, yo int)) {
		for b := range nb {
			offs := batch.rowOffsets(b / batch.inner())
			r := b % batch.inner()
			f(offs[0]+r*batch.innerStride(0), offs[1]+r*batch.innerStride(1), offs[2]+r*batch.innerStride(2))
		}
	}
	crs, ccs := dst.Strides[nd-2], dst.Strides[nd-1]
	ars, acs := x.Strides[nd-2], x.Strides[nd-1]
	brs, bcs := y.Strides[nd-2], y.Strides[nd-1]
	switch dst.Buf.DType() {
	case Float32:
		c, a, b := cpuData[float32](dst.Buf), cpuData[float32](x.Buf), cpuData[float32](y.Buf)
		each(func(do, xo, yo int) { gemm(m, n, k, a, xo, ars, acs, b, yo, brs, bcs, c, do, crs, ccs) })
	case Float64:
		c, a, b := cpuData[float64](dst.Buf), cpuData[float64](x.Buf), cpuData[float64](y.Buf)
		each(func(do, xo, yo int) { gemm(m, n, k, a, xo, ars, acs, b, yo, brs, bcs, c, do, crs, ccs) })
	case Int64:
		c, a, b := cpuData[int64](dst.Buf), cpuData[int64](x.Buf), cpuData[int64](y.Buf)
		each(func(do, xo, yo int) { naiveGemm(m, n, k, a, xo, ars, acs, b, yo, brs, bcs, c, do, crs, ccs) })
	}
}

// gemm sets C = A·B, where A is m×k, B is k×n and C is m×n, each given by its slice, the offset
// of its first element, and its row and column strides.
func gemm[T float32 | float64](m, n, k int, a []T, ao, ars, acs int, b []T, bo, brs, bcs int, c []T, co, crs, ccs int) {
	// Rows of C in parallel; each row is C[i,:] = Σ_p A[i,p]·B[p,:], accumulated in order.
	grain := max(1, blockElems/max(1, n*k))
	parallel.For(m, grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ci := co + i*crs
			for j := range n {
				c[ci+j*ccs] = 0
			}
			for p := range k {
				av := a[ao+i*ars+p*acs]
				bp := bo + p*brs
				if ccs == 1 && bcs == 1 {
					cr, br := c[ci:ci+n], b[bp:bp+n]
					for j, bv := range br {
						cr[j] += av * bv
					}
					continue
				}
				for j := range n {
					c[ci+j*ccs] += av * b[bp+j*bcs]
				}
			}
		}
	})
}

// naiveGemm is the textbook triple loop, used for Int64 and as the test oracle.
func naiveGemm[T Element](m, n, k int, a []T, ao, ars, acs int, b []T, bo, brs, bcs int, c []T, co, crs, ccs int) {
	for i := range m {
		for j := range n {
			var s T
			for p := range k {
				s += a[ao+i*ars+p*acs] * b[bo+p*brs+j*bcs]
			}
			c[co+i*crs+j*ccs] = s
		}
	}
}
