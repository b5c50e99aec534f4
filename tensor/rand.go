package tensor

import (
	bin "encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/godl/godl/tensor/device"
)

// RNG is a seeded random number generator for tensors. The same seed gives the same numbers
// on every run, platform, device and thread count.
//
// Tensor draws (Uniform, Normal, Bernoulli) are made by the device the tensor lives on, in
// parallel, from the counter-based Philox 4x32-10 stream keyed by the seed: each draw takes
// the next blocks of the stream, and element i of a draw is a function of the seed and its
// block number alone (see device.RandomValue for the exact definition, which every device
// follows). Nothing is drawn on the host or copied to the device. Host draws (Float64, IntN,
// Shuffle, Integers, Permutation) come from a PCG generator seeded alike.
//
// An RNG is safe for concurrent use, though the order of draws between goroutines is then up
// to the scheduler.
type RNG struct {
	mu     sync.Mutex
	seed   uint64
	offset uint64 // Philox blocks taken by tensor draws so far
	pcg    *rand.PCG
	r      *rand.Rand
}

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) *RNG {
	pcg := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return &RNG{seed: seed, pcg: pcg, r: rand.New(pcg)}
}

// rngMagic starts the encoding of an RNG's state, version 1.
const rngMagic = "godl.RNG/1\n"

// MarshalBinary returns the generator's state: its seed, the Philox blocks tensor draws have
// taken, and the state of the host generator. A generator restored from it with
// UnmarshalBinary draws the same numbers from then on, as training checkpoints need.
func (g *RNG) MarshalBinary() ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	pcg, err := g.pcg.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("tensor: saving the RNG: %w", err)
	}
	b := append([]byte(rngMagic), make([]byte, 16)...)
	bin.LittleEndian.PutUint64(b[len(rngMagic):], g.seed)
	bin.LittleEndian.PutUint64(b[len(rngMagic)+8:], g.offset)
	return append(b, pcg...), nil
}

// UnmarshalBinary restores a state MarshalBinary returned. It returns an error, and changes
// nothing, when data is not such a state.
func (g *RNG) UnmarshalBinary(data []byte) error {
	n := len(rngMagic) + 16
	if len(data) < n || string(data[:len(rngMagic)]) != rngMagic {
		return fmt.Errorf("tensor: restoring an RNG: not a saved RNG state (%d bytes)", len(data))
	}
	pcg := new(rand.PCG)
	if err := pcg.UnmarshalBinary(data[n:]); err != nil {
		return fmt.Errorf("tensor: restoring an RNG: %w", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seed = bin.LittleEndian.Uint64(data[len(rngMagic):])
	g.offset = bin.LittleEndian.Uint64(data[len(rngMagic)+8:])
	g.pcg, g.r = pcg, rand.New(pcg)
	return nil
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

// random draws a tensor of dist with parameters a and b on the device o names: it takes the
// next blocks of the Philox stream and lets the device fill the tensor from them. It panics if
// the dtype cannot hold the distribution (Int64 takes only Bernoulli), or if the shape is not
// valid or its size in bytes overflows int (see "Sizes" in the package documentation).
func (g *RNG) random(op string, dist device.Distribution, shape Shape, opts []Option, a, b float64) *Tensor {
	o := makeOptions(op, opts)
	if o.dtype == Int64 && dist != device.Bernoulli {
		panicf(op, "dtype int64 is not supported (needs float32 or float64)")
	}
	n := checkedBytes(op, o.dtype, shape)
	t := alloc(o.dev, o.dtype, shape)
	g.mu.Lock()
	off := g.offset
	g.offset += dist.Blocks(o.dtype, n)
	g.mu.Unlock()
	o.dev.Random(dist, t.strided(), g.seed, off, a, b)
	keep(t)
	return t
}

// Uniform returns a tensor of numbers drawn uniformly from [lo, hi), made on its device. It
// panics if the range is empty or not finite, for Int64, or if the shape is not valid or its
// size in bytes overflows int (see "Sizes" in the package documentation).
func (g *RNG) Uniform(shape Shape, lo, hi float64, opts ...Option) *Tensor {
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		panicf("tensor.RNG.Uniform", "empty or infinite range [%g, %g)", lo, hi)
	}
	return g.random("tensor.RNG.Uniform", device.Uniform, shape, opts, lo, hi)
}

// Normal returns a tensor of numbers drawn from the normal distribution with the given mean
// and standard deviation, made on its device. It panics if std is negative or either
// parameter is not finite, for Int64, or if the shape is not valid or its size in bytes
// overflows int.
func (g *RNG) Normal(shape Shape, mean, std float64, opts ...Option) *Tensor {
	if std < 0 {
		panicf("tensor.RNG.Normal", "negative standard deviation %g", std)
	}
	if math.IsNaN(std) || math.IsInf(std, 0) || math.IsNaN(mean) || math.IsInf(mean, 0) {
		panicf("tensor.RNG.Normal", "mean %g and standard deviation %g must be finite", mean, std)
	}
	return g.random("tensor.RNG.Normal", device.Normal, shape, opts, mean, std)
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

// Bernoulli returns a tensor of ones (with probability p) and zeros, made on its device: a
// dropout mask, say. It panics if p is outside [0, 1], or if the shape is not valid or its
// size in bytes overflows int.
func (g *RNG) Bernoulli(shape Shape, p float64, opts ...Option) *Tensor {
	if !(p >= 0 && p <= 1) {
		panicf("tensor.RNG.Bernoulli", "probability %g outside [0, 1]", p)
	}
	return g.random("tensor.RNG.Bernoulli", device.Bernoulli, shape, opts, p, 0)
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
