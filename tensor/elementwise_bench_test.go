package tensor

import (
	"math"
	"testing"
)

// Benchmarks of the memory-bound kernels: elementwise ops on 1M float32 elements, softmax,
// sums and the embedding lookup with its backward. b.SetBytes counts the bytes each iteration
// must read and write at least, so the MB/s column is the achieved memory bandwidth. Results
// are released every iteration, as autograd does with temporaries, so the size-class pool is
// exercised and allocs/op counts only the per-call overhead.
//
//	go test ./tensor -run '^$' -bench 'Elementwise|Softmax|SumF32|Embedding' -benchmem

const vwBenchN = 1 << 20 // 1M elements, as a [1024 1024] matrix

func vwBenchInput(seed uint64, shape ...int) *Tensor {
	return NewRNG(seed).Uniform(Shape(shape), -2, 2)
}

// vwBenchUnary runs op on a [1024 1024] float32 input; the naive case is the loop written
// out in plain Go over slices, single-threaded: the baseline a kernel should beat.
func vwBenchUnary(b *testing.B, op func(x *Tensor) *Tensor, naive func(dst, src []float32)) {
	x := vwBenchInput(1, 1024, 1024)
	b.Run("f32/1M", func(b *testing.B) {
		b.SetBytes(2 * 4 * vwBenchN)
		b.ReportAllocs()
		for b.Loop() {
			op(x).Release()
		}
	})
	if naive != nil {
		xs := x.Float32s()
		out := make([]float32, len(xs))
		b.Run("f32/1M/naive-go", func(b *testing.B) {
			b.SetBytes(2 * 4 * vwBenchN)
			b.ReportAllocs()
			for b.Loop() {
				naive(out, xs)
			}
		})
	}
}

func BenchmarkElementwiseAdd(b *testing.B) {
	x, y := vwBenchInput(1, 1024, 1024), vwBenchInput(2, 1024, 1024)
	b.Run("f32/1M", func(b *testing.B) {
		b.SetBytes(3 * 4 * vwBenchN)
		b.ReportAllocs()
		for b.Loop() {
			x.Add(y).Release()
		}
	})
	xs, ys := x.Float32s(), y.Float32s()
	out := make([]float32, len(xs))
	b.Run("f32/1M/naive-go", func(b *testing.B) {
		b.SetBytes(3 * 4 * vwBenchN)
		for b.Loop() {
			for i, v := range xs {
				out[i] = v + ys[i]
			}
		}
	})
}

func BenchmarkElementwiseAddRowBroadcast(b *testing.B) {
	x, row := vwBenchInput(1, 1024, 1024), vwBenchInput(2, 1024)
	b.Run("f32/1M", func(b *testing.B) {
		b.SetBytes(2 * 4 * vwBenchN)
		b.ReportAllocs()
		for b.Loop() {
			x.Add(row).Release()
		}
	})
}

func BenchmarkElementwiseAddColumnBroadcast(b *testing.B) {
	x, col := vwBenchInput(1, 1024, 1024), vwBenchInput(2, 1024, 1)
	b.Run("f32/1M", func(b *testing.B) {
		b.SetBytes(2 * 4 * vwBenchN)
		b.ReportAllocs()
		for b.Loop() {
			x.Add(col).Release()
		}
	})
}

// A transposed operand walks memory with stride 1024.
func BenchmarkElementwiseAddTransposed(b *testing.B) {
	x, y := vwBenchInput(1, 1024, 1024), vwBenchInput(2, 1024, 1024)
	yt := y.T()
	b.Run("f32/1M", func(b *testing.B) {
		b.SetBytes(3 * 4 * vwBenchN)
		b.ReportAllocs()
		for b.Loop() {
			x.Add(yt).Release()
		}
	})
}

