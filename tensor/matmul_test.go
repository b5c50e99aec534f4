package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reference for every test here is mmRef: torch.matmul's rules written out again with
// plain index arithmetic, summed in float64. It reads operands through their layouts
// directly (mmElems), so it shares no code with the kernels or the copy routines.

// mmElems returns t's elements in row-major order as float64, read through its layout.
func mmElems(t *Tensor) []float64 {
	l := t.layout
	out := make([]float64, 0, l.Numel())
	idx := make([]int, len(l.Shape))
	var get func(off int) float64
	switch t.st.buf.DType() {
	case Float32:
		d := cpuData[float32](t.st.buf)
		get = func(off int) float64 { return float64(d[off]) }
	case Float64:
		d := cpuData[float64](t.st.buf)
		get = func(off int) float64 { return d[off] }
	case Int64:
		d := cpuData[int64](t.st.buf)
		get = func(off int) float64 { return float64(d[off]) }
	}
	for range l.Numel() {
		off := l.Offset
		for d, i := range idx {
			off += i * l.Strides[d]
		}
		out = append(out, get(off))
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < l.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// mmRef computes torch.matmul(a, b) in float64. It returns the result's shape, its values in
// row-major order, and for each value the sum of |a|·|b| over its products, which bounds the
// rounding error of any summation order.
func mmRef(a, b *Tensor) (shape []int, val, mag []float64) {
	av, bv := mmElems(a), mmElems(b)
	as, bs := a.Shape(), b.Shape()
	dropM, dropN := len(as) == 1, len(bs) == 1
	if dropM {
		as = Shape{1, as[0]}
	}
	if dropN {
		bs = Shape{bs[0], 1}
	}
	m, k, n := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
	nd := max(len(as), len(bs)) - 2
	// Batch dimensions, padded on the left with ones.
	pad := func(s Shape) []int {
		out := make([]int, nd)
		for i := range out {
			out[i] = 1
		}
		copy(out[nd-(len(s)-2):], s[:len(s)-2])
		return out
	}
	ab, bb := pad(as), pad(bs)
	batch := make([]int, nd)
	for i := range batch {
		batch[i] = ab[i] // a size of 1 takes the other operand's size, which may be 0
		if ab[i] == 1 {
			batch[i] = bb[i]
		}
	}
	nb := Shape(batch).Numel()
	val = make([]float64, 0, nb*m*n)
	mag = make([]float64, 0, nb*m*n)
	idx := make([]int, nd)
	for range nb {
		// Flat matrix index of a and b for this batch index; size-1 dimensions repeat.
		ai, bi := 0, 0
		for d := range nd {
			ai = ai*ab[d] + idx[d]%ab[d]
			bi = bi*bb[d] + idx[d]%bb[d]
		}
		for i := range m {
			for j := range n {
				var s, g float64
				for p := range k {
					x, y := av[ai*m*k+i*k+p], bv[bi*k*n+p*n+j]
					s += x * y
					g += math.Abs(x * y)
				}
				val = append(val, s)
				mag = append(mag, g)
			}
		}
		for d := nd - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < batch[d] {
				break
			}
			idx[d] = 0
		}
	}
	shape = batch
	if !dropM {
		shape = append(shape, m)
	}
	if !dropN {
		shape = append(shape, n)
	}
	return shape, val, mag
}

// mmTol returns the allowed error of one result element: the classic bound on a sum of k
// products rounded in the dtype, γ_k·Σ|a·b| with γ_k ≈ k·u, doubled for float64 because the
// float64 reference rounds too. Integers must be exact.
func mmTol(dt DType, k int, mag float64) float64 {
	switch dt {
	case Float32:
		return float64(k+1) * 0x1p-24 * mag
	case Float64:
		return 2 * float64(k+1) * 0x1p-53 * mag
	}
	return 0
}

// mmCheck compares got with the reference product of a and b.
func mmCheck(t *testing.T, got, a, b *Tensor, what string) {
	t.Helper()
	shape, val, mag := mmRef(a, b)
	require.Equal(t, Shape(shape), got.Shape(), "%s: shape", what)
	require.Equal(t, a.DType(), got.DType(), "%s: dtype", what)
	k := a.Size(-1)
	gv := mmElems(got)
	bad := 0
	for i := range val {
		if d := math.Abs(gv[i] - val[i]); !(d <= mmTol(a.DType(), k, mag[i])) {
			if bad < 5 {
				t.Errorf("%s: element %d = %v, want %v (|diff| %.3g, tol %.3g)", what, i, gv[i], val[i], d, mmTol(a.DType(), k, mag[i]))
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d elements out of tolerance", what, bad, len(val))
	}
}

// mmRand returns a tensor of the given shape with values drawn from r: normal for floats,
// integers in [-4, 4] for Int64.
func mmRand(r *rand.Rand, dt DType, shape ...int) *Tensor {
	n := Shape(shape).Numel()
	switch dt {
	case Float32:
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return From(v, shape...)
	case Float64:
		v := make([]float64, n)
		for i := range v {
			v[i] = r.NormFloat64()
		}
		return From(v, shape...)
	}
	v := make([]int64, n)
	for i := range v {
		v[i] = r.Int64N(9) - 4
	}
	return From(v, shape...)
}

var mmDTypes = []DType{Float32, Float64, Int64}

func TestMatMulShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		a, b []int
		want []int
	}{
		{[]int{5}, []int{5}, []int{}},               // dot product
		{[]int{1}, []int{1}, []int{}},               // k = 1
		{[]int{300}, []int{300}, []int{}},           // long dot product
		{[]int{4}, []int{4, 3}, []int{3}},           // vector · matrix
		{[]int{70}, []int{70, 65}, []int{65}},       // vector · matrix, m = 1 path
		{[]int{3, 4}, []int{4}, []int{3}},           // matrix · vector
		{[]int{65, 70}, []int{70}, []int{65}},       // matrix · vector, n = 1 path
		{[]int{3, 4}, []int{4, 5}, []int{3, 5}},     // matrix · matrix
		{[]int{1, 4}, []int{4, 1}, []int{1, 1}},     // m = n = 1
		{[]int{1, 64}, []int{64, 50}, []int{1, 50}}, // m = 1
		{[]int{50, 64}, []int{64, 1}, []int{50, 1}}, // n = 1
		{[]int{2, 1, 3, 4}, []int{5, 4, 6}, []int{2, 5, 3, 6}},
		{[]int{7, 3, 4}, []int{4, 5}, []int{7, 3, 5}}, // batched · matrix
		{[]int{3, 4}, []int{7, 4, 5}, []int{7, 3, 5}}, // matrix · batched
		{[]int{4}, []int{2, 4, 3}, []int{2, 3}},       // vector · batched
		{[]int{2, 3, 4}, []int{4}, []int{2, 3}},       // batched · vector
		{[]int{3, 1, 2, 5}, []int{1, 4, 5, 2}, []int{3, 4, 2, 2}},
		{[]int{1, 1, 3, 4}, []int{4, 2}, []int{1, 1, 3, 2}}, // size-1 batch dimensions kept
		{[]int{0, 3, 4}, []int{4, 5}, []int{0, 3, 5}},       // empty batch
		{[]int{0, 4}, []int{4, 5}, []int{0, 5}},             // m = 0
		{[]int{3, 4}, []int{4, 0}, []int{3, 0}},             // n = 0
		{[]int{3, 0}, []int{0, 4}, []int{3, 4}},             // k = 0: zeros
		{[]int{2, 3, 0}, []int{2, 0, 4}, []int{2, 3, 4}},    // k = 0, batched
		{[]int{0}, []int{0}, []int{}},                       // empty dot product
		{[]int{64, 3, 5}, []int{64, 5, 2}, []int{64, 3, 2}}, // many small matrices
		{[]int{3, 20, 30}, []int{1, 30, 40}, []int{3, 20, 40}},
	}
	for _, dt := range mmDTypes {
		for _, c := range cases {
			a, b := mmRand(r, dt, c.a...), mmRand(r, dt, c.b...)
			what := fmt.Sprintf("%s %v·%v", dt, c.a, c.b)
			got := MatMul(a, b)
			require.Equal(t, Shape(c.want), got.Shape(), what)
			mmCheck(t, got, a, b, what)
			mmCheck(t, a.MatMul(b), a, b, what+" (method)")
		}
	}
}

func TestMatMulKZeroGivesZeros(t *testing.T) {
	for _, dt := range mmDTypes {
		got := MatMul(Empty(Shape{3, 0}, dt), Empty(Shape{0, 4}, dt))
		assert.Equal(t, make([]float64, 12), got.Float64s(), "%s", dt)
	}
}

func TestMatMulHandComputed(t *testing.T) {
	// [[1 2 3] [4 5 6]] · [[7 8] [9 10] [11 12]] = [[58 64] [139 154]]
	want := []float64{58, 64, 139, 154}
	for _, dt := range mmDTypes {
		a := Arange(1, 7, 1, dt).Reshape(2, 3)
		b := Arange(7, 13, 1, dt).Reshape(3, 2)
		assert.Equal(t, want, MatMul(a, b).Float64s(), "%s", dt)
		// Through transposed views of the transposed data: (bᵀ·aᵀ)ᵀ.
		at, bt := a.T().Contiguous().T(), b.T().Contiguous().T()
		assert.Equal(t, want, MatMul(at, bt).Float64s(), "%s transposed storage", dt)
	}
}

// mmSizes are m, n, k triples: every size from 1 to 70 appears in each position, mixed at
// random, plus sizes around 128-300 that straddle the block sizes.
func mmSizes(r *rand.Rand) [][3]int {
	var out [][3]int
	perm := func() []int {
		p := r.Perm(70)
		for i := range p {
			p[i]++
		}
		return p
	}
	pm, pn, pk := perm(), perm(), perm()
	for i := range 70 {
		out = append(out, [3]int{pm[i], pn[i], pk[i]})
	}
	return append(out,
		[3]int{128, 128, 128}, [3]int{129, 127, 257}, [3]int{255, 130, 300},
		[3]int{300, 1, 200}, [3]int{1, 300, 290}, [3]int{200, 300, 1},
		[3]int{256, 256, 256}, [3]int{257, 3, 513}, [3]int{2, 259, 260},
		[3]int{140, 150, 160},
	)
}

func TestMatMulSizes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, dt := range mmDTypes {
		for i, s := range mmSizes(r) {
			if dt == Int64 && i%4 != 0 {
				continue // integer products only differ in the loops; a quarter is plenty
			}
			m, n, k := s[0], s[1], s[2]
			a, b := mmRand(r, dt, m, k), mmRand(r, dt, k, n)
			mmCheck(t, MatMul(a, b), a, b, fmt.Sprintf("%s %dx%dx%d", dt, m, n, k))
		}
	}
}

