package cuda

import (
	"slices"
)

// The caching allocator. cuMemAlloc and cuMemFree are slow (and cuMemFree waits for the whole
// device), so device memory that a tensor gives back stays in a cache, sorted by size class,
// for the next allocation of its class.
//
// Reuse is ordered on the stream: every kernel, copy and cuBLAS call of a device runs on its
// one stream, in the order the host queued them. A block freed while kernels that use it are
// still queued can therefore be handed out at once: whatever the new owner queues runs after
// those kernels. Memory goes back to the driver only after the stream has drained (drain is
// called first), when an allocation fails for lack of memory, or on EmptyCache.

// memBackend is what the allocator asks of the driver (a fake one in the tests).
type memBackend interface {
	malloc(bytes int) (ptr uint64, err error) // device memory; err is outOfMemory when it is short
	free(ptr uint64) error
	drain() error // wait until the stream has run everything queued so far
}

// outOfMemory is the error a memBackend's malloc returns when the device is short of memory.
type outOfMemory struct{ err error }

func (e outOfMemory) Error() string { return e.err.Error() }
func (e outOfMemory) Unwrap() error { return e.err }

const (
	smallAlign  = 512     // blocks below smallLimit are multiples of this
	smallLimit  = 1 << 20 // 1 MiB
	mediumAlign = 2 << 20 // blocks below mediumLimit are multiples of 2 MiB
	mediumLimit = 64 << 20
)

// roundSize returns the size class of a request: the size of the block that serves it.
// Small requests round up to 512 bytes, medium ones to 2 MiB, and large ones to an eighth of
// their power of two (at most 12.5% wasted); so requests of nearly the same size share blocks.
func roundSize(bytes int) int {
	switch {
	case bytes <= 0:
		return 0
	case bytes < smallLimit:
		return (bytes + smallAlign - 1) / smallAlign * smallAlign
	case bytes < mediumLimit:
		return (bytes + mediumAlign - 1) / mediumAlign * mediumAlign
	}
	step := 1
	for step*16 <= bytes { // step = the power of two at or below bytes, divided by 8
		step *= 2
	}
	return (bytes + step - 1) / step * step
}

// block is a piece of device memory the allocator handed out.
type block struct {
	ptr  uint64
	size int // its size class
}

// MemStats are the device memory counters of a CUDA device's caching allocator.
type MemStats struct {
	InUse    int64 // bytes in blocks that tensors hold
	Cached   int64 // bytes in blocks kept for reuse
	Peak     int64 // the most InUse has been
	Allocs   int64 // blocks taken from the driver (cuMemAlloc)
	Reuses   int64 // allocations served from the cache
	Releases int64 // blocks given back to the driver (cuMemFree)
}

// allocator caches freed device memory by size class. It is not safe for concurrent use:
// the device holds its lock around every call.
type allocator struct {
	be    memBackend
	free  map[int][]uint64 // size class → cached blocks, most recently freed last
	stats MemStats
}

func newAllocator(be memBackend) *allocator {
	return &allocator{be: be, free: map[int][]uint64{}}
}

// alloc returns a block of at least bytes bytes (a zero block for none): a cached block of
// its size class when there is one, the most recently freed first (its memory is likeliest
// still in the GPU's cache), and new memory from the driver otherwise. When the driver is out
// of memory it waits for the stream, gives the whole cache back and tries once more.
func (a *allocator) alloc(bytes int) (block, error) {
	size := roundSize(bytes)
	if size == 0 {
		return block{}, nil
	}
	if l := a.free[size]; len(l) > 0 {
		p := l[len(l)-1]
		a.free[size] = l[:len(l)-1]
		a.stats.Cached -= int64(size)
		a.stats.Reuses++
		a.took(size)
		return block{ptr: p, size: size}, nil
	}
	p, err := a.be.malloc(size)
	if _, oom := err.(outOfMemory); oom && a.stats.Cached > 0 {
		if err := a.release(); err != nil {
			return block{}, err
		}
		p, err = a.be.malloc(size)
	}
	if err != nil {
		return block{}, err
	}
	a.stats.Allocs++
	a.took(size)
	return block{ptr: p, size: size}, nil
}

func (a *allocator) took(size int) {
	a.stats.InUse += int64(size)
	a.stats.Peak = max(a.stats.Peak, a.stats.InUse)
}

// put takes a block back into the cache. Kernels queued before may still use it; see the
// comment at the top of the file for why it may be reused at once.
func (a *allocator) put(b block) {
	if b.size == 0 {
		return
	}
	a.free[b.size] = append(a.free[b.size], b.ptr)
	a.stats.InUse -= int64(b.size)
	a.stats.Cached += int64(b.size)
}

// release waits for the stream and gives every cached block back to the driver, largest
// first.
func (a *allocator) release() error {
	if a.stats.Cached == 0 {
		return nil
	}
	if err := a.be.drain(); err != nil {
		return err
	}
	sizes := make([]int, 0, len(a.free))
	for s := range a.free {
		sizes = append(sizes, s)
	}
	slices.Sort(sizes)
	slices.Reverse(sizes)
	for _, s := range sizes {
		for l := a.free[s]; len(l) > 0; l = a.free[s] {
			if err := a.be.free(l[len(l)-1]); err != nil {
				return err
			}
			a.free[s] = l[:len(l)-1]
			a.stats.Cached -= int64(s)
			a.stats.Releases++
		}
		delete(a.free, s)
	}
	return nil
}
