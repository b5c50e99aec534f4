package autograd

import (
	"testing"

	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/tensortest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDetachedDataIsANewHandle releases the data of a detached value and checks that the
// original keeps its data: Detach shares the storage under a handle of its own.
func TestDetachedDataIsANewHandle(t *testing.T) {
	x := Param(tensor.From([]float32{1, 2, 3}))
	d := x.Detach()
	assert.False(t, d.RequiresGrad())
	assert.True(t, d.IsLeaf())
	require.NotSame(t, x.Data(), d.Data())
	assert.True(t, d.Data().SharesStorage(x.Data()))
	d.Data().Release()
	require.False(t, x.Data().Released())
	assert.Equal(t, []float32{1, 2, 3}, x.Data().Float32s())
	// Writes through the detached data are seen by the original, as in torch.
	e := x.Detach()
	e.Data().AddScalarInPlace(1)
	assert.Equal(t, []float32{2, 3, 4}, x.Data().Float32s())
}

// TestCrossEntropyNeedsFloatLogits used to report a released tensor for Int64 logits.
func TestCrossEntropyNeedsFloatLogits(t *testing.T) {
	err := tensor.Maybe(func() {
		CrossEntropy(Const(tensor.From([]int64{1, 2, 3, 4}, 2, 2)), tensor.From([]int64{0, 1}))
	})
	require.Error(t, err)
	assert.Equal(t, "autograd.CrossEntropy: logits must be float32 or float64, got int64 of shape [2 2]", err.Error())
}

// TestSetDataKeepsIdentity swaps a parameter's data in place, as a checkpoint load or a device
// move does: the Value stays the same, and training goes on with the new data.
func TestSetDataKeepsIdentity(t *testing.T) {
	w := Param(tensor.From([]float64{1, 2}))
	x := Const(tensor.From([]float64{3, 4}))
	w.Mul(x).Sum().Backward()
	assert.Equal(t, []float64{3, 4}, w.Grad().Float64s())
	old := w.Data()

	fresh := tensor.From([]float64{10, 20})
	w.SetData(fresh)
	assert.Same(t, fresh, w.Data())
	assert.False(t, old.Released(), "the old data is left to its other holders")
	assert.Equal(t, []float64{3, 4}, w.Grad().Float64s(), "the gradient stays")
	y := w.Mul(x).Sum()
	assert.Equal(t, 110.0, y.Item())
	y.Backward()
	assert.Equal(t, []float64{6, 8}, w.Grad().Float64s())

	// To another device: the gradient goes along.
	dev := tensortest.Naive
	w.SetData(tensor.From([]float64{5, 6}).To(dev))
	assert.Equal(t, dev, w.Data().Device())
	assert.Equal(t, dev, w.Grad().Device())
	assert.Equal(t, []float64{6, 8}, w.Grad().Float64s())

	for _, c := range []struct {
		want string
		fn   func()
	}{
		{"autograd.SetData: new data is float64 of shape [3], the value holds float64 of shape [2]", func() { w.SetData(tensor.From([]float64{1, 2, 3})) }},
		{"autograd.SetData: new data is float32 of shape [2], the value holds float64 of shape [2]", func() { w.SetData(tensor.From([]float32{1, 2})) }},
		{"autograd.SetData: not a leaf (the value was computed by Mul); only leaves hold data of their own", func() { w.Mul(w).SetData(tensor.From([]float64{1, 2})) }},
		{"autograd.SetData: nil tensor", func() { w.SetData(nil) }},
	} {
		opsPanicsWithError(t, c.want, c.fn)
	}
}
