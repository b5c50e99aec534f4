package autograd

import (
	"github.com/godl/godl/tensor"
)

var (
	opMatMul      = register("MatMul")
	opIndexSelect = register("IndexSelect")
	opGather      = register("Gather")
	opScatterAdd  = register("ScatterAdd")
	opIndexAdd    = register("IndexAdd")
	opWhere       = register("Where")
	opMaskedFill  = register("MaskedFill")
)

// MatMul returns a @ b with torch.matmul's rules (see tensor.MatMul). It panics with a
// *tensor.Error if a or b is nil or the shapes are not aligned.
func MatMul(a, b *Value) *Value {
	checkValue("autograd.MatMul", "first operand", a)
	checkValue("autograd.MatMul", "second operand", b)
	out := tensor.MatMul(a.data, b.data)
	n := newNode2(opMatMul, a, b)
	if n == nil {
		return constant(out, a, b)
	}
	ad, bd := n.save(a.data), n.save(b.data)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		return matmulGrads(n.needs[0], n.needs[1], g[0], ad, bd)
	}, out)
}

// MatMul returns v @ u; see the function MatMul.
func (v *Value) MatMul(u *Value) *Value { return MatMul(v, u) }

// matmulGrads returns the gradients of a @ b: g @ bᵀ and aᵀ @ g, reduced over broadcast batch
// dimensions, with 1-D operands handled as torch does.
func matmulGrads(needA, needB bool, g, a, b *tensor.Tensor) []*tensor.Tensor {
	var s tensor.Scope
	defer s.Release()
	// The operands as matrices, and g with the dimensions matmul removed for 1-D operands put
	// back: [..., m, n].
	a2, b2, g2 := a, b, g
	switch {
	case a.NDim() == 1 && b.NDim() == 1:
		g2 = s.Own(g.Reshape(1, 1))
	case a.NDim() == 1:
		g2 = s.Own(g.Unsqueeze(-2))
	case b.NDim() == 1:
		g2 = s.Own(g.Unsqueeze(-1))
	}
	if a.NDim() == 1 {
		a2 = s.Own(a.Unsqueeze(0))
	}
	if b.NDim() == 1 {
		b2 = s.Own(b.Unsqueeze(1))
	}
	var ga, gb *tensor.Tensor
	if needA {
		ga = sumTo(tensor.MatMul(g2, s.Own(b2.Transpose(-1, -2))), a2.Shape())
		if a.NDim() == 1 {
			ga = reshapeOwned(ga, a.Shape())
		}
	}
	if needB {
		var p *tensor.Tensor
		if b2.NDim() == 2 && a2.NDim() > 2 {
			// b is a shared matrix (a linear layer applied to a batch): fold the batch into
			// the rows, aᵀ @ g = (B·m × k)ᵀ @ (B·m × n), with no batch of products to sum.
			af := s.Own(a2.Reshape(-1, a2.Size(-1)))
			p = tensor.MatMul(s.Own(af.Transpose(0, 1)), s.Own(g2.Reshape(-1, g2.Size(-1))))
		} else {
			p = tensor.MatMul(s.Own(a2.Transpose(-1, -2)), g2)
		}
		gb = sumTo(p, b2.Shape())
		if b.NDim() == 1 {
			gb = reshapeOwned(gb, b.Shape())
		}
	}
	return list(ga, gb)
}

// reshapeOwned returns t reshaped, releasing t (the result keeps the storage).
func reshapeOwned(t *tensor.Tensor, shape tensor.Shape) *tensor.Tensor {
	r := t.Reshape(shape...)
	t.Release()
	return r
}

// IndexSelect returns the slices of v at positions idx (Int64, of any shape) along axis: the
// embedding lookup. The result has shape v.shape[:axis] + idx.shape + v.shape[axis+1:] (see
// tensor.Tensor.IndexSelect), so a [batch, length] tensor of ids picks a [batch, length, dim]
// block of rows from a [vocab, dim] table. The gradient adds each output slice back at its
// index. It panics with a *tensor.Error if v or idx is nil.
func (v *Value) IndexSelect(axis int, idx *tensor.Tensor) *Value {
	const name = "autograd.IndexSelect"
	checkValue(name, "value", v)
	checkTensor(name, "index tensor", idx)
	out := v.data.IndexSelect(axis, idx)
	n := newNode1(opIndexSelect, v)
	if n == nil {
		return constant(out, v)
	}
	ix := n.save(idx)
	in, dt, dev := v.data.Shape(), v.data.DType(), v.data.Device()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		z := tensor.Zeros(in, dt, tensor.On(dev))
		return list(z.IndexAddInPlace(axis, ix, g[0]))
	}, out)
}

