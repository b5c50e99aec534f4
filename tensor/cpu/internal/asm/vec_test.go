package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// atLevel runs f with the kernels of level l (the pure-Go twins for Generic); it reports
// false, running nothing, when the CPU lacks l.
func atLevel(l Level, f func()) bool {
	detected := best
	if l > detected {
		return false
	}
	best = l
	defer func() { best = detected }()
	f()
	return true
}

// vecKernel is one vector kernel under test, called through its exported function.
type vecKernel struct {
	name string
	run  func(dst, x, y []float32, c float32) // y and c as the kernel takes them
}

var vecKernels = []vecKernel{
	{"Add", func(d, x, y []float32, _ float32) { AddF32(d, x, y) }},
	{"Sub", func(d, x, y []float32, _ float32) { SubF32(d, x, y) }},
	{"Mul", func(d, x, y []float32, _ float32) { MulF32(d, x, y) }},
	{"Div", func(d, x, y []float32, _ float32) { DivF32(d, x, y) }},
	{"AddScalar", func(d, x, _ []float32, c float32) { AddScalarF32(d, x, c) }},
	{"SubScalar", func(d, x, _ []float32, c float32) { SubScalarF32(d, x, c) }},
	{"RSubScalar", func(d, x, _ []float32, c float32) { RSubScalarF32(d, x, c) }},
	{"MulScalar", func(d, x, _ []float32, c float32) { MulScalarF32(d, x, c) }},
	{"DivScalar", func(d, x, _ []float32, c float32) { DivScalarF32(d, x, c) }},
	{"RDivScalar", func(d, x, _ []float32, c float32) { RDivScalarF32(d, x, c) }},
	{"Axpy", func(d, x, y []float32, c float32) { copy(d, y); AxpyF32(c, x, d) }},
	{"ReLU", func(d, x, _ []float32, _ float32) { ReLUF32(d, x) }},
	{"Exp", func(d, x, _ []float32, _ float32) { ExpF32(d, x) }},
	{"ExpSub", func(d, x, _ []float32, c float32) { ExpSubF32(d, x, c) }},
	{"Sigmoid", func(d, x, _ []float32, _ float32) { SigmoidF32(d, x) }},
	{"Tanh", func(d, x, _ []float32, _ float32) { TanhF32(d, x) }},
	{"Log", func(d, x, _ []float32, _ float32) { LogF32(d, x) }},
	{"GELU", func(d, x, _ []float32, _ float32) { GELUF32(d, x) }},
	{"Sum", func(d, x, _ []float32, _ float32) { d[0] = float32(SumF32(x[:len(x)-1])) }},
	{"Max", func(d, x, _ []float32, _ float32) { d[0] = MaxF32(x[:len(x)-1]) }},
}

// TestVecKernelsMatchTheirTwins runs every vector kernel at every level the CPU has against
// its pure-Go twin, bit for bit (NaN matching NaN), on random lengths 0..300 at unaligned
// offsets, with NaN guard bands around the output; the inputs mix ordinary values with
// hostile ones (denormals, zeros, infinities, the extremes, NaN).
func TestVecKernelsMatchTheirTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, k := range vecKernels {
		for iter := range 300 {
			n := r.IntN(301)
			if iter < 40 {
				n = iter // every short length, through the tails
			}
			offD, offX, offY := r.IntN(16), r.IntN(16), r.IntN(16)
			hostileOnes := iter%3 == 0
			draw := func(int) float32 {
				if hostileOnes {
					return hostile(r)
				}
				return float32(r.NormFloat64() * 4)
			}
			if k.name == "Sum" || k.name == "Max" {
				n++ // the kernel reads n-1 elements and writes one
			}
			_, x := guarded(n, offX, draw)
			_, y := guarded(n, offY, draw)
			c := draw(0)
			var want []float32
			wantAll := []float32(nil)
			for _, l := range []Level{Generic, AVX2, AVX512} {
				all, d := guarded(n, offD, func(int) float32 { return float32(math.NaN()) })
				ran := atLevel(l, func() { k.run(d, x, y, c) })
				if !ran {
					continue
				}
				what := fmt.Sprintf("%s at %s, n=%d offsets %d,%d,%d", k.name, l, n, offD, offX, offY)
				if k.name == "Sum" || k.name == "Max" {
					checkGuards(t, all, offD, 1, what)
				} else {
					checkGuards(t, all, offD, n, what)
				}
				if want == nil {
					want, wantAll = d, all
					continue
				}
				for i := range want {
					if !sameBits(d[i], want[i]) {
						t.Fatalf("%s: element %d = %v (%#x), twin %v (%#x); input %v", what, i, d[i], math.Float32bits(d[i]), want[i], math.Float32bits(want[i]), x[i])
					}
				}
			}
			_ = wantAll
		}
	}
}

