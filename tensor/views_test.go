package tensor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vwSeq returns a Float32 tensor of the given shape holding 0, 1, 2, ... in row-major order.
func vwSeq(shape ...int) *Tensor {
	v := make([]float32, Shape(shape).Numel())
	for i := range v {
		v[i] = float32(i)
	}
	return From(v, shape...)
}

// vwCoded returns a [2 3 4] Float32 tensor whose element (i, j, k) is 100i + 10j + k, so that a
// value names the position it came from.
func vwCoded() *Tensor {
	v := make([]float32, 0, 24)
	for i := range 2 {
		for j := range 3 {
			for k := range 4 {
				v = append(v, float32(100*i+10*j+k))
			}
		}
	}
	return From(v, 2, 3, 4)
}

// vwF32 returns its arguments as a slice, empty but not nil when there are none (the way
// Float32s returns an empty tensor's elements).
func vwF32(xs ...float32) []float32 {
	if xs == nil {
		return []float32{}
	}
	return xs
}

func TestViewSharesStorage(t *testing.T) {
	x := vwSeq(2, 3, 4)
	tests := []struct {
		name    string
		shape   []int
		want    Shape
		strides []int
	}{
		{"infer last", []int{4, -1}, Shape{4, 6}, []int{6, 1}},
		{"infer first", []int{-1, 3}, Shape{8, 3}, []int{3, 1}},
		{"infer middle", []int{2, -1, 3}, Shape{2, 4, 3}, []int{12, 3, 1}},
		{"flat", []int{-1}, Shape{24}, []int{1}},
		{"explicit", []int{24, 1}, Shape{24, 1}, []int{1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := x.View(tc.shape...)
			assert.Equal(t, tc.want, v.Shape())
			assert.Equal(t, tc.strides, v.Strides())
			assert.True(t, v.SharesStorage(x))
			assert.Equal(t, x.Float32s(), v.Float32s())
		})
	}

	// A write through a view is seen through the base and the other way round.
	v := x.View(6, 4)
	v.Select(0, 5).Fill(-1) // flat elements 20..23
	got := x.Float32s()
	for i, g := range got {
		if i >= 20 {
			assert.Equal(t, float32(-1), g, "element %d", i)
		} else {
			assert.Equal(t, float32(i), g, "element %d", i)
		}
	}
	x.Select(0, 0).Select(0, 0).Fill(7) // flat elements 0..3
	assert.Equal(t, vwF32(7, 7, 7, 7, 4, 5), v.Float32s()[:6])
}

func TestViewScalarAndEmpty(t *testing.T) {
	one := From([]float32{5}, 1)
	s := one.View()
	assert.Equal(t, 0, s.NDim())
	assert.Equal(t, 5.0, s.Item())
	assert.Equal(t, Shape{1, 1, 1}, s.View(1, 1, -1).Shape())

	e := Zeros(Shape{0, 3})
	assert.Equal(t, Shape{0, 3}, e.View(-1, 3).Shape())
	assert.Equal(t, Shape{3, 0}, e.View(3, 0).Shape())
	assert.Equal(t, Shape{0}, e.View(-1).Shape())
	// A transposed empty tensor views freely: it holds no element (torch agrees).
	assert.Equal(t, Shape{0}, Zeros(Shape{3, 4}).T().Narrow(0, 0, 0).View(-1).Shape())
}

func TestReshapeCopiesOnlyWhenNeeded(t *testing.T) {
	x := vwSeq(2, 3)
	r := x.Reshape(3, 2)
	assert.True(t, r.SharesStorage(x), "contiguous reshape is a view")

	xt := x.T() // [[0 3] [1 4] [2 5]]
	c := xt.Reshape(-1)
	assert.False(t, c.SharesStorage(x), "reshape of a transposed matrix copies")
	assert.Equal(t, vwF32(0, 3, 1, 4, 2, 5), c.Float32s())
	assert.True(t, c.IsContiguous())
	c.Fill(9)
	assert.Equal(t, vwF32(0, 1, 2, 3, 4, 5), x.Float32s(), "the copy is independent")

	// Where the strides allow, Reshape of a transposed tensor stays a view.
	v := xt.Reshape(3, 1, 2)
	assert.True(t, v.SharesStorage(x))
	assert.Equal(t, vwF32(0, 3, 1, 4, 2, 5), v.Float32s())
}

