package cpu

import (
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
