package cuda

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/godl/godl/tensor/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestColMajor(t *testing.T) {
	cases := []struct {
		r, c int
		m    mat
		op   matOp
		ok   bool
	}{
		{3, 4, mat{4, 1}, matOp{trans: true, ld: 4}, true},   // row-major: the transpose of column-major
		{3, 4, mat{1, 3}, matOp{trans: false, ld: 3}, true},  // column-major as stored
		{3, 4, mat{1, 5}, matOp{trans: false, ld: 5}, true},  // with padding between columns
		{3, 4, mat{8, 2}, matOp{}, false},                    // steps along both axes
		{3, 4, mat{0, 1}, matOp{}, false},                    // an expanded column
		{3, 4, mat{1, 2}, matOp{}, false},                    // columns that overlap
		{1, 4, mat{99, 1}, matOp{trans: false, ld: 1}, true}, // one row: its stride does not matter
		{1, 4, mat{99, 3}, matOp{trans: false, ld: 3}, true},
		{4, 1, mat{3, 99}, matOp{trans: true, ld: 3}, true}, // one column
		{1, 1, mat{0, 0}, matOp{trans: false, ld: 1}, true},
		{1, 4, mat{5, 0}, matOp{}, false}, // one row expanded from one element
	}
	for _, c := range cases {
		op, ok := colMajor(c.r, c.c, c.m)
		assert.Equal(t, c.ok, ok, "%+v", c)
		if c.ok {
			assert.Equal(t, c.op, op, "%+v", c)
		}
	}
}

func TestPlanGemmLayouts(t *testing.T) {
	// Row-major everywhere: dstᵀ = yᵀ·xᵀ with no transposes, as PyTorch does.
	p := planGemm(3, 5, 4, mat{5, 1}, mat{4, 1}, mat{5, 1})
	assert.Equal(t, gemmPlan{swap: true, m: 5, n: 3, k: 4, a: matOp{false, 5}, b: matOp{false, 4}, ldc: 5}, p)
	// x = wᵀ for a row-major w [4 3] (a Linear layer's weight): the transpose flag, no copy.
	p = planGemm(3, 5, 4, mat{5, 1}, mat{1, 3}, mat{5, 1})
	assert.Equal(t, gemmPlan{swap: true, m: 5, n: 3, k: 4, a: matOp{false, 5}, b: matOp{true, 3}, ldc: 5}, p)
	// A transposed destination view: computed column-major, without the swap.
	p = planGemm(3, 5, 4, mat{1, 3}, mat{4, 1}, mat{5, 1})
	assert.Equal(t, gemmPlan{swap: false, m: 3, n: 5, k: 4, a: matOp{true, 4}, b: matOp{true, 5}, ldc: 3}, p)
	// A stepped operand and an expanded one go through temporaries; so does a stepped dst.
	p = planGemm(3, 5, 4, mat{5, 1}, mat{8, 2}, mat{0, 1})
	assert.True(t, p.tmpX)
	assert.True(t, p.tmpY)
	assert.False(t, p.tmpDst)
	p = planGemm(3, 5, 4, mat{10, 2}, mat{4, 1}, mat{5, 1})
	assert.True(t, p.tmpDst)
	assert.True(t, p.fitsCublas())
	assert.False(t, gemmPlan{m: 1 << 31}.fitsCublas())
}

func TestPlanBatch(t *testing.T) {
	// Contiguous [2 3] batches merge into one strided batch of 6.
	b := planBatch([]int{2, 3}, []int{45, 15}, []int{36, 12}, []int{60, 20})
	assert.Equal(t, gemmBatch{count: 6, sd: 15, sx: 12, sy: 20, outer: [][3]int{{0, 0, 0}}}, b)
	// y broadcast over the batch: a zero stride.
	b = planBatch([]int{4}, []int{15}, []int{12}, []int{0})
	assert.Equal(t, gemmBatch{count: 4, sd: 15, sx: 12, sy: 0, outer: [][3]int{{0, 0, 0}}}, b)
	// x broadcast along the outer dimension only: the outer one loops on the host.
	b = planBatch([]int{2, 3}, []int{45, 15}, []int{0, 12}, []int{60, 20})
	assert.Equal(t, 3, b.count)
	assert.Equal(t, [][3]int{{0, 0, 0}, {45, 0, 60}}, b.outer)
	// No batch dimensions: one matrix; an empty batch: nothing.
	b = planBatch(nil, nil, nil, nil)
	assert.Equal(t, gemmBatch{count: 1, outer: [][3]int{{0, 0, 0}}}, b)
	b = planBatch([]int{3, 0}, []int{0, 15}, []int{0, 12}, []int{0, 20})
	assert.Zero(t, b.count)
	assert.Empty(t, b.outer)
}

// simGemm runs a plan the way cuBLAS would (column-major, op, leading dimensions, strided
// batches) on float64 slices.
func simGemm(p gemmPlan, bt gemmBatch, dst []float64, dOff int, x []float64, xOff int, y []float64, yOff int) {
	A, aOff, sa, B, bOff, sb := x, xOff, bt.sx, y, yOff, bt.sy
	if p.swap {
		A, aOff, sa, B, bOff, sb = y, yOff, bt.sy, x, xOff, bt.sx
	}
	at := func(S []float64, base int, op matOp, i, j int) float64 {
		if op.trans {
			return S[base+j+i*op.ld]
		}
		return S[base+i+j*op.ld]
	}
	for _, o := range bt.outer {
		oa, ob := o[1], o[2]
		if p.swap {
			oa, ob = o[2], o[1]
		}
		for b := range bt.count {
			for i := range p.m {
				for j := range p.n {
					s := 0.0
					for l := range p.k {
						s += at(A, aOff+oa+b*sa, p.a, i, l) * at(B, bOff+ob+b*sb, p.b, l, j)
					}
					dst[dOff+o[0]+b*bt.sd+i+j*p.ldc] = s
				}
			}
		}
	}
}

