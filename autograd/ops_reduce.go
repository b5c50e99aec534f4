package autograd

import (
	"math"

	"github.com/godl/godl/tensor"
)

var inf = math.Inf(1)

var (
	opSum        = register("Sum")
	opMean       = register("Mean")
	opProd       = register("Prod")
	opMax        = register("Max")
	opMin        = register("Min")
	opMaxAlong   = register("MaxAlong")
	opMinAlong   = register("MinAlong")
	opVar        = register("Var")
	opLogSumExp  = register("LogSumExp")
	opSoftmax    = register("Softmax")
	opLogSoftmax = register("LogSoftmax")
)

// keepShape returns shape with the reduced axes set to 1.
func keepShape(shape tensor.Shape, axes []int) tensor.Shape {
	k := shape.Clone()
	for _, a := range axes {
		k[a] = 1
	}
	return k
}

// unreduce views a gradient of a reduction's output with the reduced axes restored as size-1
// dimensions (a no-op with keepdim). The result is a new handle.
func unreduce(g *tensor.Tensor, in tensor.Shape, axes []int) *tensor.Tensor {
	return g.Reshape(keepShape(in, axes)...)
}

// reducedCount returns how many elements of shape in a reduction over axes combines.
func reducedCount(in tensor.Shape, axes []int) int {
	c := 1
	for _, a := range axes {
		c *= in[a]
	}
	return c
}

// reduceData computes a reduction of t with or without keepdim, by the two tensor methods.
func reduceData(keepdim bool, plain, keep func(...int) *tensor.Tensor, axes []int) *tensor.Tensor {
	if keepdim {
		return keep(axes...)
	}
	return plain(axes...)
}

// expandTo views a keepdim-shaped tensor broadcast to shape and releases the keepdim handle.
func expandTo(k *tensor.Tensor, shape tensor.Shape) *tensor.Tensor {
	e := k.Expand(shape...)
	k.Release()
	return e
}

func (v *Value) sum(axes []int, keepdim bool) *Value {
	out := reduceData(keepdim, v.data.Sum, v.data.SumKeepDim, axes)
	n := newNode1(opSum, v)
	if n == nil {
		return constant(out, v)
	}
	in := v.data.Shape()
	ax := v.data.ReducedAxes(axes...)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		return list(expandTo(unreduce(g[0], in, ax), in))
	}, out)
}

// Sum returns the sum over the given axes (all when none are given).
func (v *Value) Sum(axes ...int) *Value { return v.sum(axes, false) }

// SumKeepDim is Sum keeping the reduced axes with size 1.
func (v *Value) SumKeepDim(axes ...int) *Value { return v.sum(axes, true) }

func (v *Value) mean(axes []int, keepdim bool) *Value {
	out := reduceData(keepdim, v.data.Mean, v.data.MeanKeepDim, axes)
	n := newNode1(opMean, v)
	if n == nil {
		return constant(out, v)
	}
	in := v.data.Shape()
	ax := v.data.ReducedAxes(axes...)
	count := reducedCount(in, ax)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		k := unreduce(g[0], in, ax)
		s := k.MulScalar(1 / float64(count))
		k.Release()
		return list(expandTo(s, in))
	}, out)
}

// Mean returns the mean over the given axes (all when none are given).
func (v *Value) Mean(axes ...int) *Value { return v.mean(axes, false) }

// MeanKeepDim is Mean keeping the reduced axes with size 1.
func (v *Value) MeanKeepDim(axes ...int) *Value { return v.mean(axes, true) }

