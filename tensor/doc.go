// Package tensor is godl's N-dimensional array engine: strided tensors over device buffers,
// NumPy/PyTorch broadcasting, reductions, matrix products, indexing and random draws, on any
// device that implements the small contract of package device. It knows nothing about
// gradients; package autograd builds on it.
//
// The layers show in the folder tree: tensor/device holds the contract that backends
// implement (the way database/sql/driver does for database/sql), tensor/cpu the CPU backend
// (always compiled, the reference), and tensor/tensortest the conformance suite and the test
// devices. Package tensor names the contract's types for its users (Device, Layout, DType,
// Error, the op constants), so they never need to import the layers beneath.
//
// # Tensors, storage and layout
//
// A Tensor is a storage (a buffer of one DType on one Device) seen through a Layout: a shape,
// strides counted in elements, and an offset. Element (i, j, k) lives at
//
//	Offset + i*Strides[0] + j*Strides[1] + k*Strides[2]
//
// Strides are never negative. A stride of 0 repeats one element along a dimension; that is how
// Expand and broadcasting work without copying.
//
// # Sizes
//
// A shape is valid when no size is negative and the product of max(size, 1) over its
// dimensions fits in an int. Counting a zero size as 1 makes the rule cover empty tensors
// too, so that the row-major strides of every valid shape fit in an int: Reshape(1<<62,
// 1<<62, 0) of an empty tensor is refused although it holds no element. Every constructor,
// view and operation checks the shapes it makes against this rule and panics with *Error,
// before anything is allocated or viewed, when one is not valid; constructors and operations
// that allocate also panic when the element count times the dtype's size overflows an int.
// Whether the device has that much memory is up to its Alloc. Sizes added or multiplied from
// arguments (Narrow's start+length, Slice's count, Cat's and SplitSizes' sums, Arange's
// count, Eye's n*n, broadcast shapes) are computed without overflow, so a huge argument is
// either refused or handled exactly, never wrapped around. Expand and broadcasting make views
// whose shapes are huge from a few elements; their shapes must be valid all the same.
//
// # Views and aliasing
//
// View, Reshape (when the strides allow), Transpose, T, Permute, Narrow, Slice, Select,
// Squeeze, Unsqueeze, Expand, BroadcastTo, Flatten (when the strides allow), Split and Chunk
// return views: new tensors over the same storage, made without copying. A write through one
// view is seen through every other. Contiguous, AsType, To and SumTo return a view of their
// receiver when there is nothing to convert, and a copy otherwise; Clone always copies. Every
// one of them returns a new tensor, never its receiver itself, so releasing the result never
// releases the operand.
//
// Every other operation returns a new tensor that shares nothing with its operands. The
// methods ending in InPlace (and Fill, Zero, CopyFrom) write into their receiver and return
// it; they panic when the receiver is expanded (one element at several positions). When an
// operand of an in-place operation (the source, or the indices of IndexAddInPlace and
// ScatterAddInPlace) shares the receiver's storage, it is copied first, so the result is as
// if every operand had been read in full before the write. An in-place operation that panics
// (an index out of range, an integer division by zero) leaves its receiver unchanged.
//
// Don't be clever: no operation keeps a pointer into a Go slice you passed in (From copies)
// or hands out one into a tensor (Float32s and friends copy).
//
// # DTypes
//
// Float32 (training), Float64 (gradient checks and references) and Int64 (indices, labels).
// Operations never promote: mixing dtypes panics; convert with AsType. Comparisons (Eq, Lt,
// GtScalar, ...) return masks of 1 and 0 in their operands' dtype, so a mask multiplies
// directly; Where and MaskedFill accept a mask of any dtype and treat nonzero as true.
// Integer Div rounds toward negative infinity.
//
// # Devices
//
// A Device owns memory and runs a small set of primitive kernels over strided layouts:
// elementwise unary, binary and select (Where) with broadcasting resolved into zero strides,
// reductions over trailing dimensions, batched matrix products, gathers and scatters, copies
// between layouts with dtype conversion. Everything else (Softmax, LogSumExp, Var, Cat, ...)
// is composed from them. A backend may implement optional fused kernels such as
// SoftmaxKernel; the package finds them by type assertion, and the composed form stays as the
// reference they are tested against.
//
// CPU is always available. Other backends register a device family at init with
// RegisterDevice, and GetDevice("cuda:0") opens one. t.To(dev) copies between devices.
// Operands on different devices panic.
//
// A device may queue its kernels, as a GPU stream does: an operation then returns before its
// result is computed, and the host waits only when it reads values back (Item, Float32s and
// friends, At, printing, To(CPU)) or calls SyncDevice. Nothing else in godl reads values back
// on the training path. A kernel that finds bad data, such as an index out of range, panics
// with *Error: on the CPU at once, on a queued device at the next synchronising call. The
// Device documentation states the rules a backend follows (ordering, Write, Free).
//
// # Errors and panics
//
// Caller bugs panic with a *Error whose message names the operation and the operands'
// shapes:
//
//	tensor.MatMul: shapes [2 3] and [4 5] are not aligned
//
// That covers shapes that do not fit or broadcast, axes and indices out of range (negative
// axes count from the end), mixed dtypes or devices, writes to expanded tensors, and use of a
// released tensor. The doc comment of each function says when it panics; Maybe turns such a
// panic back into an error. Nothing in this package reads outside input, so nothing returns
// an error except device lookup.
//
// # Memory
//
// A Go program never has to call Release: a tensor dropped without it is reclaimed by the
// garbage collector, and memory stays bounded by the collector's usual pacing (GOGC,
// GOMEMLIMIT), because CPU buffers are ordinary Go memory.
//
// Release is an optimisation for code that knows a temporary is dead (autograd, optimizers,
// hot loops): every tensor holds one reference to its storage, Release drops it at once, and
// when the last reference goes the buffer returns to its device. The CPU keeps returned
// buffers in size-class pools, so a loop that releases its temporaries reuses the same memory
// (still warm in the cache) every step instead of asking the collector for more. The pools
// hold their buffers weakly: a pooled buffer does not count as live to the collector, and
// whatever is still pooled at a collection is reclaimed by it. Between collections the pools
// keep at most DefaultCPUPoolLimit bytes; SetCPUPoolLimit changes that. A released tensor
// panics on use, while its views stay valid.
//
// Storages on devices whose memory the collector cannot see (CUDA) are tracked instead: every
// tensor over one carries a runtime cleanup that drops its reference once the tensor is
// unreachable, so the device memory is returned without Release too.
//
// An allocation larger than the machine's memory (or its control group's limit) panics with
// *Error rather than letting the runtime kill the process.
//
// # Threads and determinism
//
// Large operations split their work into fixed-size blocks and run them on a bounded pool of
// goroutines; SetNumThreads sets its size. Because the blocks, and the order in which partial
// results are combined, depend only on the shapes, results are bitwise identical whatever the
// number of threads. Random tensors come from an explicit RNG: its device draws them from the
// counter-based Philox stream keyed by the seed, so a seed gives the same numbers on every
// device and thread count.
//
// # Printing
//
// String and the fmt verbs print a tensor the way PyTorch does, with values elided in the
// middle beyond 1000 elements; %+v adds the shape, dtype and device.
package tensor
