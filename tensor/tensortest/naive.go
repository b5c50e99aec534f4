package tensortest

import (
	"fmt"
	"math"
	"slices"

	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/device"
)

// Naive is a deliberately simple tensor.Device: the living definition of the primitive
// kernels, written independently of the optimized CPU backend so that the two can be checked
// against each other.
//
// Its buffers are plain Go slices of exactly the requested length. Every kernel walks the full
// multi-index of its layouts in row-major order with the plainest loops: no coalescing of
// dimensions, no fast paths, no parallelism. Floating-point kernels compute in float64 and
// round once to the destination dtype; Int64 kernels compute in int64 (wrapping on overflow).
// It follows the documented semantics of tensor.UnaryOp, tensor.BinaryOp and
// tensor.ReduceOp to the letter: NaN propagates through Max, Min, Maximum, Minimum, Clamp and
// ReLU; ArgMax and ArgMin return the first index of the extreme value, a NaN counting as the
// extreme; Int64 division rounds toward negative infinity and panics on a zero divisor; casts
// from floats to Int64 truncate toward zero; indices out of range panic with *tensor.Error.
// Scalar parameters of Int64 unary ops are truncated to integers first (comparisons use
// them unchanged), and Int64 powers are exact.
//
// It is hostile where the contract allows: Alloc fills new buffers with NaN (or a sentinel
// for Int64) so that code reading memory it never wrote is caught, Free poisons the buffer so
// that a use after free panics, and every kernel checks the preconditions that the tensor
// package promises (dtypes, shapes, layouts inside their buffers, destinations that do not
// alias themselves), panicking with a plain string (not a *tensor.Error) when one is broken:
// that is a bug in package tensor, not in its caller.
//
// Naive does not implement tensor.SoftmaxKernel, so Softmax and LogSoftmax take the
// composed path there. It is far too slow for real work and not registered under any name.
var Naive tensor.Device = naiveDevice{}

type naiveDevice struct{}

// naiveBuffer holds exactly one of f32, f64 and i64, according to dt.
type naiveBuffer struct {
	dt    tensor.DType
	n     int
	f32   []float32
	f64   []float64
	i64   []int64
	freed bool
}

func (b *naiveBuffer) DType() tensor.DType { return b.dt }
func (b *naiveBuffer) Len() int            { return b.n }

// poisonInt64 fills new Int64 buffers: a value no test produces by accident.
const poisonInt64 = -0x5a5a5a5a5a5a5a5a

// contract panics for a broken precondition: a bug in package tensor or in a caller of the
// Device interface, never in the tensor package's own caller.
func contract(op, format string, args ...any) {
	panic(fmt.Sprintf("tensortest: naive %s: ", op) + fmt.Sprintf(format, args...)) // not a caller bug: deliberately not a *tensor.Error
}

// buf returns the naive buffer behind b, checking that it is alive.
func buf(op string, b tensor.Buffer) *naiveBuffer {
	nb, ok := b.(*naiveBuffer)
	if !ok {
		contract(op, "buffer %T does not belong to the naive device", b)
	}
	if nb.freed {
		contract(op, "use of a freed buffer")
	}
	return nb
}

// float returns element i as a float64 (an Int64 element is converted).
func (b *naiveBuffer) float(i int) float64 {
	switch b.dt {
	case tensor.Float32:
		return float64(b.f32[i])
	case tensor.Float64:
		return b.f64[i]
	}
	return float64(b.i64[i])
}

// setFloat stores v, rounded to the buffer's floating-point dtype, at element i.
func (b *naiveBuffer) setFloat(i int, v float64) {
	switch b.dt {
	case tensor.Float32:
		b.f32[i] = float32(v)
	case tensor.Float64:
		b.f64[i] = v
	default:
		contract("setFloat", "float store into an int64 buffer")
	}
}

// copyElem copies element si of s into element di of d; both have one dtype.
func copyElem(d *naiveBuffer, di int, s *naiveBuffer, si int) {
	switch d.dt {
	case tensor.Float32:
		d.f32[di] = s.f32[si]
	case tensor.Float64:
		d.f64[di] = s.f64[si]
	default:
		d.i64[di] = s.i64[si]
	}
}

