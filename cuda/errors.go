package cuda

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/godl/godl/tensor/device"
)

// Status codes of the driver (CUresult) and of cuBLAS (cublasStatus_t) become *tensor.Error
// values that name the operation and the status by its CUDA name, as in
//
//	cuda.MemAlloc: CUDA_ERROR_OUT_OF_MEMORY (out of memory) allocating 80.0 GiB
//
// They are returned as errors where the API returns errors (opening a device) and are the
// panic values of the device methods, which cannot return one.

// Driver status codes that the backend tests for.
const (
	cudaSuccess          = 0
	cudaErrOutOfMemory   = 2
	cudaErrNoDevice      = 100
	cudaErrInvalidDevice = 101
	cudaErrNotReady      = 600
)

// cudaErrorNames holds the names of the driver's status codes (CUresult), for when the driver
// cannot name them itself (it is not loaded, or is older than the code).
var cudaErrorNames = map[int]string{
	0:   "CUDA_SUCCESS",
	1:   "CUDA_ERROR_INVALID_VALUE",
	2:   "CUDA_ERROR_OUT_OF_MEMORY",
	3:   "CUDA_ERROR_NOT_INITIALIZED",
	4:   "CUDA_ERROR_DEINITIALIZED",
	5:   "CUDA_ERROR_PROFILER_DISABLED",
	34:  "CUDA_ERROR_STUB_LIBRARY",
	46:  "CUDA_ERROR_DEVICE_UNAVAILABLE",
	100: "CUDA_ERROR_NO_DEVICE",
	101: "CUDA_ERROR_INVALID_DEVICE",
	102: "CUDA_ERROR_DEVICE_NOT_LICENSED",
	200: "CUDA_ERROR_INVALID_IMAGE",
	201: "CUDA_ERROR_INVALID_CONTEXT",
	205: "CUDA_ERROR_MAP_FAILED",
	209: "CUDA_ERROR_NO_BINARY_FOR_GPU",
	214: "CUDA_ERROR_ECC_UNCORRECTABLE",
	218: "CUDA_ERROR_INVALID_PTX",
	221: "CUDA_ERROR_JIT_COMPILER_NOT_FOUND",
	222: "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
	223: "CUDA_ERROR_JIT_COMPILATION_DISABLED",
	300: "CUDA_ERROR_INVALID_SOURCE",
	301: "CUDA_ERROR_FILE_NOT_FOUND",
	302: "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND",
	303: "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED",
	304: "CUDA_ERROR_OPERATING_SYSTEM",
	400: "CUDA_ERROR_INVALID_HANDLE",
	401: "CUDA_ERROR_ILLEGAL_STATE",
	500: "CUDA_ERROR_NOT_FOUND",
	600: "CUDA_ERROR_NOT_READY",
	700: "CUDA_ERROR_ILLEGAL_ADDRESS",
	701: "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
	702: "CUDA_ERROR_LAUNCH_TIMEOUT",
	709: "CUDA_ERROR_CONTEXT_IS_DESTROYED",
	710: "CUDA_ERROR_ASSERT",
	714: "CUDA_ERROR_HARDWARE_STACK_ERROR",
	715: "CUDA_ERROR_ILLEGAL_INSTRUCTION",
	716: "CUDA_ERROR_MISALIGNED_ADDRESS",
	717: "CUDA_ERROR_INVALID_ADDRESS_SPACE",
	718: "CUDA_ERROR_INVALID_PC",
	719: "CUDA_ERROR_LAUNCH_FAILED",
	800: "CUDA_ERROR_NOT_PERMITTED",
	801: "CUDA_ERROR_NOT_SUPPORTED",
	802: "CUDA_ERROR_SYSTEM_NOT_READY",
	803: "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
	804: "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
	999: "CUDA_ERROR_UNKNOWN",
}