func TestViewReshapeErrors(t *testing.T) {
	x := vwSeq(2, 3, 4)
	tests := []struct {
		name string
		fn   func()
		want string
	}{
		{"numel", func() { x.View(5, 5) }, "tensor.View: shape [5 5] is invalid for 24 elements"},
		{"two -1", func() { x.View(-1, -1) }, "tensor.View: bad shape [-1 -1]"},
		{"negative", func() { x.View(-2, -12) }, "tensor.View: bad shape [-2 -12]"},
		{"-1 with zero", func() { x.View(0, -1) }, "tensor.View: shape [0 -1] is invalid for 24 elements"},
		{"-1 not dividing", func() { x.View(5, -1) }, "tensor.View: shape [5 -1] is invalid for 24 elements"},
		{"strides", func() { vwSeq(2, 3).T().View(6) }, "tensor.View: cannot view shape [3 2] with strides [1 3] as [6]; use Reshape"},
		{"reshape numel", func() { x.Reshape(7) }, "tensor.Reshape: shape [7] is invalid for 24 elements"},
		{"reshape bad", func() { x.Reshape(-3, 8) }, "tensor.Reshape: bad shape [-3 8]"},
		{"empty -1", func() { Zeros(Shape{0, 3}).View(0, -1) }, "tensor.View: shape [0 -1] is invalid for 0 elements"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { vwAssertPanic(t, tc.want, tc.fn) })
	}
}

func TestFlatten(t *testing.T) {
	x := vwSeq(2, 3, 4)
	tests := []struct {
		start, end int
		want       Shape
	}{
		{0, -1, Shape{24}},
		{0, 2, Shape{24}},
		{1, 2, Shape{2, 12}},
		{0, 1, Shape{6, 4}},
		{1, 1, Shape{2, 3, 4}},
		{-2, -1, Shape{2, 12}},
	}
	for _, tc := range tests {
		f := x.Flatten(tc.start, tc.end)
		assert.Equal(t, tc.want, f.Shape(), "Flatten(%d, %d)", tc.start, tc.end)
		assert.True(t, f.SharesStorage(x))
		assert.Equal(t, x.Float32s(), f.Float32s())
	}

	// Flatten copies when the strides do not allow a view, like torch.flatten.
	p := x.Permute(2, 0, 1) // [4 2 3]
	f := p.Flatten(0, 1)
	assert.Equal(t, Shape{8, 3}, f.Shape())
	assert.False(t, f.SharesStorage(x))
	assert.Equal(t, p.Float32s(), f.Float32s())
	// Merging the last two permuted dims (strides 12 and 4) is a view.
	g := p.Flatten(1, 2)
	assert.Equal(t, Shape{4, 6}, g.Shape())
	assert.True(t, g.SharesStorage(x))
	assert.Equal(t, p.Float32s(), g.Float32s())

	s := Scalar(float32(3)).Flatten(0, -1)
	assert.Equal(t, Shape{1}, s.Shape())
	assert.Equal(t, vwF32(3), s.Float32s())

	vwAssertPanic(t, "tensor.Flatten: start 2 after end 1", func() { x.Flatten(2, 1) })
	vwAssertPanic(t, "tensor.Flatten: axis 3 out of range for 3 dimensions", func() { x.Flatten(0, 3) })
	vwAssertPanic(t, "tensor.Flatten: axis -4 out of range for 3 dimensions", func() { x.Flatten(-4, 2) })
}

