package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/godl/godl/tensor/cpu"
)

// BenchmarkSIMD runs the workloads of bench/pytorch_simd.py on 1 and 2 threads, with the same
// names, so that bench/compare.sh prints godl / PyTorch ratios: float32 GEMM (square sizes,
// a recurrent step and its backward products, the input projection, batched attention) in
// GFLOP/s and as a fraction of one core's measured FMA peak times the threads, elementwise
// kernels and reductions on 1M elements in GB/s (bytes read and written) beside a plain copy,
// and softmax over rows.
func BenchmarkSIMD(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	peak, _ := cpu.PeakGFLOPS()
	type mm struct {
		name       string
		batch      int
		m, n, k    int
		ta, tb     bool // operands stored transposed
		onlyThread int  // 0: both thread counts
	}
	var mms []mm
	for _, s := range []int{64, 128, 256, 512, 1024, 2048} {
		mms = append(mms, mm{name: fmt.Sprintf("sgemm/%d", s), batch: 1, m: s, n: s, k: s})
	}
	mms = append(mms,
		mm{name: "sgemm/rnn-step-64x512x128", batch: 1, m: 64, n: 512, k: 128},
		mm{name: "sgemm/rnn-dW-128x512x64-At", batch: 1, m: 128, n: 512, k: 64, ta: true},
		mm{name: "sgemm/rnn-dX-64x128x512-Bt", batch: 1, m: 64, n: 128, k: 512, tb: true},
		mm{name: "sgemm/proj-12800x512x100", batch: 1, m: 12800, n: 512, k: 100},
		mm{name: "sgemm/attn-16x128x128x32", batch: 16, m: 128, n: 128, k: 32},
	)
	for _, s := range []int{64, 128, 256, 512, 1024, 2048} {
		mms = append(mms, mm{name: fmt.Sprintf("dgemm/%d", s), batch: 1, m: s, n: s, k: s})
	}
	for _, threads := range []int{1, 2} {
		for _, c := range mms {
			b.Run(fmt.Sprintf("%s/t%d", c.name, threads), func(b *testing.B) {
				dt := Float32
				if c.name[0] == 'd' {
					dt = Float64
				}
				x := operand(r, dt, c.batch, c.m, c.k, c.ta)
				y := operand(r, dt, c.batch, c.k, c.n, c.tb)
				prev := SetNumThreads(threads)
				defer SetNumThreads(prev)
				for b.Loop() {
					MatMul(x, y).Release()
				}
				gf := 2 * float64(c.batch*c.m*c.n*c.k) * float64(b.N) / b.Elapsed().Seconds() / 1e9
				b.ReportMetric(gf, "GFLOP/s")
				p := peak * float64(threads)
				if dt == Float64 {
					p /= 2
				}
				b.ReportMetric(gf/p, "peak-frac")
			})
		}
		const n = 1 << 20
		x := mmRand(r, Float32, n)
		y := mmRand(r, Float32, n)
		ew := []struct {
			name  string
			bytes int // per element, read and written
			f     func() *Tensor
		}{
			{"copy", 8, func() *Tensor { return x.Clone() }},
			{"add", 12, func() *Tensor { return x.Add(y) }},
			{"mul", 12, func() *Tensor { return x.Mul(y) }},
			{"mul-scalar", 8, func() *Tensor { return x.MulScalar(1.5) }},
			{"relu", 8, func() *Tensor { return x.ReLU() }},
			{"exp", 8, func() *Tensor { return x.Exp() }},
			{"tanh", 8, func() *Tensor { return x.Tanh() }},
			{"sigmoid", 8, func() *Tensor { return x.Sigmoid() }},
			{"sum", 4, func() *Tensor { return x.Sum() }},
			{"max", 4, func() *Tensor { return x.Max() }},
		}
		for _, e := range ew {
			b.Run(fmt.Sprintf("ew/%s-1M/t%d", e.name, threads), func(b *testing.B) {
				prev := SetNumThreads(threads)
				defer SetNumThreads(prev)
				for b.Loop() {
					e.f().Release()
				}
				b.ReportMetric(float64(e.bytes*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
		sm := mmRand(r, Float32, 256, 1000)
		for _, log := range []bool{false, true} {
			name := "softmax"
			if log {
				name = "log-softmax"
			}
			b.Run(fmt.Sprintf("ew/%s-256x1000/t%d", name, threads), func(b *testing.B) {
				prev := SetNumThreads(threads)
				defer SetNumThreads(prev)
				for b.Loop() {
					if log {
						sm.LogSoftmax(1).Release()
					} else {
						sm.Softmax(1).Release()
					}
				}
				b.ReportMetric(float64(8*256*1000)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}

// operand returns a [batch, rows, cols] tensor (2-D when batch is 1) of normal values, stored
// column-major (a transposed view) when t is set.
func operand(r *rand.Rand, dt DType, batch, rows, cols int, t bool) *Tensor {
	if t {
		x := mmRand(r, dt, batch, cols, rows).Transpose(1, 2)
		if batch == 1 {
			return mmRand(r, dt, cols, rows).T()
		}
		return x
	}
	if batch == 1 {
		return mmRand(r, dt, rows, cols)
	}
	return mmRand(r, dt, batch, rows, cols)
}
