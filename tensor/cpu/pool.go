package cpu

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/godl/godl/tensor/device"
)

// The CPU buffer pool.
//
// Buffers given back by Release wait in a pool, by dtype and size class, for the next
// allocation of their class: a loop that releases its temporaries reuses the same memory
// every step, with no zeroing and no work for the collector.
//
// The pool holds its buffers through weak pointers. A pooled buffer is therefore not live to
// the garbage collector: it does not raise the heap goal, and the collector frees whatever is
// still in the pool at its next cycle (the pool is then emptied). So the pool never keeps
// memory beyond one collection, and never makes a program's heap grow faster than the same
// program without it. Its size between collections is bounded too, in bytes (SetPoolLimit).
//
// Tensors dropped without Release are not pooled: their buffers are ordinary Go memory,
// reclaimed by the collector like any other. (Recycling them would need a cleanup that keeps
// each dead buffer reachable through one more collection, which makes the heap goal grow with
// the garbage: the unbounded growth this design avoids.)

// Size classes: 4 per power of two (m·2^k for m = 4..7), so a buffer wastes at most a quarter
// of its size; the smallest class holds 16 elements.
const (
	minClassElems = 16
	numClasses    = 4*(62-4) + 1
)

// A buffer keeps its class in a uint8: this fails to compile if the classes outgrow it.
const _ = uint8(numClasses - 1)

// DefaultPoolLimit is the number of bytes of released buffers the CPU pool keeps for reuse
// until the next garbage collection, unless SetPoolLimit says otherwise.
const DefaultPoolLimit = 256 << 20

type poolClass struct {
	mu   sync.Mutex
	free []weak.Pointer[cpuBuffer]
}

var (
	poolClasses [3][numClasses]poolClass
	poolBytes   atomic.Int64 // bytes of the buffers in the pool, dead or alive
	poolLimit   atomic.Int64
)

func init() {
	poolLimit.Store(DefaultPoolLimit)
	watchCollections()
}

// SetPoolLimit sets how many bytes of released buffers the CPU pool may keep for reuse
// (DefaultPoolLimit at start) and returns the previous limit. 0 turns pooling off. The
// pool holds buffers weakly, so this bounds reuse between two garbage collections rather than
// memory the collector cannot reclaim. It panics if bytes is negative.
func SetPoolLimit(bytes int64) int64 {
	if bytes < 0 {
		device.Panicf("cpu.SetPoolLimit", "negative limit %d", bytes)
	}
	old := poolLimit.Swap(bytes)
	if bytes < old {
		trimPool(bytes)
	}
	return old
}

// PoolBytes returns the number of bytes of released buffers the CPU pool holds for reuse.
// Buffers the collector has reclaimed since the last emptying may still be counted.
func PoolBytes() int64 { return poolBytes.Load() }

// sizeClass returns the class index and capacity that hold n elements.
func sizeClass(n int) (class, capacity int) {
	if n <= minClassElems {
		return 0, minClassElems
	}
	k := bits.Len(uint(n-1)) - 1 // 2^k <= n-1 < 2^(k+1)
	unit := 1 << (k - 2)
	q := (n + unit - 1) / unit // 5..8
	if q == 8 {
		k, q, unit = k+1, 4, unit*2
	}
	return (k-4)*4 + (q - 4) + 1, q * unit
}

func (b *cpuBuffer) bytes() int64 { return int64(classCapacity(int(b.class))) * int64(b.dt.Size()) }

// cpuPoolGet returns a pooled buffer of the class, or nil.
func cpuPoolGet(dt device.DType, class int) *cpuBuffer {
	pc := &poolClasses[dt][class]
	pc.mu.Lock()
	defer pc.mu.Unlock()
	size := int64(classCapacity(class)) * int64(dt.Size())
	for len(pc.free) > 0 {
		w := pc.free[len(pc.free)-1]
		pc.free[len(pc.free)-1] = weak.Pointer[cpuBuffer]{}
		pc.free = pc.free[:len(pc.free)-1]
		poolBytes.Add(-size)
		if b := w.Value(); b != nil {
			return b
		}
		// Reclaimed by the collector before the pool was emptied: try the next one.
	}
	return nil
}

// cpuPoolPut offers b to the pool; a buffer beyond the pool's limit is left to the collector.
func cpuPoolPut(b *cpuBuffer) {
	class := int(b.class)
	size := b.bytes()
	if poolBytes.Add(size) > poolLimit.Load() {
		poolBytes.Add(-size)
		return
	}
	if b.self == (weak.Pointer[cpuBuffer]{}) {
		b.self = weak.Make(b)
	}
	pc := &poolClasses[b.dt][class]
	pc.mu.Lock()
	pc.free = append(pc.free, b.self)
	pc.mu.Unlock()
}

// emptyPool drops every pooled buffer. After a collection, the buffers that were in the pool
// during it are gone (or, if they arrived late in the cycle, are dropped here and reclaimed by
// the next one), so the pool starts afresh with exact accounting.
func emptyPool() { trimPool(0) }

// trimPool drops pooled buffers, class by class, until at most limit bytes remain.
func trimPool(limit int64) {
	for dt := range poolClasses {
		for c := range poolClasses[dt] {
			if poolBytes.Load() <= limit {
				return
			}
			pc := &poolClasses[dt][c]
			pc.mu.Lock()
			if n := len(pc.free); n > 0 {
				poolBytes.Add(-int64(n) * int64(classCapacity(c)) * int64(device.DType(dt).Size()))
				clear(pc.free)
				pc.free = pc.free[:0]
			}
			pc.mu.Unlock()
		}
	}
}

// classCapacity returns the capacity of size class c.
func classCapacity(c int) int {
	if c == 0 {
		return minClassElems
	}
	k, q := (c-1)/4+4, (c-1)%4+4
	return q << (k - 2)
}

// gcSentinel is an object made only to be collected: its cleanup runs once after each garbage
// collection, empties the pool and arms the next sentinel. (It holds a pointer so that the
// allocator never batches it with other small objects.)
type gcSentinel struct{ _ *byte }

func watchCollections() {
	runtime.AddCleanup(&gcSentinel{}, func(struct{}) {
		emptyPool()
		watchCollections()
	}, struct{}{})
}
