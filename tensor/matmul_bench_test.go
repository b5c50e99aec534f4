package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkMatMul times square float32 products on all threads and on one, a naive triple loop
// beside them for the small sizes, float64, and a batch of small matrices. Compare runs with
// benchstat; bench/pytorch_matmul.py times torch.matmul at the same sizes.
func BenchmarkMatMul(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range []int{64, 128, 256, 512, 1024} {
		b.Run(fmt.Sprintf("f32/%dx%dx%d", s, s, s), func(b *testing.B) { mmBench(b, r, Float32, 1, s, s, s, 0) })
	}
	for _, s := range []int{64, 128, 256, 512, 1024} {
		b.Run(fmt.Sprintf("f32-1thread/%dx%dx%d", s, s, s), func(b *testing.B) { mmBench(b, r, Float32, 1, s, s, s, 1) })
	}
	for _, s := range []int{64, 128, 256} {
		b.Run(fmt.Sprintf("f32-naive/%dx%dx%d", s, s, s), func(b *testing.B) { mmBenchNaive(b, r, s, s, s) })
	}
	for _, s := range []int{256, 512} {
		b.Run(fmt.Sprintf("f64/%dx%dx%d", s, s, s), func(b *testing.B) { mmBench(b, r, Float64, 1, s, s, s, 0) })
	}
	// Shapes of a recurrent layer's step (batch 64, hidden 128, four gates) and of its
	// transposed-weight product, and a batch of small attention-like products.
	b.Run("f32/64x512x128", func(b *testing.B) { mmBench(b, r, Float32, 1, 64, 512, 128, 0) })
	b.Run("f32-batch/256x16x16x16", func(b *testing.B) { mmBench(b, r, Float32, 256, 16, 16, 16, 0) })
	b.Run("f32-batch-1thread/256x16x16x16", func(b *testing.B) { mmBench(b, r, Float32, 256, 16, 16, 16, 1) })
	b.Run("f32/1x1024x1024", func(b *testing.B) { mmBench(b, r, Float32, 1, 1, 1024, 1024, 0) })
}

// mmBench times MatMul of [batch, m, k]·[batch, k, n] float tensors (2-D when batch is 1) on
// the given number of threads (0: the default).
func mmBench(b *testing.B, r *rand.Rand, dt DType, batch, m, n, k, threads int) {
	x, y := mmRand(r, dt, batch, m, k), mmRand(r, dt, batch, k, n)
	if batch == 1 {
		x, y = x.Reshape(m, k), y.Reshape(k, n)
	}
	if threads > 0 {
		prev := SetNumThreads(threads)
		defer SetNumThreads(prev)
	}
	b.ReportAllocs()
	for b.Loop() {
		MatMul(x, y).Release()
	}
	b.ReportMetric(2*float64(batch*m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// mmBenchNaive times the textbook triple loop on float32 slices.
func mmBenchNaive(b *testing.B, r *rand.Rand, m, n, k int) {
	x, y := mmRand(r, Float32, m, k).Float32s(), mmRand(r, Float32, k, n).Float32s()
	c := make([]float32, m*n)
	b.ReportAllocs()
	for b.Loop() {
		naiveMatMulF32(m, n, k, x, y, c)
	}
	b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// naiveMatMulF32 is the textbook triple loop, c = x·y for row-major x (m×k) and y (k×n).
func naiveMatMulF32(m, n, k int, x, y, c []float32) {
	for i := range m {
		for j := range n {
			var s float32
			for p := range k {
				s += x[i*k+p] * y[p*n+j]
			}
			c[i*n+j] = s
		}
	}
}
