// Package autograd is godl's reverse-mode automatic differentiation. It turns the operations
// of package tensor into differentiable ones on Values; packages nn and optim only ever see
// Values.
//
// # Values and leaves
//
// A Value wraps a tensor. Leaves come from outside: Param(t) for parameters and inputs to
// differentiate with respect to (they require a gradient), Const(t) for everything else.
// Operations on values (v.Add(u), MatMul(a, b), v.Softmax(-1), CrossEntropy(logits, y), ...)
// compute their result at once with package tensor and return a new Value.
//
// # How graphs are recorded
//
// An operation records itself only when one of its inputs requires a gradient and none is in
// no-grad mode. The record (a node) holds the inputs, the tensors the gradient formula needs,
// and a backward function; the output Value points to it. Nothing else is kept: there is no
// global tape, and a graph is reachable only from the values computed in it. When nothing is
// recorded, an operation allocates no node at all, so inference pays nothing for autograd.
//
// # No-grad mode
//
// x.NoGrad() returns x in no-grad mode: every operation that takes it records nothing, even
// where it meets parameters, and returns its result in no-grad mode too, so a forward pass
// that starts from it is pure inference. The mode travels with the values, not with the
// goroutine or the process: one goroutine may evaluate a model while another trains, and
// neither changes what the other records. (PyTorch's torch.no_grad is thread-local state; Go
// has none, and a process-wide switch would silently stop the recording of a training step
// running elsewhere.)
//
// # Backward and release
//
// v.Backward() walks the graph behind v in reverse topological order. Each node receives the
// sum of the gradients of its outputs (a value used several times gets the sum of its
// gradients), runs its backward function, and passes the input gradients on. Leaves that
// require a gradient accumulate into Grad across calls until ZeroGrad; other values keep no
// gradient unless RetainGrad was called on them. A non-scalar output needs an explicit output
// gradient: v.Backward(WithGrad(g)).
//
// Slicing operations (Narrow, Slice, Select) pass their output gradient on as it is, and the
// engine adds it into the matching region of the input's gradient, allocated at full size
// once, when the first gradient for that input arrives (and copied first if it is shared): a
// slice's backward costs what the slice costs, so taking T slices of a value costs O(T) in
// backward, not O(T²). Unbind, Split, SplitSizes and Chunk record one operation with an
// output per piece; its backward stacks or concatenates the pieces' gradients, with zeros for
// pieces that received none.
//
// After Backward the graph is released: every node drops its saved tensors and backward
// function, and the temporaries that only the graph referenced (intermediate gradients,
// dropout masks, cached softmax outputs) go back to the tensor pools at once, so a training
// loop reaches a steady state in memory. The values computed in the forward pass stay valid:
// their data is only reclaimed when the program drops them. A second Backward through a
// released graph panics with a message saying so; pass RetainGraph() to the first to keep it.
//
// Writing in place to a tensor that a recorded node saved (an optimizer step between forward
// and backward, say) makes Backward panic, naming the operation: every saved tensor's version
// is checked, as in PyTorch.
//
// # Checking gradients
//
// GradCheck compares the gradients Backward computes with central finite differences in
// float64, with PyTorch's defaults (eps 1e-6, atol 1e-5, rtol 1e-3), and reports the worst
// element. Every built-in operation (listed by Ops) has a gradient check in this package's
// tests; new operations need one too. Functions with hand-written backward passes (Function,
// Apply) are checked the same way.
//
// # Anomaly mode
//
// SetDetectAnomaly(true) makes every operation check its outputs, and every backward function
// the gradients it produces, for NaN and Inf; the first one panics, naming the operation and
// where it was called.
//
// # Concurrency
//
// Operations keep no global state, so values may be used from several goroutines: each
// computation records its own graph, or none in no-grad mode. Reading shared values (the
// parameters of a model being evaluated) from several goroutines is safe; one graph must not
// be extended or run backward concurrently, and parameters must not be updated while another
// goroutine reads them.
package autograd
