package tensor

import (
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vwCountingDevice is the CPU backend with Free instrumented: it records how often each buffer
// was given back, so tests can see exactly when a storage returns to its device.
type vwCountingDevice struct {
	Device
	mu    sync.Mutex
	freed map[Buffer]int
}

func vwNewCountingDevice() *vwCountingDevice {
	return &vwCountingDevice{Device: CPU, freed: map[Buffer]int{}}
}

func (d *vwCountingDevice) Free(b Buffer) {
	d.mu.Lock()
	d.freed[b]++
	d.mu.Unlock()
	d.Device.Free(b)
}

func (d *vwCountingDevice) timesFreed(b Buffer) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.freed[b]
}

func TestReleaseSemantics(t *testing.T) {
	x := vwSeq(2, 3)
	assert.False(t, x.Released())
	x.Release()
	assert.True(t, x.Released())
	assert.NotPanics(t, x.Release, "releasing twice does nothing")
	var nilT *Tensor
	assert.NotPanics(t, nilT.Release)

	y := vwSeq(2, 3)
	uses := []struct {
		fn   func()
		want string
	}{
		{func() { x.Add(y) }, "tensor.Add: use of a released tensor"},
		{func() { y.Add(x) }, "tensor.Add: use of a released tensor"},
		{func() { x.Sum() }, "tensor.Sum: use of a released tensor"},
		{func() { x.Exp() }, "tensor.Exp: use of a released tensor"},
		{func() { x.AddInPlace(y) }, "tensor.AddInPlace: use of a released tensor"},
		{func() { y.AddInPlace(x) }, "tensor.AddInPlace: use of a released tensor"},
		{func() { x.Fill(1) }, "tensor.Fill: use of a released tensor"},
		{func() { MatMul(x, y.T()) }, "tensor.MatMul: use of a released tensor"},
		{func() { x.DType() }, "tensor.DType: use of a released tensor"},
		{func() { x.Device() }, "tensor.Device: use of a released tensor"},
		{func() { x.Version() }, "tensor.Version: use of a released tensor"},
		{func() { x.To(CPU) }, "tensor.To: use of a released tensor"},
		{func() { x.AsType(Int64) }, "tensor.AsType: use of a released tensor"},
	}
	for _, u := range uses {
		vwAssertPanic(t, u.want, u.fn)
	}
	// Reading the elements of a released tensor panics with a *Error naming the problem.
	for _, fn := range []func(){func() { x.Float32s() }, func() { x.Int64s() }, func() { x.Item() }} {
		assert.Contains(t, vwPanicMsg(t, fn), "use of a released tensor")
	}
	assert.False(t, x.SharesStorage(y))
	assert.False(t, y.SharesStorage(x))
}

func TestViewsOutliveReleasedBase(t *testing.T) {
	x := vwSeq(2, 3)
	v := x.T()
	w := x.Narrow(1, 1, 2)
	st := x.st
	require.Equal(t, int32(3), st.refs.Load())
	x.Release()
	x.Release() // a second release must not drop another reference
	assert.Equal(t, int32(2), st.refs.Load())
	assert.NotNil(t, st.buf)
	assert.Equal(t, vwF32(0, 3, 1, 4, 2, 5), v.Float32s())
	assert.True(t, v.SharesStorage(w))
	w.Fill(-1)
	assert.Equal(t, vwF32(0, 3, -1, -1, -1, -1), v.Float32s())
	v.Release()
	assert.Equal(t, int32(1), st.refs.Load())
	assert.Equal(t, vwF32(-1, -1, -1, -1), w.Float32s())
	w.Release()
	assert.Equal(t, int32(0), st.refs.Load())
	assert.Nil(t, st.buf, "the last release gives the buffer back")
}

func TestStorageFreedOnlyAfterLastView(t *testing.T) {
	dev := vwNewCountingDevice()
	x := Zeros(Shape{4, 4}, On(dev))
	buf := x.st.buf
	// Each view is made by one call, so no intermediate handle holds a reference that only
	// the garbage collector would drop.
	views := []*Tensor{x.T(), x.Narrow(0, 1, 2), x.View(16), x.Unsqueeze(0), x.Expand(3, 4, 4)}
	c := x.Clone() // a copy has its own storage
	x.Release()
	for i, v := range views {
		assert.Zero(t, dev.timesFreed(buf), "freed while %d views remain", len(views)-i)
		assert.Equal(t, 0.0, v.Sum().Item(), "view %d still readable", i)
		v.Release()
	}
	assert.Equal(t, 1, dev.timesFreed(buf), "freed once, when the last view went")
	for _, v := range views {
		v.Release()
	}
	x.Release()
	assert.Equal(t, 1, dev.timesFreed(buf), "repeated releases free nothing more")
	assert.Zero(t, dev.timesFreed(c.st.buf))
	cb := c.st.buf
	c.Release()
	assert.Equal(t, 1, dev.timesFreed(cb))
}

