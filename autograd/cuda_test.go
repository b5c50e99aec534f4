//go:build cuda && cgo

package autograd

import "github.com/godl/godl/cuda/cudatest"

// With the cuda tag, the device-parametrized tests (gradient checks, PyTorch fixtures,
// end-to-end models) also run on the CUDA backend: the GPU, or its emulator.
func init() { extraDevices = append(extraDevices, cudatest.Device) }