func TestTransposeAndT(t *testing.T) {
	x := vwSeq(2, 3)
	xt := x.T()
	assert.Equal(t, Shape{3, 2}, xt.Shape())
	assert.Equal(t, []int{1, 3}, xt.Strides())
	assert.False(t, xt.IsContiguous())
	assert.True(t, xt.SharesStorage(x))
	assert.Equal(t, vwF32(0, 3, 1, 4, 2, 5), xt.Float32s())
	assert.Equal(t, x.Float32s(), xt.T().Float32s())
	assert.True(t, xt.T().IsContiguous())

	v := vwSeq(4)
	assert.Equal(t, Shape{4}, v.T().Shape())
	assert.True(t, v.T().SharesStorage(v))
	s := Scalar(2.5)
	assert.Equal(t, 0, s.T().NDim())
	assert.Equal(t, 2.5, s.T().Item())

	c := vwCoded()
	tr := c.Transpose(-1, 0) // [4 3 2], element (k, j, i)
	assert.Equal(t, Shape{4, 3, 2}, tr.Shape())
	assert.Equal(t, []int{1, 4, 12}, tr.Strides())
	assert.Equal(t, float64(100*1+10*2+3), tr.At(3, 2, 1))
	same := c.Transpose(1, 1)
	assert.Equal(t, c.Strides(), same.Strides())

	vwAssertPanic(t, "tensor.T: tensor of shape [2 3 4] is not a matrix", func() { c.T() })
	vwAssertPanic(t, "tensor.Transpose: axis 3 out of range for 3 dimensions", func() { c.Transpose(0, 3) })
	vwAssertPanic(t, "tensor.Transpose: axis -4 out of range for 3 dimensions", func() { c.Transpose(-4, 0) })
}

func TestPermute(t *testing.T) {
	c := vwCoded()
	p := c.Permute(2, 0, 1) // element (k, i, j)
	assert.Equal(t, Shape{4, 2, 3}, p.Shape())
	assert.Equal(t, []int{1, 12, 4}, p.Strides())
	assert.True(t, p.SharesStorage(c))
	var want []float32
	for k := range 4 {
		for i := range 2 {
			for j := range 3 {
				want = append(want, float32(100*i+10*j+k))
			}
		}
	}
	assert.Equal(t, want, p.Float32s())
	assert.Equal(t, want, c.Permute(-1, 0, 1).Contiguous().Float32s())
	assert.Equal(t, c.Float32s(), c.Permute(0, 1, 2).Float32s())
	assert.Equal(t, c.Float32s(), p.Permute(1, 2, 0).Float32s(), "inverse permutation")

	vwAssertPanic(t, "tensor.Permute: 2 dims for a tensor of shape [2 3 4]", func() { c.Permute(0, 1) })
	vwAssertPanic(t, "tensor.Permute: axis 0 repeated", func() { c.Permute(0, 0, 1) })
	vwAssertPanic(t, "tensor.Permute: axis -3 repeated", func() { c.Permute(0, 1, -3) })
	vwAssertPanic(t, "tensor.Permute: axis 5 out of range for 3 dimensions", func() { c.Permute(0, 1, 5) })
}

