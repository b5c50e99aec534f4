package device

import "fmt"

// DType is the element type of a buffer (and of the tensors over it). The zero value is
// Float32, the type used for training.
type DType uint8

const (
	// Float32 is 32-bit IEEE 754 floating point, the default for training.
	Float32 DType = iota
	// Float64 is 64-bit IEEE 754 floating point, for gradient checks and reference computations.
	Float64
	// Int64 is a 64-bit signed integer, for indices and labels.
	Int64
)

// Element is the set of Go types a buffer can hold.
type Element interface {
	float32 | float64 | int64
}

// String returns the dtype's name as PyTorch spells it without the "torch." prefix.
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	case Int64:
		return "int64"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size returns the number of bytes one element occupies. It panics for an invalid dtype.
func (d DType) Size() int {
	switch d {
	case Float32:
		return 4
	case Float64, Int64:
		return 8
	}
	Panicf("tensor.DType.Size", "invalid dtype %d", uint8(d))
	return 0
}

// IsFloat reports whether d is a floating-point dtype.
func (d DType) IsFloat() bool { return d == Float32 || d == Float64 }

// Valid reports whether d is one of the dtypes above.
func (d DType) Valid() bool { return d <= Int64 }

// DTypeOf returns the dtype that holds elements of Go type T.
func DTypeOf[T Element]() DType {
	var z T
	switch any(z).(type) {
	case float32:
		return Float32
	case float64:
		return Float64
	default:
		return Int64
	}
}

// ByDType returns the one of its arguments that serves dtype dt: the instance of a generic
// kernel for dt's element type, chosen in one place instead of a switch per kernel (candle's
// Map1 pattern):
//
//	device.ByDType(dst.Buf.DType(), fill[float32], fill[float64], fill[int64])(dst, v)
//
// It panics for an invalid dtype.
func ByDType[F any](dt DType, f32, f64, i64 F) F {
	switch dt {
	case Float32:
		return f32
	case Float64:
		return f64
	case Int64:
		return i64
	}
	Panicf("tensor.ByDType", "invalid dtype %d", uint8(dt))
	return f32
}