// each calls f with every multi-index of shape, in row-major order. f must not keep idx.
func each(shape []int, f func(idx []int)) {
	for _, d := range shape {
		if d == 0 {
			return
		}
	}
	idx := make([]int, len(shape))
	for {
		f(idx)
		d := len(shape) - 1
		for d >= 0 {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
			d--
		}
		if d < 0 {
			return
		}
	}
}

// at returns the buffer position of multi-index idx in layout l.
func at(l tensor.Layout, idx []int) int {
	off := l.Offset
	for i, x := range idx {
		off += x * l.Strides[i]
	}
	return off
}

// operand checks that s is a live naive buffer of dtype dt (any dtype when dt < 0) whose
// layout lies inside it, and returns the buffer.
func operand(op, what string, s tensor.Strided, dt int) *naiveBuffer {
	b := buf(op, s.Buf)
	if dt >= 0 && b.dt != tensor.DType(dt) {
		contract(op, "%s has dtype %s, want %s", what, b.dt, tensor.DType(dt))
	}
	l := s.Layout
	if len(l.Strides) != len(l.Shape) {
		contract(op, "%s has shape %v but strides %v", what, l.Shape, l.Strides)
	}
	if l.Offset < 0 {
		contract(op, "%s has negative offset %d", what, l.Offset)
	}
	empty := false
	for i, d := range l.Shape {
		if d < 0 || l.Strides[i] < 0 {
			contract(op, "%s has shape %v and strides %v", what, l.Shape, l.Strides)
		}
		empty = empty || d == 0
	}
	if !empty {
		last := l.Offset
		for i, d := range l.Shape {
			last += (d - 1) * l.Strides[i]
		}
		if last >= b.n {
			contract(op, "%s layout %+v reaches element %d of a buffer of %d", what, l, last, b.n)
		}
	}
	return b
}

// destination is operand for a layout that is written: no two of its elements may share a
// buffer position.
func destination(op string, s tensor.Strided, dt int) *naiveBuffer {
	b := operand(op, "dst", s, dt)
	seen := make([]bool, b.n)
	each(s.Shape, func(idx []int) {
		o := at(s.Layout, idx)
		if seen[o] {
			contract(op, "dst layout %+v reaches position %d twice", s.Layout, o)
		}
		seen[o] = true
	})
	return b
}

func sameShape(op string, a, b []int) {
	if !slices.Equal(a, b) {
		contract(op, "shapes %v and %v differ", a, b)
	}
}

func (naiveDevice) Name() string { return "naive" }

func (naiveDevice) Alloc(dt tensor.DType, n int) tensor.Buffer {
	if n < 0 {
		contract("Alloc", "negative length %d", n)
	}
	b := &naiveBuffer{dt: dt, n: n}
	switch dt {
	case tensor.Float32:
		b.f32 = make([]float32, n)
		for i := range b.f32 {
			b.f32[i] = float32(math.NaN())
		}
	case tensor.Float64:
		b.f64 = make([]float64, n)
		for i := range b.f64 {
			b.f64[i] = math.NaN()
		}
	case tensor.Int64:
		b.i64 = make([]int64, n)
		for i := range b.i64 {
			b.i64[i] = poisonInt64
		}
	default:
		contract("Alloc", "invalid dtype %v", dt)
	}
	return b
}

func (naiveDevice) Free(b tensor.Buffer) {
	nb := buf("Free", b)
	nb.freed = true
	nb.f32, nb.f64, nb.i64 = nil, nil, nil
}

func (naiveDevice) Write(b tensor.Buffer, off int, src any) {
	nb := buf("Write", b)
	n := 0
	switch s := src.(type) {
	case []float32:
		n = len(s)
	case []float64:
		n = len(s)
	case []int64:
		n = len(s)
	default:
		contract("Write", "source of type %T", src)
	}
	if off < 0 || off+n > nb.n {
		contract("Write", "%d elements at %d into a buffer of %d", n, off, nb.n)
	}
	for i := range n {
		switch s := src.(type) {
		case []float32:
			if nb.dt != tensor.Float32 {
				contract("Write", "[]float32 into a %s buffer", nb.dt)
			}
			nb.f32[off+i] = s[i]
		case []float64:
			if nb.dt != tensor.Float64 {
				contract("Write", "[]float64 into a %s buffer", nb.dt)
			}
			nb.f64[off+i] = s[i]
		case []int64:
			if nb.dt != tensor.Int64 {
				contract("Write", "[]int64 into a %s buffer", nb.dt)
			}
			nb.i64[off+i] = s[i]
		}
	}
}

