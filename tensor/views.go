package tensor

import (
	"math/big"
	"slices"
)

// The view operations return a new tensor over the same storage: no element is copied, and a
// write through one is seen through the other.

// inferShape resolves one -1 entry in shape so that it holds as many elements as a tensor of
// shape from, and panics unless the result is a valid shape (see "Sizes" in the package
// documentation) with that many elements.
func inferShape(op string, from, shape []int) []int {
	numel := Shape(from).Numel()
	out := slices.Clone(shape)
	neg := -1
	known, fits := 1, true
	for i, d := range out {
		switch {
		case d == -1 && neg < 0:
			neg = i
		case d < 0:
			panicf(op, "bad shape %s", shapeStr(shape))
		case fits:
			known, fits = mulSize(known, d)
		}
	}
	if neg >= 0 && fits {
		if known == 0 || numel%known != 0 {
			panicf(op, "shape %s is invalid for %d elements", shapeStr(shape), numel)
		}
		out[neg] = numel / known
	}
	n, ok := shapeNumel(out)
	if !fits || !ok {
		panicf(op, "shape %s is invalid for a tensor of shape %s: its sizes multiply past the int range", shapeStr(shape), shapeStr(from))
	}
	if n != numel {
		panicf(op, "shape %s is invalid for %d elements", shapeStr(shape), numel)
	}
	return out
}

// View returns a view of t with a new shape holding the same number of elements (one size may
// be -1, inferred). It panics if the shape does not fit, is not valid (a negative size, or
// sizes whose product, counting zero sizes as 1, overflows int; see "Sizes" in the package
// documentation), or t's strides do not allow a view; Reshape copies in that last case.
func (t *Tensor) View(shape ...int) *Tensor {
	t.live("tensor.View")
	s := inferShape("tensor.View", t.layout.Shape, shape)
	l, ok := viewLayout(t.layout, s)
	if !ok {
		panicf("tensor.View", "cannot view shape %s with strides %s as %s; use Reshape", shapeStr(t.layout.Shape), shapeStr(t.layout.Strides), shapeStr(s))
	}
	return t.view(l)
}

// Reshape returns t with a new shape (one size may be -1), as a view when the strides allow
// and as a copy otherwise, like torch.reshape. It panics if the shape does not hold t's
// number of elements or is not valid, as View does, or if the copy's size in bytes overflows
// int.
func (t *Tensor) Reshape(shape ...int) *Tensor { return t.reshape("tensor.Reshape", shape) }

// reshape is Reshape with its panics named after op.
func (t *Tensor) reshape(op string, shape []int) *Tensor {
	t.live(op)
	s := inferShape(op, t.layout.Shape, shape)
	if l, ok := viewLayout(t.layout, s); ok {
		return t.view(l)
	}
	c := t.cloneAs(op)
	c.layout = ContiguousLayout(s)
	return c
}

// Flatten merges dimensions start..end (inclusive, negative counting from the end) into one,
// as a view when the strides allow and as a copy otherwise, like Reshape. It panics if an
// axis is out of range, start comes after end, or the copy's size in bytes overflows int.
func (t *Tensor) Flatten(start, end int) *Tensor {
	t.live("tensor.Flatten")
	n := len(t.layout.Shape)
	if n == 0 {
		return t.reshape("tensor.Flatten", []int{1})
	}
	start = normAxis("tensor.Flatten", start, n)
	end = normAxis("tensor.Flatten", end, n)
	if start > end {
		panicf("tensor.Flatten", "start %d after end %d", start, end)
	}
	shape := slices.Clone(t.layout.Shape[:start])
	shape = append(shape, Shape(t.layout.Shape[start:end+1]).Numel())
	shape = append(shape, t.layout.Shape[end+1:]...)
	return t.reshape("tensor.Flatten", shape)
}

// Transpose swaps dimensions a and b.
func (t *Tensor) Transpose(a, b int) *Tensor {
	t.live("tensor.Transpose")
	n := len(t.layout.Shape)
	a, b = normAxis("tensor.Transpose", a, n), normAxis("tensor.Transpose", b, n)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = b, a
	return t.view(permuteLayout(t.layout, perm))
}

// T returns the transpose of a matrix (t itself viewed anew for 0-d and 1-d tensors). It panics
// for more than 2 dimensions; use Transpose or Permute there.
func (t *Tensor) T() *Tensor {
	t.live("tensor.T")
	switch len(t.layout.Shape) {
	case 0, 1:
		return t.view(t.layout.Clone())
	case 2:
		return t.Transpose(0, 1)
	}
	panicf("tensor.T", "tensor of shape %s is not a matrix", shapeStr(t.layout.Shape))
	return nil
}

