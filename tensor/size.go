package tensor

import (
	"math"
	"math/bits"
)

// Size arithmetic. Every size, stride, offset and element count the package computes from
// caller input goes through these helpers, so none of them wraps around: a shape whose sizes
// multiply past the int range is refused with an *Error before anything is allocated or
// viewed. The rule is in the package documentation under "Sizes".

// mulSize returns a*b for non-negative a and b, with ok=false if the product does not fit in
// an int.
func mulSize(a, b int) (int, bool) {
	hi, lo := bits.Mul(uint(a), uint(b))
	if hi != 0 || lo > math.MaxInt {
		return 0, false
	}
	return int(lo), true
}

// addSize returns a+b for non-negative a and b, with ok=false if the sum does not fit in an
// int.
func addSize(a, b int) (int, bool) {
	s := a + b
	if s < a {
		return 0, false
	}
	return s, true
}

// shapeNumel returns the number of elements of shape (the product of its sizes, 1 for a
// scalar) and whether shape is valid: no size is negative and the product of max(size, 1)
// over its dimensions fits in an int. The max makes the rule cover empty shapes too, so the
// row-major strides of every valid shape fit in an int.
func shapeNumel(shape []int) (n int, ok bool) {
	n, span := 1, 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if span, ok = mulSize(span, max(d, 1)); !ok {
			return 0, false
		}
		n *= d // cannot overflow: |n| <= span
	}
	return n, true
}

// shapeProblem says why shape is not valid, or returns "" when it is.
func shapeProblem(shape []int) string {
	for _, d := range shape {
		if d < 0 {
			return "negative dimension in shape " + shapeStr(shape)
		}
	}
	if _, ok := shapeNumel(shape); !ok {
		return "shape " + shapeStr(shape) + " is too large: its sizes multiply past the int range"
	}
	return ""
}

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

// mulSat returns a*b for non-negative a and b, or math.MaxInt if the product overflows: for
// work estimates, which are only compared with thresholds, a product past the int range
// simply counts as large.
func mulSat(a, b int) int {
	if p, ok := mulSize(a, b); ok {
		return p
	}
	return math.MaxInt
}
