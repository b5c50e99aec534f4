package tensor

import (
	"math"
)

func (cpuDevice) Fill(dst Strided, v float64) {
	switch dst.Buf.DType() {
	case Float32:
		fillKernel(dst, float32(v))
	case Float64:
		fillKernel(dst, v)
	case Int64:
		fillKernel(dst, int64(v))
	}
}

func fillKernel[T Element](dst Strided, v T) {
	if dst.Numel() == 0 {
		return
	}
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

func (cpuDevice) Copy(dst, src Strided) {
	if dst.Numel() == 0 {
		return
	}
	switch dst.Buf.DType() {
	case Float32:
		copyFrom[float32](dst, src)
	case Float64:
		copyFrom[float64](dst, src)
	case Int64:
		copyFrom[int64](dst, src)
	}
}

func copyFrom[D Element](dst, src Strided) {
	switch src.Buf.DType() {
	case Float32:
		copyKernel[D, float32](dst, src)
	case Float64:
		copyKernel[D, float64](dst, src)
	case Int64:
		copyKernel[D, int64](dst, src)
	}
}

func copyKernel[D, S Element](dst, src Strided) {
	d, s := cpuData[D](dst.Buf), cpuData[S](src.Buf)
	it := newIter(dst.Shape, dst.Layout, src.Layout)
	ds, ss := it.innerStride(0), it.innerStride(1)
	it.run(func(offs [maxOps]int, n int) {
		do, so := offs[0], offs[1]
		if ds == 1 && ss == 1 {
			dr, sr := d[do:do+n], s[so:so+n]
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

func (cpuDevice) Unary(op UnaryOp, dst, src Strided, a, b float64) {
	if dst.Numel() == 0 {
		return
	}
	switch dst.Buf.DType() {
	case Float32:
		unaryKernel[float32](op, dst, src, a, b)
	case Float64:
		unaryKernel[float64](op, dst, src, a, b)
	case Int64:
		unaryKernel[int64](op, dst, src, a, b)
	}
}

func b2f[T Element](c bool) T {
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

func sign[T Element](x T) T {
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
func unaryFunc[T Element](op UnaryOp, a, b float64) func(T) T {
	ta, tb := T(a), T(b)
	// Comparisons meet the scalar rounded to a float tensor's dtype, as torch does
	// (float32(0.1) == 0.1), and unrounded for Int64 (2 < 2.5).
	ca := a
	if DTypeOf[T]() == Float32 {
		ca = float64(float32(a))
	}
	switch op {
	case OpNeg:
		return func(x T) T { return -x }
	case OpAbs:
		return func(x T) T {
			if x <= 0 {
				return 0 - x // |-0| = +0
			}
			return x
		}
	case OpSign:
		return sign[T]
	case OpSquare:
		return func(x T) T { return x * x }
	case OpSqrt:
		return func(x T) T { return T(math.Sqrt(float64(x))) }
	case OpRsqrt:
		return func(x T) T { return T(1 / math.Sqrt(float64(x))) }
	case OpRecip:
		return func(x T) T { return T(1 / float64(x)) }
	case OpExp:
		return func(x T) T { return T(math.Exp(float64(x))) }
	case OpLog:
		return func(x T) T { return T(math.Log(float64(x))) }
	case OpLog1p:
		return func(x T) T { return T(math.Log1p(float64(x))) }
	case OpSin:
		return func(x T) T { return T(math.Sin(float64(x))) }
	case OpCos:
		return func(x T) T { return T(math.Cos(float64(x))) }
	case OpTanh:
		return func(x T) T { return T(math.Tanh(float64(x))) }
	case OpSigmoid:
		return func(x T) T { return T(sigmoid(float64(x))) }
	case OpReLU:
		return func(x T) T {
			if x < 0 {
				return 0
			}
			return x // NaN stays NaN
		}
	case OpGELU:
		return func(x T) T { return T(gelu(float64(x))) }
	case OpGELUGrad:
		return func(x T) T { return T(geluGrad(float64(x))) }
	case OpFloor:
		return func(x T) T { return T(math.Floor(float64(x))) }
	case OpCeil:
		return func(x T) T { return T(math.Ceil(float64(x))) }
	case OpRound:
		return func(x T) T { return T(math.RoundToEven(float64(x))) }
	case OpAddScalar:
		return func(x T) T { return x + ta }
	case OpMulScalar:
		return func(x T) T { return x * ta }
	case OpDivScalar:
		return func(x T) T { return x / ta }
	case OpRSubScalar:
		return func(x T) T { return ta - x }
	case OpRDivScalar:
		return func(x T) T { return T(a / float64(x)) }
	case OpPowScalar:
		if DTypeOf[T]() == Int64 && a >= 0 && a == math.Trunc(a) {
			return func(x T) T { return T(intPower(int64(x), int64(a))) } // exact, as torch
		}
		switch a {
		case 2:
			return func(x T) T { return x * x }
		case 0.5:
			return func(x T) T { return T(math.Sqrt(float64(x))) }
		}
		return func(x T) T { return T(math.Pow(float64(x), a)) }
	case OpRPowScalar:
		return func(x T) T { return T(math.Pow(a, float64(x))) }
	case OpClamp:
		return func(x T) T { return min(max(x, ta), tb) }
	case OpMaxScalar:
		return func(x T) T { return max(x, ta) }
	case OpMinScalar:
		return func(x T) T { return min(x, ta) }
	case OpLeakyReLU:
		return func(x T) T {
			if x > 0 {
				return x
			}
			return T(a * float64(x))
		}
	case OpEqScalar:
		return func(x T) T { return b2f[T](float64(x) == ca) }
	case OpNeScalar:
		return func(x T) T { return b2f[T](float64(x) != ca) }
	case OpLtScalar:
		return func(x T) T { return b2f[T](float64(x) < ca) }
	case OpLeScalar:
		return func(x T) T { return b2f[T](float64(x) <= ca) }
	case OpGtScalar:
		return func(x T) T { return b2f[T](float64(x) > ca) }
	case OpGeScalar:
		return func(x T) T { return b2f[T](float64(x) >= ca) }
	}
	panicf("tensor.Unary", "cpu: unknown op %s", op)
	return nil
}

func unaryKernel[T Element](op UnaryOp, dst, src Strided, a, b float64) {
	d, s := cpuData[T](dst.Buf), cpuData[T](src.Buf)
	it := newIter(dst.Shape, dst.Layout, src.Layout)
	ds, ss := it.innerStride(0), it.innerStride(1)
	ta := T(a)
	// The scalar function is a closure (an allocation): make it only when a loop needs it.
	var f func(T) T
	switch {
	case ds == 1 && ss == 1 && (op == OpNeg || op == OpSquare || op == OpAddScalar || op == OpMulScalar || op == OpReLU):
	default:
		f = unaryFunc[T](op, a, b)
	}
	it.run(func(offs [maxOps]int, n int) {
		do, so := offs[0], offs[1]
		if ds == 1 && ss == 1 {
			dr, sr := d[do:do+n], s[so:so+n]
			// Hand-written loops for the cheap ops, where a call per element would dominate.
			switch op {
			case OpNeg:
				for i, x := range sr {
					dr[i] = -x
				}
			case OpSquare:
				for i, x := range sr {
					dr[i] = x * x
				}
			case OpAddScalar:
				for i, x := range sr {
					dr[i] = x + ta
				}
			case OpMulScalar:
				for i, x := range sr {
					dr[i] = x * ta
				}
			case OpReLU:
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

func (cpuDevice) Binary(op BinaryOp, dst, x, y Strided) {
	if dst.Numel() == 0 {
		return
	}
	if dst.Buf.DType() == Int64 && (op == OpDiv || op == OpPow) {
		checkIntOperand(op, dst.Shape, y)
	}
	switch dst.Buf.DType() {
	case Float32:
		binaryKernel[float32](op, dst, x, y)
	case Float64:
		binaryKernel[float64](op, dst, x, y)
	case Int64:
		binaryKernel[int64](op, dst, x, y)
	}
}

// checkIntOperand panics, before anything is written, if an Int64 division meets a zero
// divisor or a power a negative exponent anywhere in y (broadcast to shape): an in-place op
// that fails leaves its receiver unchanged.
func checkIntOperand(op BinaryOp, shape []int, y Strided) {
	ys := cpuData[int64](y.Buf)
	it := newIter(shape, y.Layout)
	st := it.innerStride(0)
	it.run(func(offs [maxOps]int, n int) {
		for i := range n {
			v := ys[offs[0]+i*st]
			switch {
			case op == OpDiv && v == 0:
				panicf("tensor.Div", "integer division by zero")
			case op == OpPow && v < 0:
				panicf("tensor.Pow", "integers to negative integer powers are not allowed (exponent %d)", v)
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
		panicf("tensor.Div", "integer division by zero")
	}
	q := x / y
	if x%y != 0 && (x < 0) != (y < 0) {
		q--
	}
	return q
}

func binaryFunc[T Element](op BinaryOp) func(x, y T) T {
	switch op {
	case OpAdd:
		return func(x, y T) T { return x + y }
	case OpSub:
		return func(x, y T) T { return x - y }
	case OpMul:
		return func(x, y T) T { return x * y }
	case OpDiv:
		if DTypeOf[T]() == Int64 {
			return func(x, y T) T { return T(intFloorDiv(int64(x), int64(y))) }
		}
		return func(x, y T) T { return x / y }
	case OpPow:
		if DTypeOf[T]() == Int64 {
			return func(x, y T) T {
				if y < 0 {
					panicf("tensor.Pow", "integers to negative integer powers are not allowed (exponent %d)", int64(y))
				}
				return T(intPower(int64(x), int64(y))) // exact, as torch
			}
		}
		return func(x, y T) T { return T(math.Pow(float64(x), float64(y))) }
	case OpMaximum:
		return func(x, y T) T { return max(x, y) }
	case OpMinimum:
		return func(x, y T) T { return min(x, y) }
	case OpEq:
		return func(x, y T) T { return b2f[T](x == y) }
	case OpNe:
		return func(x, y T) T { return b2f[T](x != y) }
	case OpLt:
		return func(x, y T) T { return b2f[T](x < y) }
	case OpLe:
		return func(x, y T) T { return b2f[T](x <= y) }
	case OpGt:
		return func(x, y T) T { return b2f[T](x > y) }
	case OpGe:
		return func(x, y T) T { return b2f[T](x >= y) }
	}
	panicf("tensor.Binary", "cpu: unknown op %s", op)
	return nil
}

func binaryKernel[T Element](op BinaryOp, dst, x, y Strided) {
	d, xs, ys := cpuData[T](dst.Buf), cpuData[T](x.Buf), cpuData[T](y.Buf)
	it := newIter(dst.Shape, dst.Layout, x.Layout, y.Layout)
	ds, xst, yst := it.innerStride(0), it.innerStride(1), it.innerStride(2)
	isFloat := DTypeOf[T]() != Int64
	var f func(x, y T) T
	if !(op == OpAdd || op == OpSub || op == OpMul || (op == OpDiv && isFloat)) {
		f = binaryFunc[T](op) // the fast ops have hand-written loops for every layout
	} else if ds == 1 && (xst == 1 && yst == 0 || xst == 0 && yst == 1) && (op == OpSub || op == OpDiv) {
		f = binaryFunc[T](op)
	}
	it.run(func(offs [maxOps]int, n int) {
		do, xo, yo := offs[0], offs[1], offs[2]
		switch {
		case ds == 1 && xst == 1 && yst == 1:
			dr, xr, yr := d[do:do+n], xs[xo:xo+n], ys[yo:yo+n]
			switch {
			case op == OpAdd:
				for i, v := range xr {
					dr[i] = v + yr[i]
				}
			case op == OpSub:
				for i, v := range xr {
					dr[i] = v - yr[i]
				}
			case op == OpMul:
				for i, v := range xr {
					dr[i] = v * yr[i]
				}
			case op == OpDiv && isFloat:
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
			case OpAdd:
				for i, v := range xr {
					dr[i] = v + c
				}
			case OpMul:
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
			case OpAdd:
				for i, v := range yr {
					dr[i] = c + v
				}
			case OpMul:
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
			case op == OpAdd:
				for i := 0; i < n; i++ {
					d[do+i*ds] = xs[xo+i*xst] + ys[yo+i*yst]
				}
			case op == OpSub:
				for i := 0; i < n; i++ {
					d[do+i*ds] = xs[xo+i*xst] - ys[yo+i*yst]
				}
			case op == OpMul:
				for i := 0; i < n; i++ {
					d[do+i*ds] = xs[xo+i*xst] * ys[yo+i*yst]
				}
			case op == OpDiv && isFloat:
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

func (cpuDevice) Where(dst, cond, x, y Strided) {
	if dst.Numel() == 0 {
		return
	}
	switch dst.Buf.DType() {
	case Float32:
		whereFor[float32](dst, cond, x, y)
	case Float64:
		whereFor[float64](dst, cond, x, y)
	case Int64:
		whereFor[int64](dst, cond, x, y)
	}
}

func whereFor[T Element](dst, cond, x, y Strided) {
	switch cond.Buf.DType() {
	case Float32:
		whereKernel[T, float32](dst, cond, x, y)
	case Float64:
		whereKernel[T, float64](dst, cond, x, y)
	case Int64:
		whereKernel[T, int64](dst, cond, x, y)
	}
}

func whereKernel[T, C Element](dst, cond, x, y Strided) {
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
