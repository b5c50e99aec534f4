package tensor

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hostile inputs found by probing the public API: each must panic with a *Error naming the
// problem, and change nothing.

func rbInts(n int) *Tensor {
	v := make([]int64, n)
	for i := range v {
		v[i] = int64(i%7) - 3
	}
	return From(v)
}

func TestIntScalarsMustBeIntegers(t *testing.T) {
	x := From([]int64{1, -2, 3})
	const hint = "convert the tensor with AsType(Float32) or AsType(Float64) first"
	cases := []struct {
		op string
		s  float64
		fn func(s float64)
	}{
		{"tensor.MulScalar", 0.5, func(s float64) { x.MulScalar(s) }},
		{"tensor.AddScalar", 0.9, func(s float64) { x.AddScalar(s) }},
		{"tensor.SubScalar", 0.5, func(s float64) { x.SubScalar(s) }},
		{"tensor.RSubScalar", 1.25, func(s float64) { x.RSubScalar(s) }},
		{"tensor.ClampMin", 0.5, func(s float64) { x.ClampMin(s) }},
		{"tensor.ClampMax", -0.5, func(s float64) { x.ClampMax(s) }},
		{"tensor.Clamp", 1.5, func(s float64) { x.Clamp(0, s) }},
		{"tensor.Clamp", -1.5, func(s float64) { x.Clamp(s, 2) }},
		{"tensor.AddScalarInPlace", 0.5, func(s float64) { x.AddScalarInPlace(s) }},
		{"tensor.MulScalarInPlace", math.NaN(), func(s float64) { x.MulScalarInPlace(s) }},
		{"tensor.ClampInPlace", 2.5, func(s float64) { x.ClampInPlace(0, s) }},
		{"tensor.AddScalar", math.Inf(1), func(s float64) { x.AddScalar(s) }},
		{"tensor.AddScalar", 1e30, func(s float64) { x.AddScalar(s) }},
		{"tensor.AddScalar", 1 << 63, func(s float64) { x.AddScalar(s) }},
		{"tensor.AddScalar", 0.5, func(s float64) { x.Apply(OpAddScalar, s, 0) }},
		{"tensor.ApplyInPlace", 0.5, func(s float64) { x.ApplyInPlace(OpMulScalar, s, 0) }},
		{"tensor.Fill", 0.5, func(s float64) { x.Fill(s) }},
		{"tensor.Full", -2.7, func(s float64) { Full(Shape{2}, s, Int64) }},
		{"tensor.Full", 7.9, func(s float64) { FullLike(x, s) }},
		{"tensor.Full", 0.5, func(s float64) { x.MaskedFill(From([]int64{0, 1, 0}), s) }},
	}
	for _, c := range cases {
		msg := vwPanicMsg(t, func() { c.fn(c.s) })
		assert.True(t, strings.HasPrefix(msg, c.op+": scalar "), "%s(%g): %s", c.op, c.s, msg)
		assert.Contains(t, msg, "is not an int64 value", c.op)
		assert.Contains(t, msg, hint, c.op)
		assert.Equal(t, []int64{1, -2, 3}, x.Int64s(), "%s(%g) changed its receiver", c.op, c.s)
	}
	assert.Equal(t, "tensor.MulScalar: scalar 0.5 is not an int64 value, and the int64 tensor of shape [3] would truncate it; "+hint,
		vwPanicMsg(t, func() { x.MulScalar(0.5) }))

	// Integer scalars are exact, however large.
	big := From([]int64{1 << 60, -1})
	assert.Equal(t, []int64{1<<60 + 1<<53, -1 + 1<<53}, big.AddScalar(1<<53).Int64s())
	assert.Equal(t, []int64{-(1 << 62), 2}, From([]int64{1 << 61, -1}).MulScalar(-2).Int64s())
	assert.Equal(t, []int64{1, 0, 2}, x.Clamp(0, 2).Int64s())
	assert.Equal(t, []int64{-4, -4}, Full(Shape{2}, -4, Int64).Int64s())
	// Comparisons take any scalar: they do not convert it.
	assert.Equal(t, []int64{1, 0, 1}, x.GtScalar(0.5).Int64s())
	// Float tensors take any scalar.
	assert.Equal(t, []float32{0.5, -1, 1.5}, From([]float32{1, -2, 3}).MulScalar(0.5).Float32s())
}

