package autograd

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/tensor"
)

func grTensor(vals ...float64) *tensor.Tensor { return tensor.From(vals) }

func TestBackwardAccumulatesUntilZeroed(t *testing.T) {
	x := Param(grTensor(1, -2, 3))
	for range 2 {
		x.Mul(x).Sum().Backward()
	}
	assert.Equal(t, []float64{4, -8, 12}, x.Grad().Float64s()) // 2 · 2x
	x.ZeroGrad()
	assert.Nil(t, x.Grad())
	x.Mul(x).Sum().Backward()
	assert.Equal(t, []float64{2, -4, 6}, x.Grad().Float64s())
}

func TestBackwardAccumulatesIntoTheGradTheUserHolds(t *testing.T) {
	x := Param(grTensor(1, 2))
	x.Sum().Backward()
	g := x.Grad()
	x.MulScalar(3).Sum().Backward()
	assert.Same(t, g, x.Grad())
	assert.Equal(t, []float64{4, 4}, g.Float64s())
}

func TestValueUsedSeveralTimesGetsTheSumOfItsGradients(t *testing.T) {
	xs := []float64{0.5, -1, 2}
	x := Param(tensor.From(xs))
	y := x.MulScalar(3).Add(x.Mul(x)).Add(x) // dy/dx = 3 + 2x + 1
	y.Sum().Backward()
	for i, v := range x.Grad().Float64s() {
		assert.InDelta(t, 4+2*xs[i], v, 1e-15)
	}
}

func TestBroadcastGradientsAreSummedToTheInputShape(t *testing.T) {
	a := Param(tensor.Ones(tensor.Shape{3, 1}, tensor.Float64))
	b := Param(tensor.From([]float64{1, 2, 3, 4}, 1, 4))
	a.Mul(b).Sum().Backward()
	assert.Equal(t, tensor.Shape{3, 1}, a.Grad().Shape())
	assert.Equal(t, []float64{10, 10, 10}, a.Grad().Float64s())
	assert.Equal(t, []float64{3, 3, 3, 3}, b.Grad().Float64s())
}

func TestNonScalarBackwardNeedsAnOutputGradient(t *testing.T) {
	x := Param(grTensor(1, 2, 3))
	y := x.Mul(x)
	opsPanicsWithError(t, "autograd.Backward: output of shape [3] is not a scalar; pass its gradient with WithGrad", func() { y.Backward() })
	opsPanicsWithError(t, "autograd.Backward: gradient of shape [2] for an output of shape [3]", func() {
		y.Backward(WithGrad(grTensor(1, 1)))
	})
	g := grTensor(1, 0, -1)
	y.Backward(WithGrad(g))
	assert.Equal(t, []float64{2, 0, -6}, x.Grad().Float64s())
	assert.Equal(t, []float64{1, 0, -1}, g.Float64s(), "the output gradient must not be modified")
	assert.False(t, g.Released())
}

func TestSecondBackwardThroughAReleasedGraphPanics(t *testing.T) {
	x := Param(grTensor(1, 2))
	y := x.Exp().Sum()
	y.Backward()
	opsPanicsWithError(t, "autograd.Backward: the graph through Sum has already been released by an earlier Backward; pass RetainGraph() to the first Backward to run it twice", func() { y.Backward() })

	// A second output sharing part of the released graph fails the same way.
	h := x.Tanh()
	a, b := h.Sum(), h.Mul(h).Sum()
	a.Backward()
	opsPanicsWithError(t, "autograd.Backward: the graph through Tanh has already been released by an earlier Backward; pass RetainGraph() to the first Backward to run it twice", func() { b.Backward() })
}

func TestRetainGraphAllowsASecondBackward(t *testing.T) {
	x := Param(grTensor(1, 2))
	y := x.Mul(x).Sum()
	y.Backward(RetainGraph())
	y.Backward()
	assert.Equal(t, []float64{4, 8}, x.Grad().Float64s())
}

func TestModifyingASavedTensorInPlacePanics(t *testing.T) {
	w := Param(grTensor(1, 2))
	x := Const(grTensor(3, 4))
	y := w.Mul(x).Sum()
	w.Data().AddScalarInPlace(1) // an optimizer step before backward
	opsPanicsWithError(t, "autograd.Backward: a tensor of shape [2] saved for the backward pass of Mul was modified in place (version 1, saved at 0)", func() { y.Backward() })
}

