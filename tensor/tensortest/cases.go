package tensortest

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/godl/godl/tensor"
)

// This file is the table of the suite: one line (or a short block) per operation. A new
// operation of package tensor gets a line here; CheckCoverage fails until it has one.

type tt = tensor.Tensor

var (
	floats = []tensor.DType{tensor.Float32, tensor.Float64}
	every  = []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int64}
	ints64 = []tensor.DType{tensor.Int64}
)

// Value generators.
var (
	wide     = gen{kind: uniform, lo: -3, hi: 3}
	wideNaN  = gen{kind: uniform, lo: -3, hi: 3, nan: true}
	positive = gen{kind: uniform, lo: 0.05, hi: 4}
	divisor  = gen{kind: nonzero, lo: 0.25, hi: 3}
	near1    = gen{kind: uniform, lo: 0.5, hi: 1.5}
	quarters = gen{kind: grid, lo: -3, hi: 3, step: 0.25, nan: true}
	halves   = gen{kind: grid, lo: -2, hi: 2, step: 0.5}
	halvesN  = gen{kind: grid, lo: -2, hi: 2, step: 0.5, nan: true}
	mask01   = gen{kind: grid, lo: 0, hi: 1, step: 1}
	casts    = gen{kind: uniform, lo: -5, hi: 5}
	huge     = gen{kind: uniform, lo: -100, hi: 100}
	negInf   = gen{kind: constant, lo: math.Inf(-1)}
	zero     = gen{kind: constant, lo: 0}
)

var layouts = []layoutKind{contig, perm, step, expand}

func sh(d ...int) []int { return d }

// op is an operand of the case's dtype.
func op(shape []int, l layoutKind, g gen) arg { return arg{shape: shape, layout: l, gen: g} }

// typed is an operand of a fixed dtype.
func typed(dt tensor.DType, shape []int, l layoutKind, g gen) arg {
	return arg{shape: shape, layout: l, gen: g, dt: dt, fixed: true}
}

// ix is an Int64 index operand with values in [lo, hi).
func ix(shape []int, l layoutKind, lo, hi int) arg {
	return typed(tensor.Int64, shape, l, gen{kind: uniform, lo: float64(lo), hi: float64(hi)})
}

func vr(name string, ints []int, args ...arg) variant {
	return variant{name: name, args: args, ints: ints}
}

func one(t *tt) []*tt { return []*tt{t} }

func intsName(p []int) string {
	if len(p) == 0 {
		return "none"
	}
	s := make([]string, len(p))
	for i, v := range p {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ",")
}

// Tolerances.

// ulps allows k units of roundoff relative to the result, and k absolute units near zero.
func ulps(k float64) func(*env) tolerance {
	return func(*env) tolerance { return tolerance{rel: k, abs: k} }
}

// reducedCount returns how many elements a reduction over axes (all when none) combines.
func reducedCount(x *tt, axes []int) int {
	if len(axes) == 0 {
		return x.Numel()
	}
	n := 1
	for _, a := range axes {
		n *= x.Size(a)
	}
	return n
}

// sumTol bounds a sum of n terms taken in another order by (n+2)·u·Σ|x|: red applies the
// same reduction to |x|.
func sumTol(rel float64, red func(a *tt, axes []int) *tt) func(*env) tolerance {
	return func(e *env) tolerance {
		n := reducedCount(e.x(), e.ints)
		return tolerance{rel: rel, abs: rel, absT: one(red(e.x().Abs(), e.ints).MulScalarInPlace(float64(n + 2)))}
	}
}

// prodTol: a product of n factors has a relative error of at most n·u.
func prodTol(e *env) tolerance {
	n := float64(reducedCount(e.x(), e.ints))
	return tolerance{rel: n + 2, abs: 2}
}

// varTol bounds the variance computed as mean, deviations, squares and a sum: with
// D = |x| + mean|x| bounding every deviation, the error is within 2(n+4)·u·ΣD²/(n-c).
func varTol(corr int, keep bool, axesOf func(e *env) []int) func(*env) tolerance {
	return func(e *env) tolerance {
		axes := axesOf(e)
		x := e.x()
		n := reducedCount(x, axes)
		a := x.Abs()
		d := a.Add(a.MeanKeepDim(axes...))
		d2 := d.Square()
		var s *tt
		if keep {
			s = d2.SumKeepDim(axes...)
		} else {
			s = d2.Sum(axes...)
		}
		s.MulScalarInPlace(2 * float64(n+4) / float64(max(n-corr, 1)))
		return tolerance{rel: 4, abs: 4, absT: one(s)}
	}
}

// lseTol: log Σ exp(x - m) has an absolute error of about (n+2)·u from the sum.
func lseTol(e *env) tolerance {
	return tolerance{rel: 4, abs: float64(reducedCount(e.x(), e.ints) + 8)}
}

func axisLen(x *tt, axis int) int {
	if x.NDim() == 0 {
		return 1
	}
	return x.Size(axis)
}

// spread returns |x| + max|x| along axis, a bound on |x - max x| (0-d and empty: |x|).
func spread(x *tt, axis int) *tt {
	a := x.Abs()
	if x.NDim() == 0 || x.Numel() == 0 {
		return a
	}
	return a.Add(a.MaxKeepDim(axis))
}

// softmaxTol: each output is exp(x_i - m) / Σ exp(x_j - m). The sum brings a relative error
// of (n+8)·u, and x_i - m, rounded, one of u·|x_i - m| through exp.
func softmaxTol(e *env) tolerance {
	x, axis := e.x(), e.ints[0]
	return tolerance{rel: float64(axisLen(x, axis) + 8), abs: 2, absT: one(x.Softmax(axis).Mul(spread(x, axis)))}
}

// logSoftmaxTol: x - m - log Σe has an absolute error of (n+8)·u from the sum, and one of
// u·(|x| + |m|) from the subtractions, which may be grouped as (x - m) - log Σe or as
// x - (m + log Σe).
func logSoftmaxTol(e *env) tolerance {
	x, axis := e.x(), e.ints[0]
	return tolerance{rel: 8, abs: float64(axisLen(x, axis) + 8), absT: one(spread(x, axis).MulScalarInPlace(2))}
}

// matmulTol bounds a dot product of length k by (k+2)·u·Σ|a||b|.
func matmulTol(e *env) tolerance {
	a, b := e.in[0], e.in[1]
	k := axisLen(a, -1)
	m := tensor.MatMul(a.Abs(), b.Abs()).MulScalarInPlace(float64(k + 2))
	return tolerance{rel: 2, abs: 2, absT: one(m)}
}

// scatterTol bounds the accumulation of up to src.Size(axis) terms into each element.
func scatterTol(e *env) tolerance {
	t, idx, src := e.in[0], e.in[1], e.in[2]
	axis := e.ints[0]
	m := t.Abs().ScatterAdd(axis, idx, src.Abs()).MulScalarInPlace(float64(axisLen(src, axis) + 2))
	return tolerance{rel: 2, abs: 2, absT: one(m)}
}

// indexAddTol bounds the accumulation of up to len(idx) slices into each slice.
func indexAddTol(e *env) tolerance {
	t, idx, src := e.in[0], e.in[1], e.in[2]
	axis := e.ints[0]
	m := t.Abs().IndexAdd(axis, idx, src.Abs()).MulScalarInPlace(float64(idx.Numel() + 2))
	return tolerance{rel: 2, abs: 2, absT: one(m)}
}

// Variant sets.

// unaryVariants: one operand of every layout, a 0-d one, size-1 and size-0 dimensions, and
// long ones that take the CPU's parallel, blocked paths.
func unaryVariants(g gen) []variant {
	return []variant{
		vr("contig", nil, op(sh(3, 4, 5), contig, g)),
		vr("perm", nil, op(sh(3, 4, 5), perm, g)),
		vr("step", nil, op(sh(3, 4, 5), step, g)),
		vr("expand", nil, op(sh(3, 4, 5), expand, g)),
		vr("scalar", nil, op(sh(), contig, g)),
		vr("size1", nil, op(sh(1, 4, 1), step, g)),
		vr("size0", nil, op(sh(2, 0, 3), perm, g)),
		vr("large", nil, op(sh(200, 170), perm, g)),
		vr("long", nil, op(sh(40000), contig, g)),
	}
}

// smallUnaryVariants is unaryVariants without the long ones.
func smallUnaryVariants(g gen) []variant { return unaryVariants(g)[:7] }