func TestDivScalarDivides(t *testing.T) {
	// Multiplying by the reciprocal overflows here: 1/1e-309 is +Inf.
	a, b, s := 1e-300, -3e-300, 1e-309 // variables: divided at run time, as the kernel does
	x := From([]float64{a, b, 0})
	got := x.DivScalar(s).Float64s()
	assert.Equal(t, []float64{a / s, b / s, 0}, got)
	assert.False(t, math.IsInf(got[0], 0))

	// DivScalar equals Div by a 0-d tensor holding the scalar, bit for bit, in both dtypes.
	r := NewRNG(3)
	for _, dt := range []DType{Float32, Float64} {
		v := r.Normal(Shape{1000}, 0, 10, dt)
		for _, s := range []float64{3, 7, 0.1, -1e-3} {
			want := v.Div(Full(Shape{}, s, dt))
			assert.Equal(t, want.Float64s(), v.DivScalar(s).Float64s(), "%s / %g", dt, s)
		}
	}
	assert.Equal(t, "DivScalar", OpDivScalar.String())
	vwAssertPanic(t, "tensor.DivScalar: dtype int64 of shape [3] is not supported (needs float32 or float64)",
		func() { From([]int64{1, 2, 3}).DivScalar(2) })
}

// TestFailedInPlaceOpsChangeNothing runs in-place operations that fail on a bad value far into
// a large receiver (so that the work is split among threads) and checks that the receiver is
// exactly as before.
func TestFailedInPlaceOpsChangeNothing(t *testing.T) {
	const n = 1 << 17
	x := rbInts(n)
	before := x.Int64s()

	div := OnesLike(x)
	div.Narrow(0, n-1, 1).Fill(0)
	vwAssertPanic(t, "tensor.Div: integer division by zero", func() { x.DivInPlace(div) })
	assert.Equal(t, before, x.Int64s(), "DivInPlace")
	// A broadcast zero divisor too.
	vwAssertPanic(t, "tensor.Div: integer division by zero", func() { x.DivInPlace(Scalar[int64](0)) })
	assert.Equal(t, before, x.Int64s(), "DivInPlace by a 0-d zero")
	vwAssertPanic(t, "tensor.Pow: integers to negative integer powers are not allowed (exponent -1)",
		func() { x.Pow(Full(Shape{n}, -1, Int64)) })

	// ScatterAddInPlace with one bad index at the end.
	y := rbInts(n).Reshape(4, n/4)
	yb := y.Int64s()
	idx := Zeros(Shape{4, n / 4}, Int64)
	idx.Narrow(1, n/4-1, 1).Narrow(0, 3, 1).Fill(4)
	vwAssertPanic(t, "tensor.ScatterAdd: index 4 out of range for dimension of size 4",
		func() { y.ScatterAddInPlace(0, idx, OnesLike(y)) })
	assert.Equal(t, yb, y.Int64s(), "ScatterAddInPlace")

	// IndexAddInPlace with a negative index last.
	ii := From([]int64{0, 1, 2, -1})
	vwAssertPanic(t, "tensor.IndexAdd: index -1 out of range for dimension of size 4",
		func() { y.IndexAddInPlace(0, ii, OnesLike(y)) })
	assert.Equal(t, yb, y.Int64s(), "IndexAddInPlace")

	// Float division by zero is not an error.
	f := From([]float32{1, -1, 0})
	assert.Equal(t, []float32{float32(math.Inf(1)), float32(math.Inf(-1))}, f.DivInPlace(Zeros(Shape{3})).Float32s()[:2])
}

