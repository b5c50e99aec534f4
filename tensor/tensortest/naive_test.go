package tensortest

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/device"
)

// Tests of the naive device through the Device interface itself, on hand-computed values.

func newF64(vals ...float64) *naiveBuffer {
	b := Naive.Alloc(tensor.Float64, len(vals)).(*naiveBuffer)
	Naive.Write(b, 0, vals)
	return b
}

func newI64(vals ...int64) *naiveBuffer {
	b := Naive.Alloc(tensor.Int64, len(vals)).(*naiveBuffer)
	Naive.Write(b, 0, vals)
	return b
}

func strided(b tensor.Buffer, shape, strides []int, off int) tensor.Strided {
	return tensor.Strided{Buf: b, Layout: tensor.Layout{Shape: shape, Strides: strides, Offset: off}}
}

func dense(b tensor.Buffer, shape ...int) tensor.Strided {
	return tensor.Strided{Buf: b, Layout: tensor.ContiguousLayout(shape)}
}

func TestNaiveAllocPoisonsAndFreePoisons(t *testing.T) {
	f := Naive.Alloc(tensor.Float32, 3)
	got := make([]float32, 3)
	Naive.Read(f, 0, got)
	for _, v := range got {
		assert.True(t, math.IsNaN(float64(v)), "new float32 buffers hold NaN, got %v", v)
	}
	i := Naive.Alloc(tensor.Int64, 2)
	gi := make([]int64, 2)
	Naive.Read(i, 0, gi)
	assert.Equal(t, []int64{poisonInt64, poisonInt64}, gi)
	assert.Equal(t, 2, i.Len())
	assert.Equal(t, tensor.Int64, i.DType())

	Naive.Free(i)
	assert.PanicsWithValue(t, "tensortest: naive Read: use of a freed buffer", func() { Naive.Read(i, 0, gi) })
	assert.Equal(t, "naive", Naive.Name())
}

func TestNaiveReadWriteBounds(t *testing.T) {
	b := newF64(1, 2, 3)
	got := make([]float64, 2)
	Naive.Read(b, 1, got)
	assert.Equal(t, []float64{2, 3}, got)
	assert.Panics(t, func() { Naive.Read(b, 2, got) }, "reading past the end")
	assert.Panics(t, func() { Naive.Write(b, 0, []float32{1}) }, "wrong element type")
	assert.Panics(t, func() { Naive.Write(b, 2, []float64{1, 2}) }, "writing past the end")
}

func TestNaiveRejectsBrokenContracts(t *testing.T) {
	x := newF64(1, 2, 3, 4)
	d := Naive.Alloc(tensor.Float64, 4)
	notError := func(name string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			require.NotNil(t, r, "%s: no panic", name)
			_, isErr := r.(*tensor.Error)
			assert.False(t, isErr, "%s: a broken precondition is a bug in package tensor, not a *tensor.Error: %v", name, r)
		}()
		f()
	}
	notError("shapes differ", func() { Naive.Binary(tensor.OpAdd, dense(d, 4), dense(x, 4), dense(x, 2, 2)) })
	notError("dtypes differ", func() { Naive.Binary(tensor.OpAdd, dense(d, 2), dense(x, 2), dense(newI64(1, 2), 2)) })
	notError("destination repeats an element", func() { Naive.Unary(tensor.OpNeg, strided(d, []int{2}, []int{0}, 0), dense(x, 2), 0, 0) })
	notError("layout outside the buffer", func() { Naive.Copy(dense(d, 4), strided(x, []int{4}, []int{1}, 1)) })
	notError("float-only op on int64", func() { i := newI64(4); Naive.Unary(tensor.OpExp, dense(i, 1), dense(i, 1), 0, 0) })
	notError("reduce dst not a prefix", func() { Naive.Reduce(tensor.ReduceSum, dense(d, 3), dense(x, 2, 2)) })
	notError("buffer of another device", func() {
		c := tensor.CPU.Alloc(tensor.Float64, 4)
		Naive.Copy(dense(d, 4), dense(c, 4))
	})
}

