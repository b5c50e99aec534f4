package cuda

import (
	"slices"

	"github.com/godl/godl/tensor/device"
)

// Iteration spaces: what a kernel walks, described to it in a Desc (kernels/common.cuh). The
// host merges the dimensions that are contiguous in every operand and drops those of size 1,
// as the CPU backend does, so that a dense tensor is one long row and the kernel's index
// arithmetic is a multiplication; a space that still has more than maxDims dimensions is cut
// into several launches over its outer dimensions.

const (
	maxDims = 8 // MAXD in common.cuh
	maxOps  = 4 // MAXOPS in common.cuh

	descWords = 2 + maxDims + maxOps*maxDims + maxOps // the size of a Desc in 8-byte words
)

// space is a coalesced iteration space over up to maxOps operands: element i, in row-major
// order over shape, lives at off[k] + Σ idx_d·strides[k][d] in operand k.
type space struct {
	n       int
	shape   []int // at least one dimension
	strides [maxOps][]int
	off     [maxOps]int
	nops    int
}

// coalesce returns the space of shape walked over the layouts ls (each of that shape). Size-1
// dimensions are dropped, and a dimension merges into the next inner one when every operand
// steps over the inner one exactly.
func coalesce(shape []int, ls ...device.Layout) space {
	if len(ls) > maxOps {
		device.Panicf("cuda.coalesce", "%d operands, at most %d", len(ls), maxOps)
	}
	s := space{nops: len(ls), n: 1}
	for _, d := range shape {
		s.n *= d
	}
	for k, l := range ls {
		s.off[k] = l.Offset
	}
	// From the innermost dimension out, into reversed slices.
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] == 1 {
			continue
		}
		if j := len(s.shape) - 1; j >= 0 {
			merge := true
			for k, l := range ls {
				if l.Strides[d] != s.strides[k][j]*s.shape[j] {
					merge = false
					break
				}
			}
			if merge {
				s.shape[j] *= shape[d]
				continue
			}
		}
		s.shape = append(s.shape, shape[d])
		for k, l := range ls {
			s.strides[k] = append(s.strides[k], l.Strides[d])
		}
	}
	if len(s.shape) == 0 {
		s.shape = []int{1}
		for k := range ls {
			s.strides[k] = []int{0}
		}
	}
	slices.Reverse(s.shape)
	for k := range ls {
		slices.Reverse(s.strides[k])
	}
	if s.n == 0 {
		s.shape = []int{0}
		for k := range ls {
			s.strides[k] = []int{0}
		}
	}
	return s
}

// split cuts a space of more than maxDims dimensions into spaces of maxDims dimensions, one
// for each position of the outer dimensions, in row-major order; a smaller space is returned
// as it is. Each part covers a contiguous range of the row-major order, starting at its
// first element's index (base).
func (s space) split() (parts []space, bases []int) {
	nd := len(s.shape)
	if nd <= maxDims {
		return []space{s}, []int{0}
	}
	outer, inner := s.shape[:nd-maxDims], s.shape[nd-maxDims:]
	innerN := 1
	for _, d := range inner {
		innerN *= d
	}
	count := 1
	for _, d := range outer {
		count *= d
	}
	idx := make([]int, len(outer))
	for p := range count {
		q := space{n: innerN, shape: inner, nops: s.nops}
		for k := range s.nops {
			q.strides[k] = s.strides[k][nd-maxDims:]
			q.off[k] = s.off[k]
			for d, i := range idx {
				q.off[k] += i * s.strides[k][d]
			}
		}
		parts = append(parts, q)
		bases = append(bases, p*innerN)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < outer[d] {
				break
			}
			idx[d] = 0
		}
	}
	return parts, bases
}

// words appends the Desc of s (which has at most maxDims dimensions) to w.
func (s space) words(w *argWords) {
	if len(s.shape) > maxDims {
		device.Panicf("cuda.Desc", "%d dimensions, at most %d", len(s.shape), maxDims)
	}
	w.int(s.n)
	w.int(len(s.shape))
	for d := range maxDims {
		if d < len(s.shape) {
			w.int(s.shape[d])
		} else {
			w.int(1)
		}
	}
	for k := range maxOps {
		for d := range maxDims {
			if k < s.nops && d < len(s.shape) {
				w.int(s.strides[k][d])
			} else {
				w.int(0)
			}
		}
	}
	for k := range maxOps {
		w.int(s.off[k])
	}
}
