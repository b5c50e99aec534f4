package tensor

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hand-computed tests of the reductions, softmax and SumTo: strided inputs, the parallel
// paths of large reductions, thread-count independence, errors and empty tensors.

// opsSum64 returns the float64 sum of v and the sum of |v|, the scale of its rounding error.
func opsSum64[T float32 | float64](v []T) (sum, abs float64) {
	for _, x := range v {
		sum += float64(x)
		abs += math.Abs(float64(x))
	}
	return sum, abs
}

// opsSumTol is the error bound of a sum of n terms whose magnitudes add up to abs, computed
// in float64 and rounded to dt: n·eps64·abs for the accumulation, plus half a unit of dt.
func opsSumTol(dt DType, n int, abs, sum float64) float64 {
	return float64(n)*0x1p-53*abs + opsEps(dt)*math.Abs(sum)
}

func TestOpsReduceHand(t *testing.T) {
	x := From([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	type tc struct {
		name  string
		got   *Tensor
		shape []int
		want  []float64
	}
	third := 2.0 / 3
	cases := []tc{
		{"Sum", x.Sum(), nil, []float64{21}},
		{"Sum(0)", x.Sum(0), []int{3}, []float64{5, 7, 9}},
		{"Sum(1)", x.Sum(1), []int{2}, []float64{6, 15}},
		{"Sum(-1)", x.Sum(-1), []int{2}, []float64{6, 15}},
		{"Sum(1, 0)", x.Sum(1, 0), nil, []float64{21}},
		{"SumKeepDim(1)", x.SumKeepDim(1), []int{2, 1}, []float64{6, 15}},
		{"SumKeepDim()", x.SumKeepDim(), []int{1, 1}, []float64{21}},
		{"Prod(1)", x.Prod(1), []int{2}, []float64{6, 120}},
		{"ProdKeepDim(0)", x.ProdKeepDim(0), []int{1, 3}, []float64{4, 10, 18}},
		{"Mean(0)", x.Mean(0), []int{3}, []float64{2.5, 3.5, 4.5}},
		{"MeanKeepDim(-1)", x.MeanKeepDim(-1), []int{2, 1}, []float64{2, 5}},
		{"Max(1)", x.Max(1), []int{2}, []float64{3, 6}},
		{"MaxKeepDim(0)", x.MaxKeepDim(0), []int{1, 3}, []float64{4, 5, 6}},
		{"Min()", x.Min(), nil, []float64{1}},
		{"MinKeepDim(1)", x.MinKeepDim(1), []int{2, 1}, []float64{1, 4}},
		{"ArgMax(1)", x.ArgMax(1, false), []int{2}, []float64{2, 2}},
		{"ArgMin(0, keep)", x.ArgMin(0, true), []int{1, 3}, []float64{0, 0, 0}},
		{"Var(1)", x.Var(1), []int{2}, []float64{1, 1}},
		{"Var()", x.Var(), nil, []float64{3.5}},
		{"Variance(1, c=0)", Variance(x, []int{1}, 0, false), []int{2}, []float64{third, third}},
		{"Variance(0, c=0, keep)", Variance(x, []int{0}, 0, true), []int{1, 3}, []float64{2.25, 2.25, 2.25}},
		{"VarKeepDim(0)", x.VarKeepDim(0), []int{1, 3}, []float64{4.5, 4.5, 4.5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opsRequireShape(t, c.got, c.shape...)
			got := c.got.Float64s()
			require.Len(t, got, len(c.want))
			for i := range got {
				assert.InDelta(t, c.want[i], got[i], 1e-15*math.Abs(c.want[i]), "element %d", i)
			}
		})
	}
	// Int64 keeps its dtype, ArgMax is always Int64.
	xi := From([]int64{3, -1, 4, 1, -5, 9}, 2, 3)
	assert.Equal(t, []int64{6, 5}, xi.Sum(1).Int64s())
	assert.Equal(t, []int64{-12, -45}, xi.Prod(1).Int64s())
	assert.Equal(t, []int64{4, 9}, xi.Max(1).Int64s())
	assert.Equal(t, []int64{1, 1, 0}, xi.ArgMin(0, false).Int64s())
	assert.Equal(t, Int64, x.ArgMax(0, false).DType())
	// Values and indices of MaxAlong agree.
	v, i := From([]float32{2, 7, 7, -1, 0, 3}, 3, 2).MaxAlong(0, true)
	opsRequireShape(t, v, 1, 2)
	opsRequireShape(t, i, 1, 2)
	assert.Equal(t, []float32{7, 7}, v.Float32s())
	assert.Equal(t, []int64{1, 0}, i.Int64s())
	v, i = From([]float32{2, 7, 7, -1, 0, 3}, 3, 2).MinAlong(-1, false)
	assert.Equal(t, []float32{2, -1, 0}, v.Float32s())
	assert.Equal(t, []int64{0, 1, 0}, i.Int64s())
}

func TestOpsReduceSpecial(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := From([]float64{1, nan, 3, nan, 2, 5, -inf, inf, 0}, 3, 3)
	mx, ix := x.MaxAlong(1, false)
	assert.True(t, math.IsNaN(mx.Float64s()[0]) && math.IsNaN(mx.Float64s()[1]))
	assert.Equal(t, inf, mx.Float64s()[2])
	assert.Equal(t, []int64{1, 0, 1}, ix.Int64s(), "the first NaN wins")
	mn, in := x.MinAlong(1, false)
	assert.True(t, math.IsNaN(mn.Float64s()[0]) && math.IsNaN(mn.Float64s()[1]))
	assert.Equal(t, -inf, mn.Float64s()[2])
	assert.Equal(t, []int64{1, 0, 0}, in.Int64s())
	assert.True(t, math.IsNaN(x.Max().Item()))
	assert.True(t, math.IsNaN(x.Sum().Item()))
	assert.Equal(t, []int64{1, 0, 1}, x.ArgMax(0, false).Int64s(), "a NaN is the maximum")
	// Ties give the first index.
	assert.Equal(t, []int64{1}, From([]float64{0, 4, 4, 4}, 1, 4).ArgMax(1, false).Int64s())
	assert.Equal(t, []int64{0}, From([]float64{-1, -1, 4}, 1, 3).ArgMin(1, false).Int64s())

	// LogSumExp is stable for large inputs and exact for infinite ones.
	lse := From([]float64{1e4, 1e4, -1e4, -1e4, -inf, -inf, inf, 0, -inf, 1}, 5, 2).LogSumExp(1).Float64s()
	assert.InDelta(t, 1e4+math.Ln2, lse[0], 1e-11)
	assert.InDelta(t, -1e4+math.Ln2, lse[1], 1e-11)
	assert.Equal(t, -inf, lse[2])
	assert.Equal(t, inf, lse[3])
	assert.InDelta(t, 1, lse[4], 1e-15)
	// Keepdim and all axes.
	l := From([]float32{0, 0, 0, 0}, 2, 2).LogSumExpKeepDim(0, 1)
	opsRequireShape(t, l, 1, 1)
	assert.InDelta(t, math.Log(4), float64(l.Float32s()[0]), 1e-7)
	assert.InDelta(t, math.Log(4), Zeros(Shape{4}).LogSumExp().Item(), 1e-7)
	// Over nothing: log 0 = -Inf (torch does the same).
	e := Zeros(Shape{2, 0}).LogSumExp(1)
	assert.Equal(t, Shape{2}, e.Shape())
	assert.Equal(t, []float64{math.Inf(-1), math.Inf(-1)}, e.Float64s())
	assert.Equal(t, Shape{2, 1}, Zeros(Shape{2, 0}).LogSumExpKeepDim(1).Shape())

	// Variance: correction n gives Inf (torch divides by max(0, n - correction)); one element
	// with correction 1 gives NaN.
	assert.Equal(t, inf, Variance(From([]float64{1, 2}), nil, 2, false).Item())
	assert.True(t, math.IsNaN(From([]float64{3}).Var().Item()))
	assert.Equal(t, 0.0, Variance(From([]float64{3}), nil, 0, false).Item())
	assert.InDelta(t, 5.0/3, From([]float64{1, 2, 3, 4}).Var().Item(), 1e-15)
	assert.InDelta(t, 2.5, Variance(From([]float64{1, 2, 3, 4}), nil, 2, false).Item(), 1e-15)
}

func TestOpsReduceNonContiguous(t *testing.T) {
	A := opsSeq(12) // A[i][j] = 4i+j
	a := From(A, 3, 4)
	// Transposed: the sums over axis 0 of a.T() are the row sums of a.
	assert.Equal(t, []float64{6, 22, 38}, a.T().Sum(0).Float64s())
	assert.Equal(t, []float64{12, 15, 18, 21}, a.T().Sum(1).Float64s())
	assert.Equal(t, []float64{3, 7, 11}, a.T().Max(0).Float64s())
	assert.Equal(t, []int64{3, 3, 3}, a.T().ArgMax(0, false).Int64s())
	// Stepped: columns 1 and 3.
	s := a.Slice(1, 1, 4, 2)
	assert.Equal(t, []float64{4, 12, 20}, s.Sum(1).Float64s())
	assert.Equal(t, []float64{15, 21}, s.Sum(0).Float64s())
	assert.Equal(t, []float64{1 * 5 * 9, 3 * 7 * 11}, s.Prod(0).Float64s())
	// Expanded: every element counted as often as it appears.
	e := From([]float64{1, 2, 3}).Expand(5, 3)
	assert.Equal(t, []float64{5, 10, 15}, e.Sum(0).Float64s())
	assert.Equal(t, 30.0, e.Sum().Item())
	assert.Equal(t, []float64{2, 2, 2, 2, 2}, e.Mean(1).Float64s())
	assert.Equal(t, []float64{0, 0, 0}, e.Var(0).Float64s())
	// Permuted 3-D over two axes: b[i][j][k] = 12i+4j+k viewed as [k][i][j].
	b := From(opsSeq(24), 2, 3, 4).Permute(2, 0, 1)
	// Sum over (0, 2) of the view = sum over k and j of the source, for each i.
	assert.Equal(t, []float64{66, 210}, b.Sum(0, 2).Float64s())
	assert.Equal(t, []float64{11, 23}, b.Max(2, 0).Float64s())
	// Narrowed with an offset.
	n := a.Narrow(0, 1, 2).Narrow(1, 2, 2) // [[6 7] [10 11]]
	assert.Equal(t, []float64{16, 18}, n.Sum(0).Float64s())
	assert.InDelta(t, math.Log(math.Exp(6)+math.Exp(7)), n.LogSumExp(1).Float64s()[0], 1e-14)
}

func TestOpsReduceErrors(t *testing.T) {
	x := Zeros(Shape{2, 3, 4})
	cases := []struct {
		want string
		fn   func()
	}{
		{"tensor.Sum: axis 3 out of range for 3 dimensions", func() { x.Sum(3) }},
		{"tensor.Sum: axis -4 out of range for 3 dimensions", func() { x.Sum(-4) }},
		{"tensor.Sum: axis 0 repeated", func() { x.Sum(0, 0) }},
		{"tensor.Sum: axis -3 repeated", func() { x.Sum(0, -3) }},
		{"tensor.SumKeepDim: axis 5 out of range for 3 dimensions", func() { x.SumKeepDim(5) }},
		{"tensor.Max: axis 3 out of range for 3 dimensions", func() { x.Max(3) }},
		{"tensor.Mean: axis -2 repeated", func() { x.Mean(1, -2) }},
		{"tensor.MaxAlong: axis 3 out of range for 3 dimensions", func() { x.MaxAlong(3, false) }},
		{"tensor.ArgMin: axis -4 out of range for 3 dimensions", func() { x.ArgMin(-4, false) }},
		{"tensor.Variance: axis 3 out of range for 3 dimensions", func() { x.Var(3) }},
		{"tensor.LogSumExp: axis 3 out of range for 3 dimensions", func() { x.LogSumExp(3) }},
		{"tensor.Softmax: axis 3 out of range for 3 dimensions", func() { x.Softmax(3) }},
		{"tensor.LogSoftmax: axis -4 out of range for 3 dimensions", func() { x.LogSoftmax(-4) }},
		{"tensor.Sum: axis 1 out of range for a 0-d tensor (0 or -1)", func() { Scalar[float32](1).Sum(1) }},
		{"tensor.Max: cannot reduce over a zero-size dimension of shape [0 3]", func() { Zeros(Shape{0, 3}).Max(0) }},
		{"tensor.Max: cannot reduce over a zero-size dimension of shape [0]", func() { Zeros(Shape{0}).Max() }},
		{"tensor.ArgMax: cannot reduce over a zero-size dimension of shape [2 0]", func() { Zeros(Shape{2, 0}).ArgMax(1, false) }},
		{"tensor.MinAlong: cannot reduce over a zero-size dimension of shape [2 0]", func() { Zeros(Shape{2, 0}).MinAlong(1, true) }},
		{"tensor.Mean: dtype int64 of shape [2] is not supported (needs float32 or float64)", func() { Zeros(Shape{2}, Int64).Mean() }},
		{"tensor.SumTo: shape [5] does not broadcast to [2 3 4]", func() { x.SumTo(Shape{5}) }},
		{"tensor.SumTo: shape [2 3] does not broadcast to [3]", func() { Zeros(Shape{3}).SumTo(Shape{2, 3}) }},
		{"tensor.SumTo: shape [1 1 1 4] does not broadcast to [2 3 4]", func() { x.SumTo(Shape{1, 1, 1, 4}) }},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, opsPanicMsg(t, c.fn))
	}
}

func TestOpsReduceEmpty(t *testing.T) {
	e := Zeros(Shape{0, 3})
	s := Zeros(Shape{0}).Sum()
	opsRequireShape(t, s)
	assert.Equal(t, 0.0, s.Item())
	assert.Equal(t, 1.0, Zeros(Shape{0}).Prod().Item())
	assert.True(t, math.IsNaN(Zeros(Shape{0}).Mean().Item()))
	assert.Equal(t, []float32{0, 0, 0}, e.Sum(0).Float32s())
	assert.Equal(t, []float32{1, 1, 1}, e.Prod(0).Float32s())
	m := e.Mean(0).Float32s()
	require.Len(t, m, 3)
	assert.True(t, math.IsNaN(float64(m[0])))
	opsRequireShape(t, e.Sum(1), 0)
	opsRequireShape(t, e.Max(1), 0)
	opsRequireShape(t, e.ArgMax(1, true), 0, 1)
	opsRequireShape(t, e.Softmax(1), 0, 3)
	opsRequireShape(t, e.LogSumExp(1), 0)
	k := Zeros(Shape{2, 0}).SumKeepDim(1)
	opsRequireShape(t, k, 2, 1)
	assert.Equal(t, []float32{0, 0}, k.Float32s())
	assert.Equal(t, []int64{0, 0}, Zeros(Shape{2, 0}, Int64).Sum(1).Int64s())
	// A 0-d tensor reduces over no axis.
	sc := Scalar(2.5)
	assert.Equal(t, 2.5, sc.Sum().Item())
	assert.Equal(t, 2.5, sc.Max().Item())
	assert.Equal(t, 1.0, sc.Softmax(0).Item())
	assert.Equal(t, 0.0, sc.LogSoftmax(-1).Item())
	opsRequireShape(t, sc.Softmax(0))
}

func TestOpsReduceLarge(t *testing.T) {
	t.Run("sum of 1e6 elements", func(t *testing.T) {
		n := 1_000_000
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(i%8) * 0.25 // every partial sum is exact in float64
		}
		x := From(v)
		assert.Equal(t, float32(875000), x.Sum().Float32s()[0])
		assert.InDelta(t, 0.875, x.Mean().Item(), 0x1p-24)
		assert.Equal(t, 1.75, x.Max().Item())
		assert.Equal(t, []int64{7}, x.ArgMax(0, false).Int64s())
		r := opsRandF32(11, n, -1, 1)
		want, abs := opsSum64(r)
		got := From(r).Sum().Item()
		assert.InDelta(t, want, got, opsSumTol(Float32, n, abs, want))
	})
	t.Run("non-last axis of [300 1000]", func(t *testing.T) {
		const rows, cols = 300, 1000
		v := opsRandF64(12, rows*cols, -2, 2)
		x := From(v, rows, cols)
		colSum := make([]float64, cols)
		colAbs := make([]float64, cols)
		colMax := make([]float64, cols)
		colArg := make([]int64, cols)
		rowSum := make([]float64, rows)
		for j := range cols {
			colMax[j] = math.Inf(-1)
		}
		for i := range rows {
			for j := range cols {
				e := v[i*cols+j]
				colSum[j] += e
				colAbs[j] += math.Abs(e)
				rowSum[i] += e
				if e > colMax[j] {
					colMax[j], colArg[j] = e, int64(i)
				}
			}
		}
		for _, view := range []struct {
			name string
			x    *Tensor
			axis int
		}{{"contiguous axis 0", x, 0}, {"transposed axis 1", x.T(), 1}} {
			s := view.x.Sum(view.axis).Float64s()
			m := view.x.Mean(view.axis).Float64s()
			mx, arg := view.x.MaxAlong(view.axis, false)
			require.Len(t, s, cols, view.name)
			for j := range cols {
				require.InDelta(t, colSum[j], s[j], opsSumTol(Float64, rows, colAbs[j], colSum[j]), "%s: Sum[%d]", view.name, j)
				require.InDelta(t, colSum[j]/rows, m[j], opsSumTol(Float64, rows, colAbs[j], colSum[j])/rows+0x1p-51*math.Abs(colSum[j]/rows), "%s: Mean[%d]", view.name, j)
			}
			assert.Equal(t, colMax, mx.Float64s(), view.name)
			assert.Equal(t, colArg, arg.Int64s(), view.name)
		}
		rs := x.Sum(1).Float64s()
		for i := range rows {
			require.InDelta(t, rowSum[i], rs[i], opsSumTol(Float64, cols, float64(cols)*2, rowSum[i]), "row %d", i)
		}
		k := x.SumKeepDim(0)
		opsRequireShape(t, k, 1, cols)
	})
	t.Run("one long reduction split in pieces", func(t *testing.T) {
		const n = 100_000 // more than two blocks, fewer than 64 outputs: pieces reduced in parallel
		v := opsRandF64(13, 3*n, -1, 1)
		v[n+77_777] = 5 // row 1: the maximum, in a later piece
		v[n+88_888] = 5 // a tie after it: the first index wins
		v[2*n+99_999] = math.NaN()
		v[2*n+50_000] = 7
		x := From(v, 3, n)
		mx, arg := x.MaxAlong(1, false)
		m := mx.Float64s()
		assert.Equal(t, 5.0, m[1])
		assert.True(t, math.IsNaN(m[2]), "NaN in the last piece propagates")
		a := arg.Int64s()
		assert.Equal(t, int64(77_777), a[1])
		assert.Equal(t, int64(99_999), a[2])
		_, amin := x.MinAlong(1, false)
		assert.Equal(t, int64(99_999), amin.Int64s()[2])
		s := x.Sum(1).Float64s()
		for r := range 2 {
			want, abs := opsSum64(v[r*n : (r+1)*n])
			assert.InDelta(t, want, s[r], opsSumTol(Float64, n, abs, want), "row %d", r)
		}
		// The same over a strided row: a transposed [n, 3] tensor reduced along axis 0.
		tr := From(v, 3, n).T().Contiguous().T()
		mx2, arg2 := tr.MaxAlong(1, false)
		assert.Equal(t, 5.0, mx2.Float64s()[1])
		assert.Equal(t, int64(77_777), arg2.Int64s()[1])
		// Equal values everywhere: index 0.
		assert.Equal(t, []int64{0}, Ones(Shape{1, n}).ArgMin(1, false).Int64s())
	})
}

