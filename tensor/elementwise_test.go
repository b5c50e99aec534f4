package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hand-computed tests of the elementwise ops, for what the torch fixtures do not show: strided
// operands, in-place rules, Int64 behaviour, error messages, empty and large tensors.

// opsPanicMsg runs fn and returns the message of the *Error it panics with; it fails the test
// if fn returns normally or panics with anything else.

// cpuBlock is the CPU backend's parallel block, in elements: operands longer than a few of
// them take the parallel path.
const cpuBlock = 1 << 15

func opsPanicMsg(t *testing.T, fn func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		require.NotNil(t, r, "no panic")
		e, ok := r.(*Error)
		require.True(t, ok, "panic with %T (%v), want *tensor.Error", r, r)
		msg = e.Error()
	}()
	fn()
	return ""
}

// opsRequirePanic asserts that fn panics with a *Error whose message is want.
func opsRequirePanic(t *testing.T, want string, fn func()) {
	t.Helper()
	assert.Equal(t, want, opsPanicMsg(t, fn))
}

// opsRequireShape asserts x's shape (an empty want is a 0-d tensor).
func opsRequireShape(t *testing.T, x *Tensor, want ...int) {
	t.Helper()
	require.Equal(t, shapeStr(want), shapeStr(x.Shape()), "shape")
}

// opsSeq returns 0, 1, ..., n-1 as float64.
func opsSeq(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i)
	}
	return v
}

// opsRandF64 returns n seeded values uniform in [lo, hi).
func opsRandF64(seed uint64, n int, lo, hi float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	v := make([]float64, n)
	for i := range v {
		v[i] = lo + (hi-lo)*r.Float64()
	}
	return v
}

func opsRandF32(seed uint64, n int, lo, hi float64) []float32 {
	v := opsRandF64(seed, n, lo, hi)
	out := make([]float32, n)
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// opsWithThreads runs fn with n threads and restores the previous setting.
func opsWithThreads(n int, fn func()) {
	prev := SetNumThreads(n)
	defer SetNumThreads(prev)
	fn()
}

// opsBitsEqual asserts that two tensors have identical shapes, dtypes and bits.
func opsBitsEqual(t *testing.T, a, b *Tensor, what string) {
	t.Helper()
	require.Equal(t, a.DType(), b.DType(), what)
	require.Equal(t, shapeStr(a.Shape()), shapeStr(b.Shape()), what)
	x, y := a.Float64s(), b.Float64s()
	if a.DType() == Int64 {
		require.Equal(t, a.Int64s(), b.Int64s(), what)
		return
	}
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			t.Fatalf("%s: element %d differs: %v and %v", what, i, x[i], y[i])
		}
	}
}

