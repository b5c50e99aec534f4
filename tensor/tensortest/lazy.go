package tensortest

import (
	"fmt"
	"slices"
	"sync"

	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/device"
)

// Lazy returns a device that queues every kernel and runs the queue only when the host
// synchronises: on Read (and so on Item, Float32s, printing, To(tensor.CPU)) and on Sync. It
// runs each kernel on inner (the CPU when inner is nil) and behaves like a GPU stream seen
// from the host:
//
//   - kernels return at once; their results exist only after the next synchronising call;
//   - Write copies its source at once and is queued like a kernel;
//   - Free is queued too, so a buffer freed while kernels that use it are pending is given
//     back only after they have run;
//   - a kernel that panics with a *tensor.Error (an index out of range) is recorded, the
//     queue goes on, and the next synchronising call panics with the first such error.
//
// It is how godl knows that nothing outside the device package assumes a kernel has finished
// when it returns: the conformance suite and the autograd tests run on it. Its name is
// "lazy" (or "lazy(naive)" around another device). It is safe for concurrent use.
func Lazy(inner tensor.Device) tensor.Device {
	if inner == nil {
		inner = tensor.CPU
	}
	name := "lazy"
	if inner != tensor.CPU {
		name = "lazy(" + inner.Name() + ")"
	}
	return &lazyDevice{inner: inner, name: name}
}

type lazyDevice struct {
	inner tensor.Device
	name  string

	mu     sync.Mutex
	queue  []func()
	failed *tensor.Error // the first error raised by a queued kernel since the last sync
	runs   int           // how many times the queue was run, for tests
}

// lazyBuffer is a buffer of the lazy device: the inner device's buffer, allocated at once (as a
// GPU allocator hands out memory at once), with a host-side flag for use after Free.
type lazyBuffer struct {
	inner tensor.Buffer
	freed bool
}

func (b *lazyBuffer) DType() tensor.DType { return b.inner.DType() }
func (b *lazyBuffer) Len() int            { return b.inner.Len() }

func (d *lazyDevice) Name() string { return d.name }

// in returns the inner buffer of b, checking that b belongs to d and is alive.
func (d *lazyDevice) in(op string, b tensor.Buffer) tensor.Buffer {
	lb, ok := b.(*lazyBuffer)
	if !ok {
		contract("lazy "+op, "buffer %T does not belong to the lazy device", b)
	}
	if lb.freed {
		contract("lazy "+op, "use of a freed buffer")
	}
	return lb.inner
}

// st returns s over the inner buffer, with a layout of its own: the caller may not keep the
// slices of a layout it passed, and the kernel runs later.
func (d *lazyDevice) st(op string, s tensor.Strided) tensor.Strided {
	return tensor.Strided{Buf: d.in(op, s.Buf), Layout: tensor.Layout{
		Shape: slices.Clone(s.Shape), Strides: slices.Clone(s.Strides), Offset: s.Offset,
	}}
}

// enqueue adds a kernel to the queue.
func (d *lazyDevice) enqueue(f func()) {
	d.mu.Lock()
	d.queue = append(d.queue, f)
	d.mu.Unlock()
}

// Sync runs every queued kernel in order, then panics with the first error one of them
// raised since the last synchronising call.
func (d *lazyDevice) Sync() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.syncLocked()
}

func (d *lazyDevice) syncLocked() {
	q := d.queue
	d.queue = nil
	d.runs++
	for _, f := range q {
		d.runOne(f)
	}
	if e := d.failed; e != nil {
		d.failed = nil
		panic(&tensor.Error{Op: e.Op, Msg: e.Msg})
	}
}

// runOne runs a queued kernel, recording the *tensor.Error it panics with, if any. Other
// panics are bugs of the inner device and go up at once.
func (d *lazyDevice) runOne(f func()) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*tensor.Error)
			if !ok {
				panic(r)
			}
			if d.failed == nil {
				d.failed = e
			}
		}
	}()
	f()
}