func TestOpsReduceThreadIndependence(t *testing.T) {
	type input struct {
		name string
		x    *Tensor
		axes []int
	}
	long := From(opsRandF32(21, 1_000_003, -3, 3))
	mat := From(opsRandF32(22, 300*1000, -3, 3), 300, 1000)
	wide := From(opsRandF64(23, 3*100_000, -3, 3), 3, 100_000)
	nearOne := From(opsRandF64(24, 200_000, 0.999, 1.001))
	inputs := []input{
		{"1e6 all", long, nil},
		{"[300 1000] axis 0", mat, []int{0}},
		{"[300 1000] axis 1", mat, []int{1}},
		{"[300 1000] transposed axis 0", mat.T(), []int{0}},
		{"[3 1e5] axis 1", wide, []int{1}},
		{"[2e5] near 1", nearOne, nil},
	}
	ops := []struct {
		name string
		f    func(x *Tensor, axes []int) *Tensor
	}{
		{"Sum", func(x *Tensor, axes []int) *Tensor { return x.Sum(axes...) }},
		{"Prod", func(x *Tensor, axes []int) *Tensor { return x.Prod(axes...) }},
		{"Mean", func(x *Tensor, axes []int) *Tensor { return x.Mean(axes...) }},
		{"Max", func(x *Tensor, axes []int) *Tensor { return x.Max(axes...) }},
		{"Var", func(x *Tensor, axes []int) *Tensor { return x.Var(axes...) }},
		{"LogSumExp", func(x *Tensor, axes []int) *Tensor { return x.LogSumExp(axes...) }},
		{"ArgMin", func(x *Tensor, axes []int) *Tensor {
			if axes == nil {
				return x.Flatten(0, -1).ArgMin(0, false)
			}
			return x.ArgMin(axes[0], false)
		}},
		{"Softmax", func(x *Tensor, axes []int) *Tensor {
			if axes == nil {
				return x.Flatten(0, -1).Softmax(0)
			}
			return x.Softmax(axes[0])
		}},
		{"LogSoftmax", func(x *Tensor, axes []int) *Tensor {
			if axes == nil {
				return x.Flatten(0, -1).LogSoftmax(0)
			}
			return x.LogSoftmax(axes[0])
		}},
	}
	for _, in := range inputs {
		for _, op := range ops {
			var r1, r4 *Tensor
			opsWithThreads(1, func() { r1 = op.f(in.x, in.axes) })
			opsWithThreads(4, func() { r4 = op.f(in.x, in.axes) })
			opsBitsEqual(t, r1, r4, in.name+"/"+op.name)
		}
	}
}

