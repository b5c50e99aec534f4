package asm

import (
	"fmt"
	"testing"
)

// BenchmarkFMAPeak measures one core's FMA peak in float32 at each vector width this CPU
// supports: the ceiling that GEMM figures are compared with.
func BenchmarkFMAPeak(b *testing.B) {
	for _, l := range []Level{Generic, AVX2, AVX512} {
		if l > Best() {
			continue
		}
		b.Run(fmt.Sprintf("f32/%s", l), func(b *testing.B) {
			const n = 1 << 12
			flops := 0
			for b.Loop() {
				flops += FMALoop(l, n)
			}
			b.ReportMetric(float64(flops)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func TestPeakIsPositive(t *testing.T) {
	if p := PeakGFLOPS(); !(p > 0) {
		t.Fatalf("PeakGFLOPS() = %v", p)
	}
	c := CacheSizes()
	if c.L1 <= 0 || c.L2 < c.L1 || c.L3 <= 0 {
		t.Fatalf("CacheSizes() = %+v", c)
	}
}
