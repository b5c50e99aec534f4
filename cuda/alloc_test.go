package cuda

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeMem is a device with a fixed amount of memory that records what the allocator asks.
type fakeMem struct {
	capacity, used int
	next           uint64
	live           map[uint64]int
	log            []string
}

func newFakeMem(capacity int) *fakeMem {
	return &fakeMem{capacity: capacity, next: 1 << 32, live: map[uint64]int{}}
}

func (f *fakeMem) malloc(n int) (uint64, error) {
	if f.used+n > f.capacity {
		f.log = append(f.log, fmt.Sprintf("malloc %d: out of memory", n))
		return 0, outOfMemory{errors.New("out of memory")}
	}
	p := f.next
	f.next += uint64(n)
	f.used += n
	f.live[p] = n
	f.log = append(f.log, fmt.Sprintf("malloc %d", n))
	return p, nil
}

func (f *fakeMem) free(p uint64) error {
	n, ok := f.live[p]
	if !ok {
		return errors.New("free of unknown pointer")
	}
	delete(f.live, p)
	f.used -= n
	f.log = append(f.log, fmt.Sprintf("free %d", n))
	return nil
}

func (f *fakeMem) drain() error {
	f.log = append(f.log, "drain")
	return nil
}

func TestRoundSize(t *testing.T) {
	assert.Equal(t, 0, roundSize(0))
	assert.Equal(t, 512, roundSize(1))
	assert.Equal(t, 512, roundSize(512))
	assert.Equal(t, 1024, roundSize(513))
	assert.Equal(t, 1<<20-512, roundSize(1<<20-600))
	assert.Equal(t, 2<<20, roundSize(1<<20), "medium sizes round to 2 MiB")
	assert.Equal(t, 64<<20, roundSize(63<<20+1))
	assert.Equal(t, 72<<20, roundSize(64<<20+1), "large sizes round to an eighth of their power of two")
	assert.Equal(t, 1<<30, roundSize(1<<30))
	assert.Equal(t, 1<<30+1<<27, roundSize(1<<30+1))
	for _, n := range []int{1, 100, 5000, 3 << 20, 100 << 20, 7 << 30} {
		r := roundSize(n)
		assert.GreaterOrEqual(t, r, n)
		assert.LessOrEqual(t, float64(r), float64(n)*1.125+2<<20, "at most an eighth wasted beyond 2 MiB")
	}
}

func TestAllocatorReusesFreedBlocks(t *testing.T) {
	mem := newFakeMem(1 << 30)
	a := newAllocator(mem)
	b1, err := a.alloc(1000)
	require.NoError(t, err)
	b2, err := a.alloc(1000)
	require.NoError(t, err)
	assert.NotEqual(t, b1.ptr, b2.ptr)
	assert.Equal(t, 1024, b1.size)

	a.put(b1)
	a.put(b2)
	assert.Equal(t, MemStats{InUse: 0, Cached: 2048, Peak: 2048, Allocs: 2}, a.stats)
	// The most recently freed block first; a request of the same class (not the same size)
	// shares it.
	b3, err := a.alloc(1010)
	require.NoError(t, err)
	assert.Equal(t, b2.ptr, b3.ptr)
	b4, err := a.alloc(1024)
	require.NoError(t, err)
	assert.Equal(t, b1.ptr, b4.ptr)
	b5, err := a.alloc(2000)
	require.NoError(t, err)
	assert.NotContains(t, []uint64{b1.ptr, b2.ptr}, b5.ptr, "another class: new memory")
	assert.Equal(t, []string{"malloc 1024", "malloc 1024", "malloc 2048"}, mem.log, "the driver is asked only for new memory")
	assert.Equal(t, int64(2), a.stats.Reuses)
	assert.Equal(t, int64(1024+1024+2048), a.stats.InUse)

	zero, err := a.alloc(0)
	require.NoError(t, err)
	assert.Equal(t, block{}, zero, "an empty buffer takes no memory")
	a.put(zero)
	assert.Equal(t, int64(0), a.stats.Cached)
}

// TestAllocatorGivesTheCacheBackWhenShort fills a small device, frees everything into the
// cache, and asks for a block of another class: the allocator must wait for the stream,
// give the cache back to the driver and try again.
func TestAllocatorGivesTheCacheBackWhenShort(t *testing.T) {
	mem := newFakeMem(8 << 20)
	a := newAllocator(mem)
	var bs []block
	for range 3 {
		b, err := a.alloc(2 << 20)
		require.NoError(t, err)
		bs = append(bs, b)
	}
	small, err := a.alloc(100)
	require.NoError(t, err)
	for _, b := range bs {
		a.put(b)
	}
	a.put(small)
	mem.log = nil
	big, err := a.alloc(6 << 20)
	require.NoError(t, err)
	assert.Equal(t, []string{"malloc 6291456: out of memory", "drain",
		"free 2097152", "free 2097152", "free 2097152", "free 512", "malloc 6291456"}, mem.log,
		"the stream drains before any memory goes back, largest blocks first")
	assert.Equal(t, MemStats{InUse: 6 << 20, Cached: 0, Peak: 6<<20 + 512, Allocs: 5, Releases: 4}, a.stats)

	// Still short: the error reaches the caller.
	_, err = a.alloc(4 << 20)
	var oom outOfMemory
	require.ErrorAs(t, err, &oom)
	a.put(big)
	require.NoError(t, a.release())
	assert.Empty(t, mem.live, "everything went back to the driver")
}
