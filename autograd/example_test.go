package autograd_test

import (
	"errors"
	"fmt"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// Differentiate y = Σ xᵢ² with respect to x: the gradient is 2x.
func ExampleParam() {
	x := autograd.Param(tensor.From([]float64{1, 2, 3}))
	y := x.Mul(x).Sum()
	y.Backward()
	fmt.Printf("y = %.4f\n", y.Item())
	g := x.Grad().Float64s()
	fmt.Printf("%.4f %.4f %.4f\n", g[0], g[1], g[2])
	// Output:
	// y = 14.0000
	// 2.0000 4.0000 6.0000
}

// A non-scalar output needs the gradient of whatever it feeds, passed with WithGrad. Gradients
// accumulate in the leaves across Backward calls until ZeroGrad.
func ExampleValue_Backward() {
	w := autograd.Param(tensor.From([]float64{0.5, -1}))
	x := autograd.Const(tensor.From([]float64{2, 3}))
	y := w.Mul(x) // [1, -3]; dy/dw = x

	y.Backward(autograd.WithGrad(tensor.From([]float64{1, 10})), autograd.RetainGraph())
	fmt.Printf("%.4f %.4f\n", w.Grad().Float64s()[0], w.Grad().Float64s()[1])
	y.Backward(autograd.WithGrad(tensor.From([]float64{1, 1})))
	fmt.Printf("%.4f %.4f\n", w.Grad().Float64s()[0], w.Grad().Float64s()[1])
	w.ZeroGrad()
	fmt.Println(w.Grad() == nil)
	// Output:
	// 2.0000 30.0000
	// 4.0000 33.0000
	// true
}

// An input in no-grad mode records nothing, even where it meets parameters: the result has
// no graph and needs no gradient, as for inference. Other computations, in this goroutine or
// another, record as usual.
func ExampleValue_NoGrad() {
	w := autograd.Param(tensor.From([]float64{1, 2}))
	x := autograd.Const(tensor.From([]float64{3, 4}))
	y := w.Mul(x)
	fmt.Println(y.RequiresGrad(), y.Op())
	z := w.Mul(x.NoGrad())
	fmt.Println(z.RequiresGrad(), z.IsLeaf(), z.IsNoGrad())
	fmt.Printf("%.4f %.4f\n", z.Data().Float64s()[0], z.Data().Float64s()[1])
	// Output:
	// true Mul
	// false true true
	// 3.0000 8.0000
}

// GradCheck compares Backward's gradients with central differences. Softplus built from
// primitives passes; a function that cuts half of its gradient with Detach does not, and the
// error names the worst element.
func ExampleGradCheck() {
	x := tensor.From([]float64{-1, 0.5, 2})
	softplus := func(xs ...*autograd.Value) *autograd.Value { return xs[0].Exp().AddScalar(1).Log() }
	fmt.Println(autograd.GradCheck(softplus, []*tensor.Tensor{x}, nil))

	square := func(xs ...*autograd.Value) *autograd.Value { return xs[0].Mul(xs[0].Detach()) }
	var ge *autograd.GradCheckError
	if errors.As(autograd.GradCheck(square, []*tensor.Tensor{x}, nil), &ge) {
		fmt.Printf("input %d at %v: analytic %.4f, numeric %.4f\n", ge.Input, ge.Index, ge.Analytic, ge.Numeric)
	}
	// Output:
	// <nil>
	// input 0 at [2]: analytic 2.0000, numeric 4.0000
}

// e2eSwish is x·σ(x) as one operation with a hand-written backward:
// d/dx x·σ(x) = σ(x) + x·σ(x)·(1-σ(x)).
type e2eSwish struct{}

func (e2eSwish) Forward(ctx *autograd.Context, in []*tensor.Tensor) []*tensor.Tensor {
	x := in[0]
	s := x.Sigmoid()
	out := x.Mul(s)
	if ctx.Recording() {
		ctx.SaveForBackward(x, s)
		ctx.ReleaseWithGraph(s) // σ(x) goes back to the pool with the graph
	} else {
		s.Release()
	}
	return []*tensor.Tensor{out}
}

func (e2eSwish) Backward(ctx *autograd.Context, g []*tensor.Tensor) []*tensor.Tensor {
	x, s := ctx.Saved()[0], ctx.Saved()[1]
	d := s.RSubScalar(1) // 1 - σ
	d.MulInPlace(s).MulInPlace(x).AddInPlace(s)
	return []*tensor.Tensor{d.MulInPlace(g[0])}
}

// A custom Function: Apply records it like a built-in operation, and GradCheck verifies its
// hand-written backward.
func ExampleApply() {
	x := autograd.Param(tensor.From([]float64{-1, 0, 2}))
	y := autograd.Apply(e2eSwish{}, x)[0]
	y.Sum().Backward()
	for i, v := range y.Data().Float64s() {
		fmt.Printf("swish(%.0f) = %.4f, gradient %.4f\n", x.Data().Float64s()[i], v, x.Grad().Float64s()[i])
	}
	swish := func(xs ...*autograd.Value) *autograd.Value { return autograd.Apply(e2eSwish{}, xs[0])[0] }
	fmt.Println(autograd.GradCheck(swish, []*tensor.Tensor{tensor.From([]float64{-3, -0.5, 0.25, 4})}, nil))
	// Output:
	// swish(-1) = -0.2689, gradient 0.0723
	// swish(0) = 0.0000, gradient 0.5000
	// swish(2) = 1.7616, gradient 1.0908
	// <nil>
}

// Cross-entropy of two examples over four classes; the gradient of the mean loss is
// (softmax - onehot) / 2.
func ExampleCrossEntropy() {
	logits := autograd.Param(tensor.From([]float64{
		0, 0, 0, 0,
		1, 2, 3, 4,
	}, 2, 4))
	targets := tensor.From([]int64{1, 3})
	loss := autograd.CrossEntropy(logits, targets)
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	g := logits.Grad().Float64s()
	for i := range 2 {
		fmt.Printf("%.4f %.4f %.4f %.4f\n", g[4*i], g[4*i+1], g[4*i+2], g[4*i+3])
	}
	// Output:
	// loss 0.9132
	// 0.1250 -0.3750 0.1250 0.1250
	// 0.0160 0.0436 0.1184 -0.1780
}

// CrossEntropyOptions' zero value holds PyTorch's defaults, so a literal sets only what
// differs; IgnoreIndex is a pointer, so that ignoring class 0 stays expressible. The printed
// losses are torch's F.cross_entropy results for the same arguments.
func ExampleCrossEntropyWith() {
	logits := autograd.Const(tensor.From([]float64{
		0, 0, 0, 0,
		1, 2, 3, 4,
		4, 3, 2, 1,
	}, 3, 4))
	targets := tensor.From([]int64{0, 3, -100}) // -100: ignored, as in torch
	smoothed := autograd.CrossEntropyWith(logits, targets, autograd.CrossEntropyOptions{LabelSmoothing: 0.1})
	weighted := autograd.CrossEntropyWith(logits, targets, autograd.CrossEntropyOptions{
		Weight: tensor.From([]float64{1, 1, 1, 2}), // the mean divides by 1 + 2
	})
	noZeros := autograd.CrossEntropyWith(logits, tensor.From([]int64{0, 3, 1}), autograd.CrossEntropyOptions{
		IgnoreIndex: new(int64(0)),
	})
	fmt.Printf("%.4f %.4f %.4f\n", smoothed.Item(), weighted.Item(), noZeros.Item())
	// Output:
	// 0.9882 0.7556 0.9402
}