// Syncs returns how many times a device made by Lazy has run its queue (on Read or Sync), and
// -1 for any other device: a test can check that a training step never waited for the
// device.
func Syncs(dev tensor.Device) int {
	d, ok := dev.(*lazyDevice)
	if !ok {
		return -1
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.runs
}

// Pending returns the number of queued kernels of a device made by Lazy, and -1 for any other
// device: tests use it to check that an operation left its work queued.
func Pending(dev tensor.Device) int {
	d, ok := dev.(*lazyDevice)
	if !ok {
		return -1
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queue)
}

func (d *lazyDevice) Alloc(dt tensor.DType, n int) tensor.Buffer {
	return &lazyBuffer{inner: d.inner.Alloc(dt, n)}
}

func (d *lazyDevice) Free(b tensor.Buffer) {
	in := d.in("Free", b)
	b.(*lazyBuffer).freed = true
	d.enqueue(func() { d.inner.Free(in) })
}

func (d *lazyDevice) Write(b tensor.Buffer, off int, src any) {
	in := d.in("Write", b)
	var c any // a copy: the caller may change src as soon as Write returns
	switch s := src.(type) {
	case []float32:
		c = slices.Clone(s)
	case []float64:
		c = slices.Clone(s)
	case []int64:
		c = slices.Clone(s)
	default:
		contract("lazy Write", "source of type %T", src)
	}
	d.enqueue(func() { d.inner.Write(in, off, c) })
}

func (d *lazyDevice) Read(b tensor.Buffer, off int, dst any) {
	in := d.in("Read", b)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.syncLocked()
	d.inner.Read(in, off, dst)
}

func (d *lazyDevice) Fill(dst tensor.Strided, v float64) {
	dd := d.st("Fill", dst)
	d.enqueue(func() { d.inner.Fill(dd, v) })
}

func (d *lazyDevice) Copy(dst, src tensor.Strided) {
	dd, ss := d.st("Copy", dst), d.st("Copy", src)
	d.enqueue(func() { d.inner.Copy(dd, ss) })
}

func (d *lazyDevice) Unary(op tensor.UnaryOp, dst, src tensor.Strided, a, b float64) {
	dd, ss := d.st("Unary", dst), d.st("Unary", src)
	d.enqueue(func() { d.inner.Unary(op, dd, ss, a, b) })
}

func (d *lazyDevice) Binary(op tensor.BinaryOp, dst, x, y tensor.Strided) {
	dd, xx, yy := d.st("Binary", dst), d.st("Binary", x), d.st("Binary", y)
	d.enqueue(func() { d.inner.Binary(op, dd, xx, yy) })
}

func (d *lazyDevice) Where(dst, cond, x, y tensor.Strided) {
	dd, cc, xx, yy := d.st("Where", dst), d.st("Where", cond), d.st("Where", x), d.st("Where", y)
	d.enqueue(func() { d.inner.Where(dd, cc, xx, yy) })
}

func (d *lazyDevice) Reduce(op tensor.ReduceOp, dst, src tensor.Strided) {
	dd, ss := d.st("Reduce", dst), d.st("Reduce", src)
	d.enqueue(func() { d.inner.Reduce(op, dd, ss) })
}

func (d *lazyDevice) MatMul(dst, x, y tensor.Strided) {
	dd, xx, yy := d.st("MatMul", dst), d.st("MatMul", x), d.st("MatMul", y)
	d.enqueue(func() { d.inner.MatMul(dd, xx, yy) })
}

func (d *lazyDevice) IndexSelect(dst, src, idx tensor.Strided, axis int) {
	dd, ss, ii := d.st("IndexSelect", dst), d.st("IndexSelect", src), d.st("IndexSelect", idx)
	d.enqueue(func() { d.inner.IndexSelect(dd, ss, ii, axis) })
}

func (d *lazyDevice) Gather(dst, src, idx tensor.Strided, axis int) {
	dd, ss, ii := d.st("Gather", dst), d.st("Gather", src), d.st("Gather", idx)
	d.enqueue(func() { d.inner.Gather(dd, ss, ii, axis) })
}

func (d *lazyDevice) ScatterAdd(dst, src, idx tensor.Strided, axis int) {
	dd, ss, ii := d.st("ScatterAdd", dst), d.st("ScatterAdd", src), d.st("ScatterAdd", idx)
	d.enqueue(func() { d.inner.ScatterAdd(dd, ss, ii, axis) })
}

func (d *lazyDevice) IndexAdd(dst, src, idx tensor.Strided, axis int) {
	dd, ss, ii := d.st("IndexAdd", dst), d.st("IndexAdd", src), d.st("IndexAdd", idx)
	d.enqueue(func() { d.inner.IndexAdd(dd, ss, ii, axis) })
}

// String names the device and its queue, for failure messages.
func (d *lazyDevice) String() string {
	return fmt.Sprintf("%s (%d queued)", d.name, Pending(d))
}

var (
	_ tensor.Device = (*lazyDevice)(nil)
	_ tensor.Syncer = (*lazyDevice)(nil)
)

func (d *lazyDevice) Random(dist device.Distribution, dst tensor.Strided, seed, offset uint64, a, b float64) {
	dd := d.st("Random", dst)
	d.enqueue(func() { d.inner.Random(dist, dd, seed, offset, a, b) })
}
