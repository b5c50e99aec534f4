package tensor

import (
	"math"
	"slices"
)

// reduce reduces t over axes (all when none are given) with op. The result has t's dtype, or
// Int64 for ArgMax and ArgMin.
func (t *Tensor) reduce(name string, op ReduceOp, axes []int, keepdim bool) *Tensor {
	st := t.live(name)
	n := len(t.layout.Shape)
	ax := t.reduceAxes(name, axes)
	slices.Sort(ax)
	reduced := make([]bool, n)
	for _, a := range ax {
		reduced[a] = true
	}
	perm := make([]int, 0, n)
	kept := []int{}
	keepShape := make([]int, 0, n)
	for i := range n {
		if !reduced[i] {
			perm = append(perm, i)
			kept = append(kept, t.layout.Shape[i])
			keepShape = append(keepShape, t.layout.Shape[i])
		} else {
			keepShape = append(keepShape, 1)
		}
	}
	count := 1
	for _, a := range ax {
		perm = append(perm, a)
		count *= t.layout.Shape[a]
	}
	if count == 0 && op != ReduceSum && op != ReduceProd && Shape(kept).Numel() > 0 {
		panicf(name, "cannot reduce over a zero-size dimension of shape %s", shapeStr(t.layout.Shape))
	}
	dt := st.buf.DType()
	if op == ReduceArgMax || op == ReduceArgMin {
		dt = Int64
	}
	out := allocChecked(name, st.dev, dt, kept)
	st.dev.Reduce(op, out.strided(), Strided{Buf: st.buf, Layout: permuteLayout(t.layout, perm)})
	keep(t)
	if keepdim {
		out.layout = ContiguousLayout(keepShape)
	}
	return out
}

// ReducedAxes returns the dimensions that a reduction of t over axes (Sum, Mean, Max, ...)
// reduces, as sorted indices: all of them when no axes are given, negative axes counted from
// the end, and none for a 0-d tensor, which takes axis 0 or -1 as in torch. It panics if an
// axis is out of range or repeated. Autograd uses it to put reduced dimensions back.
func (t *Tensor) ReducedAxes(axes ...int) []int {
	t.lay("tensor.ReducedAxes")
	ax := t.reduceAxes("tensor.ReducedAxes", axes)
	slices.Sort(ax)
	return ax
}

// reduceAxes normalizes the axes of a reduction. A 0-d tensor takes axis 0 or -1 (as in
// torch), which reduce over nothing.
func (t *Tensor) reduceAxes(name string, axes []int) []int {
	if len(t.layout.Shape) == 0 {
		for _, a := range axes {
			checkScalarAxis(name, a)
		}
		return nil
	}
	return normAxes(name, axes, len(t.layout.Shape))
}

// reducedCount returns how many elements each output of a reduction over axes combines.
func (t *Tensor) reducedCount(name string, axes []int) int {
	c := 1
	for _, a := range t.reduceAxes(name, axes) {
		c *= t.layout.Shape[a]
	}
	return c
}

// Sum returns the sum over the given axes (all axes when none are given), which are removed
// from the shape. Float32 sums accumulate in float64.
func (t *Tensor) Sum(axes ...int) *Tensor { return t.reduce("tensor.Sum", ReduceSum, axes, false) }

// SumKeepDim is Sum keeping the reduced axes with size 1.
func (t *Tensor) SumKeepDim(axes ...int) *Tensor {
	return t.reduce("tensor.SumKeepDim", ReduceSum, axes, true)
}

// Prod returns the product over the given axes (all when none are given).
func (t *Tensor) Prod(axes ...int) *Tensor { return t.reduce("tensor.Prod", ReduceProd, axes, false) }

// ProdKeepDim is Prod keeping the reduced axes with size 1.
func (t *Tensor) ProdKeepDim(axes ...int) *Tensor {
	return t.reduce("tensor.ProdKeepDim", ReduceProd, axes, true)
}

func (t *Tensor) mean(name string, axes []int, keepdim bool) *Tensor {
	if dt := t.DType(); !dt.IsFloat() {
		panicf(name, "dtype %s of shape %s is not supported (needs float32 or float64)", dt, shapeStr(t.layout.Shape))
	}
	s := t.reduce(name, ReduceSum, axes, keepdim)
	return s.MulScalarInPlace(1 / float64(t.reducedCount(name, axes)))
}

// Mean returns the mean over the given axes (all when none are given). It panics for Int64.
// The mean over zero elements is NaN.
func (t *Tensor) Mean(axes ...int) *Tensor { return t.mean("tensor.Mean", axes, false) }

// MeanKeepDim is Mean keeping the reduced axes with size 1.
func (t *Tensor) MeanKeepDim(axes ...int) *Tensor { return t.mean("tensor.MeanKeepDim", axes, true) }