// Permute reorders the dimensions: dimension i of the result is dimension dims[i] of t.
func (t *Tensor) Permute(dims ...int) *Tensor {
	t.live("tensor.Permute")
	n := len(t.layout.Shape)
	if len(dims) != n {
		panicf("tensor.Permute", "%d dims for a tensor of shape %s", len(dims), shapeStr(t.layout.Shape))
	}
	perm := normAxes("tensor.Permute", dims, n)
	return t.view(permuteLayout(t.layout, perm))
}

// Narrow returns the slice [start, start+length) of dimension axis. A negative start counts
// from the end. It panics if axis is out of range or the slice does not lie within the
// dimension (start+length is compared without overflow).
func (t *Tensor) Narrow(axis, start, length int) *Tensor {
	t.live("tensor.Narrow")
	axis = normAxis("tensor.Narrow", axis, len(t.layout.Shape))
	d := t.layout.Shape[axis]
	if start < 0 {
		start += d // no overflow: d >= 0
	}
	if start < 0 || length < 0 || start > d || length > d-start {
		end := new(big.Int).Add(big.NewInt(int64(start)), big.NewInt(int64(length))) // exact
		panicf("tensor.Narrow", "range [%d, %s) out of bounds for dimension %d of shape %s", start, end, axis, shapeStr(t.layout.Shape))
	}
	l := t.layout.Clone()
	l.Shape[axis] = length
	if l.Numel() > 0 { // an empty view keeps its offset, so that it stays inside the buffer
		l.Offset += start * l.Strides[axis]
	}
	return t.view(l)
}

// Slice returns elements start, start+step, ... before end of dimension axis, with Python's
// rules: negative start and end count from the end, and both are clamped to the dimension. It
// panics if axis is out of range or step is not positive. Any int is a valid start, end or
// step: the count is computed without overflow.
//
// Along axis the result has stride step times t's; when it holds at most one element there,
// the step never applies and the stride stays t's, so that no stride overflows.
func (t *Tensor) Slice(axis, start, end, step int) *Tensor {
	t.live("tensor.Slice")
	axis = normAxis("tensor.Slice", axis, len(t.layout.Shape))
	if step <= 0 {
		panicf("tensor.Slice", "step %d must be positive", step)
	}
	d := t.layout.Shape[axis]
	clamp := func(i int) int {
		if i < 0 {
			i += d // no overflow: d >= 0
		}
		return min(max(i, 0), d)
	}
	start, end = clamp(start), clamp(end)
	n := 0
	if end > start {
		n = (end-start-1)/step + 1 // ⌈(end-start)/step⌉ without overflow
	}
	l := t.layout.Clone()
	l.Shape[axis] = n
	if l.Numel() > 0 { // an empty view keeps its offset, so that it stays inside the buffer
		l.Offset += start * l.Strides[axis]
	}
	if n > 1 {
		// No overflow: step <= end-start-1 < d, and (d-1)*stride fits in t's span.
		l.Strides[axis] *= step
	}
	return t.view(l)
}

// Select returns the slice at index i of dimension axis, without that dimension (t[i] for axis
// 0). A negative i counts from the end. It panics if axis or i is out of range.
func (t *Tensor) Select(axis, i int) *Tensor {
	t.live("tensor.Select")
	axis = normAxis("tensor.Select", axis, len(t.layout.Shape))
	d := t.layout.Shape[axis]
	if i < -d || i >= d {
		panicf("tensor.Select", "index %d out of range for dimension %d of shape %s", i, axis, shapeStr(t.layout.Shape))
	}
	if i < 0 {
		i += d
	}
	l := Layout{
		Shape:   slices.Delete(slices.Clone(t.layout.Shape), axis, axis+1),
		Strides: slices.Delete(slices.Clone(t.layout.Strides), axis, axis+1),
		Offset:  t.layout.Offset,
	}
	if l.Numel() > 0 { // an empty view keeps its offset, so that it stays inside the buffer
		l.Offset += i * t.layout.Strides[axis]
	}
	return t.view(l)
}

// Squeeze removes the given dimensions where their size is 1, or every size-1 dimension when
// none are given. As in torch, a named dimension whose size is not 1 is left alone.
func (t *Tensor) Squeeze(axes ...int) *Tensor {
	t.live("tensor.Squeeze")
	n := len(t.layout.Shape)
	drop := make([]bool, n)
	if len(axes) == 0 {
		for i, d := range t.layout.Shape {
			drop[i] = d == 1
		}
	} else {
		for _, a := range normAxes("tensor.Squeeze", axes, n) {
			drop[a] = t.layout.Shape[a] == 1
		}
	}
	l := Layout{Offset: t.layout.Offset, Shape: []int{}, Strides: []int{}}
	for i := range n {
		if !drop[i] {
			l.Shape = append(l.Shape, t.layout.Shape[i])
			l.Strides = append(l.Strides, t.layout.Strides[i])
		}
	}
	return t.view(l)
}

