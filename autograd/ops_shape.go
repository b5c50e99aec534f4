package autograd

import (
	"fmt"

	"github.com/godl/godl/tensor"
)

var (
	opReshape    = register("Reshape")
	opTranspose  = register("Transpose")
	opPermute    = register("Permute")
	opNarrow     = register("Narrow")
	opSlice      = register("Slice")
	opSelect     = register("Select")
	opExpand     = register("Expand")
	opSqueeze    = register("Squeeze")
	opUnsqueeze  = register("Unsqueeze")
	opContiguous = register("Contiguous")
	opClone      = register("Clone")
	opAsType     = register("AsType")
	opUnbind     = register("Unbind")
	opSplit      = register("Split")
	opCat        = register("Cat")
	opStack      = register("Stack")
)

// reshapeLike records an operation whose gradient is the output gradient reshaped to the
// input's shape (Reshape, View, Flatten, Squeeze, Unsqueeze).
func (v *Value) reshapeLike(op *opInfo, out *tensor.Tensor) *Value {
	n := newNode1(op, v)
	if n == nil {
		return constant(out, v)
	}
	in := v.data.Shape()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].Reshape(in...)) }, out)
}

// Reshape returns v with a new shape (one size may be -1), as a view when possible.
func (v *Value) Reshape(shape ...int) *Value {
	return v.reshapeLike(opReshape, v.data.Reshape(shape...))
}

// View returns v viewed with a new shape; it panics if the strides do not allow a view.
func (v *Value) View(shape ...int) *Value { return v.reshapeLike(opReshape, v.data.View(shape...)) }

// Flatten merges dimensions start..end into one.
func (v *Value) Flatten(start, end int) *Value {
	return v.reshapeLike(opReshape, v.data.Flatten(start, end))
}

// Squeeze removes size-1 dimensions (the given ones, or all).
func (v *Value) Squeeze(axes ...int) *Value { return v.reshapeLike(opSqueeze, v.data.Squeeze(axes...)) }

// Unsqueeze inserts a size-1 dimension at axis.
func (v *Value) Unsqueeze(axis int) *Value {
	return v.reshapeLike(opUnsqueeze, v.data.Unsqueeze(axis))
}

// Transpose swaps dimensions a and b.
func (v *Value) Transpose(a, b int) *Value {
	out := v.data.Transpose(a, b)
	n := newNode1(opTranspose, v)
	if n == nil {
		return constant(out, v)
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].Transpose(a, b)) }, out)
}

// T returns the transpose of a matrix.
func (v *Value) T() *Value {
	if v.NDim() < 2 {
		return v.reshapeLike(opReshape, v.data.T())
	}
	return v.Transpose(0, 1)
}

// Permute reorders the dimensions: dimension i of the result is dimension dims[i] of v.
func (v *Value) Permute(dims ...int) *Value {
	out := v.data.Permute(dims...)
	n := newNode1(opPermute, v)
	if n == nil {
		return constant(out, v)
	}
	nd := len(dims)
	inv := make([]int, nd)
	for i, d := range dims {
		if d < 0 {
			d += nd
		}
		inv[d] = i
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].Permute(inv...)) }, out)
}

// pick records an operation that picks part of v (Narrow, Slice, Select). Its backward passes
// the output gradient on as it is, and the engine adds it into region(gradient of v) (see
// regionFunc): no gradient of v's full size is made per slice.
func (v *Value) pick(op *opInfo, out *tensor.Tensor, region regionFunc) *Value {
	n := newNode1(op, v)
	if n == nil {
		return constant(out, v)
	}
	n.region = region
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0]) }, out)
}

// Narrow returns the slice [start, start+length) of dimension axis (a view of v's data). Its
// backward costs what the slice costs. It panics with a *tensor.Error if v is nil or the
// slice is out of range.
func (v *Value) Narrow(axis, start, length int) *Value {
	checkValue("autograd.Narrow", "value", v)
	return v.pick(opNarrow, v.data.Narrow(axis, start, length), func(t *tensor.Tensor) *tensor.Tensor {
		return t.Narrow(axis, start, length)
	})
}

// Slice returns elements start, start+step, ... before end of dimension axis (see
// tensor.Tensor.Slice), a view of v's data. Its backward costs what the slice costs. It
// panics with a *tensor.Error if v is nil or the slice is out of range.
func (v *Value) Slice(axis, start, end, step int) *Value {
	checkValue("autograd.Slice", "value", v)
	return v.pick(opSlice, v.data.Slice(axis, start, end, step), func(t *tensor.Tensor) *tensor.Tensor {
		return t.Slice(axis, start, end, step)
	})
}

// Select returns the slice at index i of dimension axis, without that dimension (a view of
// v's data). Its backward costs what the slice costs; to take every slice, Unbind records one
// operation instead of one per slice. It panics with a *tensor.Error if v is nil or i is out
// of range.
func (v *Value) Select(axis, i int) *Value {
	checkValue("autograd.Select", "value", v)
	return v.pick(opSelect, v.data.Select(axis, i), func(t *tensor.Tensor) *tensor.Tensor {
		return t.Select(axis, i)
	})
}

// Unbind removes dimension axis and returns every slice along it, like torch.unbind: out[i]
// is v.Select(axis, i), a view of v's data. It records one operation for all of them, whose
// backward stacks the slices' gradients (zeros for those that received none). It panics with a
// *tensor.Error if v is nil, 0-d, or axis is out of range.
func (v *Value) Unbind(axis int) []*Value {
	const name = "autograd.Unbind"
	checkValue(name, "value", v)
	nd := v.data.NDim()
	if nd == 0 {
		panicf(name, "cannot unbind a 0-d value")
	}
	if axis < -nd || axis >= nd {
		panicf(name, "axis %d out of range for %d dimensions", axis, nd)
	}
	if axis < 0 {
		axis += nd
	}
	outs := make([]*tensor.Tensor, v.data.Size(axis))
	for i := range outs {
		outs[i] = v.data.Select(axis, i)
	}
	if len(outs) == 0 {
		return []*Value{}
	}
	n := newNode1(opUnbind, v)
	if n == nil {
		return constants(outs, v)
	}
	return n.finish(func(g []*tensor.Tensor) []*tensor.Tensor { return list(tensor.Stack(g, axis)) }, outs...)
}

