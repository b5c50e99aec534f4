// Package shapes holds the overflow-checked size arithmetic that package tensor, its device
// contract and its backends share: no size, stride, offset or element count they compute from
// caller input wraps around.
package shapes

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Mul returns a*b for non-negative a and b, with ok=false if the product does not fit in an
// int.
func Mul(a, b int) (int, bool) {
	hi, lo := bits.Mul(uint(a), uint(b))
	if hi != 0 || lo > math.MaxInt {
		return 0, false
	}
	return int(lo), true
}

// Add returns a+b for non-negative a and b, with ok=false if the sum does not fit in an int.
func Add(a, b int) (int, bool) {
	s := a + b
	if s < a {
		return 0, false
	}
	return s, true
}

// MulSat returns a*b for non-negative a and b, or math.MaxInt if the product overflows: for
// work estimates, which are only compared with thresholds, a product past the int range
// simply counts as large.
func MulSat(a, b int) int {
	if p, ok := Mul(a, b); ok {
		return p
	}
	return math.MaxInt
}

// Numel returns the number of elements of shape (the product of its sizes, 1 for a scalar)
// and whether shape is valid: no size is negative and the product of max(size, 1) over its
// dimensions fits in an int. The max makes the rule cover empty shapes too, so the row-major
// strides of every valid shape fit in an int.
func Numel(shape []int) (n int, ok bool) {
	n, span := 1, 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if span, ok = Mul(span, max(d, 1)); !ok {
			return 0, false
		}
		n *= d // cannot overflow: |n| <= span
	}
	return n, true
}

// Str formats a shape (or strides) the way error messages show them: [2 3].
func Str(shape []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(d))
	}
	b.WriteByte(']')
	return b.String()
}