// binaryVariants: two operands of every layout, broadcast against each other.
func binaryVariants(gx, gy gen) []variant {
	return []variant{
		vr("same", nil, op(sh(3, 4, 5), contig, gx), op(sh(3, 4, 5), contig, gy)),
		vr("perm", nil, op(sh(3, 4, 5), perm, gx), op(sh(3, 4, 5), contig, gy)),
		vr("step", nil, op(sh(3, 4, 5), step, gx), op(sh(3, 4, 5), perm, gy)),
		vr("expand", nil, op(sh(3, 4, 5), expand, gx), op(sh(3, 4, 5), step, gy)),
		vr("row", nil, op(sh(3, 4), contig, gx), op(sh(4), step, gy)),
		vr("col", nil, op(sh(3, 1), step, gx), op(sh(1, 4), contig, gy)),
		vr("3d", nil, op(sh(2, 1, 4), perm, gx), op(sh(3, 1), contig, gy)),
		vr("scalar", nil, op(sh(), contig, gx), op(sh(3, 4), perm, gy)),
		vr("scalar2", nil, op(sh(3, 4), step, gx), op(sh(), contig, gy)),
		vr("size0", nil, op(sh(0, 4), contig, gx), op(sh(4), contig, gy)),
		vr("size0b", nil, op(sh(3, 0), perm, gx), op(sh(3, 1), step, gy)),
		vr("mismatch", nil, op(sh(3, 4), contig, gx), op(sh(3), contig, gy)),
		vr("large", nil, op(sh(200, 170), perm, gx), op(sh(170), contig, gy)),
		vr("long", nil, op(sh(40000), contig, gx), op(sh(40000), step, gy)),
	}
}

// inPlaceBinaryVariants: a writable receiver of every layout and an operand broadcast to it.
func inPlaceBinaryVariants(gx, gy gen) []variant {
	return []variant{
		vr("contig", nil, op(sh(3, 4, 5), contig, gx), op(sh(3, 4, 5), perm, gy)),
		vr("perm", nil, op(sh(3, 4, 5), perm, gx), op(sh(3, 4, 5), step, gy)),
		vr("step", nil, op(sh(3, 4, 5), step, gx), op(sh(4, 5), expand, gy)),
		vr("row", nil, op(sh(3, 4), step, gx), op(sh(4), contig, gy)),
		vr("scalar_operand", nil, op(sh(3, 4), perm, gx), op(sh(), contig, gy)),
		vr("scalar", nil, op(sh(), contig, gx), op(sh(), contig, gy)),
		vr("size0", nil, op(sh(0, 4), contig, gx), op(sh(4), contig, gy)),
		vr("expand_dst", nil, op(sh(3, 4), expand, gx), op(sh(3, 4), contig, gy)),
		vr("no_bcast", nil, op(sh(3, 4), contig, gx), op(sh(2, 3, 4), contig, gy)),
		vr("long", nil, op(sh(40000), step, gx), op(sh(40000), contig, gy)),
	}
}

// inPlaceUnaryVariants: a writable receiver of every layout.
func inPlaceUnaryVariants(g gen) []variant {
	return []variant{
		vr("contig", nil, op(sh(3, 4, 5), contig, g)),
		vr("perm", nil, op(sh(3, 4, 5), perm, g)),
		vr("step", nil, op(sh(3, 4, 5), step, g)),
		vr("scalar", nil, op(sh(), contig, g)),
		vr("size0", nil, op(sh(2, 0, 3), perm, g)),
		vr("expand_dst", nil, op(sh(3, 4), expand, g)),
		vr("long", nil, op(sh(40000), step, g)),
	}
}

// reduceVariants: every layout with several sets of axes (ints), and the edge cases.
func reduceVariants(g gen) []variant {
	var vs []variant
	for _, l := range layouts {
		for _, ax := range [][]int{nil, {0}, {1}, {-1}, {0, 2}, {-1, 0}} {
			vs = append(vs, vr(layoutNames[l]+"/"+intsName(ax), ax, op(sh(3, 4, 5), l, g)))
		}
	}
	return append(vs,
		vr("scalar/none", nil, op(sh(), contig, g)),
		vr("size1/0,2", sh(0, 2), op(sh(1, 4, 1), step, g)),
		vr("size0/none", nil, op(sh(0, 3), contig, g)),
		vr("size0/0", sh(0), op(sh(0, 3), perm, g)),
		vr("size0/1", sh(1), op(sh(0, 3), contig, g)),
		vr("bad_axis", sh(2), op(sh(3, 4), contig, g)),
		vr("repeated_axis", sh(1, -1), op(sh(3, 4), contig, g)),
		vr("long/1", sh(1), op(sh(2, 70000), contig, g)),
		vr("long/none", nil, op(sh(70000), contig, g)),
		vr("large/0", sh(0), op(sh(300, 250), perm, g)),
	)
}

// argVariants: one axis and keepdim (ints: axis, keepdim), with ties from g and NaN.
func argVariants(g gen) []variant {
	var vs []variant
	for _, l := range layouts {
		for _, axis := range []int{0, 1, -1} {
			for _, keep := range []int{0, 1} {
				vs = append(vs, vr(fmt.Sprintf("%s/%d/%d", layoutNames[l], axis, keep), sh(axis, keep), op(sh(3, 4, 5), l, g)))
			}
		}
	}
	gn := g
	gn.nan = true
	return append(vs,
		vr("nan/1", sh(1, 0), op(sh(3, 4, 5), contig, gn)),
		vr("nan/0", sh(0, 1), op(sh(3, 4, 5), perm, gn)),
		vr("scalar", sh(0, 0), op(sh(), contig, g)),
		vr("size0/1", sh(1, 0), op(sh(0, 3), contig, g)),
		vr("size0/0", sh(0, 0), op(sh(0, 3), contig, g)),
		vr("bad_axis", sh(2, 0), op(sh(3, 4), contig, g)),
		vr("long", sh(1, 0), op(sh(2, 70000), contig, g)),
		vr("long_nan", sh(-1, 1), op(sh(2, 70000), step, gn)),
	)
}

// axisVariants: softmax-like operations along one axis (ints: axis).
func axisVariants(g gen) []variant {
	var vs []variant
	for _, l := range layouts {
		for _, axis := range []int{0, -1} {
			vs = append(vs, vr(fmt.Sprintf("%s/%d", layoutNames[l], axis), sh(axis), op(sh(3, 4, 5), l, g)))
		}
	}
	gn := g
	gn.nan = true
	return append(vs,
		vr("scalar", sh(0), op(sh(), contig, g)),
		vr("size1", sh(0), op(sh(1, 4, 1), step, g)),
		vr("size0/1", sh(1), op(sh(3, 0), contig, g)),
		vr("size0/0", sh(0), op(sh(3, 0), contig, g)),
		vr("size0_rows", sh(1), op(sh(0, 3), perm, g)),
		vr("huge", sh(1), op(sh(4, 6), perm, huge)),
		vr("nan", sh(1), op(sh(4, 6), contig, gn)),
		vr("neg_inf_rows", sh(1), op(sh(2, 3), contig, negInf)),
		vr("bad_axis", sh(2), op(sh(3, 4), contig, g)),
		vr("long", sh(1), op(sh(2, 70000), contig, g)),
	)
}

// lseVariants: LogSumExp over several sets of axes (ints).
func lseVariants(g gen) []variant {
	var vs []variant
	for _, l := range layouts {
		for _, ax := range [][]int{nil, {1}, {0, 2}} {
			vs = append(vs, vr(layoutNames[l]+"/"+intsName(ax), ax, op(sh(3, 4, 5), l, g)))
		}
	}
	gn := g
	gn.nan = true
	return append(vs,
		vr("scalar", nil, op(sh(), contig, g)),
		vr("size0/0", sh(0), op(sh(0, 3), contig, g)),
		vr("size0/1", sh(1), op(sh(0, 3), contig, g)),
		vr("huge", sh(1), op(sh(4, 6), perm, huge)),
		vr("nan", sh(1), op(sh(4, 6), contig, gn)),
		vr("neg_inf", sh(1), op(sh(2, 3), contig, negInf)),
		vr("long", sh(1), op(sh(2, 70000), contig, g)),
	)
}

// viewCase runs a view operation with each parameter set on operands of shape in every
// layout; the results are the view, its Contiguous form and a Clone.
func viewCase(name string, shape []int, f func(x *tt, p []int) *tt, params ...[]int) *opCase {
	var vs []variant
	for _, l := range layouts {
		for _, p := range params {
			vs = append(vs, vr(layoutNames[l]+"/"+intsName(p), p, op(shape, l, wide)))
		}
	}
	return &opCase{name: name, dtypes: every, variants: vs, fn: func(e *env) []*tt { return withCopies(f(e.x(), e.ints)) }}
}