func TestMatMulTransposedOperands(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	sizes := [][3]int{{3, 4, 5}, {17, 9, 33}, {70, 65, 1}, {1, 40, 70}, {64, 1, 70}, {129, 131, 260}, {33, 300, 2}}
	for _, dt := range mmDTypes {
		for _, s := range sizes {
			m, n, k := s[0], s[1], s[2]
			a, at := mmRand(r, dt, m, k), mmRand(r, dt, k, m).T()
			b, bt := mmRand(r, dt, k, n), mmRand(r, dt, n, k).T()
			name := fmt.Sprintf("%s %dx%dx%d", dt, m, n, k)
			mmCheck(t, MatMul(at, b), at, b, name+" aᵀ·b")
			mmCheck(t, MatMul(a, bt), a, bt, name+" a·bᵀ")
			mmCheck(t, MatMul(at, bt), at, bt, name+" aᵀ·bᵀ")
		}
		// Batched: transpose the last two dimensions, and permute the batch dimension inward.
		a := mmRand(r, dt, 3, 20, 12).Transpose(-1, -2) // [3 12 20]
		b := mmRand(r, dt, 20, 3, 7).Permute(1, 0, 2)   // [3 20 7]
		mmCheck(t, MatMul(a, b), a, b, dt.String()+" batched transposed")
	}
}