func (naiveDevice) Read(b tensor.Buffer, off int, dst any) {
	nb := buf("Read", b)
	n := 0
	switch d := dst.(type) {
	case []float32:
		n = len(d)
	case []float64:
		n = len(d)
	case []int64:
		n = len(d)
	default:
		contract("Read", "destination of type %T", dst)
	}
	if off < 0 || off+n > nb.n {
		contract("Read", "%d elements at %d from a buffer of %d", n, off, nb.n)
	}
	for i := range n {
		switch d := dst.(type) {
		case []float32:
			if nb.dt != tensor.Float32 {
				contract("Read", "%s buffer into []float32", nb.dt)
			}
			d[i] = nb.f32[off+i]
		case []float64:
			if nb.dt != tensor.Float64 {
				contract("Read", "%s buffer into []float64", nb.dt)
			}
			d[i] = nb.f64[off+i]
		case []int64:
			if nb.dt != tensor.Int64 {
				contract("Read", "%s buffer into []int64", nb.dt)
			}
			d[i] = nb.i64[off+i]
		}
	}
}

func (naiveDevice) Fill(dst tensor.Strided, v float64) {
	d := destination("Fill", dst, -1)
	each(dst.Shape, func(idx []int) {
		o := at(dst.Layout, idx)
		if d.dt == tensor.Int64 {
			d.i64[o] = int64(v) // truncates toward zero
		} else {
			d.setFloat(o, v)
		}
	})
}

func (naiveDevice) Copy(dst, src tensor.Strided) {
	d := destination("Copy", dst, -1)
	s := operand("Copy", "src", src, -1)
	sameShape("Copy", dst.Shape, src.Shape)
	each(dst.Shape, func(idx []int) {
		do, so := at(dst.Layout, idx), at(src.Layout, idx)
		switch {
		case d.dt == s.dt:
			copyElem(d, do, s, so)
		case d.dt == tensor.Int64:
			d.i64[do] = int64(s.float(so)) // truncates toward zero
		case s.dt == tensor.Int64 && d.dt == tensor.Float32:
			d.f32[do] = float32(s.i64[so]) // one rounding, not two through float64
		default:
			d.setFloat(do, s.float(so))
		}
	})
}

// isFloatOnly reports whether op is defined only for floating-point dtypes: the ops without
// an integer definition below.
func isFloatOnly(op tensor.UnaryOp) bool {
	_, ok := unaryInt(op, 0, 0, 0)
	return !ok
}

func b2f(c bool) float64 {
	if c {
		return 1
	}
	return 0
}

// phi is the standard normal cumulative distribution function.
func phi(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }

