package tensor

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vwPanicMsg runs fn, requires it to panic with a *Error, and returns the error's message.
func vwPanicMsg(t *testing.T, fn func()) (msg string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		require.NotNil(t, r, "expected a panic")
		e, ok := r.(*Error)
		require.Truef(t, ok, "panic value is %T (%v), want *tensor.Error", r, r)
		msg = e.Error()
	}()
	fn()
	return ""
}

// vwAssertPanic checks that fn panics with a *Error whose message is exactly want.
func vwAssertPanic(t *testing.T, want string, fn func()) {
	t.Helper()
	assert.Equal(t, want, vwPanicMsg(t, fn))
}

func TestErrorMessageFormat(t *testing.T) {
	e := &Error{Op: "tensor.MatMul", Msg: "shapes [2 3] and [4 5] are not aligned"}
	assert.Equal(t, "tensor.MatMul: shapes [2 3] and [4 5] are not aligned", e.Error())

	var err error = e
	var target *Error
	require.True(t, errors.As(fmt.Errorf("wrapped: %w", err), &target))
	assert.Equal(t, "tensor.MatMul", target.Op)
}

func TestPanicfBuildsError(t *testing.T) {
	msg := vwPanicMsg(t, func() { panicf("tensor.Op", "shape %s and %d", shapeStr([]int{2, 3}), 7) })
	assert.Equal(t, "tensor.Op: shape [2 3] and 7", msg)
}

func TestShapeStr(t *testing.T) {
	tests := []struct {
		shape []int
		want  string
	}{
		{nil, "[]"},
		{[]int{}, "[]"},
		{[]int{5}, "[5]"},
		{[]int{2, 3, 0}, "[2 3 0]"},
		{[]int{-1, 4}, "[-1 4]"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, shapeStr(tc.shape))
		assert.Equal(t, tc.want, Shape(tc.shape).String())
	}
}

func TestMaybe(t *testing.T) {
	t.Run("no panic", func(t *testing.T) {
		ran := false
		assert.NoError(t, Maybe(func() { ran = true }))
		assert.True(t, ran)
	})
	t.Run("tensor error", func(t *testing.T) {
		err := Maybe(func() {
			MatMul(Zeros(Shape{2, 3}), Zeros(Shape{4, 5}))
		})
		require.Error(t, err)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, "tensor.MatMul", e.Op)
		assert.Equal(t, "tensor.MatMul: shapes [2 3] and [4 5] are not aligned", err.Error())
	})
	t.Run("other panics pass through", func(t *testing.T) {
		for _, v := range []any{"a string", errors.New("plain error"), 42, Error{Op: "x", Msg: "value, not pointer"}} {
			assert.PanicsWithValue(t, v, func() { _ = Maybe(func() { panic(v) }) })
		}
	})
	t.Run("runtime error passes through", func(t *testing.T) {
		assert.Panics(t, func() {
			_ = Maybe(func() {
				var s []int
				_ = s[3]
			})
		})
	})
	t.Run("nested", func(t *testing.T) {
		outer := Maybe(func() {
			inner := Maybe(func() { panicf("tensor.Inner", "boom") })
			assert.EqualError(t, inner, "tensor.Inner: boom")
			panicf("tensor.Outer", "bang")
		})
		assert.EqualError(t, outer, "tensor.Outer: bang")
	})
}