// ulpDiff returns how many float32 values lie between got and want (0 when equal), treating
// the two signs as one number line; NaN against NaN is 0, NaN against a number is huge.
func ulpDiff(got, want float32) int64 {
	if got != got || want != want {
		if got != got && want != want {
			return 0
		}
		return math.MaxInt64
	}
	ord := func(x float32) int64 {
		b := int64(math.Float32bits(x))
		if b&(1<<31) != 0 {
			return -(b &^ (1 << 31))
		}
		return b
	}
	d := ord(got) - ord(want)
	if d < 0 {
		d = -d
	}
	return d
}

// accuracyInputs returns n inputs spread over [lo, hi] (uniformly in value and in bit
// pattern), with the extremes, zeros, denormals, infinities and NaN.
func accuracyInputs(r *rand.Rand, n int, lo, hi float32) []float32 {
	xs := []float32{0, float32(math.Copysign(0, -1)), lo, hi, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.Float32frombits(1), math.Float32frombits(0x807fffff), math.MaxFloat32, -math.MaxFloat32}
	for len(xs) < n {
		switch r.IntN(3) {
		case 0:
			xs = append(xs, lo+(hi-lo)*r.Float32())
		case 1:
			v := math.Float32frombits(r.Uint32())
			if v >= lo && v <= hi {
				xs = append(xs, v)
			}
		default:
			xs = append(xs, math.Float32frombits(r.Uint32()&0x807fffff)) // denormals
		}
	}
	return xs
}

// maxUlp applies f (through a kernel) to xs and returns the largest error in ulps against
// ref computed in float64 and rounded once, and the input where it happens.
func maxUlp(xs []float32, kernel func(dst, x []float32), ref func(float64) float64) (worst int64, at float32) {
	got := make([]float32, len(xs))
	kernel(got, xs)
	for i, x := range xs {
		want := float32(ref(float64(x)))
		if d := ulpDiff(got[i], want); d > worst {
			worst, at = d, x
		}
	}
	return worst, at
}

func accuracyCount() int {
	if testing.Short() {
		return 300_000
	}
	return 3_000_000
}

func TestExpF32Accuracy(t *testing.T) {
	xs := accuracyInputs(rand.New(rand.NewPCG(21, 22)), accuracyCount(), -110, 95)
	worst, at := maxUlp(xs, ExpF32, math.Exp)
	t.Logf("exp: max error %d ulp at %v", worst, at)
	assert.LessOrEqual(t, worst, int64(1), "at %v", at)
}

func TestSigmoidF32Accuracy(t *testing.T) {
	xs := accuracyInputs(rand.New(rand.NewPCG(23, 24)), accuracyCount(), -88, 40)
	worst, at := maxUlp(xs, SigmoidF32, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) })
	t.Logf("sigmoid: max error %d ulp at %v", worst, at)
	assert.LessOrEqual(t, worst, int64(2), "at %v", at)
	// Below -88.7 the result is 0 where the true value is a denormal.
	d := []float32{0}
	SigmoidF32(d, []float32{-100})
	assert.Equal(t, float32(0), d[0])
}

func TestTanhF32Accuracy(t *testing.T) {
	xs := accuracyInputs(rand.New(rand.NewPCG(25, 26)), accuracyCount(), -20, 20)
	worst, at := maxUlp(xs, TanhF32, math.Tanh)
	t.Logf("tanh: max error %d ulp at %v", worst, at)
	assert.LessOrEqual(t, worst, int64(1), "at %v", at)
}

func TestLogF32Accuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	xs := accuracyInputs(r, accuracyCount(), 0, math.MaxFloat32)
	for i := range 200_000 { // near 1, where ln x is small
		xs = append(xs, 1+float32(i-100_000)*0x1p-20)
	}
	worst, at := maxUlp(xs, LogF32, math.Log)
	t.Logf("log: max error %d ulp at %v", worst, at)
	assert.LessOrEqual(t, worst, int64(1), "at %v", at)
	d := make([]float32, 4)
	LogF32(d, []float32{-1, float32(math.Copysign(0, -1)), float32(math.Inf(1)), 1})
	assert.True(t, d[0] != d[0], "ln(-1) is NaN")
	assert.Equal(t, []float32{float32(math.Inf(-1)), float32(math.Inf(1)), 0}, d[1:])
}