func TestOpsSoftmaxFusedVsComposed(t *testing.T) {
	_, fused := CPU.(SoftmaxKernel)
	require.True(t, fused, "the CPU has a fused softmax")
	nan := math.NaN()
	for _, dt := range []DType{Float32, Float64} {
		eps := opsEps(dt)
		base := From(opsRandF64(31, 4*7*5, -6, 6), 4, 7, 5).AsType(dt)
		special := From([]float64{
			1e4, 1e4 - 1, -1e4, 0, 3,
			math.Inf(-1), 0, 1, math.Inf(-1), 2,
			math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1),
			nan, 1, 2, 3, 4,
			math.Inf(1), 1, 2, 3, 4,
			-88, 89, -89, 88, 0,
		}, 6, 5).AsType(dt)
		inputs := []struct {
			name string
			x    *Tensor
		}{
			{"[4 7 5]", base},
			{"permuted", base.Permute(2, 0, 1)},
			{"stepped", base.Slice(1, 0, 7, 3)},
			{"expanded", base.Select(0, 0).Select(0, 0).Expand(3, 5)},
			{"special", special},
			{"special transposed", special.T()},
			{"large [300 1000]", From(opsRandF64(32, 300*1000, -20, 20), 300, 1000).AsType(dt)},
		}
		for _, in := range inputs {
			maxAbs := opsMaxAbs([]*Tensor{in.x})
			for axis := -1; axis < in.x.NDim(); axis++ {
				for _, log := range []bool{false, true} {
					name := dt.String() + "/" + in.name
					var got *Tensor
					if log {
						got = in.x.LogSoftmax(axis)
					} else {
						got = in.x.Softmax(axis)
					}
					want := softmaxComposed(in.x, normAxis("test", axis, in.x.NDim()), log)
					n := float64(in.x.Size(axis))
					// The composed path rounds x - max, exp, the sum and the quotient to dt;
					// exp(x - max) then carries a relative error of about eps·|x - max|.
					tol := opsTol{Rel: 4 * eps * (2 + 2*maxAbs), Abs: opsTiny(dt)}
					if log {
						tol = opsTol{Rel: 4 * eps, Abs: 4 * eps * (2*maxAbs + math.Log(n) + 1)}
					}
					g, w := got.Float64s(), want.Float64s()
					require.Equal(t, shapeStr(want.Shape()), shapeStr(got.Shape()), name)
					for i := range w {
						if math.IsNaN(w[i]) || math.IsNaN(g[i]) || math.IsInf(w[i], 0) {
							if !(math.IsNaN(w[i]) && math.IsNaN(g[i])) && w[i] != g[i] {
								t.Fatalf("%s axis %d log %v: element %d = %v, composed %v", name, axis, log, i, g[i], w[i])
							}
							continue
						}
						if d := math.Abs(g[i] - w[i]); d > tol.Abs+tol.Rel*math.Abs(w[i]) {
							t.Fatalf("%s axis %d log %v: element %d = %v, composed %v (diff %.3g)", name, axis, log, i, g[i], w[i], d)
						}
					}
				}
			}
		}
	}
	// Softmax rows sum to one.
	p := From(opsRandF64(33, 50*40, -5, 5), 50, 40).Softmax(1).Sum(1).Float64s()
	for i, s := range p {
		assert.InDelta(t, 1, s, 40*0x1p-52, "row %d", i)
	}
}

