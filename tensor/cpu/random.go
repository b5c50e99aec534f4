package cpu

import (
	"math"

	"github.com/godl/godl/internal/parallel"
	"github.com/godl/godl/tensor/device"
)

// Random fills dst from the Philox stream as device.Device.Random defines, in parallel blocks
// of elements: each element's value depends only on its index, so the split does not matter.
func (cpuDevice) Random(dist device.Distribution, dst device.Strided, seed, offset uint64, a, b float64) {
	n := dst.Numel()
	if n == 0 {
		return
	}
	device.ByDType(dst.Buf.DType(), randomKernel[float32], randomKernel[float64], randomKernel[int64])(dist, dst, seed, offset, a, b, n)
}

func randomKernel[T device.Element](dist device.Distribution, dst device.Strided, seed, offset uint64, a, b float64, n int) {
	d := cpuData[T](dst.Buf)
	dt := device.DTypeOf[T]()
	k := dist.PerBlock(dt)
	it := newIter(dst.Shape, dst.Layout)
	ds := it.innerStride(0)
	// Chunks of whole blocks, so that no block is computed twice.
	grain := max(k, blockElems/k*k)
	parallel.For(n, grain, func(lo, hi int) {
		i := lo
		var w [4]uint32
		it.spans(lo, hi, func(offs [maxOps]int, cnt int) {
			o := offs[0]
			if d32, ok := any(d).([]float32); ok && ds == 1 && dist == device.Bernoulli && i%k == 0 {
				// The common case of dropout, without a call or a branch per element:
				// pairs of whole blocks of k = 4 lanes. float64(w)·2⁻³² < a exactly when
				// w < ⌈a·2³²⌉ (the scaling by a power of two is exact).
				thr := uint64(math.Ceil(max(0, min(a, 1)) * 0x1p32))
				out := d32[o : o+cnt]
				j := 0
				for ; j+8 <= cnt; j += 8 {
					w0, w1 := device.PhiloxBlockPair(seed, offset+uint64(i/4))
					o8 := out[j : j+8 : j+8]
					for l := range 4 {
						o8[l] = float32((uint64(w0[l]) - thr) >> 63)
						o8[4+l] = float32((uint64(w1[l]) - thr) >> 63)
					}
					i += 8
				}
				o, cnt = o+j, cnt-j
			}
			for j := 0; j < cnt; j++ {
				lane := i % k
				if lane == 0 || i == lo {
					w = device.PhiloxBlock(seed, offset+uint64(i/k))
				}
				d[o+j*ds] = T(device.RandomValue(dist, dt, w, lane, a, b))
				i++
			}
		})
	})
}
