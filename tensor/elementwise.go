package tensor

import (
	"math"

	"github.com/godl/godl/tensor/device"
)

// unary applies op elementwise into a new tensor.
func (t *Tensor) unary(name string, op UnaryOp, a, b float64) *Tensor {
	st := t.live(name)
	dt := st.buf.DType()
	if op.FloatOnly() && !dt.IsFloat() {
		panicf(name, "dtype %s of shape %s is not supported (needs float32 or float64)", dt, shapeStr(t.layout.Shape))
	}
	t.checkScalarParams(name, op, a, b)
	out := allocChecked(name, st.dev, dt, t.layout.Shape)
	st.dev.Unary(op, out.strided(), t.strided(), a, b)
	keep(t)
	return out
}

// intScalars returns how many scalar parameters of op meet the elements arithmetically: on an
// Int64 tensor those scalars must be integers, since the op would otherwise truncate them
// silently.
func intScalars(op UnaryOp) int {
	switch op {
	case OpAddScalar, OpMulScalar, OpRSubScalar, OpMaxScalar, OpMinScalar:
		return 1
	case OpClamp:
		return 2
	}
	return 0
}

// checkScalarParams panics if op's scalar parameters cannot meet t's elements exactly.
func (t *Tensor) checkScalarParams(name string, op UnaryOp, a, b float64) {
	switch intScalars(op) {
	case 2:
		t.checkScalar(name, b)
		fallthrough
	case 1:
		t.checkScalar(name, a)
	}
}

// checkScalar panics if s, applied to t's elements, would be changed by the conversion to
// t's dtype: a fractional, NaN, infinite or out-of-range scalar for an Int64 tensor.
func (t *Tensor) checkScalar(name string, s float64) {
	checkScalarFor(name, t.live(name).buf.DType(), t.layout.Shape, s)
}

// checkScalarFor panics if s cannot be held exactly by a tensor of dtype dt (only Int64
// refuses values: fractional, NaN, infinite or out of range).
func checkScalarFor(name string, dt DType, shape []int, s float64) {
	if dt != Int64 || isInt64(s) {
		return
	}
	panicf(name, "scalar %g is not an int64 value, and the int64 tensor of shape %s would truncate it; convert the tensor with AsType(Float32) or AsType(Float64) first", s, shapeStr(shape))
}

// isInt64 reports whether v is an integer that int64 holds exactly.
func isInt64(v float64) bool {
	return v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63
}

// checkWritable panics if t cannot be written in place: an expanded tensor has elements that
// share one memory slot.
func (t *Tensor) checkWritable(name string) {
	if t.layout.Expanded() {
		panicf(name, "cannot write in place to an expanded tensor of shape %s (strides %s); Clone it first", shapeStr(t.layout.Shape), shapeStr(t.layout.Strides))
	}
}

// unaryInPlace applies op to t's own elements.
func (t *Tensor) unaryInPlace(name string, op UnaryOp, a, b float64) *Tensor {
	st := t.live(name)
	if op.FloatOnly() && !st.buf.DType().IsFloat() {
		panicf(name, "dtype %s of shape %s is not supported (needs float32 or float64)", st.buf.DType(), shapeStr(t.layout.Shape))
	}
	t.checkScalarParams(name, op, a, b)
	t.checkWritable(name)
	st.dev.Unary(op, t.strided(), t.strided(), a, b)
	t.bumpVersion()
	keep(t)
	return t
}

// Apply returns op applied elementwise with scalar parameters a and b (see UnaryOp for their
// meaning). The named methods (Exp, AddScalar, ...) are shorthands for it.
func (t *Tensor) Apply(op UnaryOp, a, b float64) *Tensor {
	if op >= device.NumUnaryOps {
		panicf("tensor.Apply", "unknown op %d", op)
	}
	return t.unary("tensor."+op.String(), op, a, b)
}

// Neg returns -t.
func (t *Tensor) Neg() *Tensor { return t.unary("tensor.Neg", OpNeg, 0, 0) }

// Abs returns |t|.
func (t *Tensor) Abs() *Tensor { return t.unary("tensor.Abs", OpAbs, 0, 0) }

// Sign returns -1, 0 or 1 by the sign of each element (NaN stays NaN).
func (t *Tensor) Sign() *Tensor { return t.unary("tensor.Sign", OpSign, 0, 0) }

// Square returns t*t.
func (t *Tensor) Square() *Tensor { return t.unary("tensor.Square", OpSquare, 0, 0) }