func TestOpsSumTo(t *testing.T) {
	x := From(opsSeq(24), 2, 3, 4) // x[i][j][k] = 12i+4j+k
	cases := []struct {
		shape Shape
		want  []float64
	}{
		{Shape{3, 1}, []float64{60, 92, 124}}, // over i and k: 60 + 32j
		{Shape{4}, []float64{60, 66, 72, 78}}, // over i and j: 60 + 6k
		{Shape{}, []float64{276}},             // everything
		{Shape{1, 3, 4}, opsColumnSums(x)},    // over i only
		{Shape{2, 1, 4}, []float64{12, 15, 18, 21, 48, 51, 54, 57}},
		{Shape{1, 1, 1}, []float64{276}},
		{Shape{2, 3, 1}, []float64{6, 22, 38, 54, 70, 86}},
	}
	for _, c := range cases {
		got := x.SumTo(c.shape)
		opsRequireShape(t, got, c.shape...)
		assert.Equal(t, c.want, got.Float64s(), "SumTo(%v)", c.shape)
	}
	same := x.SumTo(Shape{2, 3, 4})
	assert.NotSame(t, x, same, "same shape: a new handle")
	assert.True(t, same.SharesStorage(x), "same shape: over x's storage")
	same.Release()
	assert.False(t, x.Released())
	// Size-1 dimensions kept, leading ones removed, strided inputs.
	y := From([]float64{1, 2, 3}, 1, 3)
	opsRequireShape(t, y.SumTo(Shape{3}), 3)
	assert.Equal(t, []float64{1, 2, 3}, y.SumTo(Shape{3}).Float64s())
	assert.Equal(t, []float64{60, 66, 72, 78}, x.Permute(1, 0, 2).SumTo(Shape{1, 4}).Float64s())
	e := From([]float64{1, 2, 3}).Expand(4, 3)
	assert.Equal(t, []float64{4, 8, 12}, e.SumTo(Shape{3}).Float64s())
	assert.Equal(t, []float64{24}, e.SumTo(Shape{1}).Float64s())
	// The gradient of a broadcast op summed back to its operands' shapes, as autograd does.
	a, b := Ones(Shape{3, 1}), Ones(Shape{4})
	g := OnesLike(a.Add(b))
	assert.Equal(t, []float32{4, 4, 4}, g.SumTo(a.Shape()).Float32s())
	assert.Equal(t, []float32{3, 3, 3, 3}, g.SumTo(b.Shape()).Float32s())
}