func TestMatMulStridedOperands(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, dt := range mmDTypes {
		base := mmRand(r, dt, 90, 80)
		cases := []struct {
			name string
			a, b *Tensor
		}{
			{"narrowed", base.Narrow(0, 3, 40).Narrow(1, 5, 33), mmRand(r, dt, 80, 60).Narrow(0, 10, 33).Narrow(1, 1, 50)},
			{"stepped rows", base.Slice(0, 1, 90, 2), mmRand(r, dt, 80, 30)},
			{"stepped both", base.Slice(0, 0, 90, 3).Slice(1, 1, 80, 2), mmRand(r, dt, 120, 70).Slice(0, 0, 120, 3).Slice(1, 2, 70, 5)},
			{"selected", mmRand(r, dt, 4, 30, 20).Select(0, 2), mmRand(r, dt, 20, 5, 40).Select(1, 3)},
			{"stepped transposed", base.Slice(1, 0, 80, 4).T(), mmRand(r, dt, 180, 45).Slice(0, 0, 180, 2)},
			{"column of a matrix as a vector", base.Select(1, 3), mmRand(r, dt, 90, 20)},
			{"matrix times a column", mmRand(r, dt, 40, 90), base.Select(1, 7)},
			{"stepped 1-D", base.Select(0, 5).Slice(0, 0, 80, 2), mmRand(r, dt, 40, 30)},
			{"batched narrowed", mmRand(r, dt, 5, 30, 30).Narrow(1, 4, 17).Narrow(2, 2, 19), mmRand(r, dt, 10, 25, 23).Narrow(1, 3, 19).Slice(0, 0, 10, 2)},
			{"batched stepped batch", mmRand(r, dt, 8, 9, 10).Slice(0, 1, 8, 3), mmRand(r, dt, 3, 10, 6)},
		}
		for _, c := range cases {
			mmCheck(t, MatMul(c.a, c.b), c.a, c.b, dt.String()+" "+c.name)
		}
	}
}

