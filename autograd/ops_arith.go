package autograd

import (
	"math"

	"github.com/godl/godl/tensor"
)

// Gradient helpers. Backward functions never modify or release the incoming gradients; they
// release the temporaries they make, and hand over the tensors they return.

// sumTo reduces a temporary gradient to shape, releasing the temporary if a new tensor results.
func sumTo(g *tensor.Tensor, shape tensor.Shape) *tensor.Tensor {
	if g.Shape().Equal(shape) {
		return g
	}
	r := g.SumTo(shape)
	g.Release()
	return r
}

// list returns its arguments as a slice, the form backward functions return.
func list(ts ...*tensor.Tensor) []*tensor.Tensor { return ts }

// constant wraps the result of an operation that recorded nothing. It is in no-grad mode when
// one of the operation's inputs is.
func constant(t *tensor.Tensor, inputs ...*Value) *Value {
	return &Value{data: t, noGrad: anyNoGrad(inputs)}
}

// constants is constant for the outputs of a multi-output operation.
func constants(ts []*tensor.Tensor, inputs ...*Value) []*Value {
	ng := anyNoGrad(inputs)
	vs := make([]*Value, len(ts))
	for i, t := range ts {
		vs[i] = &Value{data: t, noGrad: ng}
	}
	return vs
}

func anyNoGrad(vs []*Value) bool {
	for _, v := range vs {
		if v.noGrad {
			return true
		}
	}
	return false
}

var (
	opAdd        = register("Add")
	opSub        = register("Sub")
	opMul        = register("Mul")
	opDiv        = register("Div")
	opPow        = register("Pow")
	opMaximum    = register("Maximum")
	opMinimum    = register("Minimum")
	opNeg        = register("Neg")
	opAddScalar  = register("AddScalar")
	opMulScalar  = register("MulScalar")
	opRSubScalar = register("RSubScalar")
	opPowScalar  = register("PowScalar")
	opRDivScalar = register("RDivScalar")
	opRPowScalar = register("RPowScalar")
)

// Saved operands of a binary operation, for binaryOp.
const (
	saveV   = 1 << iota // the first operand
	saveU               // the second operand
	saveOut             // the result
)

// binaryGrad computes the gradients of a binary operation from the output gradient g and the
// saved tensors (nil where not saved), only for the operands that need one (nil for the
// other), at the broadcast shape. It may return g itself, which it must not modify; any other
// tensor it returns is handed over.
type binaryGrad func(g, v, u, out *tensor.Tensor, needV, needU bool) (gv, gu *tensor.Tensor)

// binaryOp records an elementwise operation of v and u, broadcast together, whose result is
// out: it saves what save names and sums each gradient that grad returns back down to its
// operand's shape.
func binaryOp(op *opInfo, v, u *Value, out *tensor.Tensor, save int, grad binaryGrad) *Value {
	n := newNode2(op, v, u)
	if n == nil {
		return constant(out, v, u)
	}
	var vd, ud, od *tensor.Tensor
	if save&saveV != 0 {
		vd = n.save(v.data)
	}
	if save&saveU != 0 {
		ud = n.save(u.data)
	}
	if save&saveOut != 0 {
		od = n.save(out)
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		gv, gu := grad(g[0], vd, ud, od, n.needs[0], n.needs[1])
		// Sum each gradient down to its operand's shape (read from the inputs, which the node
		// holds until it is released). The incoming gradient itself is passed on as it is,
		// or summed into a new tensor: never modified.
		down := func(x, in *tensor.Tensor) *tensor.Tensor {
			switch {
			case x == nil || sameShape(x, in):
				return x
			case x == g[0]:
				return x.SumTo(in.Shape())
			}
			return sumTo(x, in.Shape())
		}
		return list(down(gv, n.inputs[0].data), down(gu, n.inputs[1].data))
	}, out)
}

// Add returns v + u, broadcasting.
func (v *Value) Add(u *Value) *Value {
	return binaryOp(opAdd, v, u, v.data.Add(u.data), 0, func(g, _, _, _ *tensor.Tensor, needV, needU bool) (gv, gu *tensor.Tensor) {
		return pick(needV, g), pick(needU, g)
	})
}

// Sub returns v - u, broadcasting.
func (v *Value) Sub(u *Value) *Value {
	return binaryOp(opSub, v, u, v.data.Sub(u.data), 0, func(g, _, _, _ *tensor.Tensor, needV, needU bool) (gv, gu *tensor.Tensor) {
		if needU {
			gu = g.Neg()
		}
		return pick(needV, g), gu
	})
}

// Mul returns v · u elementwise, broadcasting.
func (v *Value) Mul(u *Value) *Value {
	return binaryOp(opMul, v, u, v.data.Mul(u.data), saveV|saveU, func(g, v, u, _ *tensor.Tensor, needV, needU bool) (gv, gu *tensor.Tensor) {
		if needV {
			gv = g.Mul(u)
		}
		if needU {
			gu = g.Mul(v)
		}
		return gv, gu
	})
}

// Div returns v / u elementwise, broadcasting.
func (v *Value) Div(u *Value) *Value {
	return binaryOp(opDiv, v, u, v.data.Div(u.data), saveU|saveOut, func(g, _, u, out *tensor.Tensor, needV, needU bool) (gv, gu *tensor.Tensor) {
		q := g.Div(u) // g / u
		if needU {
			// d(v/u)/du = -v/u² = -out/u
			gu = q.Mul(out).ApplyInPlace(tensor.OpNeg, 0, 0)
		}
		if !needV {
			q.Release()
			return nil, gu
		}
		return q, gu
	})
}

