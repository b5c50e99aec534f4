// Package cudatest gives tests a CUDA device to run on: the GPU when the machine has one, and
// otherwise the emulated driver and cuBLAS of package cuda (cuda/emu), built from the same
// kernel sources for the host, so that tests of every package run through the CUDA backend
// everywhere. It needs the cuda build tag and cgo; without them it is empty.
//
//	//go:build cuda && cgo
//
//	func TestOnCUDA(t *testing.T) {
//		dev := cudatest.Device(t) // the GPU, or the emulator
//		...
//	}
package cudatest
