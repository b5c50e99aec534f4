package device

import "strconv"

// Buffer is a block of device memory holding Len elements of one dtype. Only the device that
// allocated it can read it.
type Buffer interface {
	DType() DType
	Len() int
}

// Strided is a buffer seen through a layout: the form in which every kernel receives its
// operands.
type Strided struct {
	Buf Buffer
	Layout
}

// Device is a compute backend: it owns memory and runs a small set of primitive kernels over
// strided layouts. Everything else in the package is composed from these primitives.
//
// The tensor package checks operands before it calls a kernel: dtypes and devices match,
// shapes agree (broadcast operands arrive already expanded with zero strides), destination
// layouts never alias one element twice, and axes are in range. Kernels check what only the
// data can tell, such as index values and integer divisors.
//
// # Queued work
//
// A device may queue its kernels and return before they have run, as a GPU stream does; the
// host waits only when it reads. The rules that make this safe:
//
//   - Kernels run in the order they were called, and each sees the results of the ones
//     before. Read waits for every kernel queued before it, then copies; it is a
//     synchronising call, as is Sync (Sync).
//   - Write copies from its source slice before it returns (or before the caller could
//     modify it), and is ordered with the kernels around it.
//   - Free may arrive while kernels that use the buffer are still queued: the device must
//     not reuse the memory before they have run.
//   - A kernel that finds bad data (an index out of range, an integer division by zero)
//     panics with *Error. A device that runs kernels at once panics at the call, leaving a
//     destination it writes in place unchanged; a device that queues them records the first
//     such error and panics with it at the next synchronising call instead, so that nothing
//     on the training path has to wait for the device.
//
// A backend may also implement optional fused kernels (SoftmaxKernel, ...); the tensor
// package finds them by type assertion and falls back to the composed form otherwise, which
// stays the reference that fused kernels are tested against.
type Device interface {
	// Name identifies the device: "cpu", "cuda:0".
	Name() string

	// Alloc returns a buffer of n elements; its contents are unspecified. It panics if the
	// memory cannot be had.
	Alloc(dt DType, n int) Buffer
	// Free gives a buffer back to the device. The buffer must not be used afterwards.
	Free(b Buffer)
	// Write copies host data into b starting at element off. src is a []float32, []float64
	// or []int64 matching b's dtype.
	Write(b Buffer, off int, src any)
	// Read copies elements of b starting at off into dst, a slice matching b's dtype.
	Read(b Buffer, off int, dst any)

	// Fill sets every element of dst to v, converted to dst's dtype.
	Fill(dst Strided, v float64)
	// Copy copies src into dst element by element (same shape), converting dtypes when they
	// differ (floats to Int64 truncate toward zero).
	Copy(dst, src Strided)
	// Unary sets dst = op(src) elementwise; a and b are the op's scalar parameters, if any.
	Unary(op UnaryOp, dst, src Strided, a, b float64)
	// Binary sets dst = op(x, y) elementwise. All three have the same shape and dtype.
	Binary(op BinaryOp, dst, x, y Strided)
	// Where sets dst = x where cond is nonzero, y elsewhere. cond may have any dtype.
	Where(dst, cond, x, y Strided)
	// Reduce reduces src over its trailing dimensions: dst's shape is a prefix of src's
	// shape, and each dst element combines the src elements that share that prefix, in
	// row-major order. ArgMax and ArgMin write Int64 indices into the flattened trailing
	// dimensions.
	Reduce(op ReduceOp, dst, src Strided)
	// MatMul sets dst = x @ y for each matrix in a batch: x is [..., m, k], y is [..., k, n]
	// and dst is [..., m, n], with the same batch dimensions (broadcast batches arrive with
	// zero strides).
	MatMul(dst, x, y Strided)
	// IndexSelect sets dst = src with dimension axis picked by idx (1-D Int64):
	// dst[..., i, ...] = src[..., idx[i], ...].
	IndexSelect(dst, src, idx Strided, axis int)
	// Gather sets dst[i][j][k] = src[i][idx[i][j][k]][k] (for axis 1). idx is Int64 with
	// dst's shape; src has dst's shape except along axis.
	Gather(dst, src, idx Strided, axis int)
	// ScatterAdd adds src into dst: dst[i][idx[i][j][k]][k] += src[i][j][k] (for axis 1).
	// idx is Int64 with src's shape; dst has src's shape except along axis.
	ScatterAdd(dst, src, idx Strided, axis int)
	// IndexAdd adds src into dst: dst[..., idx[i], ...] += src[..., i, ...]. idx is 1-D Int64.
	IndexAdd(dst, src, idx Strided, axis int)

	// Random fills dst with draws of dist with parameters a and b from the Philox 4x32-10
	// stream keyed by seed: element i of dst, in row-major order, is
	// RandomValue(dist, dtype, PhiloxBlock(seed, offset + i/k), i%k, a, b) converted to dst's
	// dtype, where k = dist.PerBlock(dtype). Every block is independent of the others, so a
	// device computes them in any order and in parallel, and every device gives the same
	// numbers.
	Random(dist Distribution, dst Strided, seed, offset uint64, a, b float64)
}