func TestNaiveIntegerArithmetic(t *testing.T) {
	for _, c := range []struct{ x, y, q int64 }{
		{7, 2, 3}, {-7, 2, -4}, {7, -2, -4}, {-7, -2, 3}, {-8, 2, -4}, {0, -3, 0}, {6, 3, 2}, {-1, 5, -1},
	} {
		assert.Equal(t, c.q, floorDiv(c.x, c.y), "%d // %d", c.x, c.y)
	}
	err := tensor.Maybe(func() { floorDiv(1, 0) })
	var te *tensor.Error
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "tensor.Div", te.Op)

	for _, c := range []struct{ x, y, p int64 }{
		{3, 4, 81}, {-2, 3, -8}, {5, 0, 1}, {0, 0, 1}, {2, -1, 0}, {1, -5, 1}, {-1, -3, -1}, {-1, -2, 1}, {2, 62, 1 << 62},
	} {
		assert.Equal(t, c.p, intPow(c.x, c.y), "%d ** %d", c.x, c.y)
	}
}

func TestNaiveUnaryDefinitions(t *testing.T) {
	nan := math.NaN()
	assert.Equal(t, 0.0, unaryFloat(tensor.OpRound, 0.5, 0, 0))
	assert.Equal(t, 2.0, unaryFloat(tensor.OpRound, 2.5, 0, 0))
	assert.Equal(t, -2.0, unaryFloat(tensor.OpRound, -1.5, 0, 0))
	assert.True(t, math.IsNaN(unaryFloat(tensor.OpReLU, nan, 0, 0)))
	assert.True(t, math.IsNaN(unaryFloat(tensor.OpClamp, nan, -1, 1)))
	assert.True(t, math.IsNaN(unaryFloat(tensor.OpSign, nan, 0, 0)))
	assert.Equal(t, -1.0, unaryFloat(tensor.OpClamp, -3, -1, 1))
	assert.Equal(t, 0.5, unaryFloat(tensor.OpSigmoid, 0, 0, 0))
	assert.Equal(t, 0.0, unaryFloat(tensor.OpSigmoid, -1000, 0, 0))
	assert.Equal(t, 0.5, unaryFloat(tensor.OpGELUGrad, 0, 0, 0))                                          // Φ(0) + 0
	assert.InDelta(t, 1.959963984540054*0.975, unaryFloat(tensor.OpGELU, 1.959963984540054, 0, 0), 1e-12) // Φ(1.96) = 0.975
	assert.Equal(t, -0.25, unaryFloat(tensor.OpLeakyReLU, -2, 0.125, 0))
	// Int64: arithmetic parameters truncate, comparisons do not.
	r, ok := unaryInt(tensor.OpAddScalar, 5, 2.9, 0)
	assert.True(t, ok)
	assert.Equal(t, int64(7), r)
	r, _ = unaryInt(tensor.OpLtScalar, 2, 2.5, 0)
	assert.Equal(t, int64(1), r)
	for _, op := range []tensor.UnaryOp{tensor.OpExp, tensor.OpSqrt, tensor.OpSigmoid, tensor.OpGELU, tensor.OpRDivScalar} {
		assert.True(t, isFloatOnly(op), "%v is float-only", op)
	}
	for _, op := range []tensor.UnaryOp{tensor.OpNeg, tensor.OpClamp, tensor.OpReLU, tensor.OpGeScalar, tensor.OpRound} {
		assert.False(t, isFloatOnly(op), "%v works on int64", op)
	}
}

