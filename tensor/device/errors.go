package device

import "fmt"

// Error is the value of every panic caused by a caller bug, in package tensor and in every
// backend: shapes that do not fit, an axis or index out of range, mixed dtypes or devices,
// use of a released tensor. Its message names the operation and the operands' shapes, as in
//
//	tensor.MatMul: shapes [2 3] and [4 5] are not aligned
//
// Package tensor calls it tensor.Error (the same type). Errors from the outside world
// (files, driver status codes) are returned as error values instead.
type Error struct {
	Op  string // the operation that panicked, such as "tensor.MatMul"
	Msg string // what was wrong with its operands
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Op + ": " + e.Msg }

// Panicf panics with an *Error for op, its message formatted as by fmt.Sprintf. Kernels use
// it for what only the data can tell: an index out of range, an integer division by zero.
func Panicf(op, format string, args ...any) {
	panic(&Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}
