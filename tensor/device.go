package tensor

import "github.com/godl/godl/tensor/device"

// The device contract lives in package device (github.com/godl/godl/tensor/device), which
// backends import; package tensor gives its types and constants the names users know.

type (
	// DType is the element type of a tensor; see device.DType.
	DType = device.DType
	// Element is the set of Go types a tensor can hold.
	Element = device.Element
	// Error is the value of every panic caused by a caller bug; see device.Error.
	Error = device.Error
	// Layout places a tensor's elements in its buffer; see device.Layout.
	Layout = device.Layout
	// Device is a compute backend; see device.Device for the contract a backend implements.
	Device = device.Device
	// Buffer is a block of device memory; see device.Buffer.
	Buffer = device.Buffer
	// Strided is a buffer seen through a layout, the form of every kernel operand.
	Strided = device.Strided
	// SoftmaxKernel is an optional fused kernel; see device.SoftmaxKernel.
	SoftmaxKernel = device.SoftmaxKernel
	// Syncer is implemented by devices that queue work; see device.Syncer.
	Syncer = device.Syncer
	// Transferer is an optional device-to-device copy; see device.Transferer.
	Transferer = device.Transferer
	// UnaryOp names an elementwise operation with one tensor operand (Apply).
	UnaryOp = device.UnaryOp
	// BinaryOp names an elementwise operation with two tensor operands.
	BinaryOp = device.BinaryOp
	// ReduceOp names a reduction.
	ReduceOp = device.ReduceOp
	// Option chooses the dtype or device of a new tensor: a DType, or On(dev).
	Option = device.Option
)

// The dtypes.
const (
	Float32 = device.Float32 // 32-bit floating point, the default for training
	Float64 = device.Float64 // 64-bit floating point, for gradient checks and references
	Int64   = device.Int64   // 64-bit integers, for indices and labels
)

// The unary operations (see device.UnaryOp for their meaning).
const (
	OpNeg        = device.OpNeg
	OpAbs        = device.OpAbs
	OpSign       = device.OpSign
	OpSquare     = device.OpSquare
	OpSqrt       = device.OpSqrt
	OpRsqrt      = device.OpRsqrt
	OpRecip      = device.OpRecip
	OpExp        = device.OpExp
	OpLog        = device.OpLog
	OpLog1p      = device.OpLog1p
	OpSin        = device.OpSin
	OpCos        = device.OpCos
	OpTanh       = device.OpTanh
	OpSigmoid    = device.OpSigmoid
	OpReLU       = device.OpReLU
	OpGELU       = device.OpGELU
	OpGELUGrad   = device.OpGELUGrad
	OpFloor      = device.OpFloor
	OpCeil       = device.OpCeil
	OpRound      = device.OpRound
	OpAddScalar  = device.OpAddScalar
	OpMulScalar  = device.OpMulScalar
	OpDivScalar  = device.OpDivScalar
	OpRSubScalar = device.OpRSubScalar
	OpRDivScalar = device.OpRDivScalar
	OpPowScalar  = device.OpPowScalar
	OpRPowScalar = device.OpRPowScalar
	OpClamp      = device.OpClamp
	OpMaxScalar  = device.OpMaxScalar
	OpMinScalar  = device.OpMinScalar
	OpLeakyReLU  = device.OpLeakyReLU
	OpEqScalar   = device.OpEqScalar
	OpNeScalar   = device.OpNeScalar
	OpLtScalar   = device.OpLtScalar
	OpLeScalar   = device.OpLeScalar
	OpGtScalar   = device.OpGtScalar
	OpGeScalar   = device.OpGeScalar
)

// The binary operations (see device.BinaryOp).
const (
	OpAdd     = device.OpAdd
	OpSub     = device.OpSub
	OpMul     = device.OpMul
	OpDiv     = device.OpDiv
	OpPow     = device.OpPow
	OpMaximum = device.OpMaximum
	OpMinimum = device.OpMinimum
	OpEq      = device.OpEq
	OpNe      = device.OpNe
	OpLt      = device.OpLt
	OpLe      = device.OpLe
	OpGt      = device.OpGt
	OpGe      = device.OpGe
)

// The reductions (see device.ReduceOp).
const (
	ReduceSum    = device.ReduceSum
	ReduceProd   = device.ReduceProd
	ReduceMax    = device.ReduceMax
	ReduceMin    = device.ReduceMin
	ReduceArgMax = device.ReduceArgMax
	ReduceArgMin = device.ReduceArgMin
)

// DTypeOf returns the dtype that holds elements of Go type T.
func DTypeOf[T Element]() DType { return device.DTypeOf[T]() }

// On returns an Option that places a new tensor on device d.
func On(d Device) Option { return device.On(d) }

// ContiguousLayout returns the row-major layout of shape at offset 0. It panics if shape is not
// valid (see "Sizes" in the package documentation).
func ContiguousLayout(shape []int) Layout { return device.ContiguousLayout(shape) }

// SyncDevice waits for the work queued on dev (see Syncer); it returns at once for devices
// that do not queue. It panics with the *Error of a queued kernel that failed, such as an
// index out of range found by a gather.
func SyncDevice(dev Device) { device.Sync(dev) }

// RegisterDevice makes a family of devices available by name: a backend package calls it from
// init, and GetDevice("cuda:1") then opens the device once and keeps it. It panics if the
// family is already registered ("cpu" is), empty, or contains a colon.
func RegisterDevice(family string, open func(index int) (Device, error)) {
	device.Register(family, open)
}

// GetDevice returns the device with the given name: "cpu", or a registered family with an
// optional index, "cuda" meaning "cuda:0". It returns an error naming the problem if the family
// is unknown (its package not linked in) or the device cannot be opened.
func GetDevice(name string) (Device, error) { return device.Get(name) }

// DeviceFamilies returns the registered device family names, "cpu" first.
func DeviceFamilies() []string { return device.Families() }
