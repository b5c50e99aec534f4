package cpu

import (
	"github.com/godl/godl/internal/parallel"
	"github.com/godl/godl/tensor/cpu/internal/asm"
	"github.com/godl/godl/tensor/device"
)

// indices reads a 1-D Int64 operand and checks every value against [0, limit).
func indices(op string, idx device.Strided, limit int) []int64 {
	n := idx.Shape[0]
	src := cpuData[int64](idx.Buf)
	out := make([]int64, n)
	for i := range n {
		v := src[idx.Offset+i*idx.Strides[0]]
		if v < 0 || v >= int64(limit) {
			device.Panicf(op, "index %d out of range for dimension of size %d", v, limit)
		}
		out[i] = v
	}
	return out
}

// splitAt cuts a layout into the dimensions before axis, and those after it.
func splitAt(l device.Layout, axis int) (lead, trail device.Layout) {
	lead = device.Layout{Shape: l.Shape[:axis], Strides: l.Strides[:axis]}
	trail = device.Layout{Shape: l.Shape[axis+1:], Strides: l.Strides[axis+1:]}
	return
}

func (cpuDevice) IndexSelect(dst, src, idx device.Strided, axis int) {
	ix := indices("tensor.IndexSelect", idx, src.Shape[axis])
	if dst.Numel() == 0 {
		return
	}
	device.ByDType(src.Buf.DType(), indexSelectKernel[float32], indexSelectKernel[float64], indexSelectKernel[int64])(dst, src, ix, axis)
}

// slicePairs calls f(dstBase, srcBase, i) for every leading position and every i in [0, n),
// where the bases are the offsets of the (lead, i) slices; f handles the trailing dimensions.
func slicePairs(dst, src device.Layout, axis, n int, dAxis, sAxis func(i int) int, trailElems int, f func(db, sb int)) {
	dl, _ := splitAt(dst, axis)
	sl, _ := splitAt(src, axis)
	lead := newIter(dl.Shape, device.Layout{Shape: dl.Shape, Strides: dl.Strides, Offset: dst.Offset},
		device.Layout{Shape: sl.Shape, Strides: sl.Strides, Offset: src.Offset})
	leadN := numel(dl.Shape)
	grain := max(1, blockElems/max(1, trailElems))
	parallel.For(leadN*n, grain, func(lo, hi int) {
		for w := lo; w < hi; w++ {
			o, i := w/n, w%n
			offs := lead.rowOffsets(o / lead.inner())
			r := o % lead.inner()
			f(offs[0]+r*lead.innerStride(0)+dAxis(i), offs[1]+r*lead.innerStride(1)+sAxis(i))
		}
	})
}

// copyTrail copies the trailing block of src at sb to dst at db.
func copyTrail[T device.Element](d, s []T, tr *iter, db, sb int) {
	inner, ds, ss := tr.inner(), tr.innerStride(0), tr.innerStride(1)
	if tr.rows() == 1 && ds == 1 && ss == 1 {
		copy(d[db+tr.base[0]:db+tr.base[0]+inner], s[sb+tr.base[1]:sb+tr.base[1]+inner])
		return
	}
	tr.eachRow(0, tr.rows(), func(offs [maxOps]int) {
		for j := range inner {
			d[db+offs[0]+j*ds] = s[sb+offs[1]+j*ss]
		}
	})
}

// addTrail adds the trailing block of src at sb into dst at db.
func addTrail[T device.Element](d, s []T, tr *iter, db, sb int) {
	inner, ds, ss := tr.inner(), tr.innerStride(0), tr.innerStride(1)
	if tr.rows() == 1 && ds == 1 && ss == 1 {
		dr, sr := d[db+tr.base[0]:db+tr.base[0]+inner], s[sb+tr.base[1]:sb+tr.base[1]+inner]
		if d32, ok := any(dr).([]float32); ok {
			asm.AddF32(d32, d32, any(sr).([]float32))
			return
		}
		for j, v := range sr {
			dr[j] += v
		}
		return
	}
	tr.eachRow(0, tr.rows(), func(offs [maxOps]int) {
		for j := range inner {
			d[db+offs[0]+j*ds] += s[sb+offs[1]+j*ss]
		}
	})
}

func indexSelectKernel[T device.Element](dst, src device.Strided, ix []int64, axis int) {
	d, s := cpuData[T](dst.Buf), cpuData[T](src.Buf)
	_, dt := splitAt(dst.Layout, axis)
	_, st := splitAt(src.Layout, axis)
	tr := newIter(dt.Shape, dt, st)
	dA, sA := dst.Strides[axis], src.Strides[axis]
	slicePairs(dst.Layout, src.Layout, axis, len(ix),
		func(i int) int { return i * dA }, func(i int) int { return int(ix[i]) * sA },
		numel(dt.Shape), func(db, sb int) { copyTrail(d, s, tr, db, sb) })
}

func (cpuDevice) IndexAdd(dst, src, idx device.Strided, axis int) {
	ix := indices("tensor.IndexAdd", idx, dst.Shape[axis])
	if src.Numel() == 0 {
		return
	}
	device.ByDType(src.Buf.DType(), indexAddKernel[float32], indexAddKernel[float64], indexAddKernel[int64])(dst, src, ix, axis)
}

