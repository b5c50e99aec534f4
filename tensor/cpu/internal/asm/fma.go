package asm

import "math"

// fma32 returns x·y + z rounded once to float32, as the FMA instructions compute it.
//
// x·y is exact in float64 (24+24 bits of mantissa), and so is the error of the float64 sum
// (TwoSum); the sum is then rounded to odd (the last bit set when the sum was inexact), and
// rounding that to float32 is correctly rounded: float64 keeps more than 24+2 bits, which is
// what round-to-odd needs to make double rounding harmless.
//
// Rounding the float64 sum to float32 can only go wrong when that sum lies exactly halfway
// between two float32 values (rounding to float64 cannot cross such a midpoint, which float64
// represents, only land on it), or in float32's denormal range (an exact zero aside); elsewhere float32(s) is
// already right, which is the fast path.
func fma32(x, y, z float32) float32 {
	p := float64(x) * float64(y)
	w := float64(z)
	s := p + w
	if b := math.Float64bits(s); b&(1<<29-1) != 1<<28 && (b&(0x7ff<<52) >= (1023-125)<<52 || s == 0) {
		return float32(s)
	}
	return fma32Slow(p, w, s)
}

func fma32Slow(p, w, s float64) float32 {
	if s-s != 0 { // ±Inf or NaN: nothing to correct
		return float32(s)
	}
	bv := s - p
	e := (p - (s - bv)) + (w - bv)
	if e != 0 {
		b := math.Float64bits(s)
		if b&1 == 0 {
			// s is even and inexact: the odd neighbour on the side of the exact sum.
			if (e > 0) == (s > 0) {
				b++
			} else {
				b--
			}
			s = math.Float64frombits(b)
		}
	}
	return float32(s)
}