// Sqrt returns the square root of each element.
func (t *Tensor) Sqrt() *Tensor { return t.unary("tensor.Sqrt", OpSqrt, 0, 0) }

// Rsqrt returns 1/√t.
func (t *Tensor) Rsqrt() *Tensor { return t.unary("tensor.Rsqrt", OpRsqrt, 0, 0) }

// Reciprocal returns 1/t.
func (t *Tensor) Reciprocal() *Tensor { return t.unary("tensor.Reciprocal", OpRecip, 0, 0) }

// Exp returns eᵗ.
func (t *Tensor) Exp() *Tensor { return t.unary("tensor.Exp", OpExp, 0, 0) }

// Log returns the natural logarithm.
func (t *Tensor) Log() *Tensor { return t.unary("tensor.Log", OpLog, 0, 0) }

// Log1p returns ln(1+t), accurate for small t.
func (t *Tensor) Log1p() *Tensor { return t.unary("tensor.Log1p", OpLog1p, 0, 0) }

// Sin returns the sine.
func (t *Tensor) Sin() *Tensor { return t.unary("tensor.Sin", OpSin, 0, 0) }

// Cos returns the cosine.
func (t *Tensor) Cos() *Tensor { return t.unary("tensor.Cos", OpCos, 0, 0) }

// Tanh returns the hyperbolic tangent.
func (t *Tensor) Tanh() *Tensor { return t.unary("tensor.Tanh", OpTanh, 0, 0) }

// Sigmoid returns 1/(1+e⁻ᵗ), computed without overflow for large |t|.
func (t *Tensor) Sigmoid() *Tensor { return t.unary("tensor.Sigmoid", OpSigmoid, 0, 0) }

// ReLU returns max(t, 0); NaN stays NaN.
func (t *Tensor) ReLU() *Tensor { return t.unary("tensor.ReLU", OpReLU, 0, 0) }

// GELU returns t·Φ(t), Φ the standard normal CDF (the exact form, torch's default).
func (t *Tensor) GELU() *Tensor { return t.unary("tensor.GELU", OpGELU, 0, 0) }

// GELUGrad returns the derivative of GELU at t: Φ(t) + t·φ(t).
func (t *Tensor) GELUGrad() *Tensor { return t.unary("tensor.GELUGrad", OpGELUGrad, 0, 0) }

// LeakyReLU returns t where t > 0 and slope·t elsewhere.
func (t *Tensor) LeakyReLU(slope float64) *Tensor {
	return t.unary("tensor.LeakyReLU", OpLeakyReLU, slope, 0)
}

// Floor rounds down.
func (t *Tensor) Floor() *Tensor { return t.unary("tensor.Floor", OpFloor, 0, 0) }

// Ceil rounds up.
func (t *Tensor) Ceil() *Tensor { return t.unary("tensor.Ceil", OpCeil, 0, 0) }

// Round rounds to the nearest integer, halves to even (as torch.round).
func (t *Tensor) Round() *Tensor { return t.unary("tensor.Round", OpRound, 0, 0) }

// Clamp limits each element to [lo, hi]; NaN stays NaN. It panics if lo > hi.
func (t *Tensor) Clamp(lo, hi float64) *Tensor {
	if lo > hi {
		panicf("tensor.Clamp", "min %g is greater than max %g", lo, hi)
	}
	return t.unary("tensor.Clamp", OpClamp, lo, hi)
}

// ClampMin returns max(t, lo) elementwise; NaN stays NaN.
func (t *Tensor) ClampMin(lo float64) *Tensor { return t.unary("tensor.ClampMin", OpMaxScalar, lo, 0) }

// ClampMax returns min(t, hi) elementwise; NaN stays NaN.
func (t *Tensor) ClampMax(hi float64) *Tensor { return t.unary("tensor.ClampMax", OpMinScalar, hi, 0) }

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float64) *Tensor { return t.unary("tensor.AddScalar", OpAddScalar, s, 0) }

// SubScalar returns t - s.
func (t *Tensor) SubScalar(s float64) *Tensor {
	t.checkScalar("tensor.SubScalar", s)
	return t.unary("tensor.SubScalar", OpAddScalar, -s, 0)
}

// RSubScalar returns s - t.
func (t *Tensor) RSubScalar(s float64) *Tensor {
	return t.unary("tensor.RSubScalar", OpRSubScalar, s, 0)
}

