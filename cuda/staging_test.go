package cuda

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeStream models the copy engine: copies queued from pinned memory read it when the
// stream runs them, which is when the test says so.
type fakeStream struct {
	chunks   [][]byte
	events   map[uintptr]int // event → the number of copies queued before its record
	pending  []fakeCopy      // copies queued, not yet run
	ran      int             // copies run so far
	queued   int
	got      [][]byte // what each copy read, in order
	nextEv   uintptr
	waitedOn []uintptr
}

type fakeCopy struct {
	src unsafe.Pointer
	n   int
}

func newFakeStream() *fakeStream { return &fakeStream{events: map[uintptr]int{}} }

func (f *fakeStream) allocPinned(n int) (unsafe.Pointer, error) {
	b := make([]byte, n)
	f.chunks = append(f.chunks, b)
	return unsafe.Pointer(&b[0]), nil
}
func (f *fakeStream) newEvent() (uintptr, error) { f.nextEv++; return f.nextEv, nil }
func (f *fakeStream) record(ev uintptr) error    { f.events[ev] = f.queued; return nil }
func (f *fakeStream) done(ev uintptr) (bool, error) {
	return f.ran >= f.events[ev], nil
}
func (f *fakeStream) wait(ev uintptr) error {
	f.waitedOn = append(f.waitedOn, ev)
	f.run(f.events[ev] - f.ran)
	return nil
}

// queue queues a copy of n bytes from p.
func (f *fakeStream) queue(p unsafe.Pointer, n int) {
	f.pending = append(f.pending, fakeCopy{p, n})
	f.queued++
}

// run runs the next k queued copies.
func (f *fakeStream) run(k int) {
	for ; k > 0 && len(f.pending) > 0; k-- {
		c := f.pending[0]
		f.pending = f.pending[1:]
		f.got = append(f.got, append([]byte(nil), unsafe.Slice((*byte)(c.src), c.n)...))
		f.ran++
	}
}

// TestStagingNeverOverwritesAQueuedCopy writes many host buffers through a small stager
// while the stream lags behind, and checks that every copy reads what was written for it.
func TestStagingNeverOverwritesAQueuedCopy(t *testing.T) {
	s := newFakeStream()
	st := newStager(s, 4096, 3)
	var want [][]byte
	write := func(n int, v byte) {
		p, err := st.reserve(n)
		require.NoError(t, err)
		buf := unsafe.Slice((*byte)(p), n)
		for i := range buf {
			buf[i] = v
		}
		s.queue(p, n)
		want = append(want, append([]byte(nil), buf...))
	}
	for i := range 40 {
		write(100+97*i%3000, byte(i))
		if i%7 == 6 {
			s.run(2) // the stream runs a little, now and then
		}
	}
	s.run(len(s.pending))
	require.Equal(t, len(want), len(s.got))
	for i := range want {
		assert.Equal(t, want[i], s.got[i], "copy %d read memory that was overwritten", i)
	}
	assert.LessOrEqual(t, st.chunks, 3, "never more chunks than allowed")
	assert.Positive(t, st.waits, "with the stream lagging, the host had to wait at times")
	assert.Len(t, s.waitedOn, st.waits)
}

// TestStagingReusesFinishedChunksWithoutWaiting lets the stream keep up: chunks come back
// through their events, and the host never waits.
func TestStagingReusesFinishedChunksWithoutWaiting(t *testing.T) {
	s := newFakeStream()
	st := newStager(s, 4096, 2)
	for i := range 100 {
		p, err := st.reserve(1000 + i%3*1000)
		require.NoError(t, err)
		s.queue(p, 1)
		s.run(1)
	}
	assert.Zero(t, st.waits)
	assert.Equal(t, 1, st.chunks, "the one chunk is free again whenever it fills")
	assert.Equal(t, 1, len(s.chunks))

	// Allocation offsets are aligned and stay within the chunk.
	p1, err := st.reserve(1)
	require.NoError(t, err)
	p2, err := st.reserve(1)
	require.NoError(t, err)
	assert.Equal(t, uintptr(stagingAlign), uintptr(p2)-uintptr(p1))
}
