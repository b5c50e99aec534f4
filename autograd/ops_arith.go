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

// Add returns v + u, broadcasting.
func (v *Value) Add(u *Value) *Value {
	out := v.data.Add(u.data)
	n := newNode2(opAdd, v, u)
	if n == nil {
		return constant(out, v, u)
	}
	vs, us := v.data.Shape(), u.data.Shape()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		var gv, gu *tensor.Tensor
		if n.needs[0] {
			gv = g[0].SumTo(vs)
		}
		if n.needs[1] {
			gu = g[0].SumTo(us)
		}
		return list(gv, gu)
	}, out)
}

// Sub returns v - u, broadcasting.
func (v *Value) Sub(u *Value) *Value {
	out := v.data.Sub(u.data)
	n := newNode2(opSub, v, u)
	if n == nil {
		return constant(out, v, u)
	}
	vs, us := v.data.Shape(), u.data.Shape()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		var gv, gu *tensor.Tensor
		if n.needs[0] {
			gv = g[0].SumTo(vs)
		}
		if n.needs[1] {
			gu = sumTo(g[0].Neg(), us)
		}
		return list(gv, gu)
	}, out)
}

// Mul returns v · u elementwise, broadcasting.
func (v *Value) Mul(u *Value) *Value {
	out := v.data.Mul(u.data)
	n := newNode2(opMul, v, u)
	if n == nil {
		return constant(out, v, u)
	}
	vd, ud := n.save(v.data), n.save(u.data)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		var gv, gu *tensor.Tensor
		if n.needs[0] {
			gv = sumTo(g[0].Mul(ud), vd.Shape())
		}
		if n.needs[1] {
			gu = sumTo(g[0].Mul(vd), ud.Shape())
		}
		return list(gv, gu)
	}, out)
}

// Div returns v / u elementwise, broadcasting.
func (v *Value) Div(u *Value) *Value {
	out := v.data.Div(u.data)
	n := newNode2(opDiv, v, u)
	if n == nil {
		return constant(out, v, u)
	}
	ud, od := n.save(u.data), n.save(out)
	vs := v.data.Shape()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		var gv, gu *tensor.Tensor
		var q *tensor.Tensor
		if n.needs[0] || n.needs[1] {
			q = g[0].Div(ud) // g / u
		}
		if n.needs[1] {
			// d(v/u)/du = -v/u² = -out/u
			gu = sumTo(q.Mul(od).ApplyInPlace(tensor.OpNeg, 0, 0), ud.Shape())
		}
		if n.needs[0] {
			gv = sumTo(q, vs)
		} else if q != nil {
			q.Release()
		}
		return list(gv, gu)
	}, out)
}

// Pow returns vᵘ elementwise, broadcasting. As in torch, the gradient with respect to u is
// taken as 0 where v is 0 and u >= 0, and the gradient with respect to v as 0 where u is 0.
func (v *Value) Pow(u *Value) *Value {
	out := v.data.Pow(u.data)
	n := newNode2(opPow, v, u)
	if n == nil {
		return constant(out, v, u)
	}
	vd, ud, od := n.save(v.data), n.save(u.data), n.save(out)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		var gv, gu *tensor.Tensor
		if n.needs[0] {
			// g · u · v^(u-1), zero where u == 0
			um1 := ud.AddScalar(-1)
			p := vd.Pow(um1)
			um1.Release()
			p.MulInPlace(ud)
			zero := ud.EqScalar(0)
			t := p.MaskedFill(zero, 0)
			p.Release()
			zero.Release()
			gv = sumTo(t.Mul(g[0]), vd.Shape())
			t.Release()
		}
		if n.needs[1] {
			// g · out · ln v, zero where v == 0 and u >= 0
			l := vd.Log()
			l.MulInPlace(od)
			c1 := vd.EqScalar(0)
			c2 := ud.GeScalar(0)
			c1.MulInPlace(c2)
			t := l.MaskedFill(c1, 0)
			l.Release()
			c1.Release()
			c2.Release()
			gu = sumTo(t.Mul(g[0]), ud.Shape())
			t.Release()
		}
		return list(gv, gu)
	}, out)
}

// extremumGrads returns the gradients of Maximum (max true) or Minimum: the gradient goes to
// the larger (smaller) operand, split in half where they tie, as in torch.
func extremumGrads(n *node, g, a, b *tensor.Tensor, max bool) []*tensor.Tensor {
	eq := a.Eq(b)
	half := eq.MulScalar(-0.5).AddScalarInPlace(1) // 0.5 at ties, 1 elsewhere
	eq.Release()
	base := g.Mul(half)
	half.Release()
	var ga, gb *tensor.Tensor
	if n.needs[0] {
		var lose *tensor.Tensor // where a loses
		if max {
			lose = a.Lt(b)
		} else {
			lose = a.Gt(b)
		}
		t := base.MaskedFill(lose, 0)
		lose.Release()
		ga = sumTo(t, a.Shape())
	}
	if n.needs[1] {
		var lose *tensor.Tensor
		if max {
			lose = a.Gt(b)
		} else {
			lose = a.Lt(b)
		}
		t := base.MaskedFill(lose, 0)
		lose.Release()
		gb = sumTo(t, b.Shape())
	}
	base.Release()
	return list(ga, gb)
}

// Maximum returns the elementwise maximum of v and u, broadcasting.
func (v *Value) Maximum(u *Value) *Value {
	out := v.data.Maximum(u.data)
	n := newNode2(opMaximum, v, u)
	if n == nil {
		return constant(out, v, u)
	}
	vd, ud := n.save(v.data), n.save(u.data)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		return extremumGrads(n, g[0], vd, ud, true)
	}, out)
}

// Minimum returns the elementwise minimum of v and u, broadcasting.
func (v *Value) Minimum(u *Value) *Value {
	out := v.data.Minimum(u.data)
	n := newNode2(opMinimum, v, u)
	if n == nil {
		return constant(out, v, u)
	}
	vd, ud := n.save(v.data), n.save(u.data)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		return extremumGrads(n, g[0], vd, ud, false)
	}, out)
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