// MulScalar returns t · s.
func (t *Tensor) MulScalar(s float64) *Tensor { return t.unary("tensor.MulScalar", OpMulScalar, s, 0) }

// DivScalar returns t / s for floating-point tensors (a true division, not a multiplication
// by 1/s). It panics for Int64.
func (t *Tensor) DivScalar(s float64) *Tensor { return t.unary("tensor.DivScalar", OpDivScalar, s, 0) }

// RDivScalar returns s / t.
func (t *Tensor) RDivScalar(s float64) *Tensor {
	return t.unary("tensor.RDivScalar", OpRDivScalar, s, 0)
}

// PowScalar returns tᵉ. For Int64 tensors e must be a non-negative integer, and the result
// stays Int64 (as torch does); it panics otherwise.
func (t *Tensor) PowScalar(e float64) *Tensor {
	if dt := t.DType(); dt == Int64 && (e < 0 || e != math.Trunc(e)) {
		panicf("tensor.PowScalar", "int64 tensor of shape %s to the power %g: only non-negative integer powers keep integers", shapeStr(t.layout.Shape), e)
	}
	return t.unary("tensor.PowScalar", OpPowScalar, e, 0)
}

// RPowScalar returns bᵗ.
func (t *Tensor) RPowScalar(b float64) *Tensor {
	return t.unary("tensor.RPowScalar", OpRPowScalar, b, 0)
}

// EqScalar returns a mask: 1 where t == s, 0 elsewhere, in t's dtype.
func (t *Tensor) EqScalar(s float64) *Tensor { return t.unary("tensor.EqScalar", OpEqScalar, s, 0) }

// NeScalar returns a mask: 1 where t != s.
func (t *Tensor) NeScalar(s float64) *Tensor { return t.unary("tensor.NeScalar", OpNeScalar, s, 0) }

// LtScalar returns a mask: 1 where t < s.
func (t *Tensor) LtScalar(s float64) *Tensor { return t.unary("tensor.LtScalar", OpLtScalar, s, 0) }

// LeScalar returns a mask: 1 where t <= s.
func (t *Tensor) LeScalar(s float64) *Tensor { return t.unary("tensor.LeScalar", OpLeScalar, s, 0) }

// GtScalar returns a mask: 1 where t > s.
func (t *Tensor) GtScalar(s float64) *Tensor { return t.unary("tensor.GtScalar", OpGtScalar, s, 0) }

// GeScalar returns a mask: 1 where t >= s.
func (t *Tensor) GeScalar(s float64) *Tensor { return t.unary("tensor.GeScalar", OpGeScalar, s, 0) }

// binary applies op elementwise to x and y broadcast together, into a new tensor.
func binary(name string, op BinaryOp, x, y *Tensor) *Tensor {
	checkSame(name, x, y)
	shape := broadcastChecked(name, x.layout.Shape, y.layout.Shape)
	xl, _ := broadcastLayout(x.layout, shape)
	yl, _ := broadcastLayout(y.layout, shape)
	dev := x.st.dev
	out := allocChecked(name, dev, x.st.buf.DType(), shape)
	dev.Binary(op, out.strided(), Strided{Buf: x.st.buf, Layout: xl}, Strided{Buf: y.st.buf, Layout: yl})
	keep(x, y)
	return out
}

// binaryInPlace sets t = op(t, y), with y broadcast to t's shape.
func (t *Tensor) binaryInPlace(name string, op BinaryOp, y *Tensor) *Tensor {
	checkSame(name, t, y)
	t.checkWritable(name)
	yl, ok := broadcastLayout(y.layout, t.layout.Shape)
	if !ok {
		panicf(name, "shape %s does not broadcast to %s", shapeStr(y.layout.Shape), shapeStr(t.layout.Shape))
	}
	src := y
	if y.st == t.st && !layoutsEqual(yl, t.layout) {
		src = y.Clone() // y overlaps t in another order: read a copy
		defer src.Release()
		yl, _ = broadcastLayout(src.layout, t.layout.Shape)
	}
	t.st.dev.Binary(op, t.strided(), t.strided(), Strided{Buf: src.st.buf, Layout: yl})
	t.bumpVersion()
	keep(t, src)
	return t
}

func layoutsEqual(a, b Layout) bool {
	if a.Offset != b.Offset || len(a.Shape) != len(b.Shape) {
		return false
	}
	for i := range a.Shape {
		if a.Shape[i] != b.Shape[i] || (a.Shape[i] > 1 && a.Strides[i] != b.Strides[i]) {
			return false
		}
	}
	return true
}

