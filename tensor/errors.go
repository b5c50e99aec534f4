package tensor

import (
	"fmt"

	"github.com/godl/godl/tensor/internal/shapes"
)

func panicf(op, format string, args ...any) {
	panic(&Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

// Maybe calls fn and returns the *Error it panicked with, or nil if it returned normally.
// Panics of any other type are not recovered.
func Maybe(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			err = e
		}
	}()
	fn()
	return nil
}

// shapeStr formats shapes the way error messages show them: [2 3].
func shapeStr(shape []int) string { return shapes.Str(shape) }
