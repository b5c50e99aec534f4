//go:build cuda && cgo

package cuda_test

import (
	"math"
	"strings"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/cuda"
	"github.com/godl/godl/cuda/cudatest"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeviceInfo(t *testing.T) {
	dev := cudatest.Device(t)
	assert.Equal(t, "cuda:0", dev.Name())
	info, ok := cuda.DeviceInfo(dev)
	require.True(t, ok)
	assert.GreaterOrEqual(t, info.ComputeCapability[0], 8)
	assert.Positive(t, info.Multiprocessors)
	assert.Positive(t, info.TotalMemory)
	assert.GreaterOrEqual(t, info.DriverVersion, 11000)
	assert.NotEmpty(t, info.Libraries.Driver)
	assert.NotEmpty(t, info.Libraries.BLAS)
	assert.True(t, cuda.Compiled())
	_, ok = cuda.DeviceInfo(tensor.CPU)
	assert.False(t, ok)
	again, err := cuda.OpenLibraries(info.Libraries, 0)
	require.NoError(t, err)
	assert.Same(t, dev, again, "a device opens once")
}

// TestOpenReportsMissingLibraries: a driver or cuBLAS that is not there gives an error that
// says what was tried; a device index past the last gives the CUDA status.
func TestOpenReportsMissingLibraries(t *testing.T) {
	_, err := cuda.OpenLibraries(cuda.Libraries{Driver: "/nonexistent/libcuda.so.1"}, 0)
	require.Error(t, err)
	var e *tensor.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "cuda.Open", e.Op)
	assert.Equal(t, "cuda.Open: cannot load the CUDA driver (not found: /nonexistent/libcuda.so.1); set GODL_CUDA_LIBRARY_PATH to the folder that holds it", err.Error())

	// The driver of the device the tests run on (the GPU's, or the emulator) with no cuBLAS.
	info, _ := cuda.DeviceInfo(cudatest.Device(t))
	_, err = cuda.OpenLibraries(cuda.Libraries{Driver: info.Libraries.Driver, BLAS: "/nonexistent/libcublas.so.12"}, 0)
	require.Error(t, err)
	assert.Equal(t, "cuda.Open: cannot load cuBLAS (not found: /nonexistent/libcublas.so.12); set GODL_CUDA_LIBRARY_PATH to the folder that holds it", err.Error())

	_, err = cuda.OpenLibraries(info.Libraries, 99)
	require.ErrorAs(t, err, &e)
	assert.Regexp(t, `^cuda.Open: CUDA_ERROR_INVALID_DEVICE cuda:99: the machine has \d+ CUDA devices$`, err.Error())
}

// TestBadIndexIsReportedAtTheNextSync: a gather with an index out of range is only queued;
// the next synchronising call panics with the CPU's error, once, and the device goes on.
func TestBadIndexIsReportedAtTheNextSync(t *testing.T) {
	dev := cudatest.Device(t)
	x := tensor.From([]float32{1, 2, 3}).To(dev)
	idx := tensor.From([]int64{0, 5}).To(dev)
	var g *tensor.Tensor
	require.NotPanics(t, func() { g = x.IndexSelect(0, idx) }, "the gather is only queued")
	err := tensor.Maybe(func() { tensor.SyncDevice(dev) })
	require.Error(t, err)
	assert.Equal(t, "tensor.IndexSelect: index 5 out of range for dimension of size 3", err.Error())
	require.NotPanics(t, func() { tensor.SyncDevice(dev) }, "reported once")
	assert.Equal(t, []float32{2, 4, 6}, x.MulScalar(2).Float32s())
	g.Release()

	// Reading is a synchronising call too; so are the Int64 division checks.
	x.Gather(0, tensor.From([]int64{-1}).To(dev))
	err = tensor.Maybe(func() { x.Float32s() })
	assert.EqualError(t, err, "tensor.Gather: index -1 out of range for dimension of size 3")
	i := tensor.From([]int64{7, 8}).To(dev)
	q := i.Div(tensor.From([]int64{2, 0}).To(dev))
	assert.EqualError(t, tensor.Maybe(func() { q.Int64s() }), "tensor.Div: integer division by zero")
	assert.Equal(t, []int64{3, -3}, i.Div(tensor.From([]int64{2, -3}).To(dev)).Int64s())
}