// Add returns t + u, broadcasting.
func (t *Tensor) Add(u *Tensor) *Tensor { return binary("tensor.Add", OpAdd, t, u) }

// Sub returns t - u, broadcasting.
func (t *Tensor) Sub(u *Tensor) *Tensor { return binary("tensor.Sub", OpSub, t, u) }

// Mul returns t · u elementwise, broadcasting.
func (t *Tensor) Mul(u *Tensor) *Tensor { return binary("tensor.Mul", OpMul, t, u) }

// Div returns t / u, broadcasting. For Int64 it rounds toward negative infinity (torch.div
// with rounding_mode="floor") and panics on division by zero.
func (t *Tensor) Div(u *Tensor) *Tensor { return binary("tensor.Div", OpDiv, t, u) }

// Pow returns tᵘ elementwise, broadcasting.
func (t *Tensor) Pow(u *Tensor) *Tensor { return binary("tensor.Pow", OpPow, t, u) }

// Maximum returns the elementwise maximum, broadcasting; NaN propagates.
func (t *Tensor) Maximum(u *Tensor) *Tensor { return binary("tensor.Maximum", OpMaximum, t, u) }

// Minimum returns the elementwise minimum, broadcasting; NaN propagates.
func (t *Tensor) Minimum(u *Tensor) *Tensor { return binary("tensor.Minimum", OpMinimum, t, u) }

// Eq returns a mask, 1 where t == u and 0 elsewhere, in the operands' dtype.
func (t *Tensor) Eq(u *Tensor) *Tensor { return binary("tensor.Eq", OpEq, t, u) }

// Ne returns a mask, 1 where t != u.
func (t *Tensor) Ne(u *Tensor) *Tensor { return binary("tensor.Ne", OpNe, t, u) }

// Lt returns a mask, 1 where t < u.
func (t *Tensor) Lt(u *Tensor) *Tensor { return binary("tensor.Lt", OpLt, t, u) }

// Le returns a mask, 1 where t <= u.
func (t *Tensor) Le(u *Tensor) *Tensor { return binary("tensor.Le", OpLe, t, u) }

// Gt returns a mask, 1 where t > u.
func (t *Tensor) Gt(u *Tensor) *Tensor { return binary("tensor.Gt", OpGt, t, u) }

// Ge returns a mask, 1 where t >= u.
func (t *Tensor) Ge(u *Tensor) *Tensor { return binary("tensor.Ge", OpGe, t, u) }

// Where returns x where cond is nonzero and y elsewhere, all three broadcast together. cond
// may have any dtype (a mask from a comparison has its operands' dtype); x and y must share
// one.
func Where(cond, x, y *Tensor) *Tensor {
	const name = "tensor.Where"
	checkSame(name, x, y)
	checkDevice(name, cond, x)
	shape, ok := broadcastShapes(x.layout.Shape, y.layout.Shape)
	if ok {
		shape, ok = broadcastShapes(cond.layout.Shape, shape)
	}
	if !ok {
		panicf(name, "shapes %s, %s and %s do not broadcast", shapeStr(cond.layout.Shape), shapeStr(x.layout.Shape), shapeStr(y.layout.Shape))
	}
	if _, ok := shapeNumel(shape); !ok {
		panicf(name, "shapes %s, %s and %s broadcast to %s, whose sizes multiply past the int range", shapeStr(cond.layout.Shape), shapeStr(x.layout.Shape), shapeStr(y.layout.Shape), shapeStr(shape))
	}
	cl, _ := broadcastLayout(cond.layout, shape)
	xl, _ := broadcastLayout(x.layout, shape)
	yl, _ := broadcastLayout(y.layout, shape)
	dev := x.st.dev
	out := allocChecked(name, dev, x.st.buf.DType(), shape)
	dev.Where(out.strided(), Strided{Buf: cond.st.buf, Layout: cl}, Strided{Buf: x.st.buf, Layout: xl}, Strided{Buf: y.st.buf, Layout: yl})
	keep(cond, x, y)
	return out
}

// MaskedFill returns t with v wherever mask (broadcast to t's shape) is nonzero.
func (t *Tensor) MaskedFill(mask *Tensor, v float64) *Tensor {
	st := t.live("tensor.MaskedFill")
	mask.live("tensor.MaskedFill")
	if _, ok := broadcastLayout(mask.layout, t.layout.Shape); !ok {
		panicf("tensor.MaskedFill", "mask of shape %s does not broadcast to %s", shapeStr(mask.layout.Shape), shapeStr(t.layout.Shape))
	}
	fill := Full(Shape{}, v, st.buf.DType(), On(st.dev))
	defer fill.Release()
	return Where(mask, fill, t)
}