// Gather picks elements of v along axis at idx (see tensor.Tensor.Gather); the gradient is
// scattered back and added. It panics with a *tensor.Error if v or idx is nil.
func (v *Value) Gather(axis int, idx *tensor.Tensor) *Value {
	checkValue("autograd.Gather", "value", v)
	checkTensor("autograd.Gather", "index tensor", idx)
	out := v.data.Gather(axis, idx)
	n := newNode1(opGather, v)
	if n == nil {
		return constant(out, v)
	}
	ix := n.save(idx)
	in, dt, dev := v.data.Shape(), v.data.DType(), v.data.Device()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		z := tensor.Zeros(in, dt, tensor.On(dev))
		return list(z.ScatterAddInPlace(axis, ix, g[0]))
	}, out)
}

// ScatterAdd returns v with src added at the positions idx names along axis (see
// tensor.Tensor.ScatterAdd). It panics with a *tensor.Error if v, idx or src is nil.
func (v *Value) ScatterAdd(axis int, idx *tensor.Tensor, src *Value) *Value {
	const name = "autograd.ScatterAdd"
	checkValue(name, "value", v)
	checkTensor(name, "index tensor", idx)
	checkValue(name, "source", src)
	out := v.data.ScatterAdd(axis, idx, src.data)
	n := newNode2(opScatterAdd, v, src)
	if n == nil {
		return constant(out, v, src)
	}
	ix := n.save(idx)
	ss, dt, dev := src.data.Shape(), src.data.DType(), src.data.Device()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		var gv, gs *tensor.Tensor
		if n.needs[0] {
			gv = g[0]
		}
		if n.needs[1] {
			picked := g[0].Gather(axis, ix)
			if picked.Shape().Equal(ss) {
				gs = picked
			} else {
				// Only the idx-shaped corner of src was used.
				gs = tensor.Zeros(ss, dt, tensor.On(dev))
				corner := gs
				for d, s := range picked.Shape() {
					c := corner.Narrow(d, 0, s)
					if corner != gs {
						corner.Release()
					}
					corner = c
				}
				corner.CopyFrom(picked)
				if corner != gs {
					corner.Release()
				}
				picked.Release()
			}
		}
		return list(gv, gs)
	}, out)
}

// IndexAdd returns v with src added at positions idx (Int64, of any shape) along axis; src
// has the shape IndexSelect would return, v.shape[:axis] + idx.shape + v.shape[axis+1:] (see
// tensor.Tensor.IndexAddInPlace). It panics with a *tensor.Error if v, idx or src is nil.
func (v *Value) IndexAdd(axis int, idx *tensor.Tensor, src *Value) *Value {
	const name = "autograd.IndexAdd"
	checkValue(name, "value", v)
	checkTensor(name, "index tensor", idx)
	checkValue(name, "source", src)
	out := v.data.IndexAdd(axis, idx, src.data)
	n := newNode2(opIndexAdd, v, src)
	if n == nil {
		return constant(out, v, src)
	}
	ix := n.save(idx)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		var gv, gs *tensor.Tensor
		if n.needs[0] {
			gv = g[0]
		}
		if n.needs[1] {
			gs = g[0].IndexSelect(axis, ix)
		}
		return list(gv, gs)
	}, out)
}

// Where returns x where cond is nonzero and y elsewhere, broadcasting all three. cond is a
// tensor (a mask of any dtype), not differentiated. It panics with a *tensor.Error if an
// argument is nil or the shapes do not broadcast.
func Where(cond *tensor.Tensor, x, y *Value) *Value {
	const name = "autograd.Where"
	checkTensor(name, "condition", cond)
	checkValue(name, "x", x)
	checkValue(name, "y", y)
	out := tensor.Where(cond, x.data, y.data)
	n := newNode2(opWhere, x, y)
	if n == nil {
		return constant(out, x, y)
	}
	c := n.save(cond)
	xs, ys := x.data.Shape(), y.data.Shape()
	dt, dev := x.data.DType(), x.data.Device()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		zero := tensor.Zeros(tensor.Shape{}, dt, tensor.On(dev))
		defer zero.Release()
		var gx, gy *tensor.Tensor
		if n.needs[0] {
			gx = sumTo(tensor.Where(c, g[0], zero), xs)
		}
		if n.needs[1] {
			gy = sumTo(tensor.Where(c, zero, g[0]), ys)
		}
		return list(gx, gy)
	}, out)
}

// MaskedFill returns v with value wherever mask (broadcast to v's shape) is nonzero; no
// gradient flows to the filled positions. It panics with a *tensor.Error if v or mask is nil.
func (v *Value) MaskedFill(mask *tensor.Tensor, value float64) *Value {
	checkValue("autograd.MaskedFill", "value", v)
	checkTensor("autograd.MaskedFill", "mask", mask)
	out := v.data.MaskedFill(mask, value)
	n := newNode1(opMaskedFill, v)
	if n == nil {
		return constant(out, v)
	}
	m := n.save(mask)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].MaskedFill(m, 0)) }, out)
}