// Max returns the maximum over the given axes (all when none are given), like torch.amax.
// NaN propagates. It panics when reducing a zero-size dimension. MaxAlong also returns the
// indices.
func (t *Tensor) Max(axes ...int) *Tensor { return t.reduce("tensor.Max", ReduceMax, axes, false) }

// MaxKeepDim is Max keeping the reduced axes with size 1.
func (t *Tensor) MaxKeepDim(axes ...int) *Tensor {
	return t.reduce("tensor.MaxKeepDim", ReduceMax, axes, true)
}

// Min returns the minimum over the given axes (all when none are given), like torch.amin.
func (t *Tensor) Min(axes ...int) *Tensor { return t.reduce("tensor.Min", ReduceMin, axes, false) }

// MinKeepDim is Min keeping the reduced axes with size 1.
func (t *Tensor) MinKeepDim(axes ...int) *Tensor {
	return t.reduce("tensor.MinKeepDim", ReduceMin, axes, true)
}

// MaxAlong returns the maximum along one axis and the (Int64) index of its first occurrence,
// like torch.max(t, dim, keepdim).
func (t *Tensor) MaxAlong(axis int, keepdim bool) (values, indices *Tensor) {
	ax := []int{axis}
	return t.reduce("tensor.MaxAlong", ReduceMax, ax, keepdim), t.reduce("tensor.MaxAlong", ReduceArgMax, ax, keepdim)
}

// MinAlong returns the minimum along one axis and the index of its first occurrence.
func (t *Tensor) MinAlong(axis int, keepdim bool) (values, indices *Tensor) {
	ax := []int{axis}
	return t.reduce("tensor.MinAlong", ReduceMin, ax, keepdim), t.reduce("tensor.MinAlong", ReduceArgMin, ax, keepdim)
}

// ArgMax returns the Int64 index of the first maximum along axis. For the index into the
// flattened tensor, use t.Flatten(0, -1).ArgMax(0, false).
func (t *Tensor) ArgMax(axis int, keepdim bool) *Tensor {
	return t.reduce("tensor.ArgMax", ReduceArgMax, []int{axis}, keepdim)
}

// ArgMin returns the Int64 index of the first minimum along axis.
func (t *Tensor) ArgMin(axis int, keepdim bool) *Tensor {
	return t.reduce("tensor.ArgMin", ReduceArgMin, []int{axis}, keepdim)
}

// Variance returns the variance over axes (all when none are given) with the given
// correction: the sum of squared deviations is divided by N - correction (1 is the unbiased
// estimate, torch's default; 0 the population variance).
func Variance(t *Tensor, axes []int, correction int, keepdim bool) *Tensor {
	const name = "tensor.Variance"
	if dt := t.DType(); !dt.IsFloat() {
		panicf(name, "dtype %s of shape %s is not supported (needs float32 or float64)", dt, shapeStr(t.layout.Shape))
	}
	var s Scope
	defer s.Release()
	n := t.reducedCount(name, axes)
	d := s.Own(t.Sub(s.Own(t.mean(name, axes, true))))
	d.MulInPlace(d) // squared deviations
	return d.reduce(name, ReduceSum, axes, keepdim).MulScalarInPlace(1 / float64(max(n-correction, 0)))
}

// Var returns the unbiased variance (correction 1) over the given axes (all when none are
// given).
func (t *Tensor) Var(axes ...int) *Tensor { return Variance(t, axes, 1, false) }

// VarKeepDim is Var keeping the reduced axes with size 1.
func (t *Tensor) VarKeepDim(axes ...int) *Tensor { return Variance(t, axes, 1, true) }

func (t *Tensor) logSumExp(name string, axes []int, keepdim bool) *Tensor {
	if dt := t.DType(); !dt.IsFloat() {
		panicf(name, "dtype %s of shape %s is not supported (needs float32 or float64)", dt, shapeStr(t.layout.Shape))
	}
	if t.reducedCount(name, axes) == 0 {
		// The log of an empty sum: -Inf, as in torch.
		out := t.reduce(name, ReduceSum, axes, keepdim)
		return out.Fill(math.Inf(-1))
	}
	var s Scope
	defer s.Release()
	// The shift m is the maximum, or 0 where a slice is all ±Inf (Inf - Inf would be NaN).
	m := s.Own(t.reduce(name, ReduceMax, axes, true))
	m = s.Own(m.MaskedFill(s.Own(s.Own(m.Abs()).EqScalar(math.Inf(1))), 0))
	e := s.Own(t.Sub(m)).ApplyInPlace(OpExp, 0, 0)
	out := e.reduce(name, ReduceSum, axes, keepdim).ApplyInPlace(OpLog, 0, 0)
	if !keepdim {
		m = s.Own(m.Squeeze(t.reduceAxes(name, axes)...))
	}
	return out.AddInPlace(m)
}