func TestNarrow(t *testing.T) {
	x := vwSeq(4, 5)
	tests := []struct {
		name                string
		axis, start, length int
		shape               Shape
		want                []float32
	}{
		{"columns", 1, 1, 3, Shape{4, 3}, vwF32(1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18)},
		{"rows from end", 0, -2, 2, Shape{2, 5}, vwF32(10, 11, 12, 13, 14, 15, 16, 17, 18, 19)},
		{"negative axis", -1, 4, 1, Shape{4, 1}, vwF32(4, 9, 14, 19)},
		{"empty at end", 1, 5, 0, Shape{4, 0}, vwF32()},
		{"all", 0, 0, 4, Shape{4, 5}, x.Float32s()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := x.Narrow(tc.axis, tc.start, tc.length)
			assert.Equal(t, tc.shape, n.Shape())
			assert.True(t, n.SharesStorage(x))
			assert.Equal(t, tc.want, n.Float32s())
		})
	}
	// Writing through a narrowed view changes only that block.
	y := vwSeq(3, 3)
	y.Narrow(0, 1, 2).Narrow(1, 1, 2).Fill(-1)
	assert.Equal(t, vwF32(0, 1, 2, 3, -1, -1, 6, -1, -1), y.Float32s())

	errs := []struct {
		fn   func()
		want string
	}{
		{func() { x.Narrow(1, 3, 3) }, "tensor.Narrow: range [3, 6) out of bounds for dimension 1 of shape [4 5]"},
		{func() { x.Narrow(0, -5, 1) }, "tensor.Narrow: range [-1, 0) out of bounds for dimension 0 of shape [4 5]"},
		{func() { x.Narrow(0, 0, -1) }, "tensor.Narrow: range [0, -1) out of bounds for dimension 0 of shape [4 5]"},
		{func() { x.Narrow(0, 5, 0) }, "tensor.Narrow: range [5, 5) out of bounds for dimension 0 of shape [4 5]"},
		{func() { x.Narrow(2, 0, 1) }, "tensor.Narrow: axis 2 out of range for 2 dimensions"},
	}
	for _, e := range errs {
		vwAssertPanic(t, e.want, e.fn)
	}
}

func TestSlice(t *testing.T) {
	x := vwSeq(10)
	// Expected values follow Python's list slicing, x[start:end:step].
	tests := []struct {
		start, end, step int
		want             []float32
	}{
		{0, 10, 1, vwF32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)},
		{2, 8, 3, vwF32(2, 5)},
		{-3, 100, 1, vwF32(7, 8, 9)},
		{-100, 3, 1, vwF32(0, 1, 2)},
		{5, 2, 1, vwF32()},
		{0, -1, 2, vwF32(0, 2, 4, 6, 8)},
		{1, 10, 4, vwF32(1, 5, 9)},
		{10, 20, 1, vwF32()},
		{-1, 10, 5, vwF32(9)},
		{0, 10, 100, vwF32(0)},
		{-5, -2, 1, vwF32(5, 6, 7)},
		{3, 3, 1, vwF32()},
	}
	for _, tc := range tests {
		s := x.Slice(0, tc.start, tc.end, tc.step)
		assert.Equal(t, Shape{len(tc.want)}, s.Shape(), "[%d:%d:%d]", tc.start, tc.end, tc.step)
		assert.Equal(t, tc.want, s.Float32s(), "[%d:%d:%d]", tc.start, tc.end, tc.step)
		assert.True(t, s.SharesStorage(x))
	}

	m := vwSeq(4, 5)
	cols := m.Slice(1, 0, 5, 2) // columns 0, 2, 4
	assert.Equal(t, Shape{4, 3}, cols.Shape())
	assert.Equal(t, []int{5, 2}, cols.Strides())
	rows := cols.Slice(-2, 1, 4, 2) // rows 1, 3
	assert.Equal(t, vwF32(5, 7, 9, 15, 17, 19), rows.Float32s())
	rows.Fill(0)
	assert.Equal(t, vwF32(0, 6, 0, 8, 0), m.Select(0, 1).Float32s())

	vwAssertPanic(t, "tensor.Slice: step 0 must be positive", func() { x.Slice(0, 0, 5, 0) })
	vwAssertPanic(t, "tensor.Slice: step -1 must be positive", func() { x.Slice(0, 5, 0, -1) })
	vwAssertPanic(t, "tensor.Slice: axis 1 out of range for 1 dimensions", func() { x.Slice(1, 0, 5, 1) })
}