// cublasStatusNames holds the names of cuBLAS's status codes.
var cublasStatusNames = map[int]string{
	0:  "CUBLAS_STATUS_SUCCESS",
	1:  "CUBLAS_STATUS_NOT_INITIALIZED",
	3:  "CUBLAS_STATUS_ALLOC_FAILED",
	7:  "CUBLAS_STATUS_INVALID_VALUE",
	8:  "CUBLAS_STATUS_ARCH_MISMATCH",
	11: "CUBLAS_STATUS_MAPPING_ERROR",
	13: "CUBLAS_STATUS_EXECUTION_FAILED",
	14: "CUBLAS_STATUS_INTERNAL_ERROR",
	15: "CUBLAS_STATUS_NOT_SUPPORTED",
	16: "CUBLAS_STATUS_LICENSE_ERROR",
}

// cudaErrorName returns the name of a driver status code, such as CUDA_ERROR_OUT_OF_MEMORY,
// or CUDA_ERROR(n) for a code it does not know.
func cudaErrorName(code int) string {
	if s, ok := cudaErrorNames[code]; ok {
		return s
	}
	return "CUDA_ERROR(" + strconv.Itoa(code) + ")"
}

// cublasStatusName returns the name of a cuBLAS status code.
func cublasStatusName(code int) string {
	if s, ok := cublasStatusNames[code]; ok {
		return s
	}
	return "CUBLAS_STATUS(" + strconv.Itoa(code) + ")"
}

// statusError returns the error of a driver call that failed: op names the backend's
// operation ("cuda.MemAlloc"), name and desc are the status's name and description (desc may
// be empty) and detail, when not empty, says what the operation was doing.
func statusError(op, name, desc, detail string) *device.Error {
	msg := name
	if desc != "" {
		msg += " (" + desc + ")"
	}
	if detail != "" {
		msg += " " + detail
	}
	return &device.Error{Op: op, Msg: msg}
}

// The codes that kernels leave in the device's error flag (kernels/common.cuh) for bad data,
// with the operation they belong to. The messages match the CPU backend's.
const (
	errIndexSelect = 1
	errGather      = 2
	errScatterAdd  = 3
	errIndexAdd    = 4
	errDivZero     = 5
	errNegPow      = 6
)

// flagError returns the *tensor.Error for a code a kernel flagged, with the offending value
// and the limit it broke.
func flagError(code, value, limit int64) *device.Error {
	index := func(op string) *device.Error {
		return &device.Error{Op: op, Msg: fmt.Sprintf("index %d out of range for dimension of size %d", value, limit)}
	}
	switch code {
	case errIndexSelect:
		return index("tensor.IndexSelect")
	case errGather:
		return index("tensor.Gather")
	case errScatterAdd:
		return index("tensor.ScatterAdd")
	case errIndexAdd:
		return index("tensor.IndexAdd")
	case errDivZero:
		return &device.Error{Op: "tensor.Div", Msg: "integer division by zero"}
	case errNegPow:
		return &device.Error{Op: "tensor.Pow", Msg: fmt.Sprintf("integers to negative integer powers are not allowed (exponent %d)", value)}
	}
	return &device.Error{Op: "cuda.Sync", Msg: fmt.Sprintf("a kernel flagged unknown error code %d (value %d, limit %d)", code, value, limit)}
}

// formatBytes prints a byte count with a binary unit: 4.0 GiB.
func formatBytes(b int64) string {
	const units = "KMGTPE"
	if b < 1024 {
		return strconv.FormatInt(b, 10) + " B"
	}
	f := float64(b)
	i := -1
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, units[i])
}

// raise panics with err as a *tensor.Error: the error itself when it is one (or wraps one),
// an error of op otherwise.
func raise(op string, err error) {
	var e *device.Error
	if errors.As(err, &e) {
		panic(&device.Error{Op: e.Op, Msg: e.Msg})
	}
	panic(&device.Error{Op: op, Msg: err.Error()})
}
