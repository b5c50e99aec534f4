package asm

import "math"

// The vector kernels over contiguous float32 runs. Each is an exported function whose doc
// comment is its reference loop; the pure-Go twin (the *Go functions below) follows it to the
// bit and runs where the CPU has no vector kernel (and under -tags noasm). The slices must
// have the same length (they panic otherwise); dst may be x or y itself.
//
// fma(a, b, c) in the reference loops is a·b + c rounded once; float32 arithmetic rounds
// every step to float32, as Go's does.

// AddF32 is
//
//	for i := range dst { dst[i] = x[i] + y[i] }
func AddF32(dst, x, y []float32) {
	check3(dst, x, y)
	if !addF32Asm(dst, x, y) {
		for i := range dst {
			dst[i] = x[i] + y[i]
		}
	}
}

// SubF32 is
//
//	for i := range dst { dst[i] = x[i] - y[i] }
func SubF32(dst, x, y []float32) {
	check3(dst, x, y)
	if !subF32Asm(dst, x, y) {
		for i := range dst {
			dst[i] = x[i] - y[i]
		}
	}
}

// MulF32 is
//
//	for i := range dst { dst[i] = x[i] * y[i] }
func MulF32(dst, x, y []float32) {
	check3(dst, x, y)
	if !mulF32Asm(dst, x, y) {
		for i := range dst {
			dst[i] = x[i] * y[i]
		}
	}
}

// DivF32 is
//
//	for i := range dst { dst[i] = x[i] / y[i] }
func DivF32(dst, x, y []float32) {
	check3(dst, x, y)
	if !divF32Asm(dst, x, y) {
		for i := range dst {
			dst[i] = x[i] / y[i]
		}
	}
}

// AddScalarF32 is
//
//	for i := range dst { dst[i] = x[i] + c }
func AddScalarF32(dst, x []float32, c float32) {
	check2(dst, x)
	if !addScalarF32Asm(dst, x, c) {
		for i := range dst {
			dst[i] = x[i] + c
		}
	}
}

// SubScalarF32 is
//
//	for i := range dst { dst[i] = x[i] - c }
func SubScalarF32(dst, x []float32, c float32) {
	check2(dst, x)
	if !subScalarF32Asm(dst, x, c) {
		for i := range dst {
			dst[i] = x[i] - c
		}
	}
}

// RSubScalarF32 is
//
//	for i := range dst { dst[i] = c - x[i] }
func RSubScalarF32(dst, x []float32, c float32) {
	check2(dst, x)
	if !rsubScalarF32Asm(dst, x, c) {
		for i := range dst {
			dst[i] = c - x[i]
		}
	}
}

// MulScalarF32 is
//
//	for i := range dst { dst[i] = x[i] * c }
func MulScalarF32(dst, x []float32, c float32) {
	check2(dst, x)
	if !mulScalarF32Asm(dst, x, c) {
		for i := range dst {
			dst[i] = x[i] * c
		}
	}
}

// DivScalarF32 is
//
//	for i := range dst { dst[i] = x[i] / c }
func DivScalarF32(dst, x []float32, c float32) {
	check2(dst, x)
	if !divScalarF32Asm(dst, x, c) {
		for i := range dst {
			dst[i] = x[i] / c
		}
	}
}

// RDivScalarF32 is
//
//	for i := range dst { dst[i] = c / x[i] }
func RDivScalarF32(dst, x []float32, c float32) {
	check2(dst, x)
	if !rdivScalarF32Asm(dst, x, c) {
		for i := range dst {
			dst[i] = c / x[i]
		}
	}
}

// AxpyF32 is
//
//	for i := range y { y[i] = fma(a, x[i], y[i]) }
func AxpyF32(a float32, x, y []float32) {
	check2(y, x)
	if !axpyF32Asm(y, x, a) {
		for i := range y {
			y[i] = fma32(a, x[i], y[i])
		}
	}
}