func TestGarbageCollectedTensorsReturnBuffers(t *testing.T) {
	dev := vwNewCountingDevice()
	var bufs []Buffer
	func() {
		for range 8 {
			x := Ones(Shape{256}, On(dev))
			_ = x.T()                  // a view dropped at once
			keepView := x.View(16, 16) // a view that outlives x inside this function
			bufs = append(bufs, x.st.buf)
			assert.Equal(t, 256.0, keepView.Sum().Item())
		}
	}()
	// Cleanups run after a collection has found the tensors unreachable, on another
	// goroutine; give them time, and a few collections, before giving up.
	deadline := time.Now().Add(20 * time.Second)
	allFreed := func() bool {
		for _, b := range bufs {
			if dev.timesFreed(b) == 0 {
				return false
			}
		}
		return true
	}
	for !allFreed() && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	require.True(t, allFreed(), "buffers of unreachable tensors were not returned")
	// A buffer freed early may have been handed to a later tensor of the loop; each storage
	// that held it gives it back exactly once.
	holders := map[Buffer]int{}
	for _, b := range bufs {
		holders[b]++
	}
	for b, n := range holders {
		assert.Equal(t, n, dev.timesFreed(b), "a buffer held by %d storages", n)
	}
}

func TestReleasedBufferIsReused(t *testing.T) {
	// The pool hands a freed buffer to the next allocation of its size class. sync.Pool is
	// per-processor and may hand out another pooled buffer first, so try a few times.
	reused := false
	for range 50 {
		x := Full(Shape{1000}, 7)
		b := x.st.buf
		x.Release()
		y := Zeros(Shape{1020}) // same class as 1000 elements: capacity 1024
		assert.Equal(t, 1020, y.st.buf.Len())
		for _, v := range y.Float32s() {
			require.Equal(t, float32(0), v, "Zeros must clear a reused buffer")
		}
		if y.st.buf == b {
			reused = true
			y.Release()
			break
		}
		y.Release()
	}
	assert.True(t, reused, "a released buffer was never reused")

	// A buffer still referenced by a view is not reused.
	x := Full(Shape{1000}, 3)
	v := x.Narrow(0, 0, 10)
	b := x.st.buf
	x.Release()
	for range 20 {
		y := Empty(Shape{1000})
		assert.NotSame(t, b, y.st.buf)
		defer y.Release()
	}
	assert.Equal(t, 30.0, v.Sum().Item())
}

func TestVersionCountsInPlaceWrites(t *testing.T) {
	x := Zeros(Shape{3, 3})
	y := Ones(Shape{3, 3})
	idx := From([]int64{0, 2})
	v0 := x.Version()
	steps := []struct {
		name string
		fn   func()
	}{
		{"AddInPlace", func() { x.AddInPlace(y) }},
		{"SubInPlace", func() { x.SubInPlace(y) }},
		{"MulInPlace", func() { x.MulInPlace(y) }},
		{"DivInPlace", func() { x.DivInPlace(y) }},
		{"AddScaledInPlace", func() { x.AddScaledInPlace(2, y) }},
		{"AddScalarInPlace", func() { x.AddScalarInPlace(1) }},
		{"MulScalarInPlace", func() { x.MulScalarInPlace(2) }},
		{"ClampInPlace", func() { x.ClampInPlace(0, 10) }},
		{"ApplyInPlace", func() { x.ApplyInPlace(OpSquare, 0, 0) }},
		{"Fill", func() { x.Fill(2) }},
		{"Zero", func() { x.Zero() }},
		{"CopyFrom", func() { x.CopyFrom(y) }},
		{"IndexAddInPlace", func() { x.IndexAddInPlace(0, idx, Ones(Shape{2, 3})) }},
		{"ScatterAddInPlace", func() { x.ScatterAddInPlace(1, From([]int64{0}, 1, 1), Ones(Shape{1, 1})) }},
		{"through a view", func() { x.T().Narrow(0, 1, 1).Fill(5) }},
	}
	for i, s := range steps {
		s.fn()
		assert.Equal(t, v0+uint64(i+1), x.Version(), s.name)
	}
	vn := x.Version()
	assert.Equal(t, vn, x.T().Version(), "views share the counter")

	// Operations that do not write into x leave its version alone.
	_ = x.Add(y)
	_ = x.Exp()
	_ = x.Sum()
	_ = x.T().Contiguous()
	_ = x.Reshape(9)
	_ = x.Clone()
	y.AddInPlace(x)
	assert.Equal(t, vn, x.Version())
	assert.Zero(t, x.Clone().Version(), "a copy starts afresh")
}