// unaryFloat is the definition of every UnaryOp on a float64 value.
func unaryFloat(op tensor.UnaryOp, x, a, b float64) float64 {
	switch op {
	case tensor.OpNeg:
		return -x
	case tensor.OpAbs:
		return math.Abs(x)
	case tensor.OpSign:
		if x > 0 {
			return 1
		}
		if x < 0 {
			return -1
		}
		return x // ±0 or NaN
	case tensor.OpSquare:
		return x * x
	case tensor.OpSqrt:
		return math.Sqrt(x)
	case tensor.OpRsqrt:
		return 1 / math.Sqrt(x)
	case tensor.OpRecip:
		return 1 / x
	case tensor.OpExp:
		return math.Exp(x)
	case tensor.OpLog:
		return math.Log(x)
	case tensor.OpLog1p:
		return math.Log1p(x)
	case tensor.OpSin:
		return math.Sin(x)
	case tensor.OpCos:
		return math.Cos(x)
	case tensor.OpTanh:
		return math.Tanh(x)
	case tensor.OpSigmoid:
		return 1 / (1 + math.Exp(-x))
	case tensor.OpReLU:
		if x > 0 || math.IsNaN(x) {
			return x
		}
		return 0
	case tensor.OpGELU:
		return x * phi(x)
	case tensor.OpGELUGrad:
		return phi(x) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
	case tensor.OpFloor:
		return math.Floor(x)
	case tensor.OpCeil:
		return math.Ceil(x)
	case tensor.OpRound:
		return math.RoundToEven(x)
	case tensor.OpAddScalar:
		return x + a
	case tensor.OpMulScalar:
		return x * a
	case tensor.OpRSubScalar:
		return a - x
	case tensor.OpDivScalar:
		return x / a
	case tensor.OpRDivScalar:
		return a / x
	case tensor.OpPowScalar:
		return math.Pow(x, a)
	case tensor.OpRPowScalar:
		return math.Pow(a, x)
	case tensor.OpClamp:
		if math.IsNaN(x) {
			return x
		}
		if x < a {
			return a
		}
		if x > b {
			return b
		}
		return x
	case tensor.OpMaxScalar:
		if math.IsNaN(x) || math.IsNaN(a) {
			return math.NaN()
		}
		if x < a {
			return a
		}
		return x
	case tensor.OpMinScalar:
		if math.IsNaN(x) || math.IsNaN(a) {
			return math.NaN()
		}
		if x > a {
			return a
		}
		return x
	case tensor.OpLeakyReLU:
		if x > 0 {
			return x
		}
		return a * x
	case tensor.OpEqScalar:
		return b2f(x == a)
	case tensor.OpNeScalar:
		return b2f(x != a)
	case tensor.OpLtScalar:
		return b2f(x < a)
	case tensor.OpLeScalar:
		return b2f(x <= a)
	case tensor.OpGtScalar:
		return b2f(x > a)
	case tensor.OpGeScalar:
		return b2f(x >= a)
	}
	contract("Unary", "unknown op %v", op)
	return 0
}

// unaryInt is the definition of the UnaryOps that Int64 supports; ok is false for the others.
// Arithmetic parameters are truncated to integers; comparisons use them as given.
func unaryInt(op tensor.UnaryOp, x int64, a, b float64) (r int64, ok bool) {
	ia, ib := int64(a), int64(b)
	switch op {
	case tensor.OpNeg:
		return -x, true
	case tensor.OpAbs:
		if x < 0 {
			return -x, true
		}
		return x, true
	case tensor.OpSign:
		if x > 0 {
			return 1, true
		}
		if x < 0 {
			return -1, true
		}
		return 0, true
	case tensor.OpSquare:
		return x * x, true
	case tensor.OpFloor, tensor.OpCeil, tensor.OpRound:
		return x, true
	case tensor.OpReLU:
		if x < 0 {
			return 0, true
		}
		return x, true
	case tensor.OpAddScalar:
		return x + ia, true
	case tensor.OpMulScalar:
		return x * ia, true
	case tensor.OpRSubScalar:
		return ia - x, true
	case tensor.OpPowScalar:
		if a >= 0 && a == math.Trunc(a) {
			return intPow(x, ia), true
		}
		return int64(math.Pow(float64(x), a)), true // the real power, truncated toward zero
	case tensor.OpClamp:
		if x < ia {
			return ia, true
		}
		if x > ib {
			return ib, true
		}
		return x, true
	case tensor.OpMaxScalar:
		if x < ia {
			return ia, true
		}
		return x, true
	case tensor.OpMinScalar:
		if x > ia {
			return ia, true
		}
		return x, true
	case tensor.OpEqScalar:
		return int64(b2f(float64(x) == a)), true
	case tensor.OpNeScalar:
		return int64(b2f(float64(x) != a)), true
	case tensor.OpLtScalar:
		return int64(b2f(float64(x) < a)), true
	case tensor.OpLeScalar:
		return int64(b2f(float64(x) <= a)), true
	case tensor.OpGtScalar:
		return int64(b2f(float64(x) > a)), true
	case tensor.OpGeScalar:
		return int64(b2f(float64(x) >= a)), true
	}
	return 0, false
}

func (naiveDevice) Unary(op tensor.UnaryOp, dst, src tensor.Strided, a, b float64) {
	d := destination("Unary", dst, -1)
	s := operand("Unary", "src", src, int(d.dt))
	sameShape("Unary", dst.Shape, src.Shape)
	if d.dt == tensor.Int64 && isFloatOnly(op) {
		contract("Unary", "float-only op %v on int64", op)
	}
	each(dst.Shape, func(idx []int) {
		do, so := at(dst.Layout, idx), at(src.Layout, idx)
		if d.dt == tensor.Int64 {
			d.i64[do], _ = unaryInt(op, s.i64[so], a, b)
		} else {
			d.setFloat(do, unaryFloat(op, s.float(so), a, b))
		}
	})
}

