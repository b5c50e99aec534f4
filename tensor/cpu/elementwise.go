package cpu

import (
	"math"

	"github.com/godl/godl/tensor/device"
)

func (cpuDevice) Fill(dst device.Strided, v float64) {
	device.ByDType(dst.Buf.DType(), fillKernel[float32], fillKernel[float64], fillKernel[int64])(dst, v)
}

func fillKernel[T device.Element](dst device.Strided, value float64) {
	if dst.Numel() == 0 {
		return
	}
	v := T(value)
	d := cpuData[T](dst.Buf)
	it := newIter(dst.Shape, dst.Layout)
	ds := it.innerStride(0)
	it.run(func(offs [maxOps]int, n int) {
		o := offs[0]
		if ds == 1 {
			row := d[o : o+n]
			for i := range row {
				row[i] = v
			}
			return
		}
		for i := 0; i < n; i++ {
			d[o+i*ds] = v
		}
	})
}

func (cpuDevice) Copy(dst, src device.Strided) {
	if dst.Numel() == 0 {
		return
	}
	device.ByDType(dst.Buf.DType(), copyFrom[float32], copyFrom[float64], copyFrom[int64])(dst, src)
}

// copyFrom is Copy into a destination of element type D, from any source dtype.
func copyFrom[D device.Element](dst, src device.Strided) {
	device.ByDType(src.Buf.DType(), copyKernel[D, float32], copyKernel[D, float64], copyKernel[D, int64])(dst, src)
}

func copyKernel[D, S device.Element](dst, src device.Strided) {
	d, s := cpuData[D](dst.Buf), cpuData[S](src.Buf)
	it := newIter(dst.Shape, dst.Layout, src.Layout)
	ds, ss := it.innerStride(0), it.innerStride(1)
	it.run(func(offs [maxOps]int, n int) {
		do, so := offs[0], offs[1]
		if ds == 1 && ss == 1 {
			dr, sr := d[do:do+n], s[so:so+n]
			if same, ok := any(dr).([]S); ok {
				copy(same, sr) // one dtype: a memory copy
				return
			}
			for i, x := range sr {
				dr[i] = D(x)
			}
			return
		}
		for i := 0; i < n; i++ {
			d[do+i*ds] = D(s[so+i*ss])
		}
	})
}

func (cpuDevice) Unary(op device.UnaryOp, dst, src device.Strided, a, b float64) {
	if dst.Numel() == 0 {
		return
	}
	device.ByDType(dst.Buf.DType(), unaryKernel[float32], unaryKernel[float64], unaryKernel[int64])(op, dst, src, a, b)
}