func TestMatMulExpandedOperands(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, dt := range mmDTypes {
		row := mmRand(r, dt, 1, 70)
		col := mmRand(r, dt, 66, 1)
		one := mmRand(r, dt, 1, 1)
		cases := []struct {
			name string
			a, b *Tensor
		}{
			{"rows repeated", row.Expand(66, 70), mmRand(r, dt, 70, 50)},
			{"columns repeated", col.Expand(66, 70), mmRand(r, dt, 70, 9)},
			{"b columns repeated", mmRand(r, dt, 31, 66), col.Expand(66, 40)},
			{"one element everywhere", one.Expand(20, 30), one.Expand(30, 25)},
			{"batch repeated", mmRand(r, dt, 1, 12, 70).Expand(6, 12, 70), mmRand(r, dt, 6, 70, 13)},
			{"both batches repeated", mmRand(r, dt, 12, 7).Expand(4, 12, 7), mmRand(r, dt, 1, 7, 5).Expand(4, 7, 5)},
			{"expanded vector", mmRand(r, dt, 1).Expand(70), mmRand(r, dt, 70, 33)},
		}
		for _, c := range cases {
			mmCheck(t, MatMul(c.a, c.b), c.a, c.b, dt.String()+" "+c.name)
		}
	}
}

// mmBits returns the result's elements as raw bits, for exact comparison.
func mmBits(t *Tensor) []uint64 {
	var out []uint64
	switch t.DType() {
	case Float32:
		for _, v := range t.Float32s() {
			out = append(out, uint64(math.Float32bits(v)))
		}
	case Float64:
		for _, v := range t.Float64s() {
			out = append(out, math.Float64bits(v))
		}
	default:
		for _, v := range t.Int64s() {
			out = append(out, uint64(v))
		}
	}
	return out
}

