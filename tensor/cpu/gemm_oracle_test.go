package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/godl/godl/internal/parallel"
	"github.com/godl/godl/tensor/cpu/internal/asm"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
)

// TestMatMulAgainstGonum checks MatMul against gonum's BLAS, an independent implementation,
// on random shapes (ones, primes, sizes around the register and cache blocks) with every
// combination of transposed operands, within the rounding bound of a sum of k products.
func TestMatMulAgainstGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	dims := []int{1, 2, 3, 7, 12, 13, 31, 32, 33, 64, 97, 130, 199, 257}
	n := 60
	if testing.Short() {
		n = 15
	}
	for range n {
		m, nn, k := dims[r.IntN(len(dims))], dims[r.IntN(len(dims))], dims[r.IntN(len(dims))]
		ta, tb := r.IntN(2) == 0, r.IntN(2) == 0
		what := fmt.Sprintf("%dx%dx%d ta=%v tb=%v", m, nn, k, ta, tb)
		a32, b32 := gmRand[float32](r, m, k, ta), gmRand[float32](r, k, nn, tb)
		got32 := gmZeros[float32](m, nn)
		Device.MatMul(got32.strided(), a32.strided(), b32.strided())
		want32 := blas32.General{Rows: m, Cols: nn, Stride: nn, Data: make([]float32, m*nn)}
		blas32.Gemm(trans(ta), trans(tb), 1, gonum32(a32, ta), gonum32(b32, tb), 0, want32)
		compareGonum(t, got32.data, want32.Data, a32, b32, 0x1p-24, what+" f32")

		a64, b64 := gmRand[float64](r, m, k, ta), gmRand[float64](r, k, nn, tb)
		got64 := gmZeros[float64](m, nn)
		Device.MatMul(got64.strided(), a64.strided(), b64.strided())
		want64 := blas64.General{Rows: m, Cols: nn, Stride: nn, Data: make([]float64, m*nn)}
		blas64.Gemm(trans(ta), trans(tb), 1, gonum64(a64, ta), gonum64(b64, tb), 0, want64)
		compareGonum(t, got64.data, want64.Data, a64, b64, 0x1p-53, what+" f64")
	}
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// gonum32 gives a's storage as gonum's row-major General: a itself, or for a column-major
// matrix its transpose (which gonum is then told to transpose back).
func gonum32(a gmMatrix[float32], t bool) blas32.General {
	if t {
		return blas32.General{Rows: a.cols, Cols: a.rows, Stride: a.cs, Data: a.data[a.off:]}
	}
	return blas32.General{Rows: a.rows, Cols: a.cols, Stride: a.rs, Data: a.data[a.off:]}
}

func gonum64(a gmMatrix[float64], t bool) blas64.General {
	if t {
		return blas64.General{Rows: a.cols, Cols: a.rows, Stride: a.cs, Data: a.data[a.off:]}
	}
	return blas64.General{Rows: a.rows, Cols: a.cols, Stride: a.rs, Data: a.data[a.off:]}
}

// compareGonum allows each result the error of two sums of k rounded products, ours and
// gonum's: 2(k+1)·u·Σ|a·b|.
func compareGonum[T float32 | float64](t *testing.T, got, want []T, a, b gmMatrix[T], u float64, what string) {
	t.Helper()
	for i := range a.rows {
		for j := range b.cols {
			mag := 0.0
			for p := range a.cols {
				mag += math.Abs(float64(a.at(i, p)) * float64(b.at(p, j)))
			}
			tol := 2 * float64(a.cols+1) * u * mag
			g, w := float64(got[i*b.cols+j]), float64(want[i*b.cols+j])
			require.LessOrEqual(t, math.Abs(g-w), tol, "%s: (%d,%d) = %v, gonum %v", what, i, j, g, w)
		}
	}
}

// TestMatMulBitsIgnoreThreadsAndKernels checks that a product gives the same bits on 1, 2, 3
// and 8 threads, and with the micro-kernel of every instruction-set level: each element is
// one chain of fused multiply-adds in the order of k, however the work is cut.
func TestMatMulBitsIgnoreThreadsAndKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	shapes := [][3]int{{64, 512, 128}, {128, 128, 32}, {97, 13, 600}, {12, 32, 1}}
	if !testing.Short() {
		shapes = append(shapes, [3]int{300, 270, 520}) // the pure-Go kernel is slow under the race detector
	}
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range []bool{false, true} {
			a, b := gmRand[float32](r, m, k, tr), gmRand[float32](r, k, n, !tr)
			var ref []float32
			for _, threads := range []int{1, 2, 3, 8} {
				for l := asm.Generic; l <= asm.AVX512; l++ {
					prev := parallel.SetThreads(threads)
					c := gmMul(&gemmLevelsF32[l], a, b)
					parallel.SetThreads(prev)
					if ref == nil {
						ref = c.data
						continue
					}
					for i := range ref {
						if math.Float32bits(ref[i]) != math.Float32bits(c.data[i]) {
							t.Fatalf("%dx%dx%d transposed=%v: %d threads, kernel %s: element %d = %v, want %v",
								m, n, k, tr, threads, gemmLevelsF32[l].name, i, c.data[i], ref[i])
						}
					}
				}
			}
		}
	}
}
