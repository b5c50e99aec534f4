package cpu

import (
	"github.com/godl/godl/internal/parallel"
	"github.com/godl/godl/tensor/device"
	"github.com/godl/godl/tensor/internal/shapes"
)

// blockElems is the fixed amount of work (in elements) of one parallel chunk. Chunk
// boundaries depend only on shapes, never on the thread count, so results are the same on any
// number of threads.
const blockElems = 1 << 15

const (
	maxOps        = 4
	inlineIterDim = 6 // dimensions an iter holds without a further allocation
)

// iter walks up to four operands of one shape together, row by row along the innermost
// (coalesced) dimension.
type iter struct {
	nops    int
	shape   []int // coalesced; at least one dimension
	strides [maxOps][]int
	base    [maxOps]int

	buf [(maxOps + 1) * inlineIterDim]int // backing store of shape and strides when they fit
}

// numel returns the number of elements of a shape that package tensor has checked.
func numel(shape []int) int {
	n, _ := shapes.Numel(shape)
	return n
}

// newIter prepares to walk operands of the given shape. Size-1 dimensions are dropped and
// neighbouring dimensions that are contiguous in every operand are merged, so that a dense
// tensor becomes one long row.
func newIter(shape []int, ls ...device.Layout) *iter {
	it := &iter{nops: len(ls)}
	for k, l := range ls {
		it.base[k] = l.Offset
	}
	nd := 0
	for _, d := range shape {
		if d != 1 {
			nd++
		}
	}
	nd = max(nd, 1)
	var store []int
	if nd <= inlineIterDim {
		store = it.buf[:]
	} else {
		store = make([]int, (maxOps+1)*nd)
	}
	it.shape = store[:0:nd]
	for k := range ls {
		it.strides[k] = store[(k+1)*nd : (k+1)*nd : (k+2)*nd]
	}
	// Walk dimensions from the innermost out, merging each into the innermost kept one when
	// every operand steps over the kept one exactly.
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] == 1 {
			continue
		}
		if j := len(it.shape) - 1; j >= 0 {
			merge := true
			for k, l := range ls {
				if l.Strides[d] != it.strides[k][j]*it.shape[j] {
					merge = false
					break
				}
			}
			if merge {
				it.shape[j] *= shape[d]
				continue
			}
		}
		it.shape = append(it.shape, shape[d])
		for k, l := range ls {
			it.strides[k] = append(it.strides[k], l.Strides[d])
		}
	}
	if len(it.shape) == 0 {
		it.shape = append(it.shape, 1)
		for k := range ls {
			it.strides[k] = append(it.strides[k], 1)
		}
	}
	// Reverse to outer-first order.
	for i, j := 0, len(it.shape)-1; i < j; i, j = i+1, j-1 {
		it.shape[i], it.shape[j] = it.shape[j], it.shape[i]
		for k := range ls {
			it.strides[k][i], it.strides[k][j] = it.strides[k][j], it.strides[k][i]
		}
	}
	return it
}

func (it *iter) inner() int { return it.shape[len(it.shape)-1] }

// innerStride returns operand k's stride along the innermost dimension.
func (it *iter) innerStride(k int) int { return it.strides[k][len(it.shape)-1] }

func (it *iter) rows() int {
	r := 1
	for _, d := range it.shape[:len(it.shape)-1] {
		r *= d
	}
	return r
}

// rowOffsets returns each operand's offset of the first element of row r.
func (it *iter) rowOffsets(r int) [maxOps]int {
	offs := it.base
	for d := len(it.shape) - 2; d >= 0; d-- {
		i := r % it.shape[d]
		r /= it.shape[d]
		for k := range it.nops {
			offs[k] += i * it.strides[k][d]
		}
	}
	return offs
}

// eachRow calls f with the offsets of rows lo..hi-1 in order.
func (it *iter) eachRow(lo, hi int, f func(offs [maxOps]int)) {
	nd := len(it.shape) - 1
	offs := it.rowOffsets(lo)
	if nd == 0 {
		for row := lo; row < hi; row++ {
			f(offs) // a single row
		}
		return
	}
	var small [inlineIterDim]int
	var idx []int
	if nd > len(small) {
		idx = make([]int, nd)
	} else {
		idx = small[:nd]
	}
	r := lo
	for d := nd - 1; d >= 0; d-- {
		idx[d] = r % it.shape[d]
		r /= it.shape[d]
	}
	for row := lo; row < hi; row++ {
		f(offs)
		for d := nd - 1; d >= 0; d-- {
			idx[d]++
			for k := range it.nops {
				offs[k] += it.strides[k][d]
			}
			if idx[d] < it.shape[d] {
				break
			}
			for k := range it.nops {
				offs[k] -= it.strides[k][d] * it.shape[d]
			}
			idx[d] = 0
		}
	}
}

// run calls body for every run of n consecutive elements along the innermost dimension, with
// each operand's offset of the run's first element, in parallel over fixed-size blocks.
func (it *iter) run(body func(offs [maxOps]int, n int)) {
	inner := it.inner()
	rows := it.rows()
	if rows*inner <= blockElems {
		// One block: no goroutines, no closures to allocate.
		it.eachRow(0, rows, func(offs [maxOps]int) { body(offs, inner) })
		return
	}
	if inner >= blockElems {
		segs := (inner + blockElems - 1) / blockElems
		parallel.For(rows*segs, 1, func(lo, hi int) {
			for item := lo; item < hi; item++ {
				row, seg := item/segs, item%segs
				offs := it.rowOffsets(row)
				s0 := seg * blockElems
				for k := range it.nops {
					offs[k] += s0 * it.innerStride(k)
				}
				body(offs, min(blockElems, inner-s0))
			}
		})
		return
	}
	parallel.For(rows, blockElems/inner, func(lo, hi int) {
		it.eachRow(lo, hi, func(offs [maxOps]int) { body(offs, inner) })
	})
}

// spans calls f for the elements with linear (row-major) indices lo..hi-1, one call per piece
// of a row: offs holds each operand's offset of the piece's first element, n its length.
func (it *iter) spans(lo, hi int, f func(offs [maxOps]int, n int)) {
	inner := it.inner()
	for lo < hi {
		row, col := lo/inner, lo%inner
		offs := it.rowOffsets(row)
		for k := range it.nops {
			offs[k] += col * it.innerStride(k)
		}
		n := min(inner-col, hi-lo)
		f(offs, n)
		lo += n
	}
}
