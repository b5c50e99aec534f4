package device

import (
	"math"
	"strconv"
)

// Distribution names what the Random primitive draws.
type Distribution uint8

// The distributions, with the meaning of the parameters a and b.
const (
	// Uniform draws uniformly from [a, b); float dtypes.
	Uniform Distribution = iota
	// Normal draws from the normal distribution with mean a and standard deviation b; float
	// dtypes.
	Normal
	// Bernoulli draws 1 with probability a and 0 otherwise; any dtype.
	Bernoulli
	// NumDistributions is the number of distributions.
	NumDistributions
)

var distributionNames = [...]string{"Uniform", "Normal", "Bernoulli"}

// String returns the distribution's name, such as "Normal".
func (d Distribution) String() string {
	if int(d) < len(distributionNames) {
		return distributionNames[d]
	}
	return "Distribution(" + strconv.Itoa(int(d)) + ")"
}

// PerBlock returns how many elements of dtype dt one Philox block (four 32-bit words) serves:
// 4 for draws that take 32 bits (float32 Uniform, Bernoulli), 2 for those that take 64
// (float64 Uniform), 1 for Normal (two 53-bit uniforms, Box–Muller).
func (d Distribution) PerBlock(dt DType) int {
	switch {
	case d == Normal:
		return 1
	case d == Uniform && dt == Float64:
		return 2
	}
	return 4
}

// Blocks returns how many Philox blocks a draw of n elements of dtype dt takes.
func (d Distribution) Blocks(dt DType, n int) uint64 {
	k := d.PerBlock(dt)
	return uint64(n/k) + uint64(min(n%k, 1))
}

// RandomValue is the definition of the Random primitive, the reference every device's kernel
// follows: the value of the element in lane lane (0 <= lane < PerBlock) of a Philox block w,
// for dtype dt and parameters a, b, computed in float64 and then rounded to dt once.
//
//   - Uniform, float32: u = (w[lane] >> 8) · 2⁻²⁴; v = a + (b-a)·u rounded to float32, and if
//     that reaches b, the float32 just below b.
//   - Uniform, float64: u = ((w[2·lane]·2³² + w[2·lane+1]) >> 11) · 2⁻⁵³; v = a + (b-a)·u, and
//     if that reaches b, the float64 just below b.
//   - Normal: u₁ = ((w[0]·2³² + w[1]) >> 11 + 1) · 2⁻⁵³ in (0, 1], u₂ = ((w[2]·2³² + w[3]) >>
//     11) · 2⁻⁵³; v = a + b·√(-2 ln u₁)·cos(2π u₂).
//   - Bernoulli: v = 1 if w[lane] · 2⁻³² < a, else 0.
//
// Uniform and Bernoulli draws are exact, so every device gives the same bits; Normal goes
// through log, sqrt and cos, which a device may compute a unit in the last place apart.
func RandomValue(dist Distribution, dt DType, w [4]uint32, lane int, a, b float64) float64 {
	switch dist {
	case Uniform:
		if dt == Float64 {
			u := float64((uint64(w[2*lane])<<32|uint64(w[2*lane+1]))>>11) * 0x1p-53
			v := a + (b-a)*u
			if v >= b {
				v = math.Nextafter(b, a)
			}
			return v
		}
		u := float64(w[lane]>>8) * 0x1p-24
		v := float32(a + (b-a)*u)
		if float64(v) >= b {
			v = math.Nextafter32(float32(b), float32(a))
		}
		return float64(v)
	case Normal:
		u1 := float64((uint64(w[0])<<32|uint64(w[1]))>>11+1) * 0x1p-53
		u2 := float64((uint64(w[2])<<32|uint64(w[3]))>>11) * 0x1p-53
		return a + b*math.Sqrt(-2*math.Log(u1))*math.Cos(2*math.Pi*u2)
	case Bernoulli:
		if float64(w[lane])*0x1p-32 < a {
			return 1
		}
		return 0
	}
	Panicf("tensor.Random", "unknown distribution %s", dist)
	return 0
}
