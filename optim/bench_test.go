package optim

import (
	"fmt"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// flagshipShapes are the parameters of the flagship model (nn/bench_test.go): Embedding(20000,
// 100), a 2-layer LSTM with hidden size 128, Linear(128, 20); 2,253,160 floats in all.
var flagshipShapes = []tensor.Shape{
	{20000, 100},
	{512, 100}, {512, 128}, {512}, {512},
	{512, 128}, {512, 128}, {512}, {512},
	{20, 128}, {20},
}

func flagshipParams() ([]*autograd.Value, int) {
	rng := tensor.NewRNG(1)
	ps := make([]*autograd.Value, len(flagshipShapes))
	n := 0
	for i, s := range flagshipShapes {
		ps[i] = autograd.Param(rng.Normal(s, 0, 0.1))
		ps[i].SetGrad(rng.Normal(s, 0, 0.01))
		n += s.Numel()
	}
	return ps, n
}

// BenchmarkAdamStep times one Adam step over the flagship model's parameters, fused (the CPU's
// one-pass kernel) and composed from tensor primitives (the reference), on one and two
// threads. GB/s counts the bytes a step must move: it reads the parameter, the gradient and
// the two moments and writes the parameter and the moments, 28 bytes per float32.
// bench/pytorch_optim.py times torch.optim.Adam on the same parameters.
//
//	go test ./optim -run '^$' -bench AdamStep -count 5
func BenchmarkAdamStep(b *testing.B) {
	for _, composed := range []bool{false, true} {
		name := "fused"
		if composed {
			name = "composed"
		}
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", name, threads), func(b *testing.B) {
				defer tensor.SetNumThreads(tensor.SetNumThreads(threads))
				defer tensor.SetComposedOptimizers(tensor.SetComposedOptimizers(composed))
				ps, n := flagshipParams()
				opt := NewAdam(ps, AdamDefaults())
				opt.Step() // the first step makes the state
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					opt.Step()
				}
				b.ReportMetric(float64(28*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
				b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/step")
			})
		}
	}
}