// ReLUF32 is
//
//	for i := range dst { dst[i] = x[i]; if 0 > x[i] { dst[i] = 0 } }
//
// which keeps -0 and NaN, as torch.relu does.
func ReLUF32(dst, x []float32) {
	check2(dst, x)
	if !reluF32Asm(dst, x) {
		for i, v := range x[:len(dst)] {
			if 0 > v {
				v = 0
			}
			dst[i] = v
		}
	}
}

// ExpF32 is
//
//	for i := range dst { dst[i] = expF32Go(x[i]) }
//
// eˣ within 1 ulp (see expF32Go), overflowing to +Inf above 88.72 and to 0 below -103.97,
// with the denormal results between; NaN stays NaN.
func ExpF32(dst, x []float32) {
	check2(dst, x)
	if !expF32Asm(dst, x) {
		for i, v := range x[:len(dst)] {
			dst[i] = expF32Go(v)
		}
	}
}

// ExpSubF32 is
//
//	for i := range dst { dst[i] = expF32Go(x[i] - c) }
//
// the exponentials of a softmax row less its maximum.
func ExpSubF32(dst, x []float32, c float32) {
	check2(dst, x)
	if !expSubF32Asm(dst, x, c) {
		for i, v := range x[:len(dst)] {
			dst[i] = expF32Go(v - c)
		}
	}
}

// SigmoidF32 is
//
//	for i := range dst { dst[i] = 1 / (1 + expF32Go(-x[i])) }
//
// within 2 ulp of 1/(1+e⁻ˣ) (exp's error, then a rounded sum and quotient); below -88.7,
// where e⁻ˣ overflows, it returns 0 instead of a denormal (an absolute error under 1.2e-38).
func SigmoidF32(dst, x []float32) {
	check2(dst, x)
	if !sigmoidF32Asm(dst, x) {
		for i, v := range x[:len(dst)] {
			dst[i] = sigmoidF32Go(v)
		}
	}
}

// TanhF32 is
//
//	for i := range dst { dst[i] = tanhF32Go(x[i]) }
//
// within 1 ulp of tanh x (see tanhF32Go).
func TanhF32(dst, x []float32) {
	check2(dst, x)
	if !tanhF32Asm(dst, x) {
		for i, v := range x[:len(dst)] {
			dst[i] = tanhF32Go(v)
		}
	}
}

// LogF32 is
//
//	for i := range dst { dst[i] = logF32Go(x[i]) }
//
// ln x within 1 ulp (see logF32Go), denormals included; ln(±0) = -Inf, ln(+Inf) = +Inf, and
// NaN for negative x and NaN.
func LogF32(dst, x []float32) {
	check2(dst, x)
	if !logF32Asm(dst, x) {
		for i, v := range x[:len(dst)] {
			dst[i] = logF32Go(v)
		}
	}
}

// GELUF32 is
//
//	for i := range dst { dst[i] = geluF32Go(x[i]) }
//
// x·Φ(x), the exact (erf) GELU; see geluF32Go for its error.
func GELUF32(dst, x []float32) {
	check2(dst, x)
	if !geluF32Asm(dst, x) {
		for i, v := range x[:len(dst)] {
			dst[i] = geluF32Go(v)
		}
	}
}

// SumF32 returns the sum of x in float64, added in a fixed order whatever the instruction
// set:
//
//	var lanes [32]float64
//	for i, v := range x { lanes[i%32] += float64(v) }
//	for w := 16; w >= 1; w /= 2 {
//		for l := range w { lanes[l] += lanes[l+w] }
//	}
//	return lanes[0]
func SumF32(x []float32) float64 {
	var lanes [32]float64
	full := len(x) &^ 31
	if !sumF32Asm(x[:full], &lanes) {
		full = 0
	}
	for i, v := range x[full:] {
		lanes[(full+i)%32] += float64(v)
	}
	for w := 16; w >= 1; w /= 2 {
		for l := range w {
			lanes[l] += lanes[l+w]
		}
	}
	return lanes[0]
}

