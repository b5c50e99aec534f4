package tensor

import (
	"math"

	"github.com/godl/godl/tensor/device"
)

type options struct {
	dtype DType
	dev   Device
}

func makeOptions(op string, opts []Option) options {
	o := options{dtype: Float32, dev: CPU}
	for _, opt := range opts {
		if opt == nil {
			panicf(op, "nil option")
		}
		switch x := opt.(type) {
		case DType:
			o.dtype = x
		case device.OnDevice:
			o.dev = x.Device
		}
	}
	if !o.dtype.Valid() {
		panicf(op, "invalid dtype %d", uint8(o.dtype))
	}
	if o.dev == nil {
		panicf(op, "nil device")
	}
	return o
}

// From returns a new CPU tensor holding a copy of data with the given shape; the dtype follows
// from T. With no shape arguments the tensor is 1-D; an explicit empty shape, as in
// From(data, t.Shape()...) for a 0-d t or From(data, Shape{}...), makes a 0-d tensor. It
// panics if the shape is not valid (see "Sizes" in the package documentation) or does not
// hold len(data) elements.
func From[T Element](data []T, shape ...int) *Tensor {
	if shape == nil {
		shape = []int{len(data)}
	}
	if n := checkedNumel("tensor.From", shape); n != len(data) {
		panicf("tensor.From", "shape %s needs %d elements, got %d", shapeStr(shape), n, len(data))
	}
	t := allocChecked("tensor.From", CPU, DTypeOf[T](), shape)
	copy(cpuData[T](t.st.buf), data)
	return t
}

// Scalar returns a 0-d CPU tensor holding v.
func Scalar[T Element](v T) *Tensor {
	return From([]T{v}, Shape{}...)
}

// Empty returns a tensor of the given shape whose contents are unspecified: it skips the fill
// when every element will be written anyway. It panics if the shape is not valid or its size
// in bytes overflows int (see "Sizes" in the package documentation), or if an option is.
func Empty(shape Shape, opts ...Option) *Tensor {
	o := makeOptions("tensor.Empty", opts)
	return allocChecked("tensor.Empty", o.dev, o.dtype, shape)
}

// Full returns a tensor of the given shape with every element v (Float32 on the CPU unless
// options say otherwise). It panics if the shape is not valid or its size in bytes overflows
// int (see "Sizes" in the package documentation), if an option is, or if v is not an integer
// that int64 holds and the dtype is Int64.
func Full(shape Shape, v float64, opts ...Option) *Tensor { return full("tensor.Full", shape, v, opts) }

// Zeros returns a tensor of zeros. It panics as Full does.
func Zeros(shape Shape, opts ...Option) *Tensor { return full("tensor.Zeros", shape, 0, opts) }

// Ones returns a tensor of ones. It panics as Full does.
func Ones(shape Shape, opts ...Option) *Tensor { return full("tensor.Ones", shape, 1, opts) }

func full(op string, shape Shape, v float64, opts []Option) *Tensor {
	o := makeOptions(op, opts)
	checkedBytes(op, o.dtype, shape)
	checkScalarFor(op, o.dtype, shape, v)
	t := alloc(o.dev, o.dtype, shape)
	o.dev.Fill(t.strided(), v)
	return t
}

// ZerosLike returns a tensor of zeros with t's shape, dtype and device.
func ZerosLike(t *Tensor) *Tensor { return FullLike(t, 0) }

// OnesLike returns a tensor of ones with t's shape, dtype and device.
func OnesLike(t *Tensor) *Tensor { return FullLike(t, 1) }

// FullLike returns a tensor filled with v with t's shape, dtype and device. It panics if t's
// size in bytes overflows int (t may be expanded), or as Full does for v.
func FullLike(t *Tensor, v float64) *Tensor {
	st := t.live("tensor.FullLike")
	checkedBytes("tensor.FullLike", st.buf.DType(), t.layout.Shape)
	return Full(t.layout.Shape, v, st.buf.DType(), On(st.dev))
}