func (v *Value) prod(axes []int, keepdim bool) *Value {
	out := reduceData(keepdim, v.data.Prod, v.data.ProdKeepDim, axes)
	n := newNode1(opProd, v)
	if n == nil {
		return constant(out, v)
	}
	x := n.save(v.data)
	in := x.Shape()
	ax := v.data.ReducedAxes(axes...)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		// d prod / d x_i is the product of the other elements. With z zeros in a slice:
		// z = 0: prod / x_i; z = 1: the product of the nonzero elements at the zero, 0
		// elsewhere; z >= 2: 0 everywhere.
		isZero := x.EqScalar(0)
		zeros := isZero.SumKeepDim(ax...)
		nz := x.MaskedFill(isZero, 1)
		pnz := nz.ProdKeepDim(ax...) // product of the nonzero elements
		others := pnz.Div(nz)        // where z = 0 this is prod / x_i
		nz.Release()
		one := zeros.EqScalar(1)
		atZero := isZero.Mul(one)   // the lone zero of slices with exactly one
		noZero := zeros.EqScalar(0) // slices without zeros
		keepD := atZero.Add(noZero) // where the derivative is nonzero
		d := others.Mul(keepD)      // prod/x_i without zeros; pnz/1 at a lone zero
		for _, t := range []*tensor.Tensor{isZero, zeros, pnz, others, one, atZero, noZero, keepD} {
			t.Release()
		}
		k := unreduce(g[0], in, ax)
		d.MulInPlace(k)
		k.Release()
		return list(d)
	}, out)
}

// Prod returns the product over the given axes (all when none are given).
func (v *Value) Prod(axes ...int) *Value { return v.prod(axes, false) }

// ProdKeepDim is Prod keeping the reduced axes with size 1.
func (v *Value) ProdKeepDim(axes ...int) *Value { return v.prod(axes, true) }

// extremum records Max or Min over axes. The gradient is shared equally among the elements
// that attain the extreme value, as in torch.amax.
func (v *Value) extremum(op *opInfo, axes []int, keepdim bool) *Value {
	isMax := op == opMax
	var out *tensor.Tensor
	switch {
	case isMax && keepdim:
		out = v.data.MaxKeepDim(axes...)
	case isMax:
		out = v.data.Max(axes...)
	case keepdim:
		out = v.data.MinKeepDim(axes...)
	default:
		out = v.data.Min(axes...)
	}
	n := newNode1(op, v)
	if n == nil {
		return constant(out, v)
	}
	x, y := n.save(v.data), n.save(out)
	in := x.Shape()
	ax := v.data.ReducedAxes(axes...)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		yk := unreduce(y, in, ax)
		mask := x.Eq(yk)
		yk.Release()
		count := mask.SumKeepDim(ax...)
		gk := unreduce(g[0], in, ax)
		share := gk.Div(count)
		gk.Release()
		count.Release()
		return list(mask.MulInPlace(share))
	}, out)
}

// Max returns the maximum over the given axes (all when none are given), like torch.amax.
func (v *Value) Max(axes ...int) *Value { return v.extremum(opMax, axes, false) }

// MaxKeepDim is Max keeping the reduced axes with size 1.
func (v *Value) MaxKeepDim(axes ...int) *Value { return v.extremum(opMax, axes, true) }

// Min returns the minimum over the given axes (all when none are given), like torch.amin.
func (v *Value) Min(axes ...int) *Value { return v.extremum(opMin, axes, false) }

// MinKeepDim is Min keeping the reduced axes with size 1.
func (v *Value) MinKeepDim(axes ...int) *Value { return v.extremum(opMin, axes, true) }

// along records MaxAlong or MinAlong: the gradient goes to the element whose index is
// returned.
func (v *Value) along(op *opInfo, axis int, keepdim bool) (*Value, *tensor.Tensor) {
	var vals, idx *tensor.Tensor
	if op == opMaxAlong {
		vals, idx = v.data.MaxAlong(axis, keepdim)
	} else {
		vals, idx = v.data.MinAlong(axis, keepdim)
	}
	n := newNode1(op, v)
	if n == nil {
		return constant(vals, v), idx
	}
	in := v.data.Shape()
	ax := v.data.ReducedAxes(axis)
	ik := n.own(unreduce(idx, in, ax))
	dt, dev := v.data.DType(), v.data.Device()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		gk := unreduce(g[0], in, ax)
		z := tensor.Zeros(in, dt, tensor.On(dev))
		z.ScatterAddInPlace(ax[0], ik, gk)
		gk.Release()
		return list(z)
	}, vals), idx
}