func TestInPlaceOnExpandedPanics(t *testing.T) {
	e := Zeros(Shape{3, 1}).Expand(3, 4)
	src := Ones(Shape{3, 4})
	const msg = "cannot write in place to an expanded tensor of shape [3 4] (strides [1 0]); Clone it first"
	tests := []struct {
		op string
		fn func()
	}{
		{"tensor.AddInPlace", func() { e.AddInPlace(src) }},
		{"tensor.MulInPlace", func() { e.MulInPlace(src) }},
		{"tensor.AddScalarInPlace", func() { e.AddScalarInPlace(1) }},
		{"tensor.MulScalarInPlace", func() { e.MulScalarInPlace(1) }},
		{"tensor.ClampInPlace", func() { e.ClampInPlace(0, 1) }},
		{"tensor.ApplyInPlace", func() { e.ApplyInPlace(OpExp, 0, 0) }},
		{"tensor.Fill", func() { e.Fill(1) }},
		{"tensor.Fill", func() { e.Zero() }},
		{"tensor.CopyFrom", func() { e.CopyFrom(src) }},
		{"tensor.IndexAddInPlace", func() { e.IndexAddInPlace(1, From([]int64{0}), Ones(Shape{3, 1})) }},
		{"tensor.ScatterAddInPlace", func() { e.ScatterAddInPlace(1, From([]int64{0}, 1, 1), Ones(Shape{1, 1})) }},
	}
	for _, tc := range tests {
		vwAssertPanic(t, tc.op+": "+msg, tc.fn)
	}
	// Expanding a size-1 dimension to size 1 aliases nothing, so writing is allowed.
	ok := Zeros(Shape{1, 4}).Expand(1, 4)
	ok.Fill(2)
	assert.Equal(t, vwF32(2, 2, 2, 2), ok.Float32s())
	// A clone of an expanded tensor is writable.
	c := e.Clone()
	c.AddScalarInPlace(1)
	assert.Equal(t, 12.0, c.Sum().Item())
}

func TestInPlaceWithOverlappingSource(t *testing.T) {
	x := vwSeq(4, 4)
	ref := x.Clone()
	want := ref.Add(ref.T().Clone()).Float32s()
	x.AddInPlace(x.T())
	assert.Equal(t, want, x.Float32s(), "x += x.T() reads x before writing")
	// The result is symmetric, as x + xᵀ must be.
	assert.Equal(t, x.Float32s(), x.T().Float32s())

	// Same layout: no copy needed, and the answer is plain.
	y := vwSeq(2, 3)
	y.MulInPlace(y)
	assert.Equal(t, vwF32(0, 1, 4, 9, 16, 25), y.Float32s())
	y.SubInPlace(y)
	assert.Equal(t, vwF32(0, 0, 0, 0, 0, 0), y.Float32s())

	// Shifted rows: rows 1..3 += rows 0..2 of the original.
	z := vwSeq(4, 2)
	z.Narrow(0, 1, 3).AddInPlace(z.Narrow(0, 0, 3))
	assert.Equal(t, vwF32(0, 1, 2, 4, 6, 8, 10, 12), z.Float32s())

	// A broadcast row of the receiver: every row += the original row 0.
	w := vwSeq(3, 2).AddScalarInPlace(1)
	w.AddInPlace(w.Select(0, 0))
	assert.Equal(t, vwF32(2, 4, 4, 6, 6, 8), w.Float32s())

	// CopyFrom a transposed view of itself transposes in place.
	s := vwSeq(3, 3)
	s.CopyFrom(s.T())
	assert.Equal(t, vwF32(0, 3, 6, 1, 4, 7, 2, 5, 8), s.Float32s())

	// IndexAddInPlace whose source is a view of the receiver.
	r := vwSeq(3, 2)
	r.IndexAddInPlace(0, From([]int64{2, 0}), r.Narrow(0, 0, 2))
	// row 2 += row 0 (0 1), row 0 += row 1 (2 3), both read before writing.
	assert.Equal(t, vwF32(2, 4, 2, 3, 4, 6), r.Float32s())
}

