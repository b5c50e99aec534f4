package tensor

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFrom(t *testing.T) {
	data := []float32{1, 2, 3, 4, 5, 6}
	x := From(data, 2, 3)
	assert.Equal(t, Shape{2, 3}, x.Shape())
	assert.Equal(t, Float32, x.DType())
	assert.Equal(t, CPU, x.Device())
	assert.True(t, x.IsContiguous())
	data[0] = 100
	assert.Equal(t, vwF32(1, 2, 3, 4, 5, 6), x.Float32s(), "From copies its data")

	v := From([]int64{4, 5, 6})
	assert.Equal(t, Shape{3}, v.Shape(), "no shape means 1-D")
	assert.Equal(t, Int64, v.DType())
	assert.Equal(t, []int64{4, 5, 6}, v.Int64s())

	d := From([]float64{0.1, 0.2}, 2, 1)
	assert.Equal(t, Float64, d.DType())
	assert.Equal(t, []float64{0.1, 0.2}, d.Float64s())

	e := From([]float32{}, 0, 3)
	assert.Equal(t, Shape{0, 3}, e.Shape())
	assert.Equal(t, 0, e.Numel())

	vwAssertPanic(t, "tensor.From: shape [2 2] needs 4 elements, got 3", func() { From([]float32{1, 2, 3}, 2, 2) })
	vwAssertPanic(t, "tensor.From: negative dimension in shape [-1 -3]", func() { From([]float32{1, 2, 3}, -1, -3) })
}

func TestScalar(t *testing.T) {
	s := Scalar(float32(2.5))
	assert.Equal(t, 0, s.NDim())
	assert.Empty(t, s.Shape())
	assert.Equal(t, 1, s.Numel())
	assert.Equal(t, Float32, s.DType())
	assert.Equal(t, 2.5, s.Item())
	assert.Equal(t, 2.5, s.At())

	i := Scalar(int64(-7))
	assert.Equal(t, Int64, i.DType())
	assert.Equal(t, -7.0, i.Item())
	assert.Equal(t, 0, i.NDim())

	f := Scalar(math.Pi)
	assert.Equal(t, Float64, f.DType())
	assert.Equal(t, math.Pi, f.Item())
}

func TestEmptyFullZerosOnes(t *testing.T) {
	e := Empty(Shape{2, 3})
	assert.Equal(t, Shape{2, 3}, e.Shape())
	assert.Equal(t, Float32, e.DType())
	assert.Equal(t, Int64, Empty(Shape{4}, Int64).DType())
	assert.Equal(t, 0, Empty(Shape{0, 5}).Numel())

	tests := []struct {
		name  string
		t     *Tensor
		dtype DType
		want  []float64
	}{
		{"full f32", Full(Shape{2, 2}, 2.5), Float32, []float64{2.5, 2.5, 2.5, 2.5}},
		{"full f64", Full(Shape{3}, 0.1, Float64), Float64, []float64{0.1, 0.1, 0.1}},
		{"full i64", Full(Shape{2}, -3, Int64), Int64, []float64{-3, -3}},
		{"zeros", Zeros(Shape{2, 1}), Float32, []float64{0, 0}},
		{"zeros i64", Zeros(Shape{3}, Int64), Int64, []float64{0, 0, 0}},
		{"ones f64", Ones(Shape{1, 2}, Float64), Float64, []float64{1, 1}},
		{"ones scalar", Ones(Shape{}), Float32, []float64{1}},
		{"last option wins", Ones(Shape{2}, Int64, Float64), Float64, []float64{1, 1}},
		{"on cpu", Zeros(Shape{2}, On(CPU), Int64), Int64, []float64{0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.dtype, tc.t.DType())
			assert.Equal(t, tc.want, tc.t.Float64s())
		})
	}
	// Full's value is rounded to float32 once.
	assert.Equal(t, []float32{float32(0.1)}, Full(Shape{1}, 0.1).Float32s())

	vwAssertPanic(t, "tensor.Empty: negative dimension in shape [2 -3]", func() { Empty(Shape{2, -3}) })
	vwAssertPanic(t, "tensor.Full: negative dimension in shape [-1]", func() { Full(Shape{-1}, 0) })
	vwAssertPanic(t, "tensor.Full: nil option", func() { Full(Shape{1}, 0, nil) })
	vwAssertPanic(t, "tensor.Full: invalid dtype 7", func() { Full(Shape{1}, 0, DType(7)) })
	vwAssertPanic(t, "tensor.Full: nil device", func() { Full(Shape{1}, 0, On(nil)) })
	vwAssertPanic(t, "tensor.Empty: invalid dtype 9", func() { Empty(Shape{1}, DType(9)) })
}

