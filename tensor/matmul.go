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
// dimensions differ, the batch dimensions do not broadcast, dtypes or devices differ, or the
// shape of the result, or of an operand broadcast to the batch shape, is not valid, or the
// result's size in bytes overflows int (operands expanded from a few elements can have huge
// shapes; see "Sizes" in the package documentation).
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
	outShape := append(slices.Clone(batch), m, n)
	aShape, bShape := append(slices.Clone(batch), m, k), append(slices.Clone(batch), k, n)
	for _, s := range [][]int{outShape, aShape, bShape} {
		if _, ok := shapeNumel(s); !ok {
			panicf(name, "shapes %s and %s make a product of shape %s from operands broadcast to %s and %s, whose sizes multiply past the int range",
				shapeStr(a.layout.Shape), shapeStr(b.layout.Shape), shapeStr(outShape), shapeStr(aShape), shapeStr(bShape))
		}
	}
	al, _ = broadcastLayout(al, aShape)
	bl, _ = broadcastLayout(bl, bShape)
	dev := a.st.dev
	out := allocChecked(name, dev, a.st.buf.DType(), outShape)
	if k == 0 {
		dev.Fill(out.strided(), 0)
	} else {
		dev.MatMul(out.strided(), Strided{Buf: a.st.buf, Layout: al}, Strided{Buf: b.st.buf, Layout: bl})
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
