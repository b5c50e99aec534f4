package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/godl/godl/tensor/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of the GEMM driver and its micro-kernels, on raw CPU buffers.

// gmMatrix is an m×n matrix over a CPU buffer, with the row and column strides and offset of
// its layout: contiguous, transposed (column-major), or a strided window into a larger buffer.
type gmMatrix[T float32 | float64 | int64] struct {
	buf        device.Buffer
	data       []T
	rows, cols int
	rs, cs     int
	off        int
}

func (a gmMatrix[T]) at(i, j int) T { return a.data[a.off+i*a.rs+j*a.cs] }

func (a gmMatrix[T]) strided() device.Strided {
	return device.Strided{Buf: a.buf, Layout: device.Layout{Shape: []int{a.rows, a.cols}, Strides: []int{a.rs, a.cs}, Offset: a.off}}
}

// gmRand returns an m×n matrix of random values (normal for floats, integers in [-4, 4]):
// contiguous, or with transposed set column-major with a row stride of m+3 and an offset of 2,
// so that the window is not the whole buffer.
func gmRand[T float32 | float64 | int64](r *rand.Rand, m, n int, transposed bool) gmMatrix[T] {
	size := m*n + 5
	if transposed {
		size = (m+3)*n + 2
	}
	buf := Device.Alloc(device.DTypeOf[T](), size)
	data := Data[T](buf)
	for i := range data {
		if device.DTypeOf[T]() == device.Int64 {
			data[i] = T(r.IntN(9) - 4)
		} else {
			data[i] = T(r.NormFloat64())
		}
	}
	if transposed {
		return gmMatrix[T]{buf: buf, data: data, rows: m, cols: n, rs: 1, cs: m + 3, off: 2}
	}
	return gmMatrix[T]{buf: buf, data: data, rows: m, cols: n, rs: n, cs: 1}
}

// gmZeros returns an m×n contiguous matrix of zeros.
func gmZeros[T float32 | float64 | int64](m, n int) gmMatrix[T] {
	buf := Device.Alloc(device.DTypeOf[T](), m*n)
	data := Data[T](buf)
	clear(data)
	return gmMatrix[T]{buf: buf, data: data, rows: m, cols: n, rs: n, cs: 1}
}

// gmCheck compares c with a·b computed in float64: exactly for Int64, and within the classic
// bound on a sum of k products rounded in the dtype, (k+1)·u·Σ|a·b| (doubled for float64,
// whose reference rounds too), for floats.
func gmCheck[T float32 | float64 | int64](t *testing.T, c, a, b gmMatrix[T], what string) {
	t.Helper()
	var u float64
	switch device.DTypeOf[T]() {
	case device.Float32:
		u = 0x1p-24
	case device.Float64:
		u = 2 * 0x1p-53
	}
	bad := 0
	for i := range a.rows {
		for j := range b.cols {
			var s, mag float64
			for p := range a.cols {
				x := float64(a.at(i, p)) * float64(b.at(p, j))
				s += x
				mag += math.Abs(x)
			}
			tol := float64(a.cols+1) * u * mag
			if d := math.Abs(float64(c.at(i, j)) - s); !(d <= tol) {
				if bad < 5 {
					t.Errorf("%s: (%d,%d) = %v, want %v (tol %.3g)", what, i, j, c.at(i, j), s, tol)
				}
				bad++
			}
		}
	}
}

// gmLoopKernel returns a micro-kernel with the contract of gemmKernel written as plain loops,
// for any mr and nr.
func gmLoopKernel[T float32 | float64](mr, nr int) func(rows, kc int, a []T, lda int, b []T, ldb int, c []T, ldc int, load bool) {
	return func(rows, kc int, a []T, lda int, b []T, ldb int, c []T, ldc int, load bool) {
		for i := range rows {
			for j := range nr {
				var s T
				if load {
					s = c[i*ldc+j]
				}
				for p := range kc {
					s += a[p*lda+i] * b[p*ldb+j]
				}
				c[i*ldc+j] = s
			}
		}
	}
}

