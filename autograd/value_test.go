package autograd

import (
	"testing"

	"github.com/godl/godl/tensor"
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
