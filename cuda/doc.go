// Package cuda is godl's NVIDIA GPU backend: a device family "cuda" (cuda:0, cuda:1, ...)
// that implements the whole device contract of package tensor/device, so that every tensor
// operation, autograd and the nn layers run on the GPU.
//
//	import _ "github.com/godl/godl/cuda" // registers "cuda"
//
//	dev, err := tensor.GetDevice("cuda")
//	x := tensor.From([]float32{1, 2, 3}).To(dev)
//
// # Building
//
// The backend is compiled only with the cuda build tag and cgo (go build -tags cuda). Without
// them this package is a stub whose Open, and tensor.GetDevice("cuda"), return ErrNotCompiled;
// godl then builds and tests with no C compiler at all (CGO_ENABLED=0 go build ./...).
//
// Building needs no CUDA toolkit and no CUDA headers: the package declares the prototypes it
// calls itself (driver.h), and at run time loads the driver (libcuda.so.1) and cuBLAS
// (libcublas.so.13, .12 or .11) with dlopen. It looks for them first in the folders of the
// GODL_CUDA_LIBRARY_PATH environment variable, then through the dynamic loader's own search
// (LD_LIBRARY_PATH, the loader's cache), then in the usual CUDA install folders; when none
// loads, the error lists every path tried. OpenLibraries takes explicit paths.
//
// # Kernels: PTX made ahead of time
//
// The kernels are CUDA C in kernels/*.cu, one file per family of operations (elementwise,
// reductions and softmax, indexing, random numbers, the Int64 matrix product, the recurrent
// cells, the optimizer updates). kernels/build.sh compiles them to PTX with Debian's clang and its NVPTX back end
// (clang-19 -x cuda --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch=sm_80), and the
// PTX is checked in beside its source and embedded in the binary; the device loads it with
// cuModuleLoadData, and the driver JIT-compiles it for the GPU at hand (any GPU from sm_80 on:
// A100, H100, H200, ...) and caches the result. CI recompiles every source and fails when a
// .ptx file is stale or a kernel does not compile (go generate ./cuda rewrites them).
//
// We chose PTX made ahead over compiling at run time with NVRTC because NVRTC is part of the
// CUDA toolkit, not of the driver: a machine with only the driver and cuBLAS (a PyTorch
// wheel, say) runs godl as it is. The kernels are fixed and known when godl is built, so
// nothing is gained by compiling them later, and a kernel that does not compile is a CI
// failure, never a user's. Without libdevice there is no CUDA math library either, so
// kernels/gomath.cuh ports the float64 functions of Go's math package that godl needs (exp,
// log, log1p, tanh, sin, cos, erf, pow): the GPU then computes what the CPU backend computes,
// float32 functions included, which are evaluated in float64 and rounded once, as on the CPU.
// Arithmetic is compiled without contraction into fused multiply-adds, again as on the CPU.
//
// # Streams and synchronisation
//
// Each device has one CUDA stream, and everything runs on it in the order the host queued it:
// kernels, cuBLAS calls and copies. Kernels return as soon as they are queued. The host waits
// only when it reads values (Read, and so Item, Float32s, printing, To(tensor.CPU)) or calls
// tensor.SyncDevice; nothing on the training path does. Write copies its source into pinned
// staging memory and queues the copy from there, so it returns without waiting for the
// kernels before it and lends no Go memory to the driver (staging.go); large writes go
// through the staging chunks a piece at a time. Read queues the copy into the Go slice and
// waits for the stream within one call, so the driver holds the slice only while the call
// lasts.
//
// Kernels that find bad data (an index out of range, an Int64 division by zero, an Int64
// negative power) record the first such error in a small block of device memory and skip the
// element; the next synchronising call reads the block and panics with the *tensor.Error the
// CPU backend would have raised, as the device contract allows for a device that queues its
// work.
//
// # Memory
//
// Device memory comes from a caching allocator (alloc.go): freed blocks wait in size classes
// for the next allocation of their class. Because everything runs on one stream, a block
// freed while queued kernels still use it can be handed out again at once: whatever uses it
// next runs after them. Memory goes back to the driver only after the stream has drained,
// when an allocation fails for lack of memory, or on EmptyCache. MemoryStats reports the
// counters. Tensors on the GPU carry a runtime cleanup (package tensor), so a tensor dropped
// without Release gives its memory back when the collector finds it.
//
// # Operations
//
// Fill, Copy, Unary, Binary and Where are elementwise kernels over strided, broadcast
// operands: the host merges the dimensions that are contiguous in every operand and passes
// the remaining shape and strides in a descriptor (layout.go), so a dense operand is one long
// row. Reductions pick one thread per output, one block per output, or several blocks per
// output and a second pass (launch.go); Sum and Prod of floats accumulate in float64, as on
// the CPU, and ArgMax and ArgMin keep the first index (a NaN counts as the extreme) however
// the work is split. Softmax and log-softmax are one fused kernel per row (SoftmaxKernel).
// The recurrent cells (LSTM, GRU and the plain RNNs, forward and backward) are fused kernels
// (RNNCellKernel) that round every intermediate value where the CPU does. The optimizer
// updates (SGD, Adam and AdamW, RMSprop, Adagrad) are one fused kernel per step of a
// parameter (OptimizerKernel): one thread per element reads the parameter, its gradient and
// the state buffers and writes them back, rounding every product, quotient and square root
// to the dtype on its own as the CPU does, so that the two agree to the bit; operands that
// are not contiguous go through a contiguous temporary, and the step never waits. Random draws
// compute Philox 4x32-10 exactly as device.RandomValue defines it, so Uniform and Bernoulli
// match the CPU bit for bit.
//
// Float32 and Float64 matrix products go through cuBLAS (cublasSgemmStridedBatched and
// cublasDgemmStridedBatched, in full float32: no TF32); gemm.go maps godl's row-major views,
// transposes and broadcast batches onto cuBLAS's column-major calls, and copies an operand
// into a contiguous temporary only when no call can read it as it is. Int64 products use a
// kernel of their own.
//
// ScatterAdd and IndexAdd add with atomics. Where several sources meet one destination
// element, floating-point sums are then taken in an order that varies from run to run, so
// their last bits may differ between runs (Int64 sums are exact).
//
// # Testing without a GPU
//
// The host-side logic (the allocator, staging, launch configurations, descriptors, the cuBLAS
// mapping, error names, the library search) is pure Go with unit tests that run everywhere.
// With the cuda tag, the tests also build an emulated driver and cuBLAS from the same kernel
// sources compiled for the host (emu/), and run the tensor conformance suite, the autograd
// checks and a training step through the real cgo path against it. The same tests run on a
// real GPU when there is one; scripts/gpu-check.sh runs them, and the GPU benchmarks, on a
// GPU machine. cuda/README.md records what has run where.
package cuda