// Unsqueeze inserts a dimension of size 1 at position axis (0..NDim; negative counts from the
// end of the result). It panics if axis is out of range.
func (t *Tensor) Unsqueeze(axis int) *Tensor {
	t.live("tensor.Unsqueeze")
	n := len(t.layout.Shape)
	axis = normAxis("tensor.Unsqueeze", axis, n+1)
	stride := 1
	if axis < n {
		// As in torch, the stride that steps over dimension axis. The stride of a size-1
		// dimension is never used, so should the product overflow, any value will do.
		var ok bool
		if stride, ok = mulSize(t.layout.Strides[axis], t.layout.Shape[axis]); !ok {
			stride = t.layout.Strides[axis]
		}
	}
	l := Layout{
		Shape:   slices.Insert(slices.Clone(t.layout.Shape), axis, 1),
		Strides: slices.Insert(slices.Clone(t.layout.Strides), axis, stride),
		Offset:  t.layout.Offset,
	}
	return t.view(l)
}

// Expand returns a view with size-1 dimensions repeated to the given shape (stride 0), and new
// leading dimensions added, like torch.Tensor.expand; -1 keeps a size. Writing to an expanded
// tensor panics, since one element stands at several positions.
//
// It panics if t's shape does not expand to shape, or if shape is not valid: its sizes,
// counting zero sizes as 1, must multiply to at most the largest int (see "Sizes" in the
// package documentation), even though the view allocates nothing.
func (t *Tensor) Expand(shape ...int) *Tensor {
	t.live("tensor.Expand")
	s := slices.Clone(shape)
	lead := len(s) - len(t.layout.Shape)
	if lead < 0 {
		panicf("tensor.Expand", "cannot expand shape %s to %s", shapeStr(t.layout.Shape), shapeStr(shape))
	}
	for i := range s {
		if s[i] == -1 {
			if i < lead {
				panicf("tensor.Expand", "-1 is not allowed for new leading dimension %d in %s", i, shapeStr(shape))
			}
			s[i] = t.layout.Shape[i-lead]
		}
	}
	l, ok := broadcastLayout(t.layout, s)
	if !ok {
		panicf("tensor.Expand", "cannot expand shape %s to %s", shapeStr(t.layout.Shape), shapeStr(shape))
	}
	if _, ok := shapeNumel(s); !ok {
		panicf("tensor.Expand", "cannot expand shape %s to %s: its sizes multiply past the int range", shapeStr(t.layout.Shape), shapeStr(shape))
	}
	return t.view(l)
}

// BroadcastTo returns a view of t broadcast to shape by NumPy's rules. It panics if t's shape
// does not broadcast to shape or shape is not valid, as Expand does.
func (t *Tensor) BroadcastTo(shape Shape) *Tensor {
	t.live("tensor.BroadcastTo")
	l, ok := broadcastLayout(t.layout, shape)
	if !ok {
		panicf("tensor.BroadcastTo", "cannot broadcast shape %s to %s", shapeStr(t.layout.Shape), shapeStr(shape))
	}
	if _, ok := shapeNumel(shape); !ok {
		panicf("tensor.BroadcastTo", "cannot broadcast shape %s to %s: its sizes multiply past the int range", shapeStr(t.layout.Shape), shapeStr(shape))
	}
	return t.view(l)
}

// BroadcastShapes returns the shape that tensors of the given shapes broadcast to, by NumPy's
// rules. It panics if they do not broadcast, if a size is negative, or if the result is not a
// valid shape (see "Sizes" in the package documentation).
func BroadcastShapes(shapes ...Shape) Shape {
	out := []int{}
	for _, s := range shapes {
		if slices.ContainsFunc(s, func(d int) bool { return d < 0 }) {
			panicf("tensor.BroadcastShapes", "negative dimension in shapes %v", shapes)
		}
		var ok bool
		if out, ok = broadcastShapes(out, s); !ok {
			panicf("tensor.BroadcastShapes", "shapes %v do not broadcast", shapes)
		}
	}
	if _, ok := shapeNumel(out); !ok {
		panicf("tensor.BroadcastShapes", "shapes %v broadcast to %s, whose sizes multiply past the int range", shapes, shapeStr(out))
	}
	return slices.Clone(out)
}
