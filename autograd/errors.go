package autograd

import (
	"fmt"

	"github.com/godl/godl/tensor"
)

// panicf panics with a *tensor.Error for op. Caller bugs in autograd panic with the same typed
// value as in package tensor, so that tensor.Maybe recovers both.
func panicf(op, format string, args ...any) {
	panic(&tensor.Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

// checkValue panics with a *tensor.Error naming op and what the argument is if v is nil, or
// if its data is.
func checkValue(op, what string, v *Value) {
	if v == nil {
		panicf(op, "nil %s", what)
	}
	if v.data == nil {
		panicf(op, "%s has no data (the zero Value is not usable; use Param, Const or New)", what)
	}
}

// checkTensor panics with a *tensor.Error naming op and what the argument is if t is nil.
func checkTensor(op, what string, t *tensor.Tensor) {
	if t == nil {
		panicf(op, "nil %s", what)
	}
}
