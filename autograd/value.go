package autograd

import (
	"fmt"

	"github.com/godl/godl/tensor"
)

// Value is a tensor that takes part in differentiation. A leaf Value wraps data supplied from
// outside (parameters, inputs); every other Value is the output of an operation, and remembers
// that operation while any of its inputs requires a gradient.
type Value struct {
	data         *tensor.Tensor
	grad         *tensor.Tensor
	requiresGrad bool
	retainGrad   bool
	noGrad       bool  // operations on this value record nothing (see NoGrad)
	node         *node // the operation that produced this value; nil for leaves and constants
	out          int   // which output of node this value is
}

// New returns a leaf Value over t. If requiresGrad is true, Backward accumulates the gradient
// of t into Grad.
func New(t *tensor.Tensor, requiresGrad bool) *Value {
	if t == nil {
		panicf("autograd.New", "nil tensor")
	}
	if requiresGrad && !t.DType().IsFloat() {
		panicf("autograd.New", "only floating-point tensors can require a gradient, got %s of shape %v", t.DType(), t.Shape())
	}
	return &Value{data: t, requiresGrad: requiresGrad}
}

// Param returns a leaf Value over t that requires a gradient: a parameter or an input to
// differentiate with respect to.
func Param(t *tensor.Tensor) *Value { return New(t, true) }

// Const returns a leaf Value over t that does not require a gradient.
func Const(t *tensor.Tensor) *Value { return New(t, false) }

// Data returns the tensor the value holds. Writing to it in place while a graph that saved it
// is alive makes that graph's Backward panic.
func (v *Value) Data() *tensor.Tensor { return v.data }

// Grad returns the accumulated gradient, or nil if none has been computed. Only leaves that
// require a gradient (and values marked with RetainGrad) receive one.
func (v *Value) Grad() *tensor.Tensor { return v.grad }

// SetGrad replaces the accumulated gradient (nil clears it). The next Backward adds to it.
func (v *Value) SetGrad(g *tensor.Tensor) {
	if g != nil && !g.Shape().Equal(v.data.Shape()) {
		panicf("autograd.SetGrad", "gradient of shape %v for a value of shape %v", g.Shape(), v.data.Shape())
	}
	v.grad = g
}

// SetData replaces the tensor a leaf holds, keeping the Value itself: PyTorch's
// param.data = t. Moving a model to another device and loading a checkpoint in place use it,
// so that optimizer state keyed by the *Value, and every other reference to it, stays valid.
// t must have the shape and dtype of the current data; its device may differ, and an
// accumulated gradient is moved along to it. The old tensor is not released (views of it, or
// other holders, stay valid).
//
// Call it between training steps: graphs recorded earlier hold the old tensor, so no graph
// through v may be awaiting Backward. It panics for a non-leaf value, or if the shape or
// dtype differ.
func (v *Value) SetData(t *tensor.Tensor) {
	const name = "autograd.SetData"
	checkValue(name, "value", v)
	checkTensor(name, "tensor", t)
	if v.node != nil {
		panicf(name, "not a leaf (the value was computed by %s); only leaves hold data of their own", v.node.op.name)
	}
	if !t.Shape().Equal(v.data.Shape()) || t.DType() != v.data.DType() {
		panicf(name, "new data is %s of shape %v, the value holds %s of shape %v", t.DType(), t.Shape(), v.data.DType(), v.data.Shape())
	}
	if v.grad != nil && v.grad.Device() != t.Device() {
		g := v.grad.To(t.Device())
		v.grad.Release()
		v.grad = g
	}
	v.data = t
}

// ZeroGrad clears the accumulated gradient, returning its memory to the pool (like PyTorch's
// zero_grad(set_to_none=True)).
func (v *Value) ZeroGrad() {
	if v.grad != nil {
		v.grad.Release()
		v.grad = nil
	}
}

// RequiresGrad reports whether gradients flow to or through this value.
func (v *Value) RequiresGrad() bool { return v.requiresGrad }

// SetRequiresGrad turns gradient accumulation on or off for a leaf. It panics for a non-leaf
// value, whose requirement follows from its inputs.
func (v *Value) SetRequiresGrad(b bool) *Value {
	if v.node != nil {
		panicf("autograd.SetRequiresGrad", "not a leaf; use Detach")
	}
	if b && !v.data.DType().IsFloat() {
		panicf("autograd.SetRequiresGrad", "only floating-point tensors can require a gradient, got %s", v.data.DType())
	}
	v.requiresGrad = b
	return v
}

// IsLeaf reports whether the value was created from outside rather than by an operation that
// recorded a graph.
func (v *Value) IsLeaf() bool { return v.node == nil }

// Op returns the name of the operation that produced the value ("" for a leaf), like the
// grad_fn of a PyTorch tensor.
func (v *Value) Op() string {
	if v.node == nil {
		return ""
	}
	return v.node.op.name
}

// RetainGrad makes Backward store this non-leaf value's gradient in Grad as well.
func (v *Value) RetainGrad() *Value {
	if v.requiresGrad {
		v.retainGrad = true
	}
	return v
}

// Detach returns a leaf that does not require a gradient, over the same storage as v's data
// (a new tensor handle on it, so that releasing the detached data leaves v intact): the graph
// stops there.
func (v *Value) Detach() *Value { return &Value{data: v.data.Alias()} }

// Shape returns the shape of the value's data.
func (v *Value) Shape() tensor.Shape { return v.data.Shape() }

// Size returns the size of one dimension (negative counts from the end).
func (v *Value) Size(axis int) int { return v.data.Size(axis) }

// NDim returns the number of dimensions.
func (v *Value) NDim() int { return v.data.NDim() }

// DType returns the element type.
func (v *Value) DType() tensor.DType { return v.data.DType() }

// Item returns the only element of a one-element value.
func (v *Value) Item() float64 { return v.data.Item() }

// String prints the data, and the producing operation if any.
func (v *Value) String() string {
	if v.node != nil {
		return fmt.Sprintf("%v (op=%s)", v.data, v.node.op.name)
	}
	if v.requiresGrad {
		return fmt.Sprintf("%v (requires grad)", v.data)
	}
	return fmt.Sprint(v.data)
}

// NoGrad returns a value over v's data (a new tensor handle on the same storage) in no-grad
// mode, the counterpart of PyTorch's torch.no_grad for one computation rather than one
// thread: an operation that takes a value in no-grad mode records no graph, whatever its
// other inputs (parameters included), and returns its result in no-grad mode too. So a
// forward pass that starts from x.NoGrad() records nothing and allocates no graph, while
// other goroutines go on recording their own training steps.
//
// A constant created inside such a forward pass is not in no-grad mode until it meets a value
// that is: an operation between a parameter and such a constant, before the input is reached,
// still records. Mark those constants with NoGrad too (the nn layers do so for the states they
// create).
func (v *Value) NoGrad() *Value {
	checkValue("autograd.NoGrad", "value", v)
	return &Value{data: v.data.Alias(), noGrad: true}
}

// IsNoGrad reports whether v is in no-grad mode: marked with NoGrad, or computed from a value
// that was.
func (v *Value) IsNoGrad() bool { return v.noGrad }