// EmptyLike returns a tensor with t's shape, dtype and device and unspecified contents. It
// panics if t's size in bytes overflows int (t may be expanded).
func EmptyLike(t *Tensor) *Tensor {
	st := t.live("tensor.EmptyLike")
	return allocChecked("tensor.EmptyLike", st.dev, st.buf.DType(), t.layout.Shape)
}

// Arange returns the 1-D tensor start, start+step, ... up to but excluding end, like
// torch.arange. It panics if step is 0 or has the wrong sign for the range, or if the number
// of values does not fit in an int or their size in bytes overflows int.
func Arange(start, end, step float64, opts ...Option) *Tensor {
	const op = "tensor.Arange"
	o := makeOptions(op, opts)
	if step == 0 || math.IsNaN(start+end+step) || math.IsInf(start, 0) || math.IsInf(end, 0) || (end-start)*step < 0 {
		panicf(op, "bad range start=%g end=%g step=%g", start, end, step)
	}
	count := math.Ceil((end - start) / step) // +Inf when end-start overflows
	if !(count < 1<<63) {
		panicf(op, "range start=%g end=%g step=%g holds %g values, more than an int counts", start, end, step, count)
	}
	return generate(op, []int{int(count)}, o, func(off int, vals []float64) {
		for i := range vals {
			vals[i] = start + float64(off+i)*step
		}
	})
}

// Linspace returns steps evenly spaced values from start to end inclusive, like
// torch.linspace. It panics if steps is negative or the values' size in bytes overflows int.
func Linspace(start, end float64, steps int, opts ...Option) *Tensor {
	const op = "tensor.Linspace"
	o := makeOptions(op, opts)
	if steps < 0 {
		panicf(op, "negative number of steps %d", steps)
	}
	h := (end - start) / float64(max(steps-1, 1))
	half := steps / 2
	return generate(op, []int{steps}, o, func(off int, vals []float64) {
		for j := range vals {
			// Fill from both ends like torch, so the last value is exactly end.
			switch i := off + j; {
			case steps == 1:
				vals[j] = start
			case i < half:
				vals[j] = start + h*float64(i)
			default:
				vals[j] = end - h*float64(steps-1-i)
			}
		}
	})
}

// Eye returns the n×n identity matrix. It panics if n is negative, if n*n overflows int, or
// if the matrix's size in bytes does.
func Eye(n int, opts ...Option) *Tensor {
	const op = "tensor.Eye"
	o := makeOptions(op, opts)
	checkedNumel(op, []int{n})
	t := allocChecked(op, o.dev, o.dtype, []int{n, n})
	o.dev.Fill(t.strided(), 0)
	// The diagonal: stride n+1 (no overflow, since n*n fits).
	o.dev.Fill(Strided{Buf: t.st.buf, Layout: Layout{Shape: []int{n}, Strides: []int{n + 1}}}, 1)
	return t
}

// generateBlock is how many values generate makes and writes at a time.
const generateBlock = 1 << 14

// generate returns a new tensor of shape with o's dtype and device whose elements, in
// row-major order, next makes: next(off, vals) fills vals with the elements from index off
// on, converted to the dtype as Go converts S. The tensor is allocated first (after checking
// the shape and its size in bytes, with the panics named after op) and filled a block at a
// time, so no host slice of the whole tensor is built: a tensor too large for its device
// fails in the device's Alloc before host memory is spent on it.
func generate[S float64 | int64](op string, shape []int, o options, next func(off int, vals []S)) *Tensor {
	n := checkedBytes(op, o.dtype, shape)
	t := alloc(o.dev, o.dtype, shape)
	vals := make([]S, min(n, generateBlock))
	for off := 0; off < n; {
		v := vals[:min(len(vals), n-off)]
		next(off, v)
		// Each block is converted to a slice of the dtype, which Write copies (see Device).
		switch o.dtype {
		case Float32:
			o.dev.Write(t.st.buf, off, convertElems[float32](v))
		case Float64:
			o.dev.Write(t.st.buf, off, convertElems[float64](v))
		case Int64:
			o.dev.Write(t.st.buf, off, convertElems[int64](v))
		}
		off += len(v)
	}
	return t
}

