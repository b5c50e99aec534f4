package asm

import (
	"fmt"
	"testing"
)

// BenchmarkStreamKernels times Adam's update and the LSTM cell's backward at each level
// (go: the pure-Go twin, the loop they replace) on L1-resident operands: Adam on 4096
// values, the LSTM backward on a row of the flagship model (H = 128, its four gates). GB/s
// counts the bytes each reads and writes (28 per value for Adam, 52 per element for the
// LSTM: 8 inputs and 5 outputs).
//
//	go test ./tensor/cpu/internal/asm -run '^$' -bench StreamKernels
func BenchmarkStreamKernels(b *testing.B) {
	for _, l := range []Level{Generic, AVX2, AVX512} {
		if l > Best() {
			continue
		}
		b.Run(fmt.Sprintf("adam/%s", l), func(b *testing.B) {
			const n = 4096
			p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range p {
				p[i], g[i] = float32(i%7)*0.25, float32(i%5)*0.125-0.25
			}
			c := AdamConsts{B1: 0.9, OM1: 0.1, B2: 0.999, OM2: 0.001, Eps: 1e-8, BC2: 0.5, StepNeg: -1e-3, Decay: 1}
			atLevel(l, func() {
				for b.Loop() {
					AdamF32(p, g, m, v, c)
				}
			})
			b.ReportMetric(float64(28*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
		b.Run(fmt.Sprintf("lstmBack/%s", l), func(b *testing.B) {
			const H = 128
			gates, dg := make([]float32, 4*H), make([]float32, 4*H)
			dh, tc, cp, dc, dcp := make([]float32, H), make([]float32, H), make([]float32, H), make([]float32, H), make([]float32, H)
			for i := range gates {
				gates[i] = float32(i%11) / 11
			}
			for j := range dh {
				dh[j], tc[j], cp[j], dc[j] = float32(j%3)-1, float32(j%5)/5, float32(j%7)-3, float32(j%2)*0.5
			}
			atLevel(l, func() {
				for b.Loop() {
					LSTMBackF32(dg, gates, H, dh, tc, cp, dc, dcp)
				}
			})
			b.ReportMetric(float64(52*H)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
