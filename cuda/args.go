package cuda

import (
	"math"

	"github.com/godl/godl/tensor/device"
)

// Kernel arguments. Every kernel takes one struct of 8-byte fields (kernels/*.cu); the host
// packs its fields in order as 64-bit words, and cuLaunchKernel copies the words when the
// kernel is queued. kernels_test.go checks each struct's size against the PTX.

// argWords is a kernel's argument struct being packed.
type argWords []uint64

func (w *argWords) int(v int)         { *w = append(*w, uint64(int64(v))) }
func (w *argWords) int64(v int64)     { *w = append(*w, uint64(v)) }
func (w *argWords) uint64(v uint64)   { *w = append(*w, v) }
func (w *argWords) float64(v float64) { *w = append(*w, math.Float64bits(v)) }
func (w *argWords) desc(s space)      { s.words(w) }
func (w *argWords) bool(v bool)       { w.int(b2i(v)) }
func (w *argWords) ptr(p uint64, off int, dt device.DType) {
	w.uint64(p + uint64(off*dt.Size()))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dtypeSuffix is the suffix of a kernel's name for a dtype: unary_f32, copy_i64_f64.
func dtypeSuffix(dt device.DType) string {
	return device.ByDType(dt, "f32", "f64", "i64")
}

// fillBits returns the bits of v converted to dt as Go converts it (the CPU backend's Fill),
// for the fill_b32 and fill_b64 kernels.
func fillBits(dt device.DType, v float64) uint64 {
	switch dt {
	case device.Float32:
		return uint64(math.Float32bits(float32(v)))
	case device.Float64:
		return math.Float64bits(v)
	}
	return uint64(int64(v))
}

// The sizes of the argument structs, in words (kernels_test.go compares them with the PTX).
const (
	fillArgsWords    = descWords + 2
	copyArgsWords    = descWords + 2
	unaryArgsWords   = descWords + 5
	binaryArgsWords  = descWords + 5
	whereArgsWords   = descWords + 4
	reduceArgsWords  = 2*descWords + 6
	softmaxArgsWords = descWords + 6
	indexCheckWords  = descWords + 4
	indexArgsWords   = descWords + 7
	randomArgsWords  = descWords + 7
	matmulArgsWords  = descWords + 6
	rnnArgsWords     = 3 + 14*4
	sgdArgsWords     = 1 + 3 + 4 + 3 // n, 3 operands, 4 scalars, 3 flags (optim.cu)
	adamArgsWords    = 1 + 5 + 9 + 2
	rmspropArgsWords = 1 + 5 + 6 + 1
	adagradArgsWords = 1 + 3 + 3 + 1
)