// MaxF32 returns the largest element of x, NaN if any is NaN, -Inf if x is empty:
//
//	lanes := [32]float32{-Inf, ...}
//	for i, v := range x { l := &lanes[i%32]; if !(*l > v) { *l = v } }
//	for w := 16; w >= 1; w /= 2 {
//		for l := range w { if !(lanes[l] > lanes[l+w]) { lanes[l] = lanes[l+w] } }
//	}
//	return lanes[0] (NaN if any element was NaN)
//
// Between +0 and -0 it returns whichever that order leaves.
func MaxF32(x []float32) float32 {
	var lanes [32]float32
	inf := float32(math.Inf(-1))
	for l := range lanes {
		lanes[l] = inf
	}
	full := len(x) &^ 31
	nan, ok := maxF32Asm(x[:full], &lanes)
	if !ok {
		full = 0
	}
	for i, v := range x[full:] {
		l := &lanes[(full+i)%32]
		if !(*l > v) {
			*l = v
		}
		if v != v {
			nan = true
		}
	}
	if nan {
		return float32(math.NaN())
	}
	for w := 16; w >= 1; w /= 2 {
		for l := range w {
			if !(lanes[l] > lanes[l+w]) {
				lanes[l] = lanes[l+w]
			}
		}
	}
	return lanes[0]
}

// AdamConsts are the scalars of one Adam or AdamW step in float32, as AdamF32 takes them.
type AdamConsts struct {
	B1, OM1 float32 // β₁ and 1-β₁
	B2, OM2 float32 // β₂ and 1-β₂
	Eps     float32 // ε
	BC2     float32 // √(1-β₂ᵗ), the second moment's bias correction
	StepNeg float32 // -lr/(1-β₁ᵗ)
	// Decay multiplies the parameter first: 1-lr·wd for AdamW's decoupled weight decay, 1
	// for none (a product with 1 changes no value).
	Decay float32
	// WD is the coupled weight decay, wd·p added to the gradient; 0 leaves the term out
	// (adding 0·p would turn -0 into +0, and an infinite p into NaN).
	WD       float32
	Maximize bool // ascend: the gradient negated
}

// The constants of Adam's kernels by index in the array they take (gen/stream.go has the
// same).
const (
	adamSign  = iota // -0 to negate the gradient (maximize), +0 to keep it
	adamDecay        // AdamConsts.Decay
	adamWD           // AdamConsts.WD (adamWDF32 only)
	adamB1
	adamOM1
	adamB2
	adamOM2
	adamEps
	adamBC2
	adamStep
	adamK
)

// AdamF32 is one Adam (or AdamW) step over a float32 parameter p with gradient g and
// moments m and v, without AMSGrad:
//
//	for i := range p {
//		gi, pi := g[i], float32(p[i]*c.Decay)
//		if c.Maximize { gi = -gi }
//		if c.WD != 0 { gi += float32(c.WD * pi) }
//		mi := float32(m[i]*c.B1) + float32(c.OM1*gi)
//		vi := float32(v[i]*c.B2) + float32(float32(c.OM2*gi)*gi)
//		m[i], v[i] = mi, vi
//		denom := float32(float32(math.Sqrt(float64(vi)))/c.BC2) + c.Eps
//		p[i] = pi + float32(float32(c.StepNeg*mi)/denom)
//	}
//
// Every product is rounded before it is added (never fused), and the float64 square root
// rounded to float32 is float32's correctly rounded one (VSQRTPS): the roundings of the CPU
// backend's Adam loop, to the bit.
func AdamF32(p, g, m, v []float32, c AdamConsts) {
	check2(p, g)
	check3(p, m, v)
	k := [adamK]float32{adamDecay: c.Decay, adamWD: c.WD, adamB1: c.B1, adamOM1: c.OM1, adamB2: c.B2, adamOM2: c.OM2,
		adamEps: c.Eps, adamBC2: c.BC2, adamStep: c.StepNeg}
	if c.Maximize {
		k[adamSign] = float32(math.Copysign(0, -1))
	}
	var ran bool
	if c.WD != 0 {
		ran = adamWDF32Asm(p, g, m, v, &k)
	} else {
		ran = adamF32Asm(p, g, m, v, &k)
	}
	if !ran {
		adamF32Go(p, g, m, v, &c)
	}
}