func TestLikeConstructors(t *testing.T) {
	x := From([]int64{1, 2, 3, 4, 5, 6}, 2, 3).T() // a strided Int64 view
	tests := []struct {
		name string
		t    *Tensor
		want []int64
	}{
		{"zeros", ZerosLike(x), []int64{0, 0, 0, 0, 0, 0}},
		{"ones", OnesLike(x), []int64{1, 1, 1, 1, 1, 1}},
		{"full", FullLike(x, -7), []int64{-7, -7, -7, -7, -7, -7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, Shape{3, 2}, tc.t.Shape())
			assert.Equal(t, Int64, tc.t.DType())
			assert.True(t, tc.t.IsContiguous())
			assert.False(t, tc.t.SharesStorage(x))
			assert.Equal(t, tc.want, tc.t.Int64s())
		})
	}
	el := EmptyLike(x)
	assert.Equal(t, Shape{3, 2}, el.Shape())
	assert.Equal(t, Int64, el.DType())
	assert.False(t, el.SharesStorage(x))

	s := ZerosLike(Scalar(3.0))
	assert.Equal(t, 0, s.NDim())
	assert.Equal(t, Float64, s.DType())
	assert.Equal(t, 0.0, s.Item())
	assert.Equal(t, []int64{1, 2, 3, 4, 5, 6}, x.T().Int64s(), "the source is untouched")

	r := Zeros(Shape{2})
	r.Release()
	vwAssertPanic(t, "tensor.FullLike: use of a released tensor", func() { ZerosLike(r) })
	vwAssertPanic(t, "tensor.EmptyLike: use of a released tensor", func() { EmptyLike(r) })
}

// vwULP returns the spacing of float64 values at magnitude x.
func vwULP(x float64) float64 {
	x = math.Abs(x)
	return math.Nextafter(x, math.Inf(1)) - x
}

// TestArange checks lengths and values against torch.arange (PyTorch 1.13, float64), whose
// length is ceil((end-start)/step) evaluated in float64 and whose values are start + i*step.
// torch evaluates start + i*step with a fused multiply-add, so values may differ from ours in
// the last place: they are compared to within 2 ulps of the range's largest end, the scale of
// the rounding error of either evaluation.
func TestArange(t *testing.T) {
	tests := []struct {
		start, end, step float64
		want             []float64
	}{
		{0, 10, 3, []float64{0, 3, 6, 9}},
		{0, 1, 0.1, []float64{0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9}},
		{1, 0, -0.3, []float64{1, 0.7, 0.4, 0.10000000000000003}},
		{0.5, 2.5, 0.5, []float64{0.5, 1, 1.5, 2}},
		{-1, 1, 0.7, []float64{-1, -0.30000000000000004, 0.3999999999999999}},
		{10, 0, -3, []float64{10, 7, 4, 1}},
		// (1.3-1)/0.1 is 3.0000000000000004 in float64, so torch gives 4 values, ending at 1.3.
		{1, 1.3, 0.1, []float64{1, 1.1, 1.2, 1.3}},
		{0, 0, 1, []float64{}},
		{3, 3, -1, []float64{}},
		{0, 5, 0.5, []float64{0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5}},
	}
	for _, tc := range tests {
		a := Arange(tc.start, tc.end, tc.step, Float64)
		assert.Equal(t, Shape{len(tc.want)}, a.Shape(), "arange(%g, %g, %g)", tc.start, tc.end, tc.step)
		got := a.Float64s()
		require.Len(t, got, len(tc.want))
		for i := range got {
			tol := 2 * vwULP(max(math.Abs(tc.start), math.Abs(tc.end)))
			assert.InDelta(t, tc.want[i], got[i], tol, "arange(%g, %g, %g)[%d]", tc.start, tc.end, tc.step, i)
		}
	}

	f := Arange(0, 1, 0.1)
	assert.Equal(t, Float32, f.DType())
	assert.Equal(t, float32(0.3), f.Float32s()[3], "values are computed in float64, then rounded")
	assert.Equal(t, []int64{0, 1, 2, 3, 4}, Arange(0, 5, 1, Int64).Int64s())
	assert.Equal(t, []int64{5, 3, 1}, Arange(5, 0, -2, Int64).Int64s())

	bad := []struct {
		start, end, step float64
		want             string
	}{
		{0, 1, 0, "tensor.Arange: bad range start=0 end=1 step=0"},
		{0, 1, -1, "tensor.Arange: bad range start=0 end=1 step=-1"},
		{1, 0, 0.5, "tensor.Arange: bad range start=1 end=0 step=0.5"},
		{math.NaN(), 1, 1, "tensor.Arange: bad range start=NaN end=1 step=1"},
		{0, math.Inf(1), 1, "tensor.Arange: bad range start=0 end=+Inf step=1"},
		{math.Inf(-1), 0, 1, "tensor.Arange: bad range start=-Inf end=0 step=1"},
	}
	for _, b := range bad {
		vwAssertPanic(t, b.want, func() { Arange(b.start, b.end, b.step) })
	}
}

