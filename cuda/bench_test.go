//go:build cuda && cgo

package cuda_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/godl/godl/cuda/cudatest"
	"github.com/godl/godl/tensor"
)

// GPU benchmarks. Each queues b.N operations and waits once at the end, so that the time is
// the GPU's, not the launches' alone; they need a GPU (the emulator would time the host).
//
//	go test -tags cuda ./cuda -run '^$' -bench . -benchtime 20x

// timeOps runs op b.N times after one warm-up and reports the elapsed time per op; the
// device is synchronised before the clock starts and before it stops.
func timeOps(b *testing.B, dev tensor.Device, op func()) time.Duration {
	op()
	tensor.SyncDevice(dev)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		op()
	}
	tensor.SyncDevice(dev)
	el := time.Since(start)
	b.StopTimer()
	return el / time.Duration(b.N)
}

// BenchmarkSGEMM times square float32 matrix products through cuBLAS and reports TFLOP/s
// (2n³ per product); f64 the same in float64, and batch a batched product of 256 matrices of
// 128² (the recurrent layers' shape class).
func BenchmarkSGEMM(b *testing.B) {
	dev := cudatest.GPU(b)
	r := tensor.NewRNG(1)
	for _, c := range []struct {
		name  string
		dt    tensor.DType
		batch int
		n     int
	}{
		{"f32/1024", tensor.Float32, 1, 1024}, {"f32/2048", tensor.Float32, 1, 2048},
		{"f32/4096", tensor.Float32, 1, 4096}, {"f32/8192", tensor.Float32, 1, 8192},
		{"f64/4096", tensor.Float64, 1, 4096}, {"f32-batch/256x128", tensor.Float32, 256, 128},
	} {
		b.Run(c.name, func(b *testing.B) {
			x := r.Uniform(tensor.Shape{c.batch, c.n, c.n}, -1, 1, c.dt, tensor.On(dev))
			y := r.Uniform(tensor.Shape{c.batch, c.n, c.n}, -1, 1, c.dt, tensor.On(dev))
			per := timeOps(b, dev, func() { tensor.MatMul(x, y).Release() })
			b.ReportMetric(2*float64(c.batch)*float64(c.n*c.n*c.n)/per.Seconds()/1e12, "TFLOP/s")
		})
	}
}

// BenchmarkElementwise times memory-bound kernels on 2²⁶ float32 elements (256 MiB per
// operand) and reports the bytes they move per second (GB/s, 10⁹ bytes): Add reads two
// operands and writes one, the unary ops read one and write one, Contiguous copies a
// transposed [8192 8192] matrix, Sum reads one.
func BenchmarkElementwise(b *testing.B) {
	dev := cudatest.GPU(b)
	const n = 1 << 26
	r := tensor.NewRNG(2)
	x := r.Uniform(tensor.Shape{n}, -1, 1, tensor.On(dev))
	y := r.Uniform(tensor.Shape{n}, -1, 1, tensor.On(dev))
	out := tensor.Zeros(tensor.Shape{n}, tensor.On(dev))
	sq := x.View(8192, 8192).T()
	for _, c := range []struct {
		name  string
		bytes float64
		op    func()
	}{
		{"AddInPlace", 12, func() { out.AddInPlace(y) }},
		{"Add", 12, func() { x.Add(y).Release() }},
		{"MulScalarInPlace", 8, func() { out.MulScalarInPlace(0.5) }},
		{"Exp", 8, func() { x.Exp().Release() }},
		{"Tanh", 8, func() { x.Tanh().Release() }},
		{"Contiguous/transposed", 8, func() { sq.Contiguous().Release() }},
		{"Sum", 4, func() { x.Sum().Release() }},
		{"Softmax/rows1024", 8, func() { x.View(n/1024, 1024).Softmax(-1).Release() }},
	} {
		b.Run(fmt.Sprintf("f32/%s", c.name), func(b *testing.B) {
			per := timeOps(b, dev, c.op)
			b.ReportMetric(c.bytes*n/per.Seconds()/1e9, "GB/s")
		})
	}
}
