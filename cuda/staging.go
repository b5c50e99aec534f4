package cuda

import "unsafe"

// Pinned staging for host-to-device copies. Write must copy its source before it returns,
// and must not wait for the kernels queued before it (nothing on the training path waits for
// the device). So the host copies the source into pinned (page-locked) memory and queues an
// asynchronous copy from there, which the GPU's copy engine runs in stream order. The pinned
// memory is cut from chunks: a chunk serves copies until it is full, then is retired with an
// event recorded after its last copy, and is reused once that event has completed. Only
// when every chunk is busy does the host wait, for the oldest.

// stagingBackend is what the stager asks of the driver (a fake one in the tests).
type stagingBackend interface {
	allocPinned(bytes int) (unsafe.Pointer, error)
	newEvent() (uintptr, error)
	record(ev uintptr) error       // record the event on the stream, after the copies queued so far
	done(ev uintptr) (bool, error) // whether everything before the event has run
	wait(ev uintptr) error         // wait for the event
}

const (
	stagingChunk  = 4 << 20 // bytes per chunk: the largest piece of one copy
	stagingChunks = 16      // the most chunks (64 MiB of pinned memory)
	stagingAlign  = 256     // copies start at multiples of this within a chunk
)

type stagingChunkState struct {
	ptr  unsafe.Pointer
	used int
	ev   uintptr
}

// stager hands out pinned memory for copies. It is not safe for concurrent use: the device
// holds its lock around every call.
type stager struct {
	be        stagingBackend
	chunkSize int
	maxChunks int
	chunks    int                  // how many exist
	cur       *stagingChunkState   // the chunk being filled, if any
	busy      []*stagingChunkState // retired chunks, oldest first
	idle      []*stagingChunkState // chunks whose copies have all run
	waits     int                  // how many times the host waited for a chunk, for tests
}

func newStager(be stagingBackend, chunkSize, maxChunks int) *stager {
	return &stager{be: be, chunkSize: chunkSize, maxChunks: maxChunks}
}

// reserve returns pinned memory for a copy of n bytes (0 < n <= chunkSize). The caller fills
// it and queues the copy from it before the next call.
func (s *stager) reserve(n int) (unsafe.Pointer, error) {
	if c := s.cur; c != nil && c.used+n <= s.chunkSize {
		p := unsafe.Add(c.ptr, c.used)
		c.used += (n + stagingAlign - 1) / stagingAlign * stagingAlign
		return p, nil
	}
	if err := s.retire(); err != nil {
		return nil, err
	}
	c, err := s.next()
	if err != nil {
		return nil, err
	}
	s.cur = c
	c.used = (n + stagingAlign - 1) / stagingAlign * stagingAlign
	return c.ptr, nil
}

// retire records the event of the current chunk and moves it to the busy list.
func (s *stager) retire() error {
	c := s.cur
	if c == nil {
		return nil
	}
	if err := s.be.record(c.ev); err != nil {
		return err
	}
	s.cur = nil
	s.busy = append(s.busy, c)
	return nil
}

// next returns a chunk to fill: an idle one, a busy one whose copies have run, a new one, or
// (all chunks busy) the oldest after waiting for it.
func (s *stager) next() (*stagingChunkState, error) {
	for len(s.busy) > 0 {
		ok, err := s.be.done(s.busy[0].ev)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		s.idle = append(s.idle, s.busy[0])
		s.busy = s.busy[1:]
	}
	if n := len(s.idle); n > 0 {
		c := s.idle[n-1]
		s.idle = s.idle[:n-1]
		return c, nil
	}
	if s.chunks < s.maxChunks || len(s.busy) == 0 {
		p, err := s.be.allocPinned(s.chunkSize)
		if err != nil {
			return nil, err
		}
		ev, err := s.be.newEvent()
		if err != nil {
			return nil, err
		}
		s.chunks++
		return &stagingChunkState{ptr: p, ev: ev}, nil
	}
	c := s.busy[0]
	s.busy = s.busy[1:]
	s.waits++
	if err := s.be.wait(c.ev); err != nil {
		return nil, err
	}
	return c, nil
}