// TestTrainingStepsNeverWait runs training steps (a batch copied in, forward, cross-entropy,
// dropout, backward, an in-place update) and checks that none of them made the host wait
// for the GPU: nothing on the training path reads back.
func TestTrainingStepsNeverWait(t *testing.T) {
	dev := cudatest.Device(t)
	r := tensor.NewRNG(3)
	w1 := autograd.Param(r.Uniform(tensor.Shape{8, 32}, -0.3, 0.3, tensor.On(dev)))
	w2 := autograd.Param(r.Uniform(tensor.Shape{32, 4}, -0.3, 0.3, tensor.On(dev)))
	drop := tensor.NewRNG(4)
	tensor.SyncDevice(dev)
	before := cuda.Syncs(dev)
	var loss *autograd.Value
	for step := range 3 {
		x := autograd.Const(r.Normal(tensor.Shape{16, 8}, 0, 1).To(dev)) // drawn on the host, written
		y := tensor.From([]int64{0, 1, 2, 3, -100, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, int64(step)}).To(dev)
		h := autograd.Dropout(autograd.MatMul(x, w1).Tanh(), 0.2, true, drop)
		loss = autograd.CrossEntropyWith(autograd.MatMul(h, w2), y, autograd.CrossEntropyOptions{LabelSmoothing: 0.1})
		loss.Backward()
		for _, p := range []*autograd.Value{w1, w2} {
			p.Data().AddScaledInPlace(-0.1, p.Grad())
			p.ZeroGrad()
		}
	}
	require.Equal(t, before, cuda.Syncs(dev), "a training step waited for the device")
	l := loss.Item()
	assert.Equal(t, before+1, cuda.Syncs(dev))
	assert.False(t, math.IsNaN(l))
	assert.Greater(t, l, 0.5)
}

// TestFreedMemoryIsReusedInStreamOrder releases an operand while the kernel that reads it is
// still queued, then allocates a tensor that takes the same memory and fills it: the queued
// kernel must still read the old values.
func TestFreedMemoryIsReusedInStreamOrder(t *testing.T) {
	dev := cudatest.Device(t)
	vals := make([]float32, 1000)
	for i := range vals {
		vals[i] = float32(i)
	}
	x := tensor.From(vals).To(dev)
	before, _ := cuda.MemoryStats(dev)
	y := x.MulScalar(10)
	x.Release()
	z := tensor.Full(tensor.Shape{1000}, 7, tensor.On(dev))
	after, _ := cuda.MemoryStats(dev)
	assert.Greater(t, after.Reuses, before.Reuses, "z took memory from the cache")
	got := y.Float32s()
	for i, v := range got {
		require.Equal(t, float32(10*i), v, "element %d", i)
	}
	assert.Equal(t, float32(7), z.Float32s()[999])
}

// TestWriteCopiesItsSourceAtOnce changes the host slice right after the copy was queued, and
// copies more than one staging chunk.
func TestWriteCopiesItsSourceAtOnce(t *testing.T) {
	dev := cudatest.Device(t)
	src := []float64{1, 2, 3}
	d := tensor.From(src).To(dev)
	h := tensor.From([]float64{4, 5})
	d2 := h.To(dev)
	h.Fill(9)
	assert.Equal(t, []float64{4, 5}, d2.Float64s())
	assert.Equal(t, []float64{1, 2, 3}, d.Float64s())

	const n = 3 << 20 // 12 MiB of float32: three staging chunks
	big := make([]float32, n)
	for i := range big {
		big[i] = float32(i % 9973)
	}
	b := tensor.From(big).To(dev)
	for i := range big {
		big[i] = -1
	}
	back := b.Float32s()
	require.Len(t, back, n)
	for _, i := range []int{0, 1, 1<<20 - 1, 1 << 20, 2<<20 + 5, n - 1} {
		assert.Equal(t, float32(i%9973), back[i], "element %d", i)
	}
	assert.InDelta(t, float64(n)*4986.0, b.AsType(tensor.Float64).Sum().Item(), float64(n)*200, "the sum of every element")
}

