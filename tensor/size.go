package tensor

import (
	"github.com/godl/godl/tensor/device"
	"github.com/godl/godl/tensor/internal/shapes"
)

// Size arithmetic. Every size, stride, offset and element count the package computes from
// caller input goes through these helpers, so none of them wraps around: a shape whose sizes
// multiply past the int range is refused with an *Error before anything is allocated or
// viewed. The rule is in the package documentation under "Sizes".

func mulSize(a, b int) (int, bool)            { return shapes.Mul(a, b) }
func addSize(a, b int) (int, bool)            { return shapes.Add(a, b) }
func shapeNumel(shape []int) (n int, ok bool) { return shapes.Numel(shape) }
func mulSat(a, b int) int                     { return shapes.MulSat(a, b) }

// shapeProblem says why shape is not valid, or returns "" when it is.
func shapeProblem(shape []int) string { return device.ShapeProblem(shape) }

// checkedNumel returns the number of elements of shape. It panics with an *Error for op if
// shape is not valid (see shapeNumel).
func checkedNumel(op string, shape []int) int {
	n, ok := shapeNumel(shape)
	if !ok {
		panicf(op, "%s", shapeProblem(shape))
	}
	return n
}

// checkedBytes returns the number of elements of shape, after checking that shape is valid
// and that its elements of dtype dt take a number of bytes that fits in an int. It panics
// with an *Error for op otherwise. Whether the device can hold that many bytes is the
// device's concern (Device.Alloc).
func checkedBytes(op string, dt DType, shape []int) int {
	n := checkedNumel(op, shape)
	if _, ok := mulSize(n, dt.Size()); !ok {
		panicf(op, "shape %s of %s is too large: its size in bytes overflows int", shapeStr(shape), dt)
	}
	return n
}

// allocChecked is alloc after checkedBytes: the way every operation allocates a tensor whose
// shape comes from its operands or arguments.
func allocChecked(op string, dev Device, dt DType, shape []int) *Tensor {
	checkedBytes(op, dt, shape)
	return alloc(dev, dt, shape)
}

// broadcastChecked returns the shape that a and b broadcast to. It panics with an *Error for
// op if they do not broadcast or if the result is not a valid shape.
func broadcastChecked(op string, a, b []int) []int {
	out, ok := broadcastShapes(a, b)
	if !ok {
		panicf(op, "shapes %s and %s do not broadcast", shapeStr(a), shapeStr(b))
	}
	if _, ok := shapeNumel(out); !ok {
		panicf(op, "shapes %s and %s broadcast to %s, whose sizes multiply past the int range", shapeStr(a), shapeStr(b), shapeStr(out))
	}
	return out
}