// withCopies returns the views followed by their Contiguous forms and Clones.
func withCopies(vs ...*tt) []*tt {
	out := append([]*tt(nil), vs...)
	for _, v := range vs {
		out = append(out, v.Contiguous(), v.Clone())
	}
	return out
}

// Case builders.

// un is an elementwise operation of one operand.
func un(name string, dts []tensor.DType, f func(*tt) *tt, tol func(*env) tolerance, g gen) *opCase {
	return &opCase{name: name, dtypes: dts, variants: unaryVariants(g), tol: tol,
		fn: func(e *env) []*tt { return one(f(e.x())) }}
}

// bin is an elementwise operation of two operands, broadcast together.
func bin(name string, dts []tensor.DType, f func(x, y *tt) *tt, tol func(*env) tolerance, gx, gy gen) *opCase {
	return &opCase{name: name, dtypes: dts, variants: binaryVariants(gx, gy), tol: tol,
		fn: func(e *env) []*tt { return one(f(e.in[0], e.in[1])) }}
}

// inBin is an in-place elementwise operation with a broadcast operand.
func inBin(name string, dts []tensor.DType, f func(x, y *tt) *tt, tol func(*env) tolerance, gx, gy gen) *opCase {
	return &opCase{name: name, dtypes: dts, variants: inPlaceBinaryVariants(gx, gy), tol: tol, flags: inPlace,
		fn: func(e *env) []*tt { return one(f(e.in[0], e.in[1])) }}
}

// inUn is an in-place operation on its receiver alone.
func inUn(name string, dts []tensor.DType, f func(*tt) *tt, tol func(*env) tolerance, g gen) *opCase {
	return &opCase{name: name, dtypes: dts, variants: inPlaceUnaryVariants(g), tol: tol, flags: inPlace,
		fn: func(e *env) []*tt { return one(f(e.x())) }}
}

// red is a reduction over a set of axes (the variant's ints).
func red(name string, dts []tensor.DType, f func(x *tt, axes []int) *tt, tol func(*env) tolerance, g gen) *opCase {
	return &opCase{name: name, dtypes: dts, variants: reduceVariants(g), tol: tol,
		fn: func(e *env) []*tt { return one(f(e.x(), e.ints)) }}
}

// argRed is a reduction along one axis with keepdim (the variant's ints).
func argRed(name string, f func(x *tt, axis int, keep bool) []*tt) *opCase {
	return &opCase{name: name, dtypes: every, variants: argVariants(halves),
		fn: func(e *env) []*tt { return f(e.x(), e.ints[0], e.ints[1] != 0) }}
}

// create is a constructor on the device (the variant's ints give the shape).
func create(name string, f func(shape tensor.Shape, o ...tensor.Option) *tt, flags caseFlags) *opCase {
	return &opCase{name: name, dtypes: every, flags: flags,
		variants: []variant{vr("2x3", sh(2, 3)), vr("scalar", sh()), vr("size0", sh(0, 4)), vr("long", sh(70000))},
		fn:       func(e *env) []*tt { return one(f(e.ints, e.dt, tensor.On(e.dev))) }}
}

// like is a constructor shaped after an operand.
func like(name string, f func(*tt) *tt, flags caseFlags) *opCase {
	return &opCase{name: name, dtypes: every, variants: smallUnaryVariants(wide), flags: flags,
		fn: func(e *env) []*tt { return one(f(e.x())) }}
}

// hostRead reads values back to the host and wraps them in a CPU tensor.
func hostRead(name string, f func(x *tt) *tt) *opCase {
	return &opCase{name: name, dtypes: every, variants: unaryVariants(casts), flags: hostOut,
		fn: func(e *env) []*tt { return one(f(e.x())) }}
}

// unaryOps lists every tensor.UnaryOp, found by its name.
func unaryOps() []tensor.UnaryOp {
	var ops []tensor.UnaryOp
	for o := tensor.UnaryOp(0); !strings.HasPrefix(o.String(), "UnaryOp("); o++ {
		ops = append(ops, o)
	}
	return ops
}