// TestLinspace checks values against torch.linspace (PyTorch 1.13), which fills the first half
// from start and the second half from end, so that the last value is exactly end.
func TestLinspace(t *testing.T) {
	assert.Equal(t, vwF32(0, 0.25, 0.5, 0.75, 1), Linspace(0, 1, 5).Float32s())
	assert.Equal(t, []float64{-1, -0.33333333333333337, 0.33333333333333337, 1}, Linspace(-1, 1, 4, Float64).Float64s())
	assert.Equal(t, []float64{3}, Linspace(3, 3, 1, Float64).Float64s())
	assert.Equal(t, []float64{2}, Linspace(2, 5, 1, Float64).Float64s())
	assert.Equal(t, Shape{0}, Linspace(0, 1, 0).Shape())
	assert.Equal(t, []int64{0, 2, 5, 7, 10}, Linspace(0, 10, 5, Int64).Int64s())
	assert.Equal(t, []int64{0, 0, 1}, Linspace(0, 1, 3, Int64).Int64s())
	desc := Linspace(1, -1, 3, Float64).Float64s()
	assert.Equal(t, []float64{1, 0, -1}, desc)

	// The ends are exact and the spacing is even for a long range.
	l := Linspace(-3, 7, 1001, Float64).Float64s()
	assert.Equal(t, -3.0, l[0])
	assert.Equal(t, 7.0, l[1000])
	for i := 1; i < len(l); i++ {
		assert.InDelta(t, 0.01, l[i]-l[i-1], 1e-12)
	}

	vwAssertPanic(t, "tensor.Linspace: negative number of steps -1", func() { Linspace(0, 1, -1) })
}

func TestEye(t *testing.T) {
	assert.Equal(t, vwF32(1, 0, 0, 0, 1, 0, 0, 0, 1), Eye(3).Float32s())
	assert.Equal(t, Shape{3, 3}, Eye(3).Shape())
	assert.Equal(t, []int64{1}, Eye(1, Int64).Int64s())
	assert.Equal(t, Float64, Eye(2, Float64).DType())
	assert.Equal(t, Shape{0, 0}, Eye(0).Shape())
	vwAssertPanic(t, "tensor.Eye: negative dimension in shape [-1]", func() { Eye(-1) })
}

func TestAsType(t *testing.T) {
	// Float to Int64 truncates toward zero, as torch's .to(torch.int64) does.
	f := From([]float32{1.7, -1.7, 2.5, -0.5, 0, 3})
	i := f.AsType(Int64)
	assert.Equal(t, Int64, i.DType())
	assert.Equal(t, []int64{1, -1, 2, 0, 0, 3}, i.Int64s())
	assert.False(t, i.SharesStorage(f))

	back := From([]int64{3, -2, 1 << 24, 1<<24 + 1}).AsType(Float32)
	assert.Equal(t, Float32, back.DType())
	// 2^24+1 is not representable in float32 and rounds to even, 2^24.
	assert.Equal(t, vwF32(3, -2, 1<<24, 1<<24), back.Float32s())

	d := From([]float32{0.1, -2.5}).AsType(Float64)
	assert.Equal(t, []float64{float64(float32(0.1)), -2.5}, d.Float64s())
	n := From([]float64{0.1, 1e300}).AsType(Float32)
	assert.Equal(t, vwF32(0.1, float32(math.Inf(1))), n.Float32s())

	// The same dtype gives a new handle on the same storage: releasing it keeps f usable.
	same := f.AsType(Float32)
	assert.NotSame(t, f, same)
	assert.True(t, same.SharesStorage(f))
	same.Release()
	assert.Equal(t, f.Float32s(), f.Clone().Float32s(), "f survives the release of its same-dtype conversion")

	// A strided view converts in its own row-major order.
	m := From([]float64{0.5, 1.5, 2.5, 3.5, 4.5, 5.5}, 2, 3).T()
	assert.Equal(t, []int64{0, 3, 1, 4, 2, 5}, m.AsType(Int64).Int64s())
	assert.Equal(t, Shape{3, 2}, m.AsType(Int64).Shape())

	vwAssertPanic(t, "tensor.AsType: invalid dtype 9", func() { f.AsType(DType(9)) })
}