func TestSelect(t *testing.T) {
	c := vwCoded()
	s := c.Select(1, -1) // c[:, 2, :]
	assert.Equal(t, Shape{2, 4}, s.Shape())
	assert.Equal(t, vwF32(20, 21, 22, 23, 120, 121, 122, 123), s.Float32s())
	assert.True(t, s.SharesStorage(c))
	assert.Equal(t, vwF32(110, 111, 112, 113), c.Select(0, 1).Select(0, 1).Float32s())
	assert.Equal(t, vwF32(3, 13, 23, 103, 113, 123), c.Select(2, 3).Float32s())

	scalar := c.Select(0, 1).Select(0, 2).Select(0, -4)
	assert.Equal(t, 0, scalar.NDim())
	assert.Equal(t, 120.0, scalar.Item())

	vwAssertPanic(t, "tensor.Select: index 3 out of range for dimension 1 of shape [2 3 4]", func() { c.Select(1, 3) })
	vwAssertPanic(t, "tensor.Select: index -4 out of range for dimension 1 of shape [2 3 4]", func() { c.Select(1, -4) })
	vwAssertPanic(t, "tensor.Select: axis 3 out of range for 3 dimensions", func() { c.Select(3, 0) })
	vwAssertPanic(t, "tensor.Select: index 0 out of range for dimension 0 of shape [0]", func() { Zeros(Shape{0}).Select(0, 0) })
	vwAssertPanic(t, "tensor.Select: axis 0 out of range for 0 dimensions", func() { Scalar(1.0).Select(0, 0) })
}

func TestSqueeze(t *testing.T) {
	x := vwSeq(1, 3, 1, 2)
	tests := []struct {
		name string
		axes []int
		want Shape
	}{
		{"all", nil, Shape{3, 2}},
		{"first", []int{0}, Shape{3, 1, 2}},
		{"not size 1 is left alone", []int{1}, Shape{1, 3, 1, 2}},
		{"negative", []int{-2}, Shape{1, 3, 2}},
		{"two", []int{0, 2}, Shape{3, 2}},
		{"mixed", []int{3, 2, 1}, Shape{1, 3, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := x.Squeeze(tc.axes...)
			assert.Equal(t, tc.want, s.Shape())
			assert.True(t, s.SharesStorage(x))
			assert.Equal(t, x.Float32s(), s.Float32s())
		})
	}
	one := From([]float32{4}, 1, 1)
	assert.Equal(t, 0, one.Squeeze().NDim())
	assert.Equal(t, 4.0, one.Squeeze().Item())
	assert.Equal(t, Shape{0}, Zeros(Shape{1, 0}).Squeeze().Shape())
	assert.Equal(t, Shape{3}, Zeros(Shape{3}).Squeeze().Shape())

	vwAssertPanic(t, "tensor.Squeeze: axis 4 out of range for 4 dimensions", func() { x.Squeeze(4) })
	vwAssertPanic(t, "tensor.Squeeze: axis -2 repeated", func() { x.Squeeze(2, -2) })
}

func TestUnsqueeze(t *testing.T) {
	x := vwSeq(2, 3)
	tests := []struct {
		axis int
		want Shape
	}{
		{0, Shape{1, 2, 3}},
		{1, Shape{2, 1, 3}},
		{2, Shape{2, 3, 1}},
		{-1, Shape{2, 3, 1}},
		{-3, Shape{1, 2, 3}},
	}
	for _, tc := range tests {
		u := x.Unsqueeze(tc.axis)
		assert.Equal(t, tc.want, u.Shape(), "Unsqueeze(%d)", tc.axis)
		assert.True(t, u.IsContiguous())
		assert.True(t, u.SharesStorage(x))
		assert.Equal(t, x.Float32s(), u.Float32s())
	}
	// Strides of the new dimension on a transposed tensor match torch.unsqueeze's.
	xt := x.T() // strides [1 3]
	assert.Equal(t, []int{3, 1, 3}, xt.Unsqueeze(0).Strides())
	assert.Equal(t, []int{1, 6, 3}, xt.Unsqueeze(1).Strides())
	assert.Equal(t, []int{1, 3, 1}, xt.Unsqueeze(2).Strides())
	assert.Equal(t, xt.Float32s(), xt.Unsqueeze(1).Float32s())

	assert.Equal(t, Shape{1}, Scalar(1.0).Unsqueeze(0).Shape())
	assert.Equal(t, Shape{1}, Scalar(1.0).Unsqueeze(-1).Shape())

	vwAssertPanic(t, "tensor.Unsqueeze: axis 3 out of range for 3 dimensions", func() { x.Unsqueeze(3) })
	vwAssertPanic(t, "tensor.Unsqueeze: axis -4 out of range for 3 dimensions", func() { x.Unsqueeze(-4) })
}