func TestMemoryStatsAndEmptyCache(t *testing.T) {
	dev := cudatest.Device(t)
	x := tensor.Zeros(tensor.Shape{1 << 18}, tensor.On(dev)) // 1 MiB
	s, ok := cuda.MemoryStats(dev)
	require.True(t, ok)
	assert.GreaterOrEqual(t, s.InUse, int64(1<<20))
	x.Release()
	s2, _ := cuda.MemoryStats(dev)
	assert.Equal(t, s.InUse-(2<<20), s2.InUse, "1 MiB rounds up to a 2 MiB block")
	assert.GreaterOrEqual(t, s2.Cached, int64(2<<20))
	assert.True(t, cuda.EmptyCache(dev))
	s3, _ := cuda.MemoryStats(dev)
	assert.Zero(t, s3.Cached)
	assert.Greater(t, s3.Releases, s2.Releases)
	assert.False(t, cuda.EmptyCache(tensor.CPU))
	_, ok = cuda.MemoryStats(tensor.CPU)
	assert.False(t, ok)
}

// TestOutOfMemoryPanicsWithTheCUDAStatus asks for more than the device has.
func TestOutOfMemoryPanicsWithTheCUDAStatus(t *testing.T) {
	dev := cudatest.Device(t)
	info, _ := cuda.DeviceInfo(dev)
	err := tensor.Maybe(func() { tensor.Empty(tensor.Shape{int(info.TotalMemory/4) + 1}, tensor.On(dev)) })
	require.Error(t, err)
	var e *tensor.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "cuda.MemAlloc", e.Op)
	assert.True(t, strings.HasPrefix(e.Msg, "CUDA_ERROR_OUT_OF_MEMORY"), e.Msg)
	assert.Contains(t, e.Msg, "float32 elements on cuda:0")
	// The device goes on.
	assert.Equal(t, []float32{3, 3}, tensor.Full(tensor.Shape{2}, 3, tensor.On(dev)).Float32s())
}

// TestTransferStaysOnTheDevice copies between two buffers of the device with Transfer.
func TestTransferStaysOnTheDevice(t *testing.T) {
	dev := cudatest.Device(t)
	tr, ok := dev.(tensor.Transferer)
	require.True(t, ok)
	src := dev.Alloc(tensor.Int64, 5)
	dev.Write(src, 0, []int64{1, 2, 3, 4, 5})
	dst := dev.Alloc(tensor.Int64, 4)
	dev.Write(dst, 0, []int64{0, 0, 0, 0})
	require.True(t, tr.Transfer(dst, 1, dev, src, 2, 3))
	got := make([]int64, 4)
	dev.Read(dst, 0, got)
	assert.Equal(t, []int64{0, 3, 4, 5}, got)
	assert.False(t, tr.Transfer(dst, 0, tensor.CPU, src, 0, 1), "other devices go through the host")
	dev.Free(src)
	dev.Free(dst)
	assert.Panics(t, func() { dev.Free(dst) }, "a buffer freed twice")
}

// TestTheGPUOpensThroughTheRegistry opens cuda:0 the way programs do, with the usual library
// search, and checks that it is a GPU the kernels support and that a product and a reduction
// run on it. It needs a GPU; the other tests run on the emulator without one.
func TestTheGPUOpensThroughTheRegistry(t *testing.T) {
	dev := cudatest.GPU(t)
	info, ok := cuda.DeviceInfo(dev)
	require.True(t, ok)
	t.Logf("%s: %s, compute capability %d.%d, %d multiprocessors, %.1f GiB, driver %d, %s", dev.Name(), info.Name,
		info.ComputeCapability[0], info.ComputeCapability[1], info.Multiprocessors, float64(info.TotalMemory)/(1<<30),
		info.DriverVersion, info.Libraries.BLAS)
	assert.NotContains(t, info.Name, "emulator")
	assert.GreaterOrEqual(t, info.ComputeCapability[0], 8)
	x := tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3).To(dev)
	assert.Equal(t, []float32{14, 32, 32, 77}, tensor.MatMul(x, x.T()).Float32s())
	assert.Equal(t, []float32{6, 15}, x.Sum(1).Float32s())
}