func TestMatMulSameBitsOnAnyThreadCount(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	cases := []struct{ a, b []int }{
		{[]int{300, 520}, []int{520, 270}}, // packed, several tiles and two k blocks
		{[]int{1, 2000}, []int{2000, 300}}, // m = 1
		{[]int{700, 400}, []int{400, 1}},   // n = 1
		{[]int{96, 20, 30}, []int{96, 30, 10}},
		{[]int{5000, 3, 4}, []int{4, 5}}, // many direct products, several chunks of them
	}
	// The packed case is cut into several tiles, so that threads do share the work (checked
	// by cpu's TestPackedPlanSharesWork).
	prev := SetNumThreads(1)
	defer SetNumThreads(prev)
	for _, dt := range []DType{Float32, Float64} {
		for _, c := range cases {
			a, b := mmRand(r, dt, c.a...), mmRand(r, dt, c.b...)
			SetNumThreads(1)
			want := MatMul(a, b)
			mmCheck(t, want, a, b, "one thread")
			for _, threads := range []int{2, 4} {
				SetNumThreads(threads)
				got := MatMul(a, b)
				require.Equal(t, mmBits(want), mmBits(got), "%s %v·%v on %d threads", dt, c.a, c.b, threads)
			}
		}
	}
}

// TestMatMulIntoStridedDestination calls the CPU kernel directly with a destination that is
// a transposed window into a larger buffer filled with NaN: results land in the window and
// nowhere else.
func TestMatMulIntoStridedDestination(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, dt := range mmDTypes {
		for _, s := range [][3]int{{5, 6, 7}, {70, 50, 300}, {1, 40, 90}, {60, 1, 90}} {
			m, n, k := s[0], s[1], s[2]
			a, b := mmRand(r, dt, m, k), mmRand(r, dt, k, n)
			big := Full(Shape{n + 2, m + 3}, math.NaN(), Float64).AsType(dt)
			if dt == Int64 {
				big = Full(Shape{n + 2, m + 3}, -999, dt)
			}
			win := big.Narrow(0, 1, n).Narrow(1, 2, m).T() // [m n], column-major
			CPU.MatMul(win.strided(), a.strided(), b.strided())
			mmCheck(t, win, a, b, fmt.Sprintf("%s %dx%dx%d", dt, m, n, k))
			all := mmElems(big)
			for i := range n + 2 {
				for j := range m + 3 {
					if i >= 1 && i <= n && j >= 2 && j < m+2 {
						continue
					}
					v := all[i*(m+3)+j]
					if dt == Int64 {
						require.Equal(t, -999.0, v, "%s guard (%d,%d)", dt, i, j)
					} else {
						require.True(t, math.IsNaN(v), "%s guard (%d,%d) = %v", dt, i, j, v)
					}
				}
			}
		}
	}
}

// TestMatMulIgnoresDirtyScratch fills pooled buffers of many size classes with NaN before
// multiplying: packing must overwrite every scratch element the kernels read.
func TestMatMulIgnoresDirtyScratch(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	poison := func() {
		var bufs []Buffer
		for n := 16; n < 1<<18; n = n*5/4 + 1 {
			for _, dt := range []DType{Float32, Float64} {
				buf := CPU.Alloc(dt, n)
				CPU.Fill(Strided{Buf: buf, Layout: ContiguousLayout([]int{n})}, math.NaN())
				bufs = append(bufs, buf)
			}
		}
		for _, buf := range bufs {
			CPU.Free(buf)
		}
	}
	for _, s := range [][3]int{{9, 7, 5}, {33, 17, 70}, {130, 67, 300}, {1, 90, 80}, {90, 1, 80}} {
		for _, dt := range []DType{Float32, Float64} {
			a, b := mmRand(r, dt, s[0], s[2]), mmRand(r, dt, s[2], s[1])
			poison()
			mmCheck(t, MatMul(a, b), a, b, fmt.Sprintf("%s %v", dt, s))
			at := a.T().Contiguous().T()
			poison()
			mmCheck(t, MatMul(at, b), at, b, fmt.Sprintf("%s %v transposed", dt, s))
		}
	}
}

