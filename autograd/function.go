package autograd

import (
	"reflect"

	"github.com/godl/godl/tensor"
)

// Function is a differentiable operation with a hand-written backward pass, the role of
// torch.autograd.Function: fused kernels (an LSTM gate update, attention) and users' own
// operations. Apply records it like any built-in operation, and GradCheck verifies it the
// same way.
//
// Keep per-call state in the Context (SaveForBackward) or in the fields of a Function value
// made for that call, not in a Function shared between calls.
type Function interface {
	// Forward computes the outputs from the inputs' data. It must not modify the inputs.
	Forward(ctx *Context, inputs []*tensor.Tensor) []*tensor.Tensor
	// Backward receives the gradient of each output (zeros for an output that received
	// none) and returns the gradient of each input: one entry per input, each with that
	// input's shape and dtype, or nil where ctx.NeedsInputGrad says none is needed. It must
	// not modify the gradients it receives.
	Backward(ctx *Context, grads []*tensor.Tensor) []*tensor.Tensor
}

// Context carries what a Function's Forward leaves for its Backward.
type Context struct {
	n       *node
	saved   []*tensor.Tensor
	needs   []bool
	pending []*tensor.Tensor // temporaries to release after Forward when nothing is recorded
}

// SaveForBackward keeps tensors for Backward (retrieved with Saved, in order). Backward
// panics if any of them was modified in place in between.
func (c *Context) SaveForBackward(ts ...*tensor.Tensor) {
	for _, t := range ts {
		if c.n != nil {
			c.n.save(t)
		}
		c.saved = append(c.saved, t)
	}
}

// Saved returns the tensors passed to SaveForBackward.
func (c *Context) Saved() []*tensor.Tensor { return c.saved }

// ReleaseWithGraph hands over temporaries that only the Function references (a mask, a cached
// activation): they are released, returning their memory to the pool, when the graph is, or
// right after Forward returns when no graph is recorded.
func (c *Context) ReleaseWithGraph(ts ...*tensor.Tensor) {
	for _, t := range ts {
		if c.n != nil {
			c.n.own(t)
		} else {
			c.pending = append(c.pending, t)
		}
	}
}

// NeedsInputGrad reports whether input i requires a gradient.
func (c *Context) NeedsInputGrad(i int) bool { return i < len(c.needs) && c.needs[i] }

// Recording reports whether a graph is being recorded, so that Forward can skip keeping
// anything for Backward when it is not.
func (c *Context) Recording() bool { return c.n != nil }

// Apply runs f on the inputs and, when any input requires a gradient and none is in no-grad
// mode, records it so that Backward calls f.Backward. It returns one value per output.
func Apply(f Function, inputs ...*Value) []*Value {
	name := "Function"
	if t := reflect.TypeOf(f); t != nil {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		name = t.Name()
	}
	var n *node
	if needsGraph(inputs...) {
		n = newNode(&opInfo{name: name}, inputs...)
		n.custom = true
	}
	ctx := &Context{n: n, needs: make([]bool, len(inputs))}
	if n != nil {
		copy(ctx.needs, n.needs)
	}
	outs := f.Forward(ctx, datas("autograd.Apply", inputs))
	if len(outs) == 0 {
		panicf("autograd.Apply", "%s.Forward returned no outputs", name)
	}
	for i, o := range outs {
		if o == nil {
			panicf("autograd.Apply", "%s.Forward returned nil output %d", name, i)
		}
	}
	if n == nil {
		for _, t := range ctx.pending {
			t.Release()
		}
		return constants(outs, inputs...)
	}
	return n.finish(func(g []*tensor.Tensor) []*tensor.Tensor { return f.Backward(ctx, g) }, outs...)
}
