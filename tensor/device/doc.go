// Package device is the contract between package tensor and its compute backends, the way
// database/sql/driver sits between database/sql and its drivers: buffers and layouts, the
// Device interface with its small set of primitive kernels, the optional fused and
// asynchronous interfaces found by type assertion, the op enumerations, the Philox random
// stream every device draws from, the registry of device families, and the one error type.
//
// Users do not import it: package tensor gives its types the names they know (tensor.Device,
// tensor.Layout, tensor.OpExp, tensor.Error, ...). Backends import it and nothing above it:
// the CPU backend (package cpu, beneath tensor), the test devices of package tensortest, and
// the optional CUDA backend.
//
// # The seam
//
// A backend owns memory (Alloc, Free, Write, Read) and runs primitive kernels over strided
// layouts: Fill, Copy (with dtype conversion), Unary, Binary and Where (elementwise with
// broadcasting resolved into zero strides), Reduce over trailing dimensions, batched MatMul,
// the gathers and scatters (IndexSelect, Gather, ScatterAdd, IndexAdd) and Random. Everything
// else (softmax, log-sum-exp, variance, concatenation, the LSTM cell) is composed from them in
// package tensor or above. A backend may offer a fused kernel through an optional interface
// (SoftmaxKernel, RNNCellKernel, OptimizerKernel); the composed form stays the reference and
// the test oracle. The rules for
// devices that queue work (Syncer, Transferer) are in the Device documentation.
//
// # Adding an operation
//
// A new elementwise, reduction or random operation touches these places, and the tests catch
// a place forgotten:
//
//  1. this package: a constant in UnaryOp, BinaryOp, ReduceOp or Distribution (with its name
//     in the names table, and, for a unary op defined only for floats, FloatOnly); a new
//     primitive is a method of Device, so every backend fails to compile until it has one;
//  2. package cpu: the kernel (the unaryFunc or binaryFunc switch, or a kernel file of its
//     own), and a hand-written loop in the elementwise kernels if it is hot;
//  3. package tensortest: the naive device's definition (unaryFloat, unaryInt, ...; an
//     unknown op panics there as a broken contract) and a line in the conformance table
//     (cases.go), which its Coverage check demands for every method of *tensor.Tensor and
//     which enumerates every UnaryOp through Apply;
//  4. package tensor: the method users call, composed or calling the primitive;
//  5. package autograd, if it is differentiable: the operation and its gradient (ops_*.go),
//     and a gradient check in gcCases, which TestEveryOpHasAGradCheck demands;
//  6. the CUDA backend's kernel source, when it exists.
package device
