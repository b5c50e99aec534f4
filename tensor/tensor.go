package tensor

import (
	"runtime"
	"slices"
	"sync/atomic"
)

// storage is a device buffer shared by every tensor viewing it. refs counts the live handles
// (tensors) over it; when the last one is released the buffer goes back to its device, which
// for the CPU means the size-class pool.
type storage struct {
	dev     Device
	buf     Buffer
	refs    atomic.Int32
	version atomic.Uint64 // bumped by every in-place write; autograd checks it
	tracked bool          // handles register a cleanup that releases them when collected
}

// newStorage wraps a buffer. Storages on devices other than the CPU are tracked: the collector
// cannot see their memory, so each handle carries a cleanup that drops its reference once the
// handle is unreachable, and the last one gives the buffer back. CPU buffers are Go memory:
// when every handle is dropped without Release, the collector reclaims the storage and its
// buffer together, paced by the heap like any other allocation.
func newStorage(dev Device, buf Buffer) *storage {
	return &storage{dev: dev, buf: buf, tracked: dev != CPU}
}

func (s *storage) decref() {
	if s.refs.Add(-1) == 0 {
		s.dev.Free(s.buf)
		s.buf = nil
	}
}

// Tensor is an N-dimensional array: a storage (a device buffer) seen through a layout (shape,
// strides, offset). View operations return new tensors over the same storage; see the package
// documentation for the aliasing and release rules.
//
// The zero Tensor is not usable; tensors come from the constructors (From, Zeros, ...), from
// operations, and from views.
type Tensor struct {
	st      *storage
	layout  Layout
	cleanup runtime.Cleanup
}

// newTensor returns a handle over st. Each handle holds one reference to st, dropped by Release
// or, for tracked storages, when the handle is garbage collected. (A CPU storage whose handles
// are dropped without Release is simply collected with them.)
func newTensor(st *storage, l Layout) *Tensor {
	st.refs.Add(1)
	t := &Tensor{st: st, layout: l}
	if st.tracked {
		t.cleanup = runtime.AddCleanup(t, (*storage).decref, st)
	}
	return t
}

// alloc returns a new contiguous tensor of the given shape with unspecified contents.
func alloc(dev Device, dt DType, shape []int) *Tensor {
	st := newStorage(dev, dev.Alloc(dt, Shape(shape).Numel()))
	return newTensor(st, ContiguousLayout(shape))
}

// view returns a new handle over t's storage with layout l.
func (t *Tensor) view(l Layout) *Tensor {
	return newTensor(t.live("view"), l)
}

// lay returns t's layout, panicking if t is nil. (A released tensor keeps its layout.)
func (t *Tensor) lay(op string) *Layout {
	if t == nil {
		panicf(op, "nil tensor")
	}
	return &t.layout
}

// live returns t's storage, panicking if t is nil or was released.
func (t *Tensor) live(op string) *storage {
	if t == nil {
		panicf(op, "nil tensor")
	}
	if t.st == nil {
		panicf(op, "use of a released tensor")
	}
	return t.st
}

// strided returns t as a kernel operand.
func (t *Tensor) strided() Strided { return Strided{Buf: t.st.buf, Layout: t.layout} }

// Release drops this tensor's reference to its storage. When every tensor over a storage has
// been released (or garbage collected), the storage's memory returns to its device for reuse,
// which saves allocation in loops and frees device memory promptly. Using t after Release
// panics; releasing twice does nothing. Views of t stay valid: they hold their own references.
func (t *Tensor) Release() {
	if t == nil || t.st == nil {
		return
	}
	t.cleanup.Stop()
	st := t.st
	t.st = nil
	st.decref()
}

// Alias returns a new tensor over t's storage with t's layout: the same elements under a second
// handle, which can be released independently of t.
func (t *Tensor) Alias() *Tensor {
	t.live("tensor.Alias")
	return t.view(t.layout.Clone())
}

// Exclusive reports whether t is the only live tensor over its storage and no element of t
// appears at two positions, so that an in-place write through t is seen nowhere else. A
// tensor whose other views were dropped without Release may count as shared until the
// garbage collector has reclaimed them; the answer errs on the side of "shared".
func (t *Tensor) Exclusive() bool {
	return t != nil && t.st != nil && t.st.refs.Load() == 1 && !t.layout.Expanded()
}

