package autograd

import (
	"fmt"
	"math"

	"github.com/godl/godl/tensor"
)

// GradCheckOptions sets the finite-difference step and the tolerances of GradCheck. Zero
// fields take PyTorch's defaults: Eps 1e-6, Atol 1e-5, Rtol 1e-3.
type GradCheckOptions struct {
	Eps, Atol, Rtol float64
}

// GradCheckError reports the worst disagreement GradCheck found: the derivative of output
// element Output (flat index) with respect to element Index of input Input.
type GradCheckError struct {
	Input    int
	Index    []int
	Output   int
	Analytic float64
	Numeric  float64
	Atol     float64
	Rtol     float64
}

// Error implements error.
func (e *GradCheckError) Error() string {
	return fmt.Sprintf("autograd.GradCheck: d output[%d] / d input %d at %v: analytic %.10g, numeric %.10g (|diff| %.3g > atol %g + rtol %g·|numeric|)",
		e.Output, e.Input, e.Index, e.Analytic, e.Numeric, math.Abs(e.Analytic-e.Numeric), e.Atol, e.Rtol)
}

// GradCheck compares the gradients Backward computes for f with central finite differences,
// like torch.autograd.gradcheck. The inputs must be Float64 tensors; f receives them as
// values that require gradients (copies: the inputs are not modified) and returns a Float64
// value of any shape. Every element of the Jacobian is checked: analytic a and numeric n
// agree when |a - n| <= Atol + Rtol·|n|. It returns nil when all agree and a *GradCheckError
// describing the worst element otherwise.
func GradCheck(f func(xs ...*Value) *Value, inputs []*tensor.Tensor, opts *GradCheckOptions) error {
	o := GradCheckOptions{Eps: 1e-6, Atol: 1e-5, Rtol: 1e-3}
	if opts != nil {
		if opts.Eps != 0 {
			o.Eps = opts.Eps
		}
		if opts.Atol != 0 {
			o.Atol = opts.Atol
		}
		if opts.Rtol != 0 {
			o.Rtol = opts.Rtol
		}
	}
	host := make([][]float64, len(inputs))
	shapes := make([]tensor.Shape, len(inputs))
	devs := make([]tensor.Device, len(inputs))
	for i, in := range inputs {
		if in.DType() != tensor.Float64 {
			return fmt.Errorf("autograd.GradCheck: input %d is %s; gradient checks need float64", i, in.DType())
		}
		host[i], shapes[i], devs[i] = in.Float64s(), in.Shape(), in.Device()
	}
	build := func(perturbIn, at int, delta float64) []*Value {
		xs := make([]*Value, len(inputs))
		for i := range inputs {
			d := host[i]
			if i == perturbIn {
				d = append([]float64(nil), d...)
				d[at] += delta
			}
			t := tensor.From(d, shapes[i]...).To(devs[i])
			xs[i] = Param(t)
		}
		return xs
	}

	// Analytic Jacobian, one backward pass per output element.
	xs := build(-1, 0, 0)
	out := f(xs...)
	if out.DType() != tensor.Float64 {
		return fmt.Errorf("autograd.GradCheck: f returned %s; gradient checks need float64", out.DType())
	}
	nOut := out.data.Numel()
	analytic := make([][][]float64, len(inputs)) // [input][element][output]
	for i := range inputs {
		analytic[i] = make([][]float64, len(host[i]))
		for k := range analytic[i] {
			analytic[i][k] = make([]float64, nOut)
		}
	}
	if out.requiresGrad {
		for j := range nOut {
			seed := make([]float64, nOut)
			seed[j] = 1
			g := tensor.From(seed, out.data.Shape()...).To(out.data.Device())
			for _, x := range xs {
				x.ZeroGrad()
			}
			opts := []BackwardOption{WithGrad(g)}
			if j < nOut-1 {
				opts = append(opts, RetainGraph())
			}
			out.Backward(opts...)
			for i, x := range xs {
				if x.grad == nil {
					continue
				}
				for k, v := range x.grad.Float64s() {
					analytic[i][k][j] = v
				}
			}
		}
	}

	// Numeric Jacobian by central differences, without recording graphs: the inputs are in
	// no-grad mode.
	eval := func(in, at int, delta float64) []float64 {
		xs := build(in, at, delta)
		for i, x := range xs {
			xs[i] = x.NoGrad()
		}
		return f(xs...).data.Float64s()
	}
	var worst *GradCheckError
	worstExcess := 0.0
	for i := range inputs {
		for k := range host[i] {
			plus, minus := eval(i, k, o.Eps), eval(i, k, -o.Eps)
			for j := range nOut {
				num := (plus[j] - minus[j]) / (2 * o.Eps)
				a := analytic[i][k][j]
				excess := math.Abs(a-num) - (o.Atol + o.Rtol*math.Abs(num))
				if math.IsNaN(excess) && !(math.IsNaN(a) && math.IsNaN(num)) {
					excess = math.Inf(1)
				}
				if excess > 0 && (worst == nil || excess > worstExcess) {
					worstExcess = excess
					worst = &GradCheckError{Input: i, Index: unravel(k, shapes[i]), Output: j,
						Analytic: a, Numeric: num, Atol: o.Atol, Rtol: o.Rtol}
				}
			}
		}
	}
	if worst != nil {
		return worst
	}
	return nil
}

// unravel turns a flat row-major index into coordinates.
func unravel(k int, shape tensor.Shape) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = k % shape[d]
			k /= shape[d]
		}
	}
	return idx
}
