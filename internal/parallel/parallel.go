package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

var (
	threads atomic.Int32
	idle    = make(chan *job) // unbuffered: a send succeeds only when a worker is waiting
	started atomic.Int32      // workers started so far
	startMu sync.Mutex
)

func init() { threads.Store(int32(runtime.GOMAXPROCS(0))) }

// SetThreads sets the number of goroutines (the caller included) that one call of For may use.
// n < 1 means runtime.GOMAXPROCS(0). It returns the previous value.
func SetThreads(n int) int {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	return int(threads.Swap(int32(n)))
}

// Threads returns the number of goroutines one call of For may use.
func Threads() int { return int(threads.Load()) }

// jobs recycles the jobs of finished calls.
var jobs = sync.Pool{New: func() any { return new(job) }}

type job struct {
	next   atomic.Int64
	chunks int64
	grain  int
	n      int
	body   func(lo, hi int)
	wg     sync.WaitGroup
	failed atomic.Pointer[any] // the first panic of a chunk, re-raised by For in its caller
}

func (j *job) run() {
	defer func() {
		if r := recover(); r != nil {
			j.fail(r)
		}
	}()
	for {
		c := j.next.Add(1) - 1
		if c >= j.chunks {
			return
		}
		lo := int(c) * j.grain
		j.body(lo, min(lo+j.grain, j.n))
	}
}

// fail records the first panic of a chunk and hands out no more chunks. (A function of its
// own, so that run's recovered value stays on the stack when nothing panics.)
func (j *job) fail(r any) {
	j.failed.CompareAndSwap(nil, &r)
	j.next.Store(j.chunks)
}

func worker() {
	for j := range idle {
		j.run()
		j.wg.Done()
	}
}

// ensureWorkers starts workers until there are at least n of them.
func ensureWorkers(n int) {
	if int(started.Load()) >= n {
		return
	}
	startMu.Lock()
	for int(started.Load()) < n {
		go worker()
		started.Add(1)
	}
	startMu.Unlock()
}

// For calls body(lo, hi) for consecutive chunks [lo, hi) of [0, n), each chunk grain elements
// long except perhaps the last. Chunks run concurrently on up to Threads() goroutines; For
// returns when all have run. The chunk boundaries depend only on n and grain. If a chunk
// panics, the chunks not yet started are skipped and For panics with that value in its caller,
// so that a panic in a worker goroutine can be recovered like one in the caller.
func For(n, grain int, body func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := (n + grain - 1) / grain
	helpers := min(Threads(), chunks) - 1
	if helpers <= 0 {
		for lo := 0; lo < n; lo += grain {
			body(lo, min(lo+grain, n))
		}
		return
	}
	ensureWorkers(helpers)
	j := jobs.Get().(*job)
	j.next.Store(0)
	j.chunks, j.grain, j.n, j.body = int64(chunks), grain, n, body
	for range helpers {
		j.wg.Add(1)
		select {
		case idle <- j:
		default:
			j.wg.Done() // every worker is busy: the caller does the work
		}
	}
	j.run()
	j.wg.Wait()
	r := j.failed.Swap(nil)
	j.body = nil
	jobs.Put(j) // every helper is done with it: reuse it, so that a call allocates nothing
	if r != nil {
		panic(*r)
	}
}

// Chunks returns how many chunks For(n, grain, ...) cuts [0, n) into.
func Chunks(n, grain int) int {
	if n <= 0 {
		return 0
	}
	if grain < 1 {
		grain = 1
	}
	return (n + grain - 1) / grain
}