// splitNode records the cutting of v into parts (views of v's data, in order along axis) as
// one operation, whose backward concatenates the parts' gradients (zeros for those that
// received none).
func (v *Value) splitNode(parts []*tensor.Tensor, axis int) []*Value {
	n := newNode1(opSplit, v)
	if n == nil {
		return constants(parts, v)
	}
	if axis < 0 {
		axis += v.data.NDim()
	}
	return n.finish(func(g []*tensor.Tensor) []*tensor.Tensor { return list(tensor.Cat(g, axis)) }, parts...)
}

// Split cuts v along axis into pieces of size each (the last may be smaller), like
// torch.split: views of v's data, recorded as one operation. It panics with a *tensor.Error if
// v is nil, size is not positive or axis is out of range.
func (v *Value) Split(size, axis int) []*Value {
	checkValue("autograd.Split", "value", v)
	return v.splitNode(v.data.Split(size, axis), axis)
}

// SplitSizes cuts v along axis into pieces of the given sizes, which must add up to the size
// of that dimension, like torch.split with a list: views of v's data, recorded as one
// operation. It panics with a *tensor.Error if v is nil, the sizes do not fit or axis is out
// of range.
func (v *Value) SplitSizes(sizes []int, axis int) []*Value {
	checkValue("autograd.SplitSizes", "value", v)
	return v.splitNode(v.data.SplitSizes(sizes, axis), axis)
}

// Chunk cuts v along axis into at most n pieces of equal size (the last may be smaller), like
// torch.chunk: views of v's data, recorded as one operation. It panics with a *tensor.Error if
// v is nil, n is not positive or axis is out of range.
func (v *Value) Chunk(n, axis int) []*Value {
	checkValue("autograd.Chunk", "value", v)
	return v.splitNode(v.data.Chunk(n, axis), axis)
}

// Expand broadcasts size-1 dimensions to the given shape (-1 keeps a size) without copying.
func (v *Value) Expand(shape ...int) *Value {
	out := v.data.Expand(shape...)
	n := newNode1(opExpand, v)
	if n == nil {
		return constant(out, v)
	}
	in := v.data.Shape()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].SumTo(in)) }, out)
}

// BroadcastTo broadcasts v to shape.
func (v *Value) BroadcastTo(shape tensor.Shape) *Value { return v.Expand(shape...) }

// Contiguous returns v with its data laid out contiguously (v's data itself when it already
// is, wrapped in a new value).
func (v *Value) Contiguous() *Value {
	out := v.data.Contiguous()
	n := newNode1(opContiguous, v)
	if n == nil {
		return constant(out, v)
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0]) }, out)
}

// Clone returns a copy of v that shares no memory with it; the gradient passes through.
func (v *Value) Clone() *Value {
	out := v.data.Clone()
	n := newNode1(opClone, v)
	if n == nil {
		return constant(out, v)
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0]) }, out)
}

// AsType returns v converted to the floating-point dtype dt (v itself if it already has it);
// the gradient is converted back. It panics for Int64, which cannot carry a gradient.
func (v *Value) AsType(dt tensor.DType) *Value {
	if !dt.IsFloat() {
		panicf("autograd.AsType", "%s cannot carry a gradient; convert v.Data() instead", dt)
	}
	if v.data.DType() == dt {
		return v
	}
	out := v.data.AsType(dt)
	n := newNode1(opAsType, v)
	if n == nil {
		return constant(out, v)
	}
	from := v.data.DType()
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].AsType(from)) }, out)
}

// datas returns the values' data; it panics with a *tensor.Error for op if one is nil.
func datas(op string, vs []*Value) []*tensor.Tensor {
	ts := make([]*tensor.Tensor, len(vs))
	for i, v := range vs {
		if v == nil || v.data == nil {
			checkValue(op, fmt.Sprintf("value %d", i), v)
		}
		ts[i] = v.data
	}
	return ts
}

// Cat concatenates values along axis. It panics with a *tensor.Error if a value is nil or the
// shapes do not fit.
func Cat(vs []*Value, axis int) *Value {
	out := tensor.Cat(datas("autograd.Cat", vs), axis)
	n := newNode(opCat, vs...)
	if n == nil {
		return constant(out, vs...)
	}
	sizes := make([]int, len(vs))
	for i, v := range vs {
		sizes[i] = v.Size(axis)
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		gs := g[0].SplitSizes(sizes, axis)
		for i := range gs {
			if !n.needs[i] {
				gs[i].Release()
				gs[i] = nil
			}
		}
		return gs
	}, out)
}

// Stack joins values of one shape along a new dimension at axis. It panics with a
// *tensor.Error if a value is nil or the shapes differ.
func Stack(vs []*Value, axis int) *Value {
	out := tensor.Stack(datas("autograd.Stack", vs), axis)
	n := newNode(opStack, vs...)
	if n == nil {
		return constant(out, vs...)
	}
	if axis < 0 {
		axis += out.NDim()
	}
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		gs := make([]*tensor.Tensor, len(vs))
		for i := range gs {
			if n.needs[i] {
				gs[i] = g[0].Select(axis, i)
			}
		}
		return gs
	}, out)
}