func BenchmarkElementwiseMul(b *testing.B) {
	x, y := vwBenchInput(1, 1024, 1024), vwBenchInput(2, 1024, 1024)
	b.Run("f32/1M", func(b *testing.B) {
		b.SetBytes(3 * 4 * vwBenchN)
		b.ReportAllocs()
		for b.Loop() {
			x.Mul(y).Release()
		}
	})
}

func BenchmarkElementwiseMulScalar(b *testing.B) {
	vwBenchUnary(b, func(x *Tensor) *Tensor { return x.MulScalar(1.5) }, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = v * 1.5
		}
	})
}

func BenchmarkElementwiseExp(b *testing.B) {
	vwBenchUnary(b, (*Tensor).Exp, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = float32(math.Exp(float64(v)))
		}
	})
}

func BenchmarkElementwiseTanh(b *testing.B) {
	vwBenchUnary(b, (*Tensor).Tanh, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = float32(math.Tanh(float64(v)))
		}
	})
}

func BenchmarkElementwiseSigmoid(b *testing.B) {
	vwBenchUnary(b, (*Tensor).Sigmoid, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	})
}

func BenchmarkElementwiseReLU(b *testing.B) {
	// Branch-free max: the input has random signs, so a branch per element mispredicts often.
	vwBenchUnary(b, (*Tensor).ReLU, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = max(v, 0)
		}
	})
}

func BenchmarkElementwiseAddInPlace(b *testing.B) {
	x, y := vwBenchInput(1, 1024, 1024), vwBenchInput(2, 1024, 1024)
	b.Run("f32/1M", func(b *testing.B) {
		b.SetBytes(3 * 4 * vwBenchN)
		b.ReportAllocs()
		for b.Loop() {
			x.AddInPlace(y)
		}
	})
}

// Softmax over the rows of a batch of logits ([256 1000]) and of the LSTM classifier's
// per-step outputs ([64*200 20]).
func BenchmarkSoftmax(b *testing.B) {
	for _, s := range []struct {
		name       string
		rows, cols int
	}{{"f32/256x1000", 256, 1000}, {"f32/12800x20", 64 * 200, 20}} {
		x := vwBenchInput(3, s.rows, s.cols)
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(2 * 4 * s.rows * s.cols))
			b.ReportAllocs()
			for b.Loop() {
				x.Softmax(-1).Release()
			}
		})
	}
}

func BenchmarkSumF32(b *testing.B) {
	x := vwBenchInput(4, 1024, 1024)
	for _, s := range []struct {
		name string
		axes []int
	}{{"f32/1024x1024/all", nil}, {"f32/1024x1024/rows", []int{1}}, {"f32/1024x1024/cols", []int{0}}} {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(4 * vwBenchN)
			b.ReportAllocs()
			for b.Loop() {
				x.Sum(s.axes...).Release()
			}
		})
	}
}

// The embedding lookup of a batch of 64 sequences of 200 tokens in a [20000 100] table, and
// its backward: the gradient rows added back into a table-shaped gradient.
func BenchmarkEmbedding(b *testing.B) {
	const vocab, dim, tokens = 20000, 100, 64 * 200
	table := vwBenchInput(5, vocab, dim)
	idx := NewRNG(6).Integers(Shape{tokens}, 0, vocab)
	rowBytes := int64(4 * dim * tokens)
	b.Run("IndexSelect/f32/12800of20000x100", func(b *testing.B) {
		b.SetBytes(2*rowBytes + 8*tokens)
		b.ReportAllocs()
		for b.Loop() {
			table.IndexSelect(0, idx).Release()
		}
	})
	grad := vwBenchInput(7, tokens, dim)
	acc := Zeros(Shape{vocab, dim})
	b.Run("IndexAddInPlace/f32/12800into20000x100", func(b *testing.B) {
		b.SetBytes(3*rowBytes + 8*tokens)
		b.ReportAllocs()
		for b.Loop() {
			acc.IndexAddInPlace(0, idx, grad)
		}
	})
}