// LogSumExp returns log(Σ exp(t)) over the given axes (all when none are given), computed
// stably for large values.
func (t *Tensor) LogSumExp(axes ...int) *Tensor { return t.logSumExp("tensor.LogSumExp", axes, false) }

// LogSumExpKeepDim is LogSumExp keeping the reduced axes with size 1.
func (t *Tensor) LogSumExpKeepDim(axes ...int) *Tensor {
	return t.logSumExp("tensor.LogSumExpKeepDim", axes, true)
}

// Softmax returns exp(t) / Σ exp(t) along axis, computed stably for large inputs.
func (t *Tensor) Softmax(axis int) *Tensor { return t.softmax("tensor.Softmax", axis, false) }

// LogSoftmax returns t - logΣexp(t) along axis, computed stably.
func (t *Tensor) LogSoftmax(axis int) *Tensor { return t.softmax("tensor.LogSoftmax", axis, true) }

func (t *Tensor) softmax(name string, axis int, log bool) *Tensor {
	st := t.live(name)
	if dt := st.buf.DType(); !dt.IsFloat() {
		panicf(name, "dtype %s of shape %s is not supported (needs float32 or float64)", dt, shapeStr(t.layout.Shape))
	}
	if len(t.layout.Shape) == 0 {
		checkScalarAxis(name, axis)
		t = t.Unsqueeze(0)
		defer t.Release()
		r := t.softmax(name, 0, log)
		r.layout = ContiguousLayout(nil)
		return r
	}
	axis = normAxis(name, axis, len(t.layout.Shape))
	if t.layout.Numel() == 0 {
		return allocChecked(name, st.dev, st.buf.DType(), t.layout.Shape) // nothing to compute, as in torch
	}
	if k, ok := st.dev.(SoftmaxKernel); ok {
		out := allocChecked(name, st.dev, st.buf.DType(), t.layout.Shape)
		k.Softmax(out.strided(), t.strided(), axis, log)
		keep(t)
		return out
	}
	return softmaxComposed(t, axis, log)
}

// softmaxComposed is softmax from primitives: the path of backends without a fused kernel, and
// the reference that fused kernels are tested against.
func softmaxComposed(t *Tensor, axis int, log bool) *Tensor {
	var s Scope
	defer s.Release()
	// The shift m is the row's maximum, or 0 for a row of -Inf (-Inf - -Inf would be NaN).
	m := s.Own(t.reduce("tensor.Softmax", ReduceMax, []int{axis}, true))
	m = s.Own(m.MaskedFill(s.Own(m.EqScalar(math.Inf(-1))), 0))
	x := t.Sub(m)
	if log { // x - log Σ exp(x)
		sum := s.Own(s.Own(x.Exp()).reduce("tensor.Softmax", ReduceSum, []int{axis}, true))
		return x.SubInPlace(sum.ApplyInPlace(OpLog, 0, 0))
	}
	e := x.ApplyInPlace(OpExp, 0, 0) // exp(x), in place of x
	return e.DivInPlace(s.Own(e.reduce("tensor.Softmax", ReduceSum, []int{axis}, true)))
}

// SumTo sums t down to shape, which t's shape must broadcast from: the reverse of
// broadcasting, as autograd needs for the gradient of a broadcast operand. It returns a view
// of t (a new tensor over the same storage) when the shapes are equal.
func (t *Tensor) SumTo(shape Shape) *Tensor {
	t.live("tensor.SumTo")
	if slices.Equal(t.layout.Shape, shape) {
		return t.view(t.layout.Clone())
	}
	if p := shapeProblem(shape); p != "" {
		panicf("tensor.SumTo", "cannot sum shape %s to %s: %s", shapeStr(t.layout.Shape), shapeStr(shape), p)
	}
	if _, ok := broadcastLayout(ContiguousLayout(shape), t.layout.Shape); !ok {
		panicf("tensor.SumTo", "shape %s does not broadcast to %s", shapeStr(shape), shapeStr(t.layout.Shape))
	}
	lead := len(t.layout.Shape) - len(shape)
	var axes []int
	for i, d := range t.layout.Shape {
		if i < lead || (shape[i-lead] == 1 && d != 1) {
			axes = append(axes, i)
		}
	}
	if len(axes) == 0 {
		return t.Reshape(shape...)
	}
	s := t.reduce("tensor.SumTo", ReduceSum, axes, true)
	s.layout = ContiguousLayout(shape)
	return s
}
