package autograd

import (
	"fmt"
	"testing"

	"github.com/godl/godl/tensor"
)

// e2eChainLen is the number of operations in the benchmark chain, the final Sum included.
const e2eChainLen = 100

// e2eChain applies e2eChainLen operations to p: a repeating mix of Add (of p itself, so that
// p's gradient gathers from many places), Mul by a constant, Tanh, MulScalar and Sigmoid,
// and a Sum at the end. The values stay in (0, 1) after the first Sigmoid.
func e2eChain(p, c *Value) *Value {
	y := p
	for i := range e2eChainLen - 1 {
		switch i % 5 {
		case 0:
			y = y.Add(p)
		case 1:
			y = y.Mul(c)
		case 2:
			y = y.Tanh()
		case 3:
			y = y.MulScalar(0.9)
		case 4:
			y = y.Sigmoid()
		}
	}
	return y.Sum()
}

// e2eChainTensor is e2eChain on raw tensors. With release set, every intermediate goes back
// to the pool as soon as the next one is computed.
func e2eChainTensor(p, c *tensor.Tensor, release bool) *tensor.Tensor {
	y := p
	for i := range e2eChainLen - 1 {
		var z *tensor.Tensor
		switch i % 5 {
		case 0:
			z = y.Add(p)
		case 1:
			z = y.Mul(c)
		case 2:
			z = y.Tanh()
		case 3:
			z = y.MulScalar(0.9)
		case 4:
			z = y.Sigmoid()
		}
		if release && y != p {
			y.Release()
		}
		y = z
	}
	s := y.Sum()
	if release {
		y.Release()
	}
	return s
}

// e2eReportPerOp adds the time per recorded operation as a metric.
func e2eReportPerOp(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/e2eChainLen, "ns/op-per-op")
}

// BenchmarkChain measures the per-operation overhead of autograd on tiny tensors, where the
// arithmetic costs next to nothing: grad records the chain and runs Backward, nograd runs
// the same forward from a parameter in no-grad mode, tensor runs it on raw tensors (the floor; tensor/release
// also returns each intermediate to the pool).
func BenchmarkChain(b *testing.B) {
	r := tensor.NewRNG(1)
	pt := r.Normal(tensor.Shape{4, 4}, 0, 1, tensor.Float32)
	ct := r.Uniform(tensor.Shape{4, 4}, 0.5, 1.5, tensor.Float32)

	b.Run("grad", func(b *testing.B) {
		p, c := Param(pt), Const(ct)
		b.ReportAllocs()
		for b.Loop() {
			p.ZeroGrad()
			e2eChain(p, c).Backward()
		}
		e2eReportPerOp(b)
	})
	b.Run("nograd", func(b *testing.B) {
		p, c := Param(pt).NoGrad(), Const(ct)
		b.ReportAllocs()
		for b.Loop() {
			e2eChain(p, c)
		}
		e2eReportPerOp(b)
	})
	b.Run("tensor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e2eChainTensor(pt, ct, false)
		}
		e2eReportPerOp(b)
	})
	b.Run("tensor/release", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e2eChainTensor(pt, ct, true).Release()
		}
		e2eReportPerOp(b)
	})
}

// BenchmarkMLPStep measures one training step's forward and backward of the fixture MLP
// (x [64, 5] -> Linear(5, 16) -> tanh -> Linear(16, 16) -> GELU -> Linear(16, 4) ->
// cross-entropy, mean) in float32, gradients cleared before each step as an optimizer's
// zero_grad would.
func BenchmarkMLPStep(b *testing.B) {
	const batch = 64
	r := tensor.NewRNG(2)
	p := map[string]*Value{
		"x":          Const(r.Normal(tensor.Shape{batch, 5}, 0, 1, tensor.Float32)),
		"fc1.weight": Param(r.Uniform(tensor.Shape{16, 5}, -0.45, 0.45, tensor.Float32)),
		"fc1.bias":   Param(r.Uniform(tensor.Shape{16}, -0.45, 0.45, tensor.Float32)),
		"fc2.weight": Param(r.Uniform(tensor.Shape{16, 16}, -0.25, 0.25, tensor.Float32)),
		"fc2.bias":   Param(r.Uniform(tensor.Shape{16}, -0.25, 0.25, tensor.Float32)),
		"fc3.weight": Param(r.Uniform(tensor.Shape{4, 16}, -0.25, 0.25, tensor.Float32)),
		"fc3.bias":   Param(r.Uniform(tensor.Shape{4}, -0.25, 0.25, tensor.Float32)),
	}
	y := r.Integers(tensor.Shape{batch}, 0, 4)
	cfg := e2eConfig{Act1: "tanh", Act2: "gelu", Reduction: "mean"}
	b.Run("f32/b64", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, v := range p {
				v.ZeroGrad()
			}
			e2eMLP(cfg, p, y).Backward()
		}
		b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "examples/s")
	})
}

// sliceBenchWidth is the row length of the parameter the slicing benchmarks cut up.
const sliceBenchWidth = 4096

// sliceBenchRows cuts p into its rows: T Select nodes, or one Unbind node.
type sliceBenchRows func(p *Value) []*Value

// benchSliceBackward runs, for T = 50, 100, 200, 400, a forward pass that takes the T rows of
// a [T, 4096] float32 parameter with rows, sums each row and adds the sums up, then the
// backward pass. It reports ms/op and ns/row: the second stays flat when the time grows
// linearly in T.
func benchSliceBackward(b *testing.B, rows sliceBenchRows) {
	for _, T := range []int{50, 100, 200, 400} {
		b.Run(fmt.Sprintf("T=%d", T), func(b *testing.B) {
			p := Param(tensor.NewRNG(3).Normal(tensor.Shape{T, sliceBenchWidth}, 0, 1, tensor.Float32))
			b.ReportAllocs()
			for b.Loop() {
				p.ZeroGrad()
				rs := rows(p)
				loss := rs[0].Sum()
				for _, r := range rs[1:] {
					loss = loss.Add(r.Sum())
				}
				loss.Backward()
			}
			perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(perOp/1e6, "ms/op")
			b.ReportMetric(perOp/float64(T), "ns/row")
		})
	}
}

// BenchmarkSliceBackward measures the backward pass through T slices of one parameter (see
// benchSliceBackward): select takes each row with its own Select, unbind takes them all with
// one Unbind. Both should grow linearly in T; before slicing gradients were added in place,
// each Select's backward made and added a zero gradient of the parameter's full size, so
// select grew as T².
func BenchmarkSliceBackward(b *testing.B) {
	b.Run("select", func(b *testing.B) {
		benchSliceBackward(b, func(p *Value) []*Value {
			rs := make([]*Value, p.Size(0))
			for i := range rs {
				rs[i] = p.Select(0, i)
			}
			return rs
		})
	})
	b.Run("unbind", func(b *testing.B) {
		benchSliceBackward(b, func(p *Value) []*Value { return p.Unbind(0) })
	})
}