var allCases = sync.OnceValue(func() []*opCase {
	cs := []*opCase{
		// Elementwise, one operand.
		un("Neg", every, (*tt).Neg, nil, wideNaN),
		un("Abs", every, (*tt).Abs, nil, wideNaN),
		un("Sign", every, (*tt).Sign, nil, halvesN),
		un("Square", every, (*tt).Square, nil, wide),
		un("Sqrt", floats, (*tt).Sqrt, ulps(1), positive),
		un("Rsqrt", floats, (*tt).Rsqrt, ulps(2), positive),
		un("Reciprocal", floats, (*tt).Reciprocal, ulps(1), divisor),
		un("Exp", floats, (*tt).Exp, ulps(2), wide),
		un("Log", floats, (*tt).Log, ulps(2), positive),
		un("Log1p", floats, (*tt).Log1p, ulps(2), gen{kind: uniform, lo: -0.9, hi: 3}),
		un("Sin", floats, (*tt).Sin, ulps(2), wide),
		un("Cos", floats, (*tt).Cos, ulps(2), wide),
		un("Tanh", floats, (*tt).Tanh, ulps(2), wide),
		un("Sigmoid", floats, (*tt).Sigmoid, ulps(4), gen{kind: uniform, lo: -30, hi: 30}),
		un("ReLU", every, (*tt).ReLU, nil, wideNaN),
		un("GELU", floats, (*tt).GELU, ulps(4), wide),
		un("GELUGrad", floats, (*tt).GELUGrad, ulps(4), wide),
		un("LeakyReLU", floats, func(x *tt) *tt { return x.LeakyReLU(0.125) }, nil, wideNaN),
		un("LeakyReLU/frac", floats, func(x *tt) *tt { return x.LeakyReLU(0.01) }, ulps(1), wide),
		un("Floor", every, (*tt).Floor, nil, quarters),
		un("Ceil", every, (*tt).Ceil, nil, quarters),
		un("Round", every, (*tt).Round, nil, quarters),
		un("Clamp", every, func(x *tt) *tt { return x.Clamp(-1, 2) }, nil, quarters),
		un("Clamp/frac", floats, func(x *tt) *tt { return x.Clamp(-0.3, 0.7) }, nil, quarters),
		un("Clamp/bad", every, func(x *tt) *tt { return x.Clamp(1, -1) }, nil, wide),
		un("ClampMin", every, func(x *tt) *tt { return x.ClampMin(-1) }, nil, quarters),
		un("ClampMax", every, func(x *tt) *tt { return x.ClampMax(1) }, nil, quarters),
		un("AddScalar", every, func(x *tt) *tt { return x.AddScalar(3) }, nil, wide),
		un("AddScalar/frac", floats, func(x *tt) *tt { return x.AddScalar(0.1) }, ulps(1), wide),
		un("SubScalar", every, func(x *tt) *tt { return x.SubScalar(2) }, nil, wide),
		un("RSubScalar", every, func(x *tt) *tt { return x.RSubScalar(-4) }, nil, wide),
		un("MulScalar", every, func(x *tt) *tt { return x.MulScalar(-3) }, nil, wide),
		un("MulScalar/frac", floats, func(x *tt) *tt { return x.MulScalar(0.3) }, ulps(1), wide),
		un("DivScalar", floats, func(x *tt) *tt { return x.DivScalar(3) }, ulps(2), wide),
		un("DivScalar/int", ints64, func(x *tt) *tt { return x.DivScalar(2) }, nil, wide),
		un("RDivScalar", floats, func(x *tt) *tt { return x.RDivScalar(2) }, ulps(1), divisor),
		un("PowScalar", floats, func(x *tt) *tt { return x.PowScalar(3) }, ulps(4), positive),
		un("PowScalar/square", floats, func(x *tt) *tt { return x.PowScalar(2) }, ulps(2), wide),
		un("PowScalar/sqrt", floats, func(x *tt) *tt { return x.PowScalar(0.5) }, ulps(2), positive),
		un("PowScalar/neg", floats, func(x *tt) *tt { return x.PowScalar(-1.5) }, ulps(4), positive),
		un("PowScalar/int", ints64, func(x *tt) *tt { return x.PowScalar(3) }, nil, wide),
		un("PowScalar/int_big", ints64, func(x *tt) *tt { return x.PowScalar(39) }, nil, gen{kind: grid, lo: -3, hi: 3, step: 1}),
		un("PowScalar/int_bad", ints64, func(x *tt) *tt { return x.PowScalar(0.5) }, nil, wide),
		un("RPowScalar", floats, func(x *tt) *tt { return x.RPowScalar(2) }, ulps(4), wide),
		un("EqScalar", every, func(x *tt) *tt { return x.EqScalar(1) }, nil, halvesN),
		un("NeScalar", every, func(x *tt) *tt { return x.NeScalar(1) }, nil, halvesN),
		un("LtScalar", every, func(x *tt) *tt { return x.LtScalar(0.5) }, nil, halvesN),
		un("LeScalar", every, func(x *tt) *tt { return x.LeScalar(0.5) }, nil, halvesN),
		un("GtScalar", every, func(x *tt) *tt { return x.GtScalar(-1) }, nil, halvesN),
		un("GeScalar", every, func(x *tt) *tt { return x.GeScalar(-1) }, nil, halvesN),
		un("Contiguous", every, (*tt).Contiguous, nil, wideNaN),
		un("Clone", every, (*tt).Clone, nil, wideNaN),
		un("AsType/float32", every, func(x *tt) *tt { return x.AsType(tensor.Float32) }, nil, casts),
		un("AsType/float64", every, func(x *tt) *tt { return x.AsType(tensor.Float64) }, nil, casts),
		un("AsType/int64", every, func(x *tt) *tt { return x.AsType(tensor.Int64) }, nil, casts),
		un("AsType/bad", every, func(x *tt) *tt { return x.AsType(tensor.DType(9)) }, nil, casts),

		// Elementwise, two operands.
		bin("Add", every, (*tt).Add, nil, wide, wide),
		bin("Sub", every, (*tt).Sub, nil, wide, wide),
		bin("Mul", every, (*tt).Mul, nil, wide, wide),
		bin("Div", floats, (*tt).Div, nil, wide, divisor),
		bin("Div/int", ints64, (*tt).Div, nil, gen{kind: uniform, lo: -9, hi: 9}, divisor),
		bin("Div/zero", ints64, (*tt).Div, nil, wide, zero),
		bin("Pow", floats, (*tt).Pow, ulps(4), positive, wide),
		bin("Pow/int", ints64, (*tt).Pow, nil, wide, gen{kind: uniform, lo: 0, hi: 5}),
		bin("Pow/int_big", ints64, (*tt).Pow, nil, gen{kind: constant, lo: 3}, gen{kind: grid, lo: 33, hi: 39, step: 1}),
		bin("Maximum", every, (*tt).Maximum, nil, halvesN, halvesN),
		bin("Minimum", every, (*tt).Minimum, nil, halvesN, halvesN),
		bin("Eq", every, (*tt).Eq, nil, halvesN, halvesN),
		bin("Ne", every, (*tt).Ne, nil, halvesN, halvesN),
		bin("Lt", every, (*tt).Lt, nil, halvesN, halvesN),
		bin("Le", every, (*tt).Le, nil, halvesN, halvesN),
		bin("Gt", every, (*tt).Gt, nil, halvesN, halvesN),
		bin("Ge", every, (*tt).Ge, nil, halvesN, halvesN),
		{name: "MatMul", methods: []string{"MatMul"}, dtypes: every, variants: matmulVariants(), tol: matmulTol,
			fn: func(e *env) []*tt { return one(tensor.MatMul(e.in[0], e.in[1])) }},
		{name: "MatMul/method", dtypes: every, variants: matmulVariants()[:4], tol: matmulTol,
			fn: func(e *env) []*tt { return one(e.in[0].MatMul(e.in[1])) }},
		{name: "Where", dtypes: every, variants: whereVariants(),
			fn: func(e *env) []*tt { return one(tensor.Where(e.in[0], e.in[1], e.in[2])) }},
		{name: "MaskedFill", dtypes: every, variants: maskedFillVariants(),
			fn: func(e *env) []*tt { return one(e.in[0].MaskedFill(e.in[1], -7.5)) }},

		// In place.
		inBin("AddInPlace", every, (*tt).AddInPlace, nil, wide, wide),
		inBin("SubInPlace", every, (*tt).SubInPlace, nil, wide, wide),
		inBin("MulInPlace", every, (*tt).MulInPlace, nil, wide, wide),
		inBin("DivInPlace", floats, (*tt).DivInPlace, nil, wide, divisor),
		inBin("DivInPlace/int", ints64, (*tt).DivInPlace, nil, gen{kind: uniform, lo: -9, hi: 9}, divisor),
		inBin("AddScaledInPlace", every, func(x, y *tt) *tt { return x.AddScaledInPlace(-2, y) }, nil, wide, wide),
		inBin("AddScaledInPlace/one", every, func(x, y *tt) *tt { return x.AddScaledInPlace(1, y) }, nil, wide, wide),
		inBin("AddScaledInPlace/frac", floats, func(x, y *tt) *tt { return x.AddScaledInPlace(0.3, y) }, ulps(2), wide, wide),
		{name: "AddInPlace/overlap", dtypes: every, flags: inPlace,
			variants: []variant{vr("contig", nil, op(sh(4, 4), contig, wide)), vr("step", nil, op(sh(4, 4), step, wide))},
			fn:       func(e *env) []*tt { return one(e.x().AddInPlace(e.x().T())) }},
		{name: "MulInPlace/self", dtypes: every, flags: inPlace, variants: inPlaceUnaryVariants(wide),
			fn: func(e *env) []*tt { return one(e.x().MulInPlace(e.x())) }},
		inUn("AddScalarInPlace", every, func(x *tt) *tt { return x.AddScalarInPlace(3) }, nil, wide),
		inUn("MulScalarInPlace", every, func(x *tt) *tt { return x.MulScalarInPlace(-2) }, nil, wide),
		inUn("ClampInPlace", every, func(x *tt) *tt { return x.ClampInPlace(-1, 1) }, nil, quarters),
		inUn("ClampInPlace/bad", every, func(x *tt) *tt { return x.ClampInPlace(1, -1) }, nil, wide),
		inUn("Fill", every, func(x *tt) *tt { return x.Fill(-2.5) }, nil, wide),
		inUn("Zero", every, (*tt).Zero, nil, wide),
		{name: "CopyFrom", dtypes: every, flags: inPlace, variants: copyFromVariants(),
			fn: func(e *env) []*tt { return one(e.in[0].CopyFrom(e.in[1])) }},
		{name: "CopyFrom/overlap", dtypes: every, flags: inPlace,
			variants: []variant{vr("contig", nil, op(sh(4, 4), contig, wide)), vr("step", nil, op(sh(4, 4), step, wide))},
			fn:       func(e *env) []*tt { return one(e.x().CopyFrom(e.x().T())) }},

		// Reductions.
		red("Sum", every, func(x *tt, a []int) *tt { return x.Sum(a...) }, sumTol(2, func(x *tt, a []int) *tt { return x.Sum(a...) }), wide),
		red("SumKeepDim", every, func(x *tt, a []int) *tt { return x.SumKeepDim(a...) }, sumTol(2, func(x *tt, a []int) *tt { return x.SumKeepDim(a...) }), wide),
		red("Prod", every, func(x *tt, a []int) *tt { return x.Prod(a...) }, prodTol, near1),
		red("ProdKeepDim", every, func(x *tt, a []int) *tt { return x.ProdKeepDim(a...) }, prodTol, near1),
		red("Mean", every, func(x *tt, a []int) *tt { return x.Mean(a...) }, sumTol(4, func(x *tt, a []int) *tt { return x.Mean(a...) }), wide),
		red("MeanKeepDim", every, func(x *tt, a []int) *tt { return x.MeanKeepDim(a...) }, sumTol(4, func(x *tt, a []int) *tt { return x.MeanKeepDim(a...) }), wide),
		red("Max", every, func(x *tt, a []int) *tt { return x.Max(a...) }, nil, halvesN),
		red("MaxKeepDim", every, func(x *tt, a []int) *tt { return x.MaxKeepDim(a...) }, nil, halvesN),
		red("Min", every, func(x *tt, a []int) *tt { return x.Min(a...) }, nil, halvesN),
		red("MinKeepDim", every, func(x *tt, a []int) *tt { return x.MinKeepDim(a...) }, nil, halvesN),
		red("Var", every, func(x *tt, a []int) *tt { return x.Var(a...) }, varTol(1, false, func(e *env) []int { return e.ints }), wide),
		red("VarKeepDim", every, func(x *tt, a []int) *tt { return x.VarKeepDim(a...) }, varTol(1, true, func(e *env) []int { return e.ints }), wide),
		{name: "SumTo", dtypes: every, variants: sumToVariants(), tol: sumToTol,
			fn: func(e *env) []*tt { return one(e.x().SumTo(e.ints)) }},
		argRed("MaxAlong", func(x *tt, axis int, keep bool) []*tt { v, i := x.MaxAlong(axis, keep); return []*tt{v, i} }),
		argRed("MinAlong", func(x *tt, axis int, keep bool) []*tt { v, i := x.MinAlong(axis, keep); return []*tt{v, i} }),
		argRed("ArgMax", func(x *tt, axis int, keep bool) []*tt { return one(x.ArgMax(axis, keep)) }),
		argRed("ArgMin", func(x *tt, axis int, keep bool) []*tt { return one(x.ArgMin(axis, keep)) }),
		{name: "LogSumExp", dtypes: every, variants: lseVariants(wide), tol: lseTol,
			fn: func(e *env) []*tt { return one(e.x().LogSumExp(e.ints...)) }},
		{name: "LogSumExpKeepDim", dtypes: every, variants: lseVariants(wide), tol: lseTol,
			fn: func(e *env) []*tt { return one(e.x().LogSumExpKeepDim(e.ints...)) }},
		{name: "Softmax", dtypes: every, variants: axisVariants(wide), tol: softmaxTol,
			fn: func(e *env) []*tt { return one(e.x().Softmax(e.ints[0])) }},
		{name: "LogSoftmax", dtypes: every, variants: axisVariants(wide), tol: logSoftmaxTol,
			fn: func(e *env) []*tt { return one(e.x().LogSoftmax(e.ints[0])) }},

		// Indexing.
		{name: "IndexSelect", dtypes: every, variants: indexSelectVariants(),
			fn: func(e *env) []*tt { return one(e.in[0].IndexSelect(e.ints[0], e.in[1])) }},
		{name: "Gather", dtypes: every, variants: gatherVariants(),
			fn: func(e *env) []*tt { return one(e.in[0].Gather(e.ints[0], e.in[1])) }},
		{name: "ScatterAdd", dtypes: every, variants: scatterVariants(false), tol: scatterTol,
			fn: func(e *env) []*tt { return one(e.in[0].ScatterAdd(e.ints[0], e.in[1], e.in[2])) }},
		{name: "ScatterAddInPlace", dtypes: every, variants: scatterVariants(true), tol: scatterTol, flags: inPlace,
			fn: func(e *env) []*tt { return one(e.in[0].ScatterAddInPlace(e.ints[0], e.in[1], e.in[2])) }},
		{name: "IndexAdd", dtypes: every, variants: indexAddVariants(false), tol: indexAddTol,
			fn: func(e *env) []*tt { return one(e.in[0].IndexAdd(e.ints[0], e.in[1], e.in[2])) }},
		{name: "IndexAddInPlace", dtypes: every, variants: indexAddVariants(true), tol: indexAddTol, flags: inPlace,
			fn: func(e *env) []*tt { return one(e.in[0].IndexAddInPlace(e.ints[0], e.in[1], e.in[2])) }},
		{name: "Cat", dtypes: every, variants: catVariants(),
			fn: func(e *env) []*tt { return one(tensor.Cat(e.in, e.ints[0])) }},
		{name: "Stack", dtypes: every, variants: stackVariants(),
			fn: func(e *env) []*tt { return one(tensor.Stack(e.in, e.ints[0])) }},

		// Views, each followed by Contiguous and Clone.
		viewCase("View", sh(3, 4, 5), func(x *tt, p []int) *tt { return x.View(p...) },
			sh(12, 5), sh(-1), sh(3, 20), sh(3, 2, 2, 5), sh(60, 1), sh(7, -1)),
		viewCase("Reshape", sh(3, 4, 5), func(x *tt, p []int) *tt { return x.Reshape(p...) },
			sh(12, 5), sh(-1), sh(3, 20), sh(3, 2, 2, 5), sh(60, 1), sh(7, -1)),
		viewCase("Flatten", sh(3, 4, 5), func(x *tt, p []int) *tt { return x.Flatten(p[0], p[1]) },
			sh(0, 1), sh(1, -1), sh(0, -1), sh(2, 2), sh(2, 1)),
		viewCase("Transpose", sh(3, 4, 5), func(x *tt, p []int) *tt { return x.Transpose(p[0], p[1]) },
			sh(0, 2), sh(1, -1), sh(1, 1), sh(0, 3)),
		viewCase("T", sh(4, 5), func(x *tt, _ []int) *tt { return x.T() }, nil),
		viewCase("T/other", sh(3, 4, 5), func(x *tt, _ []int) *tt { return x.T() }, nil),
		viewCase("Permute", sh(3, 4, 5), func(x *tt, p []int) *tt { return x.Permute(p...) },
			sh(2, 0, 1), sh(0, 1, 2), sh(-1, 0, 1), sh(1, 1, 0), sh(0, 1)),
		viewCase("Narrow", sh(3, 4, 5), func(x *tt, p []int) *tt { return x.Narrow(p[0], p[1], p[2]) },
			sh(1, 1, 2), sh(0, -2, 2), sh(2, 0, 0), sh(-1, 4, 1), sh(2, 3, 3)),
		viewCase("Slice", sh(3, 4, 5), func(x *tt, p []int) *tt { return x.Slice(p[0], p[1], p[2], p[3]) },
			sh(2, 1, 5, 2), sh(0, -2, 10, 1), sh(1, 0, 4, 3), sh(1, 3, 1, 1), sh(0, 0, 3, 0)),
		viewCase("Select", sh(3, 4, 5), func(x *tt, p []int) *tt { return x.Select(p[0], p[1]) },
			sh(1, -1), sh(0, 2), sh(2, 0), sh(0, 3)),
		viewCase("Squeeze", sh(3, 1, 5, 1), func(x *tt, p []int) *tt { return x.Squeeze(p...) },
			nil, sh(1), sh(-1, 1), sh(0), sh(4)),
		viewCase("Unsqueeze", sh(3, 4, 5), func(x *tt, p []int) *tt { return x.Unsqueeze(p[0]) },
			sh(0), sh(3), sh(-1), sh(2), sh(5)),
		viewCase("Expand", sh(3, 1, 5), func(x *tt, p []int) *tt { return x.Expand(p...) },
			sh(3, 4, 5), sh(2, 3, 4, 5), sh(-1, 2, -1), sh(3, 0, 5), sh(3, 4, 6), sh(-1, 3, 1, 5)),
		viewCase("BroadcastTo", sh(3, 1, 5), func(x *tt, p []int) *tt { return x.BroadcastTo(p) },
			sh(3, 4, 5), sh(2, 3, 1, 5), sh(5)),
		{name: "Split", dtypes: every, variants: splitVariants(sh(2, 0), sh(3, 1), sh(10, 0), sh(1, -1), sh(0, 0)),
			fn: func(e *env) []*tt { return withCopies(e.x().Split(e.ints[0], e.ints[1])...) }},
		{name: "SplitSizes", dtypes: every, variants: splitVariants(sh(0, 2, 3), sh(1, 1, 0, 3), sh(0, 2, 2), sh(0, -1, 6)),
			fn: func(e *env) []*tt { return withCopies(e.x().SplitSizes(e.ints[1:], e.ints[0])...) }},
		{name: "Chunk", dtypes: every, variants: splitVariants(sh(2, 0), sh(3, 1), sh(7, 0), sh(0, 0)),
			fn: func(e *env) []*tt { return withCopies(e.x().Chunk(e.ints[0], e.ints[1])...) }},

		// Creation on the device.
		create("Full", func(s tensor.Shape, o ...tensor.Option) *tt { return tensor.Full(s, -2.5, o...) }, 0),
		create("Zeros", tensor.Zeros, 0),
		create("Ones", tensor.Ones, 0),
		create("Empty", tensor.Empty, metaOnly),
		create("RNG.Uniform", func(s tensor.Shape, o ...tensor.Option) *tt { return tensor.NewRNG(7).Uniform(s, -1, 2, o...) }, 0),
		create("RNG.Normal", func(s tensor.Shape, o ...tensor.Option) *tt { return tensor.NewRNG(7).Normal(s, 1, 2, o...) }, 0),
		create("RNG.Integers", func(s tensor.Shape, o ...tensor.Option) *tt { return tensor.NewRNG(7).Integers(s, -3, 5, o...) }, 0),
		create("RNG.Bernoulli", func(s tensor.Shape, o ...tensor.Option) *tt { return tensor.NewRNG(7).Bernoulli(s, 0.3, o...) }, 0),
		{name: "RNG.Permutation", dtypes: every, variants: []variant{vr("10", sh(10)), vr("0", sh(0)), vr("neg", sh(-1))},
			fn: func(e *env) []*tt { return one(tensor.NewRNG(7).Permutation(e.ints[0], e.dt, tensor.On(e.dev))) }},
		{name: "Arange", dtypes: every,
			variants: []variant{vr("up", sh(0, 20, 2)), vr("down", sh(10, -6, -3)), vr("halves", sh(0, 10, 1)),
				vr("empty", sh(1, 1, 1)), vr("zero_step", sh(0, 2, 0)), vr("wrong_sign", sh(0, 2, -1))},
			fn: func(e *env) []*tt {
				p := e.ints
				return one(tensor.Arange(float64(p[0])/2, float64(p[1])/2, float64(p[2])/2, e.dt, tensor.On(e.dev)))
			}},
		{name: "Linspace", dtypes: every,
			variants: []variant{vr("5", sh(-1, 1, 5)), vr("1", sh(0, 10, 1)), vr("0", sh(3, 3, 0)),
				vr("100", sh(0, 7, 100)), vr("neg", sh(0, 1, -1))},
			fn: func(e *env) []*tt {
				p := e.ints
				return one(tensor.Linspace(float64(p[0]), float64(p[1]), p[2], e.dt, tensor.On(e.dev)))
			}},
		{name: "Eye", dtypes: every, variants: []variant{vr("4", sh(4)), vr("1", sh(1)), vr("0", sh(0)), vr("neg", sh(-1))},
			fn: func(e *env) []*tt { return one(tensor.Eye(e.ints[0], e.dt, tensor.On(e.dev))) }},
		like("FullLike", func(x *tt) *tt { return tensor.FullLike(x, 3.5) }, 0),
		like("ZerosLike", tensor.ZerosLike, 0),
		like("OnesLike", tensor.OnesLike, 0),
		like("EmptyLike", tensor.EmptyLike, metaOnly),

		// Moving data between devices and to the host.
		{name: "To/roundtrip", methods: []string{"To"}, dtypes: every, variants: unaryVariants(wideNaN), flags: noAlias | noLayout,
			fn: func(e *env) []*tt { return one(e.x().To(tensor.CPU).To(e.dev)) }},
		{name: "To/same", methods: []string{"To"}, dtypes: every, variants: smallUnaryVariants(wideNaN),
			fn: func(e *env) []*tt { return one(e.x().To(e.dev)) }},
		{name: "To/host", methods: []string{"To"}, dtypes: every, variants: unaryVariants(wideNaN), flags: hostOut | noAlias | noLayout,
			fn: func(e *env) []*tt { return one(e.x().To(tensor.CPU)) }},
		hostRead("Float32s", func(x *tt) *tt { return tensor.From(x.Float32s(), x.Shape()...) }),
		hostRead("Float64s", func(x *tt) *tt { return tensor.From(x.Float64s(), x.Shape()...) }),
		hostRead("Int64s", func(x *tt) *tt { return tensor.From(x.Int64s(), x.Shape()...) }),
		{name: "At", dtypes: every, flags: hostOut, variants: atVariants(),
			fn: func(e *env) []*tt { return one(tensor.Scalar(e.x().At(e.ints...))) }},
		{name: "Item", dtypes: every, flags: hostOut,
			variants: []variant{vr("1x1", nil, op(sh(1, 1), step, casts)), vr("scalar", nil, op(sh(), contig, casts)),
				vr("expand", nil, op(sh(1), expand, casts)), vr("many", nil, op(sh(3), contig, casts))},
			fn: func(e *env) []*tt { return one(tensor.Scalar(e.x().Item())) }},

		viewCase("Alias", sh(3, 4, 5), func(x *tt, _ []int) *tt { return x.Alias() }, nil),
		{name: "String", dtypes: every, flags: hostOut, variants: printVariants(),
			fn: func(e *env) []*tt { return printed(e, e.x().String()) }},
		{name: "Format", dtypes: every, flags: hostOut, variants: printVariants(),
			fn: func(e *env) []*tt {
				return printed(e, fmt.Sprintf("%v|%.2v|%+v|%s|%d", e.x(), e.x(), e.x(), e.x(), e.x()))
			}},

		// Releasing storage on the device.
		{name: "Release", dtypes: every, variants: smallUnaryVariants(wide),
			fn: func(e *env) []*tt {
				c := e.x().Clone()
				v := c.Unsqueeze(0)
				c.Release()
				c.Release()
				return []*tt{v, v.Clone()}
			}},
		{name: "Released", dtypes: every, variants: smallUnaryVariants(wide),
			fn: func(e *env) []*tt {
				c := e.x().Clone()
				if c.Released() {
					panic(&tensor.Error{Op: "tensortest.Released", Msg: "Released is true before Release"})
				}
				c.Release()
				if !c.Released() {
					panic(&tensor.Error{Op: "tensortest.Released", Msg: "Released is false after Release"})
				}
				return one(c.Neg()) // panics: use of a released tensor
			}},
	}

	// Every unary op through Apply and ApplyInPlace, so that a new UnaryOp is checked even
	// before it has a named method.
	for _, o := range unaryOps() {
		cs = append(cs,
			&opCase{name: "Apply/" + o.String(), methods: []string{"Apply"}, dtypes: every, variants: smallUnaryVariants(positive), tol: ulps(4),
				fn: func(e *env) []*tt { return one(e.x().Apply(o, 0.5, 1.5)) }},
			&opCase{name: "ApplyInPlace/" + o.String(), methods: []string{"ApplyInPlace"}, dtypes: every, variants: inPlaceUnaryVariants(positive)[:6], tol: ulps(4), flags: inPlace,
				fn: func(e *env) []*tt { return one(e.x().ApplyInPlace(o, 0.5, 1.5)) }},
		)
	}
	cs = append(cs,
		un("Apply/unknown", every, func(x *tt) *tt { return x.Apply(tensor.UnaryOp(200), 0, 0) }, nil, wide),
		inUn("ApplyInPlace/unknown", every, func(x *tt) *tt { return x.ApplyInPlace(tensor.UnaryOp(200), 0, 0) }, nil, wide),
	)
	for _, corr := range []int{0, 1, 2} {
		for _, keep := range []bool{false, true} {
			cs = append(cs, &opCase{name: fmt.Sprintf("Variance/%d/%v", corr, keep), methods: []string{"Variance"}, dtypes: every,
				variants: reduceVariants(wide)[:12], tol: varTol(corr, keep, func(e *env) []int { return e.ints }),
				fn: func(e *env) []*tt { return one(tensor.Variance(e.x(), e.ints, corr, keep)) }})
		}
	}
	return cs
})