func adamF32Go(p, g, m, v []float32, c *AdamConsts) {
	b1, om1, b2, om2, eps, bc2, step, decay, wd := c.B1, c.OM1, c.B2, c.OM2, c.Eps, c.BC2, c.StepNeg, c.Decay, c.WD
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi, pi := g[i], float32(p[i]*decay)
		if c.Maximize {
			gi = -gi
		}
		if wd != 0 {
			gi += float32(wd * pi)
		}
		mi := float32(m[i]*b1) + float32(om1*gi)
		vi := float32(v[i]*b2) + float32(float32(om2*gi)*gi)
		m[i], v[i] = mi, vi
		denom := float32(float32(math.Sqrt(float64(vi)))/bc2) + eps
		p[i] = pi + float32(float32(step*mi)/denom)
	}
}

// LSTMBackF32 is the LSTM cell's backward over the n = len(dh) elements of a row, with the
// gate activations i, f, g, o at gates[j], gates[s+j], gates[2s+j], gates[3s+j] (s = stride,
// at least n) and their gradients written at the same places of dgates; tc is tanh of the
// cell state, cp the previous cell state, dc the cell state's gradient from above and dcp
// receives the previous cell state's:
//
//	for j := range dh {
//		i, f, g, o := gates[j], gates[s+j], gates[2*s+j], gates[3*s+j]
//		d, t := dh[j], tc[j]
//		dO := d * t
//		dcT := dc[j] + float32(float32(d*o)*float32(1-float32(t*t)))
//		dgates[j] = float32(float32(dcT*g)*i) * float32(1-i)
//		dgates[s+j] = float32(float32(dcT*cp[j])*f) * float32(1-f)
//		dgates[2*s+j] = float32(dcT*i) * float32(1-float32(g*g))
//		dgates[3*s+j] = float32(dO*o) * float32(1-o)
//		dcp[j] = dcT * f
//	}
//
// Every product is rounded before it is added (never fused). Each element reads all its
// inputs before it writes, so the outputs may alias inputs at the same places (dgates the
// gates, dcp dc or cp).
func LSTMBackF32(dgates, gates []float32, stride int, dh, tc, cp, dc, dcp []float32) {
	n := len(dh)
	check3(dh, tc, cp)
	check3(dh, dc, dcp)
	if stride < n || len(gates) < 3*stride+n || len(dgates) < 3*stride+n {
		panic("asm: LSTMBackF32's gates are short or overlap") // not a caller bug: a broken internal contract
	}
	if !lstmBackF32Asm(dgates, gates, stride, dh, tc, cp, dc, dcp) {
		lstmBackF32Go(dgates, gates, stride, dh, tc, cp, dc, dcp)
	}
}

func lstmBackF32Go(dgates, gates []float32, s int, dh, tc, cp, dc, dcp []float32) {
	n := len(dh)
	gi, gf, gg, gO := gates[:n], gates[s:s+n], gates[2*s:2*s+n], gates[3*s:3*s+n]
	di, df, dg, dO := dgates[:n], dgates[s:s+n], dgates[2*s:2*s+n], dgates[3*s:3*s+n]
	tc, cp, dc, dcp = tc[:n], cp[:n], dc[:n], dcp[:n]
	for j, d := range dh {
		i, f, g, o, t := gi[j], gf[j], gg[j], gO[j], tc[j]
		do := d * t
		dcT := dc[j] + float32(float32(d*o)*float32(1-float32(t*t)))
		di[j] = float32(float32(dcT*g)*i) * float32(1-i)
		df[j] = float32(float32(dcT*cp[j])*f) * float32(1-f)
		dg[j] = float32(dcT*i) * float32(1-float32(g*g))
		dO[j] = float32(do*o) * float32(1-o)
		dcp[j] = dcT * f
	}
}

