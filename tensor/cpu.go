package tensor

import (
	"fmt"
	"math/bits"
	"sync"
	"unsafe"
)

// CPU is the reference backend, always compiled in: pure Go kernels (SIMD versions plug in
// beneath them), parallel over a bounded worker pool, with buffers recycled through size-class
// pools.
var CPU Device = cpuDevice{}

type cpuDevice struct{}

// cpuBuffer holds a Go slice of n elements of dtype dt, cut from an allocation of capacity
// elements (its pool size class). The slice is kept as a pointer so that reading it back
// (cpuData) costs no allocation or type switch.
type cpuBuffer struct {
	dt       DType
	ptr      unsafe.Pointer // the first element; keeps the allocation alive
	n        int
	capacity int
}

func (b *cpuBuffer) DType() DType { return b.dt }
func (b *cpuBuffer) Len() int     { return b.n }

// cpuData returns the slice behind a CPU buffer. It panics if T is not the buffer's dtype.
func cpuData[T Element](b Buffer) []T {
	cb := b.(*cpuBuffer)
	if DTypeOf[T]() != cb.dt {
		panic(fmt.Sprintf("tensor: cpu buffer of %v read as %v", cb.dt, DTypeOf[T]()))
	}
	return unsafe.Slice((*T)(cb.ptr), cb.n)
}

func (cpuDevice) Name() string { return "cpu" }

// The pools: 4 size classes per power of two (m·2^k for m = 4..7), so a buffer wastes at most
// a quarter of its size; the smallest class holds 16 elements. sync.Pool drops idle buffers at
// garbage collection, so the pools never pin memory a program no longer uses.
const (
	minClassElems = 16
	numClasses    = 4*(62-4) + 1
)

var pools [3][numClasses]sync.Pool

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

func (cpuDevice) Alloc(dt DType, n int) Buffer {
	if n < 0 || !dt.valid() {
		panic(fmt.Sprintf("tensor: cpu Alloc(%v, %d)", dt, n))
	}
	class, capacity := sizeClass(n)
	if v := pools[dt][class].Get(); v != nil {
		b := v.(*cpuBuffer)
		b.n = n
		return b
	}
	b := &cpuBuffer{dt: dt, n: n, capacity: capacity}
	switch dt {
	case Float32:
		b.ptr = unsafe.Pointer(unsafe.SliceData(make([]float32, capacity)))
	case Float64:
		b.ptr = unsafe.Pointer(unsafe.SliceData(make([]float64, capacity)))
	case Int64:
		b.ptr = unsafe.Pointer(unsafe.SliceData(make([]int64, capacity)))
	}
	return b
}

func (cpuDevice) Free(buf Buffer) {
	b := buf.(*cpuBuffer)
	class, capacity := sizeClass(b.capacity)
	if capacity != b.capacity {
		return // not from a pool class: let the collector have it
	}
	pools[b.dt][class].Put(b)
}

func (cpuDevice) Write(b Buffer, off int, src any) {
	switch s := src.(type) {
	case []float32:
		copy(cpuData[float32](b)[off:], s)
	case []float64:
		copy(cpuData[float64](b)[off:], s)
	case []int64:
		copy(cpuData[int64](b)[off:], s)
	default:
		panic(fmt.Sprintf("tensor: cpu Write of %T", src))
	}
}

func (cpuDevice) Read(b Buffer, off int, dst any) {
	switch d := dst.(type) {
	case []float32:
		copy(d, cpuData[float32](b)[off:])
	case []float64:
		copy(d, cpuData[float64](b)[off:])
	case []int64:
		copy(d, cpuData[int64](b)[off:])
	default:
		panic(fmt.Sprintf("tensor: cpu Read into %T", dst))
	}
}
