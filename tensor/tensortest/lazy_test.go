package tensortest

import (
	"testing"

	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLazyQueuesUntilTheHostReads(t *testing.T) {
	dev := Lazy(nil)
	assert.Equal(t, "lazy", dev.Name())
	assert.Equal(t, "lazy(naive)", Lazy(Naive).Name())
	x := tensor.From([]float32{1, 2, 3}).To(dev)
	y := x.Exp().AddScalar(1).Sum()
	assert.Greater(t, Pending(dev), 2, "the kernels are queued")
	assert.InDelta(t, 3+2.718281828+7.389056099+20.08553692, y.Item(), 1e-5)
	assert.Zero(t, Pending(dev), "reading ran the queue")
	assert.Equal(t, -1, Pending(tensor.CPU))
}

func TestLazyReportsBadIndexAtTheNextSync(t *testing.T) {
	dev := Lazy(nil)
	x := tensor.From([]float32{1, 2, 3}).To(dev)
	idx := tensor.From([]int64{0, 5}).To(dev)
	var g *tensor.Tensor
	require.NotPanics(t, func() { g = x.IndexSelect(0, idx) }, "the gather is only queued")
	err := tensor.Maybe(func() { tensor.SyncDevice(dev) })
	require.Error(t, err)
	assert.Equal(t, "tensor.IndexSelect: index 5 out of range for dimension of size 3", err.Error())
	// The error is reported once; the device goes on working.
	require.NotPanics(t, func() { tensor.SyncDevice(dev) })
	assert.Equal(t, []float32{2, 4, 6}, x.MulScalar(2).Float32s())
	_ = g

	// Reading is a synchronising call too.
	x.Gather(0, tensor.From([]int64{-1}).To(dev))
	err = tensor.Maybe(func() { x.Float32s() })
	require.Error(t, err)
	assert.Equal(t, "tensor.Gather: index -1 out of range for dimension of size 3", err.Error())
}

// TestLazyFreeIsOrderedAfterQueuedWork releases an operand while the kernel reading it is
// still queued. The naive device underneath panics on any use of a freed buffer, so the
// buffer must be given back only after the kernel has run.
func TestLazyFreeIsOrderedAfterQueuedWork(t *testing.T) {
	dev := Lazy(Naive)
	x := tensor.From([]float32{1, 2, 3, 4}).To(dev)
	y := x.MulScalar(10)
	x.Release() // the MulScalar kernel has not run yet
	require.Positive(t, Pending(dev))
	assert.Equal(t, []float32{10, 20, 30, 40}, y.Float32s())
	assert.Zero(t, Pending(dev))
}

// TestLazyWriteCopiesItsSource changes the host slice a tensor was copied from right after
// the copy was queued.
func TestLazyWriteCopiesItsSource(t *testing.T) {
	dev := Lazy(nil)
	src := tensor.From([]float64{1, 2})
	d := src.To(dev)
	src.Fill(7)
	assert.Equal(t, []float64{1, 2}, d.Float64s())
}
