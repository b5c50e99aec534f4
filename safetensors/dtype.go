package safetensors

import (
	"encoding/binary"
	"math"

	"github.com/godl/godl/tensor"
)

// The dtypes of the format, as its header spells them, with their sizes in bytes.
var dtypeSizes = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// TensorDType returns the godl dtype a tensor of the file's dtype dt loads as, and whether it
// loads at all: F32, F16 and BF16 as Float32; F64 as Float64; I64, I32, I16, I8, U32, U16, U8
// and BOOL as Int64 (every value exact). U64 (which Int64 cannot hold whole) and the 8-bit
// floats do not load.
func TensorDType(dt string) (tensor.DType, bool) {
	switch dt {
	case "F32", "F16", "BF16":
		return tensor.Float32, true
	case "F64":
		return tensor.Float64, true
	case "I64", "I32", "I16", "I8", "U32", "U16", "U8", "BOOL":
		return tensor.Int64, true
	}
	return 0, false
}

// fileDType returns the format's name of a godl dtype.
func fileDType(dt tensor.DType) string {
	switch dt {
	case tensor.Float64:
		return "F64"
	case tensor.Int64:
		return "I64"
	}
	return "F32"
}

// decoders turn little-endian bytes of a file dtype into elements: src holds exactly
// len(dst) elements.
func decodeF32(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func decodeF16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = halfToFloat(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

func decodeBF16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
	}
}

func decodeF64(dst []float64, src []byte) {
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:]))
	}
}

func decodeInt(dt string) func(dst []int64, src []byte) {
	switch dt {
	case "I64":
		return func(dst []int64, src []byte) {
			for i := range dst {
				dst[i] = int64(binary.LittleEndian.Uint64(src[8*i:]))
			}
		}
	case "I32":
		return func(dst []int64, src []byte) {
			for i := range dst {
				dst[i] = int64(int32(binary.LittleEndian.Uint32(src[4*i:])))
			}
		}
	case "U32":
		return func(dst []int64, src []byte) {
			for i := range dst {
				dst[i] = int64(binary.LittleEndian.Uint32(src[4*i:]))
			}
		}
	case "I16":
		return func(dst []int64, src []byte) {
			for i := range dst {
				dst[i] = int64(int16(binary.LittleEndian.Uint16(src[2*i:])))
			}
		}
	case "U16":
		return func(dst []int64, src []byte) {
			for i := range dst {
				dst[i] = int64(binary.LittleEndian.Uint16(src[2*i:]))
			}
		}
	case "I8":
		return func(dst []int64, src []byte) {
			for i := range dst {
				dst[i] = int64(int8(src[i]))
			}
		}
	case "U8":
		return func(dst []int64, src []byte) {
			for i := range dst {
				dst[i] = int64(src[i])
			}
		}
	}
	// BOOL: any nonzero byte is true.
	return func(dst []int64, src []byte) {
		for i := range dst {
			dst[i] = 0
			if src[i] != 0 {
				dst[i] = 1
			}
		}
	}
}

// halfToFloat converts an IEEE 754 half-precision number to float32, exactly (every half is a
// float32), subnormals, infinities and NaN payloads included.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp == 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		// subnormal: man · 2⁻²⁴, normalized for float32
		e := uint32(127 - 15 + 1)
		for man&0x400 == 0 {
			man <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (man&0x3ff)<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}