func TestOpsBinaryNonContiguous(t *testing.T) {
	// A is the 3×4 matrix A[i][j] = 4i+j; B the 4×3 matrix B[i][j] = 10 + 3i+j.
	A := opsSeq(12)
	B := make([]float64, 12)
	for i := range B {
		B[i] = 10 + float64(i)
	}
	a := From(A, 3, 4)
	b := From(B, 4, 3)
	v := From([]float64{-1, 2, -3, 4})
	col := From([]float64{0.5, 1.5, 2.5}, 3, 1)
	s := Scalar(2.0)
	a3 := From(opsSeq(24), 2, 3, 4) // a3[i][j][k] = 12i+4j+k

	cases := []struct {
		name    string
		x, y    *Tensor
		shape   []int
		xv, yv  func(i, j int) float64 // the logical elements of the operands at (i, j)
		wantNC  bool                   // whether x really is non-contiguous
		op      func(x, y *Tensor) *Tensor
		f       func(p, q float64) float64
		opLabel string
	}{
		{name: "transposed+contiguous", x: a.T(), y: b, shape: []int{4, 3},
			xv: func(i, j int) float64 { return A[4*j+i] }, yv: func(i, j int) float64 { return B[3*i+j] },
			wantNC: true, op: (*Tensor).Add, f: func(p, q float64) float64 { return p + q }},
		{name: "contiguous-transposed", x: b, y: a.T(), shape: []int{4, 3},
			xv: func(i, j int) float64 { return B[3*i+j] }, yv: func(i, j int) float64 { return A[4*j+i] },
			op: (*Tensor).Sub, f: func(p, q float64) float64 { return p - q }},
		{name: "both transposed", x: a.T(), y: b.T().T(), shape: []int{4, 3},
			xv: func(i, j int) float64 { return A[4*j+i] }, yv: func(i, j int) float64 { return B[3*i+j] },
			wantNC: true, op: (*Tensor).Mul, f: func(p, q float64) float64 { return p * q }},
		{name: "stepped columns and rows", x: a.Slice(1, 1, 4, 2).Narrow(0, 1, 2), y: b.Slice(0, 0, 4, 3).T().Narrow(0, 0, 2), shape: []int{2, 2},
			// x[i][j] = A[i+1][1+2j]; y = B rows 0 and 3, transposed, first 2 rows: y[i][j] = B[3j][i].
			xv: func(i, j int) float64 { return A[4*(i+1)+1+2*j] }, yv: func(i, j int) float64 { return B[3*(3*j)+i] },
			wantNC: true, op: (*Tensor).Div, f: func(p, q float64) float64 { return p / q }},
		{name: "expanded row", x: v.Unsqueeze(0).Expand(3, 4), y: a, shape: []int{3, 4},
			xv: func(i, j int) float64 { return []float64{-1, 2, -3, 4}[j] }, yv: func(i, j int) float64 { return A[4*i+j] },
			wantNC: true, op: (*Tensor).Maximum, f: math.Max},
		{name: "expanded column with transposed", x: col.Expand(3, 4), y: b.T(), shape: []int{3, 4},
			xv: func(i, j int) float64 { return []float64{0.5, 1.5, 2.5}[i] }, yv: func(i, j int) float64 { return B[3*j+i] },
			wantNC: true, op: (*Tensor).Pow, f: math.Pow},
		{name: "implicit broadcast of a transposed", x: b.T(), y: v, shape: []int{3, 4},
			xv: func(i, j int) float64 { return B[3*j+i] }, yv: func(i, j int) float64 { return []float64{-1, 2, -3, 4}[j] },
			wantNC: true, op: (*Tensor).Minimum, f: math.Min},
		{name: "scalar with a stepped slice", x: s, y: a.Slice(0, 0, 3, 2), shape: []int{2, 4},
			xv: func(i, j int) float64 { return 2 }, yv: func(i, j int) float64 { return A[4*(2*i)+j] },
			op: (*Tensor).Sub, f: func(p, q float64) float64 { return p - q }},
		{name: "permuted 3-D selected", x: a3.Permute(2, 0, 1).Select(1, 1), y: col.T(), shape: []int{4, 3},
			// x[i][j] = a3[1][j][i] = 12+4j+i
			xv: func(i, j int) float64 { return float64(12 + 4*j + i) }, yv: func(i, j int) float64 { return []float64{0.5, 1.5, 2.5}[j] },
			wantNC: true, op: (*Tensor).Gt, f: func(p, q float64) float64 { return map[bool]float64{true: 1}[p > q] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.wantNC {
				require.False(t, c.x.IsContiguous(), "x should be a strided view")
			}
			out := c.op(c.x, c.y)
			opsRequireShape(t, out, c.shape...)
			require.True(t, out.IsContiguous())
			require.False(t, out.SharesStorage(c.x) || out.SharesStorage(c.y))
			got := out.Float64s()
			for i := range c.shape[0] {
				for j := range c.shape[1] {
					want := c.f(c.xv(i, j), c.yv(i, j))
					assert.Equal(t, want, got[i*c.shape[1]+j], "element (%d, %d)", i, j)
				}
			}
		})
	}
	// The operands are untouched.
	assert.Equal(t, A, a.Float64s())
	assert.Equal(t, B, b.Float64s())
}

func TestOpsUnaryNonContiguous(t *testing.T) {
	A := opsRandF64(1, 24, -3, 3)
	a := From(A, 2, 3, 4)
	views := []struct {
		name  string
		x     *Tensor
		elems []float64 // the view's elements in row-major order
	}{
		{"transposed", a.Transpose(0, 2), func() []float64 {
			var v []float64
			for k := range 4 {
				for j := range 3 {
					for i := range 2 {
						v = append(v, A[12*i+4*j+k])
					}
				}
			}
			return v
		}()},
		{"stepped", a.Slice(2, 1, 4, 2), func() []float64 {
			var v []float64
			for i := range 2 {
				for j := range 3 {
					v = append(v, A[12*i+4*j+1], A[12*i+4*j+3])
				}
			}
			return v
		}()},
		{"expanded", a.Select(0, 1).Select(0, 2).Unsqueeze(0).Expand(3, 4), func() []float64 {
			var v []float64
			for range 3 {
				v = append(v, A[20:24]...)
			}
			return v
		}()},
	}
	ops := []struct {
		name string
		op   func(x *Tensor) *Tensor
		f    func(x float64) float64
	}{
		{"Exp", (*Tensor).Exp, math.Exp},
		{"Neg", (*Tensor).Neg, func(x float64) float64 { return -x }},
		{"Square", (*Tensor).Square, func(x float64) float64 { return x * x }},
		{"Tanh", (*Tensor).Tanh, math.Tanh},
		{"ReLU", (*Tensor).ReLU, func(x float64) float64 { return max(x, 0) }},
		{"AddScalar", func(x *Tensor) *Tensor { return x.AddScalar(0.25) }, func(x float64) float64 { return x + 0.25 }},
		{"MulScalar", func(x *Tensor) *Tensor { return x.MulScalar(-3) }, func(x float64) float64 { return x * -3 }},
		{"ClampMax", func(x *Tensor) *Tensor { return x.ClampMax(0.5) }, func(x float64) float64 { return min(x, 0.5) }},
		{"GeScalar", func(x *Tensor) *Tensor { return x.GeScalar(0) }, func(x float64) float64 {
			if x >= 0 {
				return 1
			}
			return 0
		}},
	}
	for _, v := range views {
		require.False(t, v.x.IsContiguous(), v.name)
		for _, o := range ops {
			t.Run(v.name+"/"+o.name, func(t *testing.T) {
				out := o.op(v.x)
				require.Equal(t, shapeStr(v.x.Shape()), shapeStr(out.Shape()))
				require.True(t, out.IsContiguous())
				got := out.Float64s()
				for i, x := range v.elems {
					assert.Equal(t, o.f(x), got[i], "element %d", i)
				}
			})
		}
	}
	assert.Equal(t, A, a.Float64s(), "the source is untouched")
}

