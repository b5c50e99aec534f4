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

// permuteLayout returns l with dimensions reordered: new dim i is old dim perm[i].
func permuteLayout(l Layout, perm []int) Layout {
	r := Layout{Shape: make([]int, len(perm)), Strides: make([]int, len(perm)), Offset: l.Offset}
	for i, p := range perm {
		r.Shape[i] = l.Shape[p]
		r.Strides[i] = l.Strides[p]
	}
	return r
}

// viewLayout returns a layout of the new shape over the same elements in the same row-major order,
// without copying, or ok=false when the strides do not allow it (the rule of torch.Tensor.view)
// or shape is not valid. Products of sizes and strides that would overflow count as "do not
// allow"; for layouts of real tensors they never do.
func viewLayout(l Layout, shape []int) (Layout, bool) {
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

// broadcastLayout returns l viewed with shape (which must be a broadcast of l.Shape), using zero
// strides for the new and stretched dimensions, or ok=false.
func broadcastLayout(l Layout, shape []int) (Layout, bool) {
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
