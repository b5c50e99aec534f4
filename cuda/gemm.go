package cuda

import (
	"fmt"
	"math"

	"github.com/godl/godl/tensor/device"
)

// Matrix products through cuBLAS. godl's operands are row-major views with any strides
// (transposes are views, broadcast batches have zero strides); cuBLAS wants column-major
// matrices, each either as stored or transposed, with a leading dimension, and one stride
// between the matrices of a batch. This file maps the one onto the other; the operands that
// no cuBLAS call can read (an expanded row, steps along both axes) are first copied into a
// contiguous temporary, and a destination that cuBLAS cannot write is computed into one and
// copied back.

// mat is the layout of one matrix of a batch: row and column strides in elements.
type mat struct{ rs, cs int }

// matOp is how a matrix enters cuBLAS: op(S) of a column-major stored matrix S with leading
// dimension ld, where op transposes when trans is set.
type matOp struct {
	trans bool
	ld    int
}

// colMajor returns how an r×c matrix with layout m is op(S) of a column-major matrix S, and
// whether it is one. Strides along dimensions of size 1 do not matter. cuBLAS requires
// ld >= max(1, rows of S), which also rules out zero strides.
func colMajor(r, c int, m mat) (matOp, bool) {
	// As stored: M(i, j) = S[i + j·ld], a unit row stride.
	if r == 1 || m.rs == 1 {
		ld := m.cs
		if c == 1 {
			ld = max(r, 1)
		}
		if ld >= max(r, 1) {
			return matOp{trans: false, ld: ld}, true
		}
	}
	// Transposed: M(i, j) = S[j + i·ld], a unit column stride.
	if c == 1 || m.cs == 1 {
		ld := m.rs
		if r == 1 {
			ld = max(c, 1)
		}
		if ld >= max(c, 1) {
			return matOp{trans: true, ld: ld}, true
		}
	}
	return matOp{}, false
}

// gemmPlan is one cuBLAS call per matrix of the batch: C' = op(A')·op(B') with C' m'×n' of
// leading dimension ldc. With swap, it computes dstᵀ = yᵀ·xᵀ (A' is y, B' is x, m' = n,
// n' = m), which is how a row-major product looks to column-major cuBLAS; without, dst = x·y
// with the column-major dst that a transposed destination view is. tmpDst, tmpX and tmpY
// mark the operands that must first go through a contiguous temporary.
type gemmPlan struct {
	swap       bool
	m, n, k    int // m', n', k as cuBLAS sees them
	a, b       matOp
	ldc        int
	tmpDst     bool
	tmpX, tmpY bool
}

// planGemm maps dst (m×n) = x (m×k) · y (k×n), with the given layouts of one matrix of the
// batch, onto a cuBLAS call. k is at least 1.
func planGemm(m, n, k int, d, x, y mat) gemmPlan {
	var p gemmPlan
	// The destination decides the orientation: cuBLAS writes C' as stored.
	if c, ok := colMajor(n, m, mat{d.cs, d.rs}); ok && !c.trans {
		p.swap, p.ldc = true, c.ld
	} else if c, ok := colMajor(m, n, d); ok && !c.trans {
		p.swap, p.ldc = false, c.ld
	} else {
		p.tmpDst, p.swap, p.ldc = true, true, n // a contiguous row-major temporary
	}
	var okA, okB bool
	if p.swap {
		p.m, p.n, p.k = n, m, k
		p.a, okA = colMajor(n, k, mat{y.cs, y.rs}) // yᵀ
		p.b, okB = colMajor(k, m, mat{x.cs, x.rs}) // xᵀ
		p.tmpY, p.tmpX = !okA, !okB
	} else {
		p.m, p.n, p.k = m, n, k
		p.a, okA = colMajor(m, k, x)
		p.b, okB = colMajor(k, n, y)
		p.tmpX, p.tmpY = !okA, !okB
	}
	return p
}

// fitsCublas reports whether the sizes and leading dimensions of p fit cuBLAS's 32-bit ints.
func (p gemmPlan) fitsCublas() bool {
	for _, v := range []int{p.m, p.n, p.k, p.a.ld, p.b.ld, p.ldc} {
		if v > math.MaxInt32 {
			return false
		}
	}
	return true
}

// gemmBatch is how the matrices of a batch are walked: count matrices in one strided-batched
// call, with the strides between them (in elements) for dst, x and y, and that call repeated
// at each of the offsets in outer (host loops over the batch dimensions that do not merge
// into one stride).
type gemmBatch struct {
	count      int
	sd, sx, sy int
	outer      [][3]int // offsets of dst, x, y (in elements) of each call; one {0,0,0} at least
}

// planBatch collapses the batch dimensions shape (with the strides of dst, x and y along
// them) into one strided-batched dimension and host loops over the rest.
func planBatch(shape, sd, sx, sy []int) gemmBatch {
	sp := coalesce(shape,
		device.Layout{Shape: shape, Strides: sd},
		device.Layout{Shape: shape, Strides: sx},
		device.Layout{Shape: shape, Strides: sy})
	nd := len(sp.shape)
	b := gemmBatch{count: sp.shape[nd-1], sd: sp.strides[0][nd-1], sx: sp.strides[1][nd-1], sy: sp.strides[2][nd-1]}
	outer := sp.shape[:nd-1]
	idx := make([]int, len(outer))
	total := 1
	for _, v := range outer {
		total *= v
	}
	if b.count == 0 {
		total = 0
	}
	for range total {
		var o [3]int
		for d, i := range idx {
			for op := range 3 {
				o[op] += i * sp.strides[op][d]
			}
		}
		b.outer = append(b.outer, o)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < outer[d] {
				break
			}
			idx[d] = 0
		}
	}
	return b
}

// matOf returns the layout of the matrices of a [..., r, c] operand.
func matOf(l device.Layout) mat {
	nd := len(l.Shape)
	return mat{rs: l.Strides[nd-2], cs: l.Strides[nd-1]}
}

// fmtGemm describes a cuBLAS call of p for messages.
func fmtGemm(p gemmPlan, count int) string {
	op := func(o matOp) string {
		if o.trans {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("in gemm %s%s m=%d n=%d k=%d lda=%d ldb=%d ldc=%d batch=%d", op(p.a), op(p.b), p.m, p.n, p.k, p.a.ld, p.b.ld, p.ldc, count)
}
