package asm

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guard is the number of NaN elements kept on each side of a kernel's output, and around its
// inputs, to catch reads and writes out of bounds (gonum's guard-band habit).
const guard = 17

// guarded returns a slice of n elements at an offset of off within a buffer whose other
// elements, guard of them on each side, are NaN; fill sets the n elements.
func guarded[T float32 | float64](n, off int, fill func(i int) T) (all, in []T) {
	all = make([]T, off+n+guard+guard)
	for i := range all {
		all[i] = T(math.NaN())
	}
	in = all[guard+off : guard+off+n]
	for i := range in {
		in[i] = fill(i)
	}
	return all, in
}

// checkGuards fails unless every element of all outside in[0:n] is still NaN.
func checkGuards[T float32 | float64](t *testing.T, all []T, off, n int, what string) {
	t.Helper()
	for i, v := range all {
		if i >= guard+off && i < guard+off+n {
			continue
		}
		if v == v {
			t.Fatalf("%s: element %d outside the output written (%v)", what, i-guard-off, v)
		}
	}
}

// sameBits reports whether two floats are the same value: equal bits, or both NaN.
func sameBits[T float32 | float64](x, y T) bool {
	if x != x || y != y {
		return x != x && y != y
	}
	switch v := any(x).(type) {
	case float32:
		return math.Float32bits(v) == math.Float32bits(any(y).(float32))
	default:
		return math.Float64bits(any(x).(float64)) == math.Float64bits(any(y).(float64))
	}
}

// hostile returns a float32 drawn to exercise the edges: ordinary values of every magnitude,
// denormals, zeros of both signs, infinities, the largest values and NaN.
func hostile(r *rand.Rand) float32 {
	switch r.IntN(16) {
	case 0:
		return math.Float32frombits(r.Uint32() & 0x807fffff) // denormal or ±0
	case 1:
		return float32(math.Inf(1 - 2*r.IntN(2)))
	case 2:
		return float32(math.NaN())
	case 3:
		return math.Float32frombits(r.Uint32()&0x80000000 | 0x7f7fffff - r.Uint32N(1000))
	case 4, 5, 6, 7:
		return math.Float32frombits(r.Uint32()) // any bits
	}
	return float32(r.NormFloat64())
}

