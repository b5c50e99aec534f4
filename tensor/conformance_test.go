package tensor_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/tensortest"
)

// TestConformanceNaive checks the CPU backend against the naive reference device: every
// operation, on every kind of layout, through the same suite that other backends run.
func TestConformanceNaive(t *testing.T) {
	tensortest.Run(t, tensortest.Naive)
}

// TestConformanceLazy runs the suite on devices that queue every kernel and run them only
// when the host reads or syncs: around the CPU, and around the naive device.
func TestConformanceLazy(t *testing.T) {
	t.Run("cpu", func(t *testing.T) { tensortest.Run(t, tensortest.Lazy(nil)) })
	t.Run("naive", func(t *testing.T) { tensortest.Run(t, tensortest.Lazy(tensortest.Naive)) })
}

// confDevices are the devices whose results TestConfHandValues checks by hand.
var confDevices = []tensor.Device{tensor.CPU, tensortest.Naive}

// TestConfHandValues checks both devices against values computed by hand, so that a mistake
// shared by the CPU backend and the naive device does not go unnoticed.
func TestConfHandValues(t *testing.T) {
	nan := math.NaN()
	for _, dev := range confDevices {
		t.Run(dev.Name(), func(t *testing.T) {
			on := func(x *tensor.Tensor) *tensor.Tensor { return x.To(dev) }

			// Integer division rounds toward negative infinity: 7/2 = 3.5 → 3, -7/2 → -4,
			// 7/-2 → -4, -7/-2 = 3.5 → 3, -8/2 = -4 exactly.
			q := on(tensor.From([]int64{7, -7, 7, -7, -8})).Div(on(tensor.From([]int64{2, 2, -2, -2, 2})))
			assert.Equal(t, []int64{3, -4, -4, 3, -4}, q.Int64s(), "Int64 Div")
			err := tensor.Maybe(func() { on(tensor.From([]int64{1})).Div(on(tensor.From([]int64{0}))) })
			var te *tensor.Error
			require.ErrorAs(t, err, &te, "Int64 division by zero")
			assert.Equal(t, "tensor.Div", te.Op)

			// Casts truncate toward zero.
			c := on(tensor.From([]float64{-1.7, 1.7, -0.5, 2.99})).AsType(tensor.Int64)
			assert.Equal(t, []int64{-1, 1, 0, 2}, c.Int64s(), "AsType Int64")

			// Round half to even.
			r := on(tensor.From([]float32{0.5, 1.5, 2.5, -0.5, -1.5, 0.49})).Round()
			assert.Equal(t, []float32{0, 2, 2, 0, -2, 0}, r.Float32s(), "Round")

			// Max and Min propagate NaN; ArgMax finds the first maximum, and a NaN counts as
			// the maximum.
			x := on(tensor.From([]float64{1, nan, 3, 3, 0, 5, 5, 2}, 2, 4))
			mx := x.Max(1).Float64s()
			assert.True(t, math.IsNaN(mx[0]), "Max of a row with NaN is NaN, got %v", mx[0])
			assert.Equal(t, 5.0, mx[1])
			assert.Equal(t, []int64{1, 1}, x.ArgMax(1, false).Int64s(), "ArgMax: NaN first, then the first of two 5s")
			assert.Equal(t, []int64{1, 0}, x.ArgMin(1, false).Int64s(), "ArgMin: NaN first, then 0 at index 0")
			assert.True(t, math.IsNaN(on(tensor.From([]float64{1, nan})).Maximum(on(tensor.From([]float64{2, 0}))).Float64s()[1]))

			// A reduction of a transposed operand: [[1 2] [3 4]]ᵀ summed over axis 0 is
			// [1+2, 3+4].
			m := on(tensor.From([]float32{1, 2, 3, 4}, 2, 2))
			assert.Equal(t, []float32{3, 7}, m.T().Sum(0).Float32s(), "Sum of a transpose")
			assert.Equal(t, []float32{2, 12}, m.T().Prod(0).Float32s(), "Prod of a transpose")

			// [[1 2] [3 4]] @ [[5 6] [7 8]] = [[19 22] [43 50]], and with the first operand
			// transposed [[1 3] [2 4]] @ [[5 6] [7 8]] = [[26 30] [38 44]].
			b := on(tensor.From([]float64{5, 6, 7, 8}, 2, 2))
			a := on(tensor.From([]float64{1, 2, 3, 4}, 2, 2))
			assert.Equal(t, []float64{19, 22, 43, 50}, tensor.MatMul(a, b).Float64s(), "MatMul")
			assert.Equal(t, []float64{26, 30, 38, 44}, tensor.MatMul(a.T(), b).Float64s(), "MatMul of a transpose")

			// softmax([0, ln 3]) = [1/4, 3/4]; log-softmax = [ln 1/4, ln 3/4].
			s := on(tensor.From([]float64{0, math.Log(3)}))
			assert.InDeltaSlice(t, []float64{0.25, 0.75}, s.Softmax(0).Float64s(), 1e-15, "Softmax")
			assert.InDeltaSlice(t, []float64{math.Log(0.25), math.Log(0.75)}, s.LogSoftmax(0).Float64s(), 1e-15, "LogSoftmax")

			// Gather along axis 1 of [[1 2 3] [4 5 6]] with [[2 0] [1 1]] is [[3 1] [5 5]];
			// IndexSelect of rows [1 0 1] repeats rows.
			g := on(tensor.From([]int64{1, 2, 3, 4, 5, 6}, 2, 3))
			gi := on(tensor.From([]int64{2, 0, 1, 1}, 2, 2))
			assert.Equal(t, []int64{3, 1, 5, 5}, g.Gather(1, gi).Int64s(), "Gather")
			assert.Equal(t, []int64{4, 5, 6, 1, 2, 3, 4, 5, 6}, g.IndexSelect(0, on(tensor.From([]int64{1, 0, 1}))).Int64s(), "IndexSelect")
			err = tensor.Maybe(func() { g.IndexSelect(0, on(tensor.From([]int64{2}))) })
			require.ErrorAs(t, err, &te, "IndexSelect out of range")
			assert.Equal(t, "tensor.IndexSelect", te.Op)

			// ScatterAdd of ones at [[0 0 2]] along axis 1 into zeros(1, 3): [2 0 1].
			sa := on(tensor.Zeros(tensor.Shape{1, 3})).ScatterAdd(1, on(tensor.From([]int64{0, 0, 2}, 1, 3)), on(tensor.Ones(tensor.Shape{1, 3})))
			assert.Equal(t, []float32{2, 0, 1}, sa.Float32s(), "ScatterAdd")
			// IndexAdd of rows [10 20] and [1 2] at rows 1 and 1 of zeros(2, 2): [[0 0] [11 22]].
			ia := on(tensor.Zeros(tensor.Shape{2, 2}, tensor.Int64)).IndexAdd(0, on(tensor.From([]int64{1, 1})), on(tensor.From([]int64{10, 20, 1, 2}, 2, 2)))
			assert.Equal(t, []int64{0, 0, 11, 22}, ia.Int64s(), "IndexAdd")

			// Where picks x where the mask is nonzero, NaN included.
			w := tensor.Where(on(tensor.From([]float64{1, 0, nan, -2})), on(tensor.From([]float64{1, 2, 3, 4})), on(tensor.From([]float64{-1, -2, -3, -4})))
			assert.Equal(t, []float64{1, -2, 3, 4}, w.Float64s(), "Where")

			// Clamp and ReLU keep NaN; Sign of NaN is NaN.
			cl := on(tensor.From([]float32{-5, 0.5, 5, float32(nan)})).Clamp(-1, 1).Float32s()
			assert.Equal(t, []float32{-1, 0.5, 1}, cl[:3], "Clamp")
			assert.True(t, math.IsNaN(float64(cl[3])), "Clamp(NaN)")
			assert.True(t, math.IsNaN(on(tensor.From([]float64{nan})).ReLU().Item()), "ReLU(NaN)")

			// Cat of a column view and a row: [[1] [3]] ⧺ [[9] [8]] along axis 1.
			col := m.Narrow(1, 0, 1)
			cat := tensor.Cat([]*tensor.Tensor{col, on(tensor.From([]float32{9, 8}, 2, 1))}, 1)
			assert.Equal(t, []float32{1, 9, 3, 8}, cat.Float32s(), "Cat")

			// Var([1 2 3 4]) = 5/3 (unbiased); LogSumExp([0 0]) = ln 2.
			v := on(tensor.From([]float64{1, 2, 3, 4})).Var()
			assert.InDelta(t, 5.0/3, v.Item(), 1e-15, "Var")
			assert.InDelta(t, math.Ln2, on(tensor.From([]float64{0, 0})).LogSumExp().Item(), 1e-15, "LogSumExp")
		})
	}
}