// To returns the tensor on device d, copying when d is not t's device (the result is then
// contiguous). When t is already there it returns a view of t: a new tensor over the same
// storage. It panics if d is nil or the copy's size in bytes overflows int (t may be
// expanded).
func (t *Tensor) To(d Device) *Tensor {
	st := t.live("tensor.To")
	if d == nil {
		panicf("tensor.To", "nil device")
	}
	if st.dev == d {
		return t.view(t.layout.Clone())
	}
	src := t
	if !t.layout.IsContiguous() {
		src = t.cloneAs("tensor.To")
		defer src.Release()
	}
	out := allocChecked("tensor.To", d, st.buf.DType(), t.layout.Shape)
	transfer(d, out.st.buf, 0, st.dev, src.st.buf, src.layout.Offset, t.Numel())
	keep(src)
	return out
}

// transfer copies n elements from src (a buffer of device from, starting at srcOff) into dst
// (a buffer of device to, at dstOff): by the destination's Transferer when it has one that
// takes the pair, straight from or into the Go slice of a CPU buffer, and through a host
// slice otherwise.
func transfer(to Device, dst Buffer, dstOff int, from Device, src Buffer, srcOff, n int) {
	if n == 0 {
		return
	}
	if tr, ok := to.(Transferer); ok && tr.Transfer(dst, dstOff, from, src, srcOff, n) {
		return
	}
	switch {
	case from == CPU:
		to.Write(dst, dstOff, cpuSlice(src, srcOff, n))
	case to == CPU:
		from.Read(src, srcOff, cpuSlice(dst, dstOff, n))
	default:
		var h any
		switch src.DType() {
		case Float32:
			h = make([]float32, n)
		case Float64:
			h = make([]float64, n)
		case Int64:
			h = make([]int64, n)
		}
		from.Read(src, srcOff, h)
		to.Write(dst, dstOff, h)
	}
}

// cpuSlice returns elements off..off+n of a CPU buffer as a slice of its own element type.
func cpuSlice(b Buffer, off, n int) any {
	switch b.DType() {
	case Float32:
		return cpuData[float32](b)[off : off+n]
	case Float64:
		return cpuData[float64](b)[off : off+n]
	}
	return cpuData[int64](b)[off : off+n]
}

// AsType returns the tensor converted to dtype dt (floats to Int64 truncate toward zero), or a
// view of t (a new tensor over the same storage) if it already has that dtype. It panics if dt
// is not a valid dtype or the result's size in bytes overflows int.
func (t *Tensor) AsType(dt DType) *Tensor {
	st := t.live("tensor.AsType")
	if !dt.Valid() {
		panicf("tensor.AsType", "invalid dtype %d", uint8(dt))
	}
	if st.buf.DType() == dt {
		return t.view(t.layout.Clone())
	}
	out := allocChecked("tensor.AsType", st.dev, dt, t.layout.Shape)
	st.dev.Copy(out.strided(), t.strided())
	keep(t)
	return out
}

// Contiguous returns a view of t (a new tensor over the same storage) if t is already
// contiguous, else a contiguous copy. It panics if the copy's size in bytes overflows int (t
// may be expanded).
func (t *Tensor) Contiguous() *Tensor {
	t.live("tensor.Contiguous")
	if t.layout.IsContiguous() {
		return t.view(t.layout.Clone())
	}
	return t.cloneAs("tensor.Contiguous")
}

// Clone returns a contiguous copy of t that shares nothing with it. It panics if the copy's
// size in bytes overflows int (t may be expanded).
func (t *Tensor) Clone() *Tensor { return t.cloneAs("tensor.Clone") }

