package tensor

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
)

// nilArgValue returns the argument a hostile caller passes for a parameter of type typ: nil
// for tensors (and nil elements in slices of them), zero for everything else.
func nilArgValue(typ reflect.Type, tensorArg *Tensor) reflect.Value {
	switch {
	case typ == reflect.TypeOf((*Tensor)(nil)):
		return reflect.ValueOf(tensorArg)
	case typ == reflect.TypeOf([]*Tensor(nil)):
		return reflect.ValueOf([]*Tensor{vwSeq(2, 3), tensorArg})
	}
	return reflect.Zero(typ)
}

// callForPanic calls fn with args and returns what it panicked with, or nil.
func callForPanic(fn reflect.Value, args []reflect.Value, variadic bool) (r any) {
	defer func() { r = recover() }()
	if variadic {
		fn.CallSlice(args)
	} else {
		fn.Call(args)
	}
	return nil
}

// TestNilArgumentsPanicWithError calls every method of *Tensor with a nil receiver, and
// every method and function that takes tensors with nil in their place, and checks that
// whatever panics does so with *Error, never with a nil dereference. Then it does the same
// with released tensors.
func TestNilArgumentsPanicWithError(t *testing.T) {
	t.Run("nil", func(t *testing.T) { badTensorArguments(t, func() *Tensor { return nil }) })
	t.Run("released", func(t *testing.T) {
		badTensorArguments(t, func() *Tensor {
			x := vwSeq(2, 3)
			x.Release()
			return x
		})
	})
}

func badTensorArguments(t *testing.T, bad func() *Tensor) {
	check := func(name string, fn reflect.Value, args []reflect.Value, variadic bool) {
		r := callForPanic(fn, args, variadic)
		if r == nil {
			return
		}
		_, ok := r.(*Error)
		assert.True(t, ok, "%s panicked with %T: %v", name, r, r)
	}
	typ := reflect.TypeOf((*Tensor)(nil))
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		mt := m.Type
		// A nil receiver, the other arguments zero.
		args := []reflect.Value{reflect.ValueOf(bad())}
		for j := 1; j < mt.NumIn(); j++ {
			args = append(args, nilArgValue(mt.In(j), bad()))
		}
		if m.Name != "Release" && m.Name != "Released" && m.Name != "String" && m.Name != "Format" {
			check("(*Tensor)(nil)."+m.Name, m.Func, args, mt.IsVariadic())
		}
		// A live receiver and nil tensor arguments.
		hasTensor := false
		args = []reflect.Value{reflect.ValueOf(vwSeq(2, 3))}
		for j := 1; j < mt.NumIn(); j++ {
			in := mt.In(j)
			hasTensor = hasTensor || in == typ || in == reflect.TypeOf([]*Tensor(nil))
			args = append(args, nilArgValue(in, bad()))
		}
		if hasTensor {
			check(fmt.Sprintf("x.%s(nil)", m.Name), m.Func, args, mt.IsVariadic())
		}
	}
	funcs := map[string]any{
		"ZerosLike": ZerosLike, "OnesLike": OnesLike, "FullLike": FullLike, "EmptyLike": EmptyLike,
		"Where": Where, "Cat": Cat, "Stack": Stack, "MatMul": MatMul, "Variance": Variance,
	}
	for name, f := range funcs {
		fv := reflect.ValueOf(f)
		ft := fv.Type()
		nt := 0
		for j := range ft.NumIn() {
			if ft.In(j) == typ {
				nt++
			}
		}
		// nil in each tensor position in turn, live tensors elsewhere.
		for pos := range max(nt, 1) {
			var args []reflect.Value
			k := 0
			for j := range ft.NumIn() {
				in := ft.In(j)
				tv := bad()
				if in == typ {
					if k != pos {
						tv = vwSeq(2, 3)
					}
					k++
				}
				args = append(args, nilArgValue(in, tv))
			}
			_ = k
			check(fmt.Sprintf("%s with nil argument %d", name, pos), fv, args, ft.IsVariadic())
		}
	}
	if bad() != nil {
		return
	}
	// Slices of tensors holding nil, and nil options.
	for name, fn := range map[string]func(){
		"Cat([nil])":           func() { Cat([]*Tensor{nil}, 0) },
		"Stack([nil])":         func() { Stack([]*Tensor{nil}, 0) },
		"Stack([x, nil])":      func() { Stack([]*Tensor{vwSeq(2), nil}, 0) },
		"Zeros(nil option)":    func() { Zeros(Shape{2}, nil) },
		"On(nil)":              func() { Zeros(Shape{2}, On(nil)) },
		"To(nil)":              func() { vwSeq(2).To(nil) },
		"MatMul(nil, nil)":     func() { MatMul(nil, nil) },
		"Where(nil, nil, nil)": func() { Where(nil, nil, nil) },
	} {
		r := func() (r any) {
			defer func() { r = recover() }()
			fn()
			return nil
		}()
		_, ok := r.(*Error)
		assert.True(t, ok, "%s panicked with %T: %v", name, r, r)
	}
}