// Released reports whether Release has been called on t.
func (t *Tensor) Released() bool { return t == nil || t.st == nil }

// DType returns the element type.
func (t *Tensor) DType() DType { return t.live("tensor.DType").buf.DType() }

// Device returns the device holding the tensor's storage.
func (t *Tensor) Device() Device { return t.live("tensor.Device").dev }

// Shape returns a copy of the tensor's shape (never nil: a scalar's shape is empty, so that
// From(data, t.Shape()...) keeps it 0-d).
func (t *Tensor) Shape() Shape { return append(Shape{}, t.lay("tensor.Shape").Shape...) }

// NDim returns the number of dimensions (0 for a scalar).
func (t *Tensor) NDim() int { return len(t.lay("tensor.NDim").Shape) }

// Size returns the size of dimension axis; negative axes count from the end. It panics if axis
// is out of range.
func (t *Tensor) Size(axis int) int {
	l := t.lay("tensor.Size")
	return l.Shape[normAxis("tensor.Size", axis, len(l.Shape))]
}

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return t.lay("tensor.Numel").Numel() }

// Strides returns a copy of the strides, in elements.
func (t *Tensor) Strides() []int { return slices.Clone(t.lay("tensor.Strides").Strides) }

// Layout returns a copy of the tensor's layout.
func (t *Tensor) Layout() Layout { return t.lay("tensor.Layout").Clone() }

// IsContiguous reports whether the elements are laid out densely in row-major order.
func (t *Tensor) IsContiguous() bool { return t.lay("tensor.IsContiguous").IsContiguous() }

// Version counts the in-place writes made to the tensor's storage through any view. Autograd
// uses it to detect a saved tensor modified before backward.
func (t *Tensor) Version() uint64 { return t.live("tensor.Version").version.Load() }

// SharesStorage reports whether t and u view the same storage (false when either is nil or
// released).
func (t *Tensor) SharesStorage(u *Tensor) bool {
	return t != nil && u != nil && t.st != nil && t.st == u.st
}

// normAxis turns a possibly negative axis into 0..n-1, panicking when out of range.
func normAxis(op string, axis, n int) int {
	if axis < -n || axis >= n {
		panicf(op, "axis %d out of range for %d dimensions", axis, n)
	}
	if axis < 0 {
		axis += n
	}
	return axis
}

// checkScalarAxis panics unless axis is 0 or -1, the axes that torch accepts for a 0-d tensor
// in reductions and softmax.
func checkScalarAxis(op string, axis int) {
	if axis != 0 && axis != -1 {
		panicf(op, "axis %d out of range for a 0-d tensor (0 or -1)", axis)
	}
}

// normAxes normalizes a list of axes and panics on duplicates. An empty list means all axes.
func normAxes(op string, axes []int, n int) []int {
	if len(axes) == 0 {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	out := make([]int, len(axes))
	for i, a := range axes {
		out[i] = normAxis(op, a, n)
		for _, b := range out[:i] {
			if b == out[i] {
				panicf(op, "axis %d repeated", a)
			}
		}
	}
	return out
}

// sameDevice panics unless all tensors live on one device and have one dtype.
func checkSame(op string, ts ...*Tensor) {
	t0 := ts[0]
	st0 := t0.live(op)
	for _, t := range ts[1:] {
		st := t.live(op)
		if st.dev != st0.dev {
			panicf(op, "tensors on different devices: %s and %s", st0.dev.Name(), st.dev.Name())
		}
		if st.buf.DType() != st0.buf.DType() {
			panicf(op, "dtypes differ: %s %s and %s %s", st0.buf.DType(), shapeStr(t0.layout.Shape), st.buf.DType(), shapeStr(t.layout.Shape))
		}
	}
}

func checkDevice(op string, ts ...*Tensor) {
	st0 := ts[0].live(op)
	for _, t := range ts[1:] {
		if st := t.live(op); st.dev != st0.dev {
			panicf(op, "tensors on different devices: %s and %s", st0.dev.Name(), st.dev.Name())
		}
	}
}

// bumpVersion records an in-place write.
func (t *Tensor) bumpVersion() { t.st.version.Add(1) }

// keep keeps tensors reachable until a kernel that uses their buffers has returned: without it
// the collector could release a storage whose raw memory a kernel is still reading.
func keep(ts ...*Tensor) {
	for _, t := range ts {
		runtime.KeepAlive(t)
	}
}