// gmMul computes c = a·b with the given kernel, through the same batched driver as MatMul.
func gmMul[T float32 | float64](kern *gemmKernel[T], a, b gmMatrix[T]) gmMatrix[T] {
	c := gmZeros[T](a.rows, b.cols)
	op := newGemmOp[T](c.strided(), a.strided(), b.strided(), a.rows, b.cols, a.cols)
	gemmBatch(kern, op, matOffsets{base: [3]int{a.off, b.off, 0}}, 1)
	return c
}

// TestGemmKernels runs the blocked driver with every micro-kernel: the pure-Go ones, the ones
// in use (which assembly may replace), and loop kernels with odd register and cache blocks
// that put block edges everywhere.
func TestGemmKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	k32 := []*gemmKernel[float32]{
		&gemmLevelsF32[0], &gemmLevelsF32[1], &gemmLevelsF32[2],
		{name: "loop3x5", mr: 3, nr: 5, kc: 7, mc: 9, nc: 10, fn: gmLoopKernel[float32](3, 5)},
		{name: "loop1x1", mr: 1, nr: 1, kc: 16, mc: 4, nc: 4, fn: gmLoopKernel[float32](1, 1)},
		{name: "loop4x2", mr: 4, nr: 2, kc: 5, mc: 8, nc: 6, fn: gmLoopKernel[float32](4, 2)},
	}
	k64 := []*gemmKernel[float64]{
		&gemmLevelsF64[0], &gemmLevelsF64[1], &gemmLevelsF64[2],
		{name: "loop5x3", mr: 5, nr: 3, kc: 11, mc: 10, nc: 12, fn: gmLoopKernel[float64](5, 3)},
	}
	sizes := [][3]int{{4, 2, 1}, {13, 13, 13}, {37, 29, 41}, {64, 64, 64}, {70, 9, 130}, {130, 70, 9}, {3, 200, 33}}
	for _, s := range sizes {
		m, n, k := s[0], s[1], s[2]
		for _, transposed := range []bool{false, true} {
			a32, b32 := gmRand[float32](r, m, k, transposed), gmRand[float32](r, k, n, transposed)
			for _, kern := range k32 {
				what := fmt.Sprintf("%s %dx%dx%d transposed=%v", kern.name, m, n, k, transposed)
				gmCheck(t, gmMul(kern, a32, b32), a32, b32, what)
			}
			a64, b64 := gmRand[float64](r, m, k, transposed), gmRand[float64](r, k, n, !transposed)
			for _, kern := range k64 {
				gmCheck(t, gmMul(kern, a64, b64), a64, b64, fmt.Sprintf("%s %dx%dx%d", kern.name, m, n, k))
			}
		}
	}
}

func TestGemmMicroKernelDirect(t *testing.T) {
	// One call of each pure-Go kernel on hand-made panels, with and without load, writing
	// into a C with a row stride wider than nr and NaN guards around the block.
	for _, kern := range []*gemmKernel[float64]{&gemmLevelsF64[0], &gemmLevelsF64[1], &gemmLevelsF64[2]} {
		mr, nr, kc, ldc := kern.mr, kern.nr, 7, kern.nr+3
		a := make([]float64, kc*mr)
		b := make([]float64, kc*nr)
		for i := range a {
			a[i] = float64(i%5) - 2
		}
		for i := range b {
			b[i] = float64(i%3) + 0.5
		}
		c := make([]float64, mr*ldc+2)
		for i := range c {
			c[i] = math.NaN()
		}
		block := c[1:]
		kern.fn(mr, kc, a, mr, b, nr, block, ldc, false)
		for i := range mr {
			for j := range nr {
				block[i*ldc+j] += 1 // so that load must read it back
			}
		}
		kern.fn(mr, kc, a, mr, b, nr, block, ldc, true)
		for i := range mr {
			for j := range ldc {
				if j >= nr {
					assert.True(t, math.IsNaN(block[i*ldc+j]), "%s: guard (%d,%d) overwritten", kern.name, i, j)
					continue
				}
				var s float64
				for p := range kc {
					s += a[p*mr+i] * b[p*nr+j]
				}
				assert.Equal(t, 2*s+1, block[i*ldc+j], "%s: (%d,%d)", kern.name, i, j)
			}
		}
		assert.True(t, math.IsNaN(c[0]), "%s: guard before the block overwritten", kern.name)
	}
}