// withPoolLimit runs f with the CPU pool limited to limit bytes and emptied before and after,
// and with the collector started only by explicit calls, so that what the pool holds is
// deterministic.
func withPoolLimit(t *testing.T, limit int64, f func()) {
	old := SetCPUPoolLimit(0)
	SetCPUPoolLimit(limit)
	gc := debug.SetGCPercent(-1)
	defer func() {
		debug.SetGCPercent(gc)
		SetCPUPoolLimit(0)
		SetCPUPoolLimit(old)
	}()
	f()
}

func TestPoolLimitInBytes(t *testing.T) {
	withPoolLimit(t, 1<<20, func() {
		require.Zero(t, CPUPoolBytes())
		// 256 KiB each: the pool takes four, then leaves the rest to the collector.
		var bufs []Buffer
		var xs []*Tensor
		for range 10 {
			x := Empty(Shape{64 << 10})
			bufs = append(bufs, x.st.buf)
			xs = append(xs, x)
		}
		for _, x := range xs {
			x.Release()
			assert.LessOrEqual(t, CPUPoolBytes(), int64(1<<20))
		}
		assert.Equal(t, int64(1<<20), CPUPoolBytes())
		// The pooled ones come back, newest first, and nothing else does.
		got := map[Buffer]bool{}
		for range 4 {
			y := Empty(Shape{64 << 10})
			got[y.st.buf] = true
		}
		assert.Zero(t, CPUPoolBytes())
		for _, b := range bufs[:4] {
			assert.True(t, got[b], "pooled buffer not handed out")
		}
		for _, b := range bufs[4:] {
			assert.False(t, got[b], "a buffer beyond the limit was pooled")
		}

		// Lowering the limit trims what is pooled.
		for _, x := range []*Tensor{Empty(Shape{64 << 10}), Empty(Shape{64 << 10}), Empty(Shape{64 << 10})} {
			x.Release()
		}
		assert.Equal(t, int64(3<<18), CPUPoolBytes())
		SetCPUPoolLimit(1 << 18)
		assert.LessOrEqual(t, CPUPoolBytes(), int64(1<<18))
	})
	// A limit of 0 turns pooling off.
	withPoolLimit(t, 0, func() {
		x := Full(Shape{1000}, 1)
		b := x.st.buf
		x.Release()
		assert.Zero(t, CPUPoolBytes())
		y := Empty(Shape{1000})
		assert.NotSame(t, b, y.st.buf)
	})
	vwAssertPanic(t, "tensor.SetCPUPoolLimit: negative limit -1", func() { SetCPUPoolLimit(-1) })
}

// TestPooledBuffersAreNotLive checks that a released buffer parked in the pool is not live to
// the garbage collector: a collection reclaims it, and the pool is emptied afterwards.
func TestPooledBuffersAreNotLive(t *testing.T) {
	const size = 64 << 20
	withPoolLimit(t, 2*size, func() {
		x := Zeros(Shape{size / 4})
		x.Release()
		require.Equal(t, int64(size), CPUPoolBytes())
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		assert.Less(t, ms.HeapAlloc, uint64(size), "a pooled buffer survived a collection")
		deadline := time.Now().Add(10 * time.Second)
		for CPUPoolBytes() != 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		assert.Zero(t, CPUPoolBytes(), "the pool is emptied after a collection")
		// Allocating again works, from fresh memory.
		y := Full(Shape{size / 4}, 2)
		assert.Equal(t, 2.0, y.At(size/4-1))
	})
}

func TestAllocBeyondMachineMemory(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func()
	}{
		{"Zeros 4 TiB", func() { Zeros(Shape{1 << 40}) }},
		{"Empty float64", func() { Empty(Shape{1 << 20, 1 << 20}, Float64) }},
		{"Ones int64, 8 TiB", func() { Ones(Shape{1 << 40}, Int64) }},
	} {
		err := Maybe(tc.fn)
		var te *Error
		require.ErrorAs(t, err, &te, tc.name)
		assert.Equal(t, "tensor.Alloc", te.Op, tc.name)
		assert.Contains(t, te.Msg, "of memory this machine has", tc.name)
	}
}
