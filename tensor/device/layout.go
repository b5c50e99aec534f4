package device

import (
	"slices"

	"github.com/godl/godl/tensor/internal/shapes"
)

// Layout places a tensor's elements in its buffer: element (i0, i1, ..., ik) lives at
// Offset + i0*Strides[0] + ... + ik*Strides[k], counted in elements. Strides are never
// negative; a stride of 0 repeats an element along that dimension (an expanded tensor).
//
// Kernels receive layouts and must honour them: they read and write through the strides and
// never assume contiguity unless IsContiguous says so. A kernel must not modify the slices of
// a layout it receives, nor keep them past its return (a device that queues the kernel copies
// them).
type Layout struct {
	Shape   []int
	Strides []int
	Offset  int
}

// ContiguousLayout returns the row-major layout of shape at offset 0. It panics if shape is not
// valid: a negative size, or sizes whose product (counting zero sizes as 1) overflows int.
func ContiguousLayout(shape []int) Layout {
	if _, ok := shapes.Numel(shape); !ok {
		Panicf("tensor.ContiguousLayout", "%s", ShapeProblem(shape))
	}
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

// ShapeProblem says why shape is not valid (a negative size, or sizes whose product counting
// zero sizes as 1 overflows int), or returns "" when it is.
func ShapeProblem(shape []int) string {
	for _, d := range shape {
		if d < 0 {
			return "negative dimension in shape " + shapes.Str(shape)
		}
	}
	if _, ok := shapes.Numel(shape); !ok {
		return "shape " + shapes.Str(shape) + " is too large: its sizes multiply past the int range"
	}
	return ""
}

// Numel returns the number of elements the layout addresses. It panics if a size is negative
// or the product does not fit in an int (a shape with a zero size holds no elements).
func (l Layout) Numel() int {
	if n, ok := shapes.Numel(l.Shape); ok {
		return n
	}
	for _, d := range l.Shape {
		if d < 0 {
			Panicf("tensor.Shape.Numel", "negative dimension in shape %s", shapes.Str(l.Shape))
		}
	}
	if slices.Contains(l.Shape, 0) {
		return 0
	}
	Panicf("tensor.Shape.Numel", "the sizes of shape %s multiply past the int range", shapes.Str(l.Shape))
	return 0
}

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

// Expanded reports whether two distinct indices of l reach the same buffer slot through a
// zero stride (a dimension expanded from size 1). Writing through such a layout is ambiguous.
func (l Layout) Expanded() bool {
	for i, d := range l.Shape {
		if d > 1 && l.Strides[i] == 0 {
			return true
		}
	}
	return false
}

// Clone returns a copy of l that shares no slices with it.
func (l Layout) Clone() Layout {
	return Layout{Shape: slices.Clone(l.Shape), Strides: slices.Clone(l.Strides), Offset: l.Offset}
}

// Span returns one past the largest buffer index the layout touches (Offset for an empty
// layout). A buffer must hold at least Span elements. It panics if the offset, a size or a
// stride is negative, if Shape and Strides differ in length, or if the span does not fit in
// an int.
func (l Layout) Span() int {
	const op = "tensor.Layout.Span"
	if len(l.Strides) != len(l.Shape) {
		Panicf(op, "shape %s and strides %s differ in length", shapes.Str(l.Shape), shapes.Str(l.Strides))
	}
	bad := l.Offset < 0
	for i, d := range l.Shape {
		bad = bad || d < 0 || l.Strides[i] < 0
	}
	if bad {
		Panicf(op, "negative offset, size or stride in shape %s, strides %s, offset %d", shapes.Str(l.Shape), shapes.Str(l.Strides), l.Offset)
	}
	if slices.Contains(l.Shape, 0) {
		return l.Offset
	}
	end, ok := l.Offset, true
	for i, d := range l.Shape {
		var step int
		if step, ok = shapes.Mul(d-1, l.Strides[i]); ok {
			end, ok = shapes.Add(end, step)
		}
		if !ok {
			break
		}
	}
	if ok {
		end, ok = shapes.Add(end, 1)
	}
	if !ok {
		Panicf(op, "shape %s, strides %s and offset %d reach past the int range", shapes.Str(l.Shape), shapes.Str(l.Strides), l.Offset)
	}
	return end
}
