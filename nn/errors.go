package nn

import (
	"fmt"

	"github.com/godl/godl/tensor"
)

// panicf panics with a *tensor.Error for op: caller bugs in nn panic with the same typed value
// as in packages tensor and autograd, so that tensor.Maybe recovers all of them.
func panicf(op, format string, args ...any) {
	panic(&tensor.Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}