// SoftmaxKernel is an optional fused kernel: dst = softmax(src) along axis, or log-softmax
// when log is true. Backends without it get the composed form (max, sub, exp, sum, div).
type SoftmaxKernel interface {
	Softmax(dst, src Strided, axis int, log bool)
}

// Syncer is an optional interface for devices that queue work: Sync waits until every kernel
// queued so far has run, and panics with the *Error of the first kernel that failed since the
// last synchronising call. Devices that run kernels at once need not implement it.
type Syncer interface {
	Sync()
}

// Sync waits for the work queued on dev (see Syncer); it returns at once for devices that do
// not queue. It panics with the *Error of a queued kernel that failed, such as an index out
// of range found by a gather.
func Sync(dev Device) {
	if s, ok := dev.(Syncer); ok {
		s.Sync()
	}
}

// Transferer is an optional interface for copying between devices without staging the data
// in host memory (tinygrad's transfer, CUDA's peer copies). Transfer copies n elements from
// src, a buffer of device from starting at element srcOff, into dst (a buffer of the
// receiver) starting at dstOff, ordered after the work queued on both devices, and reports
// whether it could; when it returns false, To stages the copy through the host instead.
type Transferer interface {
	Transfer(dst Buffer, dstOff int, from Device, src Buffer, srcOff, n int) bool
}

// UnaryOp names an elementwise operation with one tensor operand and up to two scalar
// parameters (a, b).
type UnaryOp uint8

// The unary operations. Float-only ops panic on Int64 tensors before reaching a kernel.
const (
	OpNeg        UnaryOp = iota // -x
	OpAbs                       // |x|
	OpSign                      // -1, 0 or 1 (NaN stays NaN)
	OpSquare                    // x*x
	OpSqrt                      // √x
	OpRsqrt                     // 1/√x
	OpRecip                     // 1/x
	OpExp                       // eˣ
	OpLog                       // ln x
	OpLog1p                     // ln(1+x)
	OpSin                       // sin x
	OpCos                       // cos x
	OpTanh                      // tanh x
	OpSigmoid                   // 1/(1+e⁻ˣ)
	OpReLU                      // max(x, 0), NaN stays NaN
	OpGELU                      // x·Φ(x) with the exact erf form
	OpGELUGrad                  // dGELU/dx
	OpFloor                     // ⌊x⌋
	OpCeil                      // ⌈x⌉
	OpRound                     // round half to even
	OpAddScalar                 // x + a
	OpMulScalar                 // x · a
	OpDivScalar                 // x / a
	OpRSubScalar                // a - x
	OpRDivScalar                // a / x
	OpPowScalar                 // xᵃ
	OpRPowScalar                // aˣ
	OpClamp                     // min(max(x, a), b); NaN stays NaN
	OpMaxScalar                 // max(x, a), NaN stays NaN
	OpMinScalar                 // min(x, a), NaN stays NaN
	OpLeakyReLU                 // x if x > 0, a·x otherwise
	OpEqScalar                  // 1 if x == a, else 0
	OpNeScalar                  // 1 if x != a
	OpLtScalar                  // 1 if x < a
	OpLeScalar                  // 1 if x <= a
	OpGtScalar                  // 1 if x > a
	OpGeScalar                  // 1 if x >= a
	NumUnaryOps                 // the number of unary ops: every valid UnaryOp is below it
)