func sumToTol(e *env) tolerance {
	x := e.x()
	n := x.Numel() / max(tensor.Shape(e.ints).Numel(), 1)
	return tolerance{rel: 2, abs: 2, absT: one(x.Abs().SumTo(e.ints).Clone().MulScalarInPlace(float64(n + 2)))}
}

// sumToVariants: ints is the target shape.
func sumToVariants() []variant {
	var vs []variant
	for _, l := range layouts {
		for _, s := range [][]int{{5}, {4, 1}, {1, 4, 5}, {3, 1, 5}, {3, 4, 5}, {1}, {}} {
			vs = append(vs, vr(layoutNames[l]+"/"+intsName(s), s, op(sh(3, 4, 5), l, wide)))
		}
	}
	return append(vs,
		vr("bad_shape", sh(2, 5), op(sh(3, 4, 5), contig, wide)),
		vr("longer", sh(2, 3, 4, 5), op(sh(3, 4, 5), contig, wide)),
		vr("size0", sh(1, 3), op(sh(0, 3), contig, wide)),
		vr("long", sh(1), op(sh(2, 70000), contig, wide)),
	)
}

func matmulVariants() []variant {
	return []variant{
		vr("2d", nil, op(sh(3, 4), contig, wide), op(sh(4, 5), contig, wide)),
		vr("2d_perm", nil, op(sh(3, 4), perm, wide), op(sh(4, 5), perm, wide)),
		vr("2d_step", nil, op(sh(3, 4), step, wide), op(sh(4, 5), expand, wide)),
		vr("batch", nil, op(sh(2, 3, 4), contig, wide), op(sh(2, 4, 5), perm, wide)),
		vr("dot", nil, op(sh(4), contig, wide), op(sh(4), step, wide)),
		vr("vecmat", nil, op(sh(4), step, wide), op(sh(4, 5), contig, wide)),
		vr("matvec", nil, op(sh(3, 4), perm, wide), op(sh(4), contig, wide)),
		vr("bcast", nil, op(sh(2, 1, 3, 4), step, wide), op(sh(3, 4, 5), contig, wide)),
		vr("bcast_vec", nil, op(sh(2, 3, 4), contig, wide), op(sh(4), contig, wide)),
		vr("expand_batch", nil, op(sh(2, 3, 4), expand, wide), op(sh(4, 5), contig, wide)),
		vr("vec_batch", nil, op(sh(4), contig, wide), op(sh(2, 4, 5), step, wide)),
		vr("k0", nil, op(sh(3, 0), contig, wide), op(sh(0, 5), contig, wide)),
		vr("m0", nil, op(sh(0, 4), contig, wide), op(sh(4, 5), perm, wide)),
		vr("batch0", nil, op(sh(0, 3, 4), contig, wide), op(sh(4, 5), contig, wide)),
		vr("mismatch", nil, op(sh(3, 4), contig, wide), op(sh(5, 6), contig, wide)),
		vr("scalar", nil, op(sh(), contig, wide), op(sh(3), contig, wide)),
		vr("batch_mismatch", nil, op(sh(2, 3, 4), contig, wide), op(sh(3, 4, 5), contig, wide)),
		vr("large", nil, op(sh(40, 70), perm, wide), op(sh(70, 30), contig, wide)),
	}
}