// randomMatLayout returns a layout of shape [batch..., r, c]: contiguous, transposed,
// stepped, or with an expanded batch or row dimension, at an offset.
func randomMatLayout(rnd *rand.Rand, shape []int, kind int) device.Layout {
	nd := len(shape)
	st := make([]int, nd)
	order := make([]int, nd) // innermost first
	for i := range order {
		order[i] = nd - 1 - i
	}
	if kind == 1 { // the matrices transposed
		order[0], order[1] = nd-2, nd-1
	}
	step := 1
	for _, d := range order {
		gap := 1
		if kind == 2 {
			gap = 2
		}
		st[d] = step * gap
		step = st[d] * shape[d]
	}
	if kind == 3 && nd > 2 {
		st[0] = 0 // a broadcast batch dimension
	}
	if kind == 4 {
		st[nd-2] = 0 // an expanded row: every row the same
	}
	return device.Layout{Shape: shape, Strides: st, Offset: rnd.IntN(3)}
}

// TestGemmPlansComputeTheProduct checks, for operands of every layout kind, that the cuBLAS
// calls the plan makes (simulated), with temporaries where it asks for them, compute
// dst = x·y.
func TestGemmPlansComputeTheProduct(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	seen := map[string]int{}
	defer func() {
		for _, path := range []string{"swap", "noswap", "tmpX", "tmpY", "tmpDst", "transA", "transB", "hostloop"} {
			assert.Positive(t, seen[path], "no trial took the %s path", path)
		}
	}()
	for trial := range 400 {
		nb := rnd.IntN(3)
		batch := make([]int, nb)
		for i := range batch {
			batch[i] = 1 + rnd.IntN(3)
		}
		m, n, k := 1+rnd.IntN(4), 1+rnd.IntN(4), 1+rnd.IntN(4)
		shape := func(r, c int) []int { return append(append([]int{}, batch...), r, c) }
		kx, ky, kd := rnd.IntN(5), rnd.IntN(5), rnd.IntN(3)
		lx, ly, ld := randomMatLayout(rnd, shape(m, k), kx), randomMatLayout(rnd, shape(k, n), ky), randomMatLayout(rnd, shape(m, n), kd)
		x := make([]float64, lx.Span())
		y := make([]float64, ly.Span())
		for i := range x {
			x[i] = float64(rnd.IntN(7) - 3)
		}
		for i := range y {
			y[i] = float64(rnd.IntN(7) - 3)
		}
		dst := make([]float64, ld.Span())
		what := fmt.Sprintf("trial %d: batch %v m %d n %d k %d, kinds %d %d %d", trial, batch, m, n, k, kx, ky, kd)

		// What the device does: temporaries for the operands the plan cannot pass.
		p := planGemm(m, n, k, matOf(ld), matOf(lx), matOf(ly))
		xs, xl := x, lx
		if p.tmpX {
			xs, xl = contiguousCopy(x, lx)
		}
		ys, yl := y, ly
		if p.tmpY {
			ys, yl = contiguousCopy(y, ly)
		}
		ds, dl, tmpDst := dst, ld, p.tmpDst
		if tmpDst {
			dl = device.ContiguousLayout(ld.Shape)
			ds = make([]float64, dl.Span())
		}
		seen["tmpX"] += b2i(p.tmpX)
		seen["tmpY"] += b2i(p.tmpY)
		seen["tmpDst"] += b2i(tmpDst)
		p = planGemm(m, n, k, matOf(dl), matOf(xl), matOf(yl))
		seen["swap"] += b2i(p.swap)
		seen["noswap"] += b2i(!p.swap)
		seen["transA"] += b2i(p.a.trans)
		seen["transB"] += b2i(p.b.trans)
		require.False(t, p.tmpX || p.tmpY || p.tmpDst, "%s: temporaries need no temporaries", what)
		bt := planBatch(batch, dl.Strides[:nb], xl.Strides[:nb], yl.Strides[:nb])
		seen["hostloop"] += b2i(len(bt.outer) > 1)
		simGemm(p, bt, ds, dl.Offset, xs, xl.Offset, ys, yl.Offset)
		if tmpDst {
			copyLayout(dst, ld, ds, dl)
		}

		// The product, element by element.
		for i := range (device.Layout{Shape: ld.Shape}).Numel() {
			idx := unflat(i, ld.Shape)
			want := 0.0
			for l := range k {
				xi := append(append([]int{}, idx[:nb]...), idx[nb], l)
				yi := append(append([]int{}, idx[:nb]...), l, idx[nb+1])
				want += x[at(lx, xi)] * y[at(ly, yi)]
			}
			require.Equal(t, want, dst[at(ld, idx)], "%s: element %v", what, idx)
		}
	}
}

func unflat(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = i % shape[d]
		i /= shape[d]
	}
	return idx
}

func at(l device.Layout, idx []int) int {
	o := l.Offset
	for d, i := range idx {
		o += i * l.Strides[d]
	}
	return o
}

func contiguousCopy(src []float64, l device.Layout) ([]float64, device.Layout) {
	cl := device.ContiguousLayout(l.Shape)
	out := make([]float64, max(cl.Span(), 1))
	copyLayout(out, cl, src, l)
	return out, cl
}

func copyLayout(dst []float64, dl device.Layout, src []float64, sl device.Layout) {
	for i := range dl.Numel() {
		idx := unflat(i, dl.Shape)
		dst[at(dl, idx)] = src[at(sl, idx)]
	}
}