var unaryNames = [...]string{
	"Neg", "Abs", "Sign", "Square", "Sqrt", "Rsqrt", "Recip", "Exp", "Log", "Log1p", "Sin", "Cos",
	"Tanh", "Sigmoid", "ReLU", "GELU", "GELUGrad", "Floor", "Ceil", "Round", "AddScalar",
	"MulScalar", "DivScalar", "RSubScalar", "RDivScalar", "PowScalar", "RPowScalar", "Clamp", "MaxScalar",
	"MinScalar", "LeakyReLU", "EqScalar", "NeScalar", "LtScalar", "LeScalar", "GtScalar",
	"GeScalar",
}

// String returns the op's name, such as "Exp".
func (op UnaryOp) String() string {
	if int(op) < len(unaryNames) {
		return unaryNames[op]
	}
	return "UnaryOp(" + strconv.Itoa(int(op)) + ")"
}

// FloatOnly reports whether the op is defined only for floating-point dtypes; package tensor
// refuses the others for Int64 operands before they reach a kernel.
func (op UnaryOp) FloatOnly() bool {
	switch op {
	case OpNeg, OpAbs, OpSign, OpSquare, OpFloor, OpCeil, OpRound, OpAddScalar, OpPowScalar, OpMulScalar, OpRSubScalar, OpClamp,
		OpMaxScalar, OpMinScalar, OpReLU, OpEqScalar, OpNeScalar, OpLtScalar, OpLeScalar,
		OpGtScalar, OpGeScalar:
		return false
	}
	return true
}

// BinaryOp names an elementwise operation with two tensor operands.
type BinaryOp uint8

// The binary operations. Comparisons write 1 where the relation holds and 0 elsewhere, in the
// operands' dtype.
const (
	OpAdd        BinaryOp = iota // x + y
	OpSub                        // x - y
	OpMul                        // x · y
	OpDiv                        // x / y (Int64: floor division; division by zero panics)
	OpPow                        // xʸ
	OpMaximum                    // max(x, y), NaN propagates
	OpMinimum                    // min(x, y), NaN propagates
	OpEq                         // x == y
	OpNe                         // x != y
	OpLt                         // x < y
	OpLe                         // x <= y
	OpGt                         // x > y
	OpGe                         // x >= y
	NumBinaryOps                 // the number of binary ops
)

var binaryNames = [...]string{"Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Eq", "Ne", "Lt", "Le", "Gt", "Ge"}

// String returns the op's name, such as "Add".
func (op BinaryOp) String() string {
	if int(op) < len(binaryNames) {
		return binaryNames[op]
	}
	return "BinaryOp(" + strconv.Itoa(int(op)) + ")"
}

// ReduceOp names a reduction.
type ReduceOp uint8

// The reductions. Sum of Float32 accumulates in float64. Max and Min propagate NaN; ArgMax and
// ArgMin return the first index of the extreme value (a NaN counts as the extreme).
const (
	ReduceSum ReduceOp = iota
	ReduceProd
	ReduceMax
	ReduceMin
	ReduceArgMax
	ReduceArgMin
	NumReduceOps // the number of reductions
)

var reduceNames = [...]string{"Sum", "Prod", "Max", "Min", "ArgMax", "ArgMin"}

// String returns the reduction's name, such as "Sum".
func (op ReduceOp) String() string {
	if int(op) < len(reduceNames) {
		return reduceNames[op]
	}
	return "ReduceOp(" + strconv.Itoa(int(op)) + ")"
}