// opsColumnSums returns Σ_i x[i][j][k] for a [2 3 4] tensor, computed by hand.
func opsColumnSums(x *Tensor) []float64 {
	v := x.Float64s()
	out := make([]float64, 12)
	for i := range 2 {
		for r := range 12 {
			out[r] += v[12*i+r]
		}
	}
	return out
}

func TestReducedAxes(t *testing.T) {
	x := Zeros(Shape{2, 3, 4})
	assert.Equal(t, []int{0, 1, 2}, x.ReducedAxes())
	assert.Equal(t, []int{0, 2}, x.ReducedAxes(-1, 0))
	assert.Equal(t, []int{1}, x.ReducedAxes(-2))
	assert.Empty(t, Scalar[float32](1).ReducedAxes(0))
	assert.Empty(t, Scalar[float32](1).ReducedAxes(-1))
	assert.Empty(t, Scalar[float32](1).ReducedAxes())
	vwAssertPanic(t, "tensor.ReducedAxes: axis 3 out of range for 3 dimensions", func() { x.ReducedAxes(3) })
	vwAssertPanic(t, "tensor.ReducedAxes: axis -1 repeated", func() { x.ReducedAxes(2, -1) })
	vwAssertPanic(t, "tensor.ReducedAxes: axis 1 out of range for a 0-d tensor (0 or -1)", func() { Scalar[float32](1).ReducedAxes(1) })
}