func check2(dst, x []float32) {
	if len(x) != len(dst) {
		panic("asm: vector lengths differ") // not a caller bug: a broken internal contract
	}
}

func check3(dst, x, y []float32) {
	if len(x) != len(dst) || len(y) != len(dst) {
		panic("asm: vector lengths differ") // not a caller bug: a broken internal contract
	}
}

// The constants of the approximations (the generator, gen/main.go, has the same).
const (
	expHi = float32(89)   // e⁸⁹ overflows: larger x give +Inf
	expLo = float32(-104) // e⁻¹⁰⁴ rounds to 0: smaller x give 0
	log2e = float32(1.44269504088896341)
	magic = float32(0x1.8p23) // adding it rounds to an integer
	// ln 2 in two parts: n·ln2Hi is exact for |n| < 2⁹.
	ln2Hi = float32(0.693359375)
	ln2Lo = float32(-2.12194440e-4)
	// Cephes' minimax polynomial for (eᵗ - 1 - t)/t² on |t| ≤ ln2/2.
	expP0     = float32(1.9875691500e-4)
	expP1     = float32(1.3981999507e-3)
	expP2     = float32(8.3334519073e-3)
	expP3     = float32(4.1665795894e-2)
	expP4     = float32(1.6666665459e-1)
	expP5     = float32(5.0000001201e-1)
	tanhSmall = float32(0.55) // below, tanh's series; above, its form through exp
	sqrt2     = float32(1.41421356237309505)
)

// The erfc of Numerical Recipes (erfcc: t·exp(-z² - 1.26551223 + t·P(t)) with
// t = 1/(1 + z/2), fractional error below 1.2e-7 for every z ≥ 0).
const (
	geluW  = float32(0.353553390593273762) // 1/(2√2): z/2 = |x|·geluW for z = |x|/√2
	geluC0 = float32(-1.26551223)
)

var geluP = []float32{0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368}

// geluF32Go is x·Φ(x) = x·(1 - erfc(z)/2) for x ≥ 0 and x·erfc(z)/2 for x < 0, z = |x|/√2,
// with Numerical Recipes' erfc. exp(-z²) is taken as exp(-x²/2) of the rounded x², times
// (1 - the rounding error of x²/2), so that large |x| lose no accuracy to the square.
// GELU(+Inf) = +Inf, GELU(-Inf) = NaN (as x·Φ(x) computed plainly gives). Measured error
// (TestGELUF32Accuracy): at most 6 ulp for x ≥ 0 and 7 ulp for -3 < x < 0, and an absolute
// error below 2e-7·max(1, |x|) everywhere (far out on the negative side the result is a
// tiny fraction of x, and the error of erfc's approximation, 1.2e-7 of it, dominates).
func geluF32Go(x float32) float32 {
	ax := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	if ax > 15 { // exp(-15²/2) is 0 in float32; keeps x² finite (NaN stays)
		ax = 15
	}
	t := 1 / (float32(ax*geluW) + 1)
	p := geluP[0]
	for _, c := range geluP[1:] {
		p = fma32(p, t, c)
	}
	e2 := expF32Go(fma32(p, t, geluC0))
	h := ax * ax
	zl := fma32(ax, ax, -h) * 0.5
	e1 := expF32Go(h * -0.5)
	c := e1 * e2
	c = t * c
	c = fma32(-zl, c, c)
	c = c * 0.5
	var r float32
	if x < 0 {
		r = x * c
	} else {
		r = fma32(-x, c, x)
	}
	if x == float32(math.Inf(1)) {
		r = x
	}
	return r
}

// logP is Cephes' minimax polynomial for (ln(1+f) - f + f²/2)/f³ on -0.29 < f < 0.41.
var logP = []float32{7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1}