func b2f[T device.Element](c bool) T {
	if c {
		return 1
	}
	return 0
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func gelu(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

func geluGrad(x float64) float64 {
	cdf := 0.5 * (1 + math.Erf(x/math.Sqrt2))
	pdf := math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi)
	return cdf + x*pdf
}

func sign[T device.Element](x T) T {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x // 0 or NaN
}

// unaryFunc returns the scalar function of op for dtype T, for the ops without a hand-written
// loop.
func unaryFunc[T device.Element](op device.UnaryOp, a, b float64) func(T) T {
	ta, tb := T(a), T(b)
	// Comparisons meet the scalar rounded to a float tensor's dtype, as torch does
	// (float32(0.1) == 0.1), and unrounded for Int64 (2 < 2.5).
	ca := a
	if device.DTypeOf[T]() == device.Float32 {
		ca = float64(float32(a))
	}
	switch op {
	case device.OpNeg:
		return func(x T) T { return -x }
	case device.OpAbs:
		return func(x T) T {
			if x <= 0 {
				return 0 - x // |-0| = +0
			}
			return x
		}
	case device.OpSign:
		return sign[T]
	case device.OpSquare:
		return func(x T) T { return x * x }
	case device.OpSqrt:
		return func(x T) T { return T(math.Sqrt(float64(x))) }
	case device.OpRsqrt:
		return func(x T) T { return T(1 / math.Sqrt(float64(x))) }
	case device.OpRecip:
		return func(x T) T { return T(1 / float64(x)) }
	case device.OpExp:
		return func(x T) T { return T(math.Exp(float64(x))) }
	case device.OpLog:
		return func(x T) T { return T(math.Log(float64(x))) }
	case device.OpLog1p:
		return func(x T) T { return T(math.Log1p(float64(x))) }
	case device.OpSin:
		return func(x T) T { return T(math.Sin(float64(x))) }
	case device.OpCos:
		return func(x T) T { return T(math.Cos(float64(x))) }
	case device.OpTanh:
		return func(x T) T { return T(math.Tanh(float64(x))) }
	case device.OpSigmoid:
		return func(x T) T { return T(sigmoid(float64(x))) }
	case device.OpReLU:
		return func(x T) T {
			if x < 0 {
				return 0
			}
			return x // NaN stays NaN
		}
	case device.OpGELU:
		return func(x T) T { return T(gelu(float64(x))) }
	case device.OpGELUGrad:
		return func(x T) T { return T(geluGrad(float64(x))) }
	case device.OpFloor:
		return func(x T) T { return T(math.Floor(float64(x))) }
	case device.OpCeil:
		return func(x T) T { return T(math.Ceil(float64(x))) }
	case device.OpRound:
		return func(x T) T { return T(math.RoundToEven(float64(x))) }
	case device.OpAddScalar:
		return func(x T) T { return x + ta }
	case device.OpMulScalar:
		return func(x T) T { return x * ta }
	case device.OpDivScalar:
		return func(x T) T { return x / ta }
	case device.OpRSubScalar:
		return func(x T) T { return ta - x }
	case device.OpRDivScalar:
		return func(x T) T { return T(a / float64(x)) }
	case device.OpPowScalar:
		if device.DTypeOf[T]() == device.Int64 && a >= 0 && a == math.Trunc(a) {
			return func(x T) T { return T(intPower(int64(x), int64(a))) } // exact, as torch
		}
		switch a {
		case 2:
			return func(x T) T { return x * x }
		case 0.5:
			return func(x T) T { return T(math.Sqrt(float64(x))) }
		}
		return func(x T) T { return T(math.Pow(float64(x), a)) }
	case device.OpRPowScalar:
		return func(x T) T { return T(math.Pow(a, float64(x))) }
	case device.OpClamp:
		return func(x T) T { return min(max(x, ta), tb) }
	case device.OpMaxScalar:
		return func(x T) T { return max(x, ta) }
	case device.OpMinScalar:
		return func(x T) T { return min(x, ta) }
	case device.OpLeakyReLU:
		return func(x T) T {
			if x > 0 {
				return x
			}
			return T(a * float64(x))
		}
	case device.OpEqScalar:
		return func(x T) T { return b2f[T](float64(x) == ca) }
	case device.OpNeScalar:
		return func(x T) T { return b2f[T](float64(x) != ca) }
	case device.OpLtScalar:
		return func(x T) T { return b2f[T](float64(x) < ca) }
	case device.OpLeScalar:
		return func(x T) T { return b2f[T](float64(x) <= ca) }
	case device.OpGtScalar:
		return func(x T) T { return b2f[T](float64(x) > ca) }
	case device.OpGeScalar:
		return func(x T) T { return b2f[T](float64(x) >= ca) }
	}
	device.Panicf("tensor.Unary", "cpu: unknown op %s", op)
	return nil
}

func unaryKernel[T device.Element](op device.UnaryOp, dst, src device.Strided, a, b float64) {
	d, s := cpuData[T](dst.Buf), cpuData[T](src.Buf)
	it := newIter(dst.Shape, dst.Layout, src.Layout)
	ds, ss := it.innerStride(0), it.innerStride(1)
	ta := T(a)
	// The scalar function is a closure (an allocation): make it only when a loop needs it.
	var f func(T) T
	d32, _ := any(d).([]float32)
	s32, _ := any(s).([]float32)
	vec32 := d32 != nil && ds == 1 && ss == 1 && unaryF32(op, nil, nil, a) // a float32 vector kernel takes every run (probed on empty runs)
	switch {
	case vec32:
	case ds == 1 && ss == 1 && (op == device.OpNeg || op == device.OpSquare || op == device.OpAddScalar || op == device.OpMulScalar || op == device.OpReLU):
	default:
		f = unaryFunc[T](op, a, b)
	}
	it.run(func(offs [maxOps]int, n int) {
		do, so := offs[0], offs[1]
		if vec32 {
			unaryF32(op, d32[do:do+n], s32[so:so+n], a)
			return
		}
		if ds == 1 && ss == 1 {
			dr, sr := d[do:do+n], s[so:so+n]
			// Hand-written loops for the cheap ops, where a call per element would dominate.
			switch op {
			case device.OpNeg:
				for i, x := range sr {
					dr[i] = -x
				}
			case device.OpSquare:
				for i, x := range sr {
					dr[i] = x * x
				}
			case device.OpAddScalar:
				for i, x := range sr {
					dr[i] = x + ta
				}
			case device.OpMulScalar:
				for i, x := range sr {
					dr[i] = x * ta
				}
			case device.OpReLU:
				// max without a data-dependent branch (random signs mispredict), keeping
				// the sign of zero (relu(-0) = -0 as in torch) and NaN.
				for i, x := range sr {
					r := max(x, 0)
					if x == 0 {
						r = x
					}
					dr[i] = r
				}
			default:
				for i, x := range sr {
					dr[i] = f(x)
				}
			}
			return
		}
		for i := 0; i < n; i++ {
			d[do+i*ds] = f(s[so+i*ss])
		}
	})
}

func (cpuDevice) Binary(op device.BinaryOp, dst, x, y device.Strided) {
	if dst.Numel() == 0 {
		return
	}
	if dst.Buf.DType() == device.Int64 && (op == device.OpDiv || op == device.OpPow) {
		checkIntOperand(op, dst.Shape, y)
	}
	device.ByDType(dst.Buf.DType(), binaryKernel[float32], binaryKernel[float64], binaryKernel[int64])(op, dst, x, y)
}

// checkIntOperand panics, before anything is written, if an Int64 division meets a zero
// divisor or a power a negative exponent anywhere in y (broadcast to shape): an in-place op
// that fails leaves its receiver unchanged.
func checkIntOperand(op device.BinaryOp, shape []int, y device.Strided) {
	ys := cpuData[int64](y.Buf)
	it := newIter(shape, y.Layout)
	st := it.innerStride(0)
	it.run(func(offs [maxOps]int, n int) {
		for i := range n {
			v := ys[offs[0]+i*st]
			switch {
			case op == device.OpDiv && v == 0:
				device.Panicf("tensor.Div", "integer division by zero")
			case op == device.OpPow && v < 0:
				device.Panicf("tensor.Pow", "integers to negative integer powers are not allowed (exponent %d)", v)
			}
		}
	})
}

// intPower returns xʸ for y >= 0 in wrapping int64 arithmetic, by squaring: exact where
// math.Pow rounds results beyond 2⁵³.
func intPower(x, y int64) int64 {
	r := int64(1)
	for ; y > 0; y >>= 1 {
		if y&1 == 1 {
			r *= x
		}
		x *= x
	}
	return r
}

// intFloorDiv divides rounding toward negative infinity, like Python's //.
func intFloorDiv(x, y int64) int64 {
	if y == 0 {
		device.Panicf("tensor.Div", "integer division by zero")
	}
	q := x / y
	if x%y != 0 && (x < 0) != (y < 0) {
		q--
	}
	return q
}

func binaryFunc[T device.Element](op device.BinaryOp) func(x, y T) T {
	switch op {
	case device.OpAdd:
		return func(x, y T) T { return x + y }
	case device.OpSub:
		return func(x, y T) T { return x - y }
	case device.OpMul:
		return func(x, y T) T { return x * y }
	case device.OpDiv:
		if device.DTypeOf[T]() == device.Int64 {
			return func(x, y T) T { return T(intFloorDiv(int64(x), int64(y))) }
		}
		return func(x, y T) T { return x / y }
	case device.OpPow:
		if device.DTypeOf[T]() == device.Int64 {
			return func(x, y T) T {
				if y < 0 {
					device.Panicf("tensor.Pow", "integers to negative integer powers are not allowed (exponent %d)", int64(y))
				}
				return T(intPower(int64(x), int64(y))) // exact, as torch
			}
		}
		return func(x, y T) T { return T(math.Pow(float64(x), float64(y))) }
	case device.OpMaximum:
		return func(x, y T) T { return max(x, y) }
	case device.OpMinimum:
		return func(x, y T) T { return min(x, y) }
	case device.OpEq:
		return func(x, y T) T { return b2f[T](x == y) }
	case device.OpNe:
		return func(x, y T) T { return b2f[T](x != y) }
	case device.OpLt:
		return func(x, y T) T { return b2f[T](x < y) }
	case device.OpLe:
		return func(x, y T) T { return b2f[T](x <= y) }
	case device.OpGt:
		return func(x, y T) T { return b2f[T](x > y) }
	case device.OpGe:
		return func(x, y T) T { return b2f[T](x >= y) }
	}
	device.Panicf("tensor.Binary", "cpu: unknown op %s", op)
	return nil
}

func binaryKernel[T device.Element](op device.BinaryOp, dst, x, y device.Strided) {
	d, xs, ys := cpuData[T](dst.Buf), cpuData[T](x.Buf), cpuData[T](y.Buf)
	it := newIter(dst.Shape, dst.Layout, x.Layout, y.Layout)
	ds, xst, yst := it.innerStride(0), it.innerStride(1), it.innerStride(2)
	isFloat := device.DTypeOf[T]() != device.Int64
	var f func(x, y T) T
	if !(op == device.OpAdd || op == device.OpSub || op == device.OpMul || (op == device.OpDiv && isFloat)) {
		f = binaryFunc[T](op) // the fast ops have hand-written loops for every layout
	} else if ds == 1 && (xst == 1 && yst == 0 || xst == 0 && yst == 1) && (op == device.OpSub || op == device.OpDiv) {
		f = binaryFunc[T](op)
	}
	d32, _ := any(d).([]float32)
	x32, _ := any(xs).([]float32)
	y32, _ := any(ys).([]float32)
	vec32 := d32 != nil && ds == 1 && xst <= 1 && yst <= 1 && xst+yst > 0 &&
		(op == device.OpAdd || op == device.OpSub || op == device.OpMul || op == device.OpDiv)
	it.run(func(offs [maxOps]int, n int) {
		do, xo, yo := offs[0], offs[1], offs[2]
		if vec32 {
			binaryF32(op, d32[do:do+n], x32[xo:xo+max(1, n*xst)], y32[yo:yo+max(1, n*yst)], xst, yst)
			return
		}
		switch {
		case ds == 1 && xst == 1 && yst == 1:
			dr, xr, yr := d[do:do+n], xs[xo:xo+n], ys[yo:yo+n]
			switch {
			case op == device.OpAdd:
				for i, v := range xr {
					dr[i] = v + yr[i]
				}
			case op == device.OpSub:
				for i, v := range xr {
					dr[i] = v - yr[i]
				}
			case op == device.OpMul:
				for i, v := range xr {
					dr[i] = v * yr[i]
				}
			case op == device.OpDiv && isFloat:
				for i, v := range xr {
					dr[i] = v / yr[i]
				}
			default:
				for i, v := range xr {
					dr[i] = f(v, yr[i])
				}
			}
		case ds == 1 && xst == 1 && yst == 0:
			// y broadcast along the row: a scalar for this run.
			dr, xr, c := d[do:do+n], xs[xo:xo+n], ys[yo]
			switch op {
			case device.OpAdd:
				for i, v := range xr {
					dr[i] = v + c
				}
			case device.OpMul:
				for i, v := range xr {
					dr[i] = v * c
				}
			default:
				for i, v := range xr {
					dr[i] = f(v, c)
				}
			}
		case ds == 1 && xst == 0 && yst == 1:
			dr, c, yr := d[do:do+n], xs[xo], ys[yo:yo+n]
			switch op {
			case device.OpAdd:
				for i, v := range yr {
					dr[i] = c + v
				}
			case device.OpMul:
				for i, v := range yr {
					dr[i] = c * v
				}
			default:
				for i, v := range yr {
					dr[i] = f(c, v)
				}
			}
		default:
			switch {
			case op == device.OpAdd:
				for i := 0; i < n; i++ {
					d[do+i*ds] = xs[xo+i*xst] + ys[yo+i*yst]
				}
			case op == device.OpSub:
				for i := 0; i < n; i++ {
					d[do+i*ds] = xs[xo+i*xst] - ys[yo+i*yst]
				}
			case op == device.OpMul:
				for i := 0; i < n; i++ {
					d[do+i*ds] = xs[xo+i*xst] * ys[yo+i*yst]
				}
			case op == device.OpDiv && isFloat:
				for i := 0; i < n; i++ {
					d[do+i*ds] = xs[xo+i*xst] / ys[yo+i*yst]
				}
			default:
				for i := 0; i < n; i++ {
					d[do+i*ds] = f(xs[xo+i*xst], ys[yo+i*yst])
				}
			}
		}
	})
}

func (cpuDevice) Where(dst, cond, x, y device.Strided) {
	if dst.Numel() == 0 {
		return
	}
	device.ByDType(dst.Buf.DType(), whereFor[float32], whereFor[float64], whereFor[int64])(dst, cond, x, y)
}

// whereFor is Where for element type T, with a condition of any dtype.
func whereFor[T device.Element](dst, cond, x, y device.Strided) {
	device.ByDType(cond.Buf.DType(), whereKernel[T, float32], whereKernel[T, float64], whereKernel[T, int64])(dst, cond, x, y)
}

func whereKernel[T, C device.Element](dst, cond, x, y device.Strided) {
	d, c, xs, ys := cpuData[T](dst.Buf), cpuData[C](cond.Buf), cpuData[T](x.Buf), cpuData[T](y.Buf)
	it := newIter(dst.Shape, dst.Layout, cond.Layout, x.Layout, y.Layout)
	ds, cs, xst, yst := it.innerStride(0), it.innerStride(1), it.innerStride(2), it.innerStride(3)
	it.run(func(offs [maxOps]int, n int) {
		do, co, xo, yo := offs[0], offs[1], offs[2], offs[3]
		for i := 0; i < n; i++ {
			if c[co+i*cs] != 0 {
				d[do+i*ds] = xs[xo+i*xst]
			} else {
				d[do+i*ds] = ys[yo+i*yst]
			}
		}
	})
}