func TestNaiveReduceNaNAndTies(t *testing.T) {
	nan := math.NaN()
	// [[1 NaN 3 NaN] [2 5 5 0]] stored transposed: column-major, strides (1, 2).
	src := newF64(1, 2, nan, 5, 3, 5, nan, 0)
	s := strided(src, []int{2, 4}, []int{1, 2}, 0)
	idx := Naive.Alloc(tensor.Int64, 2)
	val := Naive.Alloc(tensor.Float64, 2)
	Naive.Reduce(tensor.ReduceArgMax, dense(idx, 2), s)
	Naive.Reduce(tensor.ReduceMax, dense(val, 2), s)
	gi := make([]int64, 2)
	gv := make([]float64, 2)
	Naive.Read(idx, 0, gi)
	Naive.Read(val, 0, gv)
	assert.Equal(t, []int64{1, 1}, gi, "first NaN, then the first of the tied 5s")
	assert.True(t, math.IsNaN(gv[0]))
	assert.Equal(t, 5.0, gv[1])
	Naive.Reduce(tensor.ReduceArgMin, dense(idx, 2), s)
	Naive.Read(idx, 0, gi)
	assert.Equal(t, []int64{1, 3}, gi)
	Naive.Reduce(tensor.ReduceSum, dense(val, 1), strided(src, []int{1, 4}, []int{0, 2}, 1)) // 2+5+5+0
	Naive.Read(val, 0, gv[:1])
	assert.Equal(t, 12.0, gv[0])
	Naive.Reduce(tensor.ReduceProd, dense(val, 1), strided(src, []int{1, 0}, []int{0, 1}, 0)) // empty product
	Naive.Read(val, 0, gv[:1])
	assert.Equal(t, 1.0, gv[0])
}

func TestNaiveCopyCastsAndFill(t *testing.T) {
	src := newF64(-1.7, 1.7, -0.5, 2.99)
	i := Naive.Alloc(tensor.Int64, 4)
	Naive.Copy(dense(i, 4), dense(src, 4))
	gi := make([]int64, 4)
	Naive.Read(i, 0, gi)
	assert.Equal(t, []int64{-1, 1, 0, 2}, gi, "truncation toward zero")

	// 2⁵³+1 is not a float64; to float32 it rounds once, to 2⁵³ (the nearest float32 too).
	big := newI64(1<<53+1, 1<<24+1)
	f := Naive.Alloc(tensor.Float32, 2)
	Naive.Copy(dense(f, 2), dense(big, 2))
	gf := make([]float32, 2)
	Naive.Read(f, 0, gf)
	assert.Equal(t, []float32{1 << 53, 1 << 24}, gf)

	Naive.Fill(strided(i, []int{2}, []int{2}, 1), -2.5)
	Naive.Read(i, 0, gi)
	assert.Equal(t, []int64{-1, -2, 0, -2}, gi, "Fill every other element, truncated")
}

func TestNaiveMatMulAndIndexing(t *testing.T) {
	// x = [[1 2 3] [4 5 6]] given as its transpose's storage; y = [[1 0] [0 1] [1 1]].
	x := newI64(1, 4, 2, 5, 3, 6)
	y := newI64(1, 0, 0, 1, 1, 1)
	d := Naive.Alloc(tensor.Int64, 4)
	Naive.MatMul(dense(d, 2, 2), strided(x, []int{2, 3}, []int{1, 2}, 0), dense(y, 3, 2))
	got := make([]int64, 4)
	Naive.Read(d, 0, got)
	assert.Equal(t, []int64{4, 5, 10, 11}, got)

	src := newI64(10, 20, 30)
	Naive.IndexSelect(dense(d, 4), dense(src, 3), dense(newI64(2, 0, 2, 1), 4), 0)
	Naive.Read(d, 0, got)
	assert.Equal(t, []int64{30, 10, 30, 20}, got)

	err := tensor.Maybe(func() { Naive.IndexSelect(dense(d, 1), dense(src, 3), dense(newI64(3), 1), 0) })
	var te *tensor.Error
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "tensor.IndexSelect", te.Op)
	err = tensor.Maybe(func() { Naive.Gather(dense(d, 1), dense(src, 3), dense(newI64(-1), 1), 0) })
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "tensor.Gather", te.Op)

	acc := newI64(0, 0, 0)
	Naive.ScatterAdd(dense(acc, 3), dense(newI64(1, 2, 4), 3), dense(newI64(2, 2, 0), 3), 0)
	Naive.IndexAdd(dense(acc, 3), dense(newI64(100, 200), 2), dense(newI64(1, 1), 2), 0)
	Naive.Read(acc, 0, got[:3])
	assert.Equal(t, []int64{4, 300, 3}, got[:3])

	// A bad index panics before anything is written.
	err = tensor.Maybe(func() { Naive.ScatterAdd(dense(acc, 3), dense(newI64(7, 7), 2), dense(newI64(0, 3), 2), 0) })
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "tensor.ScatterAdd", te.Op)
	Naive.Read(acc, 0, got[:3])
	assert.Equal(t, []int64{4, 300, 3}, got[:3])
}