// Pow returns vᵘ elementwise, broadcasting. As in torch, the gradient with respect to u is
// taken as 0 where v is 0 and u >= 0, and the gradient with respect to v as 0 where u is 0.
func (v *Value) Pow(u *Value) *Value {
	return binaryOp(opPow, v, u, v.data.Pow(u.data), saveV|saveU|saveOut, func(g, v, u, out *tensor.Tensor, needV, needU bool) (gv, gu *tensor.Tensor) {
		var s tensor.Scope
		defer s.Release()
		if needV {
			// g · u · v^(u-1), zero where u == 0
			d := s.Own(v.Pow(s.Own(u.AddScalar(-1)))).MulInPlace(u)
			gv = s.Own(d.MaskedFill(s.Own(u.EqScalar(0)), 0)).Mul(g)
		}
		if needU {
			// g · out · ln v, zero where v == 0 and u >= 0
			d := s.Own(v.Log()).MulInPlace(out)
			zero := s.Own(v.EqScalar(0)).MulInPlace(s.Own(u.GeScalar(0)))
			gu = s.Own(d.MaskedFill(zero, 0)).Mul(g)
		}
		return gv, gu
	})
}

// sameShape reports whether a and b have the same shape, without copying either.
func sameShape(a, b *tensor.Tensor) bool {
	if a.NDim() != b.NDim() {
		return false
	}
	for i := range a.NDim() {
		if a.Size(i) != b.Size(i) {
			return false
		}
	}
	return true
}

// pick returns t when need is true, nil otherwise.
func pick(need bool, t *tensor.Tensor) *tensor.Tensor {
	if need {
		return t
	}
	return nil
}

// extremumGrad returns the gradient of Maximum (max true) or Minimum: it goes to the larger
// (smaller) operand, split in half where they tie, as in torch.
func extremumGrad(max bool) binaryGrad {
	return func(g, a, b, _ *tensor.Tensor, needA, needB bool) (ga, gb *tensor.Tensor) {
		var s tensor.Scope
		defer s.Release()
		// 0.5 at ties, 1 elsewhere.
		base := s.Own(g.Mul(s.Own(s.Own(a.Eq(b)).MulScalar(-0.5).AddScalarInPlace(1))))
		// Where a wins and where b wins (each loses where the other is greater).
		aLoses, bLoses := a.Lt, a.Gt
		if !max {
			aLoses, bLoses = a.Gt, a.Lt
		}
		if needA {
			ga = base.MaskedFill(s.Own(aLoses(b)), 0)
		}
		if needB {
			gb = base.MaskedFill(s.Own(bLoses(b)), 0)
		}
		return ga, gb
	}
}

// Maximum returns the elementwise maximum of v and u, broadcasting.
func (v *Value) Maximum(u *Value) *Value {
	return binaryOp(opMaximum, v, u, v.data.Maximum(u.data), saveV|saveU, extremumGrad(true))
}

// Minimum returns the elementwise minimum of v and u, broadcasting.
func (v *Value) Minimum(u *Value) *Value {
	return binaryOp(opMinimum, v, u, v.data.Minimum(u.data), saveV|saveU, extremumGrad(false))
}

// Neg returns -v.
func (v *Value) Neg() *Value {
	out := v.data.Neg()
	n := newNode1(opNeg, v)
	if n == nil {
		return constant(out, v)
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].Neg()) }, out)
}

// AddScalar returns v + s.
func (v *Value) AddScalar(s float64) *Value {
	out := v.data.AddScalar(s)
	n := newNode1(opAddScalar, v)
	if n == nil {
		return constant(out, v)
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0]) }, out)
}

// SubScalar returns v - s.
func (v *Value) SubScalar(s float64) *Value { return v.AddScalar(-s) }

// MulScalar returns v · s.
func (v *Value) MulScalar(s float64) *Value {
	out := v.data.MulScalar(s)
	n := newNode1(opMulScalar, v)
	if n == nil {
		return constant(out, v)
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].MulScalar(s)) }, out)
}

// DivScalar returns v / s.
func (v *Value) DivScalar(s float64) *Value { return v.MulScalar(1 / s) }

// RSubScalar returns s - v.
func (v *Value) RSubScalar(s float64) *Value {
	out := v.data.RSubScalar(s)
	n := newNode1(opRSubScalar, v)
	if n == nil {
		return constant(out, v)
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].Neg()) }, out)
}

// PowScalar returns vᵉ.
func (v *Value) PowScalar(e float64) *Value {
	out := v.data.PowScalar(e)
	n := newNode1(opPowScalar, v)
	if n == nil {
		return constant(out, v)
	}
	vd := n.save(v.data)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		if e == 0 {
			return list(tensor.ZerosLike(vd))
		}
		d := vd.PowScalar(e - 1).MulScalarInPlace(e) // e·v^(e-1)
		return list(d.MulInPlace(g[0]))
	}, out)
}

// RDivScalar returns s / v.
func (v *Value) RDivScalar(s float64) *Value {
	out := v.data.RDivScalar(s)
	n := newNode1(opRDivScalar, v)
	if n == nil {
		return constant(out, v)
	}
	x := n.save(v.data)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		d := x.Square().ApplyInPlace(tensor.OpRDivScalar, -s, 0) // -s/v²
		return list(d.MulInPlace(g[0]))
	}, out)
}

// RPowScalar returns bᵛ.
func (v *Value) RPowScalar(b float64) *Value {
	out := v.data.RPowScalar(b)
	n := newNode1(opRPowScalar, v)
	if n == nil {
		return constant(out, v)
	}
	y := n.save(out)
	lnb := math.Log(b)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		return list(y.MulScalar(lnb).MulInPlace(g[0])) // bᵛ·ln b
	}, out)
}
