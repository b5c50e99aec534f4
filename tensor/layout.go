package tensor

import "slices"

// Shape lists the size of each dimension, outermost first. A 0-d tensor (a scalar) has an
// empty shape.
type Shape []int

// Numel returns the number of elements a tensor of this shape holds: the product of its sizes,
// 1 for a scalar. It panics if a size is negative or the product does not fit in an int.
//
// A shape with a zero size holds no elements whatever its other sizes, so Numel returns 0 for
// it; a tensor of that shape may still be refused (see "Sizes" in the package documentation).
func (s Shape) Numel() int {
	if n, ok := shapeNumel(s); ok {
		return n
	}
	for _, d := range s {
		if d < 0 {
			panicf("tensor.Shape.Numel", "negative dimension in shape %s", shapeStr(s))
		}
	}
	if slices.Contains(s, 0) {
		return 0
	}
	panicf("tensor.Shape.Numel", "the sizes of shape %s multiply past the int range", shapeStr(s))
	return 0
}

// Equal reports whether s and o have the same sizes.
func (s Shape) Equal(o Shape) bool { return slices.Equal(s, o) }

// String formats the shape as [2 3].
func (s Shape) String() string { return shapeStr(s) }

// Clone returns a copy of s.
func (s Shape) Clone() Shape { return slices.Clone(s) }

// Layout places a tensor's elements in its buffer: element (i0, i1, ..., ik) lives at
// Offset + i0*Strides[0] + ... + ik*Strides[k], counted in elements. Strides are never
// negative; a stride of 0 repeats an element along that dimension (Expand).
//
// Device backends receive layouts and must honour them: kernels read and write through the
// strides and never assume contiguity unless IsContiguous says so.
type Layout struct {
	Shape   []int
	Strides []int
	Offset  int
}

// ContiguousLayout returns the row-major layout of shape at offset 0. It panics if shape is not
// valid: a negative size, or sizes whose product (counting zero sizes as 1) overflows int.
func ContiguousLayout(shape []int) Layout {
	checkedNumel("tensor.ContiguousLayout", shape)
	n := len(shape)
	buf := make([]int, 2*n) // one allocation for both slices
	copy(buf, shape)
	st := buf[n:]
	s := 1
	for i := n - 1; i >= 0; i-- {
		st[i] = s
		s *= max(shape[i], 1)
	}
	return Layout{Shape: buf[:n:n], Strides: st}
}

// contiguousStrides returns the row-major strides of shape, which must be valid (shapeNumel).
func contiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= max(shape[i], 1)
	}
	return st
}

// Numel returns the number of elements the layout addresses. It panics as Shape.Numel does.
func (l Layout) Numel() int { return Shape(l.Shape).Numel() }

// NDim returns the number of dimensions.
func (l Layout) NDim() int { return len(l.Shape) }

// IsContiguous reports whether the elements occupy Numel consecutive buffer slots in row-major
// order starting at Offset. Strides of size-1 dimensions do not matter. It panics as Numel
// does.
func (l Layout) IsContiguous() bool {
	if l.Numel() == 0 {
		return true // as in torch: a layout without elements is contiguous whatever its strides
	}
	s := 1
	for i := len(l.Shape) - 1; i >= 0; i-- {
		if l.Shape[i] != 1 && l.Strides[i] != s {
			return false
		}
		s *= l.Shape[i]
	}
	return true
}

// Span returns one past the largest buffer index the layout touches (Offset for an empty
// layout). A buffer must hold at least Span elements. It panics if the offset, a size or a
// stride is negative, if Shape and Strides differ in length, or if the span does not fit in
// an int.
func (l Layout) Span() int {
	const op = "tensor.Layout.Span"
	if len(l.Strides) != len(l.Shape) {
		panicf(op, "shape %s and strides %s differ in length", shapeStr(l.Shape), shapeStr(l.Strides))
	}
	bad := l.Offset < 0
	for i, d := range l.Shape {
		bad = bad || d < 0 || l.Strides[i] < 0
	}
	if bad {
		panicf(op, "negative offset, size or stride in shape %s, strides %s, offset %d", shapeStr(l.Shape), shapeStr(l.Strides), l.Offset)
	}
	if slices.Contains(l.Shape, 0) {
		return l.Offset
	}
	end, ok := l.Offset, true
	for i, d := range l.Shape {
		var step int
		if step, ok = mulSize(d-1, l.Strides[i]); ok {
			end, ok = addSize(end, step)
		}
		if !ok {
			break
		}
	}
	if ok {
		end, ok = addSize(end, 1)
	}
	if !ok {
		panicf(op, "shape %s, strides %s and offset %d reach past the int range", shapeStr(l.Shape), shapeStr(l.Strides), l.Offset)
	}
	return end
}