func TestNoGradRecordsNothing(t *testing.T) {
	x := Param(grTensor(1, 2))
	xn := x.NoGrad()
	assert.True(t, xn.IsNoGrad())
	assert.False(t, x.IsNoGrad())
	assert.False(t, xn.RequiresGrad())
	assert.True(t, xn.Data().SharesStorage(x.Data()))
	// A parameter that requires a gradient records nothing when it meets a no-grad value.
	w := Param(grTensor(3, 4))
	y := xn.Mul(w).Tanh().Sum()
	assert.True(t, y.IsNoGrad(), "the mode propagates to results")
	assert.Equal(t, "", y.Op())
	assert.True(t, y.IsLeaf())
	assert.False(t, y.RequiresGrad())
	assert.InDelta(t, tanh(3)+tanh(8), y.Item(), 1e-15)
	assert.Nil(t, w.Grad())
	opsPanicsWithError(t, "autograd.Backward: the value of shape [] was computed in no-grad mode (from a value marked with NoGrad), so no graph was recorded", func() { y.Backward() })
	// The mode goes through every kind of operation: binary, reductions, multi-output.
	for name, v := range map[string]*Value{
		"MatMul": MatMul(xn.Reshape(1, 2), w.Reshape(2, 1)),
		"Cat":    Cat([]*Value{w, xn}, 0),
		"Stack":  Stack([]*Value{w, xn}, 0),
		"Unbind": w.Mul(xn).Unbind(0)[1],
		"Where":  Where(tensor.From([]float64{1, 0}), w, xn),
		"Apply":  Apply(&fnSwish{}, xn)[0],
	} {
		assert.True(t, v.IsNoGrad(), name)
		assert.False(t, v.RequiresGrad(), name)
	}

	// The same computation on x itself records, in the same goroutine.
	z := x.Mul(w)
	assert.Equal(t, "Mul", z.Op())
	assert.False(t, z.IsLeaf())
	assert.False(t, z.IsNoGrad())

	// Constants and parameters without no-grad values record as before.
	c := Const(grTensor(5, 6))
	assert.Equal(t, "Mul", c.Mul(w).Op())
	opsPanicsWithError(t, "autograd.Backward: the value of shape [2] does not require a gradient: no input of its computation does (make the leaves to differentiate with Param)", func() {
		c.Exp().Backward(WithGrad(grTensor(1, 1)))
	})
}

func TestOperationsOnConstantsRecordNothing(t *testing.T) {
	c := Const(grTensor(1, 2))
	y := c.Exp().Add(c)
	assert.True(t, y.IsLeaf())
	assert.False(t, y.RequiresGrad())
}

// grChain is a forward pass of a few operations, on values or on raw tensors.
func grChain(x *Value) *Value { return x.Mul(x).AddScalar(1).Tanh().Sum() }

func grChainTensor(x *tensor.Tensor) *tensor.Tensor {
	return x.Mul(x).AddScalar(1).Tanh().Sum()
}

func TestDetachStopsTheGradient(t *testing.T) {
	x := Param(grTensor(2, 3))
	y := x.Mul(x.Detach()) // d/dx = x (the detached factor is a constant)
	y.Sum().Backward()
	assert.Equal(t, []float64{2, 3}, x.Grad().Float64s())
	assert.False(t, x.Detach().RequiresGrad())
	assert.True(t, x.Data().SharesStorage(x.Detach().Data()))
}

func TestRetainGradKeepsAnIntermediateGradient(t *testing.T) {
	x := Param(grTensor(1, 2))
	h := x.MulScalar(3).RetainGrad()
	h.Mul(h).Sum().Backward()
	assert.Equal(t, []float64{6, 12}, h.Grad().Float64s()) // 2h
	assert.Equal(t, []float64{18, 36}, x.Grad().Float64s())
	other := x.MulScalar(2)
	other.Sum().Backward()
	assert.Nil(t, other.Grad(), "non-leaf values keep no gradient unless asked")
}

func TestBackwardOnALeaf(t *testing.T) {
	x := Param(tensor.Scalar(2.0))
	x.Backward()
	assert.Equal(t, []float64{1}, x.Grad().Float64s())
}

