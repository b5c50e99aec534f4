package tensor

import "slices"

func checkIndexTensor(name string, idx *Tensor) {
	if dt := idx.DType(); dt != Int64 {
		panicf(name, "indices must be int64, got %s of shape %s", dt, shapeStr(idx.layout.Shape))
	}
}

// indexedShape returns the shape of IndexSelect's result, and of IndexAddInPlace's source:
// t's shape with dimension axis replaced by idx's shape (by [1] for a 0-d idx).
func indexedShape(t, idx *Tensor, axis int) []int {
	is := idx.layout.Shape
	if len(is) == 0 {
		is = []int{1}
	}
	shape := make([]int, 0, len(t.layout.Shape)-1+len(is))
	shape = append(shape, t.layout.Shape[:axis]...)
	shape = append(shape, is...)
	return append(shape, t.layout.Shape[axis+1:]...)
}

// flatShape returns t's shape with dimension axis replaced by n: the shape the device kernels
// see, which take 1-D indices.
func flatShape(t *Tensor, axis, n int) []int {
	shape := slices.Clone(t.layout.Shape)
	shape[axis] = n
	return shape
}

// IndexSelect returns the slices of t at positions idx along axis, the embedding lookup:
// result[..., i₁, ..., iₖ, ...] = t[..., idx[i₁, ..., iₖ], ...]. idx is an Int64 tensor of any
// shape, and the result has shape t.shape[:axis] + idx.shape + t.shape[axis+1:], as with
// torch.embedding (for axis 0) and NumPy's take; for a 1-D idx that is torch.index_select. A
// 0-d idx is one index, and the dimension is kept with size 1, as torch.index_select does.
// The result is a new contiguous tensor. It panics if axis is out of range, idx is not Int64,
// an index is outside [0, t.Size(axis)), or the result's shape is not valid or its size in
// bytes overflows int (see "Sizes" in the package documentation).
func (t *Tensor) IndexSelect(axis int, idx *Tensor) *Tensor {
	const name = "tensor.IndexSelect"
	st := t.live(name)
	checkDevice(name, t, idx)
	checkIndexTensor(name, idx)
	axis = normAxis(name, axis, len(t.layout.Shape))
	// The result's shape, and the copy of idx if it has to be flattened, are checked before
	// anything is allocated.
	checkedBytes(name, st.buf.DType(), indexedShape(t, idx, axis))
	checkedBytes(name, Int64, idx.layout.Shape)
	flat := idx
	if idx.NDim() != 1 { // the kernel takes 1-D indices: a view, or a copy if idx's strides need one
		flat = idx.Reshape(-1)
		defer flat.Release()
	}
	out := allocChecked(name, st.dev, st.buf.DType(), flatShape(t, axis, flat.layout.Shape[0]))
	st.dev.IndexSelect(out.strided(), t.strided(), flat.strided(), axis)
	keep(t, flat)
	if idx.NDim() > 1 {
		// A view of the contiguous result with idx's dimensions in place of the flat one.
		out.layout = ContiguousLayout(indexedShape(t, idx, axis))
	}
	return out
}

// IndexAddInPlace adds src into t at positions idx along axis, t[..., idx[i₁, ..., iₖ], ...] +=
// src[..., i₁, ..., iₖ, ...], and returns t: the reverse of IndexSelect, and its gradient.
// Repeated indices accumulate. idx is an Int64 tensor of any shape (a 0-d idx is one index)
// and src has IndexSelect's result shape, t.shape[:axis] + idx.shape + t.shape[axis+1:]
// (with a dimension of size 1 for a 0-d idx); for a 1-D idx that is torch.index_add_. It
// panics if the shapes do not fit, dtypes or devices differ, idx is not Int64, an index is
// out of range, or t is expanded.
func (t *Tensor) IndexAddInPlace(axis int, idx, src *Tensor) *Tensor {
	const name = "tensor.IndexAddInPlace"
	checkSame(name, t, src)
	checkDevice(name, t, idx)
	checkIndexTensor(name, idx)
	t.checkWritable(name)
	axis = normAxis(name, axis, len(t.layout.Shape))
	if want := indexedShape(t, idx, axis); !slices.Equal(want, src.layout.Shape) {
		panicf(name, "source of shape %s does not fit %s with indices of shape %s along axis %d (want %s)", shapeStr(src.layout.Shape), shapeStr(t.layout.Shape), shapeStr(idx.layout.Shape), axis, shapeStr(want))
	}
	flat := idx
	if idx.NDim() != 1 {
		// The kernel takes 1-D indices and a source with one dimension for them: views when
		// the strides allow, copies otherwise.
		flat = idx.Reshape(-1)
		defer flat.Release()
		src = src.Reshape(flatShape(t, axis, flat.layout.Shape[0])...)
		defer src.Release()
	}
	if src.st == t.st {
		src = src.Clone()
		defer src.Release()
	}
	if flat.st == t.st { // indices read from the receiver: read them before writing
		flat = flat.Clone()
		defer flat.Release()
	}
	t.st.dev.IndexAdd(t.strided(), src.strided(), flat.strided(), axis)
	t.bumpVersion()
	keep(t, flat, src)
	return t
}