// overlaps reports whether two distinct indices of l reach the same buffer slot through a
// zero stride (an expanded dimension). Writing to such a layout is ambiguous.
func (l Layout) hasZeroStride() bool {
	for i, d := range l.Shape {
		if d > 1 && l.Strides[i] == 0 {
			return true
		}
	}
	return false
}

func (l Layout) clone() Layout {
	return Layout{Shape: slices.Clone(l.Shape), Strides: slices.Clone(l.Strides), Offset: l.Offset}
}

// permute returns the layout with dimensions reordered: new dim i is old dim perm[i].
func (l Layout) permute(perm []int) Layout {
	r := Layout{Shape: make([]int, len(perm)), Strides: make([]int, len(perm)), Offset: l.Offset}
	for i, p := range perm {
		r.Shape[i] = l.Shape[p]
		r.Strides[i] = l.Strides[p]
	}
	return r
}

// viewAs returns a layout of the new shape over the same elements in the same row-major order,
// without copying, or ok=false when the strides do not allow it (the rule of torch.Tensor.view)
// or shape is not valid. Products of sizes and strides that would overflow count as "do not
// allow"; for layouts of real tensors they never do.
func (l Layout) viewAs(shape []int) (Layout, bool) {
	n, ok := shapeNumel(shape)
	if !ok || l.Numel() != n {
		return Layout{}, false
	}
	if l.IsContiguous() {
		return Layout{Shape: slices.Clone(shape), Strides: contiguousStrides(shape), Offset: l.Offset}, true
	}
	// Split the old dims into chunks that are contiguous among themselves; each run of new
	// dims must cover whole chunks. No size here is 0 (the layout has elements), so every
	// partial product of sizes is at most the number of elements.
	newStrides := make([]int, len(shape))
	oldShape, oldStrides := l.Shape, l.Strides
	vi := len(shape) - 1
	chunkBase := oldStrides[len(oldStrides)-1]
	tensorNumel := 1
	viewNumel := 1
	for ti := len(oldShape) - 1; ti >= 0; ti-- {
		tensorNumel *= oldShape[ti]
		// end of a contiguous chunk?
		if ti > 0 {
			if oldShape[ti-1] == 1 {
				continue
			}
			// A product past the int range cannot equal a stride: the chunk ends.
			if next, ok := mulSize(tensorNumel, chunkBase); ok && oldStrides[ti-1] == next {
				continue
			}
		}
		for vi >= 0 && (viewNumel < tensorNumel || shape[vi] == 1) {
			st, ok := mulSize(viewNumel, chunkBase)
			if !ok {
				if shape[vi] != 1 {
					return Layout{}, false
				}
				st = chunkBase // the stride of a size-1 dimension is never used
			}
			newStrides[vi] = st
			viewNumel *= shape[vi]
			vi--
		}
		if viewNumel != tensorNumel {
			return Layout{}, false
		}
		if ti > 0 {
			chunkBase = oldStrides[ti-1]
			tensorNumel = 1
			viewNumel = 1
		}
	}
	if vi != -1 {
		return Layout{}, false
	}
	return Layout{Shape: slices.Clone(shape), Strides: newStrides, Offset: l.Offset}, true
}

// broadcastShapes returns the shape both operands broadcast to, following NumPy's rules, or
// ok=false.
func broadcastShapes(a, b []int) ([]int, bool) {
	if slices.Equal(a, b) {
		return a, true // the common case; callers do not modify the result
	}
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			return nil, false
		}
	}
	return out, true
}

// broadcastTo returns l viewed with shape (which must be a broadcast of l.Shape), using zero
// strides for the new and stretched dimensions, or ok=false.
func (l Layout) broadcastTo(shape []int) (Layout, bool) {
	if len(shape) < len(l.Shape) {
		return Layout{}, false
	}
	if slices.Equal(shape, l.Shape) {
		return l, true // nothing to broadcast; layouts are never modified in place
	}
	for _, d := range shape {
		if d < 0 {
			return Layout{}, false
		}
	}
	r := Layout{Shape: slices.Clone(shape), Strides: make([]int, len(shape)), Offset: l.Offset}
	lead := len(shape) - len(l.Shape)
	for i := range l.Shape {
		switch {
		case l.Shape[i] == shape[lead+i]:
			r.Strides[lead+i] = l.Strides[i]
		case l.Shape[i] == 1:
			r.Strides[lead+i] = 0
		default:
			return Layout{}, false
		}
	}
	return r, true
}
