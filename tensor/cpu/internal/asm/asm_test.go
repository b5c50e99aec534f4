package asm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guarded returns a slice of n random values with NaN guard bands of g elements on both
// sides, and the slice of the n values inside: a kernel that reads or writes outside its
// operands meets or leaves a NaN (gonum's guard-band habit).
func guarded(r *rand.Rand, n, g int) (all, in []float64) {
	all = make([]float64, n+2*g)
	for i := range all {
		all[i] = math.NaN()
	}
	in = all[g : g+n]
	for i := range in {
		in[i] = r.NormFloat64()
	}
	return all, in
}

func checkGuards(t *testing.T, all []float64, n, g int, what string) {
	t.Helper()
	for i := range g {
		require.True(t, math.IsNaN(all[i]), "%s: guard before the operand written", what)
		require.True(t, math.IsNaN(all[g+n+i]), "%s: guard after the operand written", what)
	}
}

func f32s(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func TestGemm4x2FollowsItsReferenceLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, kc := range []int{1, 2, 3, 4, 5, 8, 13, 256} {
		for _, load := range []bool{false, true} {
			const ldc, g = 7, 3
			a := make([]float64, kc*4)
			b := make([]float64, kc*2)
			for i := range a {
				a[i] = r.NormFloat64()
			}
			for i := range b {
				b[i] = r.NormFloat64()
			}
			ca, c := guarded(r, 3*ldc+2, g)
			want := append([]float64(nil), c...)
			for i := range 4 {
				for j := range 2 {
					var s float64
					if load {
						s = want[i*ldc+j]
					}
					for p := range kc {
						s += a[p*4+i] * b[p*2+j]
					}
					want[i*ldc+j] = s
				}
			}
			Gemm4x2F64(kc, a, b, c, ldc, load)
			assert.Equal(t, want, c, "Gemm4x2F64 kc=%d load=%v", kc, load)
			checkGuards(t, ca, len(c), g, "Gemm4x2F64")

			a32, b32, c32 := f32s(a), f32s(b), f32s(want) // c32: any starting block
			want32 := append([]float32(nil), c32...)
			for i := range 4 {
				for j := range 2 {
					var s float32
					if load {
						s = want32[i*ldc+j]
					}
					for p := range kc {
						s += a32[p*4+i] * b32[p*2+j]
					}
					want32[i*ldc+j] = s
				}
			}
			Gemm4x2F32(kc, a32, b32, c32, ldc, load)
			assert.Equal(t, want32, c32, "Gemm4x2F32 kc=%d load=%v", kc, load)
		}
	}
}
