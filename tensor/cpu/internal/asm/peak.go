package asm

import (
	"sync"
	"time"
)

// FMALoop runs n iterations of a loop of independent float32 fused multiply-adds at
// the vector width of level l (256 bits for AVX2, 512 for AVX512; scalar Go for Generic, or
// for a level this CPU lacks), and returns the floating-point operations it did (two per
// lane per FMA). Timed, it measures the FMA peak of one core: the ceiling for GEMM.
func FMALoop(l Level, n int) (flops int) { return fmaLoop(l, n) }

// fmaLoopGo is the scalar loop: independent chains of multiply-adds.
func fmaLoopGo(n int) int {
	var c [12]float32
	a, b := float32(0.5), float32(0.25)
	for range n {
		for i := range c {
			c[i] = c[i]*a + b
		}
	}
	sinkF32 = c[0] + c[11]
	return n * 12 * 2
}

var sinkF32 float32

var peak struct {
	once  sync.Once
	gflop float64
}

// PeakGFLOPS returns the float32 FMA peak of one core at the widest level this CPU runs
// (Best), in GFLOP/s, measured once (about 20 ms) and remembered: benchmarks divide their
// rates by it to report a fraction of the peak. The float64 peak is half of it.
func PeakGFLOPS() float64 {
	peak.once.Do(func() {
		n := 1 << 14
		best := 0.0
		for try := 0; try < 8; try++ {
			start := time.Now()
			flops := FMALoop(Best(), n)
			d := time.Since(start)
			if d < 2*time.Millisecond {
				n *= 4
				try--
				continue
			}
			best = max(best, float64(flops)/d.Seconds()/1e9)
		}
		peak.gflop = best
	})
	return peak.gflop
}
