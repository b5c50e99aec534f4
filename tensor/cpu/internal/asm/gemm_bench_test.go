package asm

import (
	"fmt"
	"testing"
)

// BenchmarkGemmKernel times each micro-kernel alone on packed panels that stay in the L1
// cache (kc = 128): the ceiling of the blocked product, as a fraction of the FMA peak.
func BenchmarkGemmKernel(b *testing.B) {
	const kc = 128
	peak := PeakGFLOPS()
	for _, l := range []Level{Generic, AVX2, AVX512} {
		if l > Best() {
			continue
		}
		k := GemmF32(l)
		b.Run(fmt.Sprintf("f32/%s", k.Name), func(b *testing.B) {
			a, bb, c := make([]float32, kc*k.MR), make([]float32, kc*k.NR), make([]float32, k.MR*k.NR)
			for i := range a {
				a[i] = float32(i%7) * 0.25
			}
			for i := range bb {
				bb[i] = float32(i%5) * 0.125
			}
			for b.Loop() {
				k.Fn(k.MR, kc, a, k.MR, bb, k.NR, c, k.NR, true)
			}
			gf := float64(2*kc*k.MR*k.NR) * float64(b.N) / b.Elapsed().Seconds() / 1e9
			b.ReportMetric(gf, "GFLOP/s")
			b.ReportMetric(gf/peak, "peak-frac")
		})
		k64 := GemmF64(l)
		b.Run(fmt.Sprintf("f64/%s", k64.Name), func(b *testing.B) {
			a, bb, c := make([]float64, kc*k64.MR), make([]float64, kc*k64.NR), make([]float64, k64.MR*k64.NR)
			for i := range a {
				a[i] = float64(i%7) * 0.25
			}
			for i := range bb {
				bb[i] = float64(i%5) * 0.125
			}
			for b.Loop() {
				k64.Fn(k64.MR, kc, a, k64.MR, bb, k64.NR, c, k64.NR, true)
			}
			gf := float64(2*kc*k64.MR*k64.NR) * float64(b.N) / b.Elapsed().Seconds() / 1e9
			b.ReportMetric(gf, "GFLOP/s")
			b.ReportMetric(gf/(peak/2), "peak-frac")
		})
	}
}