func whereVariants() []variant {
	maskNaN := mask01
	maskNaN.nan = true
	return []variant{
		vr("same", nil, op(sh(3, 4), contig, mask01), op(sh(3, 4), perm, wide), op(sh(3, 4), step, wide)),
		vr("i64_cond", nil, typed(tensor.Int64, sh(3, 1), step, mask01), op(sh(4), contig, wide), op(sh(3, 4), perm, wide)),
		vr("f32_cond", nil, typed(tensor.Float32, sh(3, 4), expand, mask01), op(sh(), contig, wide), op(sh(2, 3, 4), contig, wide)),
		vr("nan_cond", nil, typed(tensor.Float64, sh(3, 4), contig, maskNaN), op(sh(3, 4), contig, wideNaN), op(sh(3, 4), perm, wideNaN)),
		vr("size0", nil, op(sh(0, 4), contig, mask01), op(sh(4), contig, wide), op(sh(0, 4), contig, wide)),
		vr("no_bcast", nil, op(sh(3, 4), contig, mask01), op(sh(2), contig, wide), op(sh(3, 4), contig, wide)),
		vr("mixed", nil, op(sh(3, 4), contig, mask01), op(sh(3, 4), contig, wide), typed(tensor.Float64, sh(3, 4), contig, wide)),
		vr("long", nil, op(sh(40000), contig, mask01), op(sh(40000), step, wide), op(sh(), contig, wide)),
	}
}