func TestGELUF32Accuracy(t *testing.T) {
	xs := accuracyInputs(rand.New(rand.NewPCG(29, 30)), accuracyCount(), -20, 20)
	gelu := func(x float64) float64 { return 0.5 * x * math.Erfc(-x/math.Sqrt2) }
	got := make([]float32, len(xs))
	GELUF32(got, xs)
	var worstPos, worstNeg int64
	var worstAbs float64
	for i, x := range xs {
		want := float32(gelu(float64(x)))
		d := ulpDiff(got[i], want)
		if x != x || math.IsInf(float64(x), 0) {
			continue
		}
		if x >= 0 {
			worstPos = max(worstPos, d)
		} else if x > -3 {
			worstNeg = max(worstNeg, d)
		}
		worstAbs = max(worstAbs, math.Abs(float64(got[i])-gelu(float64(x)))/max(1, math.Abs(float64(x))))
	}
	t.Logf("gelu: max error %d ulp for x ≥ 0, %d ulp for -3 < x < 0, absolute %.3g·max(1, |x|) everywhere", worstPos, worstNeg, worstAbs)
	assert.LessOrEqual(t, worstPos, int64(6))
	assert.LessOrEqual(t, worstNeg, int64(7))
	assert.LessOrEqual(t, worstAbs, 2e-7)
	d := make([]float32, 3)
	GELUF32(d, []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())})
	assert.Equal(t, float32(math.Inf(1)), d[0])
	assert.True(t, d[1] != d[1] && d[2] != d[2])
}

func TestReLUKeepsSignedZeroAndNaN(t *testing.T) {
	x := []float32{-1, float32(math.Copysign(0, -1)), 0, 2, float32(math.NaN()), float32(math.Inf(-1))}
	d := make([]float32, len(x))
	ReLUF32(d, x)
	assert.Equal(t, []float32{0, 0, 0, 2}, d[:4])
	assert.True(t, math.Signbit(float64(d[1])), "relu(-0) = -0")
	assert.True(t, d[4] != d[4])
	assert.Equal(t, float32(0), d[5])
}

func TestSumAndMaxF32(t *testing.T) {
	x := make([]float32, 1000)
	for i := range x {
		x[i] = float32(i)
	}
	assert.Equal(t, 499500.0, SumF32(x))
	assert.Equal(t, float32(999), MaxF32(x))
	x[500] = float32(math.NaN())
	assert.True(t, math.IsNaN(float64(MaxF32(x))))
	assert.Equal(t, float32(math.Inf(-1)), MaxF32(nil))
	assert.Equal(t, 0.0, SumF32(nil))
	require.Panics(t, func() { AddF32(make([]float32, 3), x[:3], x[:2]) })
}

// TestAdamF32MatchesItsTwin runs AdamF32 at every level the CPU has against its pure-Go twin,
// bit for bit, on random lengths 0..300 at unaligned offsets with NaN guard bands around the
// three outputs (p, m, v), over every combination of the options.
func TestAdamF32MatchesItsTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for iter := range 600 {
		n := r.IntN(301)
		if iter < 40 {
			n = iter
		}
		hostileOnes := iter%3 == 0
		draw := func(int) float32 {
			if hostileOnes {
				return hostile(r)
			}
			return float32(r.NormFloat64())
		}
		pos := func(int) float32 { // second moments are not negative, but for hostile inputs
			if hostileOnes {
				return hostile(r)
			}
			return float32(r.ExpFloat64())
		}
		b1, b2 := float32(0.9), float32(0.999)
		c := AdamConsts{B1: b1, OM1: 1 - b1, B2: b2, OM2: 1 - b2, Eps: 1e-8, BC2: float32(r.Float64()),
			StepNeg: -float32(r.Float64() * 1e-2), Decay: 1, Maximize: iter&1 != 0}
		switch iter / 2 % 3 {
		case 1:
			c.Decay = 1 - float32(r.Float64()*1e-3)
		case 2:
			c.WD = float32(r.Float64() * 1e-2)
		}
		offs := [4]int{r.IntN(16), r.IntN(16), r.IntN(16), r.IntN(16)}
		_, p0 := guarded(n, offs[0], draw)
		_, g := guarded(n, offs[1], draw)
		_, m0 := guarded(n, offs[2], draw)
		_, v0 := guarded(n, offs[3], pos)
		var want [3][]float32
		for _, l := range []Level{Generic, AVX2, AVX512} {
			pa, p := guarded(n, offs[0], func(i int) float32 { return p0[i] })
			ma, m := guarded(n, offs[2], func(i int) float32 { return m0[i] })
			va, v := guarded(n, offs[3], func(i int) float32 { return v0[i] })
			if !atLevel(l, func() { AdamF32(p, g, m, v, c) }) {
				continue
			}
			what := fmt.Sprintf("Adam at %s, n=%d, offsets %v, %+v", l, n, offs, c)
			checkGuards(t, pa, offs[0], n, what+" (p)")
			checkGuards(t, ma, offs[2], n, what+" (m)")
			checkGuards(t, va, offs[3], n, what+" (v)")
			if want[0] == nil {
				want = [3][]float32{p, m, v}
				continue
			}
			for k, got := range [3][]float32{p, m, v} {
				for i := range got {
					if !sameBits(got[i], want[k][i]) {
						t.Fatalf("%s: output %d element %d = %v (%#x), twin %v (%#x); p %v g %v m %v v %v", what, k, i,
							got[i], math.Float32bits(got[i]), want[k][i], math.Float32bits(want[k][i]), p0[i], g[i], m0[i], v0[i])
					}
				}
			}
		}
	}
}