// IndexAdd returns a copy of t with src added at positions idx along axis (torch.index_add).
func (t *Tensor) IndexAdd(axis int, idx, src *Tensor) *Tensor {
	return t.Clone().IndexAddInPlace(axis, idx, src)
}

// checkGatherShapes panics unless idx has t's rank and no dimension larger than ref's (except
// along axis when skipAxis).
func checkGatherShapes(name string, ref, idx *Tensor, axis int, skipAxis bool) {
	if idx.NDim() != ref.NDim() {
		panicf(name, "index of shape %s must have the rank of shape %s", shapeStr(idx.layout.Shape), shapeStr(ref.layout.Shape))
	}
	for d, s := range idx.layout.Shape {
		if skipAxis && d == axis {
			continue
		}
		if s > ref.layout.Shape[d] {
			panicf(name, "index of shape %s is larger than %s in dimension %d", shapeStr(idx.layout.Shape), shapeStr(ref.layout.Shape), d)
		}
	}
}

// Gather picks one element of t along axis for every element of idx, like torch.gather: for
// axis 1, result[i][j][k] = t[i][idx[i][j][k]][k]. idx is Int64 with t's rank and no dimension
// larger than t's except along axis; the result has idx's shape.
func (t *Tensor) Gather(axis int, idx *Tensor) *Tensor {
	const name = "tensor.Gather"
	st := t.live(name)
	checkDevice(name, t, idx)
	checkIndexTensor(name, idx)
	axis = normAxis(name, axis, max(len(t.layout.Shape), 1))
	checkGatherShapes(name, t, idx, axis, true)
	if t.NDim() == 0 { // gathers like a vector of one element, as in torch
		t1, i1 := t.Reshape(1), idx.Reshape(1)
		defer t1.Release()
		defer i1.Release()
		r := t1.Gather(0, i1)
		r.layout = ContiguousLayout(nil)
		return r
	}
	out := allocChecked(name, st.dev, st.buf.DType(), idx.layout.Shape)
	st.dev.Gather(out.strided(), t.strided(), idx.strided(), axis)
	keep(t, idx)
	return out
}

// ScatterAddInPlace adds src into t at the positions idx names along axis, the reverse of
// Gather: for axis 1, t[i][idx[i][j][k]][k] += src[i][j][k]. Only the part of src with idx's
// shape is used. It returns t.
func (t *Tensor) ScatterAddInPlace(axis int, idx, src *Tensor) *Tensor {
	const name = "tensor.ScatterAddInPlace"
	checkSame(name, t, src)
	checkDevice(name, t, idx)
	checkIndexTensor(name, idx)
	t.checkWritable(name)
	axis = normAxis(name, axis, max(len(t.layout.Shape), 1))
	checkGatherShapes(name, t, idx, axis, true)
	checkGatherShapes(name, src, idx, axis, false)
	if t.NDim() == 0 { // scatters like a vector of one element, as in torch
		t1, i1, s1 := t.Reshape(1), idx.Reshape(1), src.Reshape(1)
		t1.ScatterAddInPlace(0, i1, s1)
		t1.Release()
		i1.Release()
		s1.Release()
		return t
	}
	sv := src
	for d, s := range idx.layout.Shape {
		if s != sv.layout.Shape[d] {
			sv = sv.Narrow(d, 0, s)
			defer sv.Release()
		}
	}
	if sv.st == t.st {
		sv = sv.Clone()
		defer sv.Release()
	}
	if idx.st == t.st { // indices read from the receiver: read them before writing
		idx = idx.Clone()
		defer idx.Release()
	}
	t.st.dev.ScatterAdd(t.strided(), sv.strided(), idx.strided(), axis)
	t.bumpVersion()
	keep(t, idx, sv)
	return t
}

// ScatterAdd returns a copy of t with src scattered in and added (torch.scatter_add).
func (t *Tensor) ScatterAdd(axis int, idx, src *Tensor) *Tensor {
	return t.Clone().ScatterAddInPlace(axis, idx, src)
}

// Cat concatenates tensors along axis. They must share dtype, device and rank, and have equal
// sizes in every other dimension. It panics if they do not, if there are none, or if the
// result's shape is not valid or its size in bytes overflows int (the sizes along axis are
// added up without overflow).
func Cat(ts []*Tensor, axis int) *Tensor { return cat("tensor.Cat", ts, axis) }