// logF32Go is ln x in float32: x = m·2ᵉ with √2/2 < m ≤ √2 (denormals scaled by 2²³ first),
// f = m - 1 exactly, ln(1+f) = f - f²/2 + f³·P(f), plus e·ln2 in two parts. Measured error:
// at most 1 ulp (TestLogF32Accuracy).
func logF32Go(x float32) float32 {
	xs, eadj := x, float32(0)
	if x < 0x1p-126 {
		xs, eadj = x*0x1p23, -23
	}
	b := math.Float32bits(xs)
	e := float32(int32(b>>23)) - 127 + eadj
	m := math.Float32frombits(b&0x007fffff | 0x3f800000)
	if m > sqrt2 {
		m, e = m*0.5, e+1
	}
	f := m - 1
	z := f * f
	p := logP[0]
	for _, c := range logP[1:] {
		p = fma32(p, f, c)
	}
	y := p * f * z
	y = fma32(e, ln2Lo, y)
	y = fma32(z, -0.5, y)
	r := f + y
	r = fma32(e, ln2Hi, r)
	switch {
	case x == float32(math.Inf(1)):
		return x
	case x == 0:
		return float32(math.Inf(-1))
	case !(x >= 0):
		return math.Float32frombits(0x7fc00000)
	}
	return r
}

// tanhQ is the Taylor series of (tanh x - x)/x³ in z = x², highest power first, to z⁷: on
// |x| < 0.55 the terms left out are below 3e-9.
var tanhQ = []float32{6404582.0 / 10854718875, -929569.0 / 638512875, 21844.0 / 6081075, -1382.0 / 155925, 62.0 / 2835, -17.0 / 315, 2.0 / 15, -1.0 / 3}

// expF32Go is eˣ in float32: x = n·ln2 + t with n = round(x·log2e) and |t| ≤ ln2/2 (t from
// two fused steps, exact but for the last rounding), eᵗ = 1 + t + t²·P(t), and the result
// scaled by 2ⁿ as 2^⌊n/2⌋·2^(n-⌊n/2⌋), so that denormal results and overflow round once.
// Measured error: at most 1 ulp (TestExpF32Accuracy).
func expF32Go(x float32) float32 {
	if x > expHi { // NaN fails both tests and stays
		x = expHi
	}
	if x < expLo {
		x = expLo
	}
	n := fma32(x, log2e, magic) - magic
	t := fma32(-n, ln2Hi, x)
	t = fma32(-n, ln2Lo, t)
	p := expP0
	for _, c := range [...]float32{expP1, expP2, expP3, expP4, expP5} {
		p = fma32(p, t, c)
	}
	p = fma32(t*t, p, t)
	p += 1
	ni := cvtt(n)
	n1 := ni >> 1
	n2 := ni - n1
	s1 := math.Float32frombits(uint32(n1+127) << 23)
	s2 := math.Float32frombits(uint32(n2+127) << 23)
	return p * s1 * s2
}

// cvtt converts like CVTTPS2DQ: truncation, and 0x80000000 for NaN and out-of-range values.
func cvtt(x float32) int32 {
	if !(x > -0x1p31 && x < 0x1p31) {
		return math.MinInt32
	}
	return int32(x)
}

func sigmoidF32Go(x float32) float32 {
	e := expF32Go(-x)
	return 1 / (e + 1)
}

// tanhF32Go is tanh x in float32: x + x·(x²·Q(x²)) for |x| < 0.55, 1 - 2/(e^(2|x|)+1) with
// the sign of x above. Measured error: at most 1 ulp (TestTanhF32Accuracy).
func tanhF32Go(x float32) float32 {
	ax := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	if ax < tanhSmall {
		z := x * x
		q := tanhQ[0]
		for _, c := range tanhQ[1:] {
			q = fma32(q, z, c)
		}
		return fma32(z*q, x, x)
	}
	e := expF32Go(ax + ax)
	r := 1 - 2/(e+1)
	return math.Float32frombits(math.Float32bits(r) | math.Float32bits(x)&(1<<31))
}