// TestFMA32IsCorrectlyRounded checks the pure-Go float32 FMA against x·y + z computed exactly
// with math/big and rounded once, on millions of operands including the extremes.
func TestFMA32IsCorrectlyRounded(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 2_000_000
	if testing.Short() {
		n = 200_000
	}
	exact := new(big.Float).SetPrec(400)
	prod := new(big.Float).SetPrec(400)
	bz := new(big.Float).SetPrec(400)
	for i := range n {
		x, y, z := hostile(r), hostile(r), hostile(r)
		if i%3 == 0 { // close to cancelling, where double rounding would show
			x, y = float32(r.NormFloat64()), float32(r.NormFloat64())
			z = -x * y * (1 + float32(r.NormFloat64())*0x1p-20)
		}
		got := fma32(x, y, z)
		var want float32
		switch {
		case isNaN32(x) || isNaN32(y) || isNaN32(z) || isInf32(x) || isInf32(y) || isInf32(z):
			want = float32(float64(x)*float64(y) + float64(z)) // infinities and NaN: exact anyway
		default:
			prod.SetFloat64(float64(x))
			prod.Mul(prod, new(big.Float).SetFloat64(float64(y)))
			bz.SetFloat64(float64(z))
			exact.Add(prod, bz)
			want, _ = exact.Float32()
			if want == 0 && exact.Sign() == 0 {
				want = float32(float64(x)*float64(y) + float64(z)) // the sign of an exact zero
			}
		}
		if !sameBits(got, want) {
			t.Fatalf("fma32(%g, %g, %g) = %g (%#x), want %g (%#x)", x, y, z, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
}

func isNaN32(x float32) bool { return x != x }
func isInf32(x float32) bool { return math.IsInf(float64(x), 0) }

// gemmCase runs one micro-kernel call on random panels at random strides and offsets, with
// NaN guards around C and between its rows, and returns the output buffer.
type gemmCase struct {
	rows, kc, lda, ldb, ldc, offA, offB, offC int
	load                                      bool
}

func randGemmCase(r *rand.Rand, mr, nr int) gemmCase {
	return gemmCase{
		rows: 1 + r.IntN(mr), kc: r.IntN(301),
		lda: mr + r.IntN(3)*r.IntN(20), ldb: nr + r.IntN(3)*r.IntN(20), ldc: nr + r.IntN(9),
		offA: r.IntN(16), offB: r.IntN(16), offC: r.IntN(16), load: r.IntN(2) == 0,
	}
}

// run calls fn on panels drawn from seed and returns the whole guarded C buffer.
func runGemm[T float32 | float64](gc gemmCase, mr, nr int, seed uint64, fn func(int, int, []T, int, []T, int, []T, int, bool)) []T {
	r := rand.New(rand.NewPCG(seed, 9))
	fill := func(int) T { return T(r.NormFloat64()) }
	na := max(0, (gc.kc-1)*gc.lda+gc.rows)
	nb := max(0, (gc.kc-1)*gc.ldb+nr)
	_, a := guarded(na, gc.offA, fill)
	_, b := guarded(nb, gc.offB, fill)
	call, c := guarded((gc.rows-1)*gc.ldc+nr, gc.offC, fill)
	for i := range gc.rows - 1 { // NaN between the rows of the block
		for j := nr; j < gc.ldc; j++ {
			c[i*gc.ldc+j] = T(math.NaN())
		}
	}
	fn(gc.rows, gc.kc, a, gc.lda, b, gc.ldb, c, gc.ldc, gc.load)
	return call
}

func TestGemmKernelsMatchTheirTwins(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, l := range []Level{Generic, AVX2, AVX512} {
		k32, k64 := GemmF32(l), GemmF64(l)
		twin32 := func(rows, kc int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, load bool) {
			gemmGoF32(rows, k32.NR, kc, a, lda, b, ldb, c, ldc, load)
		}
		twin64 := func(rows, kc int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, load bool) {
			gemmGoF64(rows, k64.NR, kc, a, lda, b, ldb, c, ldc, load)
		}
		iters := 400
		if testing.Short() {
			iters = 60 // the twins are slow under the race detector
		}
		for iter := range iters {
			gc := randGemmCase(r, k32.MR, k32.NR)
			seed := uint64(iter)
			got := runGemm(gc, k32.MR, k32.NR, seed, k32.Fn)
			want := runGemm(gc, k32.MR, k32.NR, seed, twin32)
			for i := range want {
				if !sameBits(got[i], want[i]) {
					t.Fatalf("%s %+v: element %d = %v, twin %v", k32.Name, gc, i-guard-gc.offC, got[i], want[i])
				}
			}
			gc = randGemmCase(r, k64.MR, k64.NR)
			got64 := runGemm(gc, k64.MR, k64.NR, seed, k64.Fn)
			want64 := runGemm(gc, k64.MR, k64.NR, seed, twin64)
			for i := range want64 {
				if !sameBits(got64[i], want64[i]) {
					t.Fatalf("%s %+v: element %d = %v, twin %v", k64.Name, gc, i-guard-gc.offC, got64[i], want64[i])
				}
			}
		}
	}
}

// TestGemmTwinFollowsTheReferenceLoop checks the twin against the reference loop written out,
// with math.FMA rounded to float32 as the oracle of the fused step where it is exact enough:
// on small integers every product and sum is exact, so any order would do; on random values
// the float64 reference and the twin agree within the chained rounding.
func TestGemmTwinFollowsTheReferenceLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const mr, nr, kc, ldc = 3, 5, 40, 7
	a := make([]float32, kc*mr)
	b := make([]float32, kc*nr)
	for i := range a {
		a[i] = float32(r.IntN(9) - 4)
	}
	for i := range b {
		b[i] = float32(r.IntN(9) - 4)
	}
	c := make([]float32, (mr-1)*ldc+nr)
	for i := range c {
		c[i] = float32(r.IntN(5))
	}
	want := append([]float32(nil), c...)
	for i := range mr {
		for j := range nr {
			s := want[i*ldc+j]
			for p := range kc {
				s += a[p*mr+i] * b[p*nr+j]
			}
			want[i*ldc+j] = s
		}
	}
	gemmGoF32(mr, nr, kc, a, mr, b, nr, c, ldc, true)
	assert.Equal(t, want, c)

	// One fused step rounds once: 1 + 2⁻²⁴·(1 + 2⁻²³) is 1 + 2⁻²³ fused, 1 unfused.
	one := []float32{1}
	x := []float32{0x1p-12}
	y := []float32{0x1p-12 * (1 + 0x1p-23)}
	gemmGoF32(1, 1, 1, x, 1, y, 1, one, 1, true)
	require.Equal(t, float32(1+0x1p-23), one[0])
}

func TestGemmKernelsPanicOnShortSlices(t *testing.T) {
	k := GemmF32(Best())
	a := make([]float32, 4*k.MR)
	b := make([]float32, 4*k.NR)
	c := make([]float32, k.MR*k.NR)
	assert.NotPanics(t, func() { k.Fn(k.MR, 4, a, k.MR, b, k.NR, c, k.NR, false) })
	assert.Panics(t, func() { k.Fn(k.MR, 5, a, k.MR, b, k.NR, c, k.NR, false) })
	assert.Panics(t, func() { k.Fn(k.MR, 4, a, k.MR, b, k.NR, c[1:], k.NR, false) })
	assert.Panics(t, func() { k.Fn(k.MR+1, 4, a, k.MR, b, k.NR, c, k.NR, false) })
	assert.Panics(t, func() { k.Fn(0, 4, a, k.MR, b, k.NR, c, k.NR, false) })
}

func TestTranspose8x8F32(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for range 50 {
		ldd, lds := 8+r.IntN(20), 8+r.IntN(20)
		offD, offS := r.IntN(9), r.IntN(9)
		_, src := guarded(7*lds+8, offS, func(int) float32 { return float32(r.NormFloat64()) })
		for _, l := range []Level{Generic, AVX2} {
			all, dst := guarded(7*ldd+8, offD, func(int) float32 { return float32(math.NaN()) })
			if !atLevel(l, func() { Transpose8x8F32(dst, ldd, src, lds) }) {
				continue
			}
			for rr := range 8 {
				for c := range 8 {
					require.Equal(t, src[rr*lds+c], dst[c*ldd+rr], "%s (%d,%d)", l, rr, c)
				}
			}
			// Everything else is still NaN.
			n := 0
			for _, v := range all {
				if v == v {
					n++
				}
			}
			require.Equal(t, 64, n, "%s: elements written outside the block", l)
		}
	}
}