// AddInPlace sets t += u (u broadcast to t's shape) and returns t.
func (t *Tensor) AddInPlace(u *Tensor) *Tensor { return t.binaryInPlace("tensor.AddInPlace", OpAdd, u) }

// SubInPlace sets t -= u and returns t.
func (t *Tensor) SubInPlace(u *Tensor) *Tensor { return t.binaryInPlace("tensor.SubInPlace", OpSub, u) }

// MulInPlace sets t *= u and returns t.
func (t *Tensor) MulInPlace(u *Tensor) *Tensor { return t.binaryInPlace("tensor.MulInPlace", OpMul, u) }

// DivInPlace sets t /= u and returns t.
func (t *Tensor) DivInPlace(u *Tensor) *Tensor { return t.binaryInPlace("tensor.DivInPlace", OpDiv, u) }

// AddScaledInPlace sets t += alpha·u (torch's add_(u, alpha=alpha)) and returns t.
func (t *Tensor) AddScaledInPlace(alpha float64, u *Tensor) *Tensor {
	if alpha == 1 {
		return t.binaryInPlace("tensor.AddScaledInPlace", OpAdd, u)
	}
	checkSame("tensor.AddScaledInPlace", t, u)
	s := u.MulScalar(alpha)
	defer s.Release()
	return t.binaryInPlace("tensor.AddScaledInPlace", OpAdd, s)
}

// AddScalarInPlace sets t += s and returns t.
func (t *Tensor) AddScalarInPlace(s float64) *Tensor {
	return t.unaryInPlace("tensor.AddScalarInPlace", OpAddScalar, s, 0)
}

// MulScalarInPlace sets t *= s and returns t.
func (t *Tensor) MulScalarInPlace(s float64) *Tensor {
	return t.unaryInPlace("tensor.MulScalarInPlace", OpMulScalar, s, 0)
}

// ClampInPlace limits t's elements to [lo, hi] and returns t.
func (t *Tensor) ClampInPlace(lo, hi float64) *Tensor {
	if lo > hi {
		panicf("tensor.ClampInPlace", "min %g is greater than max %g", lo, hi)
	}
	return t.unaryInPlace("tensor.ClampInPlace", OpClamp, lo, hi)
}

// ApplyInPlace sets t = op(t) with scalar parameters a, b and returns t.
func (t *Tensor) ApplyInPlace(op UnaryOp, a, b float64) *Tensor {
	if op >= device.NumUnaryOps {
		panicf("tensor.ApplyInPlace", "unknown op %d", op)
	}
	return t.unaryInPlace("tensor.ApplyInPlace", op, a, b)
}

// Fill sets every element of t to v and returns t.
func (t *Tensor) Fill(v float64) *Tensor {
	st := t.live("tensor.Fill")
	t.checkScalar("tensor.Fill", v)
	t.checkWritable("tensor.Fill")
	st.dev.Fill(t.strided(), v)
	t.bumpVersion()
	keep(t)
	return t
}

// Zero sets every element of t to 0 and returns t.
func (t *Tensor) Zero() *Tensor { return t.Fill(0) }

// CopyFrom copies src, broadcast to t's shape, into t, converting its dtype and moving it from
// another device as needed, and returns t.
func (t *Tensor) CopyFrom(src *Tensor) *Tensor {
	const name = "tensor.CopyFrom"
	st := t.live(name)
	sst := src.live(name)
	t.checkWritable(name)
	if sst.dev != st.dev {
		src = src.To(st.dev)
		defer src.Release()
	}
	sl, ok := broadcastLayout(src.layout, t.layout.Shape)
	if !ok {
		panicf(name, "shape %s does not broadcast to %s", shapeStr(src.layout.Shape), shapeStr(t.layout.Shape))
	}
	if src.st == t.st && !layoutsEqual(sl, t.layout) {
		c := src.Clone()
		defer c.Release()
		src = c
		sl, _ = broadcastLayout(src.layout, t.layout.Shape)
	}
	st.dev.Copy(t.strided(), Strided{Buf: src.st.buf, Layout: sl})
	t.bumpVersion()
	keep(t, src)
	return t
}