func maskedFillVariants() []variant {
	maskNaN := mask01
	maskNaN.nan = true
	return []variant{
		vr("same", nil, op(sh(3, 4, 5), contig, wide), op(sh(3, 4, 5), perm, mask01)),
		vr("i64_bcast", nil, op(sh(3, 4, 5), step, wide), typed(tensor.Int64, sh(4, 1), contig, mask01)),
		vr("f32_expand", nil, op(sh(3, 4), perm, wide), typed(tensor.Float32, sh(3, 4), expand, mask01)),
		vr("nan_mask", nil, op(sh(3, 4), contig, wide), typed(tensor.Float64, sh(3, 4), contig, maskNaN)),
		vr("scalar", nil, op(sh(), contig, wide), op(sh(), contig, mask01)),
		vr("size0", nil, op(sh(0, 4), contig, wide), op(sh(4), contig, mask01)),
		vr("no_bcast", nil, op(sh(3, 4), contig, wide), op(sh(5), contig, mask01)),
	}
}

func copyFromVariants() []variant {
	hostArg := func(a arg) arg { a.host = true; return a }
	return []variant{
		vr("same", nil, op(sh(3, 4, 5), perm, wide), op(sh(3, 4, 5), step, casts)),
		vr("from_f32", nil, op(sh(3, 4), step, wide), typed(tensor.Float32, sh(3, 4), perm, casts)),
		vr("from_f64_bcast", nil, op(sh(3, 4), perm, wide), typed(tensor.Float64, sh(3, 1), expand, casts)),
		vr("from_i64_bcast", nil, op(sh(3, 4), contig, wide), typed(tensor.Int64, sh(4), contig, casts)),
		vr("from_host", nil, op(sh(3, 4, 5), step, wide), hostArg(op(sh(3, 4, 5), perm, casts))),
		vr("from_host_i64", nil, op(sh(3, 4), contig, wide), hostArg(typed(tensor.Int64, sh(3, 4), perm, casts))),
		vr("from_host_f32", nil, op(sh(3, 4), perm, wide), hostArg(typed(tensor.Float32, sh(4), step, casts))),
		vr("scalar", nil, op(sh(), contig, wide), op(sh(), contig, casts)),
		vr("size0", nil, op(sh(0, 3), contig, wide), op(sh(3), contig, casts)),
		vr("expand_dst", nil, op(sh(3, 4), expand, wide), op(sh(3, 4), contig, casts)),
		vr("no_bcast", nil, op(sh(3, 4), contig, wide), op(sh(4, 3), contig, casts)),
		vr("long", nil, op(sh(40000), step, wide), typed(tensor.Float32, sh(40000), contig, casts)),
	}
}

func indexSelectVariants() []variant {
	src := func(l layoutKind) arg { return op(sh(4, 5, 3), l, wide) }
	return []variant{
		vr("axis0", sh(0), src(contig), ix(sh(6), contig, 0, 4)),
		vr("axis1_perm", sh(1), src(perm), ix(sh(7), step, 0, 5)),
		vr("axis2_step", sh(-1), src(step), ix(sh(2), contig, 0, 3)),
		vr("expand", sh(0), src(expand), ix(sh(5), contig, 0, 4)),
		vr("idx_expand", sh(1), src(contig), ix(sh(4), expand, 0, 5)),
		vr("idx0d", sh(1), src(step), ix(sh(), contig, 0, 5)),
		vr("empty_idx", sh(0), src(contig), ix(sh(0), contig, 0, 4)),
		vr("size0_src", sh(0), op(sh(4, 0, 3), contig, wide), ix(sh(3), contig, 0, 4)),
		vr("out_of_range", sh(0), src(contig), ix(sh(3), contig, 4, 6)),
		vr("negative", sh(1), src(contig), ix(sh(3), contig, -2, 0)),
		vr("idx2d", sh(0), src(contig), ix(sh(2, 2), contig, 0, 4)),
		vr("float_idx", sh(0), src(contig), typed(tensor.Float32, sh(3), contig, gen{kind: uniform, lo: 0, hi: 4})),
		vr("bad_axis", sh(3), src(contig), ix(sh(3), contig, 0, 3)),
		vr("large", sh(0), op(sh(300, 250), perm, wide), ix(sh(400), contig, 0, 300)),
	}
}

func gatherVariants() []variant {
	src := func(l layoutKind) arg { return op(sh(4, 5, 3), l, wide) }
	return []variant{
		vr("axis0", sh(0), src(contig), ix(sh(6, 4, 2), contig, 0, 4)),
		vr("axis1_perm", sh(1), src(perm), ix(sh(4, 7, 3), perm, 0, 5)),
		vr("axis2_step", sh(-1), src(step), ix(sh(2, 3, 5), step, 0, 3)),
		vr("expand", sh(0), src(expand), ix(sh(3, 5, 3), expand, 0, 4)),
		vr("scalar", sh(0), op(sh(), contig, wide), ix(sh(), contig, 0, 1)),
		vr("1d", sh(0), op(sh(6), step, wide), ix(sh(9), contig, 0, 6)),
		vr("size0", sh(0), src(contig), ix(sh(0, 5, 3), contig, 0, 4)),
		vr("out_of_range", sh(1), src(contig), ix(sh(4, 5, 3), contig, 5, 7)),
		vr("negative", sh(0), src(contig), ix(sh(4, 5, 3), contig, -1, 0)),
		vr("rank", sh(0), src(contig), ix(sh(4, 5), contig, 0, 4)),
		vr("too_big", sh(0), src(contig), ix(sh(2, 6, 3), contig, 0, 4)),
		vr("float_idx", sh(0), src(contig), typed(tensor.Float64, sh(4, 5, 3), contig, gen{kind: uniform, lo: 0, hi: 4})),
		vr("large", sh(1), op(sh(300, 250), perm, wide), ix(sh(300, 400), contig, 0, 250)),
		// Bad indices spread over every parallel chunk: the panic comes from worker goroutines.
		vr("large_out_of_range", sh(1), op(sh(300, 250), perm, wide), ix(sh(300, 400), contig, 0, 251)),
	}
}

