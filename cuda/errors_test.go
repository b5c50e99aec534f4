package cuda

import (
	"errors"
	"testing"

	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusNames(t *testing.T) {
	assert.Equal(t, "CUDA_ERROR_OUT_OF_MEMORY", cudaErrorName(2))
	assert.Equal(t, "CUDA_ERROR_NO_DEVICE", cudaErrorName(cudaErrNoDevice))
	assert.Equal(t, "CUDA_ERROR_ILLEGAL_ADDRESS", cudaErrorName(700))
	assert.Equal(t, "CUDA_ERROR(12345)", cudaErrorName(12345))
	assert.Equal(t, "CUBLAS_STATUS_INVALID_VALUE", cublasStatusName(7))
	assert.Equal(t, "CUBLAS_STATUS(99)", cublasStatusName(99))
	for code, name := range cudaErrorNames {
		assert.Contains(t, name, "CUDA_", "code %d", code)
	}
}

func TestStatusErrorNamesTheOpAndTheStatus(t *testing.T) {
	err := statusError("cuda.MemAlloc", "CUDA_ERROR_OUT_OF_MEMORY", "out of memory", "allocating "+formatBytes(80<<30))
	var e *tensor.Error
	require.True(t, errors.As(error(err), &e), "a *tensor.Error")
	assert.Equal(t, "cuda.MemAlloc", e.Op)
	assert.Equal(t, "cuda.MemAlloc: CUDA_ERROR_OUT_OF_MEMORY (out of memory) allocating 80.0 GiB", err.Error())
	assert.Equal(t, "cuda.Init: CUDA_ERROR_NO_DEVICE", statusError("cuda.Init", "CUDA_ERROR_NO_DEVICE", "", "").Error())
}

func TestFormatBytes(t *testing.T) {
	assert.Equal(t, "0 B", formatBytes(0))
	assert.Equal(t, "1023 B", formatBytes(1023))
	assert.Equal(t, "1.0 KiB", formatBytes(1024))
	assert.Equal(t, "1.5 MiB", formatBytes(3<<19))
	assert.Equal(t, "139.0 GiB", formatBytes(139<<30))
}

// TestFlagErrorsMatchTheCPU checks that an error a kernel flags reads exactly as the CPU
// backend's panic for the same bad data.
func TestFlagErrorsMatchTheCPU(t *testing.T) {
	x := tensor.From([]float32{1, 2, 3})
	cpu := func(f func()) string {
		err := tensor.Maybe(f)
		require.Error(t, err)
		return err.Error()
	}
	assert.Equal(t, cpu(func() { x.IndexSelect(0, tensor.From([]int64{0, 5})) }), flagError(errIndexSelect, 5, 3).Error())
	assert.Equal(t, cpu(func() { x.Gather(0, tensor.From([]int64{-1})) }), flagError(errGather, -1, 3).Error())
	assert.Equal(t, cpu(func() { x.ScatterAdd(0, tensor.From([]int64{3}), tensor.From([]float32{1})) }), flagError(errScatterAdd, 3, 3).Error())
	assert.Equal(t, cpu(func() { x.IndexAdd(0, tensor.From([]int64{7}), tensor.From([]float32{1})) }), flagError(errIndexAdd, 7, 3).Error())
	i := tensor.From([]int64{4, 5})
	assert.Equal(t, cpu(func() { i.Div(tensor.From([]int64{1, 0})) }), flagError(errDivZero, 0, 0).Error())
	assert.Equal(t, cpu(func() { i.Pow(tensor.From([]int64{1, -2})) }), flagError(errNegPow, -2, 0).Error())
	var e *device.Error
	require.ErrorAs(t, flagError(77, 1, 2), &e)
	assert.Equal(t, "cuda.Sync", e.Op)
}
