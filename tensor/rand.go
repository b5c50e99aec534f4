package tensor

import (
	"math"
	"math/rand/v2"
	"sync"
)

// RNG is a seeded random number generator for tensors. The same seed gives the same numbers
// on every run, platform and thread count: values are drawn one by one, in row-major order,
// from a PCG generator, and then copied to the target device. An RNG is safe for concurrent
// use, though the order of draws between goroutines is then up to the scheduler.
type RNG struct {
	mu sync.Mutex
	r  *rand.Rand
}

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) *RNG {
	return &RNG{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Float64 returns a uniform number in [0, 1).
func (g *RNG) Float64() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.Float64()
}

// IntN returns a uniform integer in [0, n). It panics if n <= 0.
func (g *RNG) IntN(n int) int {
	if n <= 0 {
		panicf("tensor.RNG.IntN", "n = %d must be positive", n)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.IntN(n)
}

// Shuffle permutes n items in place by calling swap, like rand.Shuffle.
func (g *RNG) Shuffle(n int, swap func(i, j int)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.r.Shuffle(n, swap)
}

// draw fills a new tensor of shape with values from next, converted to o's dtype. It panics
// if the shape is not valid or its size in bytes overflows int (see "Sizes" in the package
// documentation). The tensor is allocated before anything is drawn, and its values are drawn
// in one run, under the lock.
func (g *RNG) draw(op string, shape Shape, opts []Option, def DType, next func(r *rand.Rand) float64) *Tensor {
	o := makeOptions(op, opts)
	if !hasDType(opts) {
		o.dtype = def
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return generate(op, shape, o, func(_ int, vals []float64) {
		for i := range vals {
			vals[i] = next(g.r)
		}
	})
}

// Uniform returns a tensor of numbers drawn uniformly from [lo, hi). It panics if the range is
// empty, or if the shape is not valid or its size in bytes overflows int (see "Sizes" in the
// package documentation).
func (g *RNG) Uniform(shape Shape, lo, hi float64, opts ...Option) *Tensor {
	if !(lo < hi) {
		panicf("tensor.RNG.Uniform", "empty range [%g, %g)", lo, hi)
	}
	o := makeOptions("tensor.RNG.Uniform", opts)
	return g.draw("tensor.RNG.Uniform", shape, opts, o.dtype, func(r *rand.Rand) float64 {
		v := lo + (hi-lo)*r.Float64()
		// Rounding to float32 must not reach hi.
		if o.dtype == Float32 && float64(float32(v)) >= hi {
			v = float64(math.Nextafter32(float32(hi), float32(lo)))
		}
		return v
	})
}

// Normal returns a tensor of numbers drawn from the normal distribution with the given mean
// and standard deviation. It panics if std is negative, or if the shape is not valid or its
// size in bytes overflows int.
func (g *RNG) Normal(shape Shape, mean, std float64, opts ...Option) *Tensor {
	if std < 0 {
		panicf("tensor.RNG.Normal", "negative standard deviation %g", std)
	}
	o := makeOptions("tensor.RNG.Normal", opts)
	return g.draw("tensor.RNG.Normal", shape, opts, o.dtype, func(r *rand.Rand) float64 {
		return mean + std*r.NormFloat64()
	})
}

// Integers returns a tensor of integers drawn uniformly from [lo, hi); the dtype is Int64
// unless an option says otherwise. Any range of int64 values works, drawn exactly. It panics
// if the range is empty, or if the shape is not valid or its size in bytes overflows int.
func (g *RNG) Integers(shape Shape, lo, hi int64, opts ...Option) *Tensor {
	const name = "tensor.RNG.Integers"
	if lo >= hi {
		panicf(name, "empty range [%d, %d)", lo, hi)
	}
	o := makeOptions(name, opts)
	if !hasDType(opts) {
		o.dtype = Int64
	}
	span := uint64(hi) - uint64(lo) // exact even when hi-lo overflows int64
	g.mu.Lock()
	defer g.mu.Unlock()
	return generate(name, shape, o, func(_ int, vals []int64) {
		for i := range vals {
			vals[i] = lo + int64(g.r.Uint64N(span))
		}
	})
}

func hasDType(opts []Option) bool {
	for _, opt := range opts {
		if _, ok := opt.(DType); ok {
			return true
		}
	}
	return false
}

// Bernoulli returns a tensor of ones (with probability p) and zeros. It panics if p is outside
// [0, 1], or if the shape is not valid or its size in bytes overflows int.
func (g *RNG) Bernoulli(shape Shape, p float64, opts ...Option) *Tensor {
	if p < 0 || p > 1 {
		panicf("tensor.RNG.Bernoulli", "probability %g outside [0, 1]", p)
	}
	o := makeOptions("tensor.RNG.Bernoulli", opts)
	return g.draw("tensor.RNG.Bernoulli", shape, opts, o.dtype, func(r *rand.Rand) float64 {
		if r.Float64() < p {
			return 1
		}
		return 0
	})
}

// Permutation returns a random permutation of 0..n-1 as an Int64 tensor. It panics if n is
// negative or the tensor's size in bytes overflows int.
func (g *RNG) Permutation(n int, opts ...Option) *Tensor {
	const name = "tensor.RNG.Permutation"
	if n < 0 {
		panicf(name, "negative n %d", n)
	}
	o := makeOptions(name, opts)
	if !hasDType(opts) {
		o.dtype = Int64
	}
	var p []int // drawn once the tensor is allocated
	return generate(name, []int{n}, o, func(off int, vals []int64) {
		if p == nil {
			g.mu.Lock()
			p = g.r.Perm(n)
			g.mu.Unlock()
		}
		for i := range vals {
			vals[i] = int64(p[off+i])
		}
	})
}