// binaryFloat is the definition of every BinaryOp on float64 values.
func binaryFloat(op tensor.BinaryOp, x, y float64) float64 {
	switch op {
	case tensor.OpAdd:
		return x + y
	case tensor.OpSub:
		return x - y
	case tensor.OpMul:
		return x * y
	case tensor.OpDiv:
		return x / y
	case tensor.OpPow:
		return math.Pow(x, y)
	case tensor.OpMaximum:
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.NaN()
		}
		if x > y {
			return x
		}
		return y
	case tensor.OpMinimum:
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.NaN()
		}
		if x < y {
			return x
		}
		return y
	case tensor.OpEq:
		return b2f(x == y)
	case tensor.OpNe:
		return b2f(x != y)
	case tensor.OpLt:
		return b2f(x < y)
	case tensor.OpLe:
		return b2f(x <= y)
	case tensor.OpGt:
		return b2f(x > y)
	case tensor.OpGe:
		return b2f(x >= y)
	}
	contract("Binary", "unknown op %v", op)
	return 0
}

// floorDiv divides rounding toward negative infinity, like Python's //.
func floorDiv(x, y int64) int64 {
	if y == 0 {
		panic(&tensor.Error{Op: "tensor.Div", Msg: "integer division by zero"})
	}
	q := x / y // rounds toward zero
	if x%y != 0 && (x < 0) != (y < 0) {
		q--
	}
	return q
}

// intPow returns xʸ in wrapping int64 arithmetic; for y < 0 the exact value truncated toward
// zero (0 for |x| > 1).
func intPow(x, y int64) int64 {
	if y < 0 {
		switch x {
		case 0:
			panic(&tensor.Error{Op: "tensor.Pow", Msg: "integer zero to a negative power"})
		case 1:
			return 1
		case -1:
			if y%2 == 0 {
				return 1
			}
			return -1
		}
		return 0
	}
	r := int64(1)
	for y > 0 { // square and multiply
		if y%2 == 1 {
			r *= x
		}
		x *= x
		y /= 2
	}
	return r
}

// binaryInt is the definition of every BinaryOp on int64 values.
func binaryInt(op tensor.BinaryOp, x, y int64) int64 {
	switch op {
	case tensor.OpAdd:
		return x + y
	case tensor.OpSub:
		return x - y
	case tensor.OpMul:
		return x * y
	case tensor.OpDiv:
		return floorDiv(x, y)
	case tensor.OpPow:
		return intPow(x, y)
	case tensor.OpMaximum:
		return max(x, y)
	case tensor.OpMinimum:
		return min(x, y)
	case tensor.OpEq:
		return int64(b2f(x == y))
	case tensor.OpNe:
		return int64(b2f(x != y))
	case tensor.OpLt:
		return int64(b2f(x < y))
	case tensor.OpLe:
		return int64(b2f(x <= y))
	case tensor.OpGt:
		return int64(b2f(x > y))
	case tensor.OpGe:
		return int64(b2f(x >= y))
	}
	contract("Binary", "unknown op %v", op)
	return 0
}

func (naiveDevice) Binary(op tensor.BinaryOp, dst, x, y tensor.Strided) {
	d := destination("Binary", dst, -1)
	xb := operand("Binary", "x", x, int(d.dt))
	yb := operand("Binary", "y", y, int(d.dt))
	sameShape("Binary", dst.Shape, x.Shape)
	sameShape("Binary", dst.Shape, y.Shape)
	// Compute every result before storing any, so that dst may be x or y.
	n := tensor.Shape(dst.Shape).Numel()
	ints := make([]int64, 0, n)
	floats := make([]float64, 0, n)
	each(dst.Shape, func(idx []int) {
		xo, yo := at(x.Layout, idx), at(y.Layout, idx)
		if d.dt == tensor.Int64 {
			ints = append(ints, binaryInt(op, xb.i64[xo], yb.i64[yo]))
		} else {
			floats = append(floats, binaryFloat(op, xb.float(xo), yb.float(yo)))
		}
	})
	k := 0
	each(dst.Shape, func(idx []int) {
		o := at(dst.Layout, idx)
		if d.dt == tensor.Int64 {
			d.i64[o] = ints[k]
		} else {
			d.setFloat(o, floats[k])
		}
		k++
	})
}

