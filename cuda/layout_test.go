package cuda

import (
	"math/rand/v2"
	"testing"

	"github.com/godl/godl/tensor/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kernelOffsets is offsets<NOPS> of common.cuh read from the packed Desc words: what a kernel
// computes for element i.
func kernelOffsets(w []uint64, nops, i int) []int {
	n, nd := int(int64(w[0])), int(int64(w[1]))
	_ = n
	shape := func(d int) int { return int(int64(w[2+d])) }
	stride := func(k, d int) int { return int(int64(w[2+maxDims+k*maxDims+d])) }
	o := make([]int, nops)
	for k := range nops {
		o[k] = int(int64(w[2+maxDims+maxOps*maxDims+k]))
	}
	for d := nd - 1; d >= 0; d-- {
		idx := i % shape(d)
		i /= shape(d)
		for k := range nops {
			o[k] += idx * stride(k, d)
		}
	}
	return o
}

// directOffsets returns the offset of the i-th element (row-major over shape) in l.
func directOffsets(shape []int, l device.Layout, i int) int {
	o := l.Offset
	for d := len(shape) - 1; d >= 0; d-- {
		o += (i % shape[d]) * l.Strides[d]
		i /= shape[d]
	}
	return o
}

func layoutOf(shape, strides []int, off int) device.Layout {
	return device.Layout{Shape: shape, Strides: strides, Offset: off}
}

func TestCoalesce(t *testing.T) {
	// A contiguous tensor is one long row.
	s := coalesce([]int{3, 4, 5}, device.ContiguousLayout([]int{3, 4, 5}))
	assert.Equal(t, []int{60}, s.shape)
	assert.Equal(t, []int{1}, s.strides[0])
	assert.Equal(t, 60, s.n)

	// A transpose stays two-dimensional; a broadcast operand gets its zero stride.
	s = coalesce([]int{4, 3}, layoutOf([]int{4, 3}, []int{3, 1}, 0), layoutOf([]int{4, 3}, []int{1, 4}, 2), layoutOf([]int{4, 3}, []int{0, 1}, 0))
	assert.Equal(t, []int{4, 3}, s.shape)
	assert.Equal(t, []int{3, 1}, s.strides[0])
	assert.Equal(t, []int{1, 4}, s.strides[1])
	assert.Equal(t, []int{0, 1}, s.strides[2])
	assert.Equal(t, 2, s.off[1])

	// Size-1 dimensions disappear, whatever their strides.
	s = coalesce([]int{1, 5, 1}, layoutOf([]int{1, 5, 1}, []int{99, 2, 7}, 3))
	assert.Equal(t, []int{5}, s.shape)
	assert.Equal(t, []int{2}, s.strides[0])

	// A 0-d tensor and a size-1 one are one element; an empty one has none.
	s = coalesce(nil, layoutOf(nil, nil, 4))
	assert.Equal(t, []int{1}, s.shape)
	assert.Equal(t, 1, s.n)
	assert.Equal(t, 4, s.off[0])
	s = coalesce([]int{2, 0, 3}, device.ContiguousLayout([]int{2, 0, 3}))
	assert.Equal(t, 0, s.n)
	assert.Equal(t, []int{0}, s.shape)

	require.Panics(t, func() { coalesce([]int{1}, make([]device.Layout, 5)...) })
}

// TestDescriptorsAddressEveryElement draws layouts of every kind (permuted, stepped, offset,
// expanded, with size-1 dimensions, up to 12 dimensions so that some split), and checks that
// the kernels' index arithmetic over the packed descriptors reaches, for every element, the
// offset the layout gives it.
func TestDescriptorsAddressEveryElement(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		nd := r.IntN(13)
		shape := make([]int, nd)
		for d := range shape {
			shape[d] = 1 + r.IntN(3)
			if nd > 9 {
				shape[d] = 1 + r.IntN(2)
			}
		}
		nops := 1 + r.IntN(maxOps)
		ls := make([]device.Layout, nops)
		for k := range ls {
			l := device.ContiguousLayout(shape)
			perm := r.Perm(nd)
			st := make([]int, nd)
			step := 1
			for _, d := range perm {
				st[d] = step * (1 + r.IntN(2))
				step = st[d] * shape[d]
				if r.IntN(5) == 0 {
					st[d] = 0 // expanded
				}
			}
			l.Strides, l.Offset = st, r.IntN(7)
			ls[k] = l
		}
		s := coalesce(shape, ls...)
		assert.LessOrEqual(t, len(s.shape), nd+1)
		parts, bases := s.split()
		covered := 0
		for p, part := range parts {
			assert.LessOrEqual(t, len(part.shape), maxDims)
			var w argWords
			w.desc(part)
			require.Len(t, w, descWords)
			for i := range part.n {
				got := kernelOffsets(w, nops, i)
				for k := range nops {
					want := directOffsets(shape, ls[k], bases[p]+i)
					require.Equal(t, want, got[k], "trial %d, shape %v, operand %d, element %d", trial, shape, k, bases[p]+i)
				}
			}
			covered += part.n
		}
		assert.Equal(t, s.n, covered, "the parts cover the space")
	}
}

func TestSplitKeepsSmallSpacesWhole(t *testing.T) {
	s := coalesce([]int{2, 3}, layoutOf([]int{2, 3}, []int{1, 2}, 0))
	parts, bases := s.split()
	assert.Len(t, parts, 1)
	assert.Equal(t, []int{0}, bases)

	// Ten dimensions with gaps between them (steps of 2) cannot merge: the two outer ones
	// loop on the host.
	shape := []int{2, 3, 2, 2, 2, 2, 2, 2, 2, 2}
	st := make([]int, len(shape))
	step := 1
	for d := len(shape) - 1; d >= 0; d-- {
		st[d] = 2 * step
		step = st[d] * shape[d]
	}
	s = coalesce(shape, layoutOf(shape, st, 0))
	require.Len(t, s.shape, 10)
	parts, bases = s.split()
	assert.Len(t, parts, 6)
	assert.Equal(t, []int{0, 256, 512, 768, 1024, 1280}, bases)
	assert.Equal(t, st[1], parts[1].off[0]-parts[0].off[0])
	assert.Equal(t, st[0], parts[3].off[0]-parts[0].off[0])

	var w argWords
	assert.Panics(t, func() { s.words(&w) }, "a descriptor holds at most maxDims dimensions")
}
