package cuda

import (
	"github.com/godl/godl/tensor/device"
)

// ErrNotCompiled is the error of Open and of tensor.GetDevice("cuda") in a program built
// without CUDA support (without the cuda build tag, or without cgo).
var ErrNotCompiled error = &device.Error{Op: "cuda.Open", Msg: "CUDA support is not compiled in: build with -tags cuda and cgo enabled"}

// Info describes an open CUDA device.
type Info struct {
	Name              string    // the GPU's name, as the driver reports it
	Index             int       // its ordinal: the n of cuda:n
	ComputeCapability [2]int    // major and minor version, such as 9 0 for an H100 or H200
	Multiprocessors   int       // streaming multiprocessors
	TotalMemory       int64     // bytes of device memory
	DriverVersion     int       // the driver's CUDA version, as 1000·major + 10·minor
	Libraries         Libraries // the paths of the driver and cuBLAS that were loaded
}

func init() {
	device.Register("cuda", func(index int) (device.Device, error) { return Open(index) })
}
