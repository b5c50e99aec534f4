package tensor

import (
	"fmt"
	"strings"
)

// Error is the value of every panic caused by a caller bug: shapes that do not fit, an axis or
// index out of range, mixed dtypes or devices, use of a released tensor. Its message names the
// operation and the operands' shapes, as in
//
//	tensor.MatMul: shapes [2 3] and [4 5] are not aligned
//
// Errors from the outside world (files, devices) are returned as error values instead.
type Error struct {
	Op  string // the operation that panicked, such as "tensor.MatMul"
	Msg string // what was wrong with its operands
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Op + ": " + e.Msg }

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
func shapeStr(shape []int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, d := range shape {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, d)
	}
	b.WriteByte(']')
	return b.String()
}