func (naiveDevice) Where(dst, cond, x, y tensor.Strided) {
	d := destination("Where", dst, -1)
	c := operand("Where", "cond", cond, -1)
	xb := operand("Where", "x", x, int(d.dt))
	yb := operand("Where", "y", y, int(d.dt))
	sameShape("Where", dst.Shape, cond.Shape)
	sameShape("Where", dst.Shape, x.Shape)
	sameShape("Where", dst.Shape, y.Shape)
	each(dst.Shape, func(idx []int) {
		co := at(cond.Layout, idx)
		nonzero := false
		if c.dt == tensor.Int64 {
			nonzero = c.i64[co] != 0
		} else {
			nonzero = c.float(co) != 0 // NaN is nonzero
		}
		if nonzero {
			copyElem(d, at(dst.Layout, idx), xb, at(x.Layout, idx))
		} else {
			copyElem(d, at(dst.Layout, idx), yb, at(y.Layout, idx))
		}
	})
}

func (naiveDevice) Reduce(op tensor.ReduceOp, dst, src tensor.Strided) {
	s := operand("Reduce", "src", src, -1)
	want := int(s.dt)
	if op == tensor.ReduceArgMax || op == tensor.ReduceArgMin {
		want = int(tensor.Int64)
	}
	d := destination("Reduce", dst, want)
	np := len(dst.Shape)
	if np > len(src.Shape) || !slices.Equal(dst.Shape, src.Shape[:np]) {
		contract("Reduce", "dst shape %v is not a prefix of src shape %v", dst.Shape, src.Shape)
	}
	trail := src.Shape[np:]
	if tensor.Shape(trail).Numel() == 0 && op != tensor.ReduceSum && op != tensor.ReduceProd {
		if tensor.Shape(dst.Shape).Numel() > 0 {
			contract("Reduce", "%v over zero elements", op)
		}
	}
	full := make([]int, len(src.Shape))
	each(dst.Shape, func(lead []int) {
		copy(full, lead)
		var (
			fsum, fprod = 0.0, 1.0
			isum, iprod = int64(0), int64(1)
			best        float64 // Max, Min and the Arg forms, for float dtypes
			ibest       int64   // the same for Int64
			bestAt      = -1
			k           = 0
		)
		each(trail, func(ti []int) {
			copy(full[np:], ti)
			o := at(src.Layout, full)
			if s.dt == tensor.Int64 {
				x := s.i64[o]
				isum += x
				iprod *= x
				switch op {
				case tensor.ReduceMax, tensor.ReduceArgMax:
					if bestAt < 0 || x > ibest {
						ibest, bestAt = x, k
					}
				case tensor.ReduceMin, tensor.ReduceArgMin:
					if bestAt < 0 || x < ibest {
						ibest, bestAt = x, k
					}
				}
			} else {
				x := s.float(o)
				fsum += x
				fprod *= x
				switch op {
				case tensor.ReduceMax, tensor.ReduceArgMax:
					// The first NaN wins and stays.
					if bestAt < 0 || (!math.IsNaN(best) && (math.IsNaN(x) || x > best)) {
						best, bestAt = x, k
					}
				case tensor.ReduceMin, tensor.ReduceArgMin:
					if bestAt < 0 || (!math.IsNaN(best) && (math.IsNaN(x) || x < best)) {
						best, bestAt = x, k
					}
				}
			}
			k++
		})
		o := at(dst.Layout, lead)
		switch op {
		case tensor.ReduceSum:
			if s.dt == tensor.Int64 {
				d.i64[o] = isum
			} else {
				d.setFloat(o, fsum)
			}
		case tensor.ReduceProd:
			if s.dt == tensor.Int64 {
				d.i64[o] = iprod
			} else {
				d.setFloat(o, fprod)
			}
		case tensor.ReduceMax, tensor.ReduceMin:
			if s.dt == tensor.Int64 {
				d.i64[o] = ibest
			} else {
				d.setFloat(o, best)
			}
		case tensor.ReduceArgMax, tensor.ReduceArgMin:
			d.i64[o] = int64(bestAt)
		default:
			contract("Reduce", "unknown op %v", op)
		}
	})
}

