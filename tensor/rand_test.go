package tensor

import (
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/godl/godl/tensor/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Statistical checks below use a 5 sigma bound: a correct generator fails one of them with
// probability below 1e-6 per check, and the seeds are fixed, so they are deterministic anyway.
const vwSigmas = 5.0

// vwDraws produces one tensor of each kind from a generator with the given seed.
func vwDraws(seed uint64) []*Tensor {
	g := NewRNG(seed)
	return []*Tensor{
		g.Uniform(Shape{300, 7}, -1, 1),
		g.Normal(Shape{1000}, 0, 1, Float64),
		g.Integers(Shape{50}, -5, 5),
		g.Permutation(100),
		g.Bernoulli(Shape{64}, 0.5),
		g.Uniform(Shape{3}, 0, 1, Float64),
	}
}

func TestRNGSameSeedSameNumbers(t *testing.T) {
	a, b := vwDraws(42), vwDraws(42)
	for i := range a {
		assert.Equal(t, a[i].Shape(), b[i].Shape(), "draw %d", i)
		assert.Equal(t, a[i].Float64s(), b[i].Float64s(), "draw %d", i)
	}
	g1, g2 := NewRNG(7), NewRNG(7)
	for range 100 {
		require.Equal(t, g1.Float64(), g2.Float64())
		require.Equal(t, g1.IntN(1000), g2.IntN(1000))
	}
	p1, p2 := []int{0, 1, 2, 3, 4, 5, 6, 7}, []int{0, 1, 2, 3, 4, 5, 6, 7}
	g1.Shuffle(len(p1), func(i, j int) { p1[i], p1[j] = p1[j], p1[i] })
	g2.Shuffle(len(p2), func(i, j int) { p2[i], p2[j] = p2[j], p2[i] })
	assert.Equal(t, p1, p2)
}

func TestRNGDifferentSeedsDiffer(t *testing.T) {
	a, b := vwDraws(1), vwDraws(2)
	for i := range a {
		if a[i].DType() == Int64 || i == 4 {
			// Small integer ranges may agree by chance in a few places, but not everywhere.
			assert.NotEqual(t, a[i].Float64s(), b[i].Float64s(), "draw %d", i)
			continue
		}
		same := 0
		av, bv := a[i].Float64s(), b[i].Float64s()
		for j := range av {
			if av[j] == bv[j] {
				same++
			}
		}
		assert.Zero(t, same, "draw %d: %d equal values", i, same)
	}
	// Consecutive draws from one generator differ too.
	g := NewRNG(3)
	assert.NotEqual(t, g.Uniform(Shape{16}, 0, 1).Float32s(), g.Uniform(Shape{16}, 0, 1).Float32s())
}

func TestRNGIndependentOfThreadCount(t *testing.T) {
	prev := SetNumThreads(1)
	defer SetNumThreads(prev)
	const n = 1 << 20 // large enough for the parallel paths of the ops below
	one := NewRNG(11).Normal(Shape{n}, 0, 1)
	oneSum := one.Sum().Item()
	oneExp := one.Exp().Float32s()
	SetNumThreads(4)
	four := NewRNG(11).Normal(Shape{n}, 0, 1)
	assert.Equal(t, one.Float32s(), four.Float32s())
	// Results computed from them are bitwise equal as well.
	assert.Equal(t, oneSum, four.Sum().Item())
	assert.Equal(t, oneExp, four.Exp().Float32s())
}

func TestRNGConcurrentDrawsPartitionTheSequence(t *testing.T) {
	// Concurrent callers each get distinct values of the one sequence: together they hold
	// exactly the values a single caller would have drawn.
	const workers, each = 4, 250
	seq := NewRNG(5)
	var want []float64
	for range workers * each {
		want = append(want, seq.Float64())
	}
	g := NewRNG(5)
	var mu sync.Mutex
	var got []float64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			local := make([]float64, 0, each)
			for range each {
				local = append(local, g.Float64())
			}
			mu.Lock()
			got = append(got, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(got)
	slices.Sort(want)
	assert.Equal(t, want, got)
}

func TestRNGUniform(t *testing.T) {
	const n = 100000
	g := NewRNG(1)
	u := g.Uniform(Shape{n}, -1, 1, Float64)
	assert.Equal(t, Float64, u.DType())
	v := u.Float64s()
	lo, hi, sum := v[0], v[0], 0.0
	for _, x := range v {
		require.True(t, x >= -1 && x < 1, "value %v outside [-1, 1)", x)
		lo, hi, sum = min(lo, x), max(hi, x), sum+x
	}
	// The mean of U(-1, 1) is 0 with standard deviation 2/sqrt(12) per sample.
	assert.InDelta(t, 0, sum/n, vwSigmas*(2/math.Sqrt(12))/math.Sqrt(n))
	// Both ends are approached: missing [-1, -0.999) in 1e5 draws has probability e^-50.
	assert.Less(t, lo, -0.999)
	assert.Greater(t, hi, 0.999)

	// In float32, lo + (hi-lo)*r may round up to hi; it must not be returned. With hi the next
	// float32 after lo, about half the draws round to hi, so all must come back as lo.
	lo32 := float32(1)
	hi32 := math.Nextafter32(lo32, 2)
	w := g.Uniform(Shape{1000}, float64(lo32), float64(hi32)).Float32s()
	for _, x := range w {
		require.Equal(t, lo32, x)
	}
	f := g.Uniform(Shape{n}, 0, 1).Float32s()
	for _, x := range f {
		require.True(t, x >= 0 && x < 1, "value %v outside [0, 1)", x)
	}

	assert.Equal(t, Float32, g.Uniform(Shape{2}, 0, 1).DType())
	// As in torch, uniform draws need a float dtype; Integers draws integers.
	vwAssertPanic(t, "tensor.RNG.Uniform: dtype int64 is not supported (needs float32 or float64)", func() { g.Uniform(Shape{2}, 0, 3, Int64) })

	vwAssertPanic(t, "tensor.RNG.Uniform: empty or infinite range [1, 1)", func() { g.Uniform(Shape{2}, 1, 1) })
	vwAssertPanic(t, "tensor.RNG.Uniform: empty or infinite range [2, 1)", func() { g.Uniform(Shape{2}, 2, 1) })
	vwAssertPanic(t, "tensor.RNG.Uniform: empty or infinite range [NaN, 1)", func() { g.Uniform(Shape{2}, math.NaN(), 1) })
	vwAssertPanic(t, "tensor.RNG.Uniform: negative dimension in shape [-2]", func() { g.Uniform(Shape{-2}, 0, 1) })
	vwAssertPanic(t, "tensor.RNG.Uniform: nil option", func() { g.Uniform(Shape{2}, 0, 1, nil) })
}

func TestRNGShapes(t *testing.T) {
	g := NewRNG(9)
	s := g.Uniform(Shape{}, 0, 1)
	assert.Equal(t, 0, s.NDim(), "a 0-d draw")
	assert.Equal(t, 1, s.Numel())
	assert.Equal(t, 0, g.Normal(Shape(nil), 0, 1).NDim())
	assert.Equal(t, Shape{2, 0, 3}, g.Normal(Shape{2, 0, 3}, 0, 1).Shape())
	assert.Equal(t, Shape{4, 5}, g.Integers(Shape{4, 5}, 0, 2).Shape())
	assert.Equal(t, Shape{3, 1}, g.Bernoulli(Shape{3, 1}, 0.5).Shape())
}

func TestRNGNormal(t *testing.T) {
	const n = 100000
	const mean, std = 3.0, 2.0
	x := NewRNG(2).Normal(Shape{n}, mean, std, Float64).Float64s()
	var s, ss float64
	for _, v := range x {
		s += v
	}
	m := s / n
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	sd := math.Sqrt(ss / (n - 1))
	// Standard errors: std/sqrt(n) for the mean, about std/sqrt(2n) for the standard deviation.
	assert.InDelta(t, mean, m, vwSigmas*std/math.Sqrt(n))
	assert.InDelta(t, std, sd, vwSigmas*std/math.Sqrt(2*n))
	// About 68.27% of the draws lie within one standard deviation (binomial standard error).
	in := 0
	for _, v := range x {
		if math.Abs(v-mean) < std {
			in++
		}
	}
	p := 0.6826894921370859
	assert.InDelta(t, p, float64(in)/n, vwSigmas*math.Sqrt(p*(1-p)/n))

	f := NewRNG(2).Normal(Shape{n}, mean, std)
	assert.Equal(t, Float32, f.DType())
	assert.Equal(t, Float32, NewRNG(2).Normal(Shape{1}, 0, 1, Float32).DType())

	z := NewRNG(3).Normal(Shape{10}, -4, 0, Float64).Float64s()
	for _, v := range z {
		assert.Equal(t, -4.0, v, "std 0 gives the mean")
	}
	vwAssertPanic(t, "tensor.RNG.Normal: negative standard deviation -1", func() { NewRNG(1).Normal(Shape{2}, 0, -1) })
}

func TestRNGIntegers(t *testing.T) {
	const n = 80000
	const lo, hi = -3, 5
	g := NewRNG(4)
	x := g.Integers(Shape{n}, lo, hi)
	assert.Equal(t, Int64, x.DType())
	counts := map[int64]int{}
	for _, v := range x.Int64s() {
		require.True(t, v >= lo && v < hi, "value %d outside [%d, %d)", v, lo, hi)
		counts[v]++
	}
	require.Len(t, counts, hi-lo)
	// Each value is Binomial(n, 1/8).
	p := 1.0 / (hi - lo)
	for v, c := range counts {
		assert.InDelta(t, n*p, float64(c), vwSigmas*math.Sqrt(n*p*(1-p)), "value %d", v)
	}

	f := g.Integers(Shape{100}, 10, 12, Float32)
	assert.Equal(t, Float32, f.DType())
	for _, v := range f.Float32s() {
		require.True(t, v == 10 || v == 11)
	}
	one := g.Integers(Shape{20}, 7, 8).Int64s()
	for _, v := range one {
		assert.Equal(t, int64(7), v)
	}

	vwAssertPanic(t, "tensor.RNG.Integers: empty range [5, 5)", func() { g.Integers(Shape{2}, 5, 5) })
	vwAssertPanic(t, "tensor.RNG.Integers: empty range [6, 5)", func() { g.Integers(Shape{2}, 6, 5) })
}

func TestRNGPermutation(t *testing.T) {
	g := NewRNG(6)
	p := g.Permutation(1000)
	assert.Equal(t, Int64, p.DType())
	assert.Equal(t, Shape{1000}, p.Shape())
	v := p.Int64s()
	sorted := slices.Clone(v)
	slices.Sort(sorted)
	for i, x := range sorted {
		require.Equal(t, int64(i), x)
	}
	fixed := 0
	for i, x := range v {
		if int64(i) == x {
			fixed++
		}
	}
	// A random permutation has Poisson(1) fixed points; 1000 would mean the identity.
	assert.Less(t, fixed, 10)

	assert.Equal(t, Shape{0}, g.Permutation(0).Shape())
	assert.Equal(t, []int64{0}, g.Permutation(1).Int64s())
	f := g.Permutation(5, Float64)
	assert.Equal(t, Float64, f.DType())
	fs := f.Float64s()
	slices.Sort(fs)
	assert.Equal(t, []float64{0, 1, 2, 3, 4}, fs)

	vwAssertPanic(t, "tensor.RNG.Permutation: negative n -1", func() { g.Permutation(-1) })
}

func TestRNGBernoulli(t *testing.T) {
	const n = 100000
	const p = 0.3
	b := NewRNG(8).Bernoulli(Shape{n}, p, Float64).Float64s()
	ones := 0
	for _, v := range b {
		require.True(t, v == 0 || v == 1)
		if v == 1 {
			ones++
		}
	}
	assert.InDelta(t, p, float64(ones)/n, vwSigmas*math.Sqrt(p*(1-p)/n))

	for _, v := range NewRNG(1).Bernoulli(Shape{100}, 0).Float32s() {
		require.Equal(t, float32(0), v)
	}
	for _, v := range NewRNG(1).Bernoulli(Shape{100}, 1).Float32s() {
		require.Equal(t, float32(1), v)
	}
	assert.Equal(t, Float32, NewRNG(1).Bernoulli(Shape{1}, 0.5).DType())
	assert.Equal(t, Int64, NewRNG(1).Bernoulli(Shape{1}, 0.5, Int64).DType())

	vwAssertPanic(t, "tensor.RNG.Bernoulli: probability 1.5 outside [0, 1]", func() { NewRNG(1).Bernoulli(Shape{1}, 1.5) })
	vwAssertPanic(t, "tensor.RNG.Bernoulli: probability -0.1 outside [0, 1]", func() { NewRNG(1).Bernoulli(Shape{1}, -0.1) })
}

func TestRNGScalars(t *testing.T) {
	g := NewRNG(10)
	for range 1000 {
		f := g.Float64()
		require.True(t, f >= 0 && f < 1)
		i := g.IntN(3)
		require.True(t, i >= 0 && i < 3)
	}
	vwAssertPanic(t, "tensor.RNG.IntN: n = 0 must be positive", func() { g.IntN(0) })
	vwAssertPanic(t, "tensor.RNG.IntN: n = -2 must be positive", func() { g.IntN(-2) })
}

// TestRNGDrawsFollowThePhiloxDefinition recomputes every element of consecutive draws from
// device.RandomValue: element i of a draw is block offset + i/k of the seed's Philox stream,
// lane i%k, where offset counts the blocks of the draws before.
func TestRNGDrawsFollowThePhiloxDefinition(t *testing.T) {
	const seed = 0xfeedbeef12345
	g := NewRNG(seed)
	type draw struct {
		dist device.Distribution
		dt   DType
		n    int
		a, b float64
		got  *Tensor
	}
	draws := []*draw{
		{dist: device.Uniform, dt: Float32, n: 7, a: -1, b: 3},
		{dist: device.Normal, dt: Float64, n: 5, a: 2, b: 0.5},
		{dist: device.Uniform, dt: Float64, n: 9, a: 0, b: 1},
		{dist: device.Bernoulli, dt: Int64, n: 13, a: 0.3},
		{dist: device.Normal, dt: Float32, n: 3, a: 0, b: 1},
		{dist: device.Bernoulli, dt: Float32, n: 40000, a: 0.5}, // several parallel chunks
	}
	for _, d := range draws {
		switch d.dist {
		case device.Uniform:
			d.got = g.Uniform(Shape{d.n}, d.a, d.b, d.dt)
		case device.Normal:
			d.got = g.Normal(Shape{d.n}, d.a, d.b, d.dt)
		case device.Bernoulli:
			d.got = g.Bernoulli(Shape{d.n}, d.a, d.dt)
		}
	}
	var offset uint64
	for _, d := range draws {
		k := d.dist.PerBlock(d.dt)
		got := d.got.Float64s()
		for i := range d.n {
			w := device.PhiloxBlock(seed, offset+uint64(i/k))
			want := device.RandomValue(d.dist, d.dt, w, i%k, d.a, d.b)
			if d.dt == Float32 {
				want = float64(float32(want))
			}
			require.Equal(t, want, got[i], "%s %s element %d", d.dist, d.dt, i)
		}
		offset += d.dist.Blocks(d.dt, d.n)
	}
}

// TestRNGSameNumbersOnEveryThreadCount draws the same large tensors on 1 and 4 threads.
func TestRNGSameNumbersOnEveryThreadCount(t *testing.T) {
	draw := func(threads int) []float32 {
		prev := SetNumThreads(threads)
		defer SetNumThreads(prev)
		g := NewRNG(99)
		a := g.Normal(Shape{300, 500}, 0, 1).Float32s()
		return append(a, g.Bernoulli(Shape{1 << 18}, 0.8).Float32s()...)
	}
	assert.Equal(t, draw(1), draw(4))
}

func TestRNGDistributionsBlocks(t *testing.T) {
	assert.Equal(t, 4, device.Uniform.PerBlock(Float32))
	assert.Equal(t, 2, device.Uniform.PerBlock(Float64))
	assert.Equal(t, 1, device.Normal.PerBlock(Float32))
	assert.Equal(t, 4, device.Bernoulli.PerBlock(Float64))
	assert.Equal(t, uint64(3), device.Uniform.Blocks(Float32, 9))
	assert.Equal(t, uint64(2), device.Uniform.Blocks(Float32, 8))
	assert.Equal(t, uint64(0), device.Normal.Blocks(Float64, 0))
	assert.Equal(t, "Bernoulli", device.Bernoulli.String())
	assert.Equal(t, "Distribution(9)", device.Distribution(9).String())
	// Bernoulli's edges: p = 0 never, p = 1 always.
	g := NewRNG(5)
	assert.Equal(t, 0.0, g.Bernoulli(Shape{1000}, 0).Sum().Item())
	assert.Equal(t, 1000.0, g.Bernoulli(Shape{1000}, 1).Sum().Item())
	vwAssertPanic(t, "tensor.RNG.Normal: mean 0 and standard deviation +Inf must be finite", func() { g.Normal(Shape{2}, 0, math.Inf(1)) })
	vwAssertPanic(t, "tensor.RNG.Normal: dtype int64 is not supported (needs float32 or float64)", func() { g.Normal(Shape{2}, 0, 1, Int64) })
	vwAssertPanic(t, "tensor.RNG.Uniform: empty or infinite range [0, +Inf)", func() { g.Uniform(Shape{2}, 0, math.Inf(1)) })
}

// TestRNGMarshalBinary checks that a generator restored from a saved state draws what the
// original draws after the save: tensor draws (Philox offset) and host draws (PCG state).
func TestRNGMarshalBinary(t *testing.T) {
	g := NewRNG(42)
	g.Normal(Shape{5}, 0, 1)
	g.IntN(10)
	g.Bernoulli(Shape{7}, 0.5)
	state, err := g.MarshalBinary()
	require.NoError(t, err)
	h := NewRNG(1)
	h.Uniform(Shape{3}, 0, 1)
	require.NoError(t, h.UnmarshalBinary(state))
	assert.Equal(t, g.Normal(Shape{4, 3}, 0, 1).Float32s(), h.Normal(Shape{4, 3}, 0, 1).Float32s())
	assert.Equal(t, g.IntN(1000), h.IntN(1000))
	assert.Equal(t, g.Float64(), h.Float64())
	assert.Equal(t, g.Permutation(20).Int64s(), h.Permutation(20).Int64s())
	assert.Equal(t, g.Uniform(Shape{9}, -1, 1, Float64).Float64s(), h.Uniform(Shape{9}, -1, 1, Float64).Float64s())
	again, err := h.MarshalBinary()
	require.NoError(t, err)
	g2, _ := g.MarshalBinary()
	assert.Equal(t, g2, again)

	for _, bad := range [][]byte{nil, []byte("godl.RNG/1\n"), append([]byte("godl.RNG/2\n"), state[11:]...), state[:len(state)-1]} {
		err := h.UnmarshalBinary(bad)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "tensor: restoring an RNG: ")
	}
	assert.Equal(t, g.IntN(1000), h.IntN(1000), "unchanged by the failed restores")
}