func TestToSameDevice(t *testing.T) {
	// To the tensor's own device gives a new handle on the same storage, with the same layout.
	x := vwSeq(2, 2)
	xt := x.T()
	d, err := GetDevice("cpu")
	require.NoError(t, err)
	for _, src := range []*Tensor{x, xt} {
		for _, dev := range []Device{CPU, d} {
			y := src.To(dev)
			assert.NotSame(t, src, y)
			assert.True(t, y.SharesStorage(src))
			assert.Equal(t, src.Strides(), y.Strides())
			assert.Equal(t, src.Float32s(), y.Float32s())
			y.Release()
			assert.False(t, src.Released(), "releasing the result leaves the operand alive")
		}
	}
}

func TestHostCopiesOfViews(t *testing.T) {
	x := From([]float32{1.5, -2.5, 3.25, 4, 5, 6}, 2, 3)
	tests := []struct {
		name string
		v    *Tensor
		f32  []float32
		i64  []int64
	}{
		{"transposed", x.T(), vwF32(1.5, 4, -2.5, 5, 3.25, 6), []int64{1, 4, -2, 5, 3, 6}},
		{"narrowed", x.Narrow(1, 1, 2), vwF32(-2.5, 3.25, 5, 6), []int64{-2, 3, 5, 6}},
		{"stepped", x.Slice(1, 0, 3, 2), vwF32(1.5, 3.25, 4, 6), []int64{1, 3, 4, 6}},
		{"expanded", x.Select(1, 0).Unsqueeze(1).Expand(2, 2), vwF32(1.5, 1.5, 4, 4), []int64{1, 1, 4, 4}},
		{"selected scalar", x.Select(0, 1).Select(0, 2), vwF32(6), []int64{6}},
		{"empty", x.Narrow(0, 1, 0), vwF32(), []int64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.f32, tc.v.Float32s())
			f64 := make([]float64, len(tc.f32))
			for i, v := range tc.f32 {
				f64[i] = float64(v)
			}
			assert.Equal(t, f64, tc.v.Float64s())
			assert.Equal(t, tc.i64, tc.v.Int64s())
		})
	}
	// The slices are copies.
	got := x.Float32s()
	got[0] = 99
	assert.Equal(t, float32(1.5), x.Float32s()[0])

	i := From([]int64{-3, 1 << 40}).Float64s()
	assert.Equal(t, []float64{-3, 1 << 40}, i)
}

func TestItem(t *testing.T) {
	assert.Equal(t, 4.0, From([]float32{4}, 1, 1).Item())
	assert.Equal(t, 6.0, vwSeq(2, 4).Select(0, 1).Select(0, 2).Item())
	assert.Equal(t, -3.0, From([]int64{-3}).Item())
	vwAssertPanic(t, "tensor.Item: tensor of shape [2] has 2 elements, not 1", func() { vwSeq(2).Item() })
	vwAssertPanic(t, "tensor.Item: tensor of shape [0 3] has 0 elements, not 1", func() { Zeros(Shape{0, 3}).Item() })
}

func TestAt(t *testing.T) {
	x := vwSeq(2, 3)
	tests := []struct {
		idx  []int
		want float64
	}{
		{[]int{0, 0}, 0},
		{[]int{1, 2}, 5},
		{[]int{1, -1}, 5},
		{[]int{-2, 0}, 0},
		{[]int{-1, -3}, 3},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, x.At(tc.idx...), "At%v", tc.idx)
	}
	xt := x.T()
	assert.Equal(t, 5.0, xt.At(2, 1))
	assert.Equal(t, 1.0, xt.At(1, 0))
	assert.Equal(t, 4.0, x.Narrow(1, 1, 2).At(1, 0))
	assert.Equal(t, 1.0, x.Select(1, 1).Unsqueeze(1).Expand(2, 5).At(0, 4))
	assert.Equal(t, float64(1<<40), From([]int64{1 << 40}).At(0))
	assert.Equal(t, 0.25, From([]float64{0.25}).At(-1))

	errs := []struct {
		fn   func()
		want string
	}{
		{func() { x.At(2, 0) }, "tensor.At: index 2 out of range for dimension 0 of shape [2 3]"},
		{func() { x.At(0, -4) }, "tensor.At: index -4 out of range for dimension 1 of shape [2 3]"},
		{func() { x.At(0) }, "tensor.At: 1 indices for a tensor of shape [2 3]"},
		{func() { x.At(0, 0, 0) }, "tensor.At: 3 indices for a tensor of shape [2 3]"},
	}
	for _, e := range errs {
		vwAssertPanic(t, e.want, e.fn)
	}
	r := vwSeq(1)
	r.Release()
	vwAssertPanic(t, "tensor.At: use of a released tensor", func() { r.At(0) })
}
