package tensor

import "slices"

// MatMul returns the matrix product of a and b with the rules of torch.matmul:
//   - 1-D · 1-D is the dot product (a 0-d tensor);
//   - 2-D · 2-D is the matrix product;
//   - a 1-D operand is treated as a row (first) or column (second) vector, and that dimension
//     is removed from the result;
//   - beyond 2-D the leading dimensions are batch dimensions, broadcast together.
//
// Transposed and strided operands are used in place, without copies. It panics if the inner
// dimensions differ, the batch dimensions do not broadcast, or dtypes or devices differ.
func MatMul(a, b *Tensor) *Tensor {
	const name = "tensor.MatMul"
	checkSame(name, a, b)
	if a.NDim() == 0 || b.NDim() == 0 {
		panicf(name, "shapes %s and %s: both operands need at least one dimension", shapeStr(a.layout.Shape), shapeStr(b.layout.Shape))
	}
	al, bl := a.layout, b.layout
	dropFirst, dropLast := false, false
	if al.NDim() == 1 {
		al = Layout{Shape: []int{1, al.Shape[0]}, Strides: []int{0, al.Strides[0]}, Offset: al.Offset}
		dropFirst = true
	}
	if bl.NDim() == 1 {
		bl = Layout{Shape: []int{bl.Shape[0], 1}, Strides: []int{bl.Strides[0], 0}, Offset: bl.Offset}
		dropLast = true
	}
	na, nb := al.NDim(), bl.NDim()
	m, k, k2, n := al.Shape[na-2], al.Shape[na-1], bl.Shape[nb-2], bl.Shape[nb-1]
	if k != k2 {
		panicf(name, "shapes %s and %s are not aligned", shapeStr(a.layout.Shape), shapeStr(b.layout.Shape))
	}
	batch, ok := broadcastShapes(al.Shape[:na-2], bl.Shape[:nb-2])
	if !ok {
		panicf(name, "batch dimensions of shapes %s and %s do not broadcast", shapeStr(a.layout.Shape), shapeStr(b.layout.Shape))
	}
	al, _ = al.broadcastTo(append(slices.Clone(batch), m, k))
	bl, _ = bl.broadcastTo(append(slices.Clone(batch), k, n))
	dev := a.st.dev
	out := alloc(dev, a.st.buf.DType(), append(slices.Clone(batch), m, n))
	if k == 0 {
		dev.Fill(out.strided(), 0)
	} else {
		dev.MatMul(out.strided(), Strided{a.st.buf, al}, Strided{b.st.buf, bl})
	}
	keep(a, b)
	shape := slices.Clone(batch)
	if !dropFirst {
		shape = append(shape, m)
	}
	if !dropLast {
		shape = append(shape, n)
	}
	out.layout = ContiguousLayout(shape)
	return out
}

// MatMul returns t @ u; see the function MatMul.
func (t *Tensor) MatMul(u *Tensor) *Tensor { return MatMul(t, u) }