func (naiveDevice) MatMul(dst, x, y tensor.Strided) {
	d := destination("MatMul", dst, -1)
	xb := operand("MatMul", "x", x, int(d.dt))
	yb := operand("MatMul", "y", y, int(d.dt))
	nd := len(dst.Shape)
	if nd < 2 || len(x.Shape) != nd || len(y.Shape) != nd {
		contract("MatMul", "ranks of %v, %v and %v", dst.Shape, x.Shape, y.Shape)
	}
	batch := dst.Shape[:nd-2]
	m, n, k := dst.Shape[nd-2], dst.Shape[nd-1], x.Shape[nd-1]
	if !slices.Equal(x.Shape[:nd-2], batch) || !slices.Equal(y.Shape[:nd-2], batch) ||
		x.Shape[nd-2] != m || y.Shape[nd-2] != k || y.Shape[nd-1] != n {
		contract("MatMul", "shapes %v = %v @ %v do not fit", dst.Shape, x.Shape, y.Shape)
	}
	di, xi, yi := make([]int, nd), make([]int, nd), make([]int, nd)
	each(batch, func(b []int) {
		copy(di, b)
		copy(xi, b)
		copy(yi, b)
		for i := range m {
			for j := range n {
				fs, is := 0.0, int64(0)
				for p := range k {
					xi[nd-2], xi[nd-1] = i, p
					yi[nd-2], yi[nd-1] = p, j
					xo, yo := at(x.Layout, xi), at(y.Layout, yi)
					if d.dt == tensor.Int64 {
						is += xb.i64[xo] * yb.i64[yo]
					} else {
						fs += xb.float(xo) * yb.float(yo)
					}
				}
				di[nd-2], di[nd-1] = i, j
				if d.dt == tensor.Int64 {
					d.i64[at(dst.Layout, di)] = is
				} else {
					d.setFloat(at(dst.Layout, di), fs)
				}
			}
		}
	})
}

// checkIndex panics with *tensor.Error when v is not in [0, size).
func checkIndex(op string, v int64, size int) {
	if v < 0 || v >= int64(size) {
		panic(&tensor.Error{Op: op, Msg: fmt.Sprintf("index %d out of range for dimension of size %d", v, size)})
	}
}

// indexList reads a 1-D Int64 index operand.
func indexList(op string, idx tensor.Strided) []int64 {
	b := operand(op, "idx", idx, int(tensor.Int64))
	if len(idx.Shape) != 1 {
		contract(op, "index of shape %v is not 1-D", idx.Shape)
	}
	out := []int64{}
	each(idx.Shape, func(i []int) { out = append(out, b.i64[at(idx.Layout, i)]) })
	return out
}

func checkAxis(op string, axis, nd int) {
	if axis < 0 || axis >= nd {
		contract(op, "axis %d for %d dimensions", axis, nd)
	}
}

func (naiveDevice) IndexSelect(dst, src, idx tensor.Strided, axis int) {
	const op = "tensor.IndexSelect"
	d := destination("IndexSelect", dst, -1)
	s := operand("IndexSelect", "src", src, int(d.dt))
	ix := indexList("IndexSelect", idx)
	checkAxis("IndexSelect", axis, len(src.Shape))
	want := slices.Clone(src.Shape)
	want[axis] = len(ix)
	sameShape("IndexSelect", dst.Shape, want)
	for _, v := range ix {
		checkIndex(op, v, src.Shape[axis])
	}
	si := make([]int, len(src.Shape))
	each(dst.Shape, func(di []int) {
		copy(si, di)
		si[axis] = int(ix[di[axis]])
		copyElem(d, at(dst.Layout, di), s, at(src.Layout, si))
	})
}