func TestExpand(t *testing.T) {
	a := From([]float32{0, 1, 2}, 3, 1)
	tests := []struct {
		name    string
		shape   []int
		want    Shape
		strides []int
		vals    []float32
	}{
		{"repeat column", []int{3, 4}, Shape{3, 4}, []int{1, 0}, vwF32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2)},
		{"keep with -1", []int{-1, 2}, Shape{3, 2}, []int{1, 0}, vwF32(0, 0, 1, 1, 2, 2)},
		{"same", []int{3, 1}, Shape{3, 1}, []int{1, 1}, vwF32(0, 1, 2)},
		{"new leading", []int{2, 3, 2}, Shape{2, 3, 2}, []int{0, 1, 0}, vwF32(0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2)},
		{"new leading, -1 kept", []int{2, -1, -1}, Shape{2, 3, 1}, []int{0, 1, 1}, vwF32(0, 1, 2, 0, 1, 2)},
		{"to zero", []int{3, 0}, Shape{3, 0}, []int{1, 0}, vwF32()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := a.Expand(tc.shape...)
			assert.Equal(t, tc.want, e.Shape())
			assert.Equal(t, tc.strides, e.Strides())
			assert.True(t, e.SharesStorage(a))
			assert.Equal(t, tc.vals, e.Float32s())
			c := e.Contiguous()
			assert.Equal(t, tc.vals, c.Float32s())
		})
	}
	s := Scalar(float32(7)).Expand(2, 2)
	assert.Equal(t, []int{0, 0}, s.Strides())
	assert.Equal(t, vwF32(7, 7, 7, 7), s.Float32s())

	// The expanded view sees writes to its base.
	e := a.Expand(3, 4)
	a.Select(0, 1).Fill(5)
	assert.Equal(t, vwF32(5, 5, 5, 5), e.Select(0, 1).Float32s())

	errs := []struct {
		fn   func()
		want string
	}{
		{func() { a.Expand(4, 4) }, "tensor.Expand: cannot expand shape [3 1] to [4 4]"},
		{func() { a.Expand(4) }, "tensor.Expand: cannot expand shape [3 1] to [4]"},
		{func() { a.Expand(-1, 3, 4) }, "tensor.Expand: -1 is not allowed for new leading dimension 0 in [-1 3 4]"},
		{func() { a.Expand(3, -2) }, "tensor.Expand: cannot expand shape [3 1] to [3 -2]"},
		{func() { a.Expand(-3, 3, 1) }, "tensor.Expand: cannot expand shape [3 1] to [-3 3 1]"},
		{func() { vwSeq(2).Expand(1) }, "tensor.Expand: cannot expand shape [2] to [1]"},
		{func() { a.Expand(3, 4).Fill(1) }, "tensor.Fill: cannot write in place to an expanded tensor of shape [3 4] (strides [1 0]); Clone it first"},
	}
	for _, e := range errs {
		vwAssertPanic(t, e.want, e.fn)
	}
}