// TestInPlaceIndicesAliasingReceiver passes the receiver itself (or a view of it) as the
// index operand: the indices must be read before anything is written.
func TestInPlaceIndicesAliasingReceiver(t *testing.T) {
	// x[x[i]] += src[i] along axis 0 of a 1-D Int64 tensor, x = [1 2 0 1].
	x := From([]int64{1, 2, 0, 1})
	src := From([]int64{10, 20, 30, 40})
	want := From([]int64{1, 2, 0, 1}).ScatterAddInPlace(0, From([]int64{1, 2, 0, 1}), src)
	x.ScatterAddInPlace(0, x, src)
	assert.Equal(t, want.Int64s(), x.Int64s())
	assert.Equal(t, []int64{31, 52, 20, 1}, x.Int64s())

	// The same through a view of the receiver.
	y := From([]int64{0, 1, 1, 0}, 2, 2)
	wy := From([]int64{0, 1, 1, 0}, 2, 2).ScatterAddInPlace(1, From([]int64{0, 1, 1, 0}, 2, 2).T(), From([]int64{1, 1, 1, 1}, 2, 2))
	y.ScatterAddInPlace(1, y.T(), From([]int64{1, 1, 1, 1}, 2, 2))
	assert.Equal(t, wy.Int64s(), y.Int64s())

	// IndexAddInPlace with indices read from the receiver: z[z[i]] += src[i].
	z := From([]int64{2, 0, 1})
	wz := From([]int64{2, 0, 1}).IndexAddInPlace(0, From([]int64{2, 0, 1}), From([]int64{5, 6, 7}))
	z.IndexAddInPlace(0, z, From([]int64{5, 6, 7}))
	assert.Equal(t, wz.Int64s(), z.Int64s())
	assert.Equal(t, []int64{8, 7, 6}, z.Int64s())
}

// TestConversionsReturnNewHandles checks that the operations with nothing to convert return a
// new handle, so that releasing the result never releases the operand.
func TestConversionsReturnNewHandles(t *testing.T) {
	x := vwSeq(2, 3)
	want := x.Float32s()
	for name, fn := range map[string]func() *Tensor{
		"Contiguous":     x.Contiguous,
		"AsType(same)":   func() *Tensor { return x.AsType(Float32) },
		"To(own device)": func() *Tensor { return x.To(CPU) },
		"SumTo(shape)":   func() *Tensor { return x.SumTo(Shape{2, 3}) },
	} {
		r := fn()
		require.NotSame(t, x, r, name)
		assert.True(t, r.SharesStorage(x), name)
		r.Release()
		require.False(t, x.Released(), name)
		assert.Equal(t, want, x.Float32s(), name)
	}
}

func TestScalarTensorAxes(t *testing.T) {
	x := Scalar[float32](2)
	for _, ax := range []int{0, -1} {
		assert.Equal(t, 1.0, x.Softmax(ax).Item())
		assert.Equal(t, 0.0, x.LogSoftmax(ax).Item())
		assert.Equal(t, 2.0, x.Sum(ax).Item())
		assert.Equal(t, 2.0, x.Max(ax).Item())
		assert.Equal(t, 0.0, x.ArgMax(ax, false).Item())
		assert.Equal(t, Shape{}, x.SumKeepDim(ax).Shape())
	}
	for _, ax := range []int{5, 1, -2} {
		vwAssertPanic(t, "tensor.Softmax: axis "+strconv.Itoa(ax)+" out of range for a 0-d tensor (0 or -1)", func() { x.Softmax(ax) })
		vwAssertPanic(t, "tensor.LogSoftmax: axis "+strconv.Itoa(ax)+" out of range for a 0-d tensor (0 or -1)", func() { x.LogSoftmax(ax) })
		vwAssertPanic(t, "tensor.Mean: axis "+strconv.Itoa(ax)+" out of range for a 0-d tensor (0 or -1)", func() { x.Mean(ax) })
	}
}