func TestMatMulNaNAndInfPropagate(t *testing.T) {
	for _, dt := range []DType{Float32, Float64} {
		a := Ones(Shape{40, 50}, dt)
		b := Ones(Shape{50, 30}, dt)
		b.Narrow(0, 3, 1).Narrow(1, 4, 1).Fill(math.NaN())
		b.Narrow(0, 7, 1).Narrow(1, 9, 1).Fill(math.Inf(1))
		got := MatMul(a, b)
		for i := range 40 {
			for j := range 30 {
				v := got.At(i, j)
				switch j {
				case 4:
					assert.True(t, math.IsNaN(v), "%s (%d,%d) = %v", dt, i, j, v)
				case 9:
					assert.True(t, math.IsInf(v, 1), "%s (%d,%d) = %v", dt, i, j, v)
				default:
					assert.Equal(t, 50.0, v, "%s (%d,%d)", dt, i, j)
				}
			}
		}
	}
}

func TestMatMulPanics(t *testing.T) {
	f32 := func(shape ...int) *Tensor { return Zeros(Shape(shape)) }
	f64 := func(shape ...int) *Tensor { return Zeros(Shape(shape), Float64) }
	require.PanicsWithError(t, "tensor.MatMul: shapes [2 3] and [4 5] are not aligned", func() { MatMul(f32(2, 3), f32(4, 5)) })
	require.PanicsWithError(t, "tensor.MatMul: shapes [3] and [4] are not aligned", func() { MatMul(f32(3), f32(4)) })
	require.PanicsWithError(t, "tensor.MatMul: shapes [3] and [4 5] are not aligned", func() { MatMul(f32(3), f32(4, 5)) })
	require.PanicsWithError(t, "tensor.MatMul: shapes [2 3 4] and [5] are not aligned", func() { MatMul(f32(2, 3, 4), f32(5)) })
	require.PanicsWithError(t, "tensor.MatMul: shapes [2 3] and [2 4 5] are not aligned", func() { MatMul(f32(2, 3), f32(2, 4, 5)) })
	require.PanicsWithError(t, "tensor.MatMul: dtypes differ: float32 [2 3] and float64 [3 4]", func() { MatMul(f32(2, 3), f64(3, 4)) })
	require.PanicsWithError(t, "tensor.MatMul: dtypes differ: int64 [3] and float32 [3]", func() { MatMul(Zeros(Shape{3}, Int64), f32(3)) })
	require.PanicsWithError(t, "tensor.MatMul: batch dimensions of shapes [2 3 4] and [3 4 5] do not broadcast", func() { MatMul(f32(2, 3, 4), f32(3, 4, 5)) })
	require.PanicsWithError(t, "tensor.MatMul: batch dimensions of shapes [2 2 3 4] and [3 4 5] do not broadcast",
		func() { MatMul(f32(2, 2, 3, 4), f32(3, 4, 5)) })
	require.PanicsWithError(t, "tensor.MatMul: shapes [] and [3]: both operands need at least one dimension", func() { MatMul(Scalar[float32](2), f32(3)) })
	// The method panics with the same message.
	require.PanicsWithError(t, "tensor.MatMul: shapes [2 3] and [4 5] are not aligned", func() { f32(2, 3).MatMul(f32(4, 5)) })
}