func indexAddKernel[T device.Element](dst, src device.Strided, ix []int64, axis int) {
	d, s := cpuData[T](dst.Buf), cpuData[T](src.Buf)
	_, dt := splitAt(dst.Layout, axis)
	_, st := splitAt(src.Layout, axis)
	tr := newIter(dt.Shape, dt, st)
	dl, _ := splitAt(dst.Layout, axis)
	sl, _ := splitAt(src.Layout, axis)
	lead := newIter(dl.Shape, device.Layout{Shape: dl.Shape, Strides: dl.Strides, Offset: dst.Offset},
		device.Layout{Shape: sl.Shape, Strides: sl.Strides, Offset: src.Offset})
	dA, sA := dst.Strides[axis], src.Strides[axis]
	// Different leading positions write disjoint parts of dst, so they run in parallel; the
	// indices of one position are added in order, so sums do not depend on the thread count.
	leadN := numel(dl.Shape)
	parallel.For(leadN, max(1, blockElems/max(1, src.Numel()/max(leadN, 1))), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			offs := lead.rowOffsets(o / lead.inner())
			r := o % lead.inner()
			db, sb := offs[0]+r*lead.innerStride(0), offs[1]+r*lead.innerStride(1)
			for i, v := range ix {
				addTrail(d, s, tr, db+int(v)*dA, sb+i*sA)
			}
		}
	})
}

func (cpuDevice) Gather(dst, src, idx device.Strided, axis int) {
	if dst.Numel() == 0 {
		return
	}
	device.ByDType(src.Buf.DType(), gatherKernel[float32], gatherKernel[float64], gatherKernel[int64])(dst, src, idx, axis)
}

// axisFree returns l reshaped to shape with a zero stride along axis: the position of every
// element of shape in l, except for the axis coordinate, which the caller adds.
func axisFree(l device.Layout, shape []int, axis int) device.Layout {
	st := append([]int(nil), l.Strides...)
	st[axis] = 0
	return device.Layout{Shape: shape, Strides: st, Offset: l.Offset}
}

func gatherKernel[T device.Element](dst, src, idx device.Strided, axis int) {
	d, s, x := cpuData[T](dst.Buf), cpuData[T](src.Buf), cpuData[int64](idx.Buf)
	limit, sA := int64(src.Shape[axis]), src.Strides[axis]
	it := newIter(dst.Shape, dst.Layout, idx.Layout, axisFree(src.Layout, dst.Shape, axis))
	ds, xs, ss := it.innerStride(0), it.innerStride(1), it.innerStride(2)
	it.run(func(offs [maxOps]int, n int) {
		for i := range n {
			v := x[offs[1]+i*xs]
			if v < 0 || v >= limit {
				device.Panicf("tensor.Gather", "index %d out of range for dimension of size %d", v, limit)
			}
			d[offs[0]+i*ds] = s[offs[2]+i*ss+int(v)*sA]
		}
	})
}

func (cpuDevice) ScatterAdd(dst, src, idx device.Strided, axis int) {
	if src.Numel() == 0 {
		return
	}
	checkIndices("tensor.ScatterAdd", idx, dst.Shape[axis])
	device.ByDType(src.Buf.DType(), scatterAddKernel[float32], scatterAddKernel[float64], scatterAddKernel[int64])(dst, src, idx, axis)
}

// checkIndices panics unless every element of idx lies in [0, limit). Kernels that write in
// place check first, so that a bad index leaves the destination unchanged.
func checkIndices(op string, idx device.Strided, limit int) {
	x := cpuData[int64](idx.Buf)
	it := newIter(idx.Shape, idx.Layout)
	st := it.innerStride(0)
	it.run(func(offs [maxOps]int, n int) {
		for i := range n {
			if v := x[offs[0]+i*st]; v < 0 || v >= int64(limit) {
				device.Panicf(op, "index %d out of range for dimension of size %d", v, limit)
			}
		}
	})
}

func scatterAddKernel[T device.Element](dst, src, idx device.Strided, axis int) {
	d, s, x := cpuData[T](dst.Buf), cpuData[T](src.Buf), cpuData[int64](idx.Buf)
	limit, dA := int64(dst.Shape[axis]), dst.Strides[axis]
	it := newIter(src.Shape, src.Layout, idx.Layout, axisFree(dst.Layout, src.Shape, axis))
	ss, xs, ds := it.innerStride(0), it.innerStride(1), it.innerStride(2)
	// Sequential and in row-major order: several sources may add into one element, and the
	// order of those additions must not depend on the thread count.
	it.eachRow(0, it.rows(), func(offs [maxOps]int) {
		for i := range it.inner() {
			v := x[offs[1]+i*xs]
			if v < 0 || v >= limit {
				device.Panicf("tensor.ScatterAdd", "index %d out of range for dimension of size %d", v, limit)
			}
			d[offs[2]+i*ds+int(v)*dA] += s[offs[0]+i*ss]
		}
	})
}