func TestOpsWhereMaskedFillNonContiguous(t *testing.T) {
	cond := From([]float32{1, 0, 0, 1, 1, 0}, 2, 3).T() // [3 2]: [[1 1] [0 1] [0 0]]
	x := From([]float32{10, 20}).Unsqueeze(0).Expand(3, 2)
	y := From(opsSeqF32(12), 3, 4).Slice(1, 0, 4, 2) // [[0 2] [4 6] [8 10]]
	out := Where(cond, x, y)
	assert.Equal(t, []float32{10, 20, 4, 20, 8, 10}, out.Float32s())

	// Any mask dtype; NaN counts as true (nonzero).
	m := From([]int64{0, 1, 0}, 3, 1)
	assert.Equal(t, []float32{0, 2, -1, -1, 8, 10}, y.MaskedFill(m, -1).Float32s())
	mf := From([]float64{float64(math.NaN()), 0})
	assert.Equal(t, []float32{7, 2, 7, 6, 7, 10}, y.MaskedFill(mf, 7).Float32s())
	// A 0-d condition selects everywhere.
	assert.Equal(t, []float32{0, 2, 4, 6, 8, 10}, Where(Scalar[int64](0), x, y).Float32s())
	// MaskedFill with -Inf (the attention mask) and a mask from a comparison of another dtype.
	scores := From([]float64{0.5, 1.5, -2, 3}, 2, 2)
	pad := From([]int64{3, 0}).EqScalar(0) // [0 1]
	got := scores.MaskedFill(pad, math.Inf(-1)).Float64s()
	assert.Equal(t, []float64{0.5, math.Inf(-1), -2, math.Inf(-1)}, got)
}

func opsSeqF32(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i)
	}
	return v
}