func TestBroadcastTo(t *testing.T) {
	r := From([]float32{1, 2, 3})
	b := r.BroadcastTo(Shape{2, 3})
	assert.Equal(t, Shape{2, 3}, b.Shape())
	assert.Equal(t, []int{0, 1}, b.Strides())
	assert.True(t, b.SharesStorage(r))
	assert.Equal(t, vwF32(1, 2, 3, 1, 2, 3), b.Float32s())
	assert.Equal(t, vwF32(1, 2, 3), r.BroadcastTo(Shape{3}).Float32s())
	col := From([]float32{1, 2}, 2, 1)
	assert.Equal(t, vwF32(1, 1, 1, 2, 2, 2), col.BroadcastTo(Shape{1, 2, 3}).Float32s())

	vwAssertPanic(t, "tensor.BroadcastTo: cannot broadcast shape [3] to [2 4]", func() { r.BroadcastTo(Shape{2, 4}) })
	vwAssertPanic(t, "tensor.BroadcastTo: cannot broadcast shape [3] to []", func() { r.BroadcastTo(Shape{}) })
	vwAssertPanic(t, "tensor.BroadcastTo: cannot broadcast shape [2 1] to [2 -1]", func() { col.BroadcastTo(Shape{2, -1}) })
}

func TestViewChains(t *testing.T) {
	c := vwCoded()

	// r[i][a][b] = c[i][2b][a+1], derived step by step:
	//   p = Permute(2,0,1)   p[k][i][j]  = c[i][j][k]        [4 2 3]
	//   n = Narrow(0,1,2)    n[k][i][j]  = p[k+1][i][j]      [2 2 3]
	//   s = Slice(2,0,3,2)   s[k][i][j'] = n[k][i][2j']      [2 2 2]
	//   r = Transpose(0,1)   r[i][k][j'] = s[k][i][j']       [2 2 2]
	r := c.Permute(2, 0, 1).Narrow(0, 1, 2).Slice(2, 0, 3, 2).Transpose(0, 1)
	want := vwF32(1, 21, 2, 22, 101, 121, 102, 122)
	assert.Equal(t, Shape{2, 2, 2}, r.Shape())
	assert.False(t, r.IsContiguous())
	assert.True(t, r.SharesStorage(c))
	rc := r.Contiguous()
	assert.True(t, rc.IsContiguous())
	assert.False(t, rc.SharesStorage(c))
	assert.Equal(t, want, rc.Float32s())
	cl := r.Clone()
	assert.Equal(t, want, cl.Float32s())
	assert.Equal(t, want, r.Reshape(-1).Float32s())
	assert.Equal(t, 122.0, r.At(1, 1, 1))
	// Contiguous of a contiguous tensor is a view of it under a new handle; Clone always copies.
	rcc := rc.Contiguous()
	assert.NotSame(t, rc, rcc)
	assert.True(t, rcc.SharesStorage(rc))
	rcc.Release()
	assert.Equal(t, want, rc.Float32s(), "releasing the result of Contiguous keeps its operand")
	assert.False(t, rc.Clone().SharesStorage(rc))

	// Select, Unsqueeze, Expand: e[i][j][k] = c[i][2][k].
	e := c.Select(1, 2).Unsqueeze(1).Expand(2, 3, 4)
	var wantE []float32
	for i := range 2 {
		for range 3 {
			for k := range 4 {
				wantE = append(wantE, float32(100*i+20+k))
			}
		}
	}
	assert.Equal(t, wantE, e.Contiguous().Float32s())
	assert.Equal(t, wantE, e.Clone().Float32s())

	// View of a transposed view: x = arange(24) as [6 4]; t = x.T() is [4 6] with strides
	// [1 4]; splitting its first dim gives v[a][b][j] = t[2a+b][j] = 4j + 2a + b.
	x := vwSeq(6, 4)
	v := x.T().View(2, 2, 6)
	assert.Equal(t, []int{2, 1, 4}, v.Strides())
	var wantV []float32
	for a := range 2 {
		for b := range 2 {
			for j := range 6 {
				wantV = append(wantV, float32(4*j+2*a+b))
			}
		}
	}
	assert.Equal(t, wantV, v.Contiguous().Float32s())

	// Writes through a chain land in the base: c.Transpose(0,2).Select(0,3) is c[:, :, 3].
	c.Transpose(0, 2).Select(0, 3).Fill(-1)
	got := c.Float32s()
	for n, g := range got {
		if n%4 == 3 {
			assert.Equal(t, float32(-1), g, "element %d", n)
		} else {
			i, j, k := n/12, n/4%3, n%4
			assert.Equal(t, float32(100*i+10*j+k), g, "element %d", n)
		}
	}
	c.Narrow(1, 0, 2).Slice(2, 0, 4, 2).MulScalarInPlace(2) // c[:, 0:2, 0::2] *= 2
	assert.Equal(t, vwF32(0, 1, 4, -1), c.Select(0, 0).Select(0, 0).Float32s())
	assert.Equal(t, vwF32(220, 111, 224, -1), c.Select(0, 1).Select(0, 1).Float32s())
	assert.Equal(t, vwF32(120, 121, 122, -1), c.Select(0, 1).Select(0, 2).Float32s())
}