func (naiveDevice) Gather(dst, src, idx tensor.Strided, axis int) {
	const op = "tensor.Gather"
	d := destination("Gather", dst, -1)
	s := operand("Gather", "src", src, int(d.dt))
	x := operand("Gather", "idx", idx, int(tensor.Int64))
	sameShape("Gather", dst.Shape, idx.Shape)
	if len(src.Shape) != len(dst.Shape) {
		contract("Gather", "src shape %v and dst shape %v differ in rank", src.Shape, dst.Shape)
	}
	checkAxis("Gather", axis, len(src.Shape))
	for i := range dst.Shape {
		if i != axis && dst.Shape[i] > src.Shape[i] {
			contract("Gather", "dst shape %v is larger than src shape %v", dst.Shape, src.Shape)
		}
	}
	each(idx.Shape, func(i []int) { checkIndex(op, x.i64[at(idx.Layout, i)], src.Shape[axis]) })
	si := make([]int, len(src.Shape))
	each(dst.Shape, func(di []int) {
		copy(si, di)
		si[axis] = int(x.i64[at(idx.Layout, di)])
		copyElem(d, at(dst.Layout, di), s, at(src.Layout, si))
	})
}

// addElem sets d[di] += s[si] in d's dtype.
func addElem(d *naiveBuffer, di int, s *naiveBuffer, si int) {
	if d.dt == tensor.Int64 {
		d.i64[di] += s.i64[si]
	} else {
		d.setFloat(di, d.float(di)+s.float(si))
	}
}

func (naiveDevice) ScatterAdd(dst, src, idx tensor.Strided, axis int) {
	const op = "tensor.ScatterAdd"
	d := destination("ScatterAdd", dst, -1)
	s := operand("ScatterAdd", "src", src, int(d.dt))
	x := operand("ScatterAdd", "idx", idx, int(tensor.Int64))
	sameShape("ScatterAdd", src.Shape, idx.Shape)
	if len(src.Shape) != len(dst.Shape) {
		contract("ScatterAdd", "src shape %v and dst shape %v differ in rank", src.Shape, dst.Shape)
	}
	checkAxis("ScatterAdd", axis, len(dst.Shape))
	for i := range src.Shape {
		if i != axis && src.Shape[i] > dst.Shape[i] {
			contract("ScatterAdd", "src shape %v is larger than dst shape %v", src.Shape, dst.Shape)
		}
	}
	each(idx.Shape, func(i []int) { checkIndex(op, x.i64[at(idx.Layout, i)], dst.Shape[axis]) })
	di := make([]int, len(dst.Shape))
	each(src.Shape, func(si []int) {
		copy(di, si)
		di[axis] = int(x.i64[at(idx.Layout, si)])
		addElem(d, at(dst.Layout, di), s, at(src.Layout, si))
	})
}

func (naiveDevice) IndexAdd(dst, src, idx tensor.Strided, axis int) {
	const op = "tensor.IndexAdd"
	d := destination("IndexAdd", dst, -1)
	s := operand("IndexAdd", "src", src, int(d.dt))
	ix := indexList("IndexAdd", idx)
	checkAxis("IndexAdd", axis, len(dst.Shape))
	want := slices.Clone(dst.Shape)
	want[axis] = len(ix)
	sameShape("IndexAdd", src.Shape, want)
	for _, v := range ix {
		checkIndex(op, v, dst.Shape[axis])
	}
	di := make([]int, len(dst.Shape))
	each(src.Shape, func(si []int) {
		copy(di, si)
		di[axis] = int(ix[si[axis]])
		addElem(d, at(dst.Layout, di), s, at(src.Layout, si))
	})
}

// Random follows the definition of device.Device.Random literally: element i in row-major
// order takes device.RandomValue of block offset + i/k, lane i%k.
func (naiveDevice) Random(dist device.Distribution, dst tensor.Strided, seed, offset uint64, a, b float64) {
	d := destination("Random", dst, -1)
	if dist >= device.NumDistributions {
		contract("Random", "unknown distribution %v", dist)
	}
	if d.dt == tensor.Int64 && dist != device.Bernoulli {
		contract("Random", "%v draws into int64", dist)
	}
	k := dist.PerBlock(d.dt)
	i := 0
	each(dst.Shape, func(idx []int) {
		w := device.PhiloxBlock(seed, offset+uint64(i/k))
		v := device.RandomValue(dist, d.dt, w, i%k, a, b)
		o := at(dst.Layout, idx)
		switch d.dt {
		case tensor.Int64:
			d.i64[o] = int64(v)
		default:
			d.setFloat(o, v)
		}
		i++
	})
}