func TestLeafConstructorsCheckTheirArguments(t *testing.T) {
	opsPanicsWithError(t, "autograd.New: only floating-point tensors can require a gradient, got int64 of shape [2]", func() {
		Param(tensor.From([]int64{1, 2}))
	})
	x := Param(grTensor(1))
	y := x.MulScalar(2)
	opsPanicsWithError(t, "autograd.SetRequiresGrad: not a leaf; use Detach", func() { y.SetRequiresGrad(false) })
	c := Const(grTensor(1)).SetRequiresGrad(true)
	assert.True(t, c.RequiresGrad())
	opsPanicsWithError(t, "autograd.SetGrad: gradient of shape [2] for a value of shape [1]", func() { c.SetGrad(grTensor(1, 2)) })
}

func TestForwardValuesSurviveBackward(t *testing.T) {
	x := Param(grTensor(0.5, -0.25))
	h := x.Tanh()
	logits := h.MulScalar(2)
	logits.Sum().Backward()
	assert.InDeltaSlice(t, []float64{2 * tanh(0.5), 2 * tanh(-0.25)}, logits.Data().Float64s(), 1e-15)
	assert.InDeltaSlice(t, []float64{tanh(0.5), tanh(-0.25)}, h.Data().Float64s(), 1e-15)
}

func TestReleasingTheGraphReturnsItsTemporaries(t *testing.T) {
	logits := Param(tensor.NewRNG(3).Normal(tensor.Shape{4, 5}, 0, 1))
	loss := CrossEntropy(logits, tensor.From([]int64{0, 1, 2, 3}))
	owned := append([]*tensor.Tensor(nil), loss.node.owned...)
	require.NotEmpty(t, owned, "CrossEntropy keeps its log-softmax for backward")
	for _, o := range owned {
		assert.False(t, o.Released())
	}
	loss.Backward()
	for _, o := range owned {
		assert.True(t, o.Released(), "a temporary of the graph was not released")
	}
	assert.True(t, loss.node.released)
	assert.Nil(t, loss.node.backward)
	assert.Nil(t, loss.node.saved)
	assert.Nil(t, loss.node.inputs)
	assert.NotNil(t, logits.Grad())

	// With RetainGraph, nothing is released.
	loss2 := CrossEntropy(logits, tensor.From([]int64{0, 1, 2, 3}))
	loss2.Backward(RetainGraph())
	for _, o := range loss2.node.owned {
		assert.False(t, o.Released())
	}
}

// TestTrainingLoopReachesASteadyState runs 10,000 steps of a small model with in-place
// parameter updates and checks that the live heap stops growing.
func TestTrainingLoopReachesASteadyState(t *testing.T) {
	steps := 10000
	if testing.Short() {
		steps = 1000
	}
	rng := tensor.NewRNG(5)
	w1 := Param(rng.Normal(tensor.Shape{8, 16}, 0, 0.3))
	w2 := Param(rng.Normal(tensor.Shape{16, 4}, 0, 0.3))
	x := Const(rng.Normal(tensor.Shape{32, 8}, 0, 1))
	y := rng.Integers(tensor.Shape{32}, 0, 4)
	step := func() float64 {
		loss := CrossEntropy(MatMul(MatMul(x, w1).Tanh(), w2), y)
		loss.Backward()
		for _, p := range []*Value{w1, w2} {
			p.Data().AddScaledInPlace(-0.05, p.Grad())
			p.ZeroGrad()
		}
		return loss.Item()
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	first := step()
	for range steps / 10 {
		step()
	}
	before := heap()
	var last float64
	for range steps - steps/10 {
		last = step()
	}
	after := heap()
	assert.Less(t, last, first, "the loss should go down")
	growth := int64(after) - int64(before)
	assert.Less(t, growth, int64(1<<20), "live heap grew by %d bytes over %d steps", growth, steps-steps/10)
}

func tanh(x float64) float64 {
	return tensor.Scalar(x).Tanh().Item()
}

func TestAsTypeGradientComesBackInTheInputDType(t *testing.T) {
	x := Param(grTensor(0.1, 0.2, 0.3))
	y := x.AsType(tensor.Float32)
	assert.Equal(t, tensor.Float32, y.DType())
	assert.Equal(t, "AsType", y.Op())
	y.MulScalar(3).Sum().Backward()
	assert.Equal(t, tensor.Float64, x.Grad().DType())
	assert.Equal(t, []float64{3, 3, 3}, x.Grad().Float64s())
	assert.Same(t, x, x.AsType(tensor.Float64), "no conversion, no operation")
	opsPanicsWithError(t, "autograd.AsType: int64 cannot carry a gradient; convert v.Data() instead", func() { x.AsType(tensor.Int64) })
}