// TestLSTMBackF32MatchesItsTwin runs LSTMBackF32 at every level the CPU has against its pure-Go
// twin, bit for bit, on random lengths 0..300 and strides at unaligned offsets, with NaN
// guard bands around dcp and around and between the gradients' gate rows; some cases write
// the gradients over the gates and dcp over dc, as the CPU backend's cell may.
func TestLSTMBackF32MatchesItsTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for iter := range 600 {
		n := r.IntN(301)
		if iter < 40 {
			n = iter
		}
		stride := n + r.IntN(3)*r.IntN(20)
		hostileOnes := iter%3 == 0
		draw := func(int) float32 {
			if hostileOnes {
				return hostile(r)
			}
			return float32(r.NormFloat64())
		}
		gate := func(int) float32 { // activations lie in [0, 1] or [-1, 1]
			if hostileOnes {
				return hostile(r)
			}
			return float32(r.Float64()*2 - 1)
		}
		inPlace := iter%4 == 1
		offs := [7]int{r.IntN(16), r.IntN(16), r.IntN(16), r.IntN(16), r.IntN(16), r.IntN(16), r.IntN(16)}
		_, gates := guarded(3*stride+n, offs[0], gate)
		_, dh := guarded(n, offs[1], draw)
		_, tc := guarded(n, offs[2], gate)
		_, cp := guarded(n, offs[3], draw)
		_, dc := guarded(n, offs[4], draw)
		var want [2][]float32
		for _, l := range []Level{Generic, AVX2, AVX512} {
			dga, dg := guarded(3*stride+n, offs[5], func(int) float32 { return float32(math.NaN()) })
			dcpa, dcp := guarded(n, offs[6], func(int) float32 { return float32(math.NaN()) })
			gs, dcs := gates, dc
			if inPlace {
				copy(dg, gates)
				copy(dcp, dc)
				gs, dcs = dg, dcp
			}
			if !atLevel(l, func() { LSTMBackF32(dg, gs, stride, dh, tc, cp, dcs, dcp) }) {
				continue
			}
			what := fmt.Sprintf("LSTMBack at %s, n=%d stride %d, offsets %v, in place %v", l, n, stride, offs, inPlace)
			checkGuards(t, dcpa, offs[6], n, what+" (dcp)")
			for i, x := range dga {
				j := i - guard - offs[5]
				if (stride == 0 || j < 0 || j >= 3*stride+n || j%stride >= n) && x == x && !inPlace {
					t.Fatalf("%s: dgates element %d outside the output written (%v)", what, j, x)
				}
			}
			if want[0] == nil {
				want = [2][]float32{dg, dcp}
				continue
			}
			for k, got := range [2][]float32{dg, dcp} {
				for i := range got {
					if !sameBits(got[i], want[k][i]) {
						t.Fatalf("%s: output %d element %d = %v (%#x), twin %v (%#x)", what, k, i,
							got[i], math.Float32bits(got[i]), want[k][i], math.Float32bits(want[k][i]))
					}
				}
			}
		}
	}
	require.Panics(t, func() {
		LSTMBackF32(make([]float32, 7), make([]float32, 7), 1, make([]float32, 2), make([]float32, 2), make([]float32, 2), make([]float32, 2), make([]float32, 2))
	})
}