// cat is Cat with its panics named after name.
func cat(name string, ts []*Tensor, axis int) *Tensor {
	if len(ts) == 0 {
		panicf(name, "no tensors")
	}
	checkSame(name, ts...)
	t0 := ts[0]
	nd := t0.NDim()
	if nd == 0 {
		panicf(name, "cannot concatenate 0-d tensors; use Stack")
	}
	axis = normAxis(name, axis, nd)
	shape := slices.Clone(t0.layout.Shape)
	shape[axis] = 0
	for _, t := range ts {
		if t.NDim() != nd {
			panicf(name, "tensors of shapes %s and %s differ in rank", shapeStr(t0.layout.Shape), shapeStr(t.layout.Shape))
		}
		for d := range nd {
			if d != axis && t.layout.Shape[d] != t0.layout.Shape[d] {
				panicf(name, "shapes %s and %s differ in dimension %d", shapeStr(t0.layout.Shape), shapeStr(t.layout.Shape), d)
			}
		}
		var ok bool
		if shape[axis], ok = addSize(shape[axis], t.layout.Shape[axis]); !ok {
			panicf(name, "sizes along axis %d of shapes %s, ..., %s add up past the int range", axis, shapeStr(t0.layout.Shape), shapeStr(t.layout.Shape))
		}
	}
	st := t0.st
	out := allocChecked(name, st.dev, st.buf.DType(), shape)
	off := 0
	for _, t := range ts {
		l := out.layout.Clone()
		l.Shape[axis] = t.layout.Shape[axis]
		l.Offset = off * l.Strides[axis]
		st.dev.Copy(Strided{Buf: out.st.buf, Layout: l}, t.strided())
		off += t.layout.Shape[axis]
	}
	keep(ts...)
	return out
}

// Stack joins tensors of one shape along a new dimension at position axis. It panics as Cat
// does, or if the shapes differ.
func Stack(ts []*Tensor, axis int) *Tensor {
	const name = "tensor.Stack"
	if len(ts) == 0 {
		panicf(name, "no tensors")
	}
	for _, t := range ts {
		if t.live(name); !slices.Equal(t.layout.Shape, ts[0].layout.Shape) {
			panicf(name, "shapes %s and %s differ", shapeStr(ts[0].layout.Shape), shapeStr(t.layout.Shape))
		}
	}
	axis = normAxis(name, axis, ts[0].NDim()+1)
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		us[i] = t.Unsqueeze(axis)
	}
	out := cat(name, us, axis)
	for _, u := range us {
		u.Release()
	}
	return out
}

// SplitSizes cuts t along axis into views of the given sizes, which must add up to the size
// of that dimension. It panics if they do not (the sum is computed without overflow) or a
// size is negative.
func (t *Tensor) SplitSizes(sizes []int, axis int) []*Tensor {
	const name = "tensor.SplitSizes"
	t.live(name)
	axis = normAxis(name, axis, len(t.layout.Shape))
	total, fits := 0, true
	for _, s := range sizes {
		if s < 0 {
			panicf(name, "negative size in %v", sizes)
		}
		if fits {
			total, fits = addSize(total, s)
		}
	}
	if !fits || total != t.layout.Shape[axis] {
		panicf(name, "sizes %v do not add up to dimension %d of shape %s", sizes, axis, shapeStr(t.layout.Shape))
	}
	out := make([]*Tensor, len(sizes))
	off := 0
	for i, s := range sizes {
		out[i] = t.Narrow(axis, off, s)
		off += s
	}
	return out
}

// Split cuts t along axis into views of size each (the last may be smaller), like
// torch.split.
func (t *Tensor) Split(size, axis int) []*Tensor {
	const name = "tensor.Split"
	t.live(name)
	axis = normAxis(name, axis, len(t.layout.Shape))
	if size <= 0 {
		panicf(name, "size %d must be positive", size)
	}
	d := t.layout.Shape[axis]
	var sizes []int
	for off := 0; off < d; {
		s := min(size, d-off)
		sizes = append(sizes, s)
		off += s // no overflow: off+s <= d
	}
	if d == 0 {
		sizes = []int{0}
	}
	return t.SplitSizes(sizes, axis)
}

// Chunk cuts t along axis into at most n views of equal size (the last may be smaller), like
// torch.chunk.
func (t *Tensor) Chunk(n, axis int) []*Tensor {
	const name = "tensor.Chunk"
	t.live(name)
	if n <= 0 {
		panicf(name, "number of chunks %d must be positive", n)
	}
	axis = normAxis(name, axis, len(t.layout.Shape))
	d := t.layout.Shape[axis]
	return t.Split(max(1, (d-1)/n+1), axis) // ⌈d/n⌉ without overflow; 1 when d is 0
}