// TestMatMulMatchesNaiveGemm checks the device's MatMul against naiveGemm, the textbook loop
// over the raw buffers with the operands' own strides: exactly for Int64, within the rounding
// bound for floats.
func TestMatMulMatchesNaiveGemm(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, s := range [][3]int{{1, 1, 1}, {7, 5, 3}, {33, 65, 17}, {130, 70, 300}, {1, 90, 50}, {90, 1, 50}} {
		m, n, k := s[0], s[1], s[2]
		gmNaiveCase[float32](t, r, m, n, k)
		gmNaiveCase[float64](t, r, m, n, k)
		gmNaiveCase[int64](t, r, m, n, k)
	}
}

func gmNaiveCase[T float32 | float64 | int64](t *testing.T, r *rand.Rand, m, n, k int) {
	a, b := gmRand[T](r, m, k, true), gmRand[T](r, k, n, false)
	got := gmZeros[T](m, n)
	Device.MatMul(got.strided(), a.strided(), b.strided())
	want := gmZeros[T](m, n)
	naiveGemm(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, want.data, 0, n, 1)
	what := fmt.Sprintf("%s %dx%dx%d", device.DTypeOf[T](), m, n, k)
	if device.DTypeOf[T]() == device.Int64 {
		require.Equal(t, want.data, got.data, what)
		return
	}
	gmCheck(t, got, a, b, what+" against float64")
	gmCheck(t, want, a, b, what+" naiveGemm against float64")
}

// TestGemmChoiceSaturates checks the kernel choice for products whose work m·n·k overflows
// int: they count as large, and sums too long for the vec path's scratch take the direct loops.
func TestGemmChoiceSaturates(t *testing.T) {
	const sz62 = 1 << 62
	tests := []struct {
		name    string
		hasKern bool
		m, n, k int
		kind    gemmKind
		swap    bool
	}{
		{"small", true, 2, 3, 4, gemmDirect, false},
		{"no kernel", false, 512, 512, 512, gemmDirect, false},
		{"large", true, 512, 512, 512, gemmPacked, false},
		{"vector", true, 512, 1, 512, gemmVec, false},
		{"row vector", true, 1, 512, 512, gemmVec, true},
		{"work wraps to zero", true, 4, 4, 1 << 60, gemmPacked, false},
		{"vector, huge k", true, 512, 1, 1 << 40, gemmDirect, false},
		{"row vector, huge k", true, 1, 512, sz62, gemmDirect, false},
	}
	for _, tc := range tests {
		kind, swap := chooseGemm(tc.hasKern, tc.m, tc.n, tc.k)
		assert.Equal(t, tc.kind, kind, tc.name)
		assert.Equal(t, tc.swap, swap, tc.name)
	}
	pl := planGemm(gemmDirect, 1, 4, 4, 1<<60, 1, 1, 1, 1, 1)
	assert.Equal(t, 1, pl.tm, "huge k: one row per tile")
	assert.Equal(t, 4, pl.tilesM)

	assert.Equal(t, 0, ceilDiv(0, 3))
	assert.Equal(t, 2, ceilDiv(4, 3))
	assert.Equal(t, sz62, ceilDiv(math.MaxInt64, 2))
}

// TestPackedPlanSharesWork checks that a packed product of package tensor's thread-count test
// (300×520·520×270) is cut into enough tiles for threads to share.
func TestPackedPlanSharesWork(t *testing.T) {
	k := gemmKernelF32
	pl := planGemm(gemmPacked, 1, 300, 270, 520, k.mr, k.nr, k.kc, k.mc, k.nc)
	assert.Greater(t, pl.tiles(), 4)
}
