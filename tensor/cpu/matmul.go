package cpu

import "github.com/godl/godl/tensor/device"

// MatMul computes every product of the batch with the blocked GEMM of gemm.go: Float32 and
// Float64 through the micro-kernels of gemm_kernel.go, Int64 with plain loops.
func (cpuDevice) MatMul(dst, x, y device.Strided) {
	nd := len(dst.Shape)
	m, n, k := dst.Shape[nd-2], dst.Shape[nd-1], x.Shape[nd-1]
	if dst.Numel() == 0 {
		return
	}
	if k == 0 {
		cpuDevice{}.Fill(dst, 0)
		return
	}
	offs := matOffsets{base: [3]int{x.Offset, y.Offset, dst.Offset}}
	if nd > 2 {
		bshape := dst.Shape[:nd-2]
		offs.it = newIter(bshape,
			device.Layout{Shape: bshape, Strides: x.Strides[:nd-2], Offset: x.Offset},
			device.Layout{Shape: bshape, Strides: y.Strides[:nd-2], Offset: y.Offset},
			device.Layout{Shape: bshape, Strides: dst.Strides[:nd-2], Offset: dst.Offset})
		offs.inner = offs.it.inner()
	}
	nb := numel(dst.Shape[:nd-2])
	switch dst.Buf.DType() {
	case device.Float32:
		gemmBatch(gemmKernelFor[float32](), newGemmOp[float32](dst, x, y, m, n, k), offs, nb)
	case device.Float64:
		gemmBatch(gemmKernelFor[float64](), newGemmOp[float64](dst, x, y, m, n, k), offs, nb)
	case device.Int64:
		gemmBatch(nil, newGemmOp[int64](dst, x, y, m, n, k), offs, nb)
	}
}

// newGemmOp describes the product dst = x @ y of the matrices in the last two dimensions.
func newGemmOp[T device.Element](dst, x, y device.Strided, m, n, k int) gemmOp[T] {
	nd := len(dst.Shape)
	return gemmOp[T]{
		m: m, n: n, k: k,
		a: cpuData[T](x.Buf), ars: x.Strides[nd-2], acs: x.Strides[nd-1],
		b: cpuData[T](y.Buf), brs: y.Strides[nd-2], bcs: y.Strides[nd-1],
		c: cpuData[T](dst.Buf), crs: dst.Strides[nd-2], ccs: dst.Strides[nd-1],
	}
}

// naiveGemm is the textbook triple loop: the oracle of the tests and the baseline of the
// benchmarks.
func naiveGemm[T device.Element](m, n, k int, a []T, ao, ars, acs int, b []T, bo, brs, bcs int, c []T, co, crs, ccs int) {
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