func TestViewsOfEmptyAndUnitDims(t *testing.T) {
	e := Zeros(Shape{0, 3})
	et := e.T()
	assert.Equal(t, Shape{3, 0}, et.Shape())
	assert.Equal(t, Shape{3, 0}, et.Contiguous().Shape())
	assert.Empty(t, et.Float32s())
	assert.Equal(t, Shape{0, 2}, e.Narrow(1, 1, 2).Shape())
	assert.Equal(t, Shape{5, 0}, Zeros(Shape{1, 0}).Expand(5, 0).Shape())
	assert.Equal(t, Shape{0, 1, 3}, e.Unsqueeze(1).Shape())
	assert.Equal(t, Shape{1, 0}, e.Slice(1, 0, 1, 1).T().Shape())

	u := vwSeq(1, 4, 1)
	assert.True(t, u.Permute(2, 1, 0).IsContiguous(), "moving size-1 dims keeps contiguity")
	assert.Equal(t, vwF32(0, 1, 2, 3), u.Permute(2, 1, 0).Float32s())
	assert.Equal(t, vwF32(0, 1, 2, 3), u.Transpose(0, 2).View(4).Float32s())
}

func TestViewOfReleasedTensorPanics(t *testing.T) {
	x := vwSeq(2, 3)
	x.Release()
	tests := []struct {
		fn   func()
		want string
	}{
		{func() { x.View(6) }, "tensor.View: use of a released tensor"},
		{func() { x.Reshape(6) }, "tensor.Reshape: use of a released tensor"},
		{func() { x.Transpose(0, 1) }, "tensor.Transpose: use of a released tensor"},
		{func() { x.Permute(1, 0) }, "tensor.Permute: use of a released tensor"},
		{func() { x.Narrow(0, 0, 1) }, "tensor.Narrow: use of a released tensor"},
		{func() { x.Slice(0, 0, 1, 1) }, "tensor.Slice: use of a released tensor"},
		{func() { x.Select(0, 0) }, "tensor.Select: use of a released tensor"},
		{func() { x.Squeeze() }, "tensor.Squeeze: use of a released tensor"},
		{func() { x.Unsqueeze(0) }, "tensor.Unsqueeze: use of a released tensor"},
		{func() { x.Expand(2, 3) }, "tensor.Expand: use of a released tensor"},
		{func() { x.BroadcastTo(Shape{2, 3}) }, "tensor.BroadcastTo: use of a released tensor"},
		{func() { x.Contiguous() }, "tensor.Contiguous: use of a released tensor"},
		{func() { x.Clone() }, "tensor.Clone: use of a released tensor"},
	}
	for _, tc := range tests {
		vwAssertPanic(t, tc.want, tc.fn)
	}
	require.True(t, x.Released())
}