// cloneAs is Clone with its panics named after op.
func (t *Tensor) cloneAs(op string) *Tensor {
	st := t.live(op)
	out := allocChecked(op, st.dev, st.buf.DType(), t.layout.Shape)
	st.dev.Copy(out.strided(), t.strided())
	keep(t)
	return out
}

// hostCopy returns the elements in row-major order as a Go slice of the tensor's own dtype,
// after checking that they fit in a Go slice of dtype want too, the type the caller converts
// them to.
func (t *Tensor) hostCopy(name string, want DType) any {
	st := t.live(name)
	checkedBytes(name, want, t.layout.Shape)
	src := t
	if !t.layout.IsContiguous() {
		src = t.cloneAs(name)
		defer src.Release()
	}
	n := t.Numel()
	var out any
	switch st.buf.DType() {
	case Float32:
		out = make([]float32, n)
	case Float64:
		out = make([]float64, n)
	case Int64:
		out = make([]int64, n)
	}
	if n > 0 {
		st.dev.Read(src.st.buf, src.layout.Offset, out)
	}
	keep(src)
	return out
}

// Float32s returns a copy of the elements in row-major order, converted to float32. It panics
// if their size in bytes overflows int (t may be expanded).
func (t *Tensor) Float32s() []float32 {
	return convertSlice[float32](t.hostCopy("tensor.Float32s", Float32))
}

// Float64s returns a copy of the elements in row-major order, converted to float64. It panics
// if their size in bytes overflows int (t may be expanded).
func (t *Tensor) Float64s() []float64 {
	return convertSlice[float64](t.hostCopy("tensor.Float64s", Float64))
}

// Int64s returns a copy of the elements in row-major order, converted to int64 (floats
// truncate toward zero). It panics if their size in bytes overflows int (t may be expanded).
func (t *Tensor) Int64s() []int64 { return convertSlice[int64](t.hostCopy("tensor.Int64s", Int64)) }

func convertSlice[D Element](v any) []D {
	switch s := v.(type) {
	case []D:
		return s
	case []float32:
		return convertElems[D](s)
	case []float64:
		return convertElems[D](s)
	case []int64:
		return convertElems[D](s)
	}
	panicf("tensor.convert", "unexpected %T", v)
	return nil
}

func convertElems[D, S Element](s []S) []D {
	out := make([]D, len(s))
	for i, x := range s {
		out[i] = D(x)
	}
	return out
}

// Item returns the only element of a one-element tensor as a float64. It panics if t has more
// than one element.
func (t *Tensor) Item() float64 {
	t.live("tensor.Item")
	if t.Numel() != 1 {
		panicf("tensor.Item", "tensor of shape %s has %d elements, not 1", shapeStr(t.layout.Shape), t.Numel())
	}
	return t.Float64s()[0]
}

// At returns the element at the given index (one coordinate per dimension, negative ones
// counting from the end) as a float64.
func (t *Tensor) At(index ...int) float64 {
	st := t.live("tensor.At")
	if len(index) != len(t.layout.Shape) {
		panicf("tensor.At", "%d indices for a tensor of shape %s", len(index), shapeStr(t.layout.Shape))
	}
	off := t.layout.Offset
	for i, x := range index {
		d := t.layout.Shape[i]
		if x < -d || x >= d {
			panicf("tensor.At", "index %d out of range for dimension %d of shape %s", x, i, shapeStr(t.layout.Shape))
		}
		if x < 0 {
			x += d
		}
		off += x * t.layout.Strides[i]
	}
	var v float64
	switch st.buf.DType() {
	case Float32:
		h := make([]float32, 1)
		st.dev.Read(st.buf, off, h)
		v = float64(h[0])
	case Float64:
		h := make([]float64, 1)
		st.dev.Read(st.buf, off, h)
		v = h[0]
	case Int64:
		h := make([]int64, 1)
		st.dev.Read(st.buf, off, h)
		v = float64(h[0])
	}
	keep(t)
	return v
}
