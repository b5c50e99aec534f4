package autograd

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/godl/godl/tensor"
)

// TestNilArgumentsPanicWithTypedErrors checks that nil values, tensors and generators passed
// to autograd's functions panic with a *tensor.Error naming the function and the argument, not
// with a nil-pointer dereference.
func TestNilArgumentsPanicWithTypedErrors(t *testing.T) {
	x := Param(tensor.Ones(tensor.Shape{2, 3}, tensor.Float64))
	idx := tensor.From([]int64{0, 1})
	var nv *Value
	var nt *tensor.Tensor
	for _, c := range []struct {
		want string
		fn   func()
	}{
		{"autograd.Dropout: nil RNG: training with p = 0.5 draws a mask from it (use tensor.NewRNG(seed))", func() { Dropout(x, 0.5, true, nil) }},
		{"autograd.Dropout: nil value", func() { Dropout(nil, 0.5, true, tensor.NewRNG(1)) }},
		{"autograd.Dropout: probability 1.5 outside [0, 1]", func() { Dropout(x, 1.5, true, tensor.NewRNG(1)) }},
		{"autograd.IndexSelect: nil index tensor", func() { x.IndexSelect(0, nil) }},
		{"autograd.IndexSelect: nil value", func() { nv.IndexSelect(0, idx) }},
		{"autograd.IndexAdd: nil index tensor", func() { x.IndexAdd(0, nt, x) }},
		{"autograd.IndexAdd: nil source", func() { x.IndexAdd(0, idx, nil) }},
		{"autograd.Gather: nil index tensor", func() { x.Gather(0, nil) }},
		{"autograd.ScatterAdd: nil index tensor", func() { x.ScatterAdd(0, nil, x) }},
		{"autograd.ScatterAdd: nil source", func() { x.ScatterAdd(0, idx.Reshape(1, 2), nil) }},
		{"autograd.MatMul: nil second operand", func() { MatMul(x, nil) }},
		{"autograd.MatMul: nil first operand", func() { nv.MatMul(x) }},
		{"autograd.Where: nil condition", func() { Where(nil, x, x) }},
		{"autograd.Where: nil y", func() { Where(idx, x, nil) }},
		{"autograd.MaskedFill: nil mask", func() { x.MaskedFill(nil, 0) }},
		{"autograd.Cat: nil value 1", func() { Cat([]*Value{x, nil}, 0) }},
		{"autograd.Stack: nil value 0", func() { Stack([]*Value{nil, x}, 0) }},
		{"autograd.CrossEntropy: nil targets", func() { CrossEntropy(x, nil) }},
	} {
		opsPanicsWithError(t, c.want, c.fn)
	}
}

// TestDropoutNeedsNoRNGWhenItDrawsNoMask checks that evaluation (and p = 0) returns v itself,
// so that an inference program needs no generator.
func TestDropoutNeedsNoRNGWhenItDrawsNoMask(t *testing.T) {
	x := Param(tensor.Ones(tensor.Shape{2, 3}, tensor.Float64))
	assert.Same(t, x, Dropout(x, 0.5, false, nil), "evaluation")
	assert.Same(t, x, Dropout(x, 0, true, nil), "p = 0")
}
