package autograd

import (
	"github.com/godl/godl/tensor"
)

var (
	opExp        = register("Exp")
	opLog        = register("Log")
	opLog1p      = register("Log1p")
	opSqrt       = register("Sqrt")
	opRsqrt      = register("Rsqrt")
	opReciprocal = register("Reciprocal")
	opSquare     = register("Square")
	opAbs        = register("Abs")
	opSin        = register("Sin")
	opCos        = register("Cos")
	opTanh       = register("Tanh")
	opSigmoid    = register("Sigmoid")
	opReLU       = register("ReLU")
	opLeakyReLU  = register("LeakyReLU")
	opGELU       = register("GELU")
	opClamp      = register("Clamp")
)

// unaryOp records an elementwise operation whose gradient is g · d, where d is computed from
// the saved input x and output y by deriv (a new tensor, which the helper takes over).
func unaryOp(op *opInfo, v *Value, out *tensor.Tensor, saveIn, saveOut bool, deriv func(x, y *tensor.Tensor) *tensor.Tensor) *Value {
	n := newNode1(op, v)
	if n == nil {
		return constant(out, v)
	}
	var x, y *tensor.Tensor
	if saveIn {
		x = n.save(v.data)
	}
	if saveOut {
		y = n.save(out)
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		d := deriv(x, y)
		return list(d.MulInPlace(g[0]))
	}, out)
}

// Exp returns eᵛ.
func (v *Value) Exp() *Value {
	out := v.data.Exp()
	n := newNode1(opExp, v)
	if n == nil {
		return constant(out, v)
	}
	y := n.save(out)
	// g·eᵛ in one pass (unaryOp would copy eᵛ first, then multiply).
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].Mul(y)) }, out)
}

// Log returns the natural logarithm.
func (v *Value) Log() *Value {
	return unaryOp(opLog, v, v.data.Log(), true, false, func(x, _ *tensor.Tensor) *tensor.Tensor { return x.Reciprocal() })
}

// Log1p returns ln(1+v).
func (v *Value) Log1p() *Value {
	return unaryOp(opLog1p, v, v.data.Log1p(), true, false, func(x, _ *tensor.Tensor) *tensor.Tensor {
		return x.AddScalar(1).ApplyInPlace(tensor.OpRecip, 0, 0)
	})
}

// Sqrt returns √v.
func (v *Value) Sqrt() *Value {
	return unaryOp(opSqrt, v, v.data.Sqrt(), false, true, func(_, y *tensor.Tensor) *tensor.Tensor {
		return y.RDivScalar(0.5) // 1/(2√v)
	})
}

// Rsqrt returns 1/√v.
func (v *Value) Rsqrt() *Value {
	return unaryOp(opRsqrt, v, v.data.Rsqrt(), false, true, func(_, y *tensor.Tensor) *tensor.Tensor {
		return y.PowScalar(3).MulScalarInPlace(-0.5) // -½ v^(-3/2)
	})
}

// Reciprocal returns 1/v.
func (v *Value) Reciprocal() *Value {
	return unaryOp(opReciprocal, v, v.data.Reciprocal(), false, true, func(_, y *tensor.Tensor) *tensor.Tensor {
		return y.Square().MulScalarInPlace(-1)
	})
}

// Square returns v².
func (v *Value) Square() *Value {
	return unaryOp(opSquare, v, v.data.Square(), true, false, func(x, _ *tensor.Tensor) *tensor.Tensor { return x.MulScalar(2) })
}

// Abs returns |v|; its gradient at 0 is 0, as in torch.
func (v *Value) Abs() *Value {
	return unaryOp(opAbs, v, v.data.Abs(), true, false, func(x, _ *tensor.Tensor) *tensor.Tensor { return x.Sign() })
}

// Sin returns the sine.
func (v *Value) Sin() *Value {
	return unaryOp(opSin, v, v.data.Sin(), true, false, func(x, _ *tensor.Tensor) *tensor.Tensor { return x.Cos() })
}

// Cos returns the cosine.
func (v *Value) Cos() *Value {
	return unaryOp(opCos, v, v.data.Cos(), true, false, func(x, _ *tensor.Tensor) *tensor.Tensor {
		return x.Sin().MulScalarInPlace(-1)
	})
}

// Tanh returns the hyperbolic tangent.
func (v *Value) Tanh() *Value {
	return unaryOp(opTanh, v, v.data.Tanh(), false, true, func(_, y *tensor.Tensor) *tensor.Tensor {
		return y.Square().ApplyInPlace(tensor.OpRSubScalar, 1, 0) // 1 - y²
	})
}

// Sigmoid returns 1/(1+e⁻ᵛ).
func (v *Value) Sigmoid() *Value {
	return unaryOp(opSigmoid, v, v.data.Sigmoid(), false, true, func(_, y *tensor.Tensor) *tensor.Tensor {
		d := y.RSubScalar(1) // 1 - y
		return d.MulInPlace(y)
	})
}

// ReLU returns max(v, 0); its gradient at 0 is 0, as in torch.
func (v *Value) ReLU() *Value {
	return unaryOp(opReLU, v, v.data.ReLU(), false, true, func(_, y *tensor.Tensor) *tensor.Tensor { return y.GtScalar(0) })
}

// LeakyReLU returns v where v > 0 and slope·v elsewhere.
func (v *Value) LeakyReLU(slope float64) *Value {
	return unaryOp(opLeakyReLU, v, v.data.LeakyReLU(slope), true, false, func(x, _ *tensor.Tensor) *tensor.Tensor {
		// 1 where x > 0, slope elsewhere: slope + (1-slope)·[x > 0]
		return x.GtScalar(0).MulScalarInPlace(1 - slope).AddScalarInPlace(slope)
	})
}

// GELU returns v·Φ(v) (the exact form).
func (v *Value) GELU() *Value {
	return unaryOp(opGELU, v, v.data.GELU(), true, false, func(x, _ *tensor.Tensor) *tensor.Tensor { return x.GELUGrad() })
}

// clampOp records a clamp to [lo, hi]; the gradient passes where lo <= v <= hi, as in torch.
func (v *Value) clampOp(out *tensor.Tensor, lo, hi float64) *Value {
	return unaryOp(opClamp, v, out, true, false, func(x, _ *tensor.Tensor) *tensor.Tensor {
		m := x.GeScalar(lo)
		le := x.LeScalar(hi)
		m.MulInPlace(le)
		le.Release()
		return m
	})
}

// Clamp limits v to [lo, hi].
func (v *Value) Clamp(lo, hi float64) *Value { return v.clampOp(v.data.Clamp(lo, hi), lo, hi) }

// ClampMin returns max(v, lo).
func (v *Value) ClampMin(lo float64) *Value { return v.clampOp(v.data.ClampMin(lo), lo, inf) }

// ClampMax returns min(v, hi).
func (v *Value) ClampMax(hi float64) *Value { return v.clampOp(v.data.ClampMax(hi), -inf, hi) }