// scatterVariants: ints (axis); operands t, idx, src.
func scatterVariants(inPlace bool) []variant {
	dst := func(l layoutKind) arg { return op(sh(4, 5, 3), l, wide) }
	vs := []variant{
		vr("axis0", sh(0), dst(contig), ix(sh(6, 4, 2), contig, 0, 4), op(sh(6, 4, 2), contig, wide)),
		vr("axis1_perm", sh(1), dst(perm), ix(sh(4, 7, 3), perm, 0, 5), op(sh(4, 7, 3), step, wide)),
		vr("axis2_step", sh(-1), dst(step), ix(sh(2, 3, 5), step, 0, 3), op(sh(2, 3, 5), perm, wide)),
		vr("src_larger", sh(1), dst(contig), ix(sh(2, 3, 3), contig, 0, 5), op(sh(3, 4, 3), perm, wide)),
		vr("src_expand", sh(0), dst(step), ix(sh(4, 5, 3), contig, 0, 4), op(sh(4, 5, 3), expand, wide)),
		vr("scalar", sh(0), op(sh(), contig, wide), ix(sh(), contig, 0, 1), op(sh(), contig, wide)),
		vr("size0", sh(0), dst(contig), ix(sh(0, 5, 3), contig, 0, 4), op(sh(0, 5, 3), contig, wide)),
		vr("out_of_range", sh(0), dst(contig), ix(sh(2, 5, 3), contig, 4, 6), op(sh(2, 5, 3), contig, wide)),
		vr("negative", sh(2), dst(contig), ix(sh(4, 5, 3), contig, -2, 0), op(sh(4, 5, 3), contig, wide)),
		vr("src_small", sh(0), dst(contig), ix(sh(4, 5, 3), contig, 0, 4), op(sh(4, 4, 3), contig, wide)),
		vr("large", sh(0), op(sh(300, 250), perm, wide), ix(sh(400, 250), contig, 0, 300), op(sh(400, 250), contig, wide)),
	}
	if inPlace {
		vs = append(vs, vr("expand_dst", sh(0), dst(expand), ix(sh(4, 5, 3), contig, 0, 4), op(sh(4, 5, 3), contig, wide)))
	}
	return vs
}

// indexAddVariants: ints (axis); operands t, idx, src.
func indexAddVariants(inPlace bool) []variant {
	dst := func(l layoutKind) arg { return op(sh(4, 5, 3), l, wide) }
	vs := []variant{
		vr("axis0", sh(0), dst(contig), ix(sh(6), contig, 0, 4), op(sh(6, 5, 3), contig, wide)),
		vr("axis1_perm", sh(1), dst(perm), ix(sh(7), step, 0, 5), op(sh(4, 7, 3), perm, wide)),
		vr("axis2_step", sh(-1), dst(step), ix(sh(2), contig, 0, 3), op(sh(4, 5, 2), expand, wide)),
		vr("empty", sh(0), dst(contig), ix(sh(0), contig, 0, 4), op(sh(0, 5, 3), contig, wide)),
		vr("out_of_range", sh(0), dst(contig), ix(sh(3), contig, 4, 6), op(sh(3, 5, 3), contig, wide)),
		vr("negative", sh(1), dst(contig), ix(sh(3), contig, -1, 0), op(sh(4, 3, 3), contig, wide)),
		vr("bad_src", sh(0), dst(contig), ix(sh(6), contig, 0, 4), op(sh(6, 5, 2), contig, wide)),
		vr("idx0d", sh(0), dst(contig), ix(sh(), contig, 0, 4), op(sh(1, 5, 3), contig, wide)),
		vr("large", sh(0), op(sh(300, 250), perm, wide), ix(sh(400), contig, 0, 300), op(sh(400, 250), contig, wide)),
	}
	if inPlace {
		vs = append(vs, vr("expand_dst", sh(0), dst(expand), ix(sh(6), contig, 0, 4), op(sh(6, 5, 3), contig, wide)))
	}
	return vs
}

func catVariants() []variant {
	return []variant{
		vr("axis0", sh(0), op(sh(2, 3), contig, wide), op(sh(4, 3), perm, wide), op(sh(1, 3), step, wide)),
		vr("axis1", sh(1), op(sh(2, 3), step, wide), op(sh(2, 1), expand, wide), op(sh(2, 4), perm, wide)),
		vr("neg_axis", sh(-1), op(sh(2, 3, 4), perm, wide), op(sh(2, 3, 1), contig, wide)),
		vr("size0", sh(0), op(sh(0, 3), contig, wide), op(sh(2, 3), expand, wide)),
		vr("all_size0", sh(0), op(sh(0, 3), contig, wide), op(sh(0, 3), perm, wide)),
		vr("single", sh(1), op(sh(2, 3), perm, wide)),
		vr("rank", sh(0), op(sh(2, 3), contig, wide), op(sh(3), contig, wide)),
		vr("shape", sh(0), op(sh(2, 3), contig, wide), op(sh(2, 4), contig, wide)),
		vr("scalar", sh(0), op(sh(), contig, wide), op(sh(), contig, wide)),
		vr("none", sh(0)),
		vr("mixed", sh(0), op(sh(2, 3), contig, wide), typed(tensor.Float64, sh(2, 3), contig, wide)),
		vr("large", sh(1), op(sh(300, 250), perm, wide), op(sh(300, 20), step, wide)),
	}
}

func stackVariants() []variant {
	three := func(s []int) []arg {
		return []arg{op(s, contig, wide), op(s, perm, wide), op(s, step, wide)}
	}
	return []variant{
		vr("axis0", sh(0), three(sh(2, 3))...),
		vr("axis1", sh(1), three(sh(2, 3))...),
		vr("axis2", sh(2), three(sh(2, 3))...),
		vr("neg_axis", sh(-1), three(sh(2, 3))...),
		vr("scalar", sh(0), three(sh())...),
		vr("size0", sh(1), three(sh(0, 3))...),
		vr("expand", sh(0), op(sh(2, 3), expand, wide), op(sh(2, 3), contig, wide)),
		vr("mismatch", sh(0), op(sh(2, 3), contig, wide), op(sh(3, 2), contig, wide)),
		vr("bad_axis", sh(3), three(sh(2, 3))...),
		vr("none", sh(0)),
	}
}

// splitVariants: ints are the case's parameters, on [5 4] operands of every layout and a
// size-0 one.
func splitVariants(params ...[]int) []variant {
	var vs []variant
	for _, l := range layouts {
		for _, p := range params {
			vs = append(vs, vr(layoutNames[l]+"/"+intsName(p), p, op(sh(5, 4), l, wide)))
		}
	}
	return append(vs, vr("size0/"+intsName(params[0]), params[0], op(sh(0, 4), contig, wide)))
}

func atVariants() []variant {
	var vs []variant
	for _, l := range layouts {
		for _, p := range [][]int{{1, -1, 2}, {2, 3, 4}, {0, 0, 0}, {-3, -4, -5}, {0, 0, 5}, {1, 1}} {
			vs = append(vs, vr(layoutNames[l]+"/"+intsName(p), p, op(sh(3, 4, 5), l, casts)))
		}
	}
	return append(vs, vr("scalar", nil, op(sh(), contig, casts)))
}

func printVariants() []variant {
	return append(unaryVariants(wideNaN),
		vr("huge", nil, op(sh(2, 3), perm, gen{kind: uniform, lo: -1e9, hi: 1e9})),
		vr("wide_rows", nil, op(sh(3, 40), step, wide)),
		vr("summarized", nil, op(sh(40, 30, 2), perm, wide)),
	)
}

// printed returns the bytes of a printed tensor as an Int64 host tensor, with white space
// collapsed and the device suffix dropped: a device suffix may push other suffixes onto a
// line of their own.
func printed(e *env, s string) []*tt {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, ", device="+e.dev.Name(), "")
	b := make([]int64, len(s))
	for i := range s {
		b[i] = int64(s[i])
	}
	return one(tensor.From(b))
}