func TestOpsInPlace(t *testing.T) {
	t.Run("broadcast source", func(t *testing.T) {
		x := From([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
		r := x.AddInPlace(From([]float64{10, 20, 30}))
		assert.Same(t, x, r)
		assert.Equal(t, []float64{11, 22, 33, 14, 25, 36}, x.Float64s())
		x.SubInPlace(From([]float64{1, 2}, 2, 1))
		assert.Equal(t, []float64{10, 21, 32, 12, 23, 34}, x.Float64s())
		x.MulInPlace(Scalar(0.5))
		assert.Equal(t, []float64{5, 10.5, 16, 6, 11.5, 17}, x.Float64s())
		x.DivInPlace(From([]float64{5, 0.5, 2}).Unsqueeze(0))
		assert.Equal(t, []float64{1, 21, 8, 1.2, 23, 8.5}, x.Float64s())
	})
	t.Run("source must broadcast to the receiver", func(t *testing.T) {
		x := Zeros(Shape{3})
		opsRequirePanic(t, "tensor.AddInPlace: shape [2 3] does not broadcast to [3]", func() { x.AddInPlace(Zeros(Shape{2, 3})) })
		opsRequirePanic(t, "tensor.MulInPlace: shape [2] does not broadcast to [3]", func() { x.MulInPlace(Zeros(Shape{2})) })
		assert.Equal(t, uint64(0), x.Version(), "a failed op does not count as a write")
	})
	t.Run("through views", func(t *testing.T) {
		base := From([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
		base.T().MulInPlace(From([]float64{1, 10, 100, 1000, 1e4, 1e5}, 3, 2))
		// base.T()[i][j] = base[j][i] is multiplied by m[i][j]: base[j][i] *= m[i][j].
		assert.Equal(t, []float64{1, 200, 3e4, 40, 5000, 6e5}, base.Float64s())
		row := From(opsSeq(8), 2, 4)
		row.Slice(1, 1, 4, 2).AddScalarInPlace(100) // columns 1 and 3
		assert.Equal(t, []float64{0, 101, 2, 103, 4, 105, 6, 107}, row.Float64s())
		row.Select(0, 1).Fill(-1)
		assert.Equal(t, []float64{0, 101, 2, 103, -1, -1, -1, -1}, row.Float64s())
		row.Slice(1, 0, 4, 3).Zero()
		assert.Equal(t, []float64{0, 101, 2, 0, 0, -1, -1, 0}, row.Float64s())
	})
	t.Run("overlapping source is read first", func(t *testing.T) {
		x := From([]float64{1, 2, 3, 4}, 2, 2)
		x.AddInPlace(x.T()) // [[1+1, 2+3], [3+2, 4+4]]
		assert.Equal(t, []float64{2, 5, 5, 8}, x.Float64s())
		y := From([]float64{1, 2, 3})
		y.Narrow(0, 1, 2).AddInPlace(y.Narrow(0, 0, 2)) // y[1:] += y[:2] with the old y
		assert.Equal(t, []float64{1, 3, 5}, y.Float64s())
		z := From([]float64{1, 2, 3})
		z.Narrow(0, 0, 2).MulInPlace(z.Narrow(0, 1, 2))
		assert.Equal(t, []float64{2, 6, 3}, z.Float64s())
		w := From([]float64{1, 2, 3})
		w.MulInPlace(w) // same layout: no copy needed, each element squared
		assert.Equal(t, []float64{1, 4, 9}, w.Float64s())
	})
	t.Run("expanded receiver panics", func(t *testing.T) {
		e := From([]float32{1, 2, 3}).Expand(2, 3)
		want := "cannot write in place to an expanded tensor of shape [2 3] (strides [0 1]); Clone it first"
		opsRequirePanic(t, "tensor.AddInPlace: "+want, func() { e.AddInPlace(Ones(Shape{3})) })
		opsRequirePanic(t, "tensor.AddScalarInPlace: "+want, func() { e.AddScalarInPlace(1) })
		opsRequirePanic(t, "tensor.ClampInPlace: "+want, func() { e.ClampInPlace(0, 1) })
		opsRequirePanic(t, "tensor.Fill: "+want, func() { e.Fill(0) })
		opsRequirePanic(t, "tensor.CopyFrom: "+want, func() { e.CopyFrom(Ones(Shape{3})) })
		// An expanded source is fine.
		x := Zeros(Shape{2, 3})
		x.AddInPlace(e)
		assert.Equal(t, []float32{1, 2, 3, 1, 2, 3}, x.Float32s())
	})
	t.Run("dtype mismatch", func(t *testing.T) {
		x := Zeros(Shape{2})
		opsRequirePanic(t, "tensor.AddInPlace: dtypes differ: float32 [2] and float64 [2]", func() { x.AddInPlace(Zeros(Shape{2}, Float64)) })
		opsRequirePanic(t, "tensor.AddScaledInPlace: dtypes differ: float32 [2] and int64 [2]", func() { x.AddScaledInPlace(2, Zeros(Shape{2}, Int64)) })
	})
	t.Run("scalar and unary forms", func(t *testing.T) {
		x := From([]float64{-2, -0.5, 0, 1.5})
		x.AddScalarInPlace(1)
		assert.Equal(t, []float64{-1, 0.5, 1, 2.5}, x.Float64s())
		x.MulScalarInPlace(2)
		assert.Equal(t, []float64{-2, 1, 2, 5}, x.Float64s())
		x.ClampInPlace(-1, 3)
		assert.Equal(t, []float64{-1, 1, 2, 3}, x.Float64s())
		x.ApplyInPlace(OpExp, 0, 0)
		assert.Equal(t, []float64{math.Exp(-1), math.Exp(1), math.Exp(2), math.Exp(3)}, x.Float64s())
		x.ApplyInPlace(OpClamp, 1, 10)
		assert.Equal(t, []float64{1, math.Exp(1), math.Exp(2), 10}, x.Float64s())
		y := From([]float64{1, 2})
		y.AddScaledInPlace(2.5, From([]float64{2, 4}))
		assert.Equal(t, []float64{6, 12}, y.Float64s())
		y.AddScaledInPlace(1, Scalar(1.0))
		assert.Equal(t, []float64{7, 13}, y.Float64s())
		y.AddScaledInPlace(-1, y) // y - y
		assert.Equal(t, []float64{0, 0}, y.Float64s())
		opsRequirePanic(t, "tensor.ClampInPlace: min 2 is greater than max 1", func() { x.ClampInPlace(2, 1) })
		opsRequirePanic(t, "tensor.ApplyInPlace: unknown op 200", func() { x.ApplyInPlace(UnaryOp(200), 0, 0) })
	})
	t.Run("version counts writes through any view", func(t *testing.T) {
		x := Zeros(Shape{2, 2})
		v := x.T()
		v0 := x.Version()
		x.AddScalarInPlace(1)
		v.MulInPlace(Full(Shape{2, 2}, 3))
		x.Select(0, 0).Fill(5)
		assert.Equal(t, v0+3, x.Version())
		assert.Equal(t, x.Version(), v.Version())
		y := x.Exp() // not in place
		assert.Equal(t, v0+3, x.Version())
		assert.Equal(t, uint64(0), y.Version())
	})
	t.Run("int64", func(t *testing.T) {
		x := From([]int64{7, -7, 8, 9})
		x.DivInPlace(From([]int64{2}))
		assert.Equal(t, []int64{3, -4, 4, 4}, x.Int64s())
		x.MulScalarInPlace(-3)
		assert.Equal(t, []int64{-9, 12, -12, -12}, x.Int64s())
		x.AddInPlace(Scalar[int64](2))
		assert.Equal(t, []int64{-7, 14, -10, -10}, x.Int64s())
		x.ClampInPlace(-8, 12)
		assert.Equal(t, []int64{-7, 12, -8, -8}, x.Int64s())
		opsRequirePanic(t, "tensor.Div: integer division by zero", func() { x.DivInPlace(Scalar[int64](0)) })
		opsRequirePanic(t, "tensor.ApplyInPlace: dtype int64 of shape [4] is not supported (needs float32 or float64)", func() { x.ApplyInPlace(OpSqrt, 0, 0) })
	})
}

func TestOpsInt64(t *testing.T) {
	t.Run("floor division", func(t *testing.T) {
		for _, c := range []struct{ x, y, want int64 }{
			{7, 2, 3}, {-7, 2, -4}, {7, -2, -4}, {-7, -2, 3}, {6, 3, 2}, {-6, 3, -2}, {0, 5, 0}, {0, -5, 0},
			{-1, 5, -1}, {1, -5, -1}, {math.MaxInt64, 2, math.MaxInt64 / 2}, {math.MinInt64, 2, math.MinInt64 / 2},
			{math.MinInt64 + 1, math.MaxInt64, -1},
		} {
			got := Scalar(c.x).Div(Scalar(c.y)).Int64s()[0]
			assert.Equal(t, c.want, got, "%d // %d", c.x, c.y)
		}
		// Broadcast, strided divisor.
		x := From([]int64{-9, -5, 0, 5, 9, 10}, 2, 3)
		y := From([]int64{4, 99, -3, 99, 2, 99}).Slice(0, 0, 6, 2) // [4 -3 2]
		assert.Equal(t, []int64{-3, 1, 0, 1, -3, 5}, x.Div(y).Int64s())
	})
	t.Run("division by zero panics", func(t *testing.T) {
		opsRequirePanic(t, "tensor.Div: integer division by zero", func() { From([]int64{1, 2}).Div(From([]int64{1, 0})) })
		opsRequirePanic(t, "tensor.Div: integer division by zero", func() { From([]int64{0}).Div(Scalar[int64](0)) })
		// A zero deep inside a large tensor, met by a worker goroutine: still a recoverable panic.
		n := 4*cpuBlock + 5
		for _, pos := range []int{0, cpuBlock + 3, n - 1} {
			opsWithThreads(4, func() {
				y := Ones(Shape{n}, Int64)
				y.Narrow(0, pos, 1).Fill(0)
				opsRequirePanic(t, "tensor.Div: integer division by zero", func() { Ones(Shape{n}, Int64).Div(y) })
			})
		}
		// Float division by zero follows IEEE.
		got := From([]float32{1, -1, 0}).Div(Zeros(Shape{3})).Float32s()
		assert.Equal(t, float32(math.Inf(1)), got[0])
		assert.Equal(t, float32(math.Inf(-1)), got[1])
		assert.True(t, math.IsNaN(float64(got[2])))
	})
	t.Run("integer ops", func(t *testing.T) {
		x := From([]int64{-3, 0, 2, 5})
		assert.Equal(t, []int64{3, 0, -2, -5}, x.Neg().Int64s())
		assert.Equal(t, []int64{3, 0, 2, 5}, x.Abs().Int64s())
		assert.Equal(t, []int64{-1, 0, 1, 1}, x.Sign().Int64s())
		assert.Equal(t, []int64{9, 0, 4, 25}, x.Square().Int64s())
		assert.Equal(t, []int64{0, 0, 2, 5}, x.ReLU().Int64s())
		assert.Equal(t, []int64{-3, 0, 2, 5}, x.Floor().Int64s())
		assert.Equal(t, []int64{-3, 0, 2, 5}, x.Round().Int64s())
		assert.Equal(t, []int64{-1, 0, 2, 3}, x.Clamp(-1, 3).Int64s())
		assert.Equal(t, []int64{4, 7, 9, 12}, x.AddScalar(7).Int64s())
		assert.Equal(t, []int64{-6, 0, 4, 10}, x.MulScalar(2).Int64s())
		assert.Equal(t, []int64{4, 1, -1, -4}, x.RSubScalar(1).Int64s())
		assert.Equal(t, []int64{9, 0, 4, 25}, x.Mul(x).Int64s())
		assert.Equal(t, []int64{-27, 0, 8, 125}, x.Pow(Scalar[int64](3)).Int64s())
		assert.Equal(t, []int64{0, 0, 2, 5}, x.Maximum(Scalar[int64](0)).Int64s())
		// Comparisons with a fractional scalar are exact, as torch's promotion to float makes
		// them: 2 < 2.5, and -3 is not > -2.5.
		assert.Equal(t, []int64{1, 1, 1, 0}, x.LtScalar(2.5).Int64s())
		assert.Equal(t, []int64{0, 1, 1, 1}, x.GtScalar(-2.5).Int64s())
		assert.Equal(t, []int64{0, 0, 0, 0}, x.EqScalar(2.5).Int64s())
		assert.Equal(t, Int64, x.Eq(x).DType())
	})
	t.Run("float-only ops panic", func(t *testing.T) {
		x := From([]int64{1, 2, 3})
		const msg = ": dtype int64 of shape [3] is not supported (needs float32 or float64)"
		for name, fn := range map[string]func(){
			"tensor.Sqrt":        func() { x.Sqrt() },
			"tensor.Rsqrt":       func() { x.Rsqrt() },
			"tensor.Reciprocal":  func() { x.Reciprocal() },
			"tensor.Exp":         func() { x.Exp() },
			"tensor.Log":         func() { x.Log() },
			"tensor.Log1p":       func() { x.Log1p() },
			"tensor.Sin":         func() { x.Sin() },
			"tensor.Cos":         func() { x.Cos() },
			"tensor.Tanh":        func() { x.Tanh() },
			"tensor.Sigmoid":     func() { x.Sigmoid() },
			"tensor.GELU":        func() { x.GELU() },
			"tensor.GELUGrad":    func() { x.GELUGrad() },
			"tensor.LeakyReLU":   func() { x.LeakyReLU(0.1) },
			"tensor.RPowScalar":  func() { x.RPowScalar(2) },
			"tensor.DivScalar":   func() { x.DivScalar(2) },
			"tensor.RDivScalar":  func() { x.RDivScalar(2) },
			"tensor.Mean":        func() { x.Mean() },
			"tensor.MeanKeepDim": func() { x.MeanKeepDim(0) },
			"tensor.Variance":    func() { x.Var() },
			"tensor.LogSumExp":   func() { x.LogSumExp() },
			"tensor.Softmax":     func() { x.Softmax(0) },
			"tensor.LogSoftmax":  func() { x.LogSoftmax(0) },
		} {
			assert.Equal(t, name+msg, opsPanicMsg(t, fn), name)
		}
		assert.Equal(t, "tensor.Exp"+msg, opsPanicMsg(t, func() { x.Apply(OpExp, 0, 0) }))
	})
	t.Run("integer powers", func(t *testing.T) {
		assert.Equal(t, "tensor.Pow: integers to negative integer powers are not allowed (exponent -1)",
			opsPanicMsg(t, func() { From([]int64{2}).Pow(From([]int64{-1})) }))
		x := From([]int64{-3, 0, 2, 5})
		assert.Equal(t, []int64{9, 0, 4, 25}, x.PowScalar(2).Int64s())
		assert.Equal(t, []int64{1, 1, 1, 1}, x.PowScalar(0).Int64s())
		assert.Equal(t, Int64, x.PowScalar(3).DType())
		assert.Equal(t, "tensor.PowScalar: int64 tensor of shape [4] to the power -1: only non-negative integer powers keep integers", opsPanicMsg(t, func() { x.PowScalar(-1) }))
		assert.Equal(t, "tensor.PowScalar: int64 tensor of shape [4] to the power 0.5: only non-negative integer powers keep integers", opsPanicMsg(t, func() { x.PowScalar(0.5) }))
	})
}

func TestOpsElementwiseErrors(t *testing.T) {
	f32 := func(shape ...int) *Tensor { return Zeros(Shape(shape)) }
	released := f32(2)
	released.Release()
	cases := []struct {
		want string
		fn   func()
	}{
		{"tensor.Add: shapes [2 3] and [4] do not broadcast", func() { f32(2, 3).Add(f32(4)) }},
		{"tensor.Mul: shapes [3 1 2] and [4 3] do not broadcast", func() { f32(3, 1, 2).Mul(f32(4, 3)) }},
		{"tensor.Maximum: shapes [0] and [2] do not broadcast", func() { f32(0).Maximum(f32(2)) }},
		{"tensor.Eq: shapes [2] and [3] do not broadcast", func() { f32(2).Eq(f32(3)) }},
		{"tensor.Add: dtypes differ: float32 [2] and float64 [2]", func() { f32(2).Add(Zeros(Shape{2}, Float64)) }},
		{"tensor.Lt: dtypes differ: int64 [1] and float32 [2 3]", func() { Zeros(Shape{1}, Int64).Lt(f32(2, 3)) }},
		{"tensor.Where: shapes [2], [3] and [3] do not broadcast", func() { Where(f32(2), f32(3), f32(3)) }},
		{"tensor.Where: shapes [3], [2 3] and [4 1] do not broadcast", func() { Where(f32(3), f32(2, 3), f32(4, 1)) }},
		{"tensor.Where: dtypes differ: float32 [3] and float64 [3]", func() { Where(f32(3), f32(3), Zeros(Shape{3}, Float64)) }},
		{"tensor.MaskedFill: mask of shape [4] does not broadcast to [2 3]", func() { f32(2, 3).MaskedFill(f32(4), 1) }},
		{"tensor.MaskedFill: mask of shape [2 2 3] does not broadcast to [2 3]", func() { f32(2, 3).MaskedFill(f32(2, 2, 3), 1) }},
		{"tensor.Clamp: min 1 is greater than max 0", func() { f32(2).Clamp(1, 0) }},
		{"tensor.Apply: unknown op 200", func() { f32(2).Apply(UnaryOp(200), 0, 0) }},
		{"tensor.Exp: use of a released tensor", func() { released.Exp() }},
		{"tensor.Add: use of a released tensor", func() { f32(2).Add(released) }},
		{"tensor.AddInPlace: use of a released tensor", func() { released.AddInPlace(f32(2)) }},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, opsPanicMsg(t, c.fn))
	}
}

func TestOpsElementwiseEmpty(t *testing.T) {
	e := Zeros(Shape{0, 3})
	opsRequireShape(t, e.Add(Ones(Shape{1, 3})), 0, 3)
	opsRequireShape(t, Ones(Shape{3}).Mul(e), 0, 3)
	opsRequireShape(t, e.Exp(), 0, 3)
	opsRequireShape(t, e.GtScalar(0), 0, 3)
	opsRequireShape(t, Where(e, Ones(Shape{3}), Zeros(Shape{2, 1, 1})), 2, 0, 3)
	opsRequireShape(t, e.MaskedFill(Ones(Shape{3}), 1), 0, 3)
	opsRequireShape(t, Zeros(Shape{0}, Int64).Div(Zeros(Shape{1}, Int64)), 0) // no element: no division
	assert.Empty(t, e.AddInPlace(Ones(Shape{3})).Float32s())
	assert.Empty(t, e.Fill(5).Float32s())
	assert.Empty(t, e.Clamp(0, 1).Float32s())
}

func TestOpsSpecialValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := From([]float64{nan, inf, -inf, math.Copysign(0, -1), 0, -2, 3})
	isNaN := func(v float64) bool { return v != v }
	check := func(name string, got []float64, want []float64) {
		t.Helper()
		require.Len(t, got, len(want), name)
		for i := range want {
			if isNaN(want[i]) {
				assert.True(t, isNaN(got[i]), "%s[%d] = %v, want NaN", name, i, got[i])
				continue
			}
			assert.Equal(t, want[i], got[i], "%s[%d]", name, i)
			if want[i] == 0 {
				assert.Equal(t, math.Signbit(want[i]), math.Signbit(got[i]), "%s[%d]: sign of zero", name, i)
			}
		}
	}
	negZero := math.Copysign(0, -1)
	// Sign keeps NaN (documented; torch gives 0) and the zero it was given.
	check("Sign", x.Sign().Float64s(), []float64{nan, 1, -1, negZero, 0, -1, 1})
	check("Abs", x.Abs().Float64s(), []float64{nan, inf, inf, 0, 0, 2, 3})
	check("Neg", x.Neg().Float64s(), []float64{nan, -inf, inf, 0, negZero, 2, -3})
	check("ReLU", x.ReLU().Float64s(), []float64{nan, inf, 0, negZero, 0, 0, 3})
	check("Clamp", x.Clamp(-1, 1).Float64s(), []float64{nan, 1, -1, negZero, 0, -1, 1})
	check("ClampMin", x.ClampMin(0.5).Float64s(), []float64{nan, inf, 0.5, 0.5, 0.5, 0.5, 3})
	check("ClampMax", x.ClampMax(0.5).Float64s(), []float64{nan, 0.5, -inf, negZero, 0, -2, 0.5})
	check("LeakyReLU", x.LeakyReLU(0.5).Float64s(), []float64{nan, inf, -inf, negZero, 0, -1, 3})
	check("Sigmoid", x.Sigmoid().Float64s(), []float64{nan, 1, 0, 0.5, 0.5, math.Exp(-2) / (1 + math.Exp(-2)), 1 / (1 + math.Exp(-3))})
	check("Maximum", x.Maximum(Scalar(1.0)).Float64s(), []float64{nan, inf, 1, 1, 1, 1, 3})
	check("Maximum swapped", Scalar(1.0).Maximum(x).Float64s(), []float64{nan, inf, 1, 1, 1, 1, 3})
	check("Minimum", x.Minimum(Scalar(1.0)).Float64s(), []float64{nan, 1, -inf, negZero, 0, -2, 1})
	check("Minimum NaN scalar", From([]float64{1, 2}).Minimum(Scalar(nan)).Float64s(), []float64{nan, nan})
	// Comparisons with NaN are false, except !=.
	check("EqScalar NaN", x.EqScalar(nan).Float64s(), []float64{0, 0, 0, 0, 0, 0, 0})
	check("NeScalar NaN", x.NeScalar(nan).Float64s(), []float64{1, 1, 1, 1, 1, 1, 1})
	check("Eq self", x.Eq(x).Float64s(), []float64{0, 1, 1, 1, 1, 1, 1})
	check("Le 0", x.LeScalar(0).Float64s(), []float64{0, 0, 1, 1, 1, 1, 0})
	// -0 == 0.
	check("Eq zeros", From([]float64{negZero}).Eq(Scalar(0.0)).Float64s(), []float64{1})
	check("Round", From([]float64{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.4}).Round().Float64s(), []float64{-2, -2, negZero, 0, 2, 2, negZero})
}

func TestOpsScalarComparisonFloat32(t *testing.T) {
	// torch compares a float32 tensor with the scalar rounded to float32: float32(0.1) == 0.1.
	x := From([]float32{0.1, 0.2, 0.3, 1})
	assert.Equal(t, []float32{1, 0, 0, 0}, x.EqScalar(0.1).Float32s())
	assert.Equal(t, []float32{0, 1, 1, 1}, x.NeScalar(0.1).Float32s())
	assert.Equal(t, []float32{1, 1, 0, 0}, x.LeScalar(0.2).Float32s())
	assert.Equal(t, []float32{0, 0, 1, 1}, x.GtScalar(0.2).Float32s())
	assert.Equal(t, []float32{0, 0, 0, 1}, x.GeScalar(1).Float32s())
	assert.Equal(t, []float32{1, 1, 0, 0}, x.LtScalar(0.3).Float32s(), "float32(0.3) is not < 0.3 in float32")
	// Float64 is compared at full precision: float64(float32(0.1)) != 0.1.
	y := From([]float64{float64(float32(0.1)), 0.1})
	assert.Equal(t, []float64{0, 1}, y.EqScalar(0.1).Float64s())
	// A mask multiplies directly: x·(x > 0.2) zeroes the rest.
	assert.Equal(t, []float32{0, 0, 0.3, 1}, x.Mul(x.GtScalar(0.2)).Float32s())
}

func TestOpsElementwiseLarge(t *testing.T) {
	n := 1_000_003 // not a multiple of the block size
	xs := opsRandF32(2, n, -4, 4)
	ys := opsRandF32(3, n, 0.5, 2)
	x, y := From(xs), From(ys)
	type result struct{ mul, sig, sub, cmp *Tensor }
	run := func() result {
		return result{x.Mul(y), x.Sigmoid(), x.Sub(x.Slice(0, 0, n, 1)), x.Lt(y)}
	}
	var r1, r4 result
	opsWithThreads(1, func() { r1 = run() })
	opsWithThreads(4, func() { r4 = run() })
	opsBitsEqual(t, r1.mul, r4.mul, "Mul")
	opsBitsEqual(t, r1.sig, r4.sig, "Sigmoid")
	opsBitsEqual(t, r1.cmp, r4.cmp, "Lt")
	mul, sig, sub, cmp := r4.mul.Float32s(), r4.sig.Float32s(), r4.sub.Float32s(), r4.cmp.Float32s()
	for i := range n {
		if mul[i] != xs[i]*ys[i] {
			t.Fatalf("Mul[%d] = %v, want %v", i, mul[i], xs[i]*ys[i])
		}
		if want := float32(1 / (1 + math.Exp(-float64(xs[i])))); math.Abs(float64(sig[i]-want)) > 0x1p-24 {
			t.Fatalf("Sigmoid[%d] = %v, want %v", i, sig[i], want)
		}
		if sub[i] != 0 {
			t.Fatalf("x - x [%d] = %v", i, sub[i])
		}
		if want := map[bool]float32{true: 1}[xs[i] < ys[i]]; cmp[i] != want {
			t.Fatalf("Lt[%d] = %v, want %v", i, cmp[i], want)
		}
	}

	// Rows longer than a block (split within the row) and broadcasting along them.
	const cols = 70_001
	a := From(opsRandF64(4, 2*cols, -1, 1), 2, cols)
	b := From(opsRandF64(5, cols, -1, 1))
	av, bv := a.Float64s(), b.Float64s()
	for _, threads := range []int{1, 3} {
		opsWithThreads(threads, func() {
			got := a.Add(b).Float64s()
			for i := range 2 * cols {
				if got[i] != av[i]+bv[i%cols] {
					t.Fatalf("threads %d: Add[%d] = %v, want %v", threads, i, got[i], av[i]+bv[i%cols])
				}
			}
			// The transposed operand of a large op: [cols, 2] walked with stride cols.
			tr := a.T().MulScalar(2).Float64s()
			for i := range cols {
				for j := range 2 {
					if tr[2*i+j] != 2*av[j*cols+i] {
						t.Fatalf("threads %d: T·2 [%d %d] = %v", threads, i, j, tr[2*i+j])
					}
				}
			}
		})
	}
	// Many short rows: [cols, 2] + [2].
	c := From(opsRandF64(6, 2*cols, -1, 1), cols, 2)
	cv := c.Float64s()
	got := c.Sub(From([]float64{1, -1})).Float64s()
	for i := range cv {
		if got[i] != cv[i]-[]float64{1, -1}[i%2] {
			t.Fatalf("Sub[%d] = %v", i, got[i])
		}
	}
	// In place on a large strided view: every other element of a long vector.
	z := Zeros(Shape{2 * n})
	z.Slice(0, 1, 2*n, 2).AddScalarInPlace(1)
	zs := z.Float32s()
	for i := range zs {
		if zs[i] != float32(i%2) {
			t.Fatalf("strided AddScalarInPlace: z[%d] = %v", i, zs[i])
		}
	}
}
