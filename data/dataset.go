package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/godl/godl/tensor"
)

func panicf(op, format string, args ...any) {
	panic(&tensor.Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

// Dataset is an indexed collection of examples: At(i) for i in [0, Len()). Implementations
// that a Loader reads with workers must be safe for concurrent calls of At.
type Dataset[E any] interface {
	Len() int
	At(i int) E
}

// Slice is an in-memory dataset over a Go slice.
type Slice[E any] []E

var _ Dataset[int] = Slice[int](nil)

// Len returns the number of examples.
func (s Slice[E]) Len() int { return len(s) }

// At returns example i. It panics with *tensor.Error if i is out of range.
func (s Slice[E]) At(i int) E {
	if i < 0 || i >= len(s) {
		panicf("data.Slice.At", "index %d out of range [0, %d)", i, len(s))
	}
	return s[i]
}

// Func is a dataset whose examples are computed: example i is Fn(i), for i in [0, N).
type Func[E any] struct {
	N  int
	Fn func(i int) E
}

// Len returns N.
func (f Func[E]) Len() int { return f.N }

// At returns Fn(i). It panics with *tensor.Error if i is out of range.
func (f Func[E]) At(i int) E {
	if i < 0 || i >= f.N {
		panicf("data.Func.At", "index %d out of range [0, %d)", i, f.N)
	}
	return f.Fn(i)
}

// Subset is the examples of Data at Indices, in that order.
type Subset[E any] struct {
	Data    Dataset[E]
	Indices []int
}

// NewSubset returns the subset of ds at indices (not copied). It panics with *tensor.Error if
// an index is out of range.
func NewSubset[E any](ds Dataset[E], indices []int) Subset[E] {
	n := ds.Len()
	for _, i := range indices {
		if i < 0 || i >= n {
			panicf("data.NewSubset", "index %d out of range [0, %d)", i, n)
		}
	}
	return Subset[E]{Data: ds, Indices: indices}
}

// Len returns the number of indices.
func (s Subset[E]) Len() int { return len(s.Indices) }

// At returns example Indices[i] of Data. It panics with *tensor.Error if i is out of range.
func (s Subset[E]) At(i int) E {
	if i < 0 || i >= len(s.Indices) {
		panicf("data.Subset.At", "index %d out of range [0, %d)", i, len(s.Indices))
	}
	return s.Data.At(s.Indices[i])
}

// RandomSplit splits ds into non-overlapping subsets of the given sizes, drawn at random
// from a permutation seeded by seed (like torch.utils.data.random_split): the same seed
// and sizes always give the same subsets. It panics with *tensor.Error if a size is
// negative or the sizes do not add up to ds.Len().
func RandomSplit[E any](ds Dataset[E], sizes []int, seed uint64) []Subset[E] {
	n, sum := ds.Len(), 0
	for _, s := range sizes {
		if s < 0 {
			panicf("data.RandomSplit", "negative size %d in %v", s, sizes)
		}
		sum += s
	}
	if sum != n {
		panicf("data.RandomSplit", "sizes %v add up to %d, want the dataset's length %d", sizes, sum, n)
	}
	perm := newRand(seed, splitStream).Perm(n)
	out := make([]Subset[E], len(sizes))
	for i, s := range sizes {
		out[i] = Subset[E]{Data: ds, Indices: perm[:s:s]}
		perm = perm[s:]
	}
	return out
}

// splitStream keeps RandomSplit's draws apart from the epochs' (stream = epoch there).
const splitStream = 1<<64 - 1

// newRand returns the generator for one seed and stream: math/rand/v2's PCG, so the draws
// are the same on every platform.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}
