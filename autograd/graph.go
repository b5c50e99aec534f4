package autograd

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/godl/godl/tensor"
)

// opInfo describes a kind of operation. Every differentiable operation registers one, so that
// the tests can check that each has a gradient check.
type opInfo struct {
	name string
}

var (
	opsMu    sync.Mutex
	opsByKey = map[string]*opInfo{}
)

// register declares a differentiable operation by name. It panics on duplicates.
func register(name string) *opInfo {
	opsMu.Lock()
	defer opsMu.Unlock()
	if opsByKey[name] != nil {
		panicf("autograd.register", "operation %s registered twice", name)
	}
	o := &opInfo{name: name}
	opsByKey[name] = o
	return o
}

// Ops returns the names of every built-in differentiable operation, sorted.
func Ops() []string {
	opsMu.Lock()
	defer opsMu.Unlock()
	names := make([]string, 0, len(opsByKey))
	for n := range opsByKey {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// backwardFunc receives the gradient of each output (never nil: missing ones are zeros) and
// returns the gradient of each input, nil where an input needs none. It must not modify the
// incoming gradients. Returned tensors are handed over: the engine releases or keeps them.
type backwardFunc func(grads []*tensor.Tensor) []*tensor.Tensor

// savedTensor is a tensor an operation keeps for its backward pass, with the version of its
// storage at the time, to detect in-place changes before backward.
type savedTensor struct {
	t       *tensor.Tensor
	version uint64
}

// node is a recorded operation: its inputs, how to compute their gradients, and what it keeps
// for that.
type node struct {
	op       *opInfo
	inputs   []*Value
	needs    []bool           // needs[i]: input i requires a gradient
	outMeta  []outMeta        // shape, dtype and device of each output (multi-output nodes only)
	grads    []*tensor.Tensor // gradients of the outputs, accumulated during backward
	backward backwardFunc
	saved    []savedTensor
	owned    []*tensor.Tensor // temporaries that only this node references
	custom   bool             // a user Function: never take over the tensors it returns
	region   regionFunc       // for a slicing operation: see regionFunc
	released bool
	site     string // where the op was called from, in anomaly mode
	visit    uint64 // backward pass that last visited this node

	// Inline storage for the common case of one or two inputs and one output, so that
	// recording an operation costs one allocation for the node.
	inBuf    [2]*Value
	needBuf  [2]bool
	gradBuf  [1]*tensor.Tensor
	savedBuf [2]savedTensor
}

// regionFunc returns, for an operation that picks part of its only input (Narrow, Slice,
// Select), that part of a tensor of the input's shape (a view). The backward function of such
// an operation returns the gradient of the picked part only, and the engine adds it into that
// region of the input's gradient: the full-size gradient is allocated once, when the first
// gradient for the input arrives, so a slice's backward costs what the slice costs, however
// many slices of one input are taken.
type regionFunc func(*tensor.Tensor) *tensor.Tensor

type outMeta struct {
	shape tensor.Shape
	dtype tensor.DType
	dev   tensor.Device
}

// needsGraph reports whether an operation on these inputs must be recorded: one of them
// requires a gradient and none is in no-grad mode.
func needsGraph(inputs ...*Value) bool {
	need := false
	for _, in := range inputs {
		if in.noGrad {
			return false
		}
		need = need || in.requiresGrad
	}
	return need
}

// newNode starts recording an operation on inputs, or returns nil when no graph is needed. The
// caller computes the outputs, then calls finish (nil-safe) to obtain the output values.
func newNode(op *opInfo, inputs ...*Value) *node {
	if !needsGraph(inputs...) {
		return nil
	}
	return newNodeOf(op, inputs)
}

// newNodeOf records an operation on inputs that needs a graph.
func newNodeOf(op *opInfo, inputs []*Value) *node {
	n := &node{op: op}
	if len(inputs) <= len(n.inBuf) {
		n.inputs = n.inBuf[:len(inputs):len(inputs)]
		copy(n.inputs, inputs)
		n.needs = n.needBuf[:len(inputs)]
	} else {
		n.inputs = inputs
		n.needs = make([]bool, len(inputs))
	}
	n.saved = n.savedBuf[:0]
	for i, in := range inputs {
		n.needs[i] = in.requiresGrad
	}
	if anomalyMode.Load() {
		n.site = callSite()
	}
	return n
}

// newNode1 is newNode for one input; unlike the variadic form it allocates nothing when no
// graph is needed.
func newNode1(op *opInfo, a *Value) *node {
	if !a.requiresGrad || a.noGrad {
		return nil
	}
	n := &node{op: op}
	n.inputs, n.needs, n.saved = n.inBuf[:1:1], n.needBuf[:1], n.savedBuf[:0]
	n.inputs[0], n.needs[0] = a, true
	if anomalyMode.Load() {
		n.site = callSite()
	}
	return n
}

// newNode2 is newNode for two inputs, allocating nothing when no graph is needed.
func newNode2(op *opInfo, a, b *Value) *node {
	if !(a.requiresGrad || b.requiresGrad) || a.noGrad || b.noGrad {
		return nil
	}
	n := &node{op: op}
	n.inputs, n.needs, n.saved = n.inBuf[:2:2], n.needBuf[:2], n.savedBuf[:0]
	n.inputs[0], n.inputs[1] = a, b
	n.needs[0], n.needs[1] = a.requiresGrad, b.requiresGrad
	if anomalyMode.Load() {
		n.site = callSite()
	}
	return n
}

// save keeps t for backward and returns it.
func (n *node) save(t *tensor.Tensor) *tensor.Tensor {
	n.saved = append(n.saved, savedTensor{t, t.Version()})
	return t
}

// own keeps a temporary that only this node references; it is released with the graph.
func (n *node) own(t *tensor.Tensor) *tensor.Tensor {
	n.owned = append(n.owned, t)
	return t
}

// finish completes the recording with the operation's outputs and backward function and
// returns the output values. (Operations that record nothing wrap their outputs with
// constant or constants instead.)
func (n *node) finish(backward backwardFunc, outs ...*tensor.Tensor) []*Value {
	vals := make([]*Value, len(outs))
	n.backward = backward
	if len(outs) == 1 {
		n.grads = n.gradBuf[:]
	} else {
		n.grads = make([]*tensor.Tensor, len(outs))
		n.outMeta = make([]outMeta, len(outs))
		for i, o := range outs {
			n.outMeta[i] = outMeta{o.Shape(), o.DType(), o.Device()}
		}
	}
	for i, o := range outs {
		vals[i] = &Value{data: o, requiresGrad: true, node: n, out: i}
	}
	if anomalyMode.Load() {
		for _, o := range outs {
			checkFinite(o, fmt.Sprintf("%s produced %%s in forward%s", n.op.name, n.siteSuffix()))
		}
	}
	return vals
}

// finish1 is finish for single-output operations.
func (n *node) finish1(backward backwardFunc, out *tensor.Tensor) *Value {
	return n.finish(backward, out)[0]
}

// release drops everything the node keeps: saved tensors, temporaries, inputs and the backward
// function, so that their memory can be reused.
func (n *node) release() {
	for _, t := range n.owned {
		t.Release()
	}
	n.owned = nil
	n.saved = nil
	n.backward = nil
	n.inputs = nil
	n.released = true
}

func (n *node) siteSuffix() string {
	if n.site == "" {
		return ""
	}
	return " (called at " + n.site + ")"
}

// BackwardOption configures Backward.
type BackwardOption func(*backwardConfig)

type backwardConfig struct {
	grad   *tensor.Tensor
	retain bool
}

// WithGrad supplies the gradient of the output, needed when the output is not a scalar. It
// must have the output's shape.
func WithGrad(g *tensor.Tensor) BackwardOption {
	return func(c *backwardConfig) { c.grad = g }
}

// RetainGraph keeps the graph after Backward, so that Backward can run through it again.
func RetainGraph() BackwardOption {
	return func(c *backwardConfig) { c.retain = true }
}

var passCounter uint64
var passMu sync.Mutex

// Backward computes the gradient of v with respect to every leaf that requires one, adding it
// to the leaf's Grad. For a scalar v the output gradient is 1; otherwise supply one with
// WithGrad. Afterwards the graph is released, returning the buffers it kept to the tensor
// pools, unless RetainGraph is given. It panics if v does not require a gradient, if the graph
// was already released, or if a tensor saved for backward was modified in place since.
//
// Backward must not run concurrently with another Backward or with operations on the same
// graph.
func (v *Value) Backward(opts ...BackwardOption) {
	var cfg backwardConfig
	for _, o := range opts {
		o(&cfg)
	}
	checkValue("autograd.Backward", "value", v)
	switch {
	case v.noGrad:
		panicf("autograd.Backward", "the value of shape %v was computed in no-grad mode (from a value marked with NoGrad), so no graph was recorded", v.data.Shape())
	case !v.requiresGrad:
		panicf("autograd.Backward", "the value of shape %v does not require a gradient: no input of its computation does (make the leaves to differentiate with Param)", v.data.Shape())
	}
	var seed *tensor.Tensor
	if cfg.grad != nil {
		if !cfg.grad.Shape().Equal(v.data.Shape()) {
			panicf("autograd.Backward", "gradient of shape %v for an output of shape %v", cfg.grad.Shape(), v.data.Shape())
		}
		if cfg.grad.DType() != v.data.DType() || cfg.grad.Device() != v.data.Device() {
			panicf("autograd.Backward", "gradient is %s on %s, output is %s on %s", cfg.grad.DType(), cfg.grad.Device().Name(), v.data.DType(), v.data.Device().Name())
		}
		seed = cfg.grad.Alias() // never written in place: the alias makes it shared
	} else {
		if v.data.Numel() != 1 {
			panicf("autograd.Backward", "output of shape %v is not a scalar; pass its gradient with WithGrad", v.data.Shape())
		}
		seed = tensor.OnesLike(v.data)
	}
	if v.node == nil {
		accumulateLeaf(v, seed)
		return
	}
	if v.node.released {
		panicReleased(v.node)
	}

	order := topoOrder(v.node)
	accumulate(&v.node.grads[v.out], seed)
	for _, n := range order {
		runNode(n)
	}
	if !cfg.retain {
		for _, n := range order {
			n.release()
		}
	}
}

// panicReleased panics because the graph through n was released.
func panicReleased(n *node) {
	panicf("autograd.Backward", "the graph through %s has already been released by an earlier Backward; pass RetainGraph() to the first Backward to run it twice", n.op.name)
}

// topoOrder returns the nodes reachable from root that lead to a leaf requiring a gradient,
// in an order where every node comes before the nodes of its inputs.
func topoOrder(root *node) []*node {
	passMu.Lock()
	passCounter++
	pass := passCounter
	passMu.Unlock()

	var post []*node
	type frame struct {
		n    *node
		next int
	}
	stack := []frame{{root, 0}}
	root.visit = pass
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.next < len(f.n.inputs) {
			in := f.n.inputs[f.next]
			f.next++
			if in.node == nil || !in.requiresGrad {
				continue
			}
			if in.node.released {
				panicReleased(in.node)
			}
			if in.node.visit != pass {
				in.node.visit = pass
				stack = append(stack, frame{in.node, 0})
			}
			continue
		}
		post = append(post, f.n)
		stack = stack[:len(stack)-1]
	}
	slices.Reverse(post)
	return post
}

// runNode runs one node's backward function and routes the input gradients.
func runNode(n *node) {
	for _, s := range n.saved {
		if s.t.Released() {
			panicf("autograd.Backward", "a tensor saved for the backward pass of %s was released%s", n.op.name, n.siteSuffix())
		}
		if v := s.t.Version(); v != s.version {
			panicf("autograd.Backward", "a tensor of shape %v saved for the backward pass of %s was modified in place (version %d, saved at %d)%s", s.t.Shape(), n.op.name, v, s.version, n.siteSuffix())
		}
	}
	grads := n.grads
	received := false
	for _, g := range grads {
		received = received || g != nil
	}
	if !received {
		return // no gradient reached this node: nothing flows to its inputs
	}
	for i, g := range grads {
		if g == nil { // an output of a multi-output node that received no gradient
			m := n.outMeta[i]
			grads[i] = tensor.Zeros(m.shape, m.dtype, tensor.On(m.dev))
		}
	}
	if n.backward == nil {
		panicReleased(n)
	}
	ins := n.backward(grads)
	if len(ins) != len(n.inputs) {
		panicf("autograd.Backward", "backward of %s returned %d gradients for %d inputs", n.op.name, len(ins), len(n.inputs))
	}
	// Every input's slot must own the tensor it receives. A returned tensor that is also an
	// incoming gradient, that another input already receives, or that a user Function
	// returned (it stays the user's) is passed on under a fresh handle. All of them are made
	// before anything is handed over, since handing over may release a tensor.
	give := make([]*tensor.Tensor, len(ins))
	for i, g := range ins {
		if g == nil || !n.needs[i] {
			continue
		}
		if n.region == nil {
			checkGradShape(n, i, g)
		}
		if n.custom || slices.Contains(grads, g) || slices.Contains(give[:i], g) {
			give[i] = g.Alias()
		} else {
			give[i] = g
		}
	}
	for i, g := range give {
		if g == nil {
			continue
		}
		if anomalyMode.Load() {
			checkFinite(g, fmt.Sprintf("the backward pass of %s produced %%s in the gradient of input %d%s", n.op.name, i, n.siteSuffix()))
		}
		in := n.inputs[i]
		switch {
		case n.region != nil:
			routeRegion(n, in, g)
		case in.node == nil:
			accumulateLeaf(in, g)
		default:
			if in.retainGrad {
				accumulateLeaf(in, g.Alias())
			}
			accumulate(&in.node.grads[in.out], g)
		}
	}
	// What nobody received dies here: gradients computed for inputs that need none (a user
	// Function's stay the user's), and the incoming gradients.
	if !n.custom {
		for i, g := range ins {
			if g != nil && !n.needs[i] && !slices.Contains(give, g) && !slices.Contains(grads, g) && !slices.Contains(ins[:i], g) {
				g.Release()
			}
		}
	}
	for i, g := range grads {
		if !slices.Contains(give, g) {
			g.Release()
		}
		n.grads[i] = nil
	}
}

func checkGradShape(n *node, i int, g *tensor.Tensor) {
	want := n.inputs[i].data
	same := g.NDim() == want.NDim() && g.DType() == want.DType()
	for d := 0; same && d < g.NDim(); d++ {
		same = g.Size(d) == want.Size(d)
	}
	if !same {
		panicf("autograd.Backward", "backward of %s returned a gradient of shape %v (%s) for input %d of shape %v (%s)", n.op.name, g.Shape(), g.DType(), i, want.Shape(), want.DType())
	}
}

// accumulate adds g into *slot, taking over g.
func accumulate(slot **tensor.Tensor, g *tensor.Tensor) {
	s := *slot
	if s == nil {
		*slot = g
		return
	}
	if s.Exclusive() {
		s.AddInPlace(g)
		g.Release()
		return
	}
	*slot = s.Add(g)
	s.Release()
	g.Release()
}

// accumulateLeaf adds g into v.grad, taking over g. A leaf's gradient always owns its memory,
// so that users and optimizers may modify it in place.
func accumulateLeaf(v *Value, g *tensor.Tensor) {
	if v.grad == nil {
		if g.Exclusive() && g.IsContiguous() {
			v.grad = g
			return
		}
		v.grad = g.Clone()
		g.Release()
		return
	}
	if v.grad.Exclusive() {
		v.grad.AddInPlace(g)
		g.Release()
		return
	}
	old := v.grad
	v.grad = old.Add(g)
	g.Release()
}

// routeRegion adds g, the gradient of the part of input in that slicing node n picked, into
// that region of in's gradient (and of its Grad, for a value with RetainGrad), taking over g.
func routeRegion(n *node, in *Value, g *tensor.Tensor) {
	if in.node == nil {
		accumulateLeafRegion(n, in, g)
		return
	}
	if in.retainGrad {
		accumulateLeafRegion(n, in, g.Alias())
	}
	slot := &in.node.grads[in.out]
	switch s := *slot; {
	case s == nil:
		*slot = tensor.Zeros(in.data.Shape(), in.data.DType(), tensor.On(in.data.Device()))
		copyRegion(n, *slot, g, true)
		return
	case !s.Exclusive(): // shared with another slot or a view: write to a copy
		*slot = s.Clone()
		s.Release()
	}
	copyRegion(n, *slot, g, false)
}

// accumulateLeafRegion is routeRegion's counterpart of accumulateLeaf: the leaf's gradient
// always owns its memory, so a shared one is copied first (and left to whoever shares it).
func accumulateLeafRegion(n *node, v *Value, g *tensor.Tensor) {
	fresh := v.grad == nil
	switch {
	case fresh:
		v.grad = tensor.Zeros(v.data.Shape(), v.data.DType(), tensor.On(v.data.Device()))
	case !v.grad.Exclusive():
		v.grad = v.grad.Clone()
	}
	copyRegion(n, v.grad, g, fresh)
}

// copyRegion adds g into n's region of dst (copies it, when dst is known to be zero there)
// and releases g.
func copyRegion(n *node, dst, g *tensor.Tensor, zero bool) {
	r := n.region(dst)
	if !r.Shape().Equal(g.Shape()) || r.DType() != g.DType() {
		panicf("autograd.Backward", "backward of %s returned a gradient of shape %v (%s) for a region of shape %v (%s)", n.op.name, g.Shape(), g.DType(), r.Shape(), r.DType())
	}
	if zero {
		r.CopyFrom(g)
	} else {
		r.AddInPlace(g)
	}
	r.Release()
	g.Release()
}

// callSite returns the first caller outside this package.
func callSite() string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.Contains(f.Function, "godl/autograd.") || strings.HasSuffix(f.File, "_test.go") {
			return fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if !more {
			return ""
		}
	}
}