// MaxAlong returns the maximum along axis and the Int64 index of its first occurrence, like
// torch.max(v, dim, keepdim). The gradient flows to that element.
func (v *Value) MaxAlong(axis int, keepdim bool) (values *Value, indices *tensor.Tensor) {
	return v.along(opMaxAlong, axis, keepdim)
}

// MinAlong returns the minimum along axis and the index of its first occurrence.
func (v *Value) MinAlong(axis int, keepdim bool) (values *Value, indices *tensor.Tensor) {
	return v.along(opMinAlong, axis, keepdim)
}

// Variance returns the variance of v over axes (all when none are given), dividing by
// N - correction (see tensor.Variance).
func Variance(v *Value, axes []int, correction int, keepdim bool) *Value {
	out := tensor.Variance(v.data, axes, correction, keepdim)
	n := newNode1(opVar, v)
	if n == nil {
		return constant(out, v)
	}
	x := n.save(v.data)
	in := x.Shape()
	ax := v.data.ReducedAxes(axes...)
	count := reducedCount(in, ax)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		// d var / d x_i = 2 (x_i - mean) / (N - correction)
		m := x.MeanKeepDim(ax...)
		d := x.Sub(m)
		m.Release()
		gk := unreduce(g[0], in, ax)
		d.MulInPlace(gk)
		gk.Release()
		return list(d.MulScalarInPlace(2 / float64(max(count-correction, 0))))
	}, out)
}

// Var returns the unbiased variance (correction 1) over the given axes (all when none are
// given).
func (v *Value) Var(axes ...int) *Value { return Variance(v, axes, 1, false) }

func (v *Value) logSumExp(axes []int, keepdim bool) *Value {
	out := reduceData(keepdim, v.data.LogSumExp, v.data.LogSumExpKeepDim, axes)
	n := newNode1(opLogSumExp, v)
	if n == nil {
		return constant(out, v)
	}
	x, y := n.save(v.data), n.save(out)
	in := x.Shape()
	ax := v.data.ReducedAxes(axes...)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		// d lse / d x_i = exp(x_i - lse): the softmax
		yk := unreduce(y, in, ax)
		p := x.Sub(yk).ApplyInPlace(tensor.OpExp, 0, 0)
		yk.Release()
		gk := unreduce(g[0], in, ax)
		p.MulInPlace(gk)
		gk.Release()
		return list(p)
	}, out)
}

// LogSumExp returns log Σ exp(v) over the given axes (all when none are given).
func (v *Value) LogSumExp(axes ...int) *Value { return v.logSumExp(axes, false) }

// LogSumExpKeepDim is LogSumExp keeping the reduced axes with size 1.
func (v *Value) LogSumExpKeepDim(axes ...int) *Value { return v.logSumExp(axes, true) }

// Softmax returns exp(v) / Σ exp(v) along axis.
func (v *Value) Softmax(axis int) *Value {
	out := v.data.Softmax(axis)
	n := newNode1(opSoftmax, v)
	if n == nil {
		return constant(out, v)
	}
	y := n.save(out)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		// y · (g - Σ g·y)
		gy := g[0].Mul(y)
		s := gy.SumKeepDim(axis)
		gy.Release()
		d := g[0].Sub(s)
		s.Release()
		return list(d.MulInPlace(y))
	}, out)
}

// LogSoftmax returns v - log Σ exp(v) along axis.
func (v *Value) LogSoftmax(axis int) *Value {
	out := v.data.LogSoftmax(axis)
	n := newNode1(opLogSoftmax, v)
	if n == nil {
		return constant(out, v)
	}
	y := n.save(out)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		// g - exp(y) · Σ g
		s := g[0].SumKeepDim(axis)
		p := y.Exp()
		p.MulInPlace(s)
		s.Release()
		d := g[0].Sub(p)
		p.Release()
		return list(d)
	}, out)
}
