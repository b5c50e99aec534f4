package cpu

import (
	"testing"

	"github.com/godl/godl/tensor/device"
	"github.com/stretchr/testify/assert"
)

// TestBernoulliMatchesRandomValue checks the CPU's fast path for contiguous float32 Bernoulli
// draws (pairs of blocks, no branch) against the definition, device.RandomValue per element,
// for probabilities at and near the ends, sizes with partial blocks and offsets into the
// stream.
func TestBernoulliMatchesRandomValue(t *testing.T) {
	for _, p := range []float64{0, 1e-9, 0.3, 0.5, 1 - 1e-9, 1} {
		for _, n := range []int{1, 7, 8, 9, 100, 70001} {
			for _, off := range []uint64{0, 3, 1<<32 - 1} {
				buf := Device.Alloc(device.Float32, n)
				dst := device.Strided{Buf: buf, Layout: device.Layout{Shape: []int{n}, Strides: []int{1}}}
				Device.Random(device.Bernoulli, dst, 42, off, p, 0)
				got := Data[float32](buf)
				bad := 0
				for i := range n {
					w := device.PhiloxBlock(42, off+uint64(i/4))
					if want := float32(device.RandomValue(device.Bernoulli, device.Float32, w, i%4, p, 0)); got[i] != want {
						bad++
					}
				}
				assert.Zero(t, bad, "p %g, n %d, offset %d: elements that differ from RandomValue", p, n, off)
			}
		}
	}
}