func TestNaiveWhereAndBinaryInPlace(t *testing.T) {
	nan := math.NaN()
	cond := newF64(1, 0, nan)
	d := Naive.Alloc(tensor.Float64, 3)
	Naive.Where(dense(d, 3), dense(cond, 3), dense(newF64(1, 2, 3), 3), dense(newF64(-1, -2, -3), 3))
	got := make([]float64, 3)
	Naive.Read(d, 0, got)
	assert.Equal(t, []float64{1, -2, 3}, got, "NaN is nonzero")

	// dst = x + xᵀ in place over a 2×2 matrix: every result is computed before any store.
	m := newF64(1, 2, 3, 4)
	Naive.Binary(tensor.OpAdd, dense(m, 2, 2), dense(m, 2, 2), strided(m, []int{2, 2}, []int{1, 2}, 0))
	g4 := make([]float64, 4)
	Naive.Read(m, 0, g4)
	assert.Equal(t, []float64{2, 5, 5, 8}, g4)

	mx := Naive.Alloc(tensor.Float64, 2)
	Naive.Binary(tensor.OpMaximum, dense(mx, 2), dense(newF64(nan, 1), 2), dense(newF64(0, nan), 2))
	Naive.Read(mx, 0, got[:2])
	assert.True(t, math.IsNaN(got[0]) && math.IsNaN(got[1]), "Maximum propagates NaN from either side: %v", got[:2])
}

func TestNaiveHasNoFusedSoftmax(t *testing.T) {
	_, ok := Naive.(tensor.SoftmaxKernel)
	assert.False(t, ok, "the naive device must take the composed softmax path")
}

// TestRandomIntoStridedDestination calls the Random primitive of the CPU and of the naive
// device directly, with a transposed destination inside a larger buffer: both follow the
// definition element for element in row-major order of the destination's own shape.
func TestRandomIntoStridedDestination(t *testing.T) {
	l := tensor.Layout{Shape: []int{3, 4}, Strides: []int{1, 5}, Offset: 2}
	for _, dist := range []device.Distribution{device.Uniform, device.Normal, device.Bernoulli} {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			var got [2][]float64
			for k, dev := range []tensor.Device{tensor.CPU, Naive} {
				buf := dev.Alloc(dt, 22)
				dev.Fill(tensor.Strided{Buf: buf, Layout: tensor.ContiguousLayout([]int{22})}, -7)
				dev.Random(dist, tensor.Strided{Buf: buf, Layout: l}, 11, 3, 0.25, 1)
				all := make([]float64, 22)
				switch dt {
				case tensor.Float32:
					h := make([]float32, 22)
					dev.Read(buf, 0, h)
					for i, v := range h {
						all[i] = float64(v)
					}
				default:
					dev.Read(buf, 0, all)
				}
				got[k] = all
			}
			assert.Equal(t, got[0], got[1], "%s %s: cpu and naive differ", dist, dt)
			// Element (i, j) in row-major order is number 4i+j of the draw.
			k := dist.PerBlock(dt)
			for i := range 3 {
				for j := range 4 {
					n := 4*i + j
					want := device.RandomValue(dist, dt, device.PhiloxBlock(11, 3+uint64(n/k)), n%k, 0.25, 1)
					if dt == tensor.Float32 {
						want = float64(float32(want))
					}
					assert.Equal(t, want, got[0][2+i+5*j], "%s %s (%d,%d)", dist, dt, i, j)
				}
			}
			assert.Equal(t, -7.0, got[0][0], "outside the window")
			assert.Equal(t, -7.0, got[0][5], "between the columns")
		}
	}
}
