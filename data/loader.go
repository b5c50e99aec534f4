package data

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime/debug"
	"sync"
)

// Options configures a Loader. The zero value makes batches of one example, in order, on
// the caller's goroutine.
type Options struct {
	// BatchSize, Shuffle, Seed and DropLast configure the BatchSampler used when Sampler is
	// nil; see BatchSampler.
	BatchSize int
	Shuffle   bool
	Seed      uint64
	DropLast  bool

	// Sampler, when set, makes the batches instead (a BucketSampler, say); the four fields
	// above are then ignored.
	Sampler Sampler

	// Workers is the number of goroutines that make batches ahead of the consumer; 0 makes
	// them on the consumer's goroutine, when asked for. The batches arrive in the sampler's
	// order whatever the number of workers.
	Workers int

	// Prefetch bounds the batches made or being made ahead of the consumer; 0 means
	// 2*Workers. It is raised to Workers if smaller.
	Prefetch int
}

// Loader reads a dataset in batches: it asks its sampler for the indices of each batch,
// fetches the examples and collates them into a batch, possibly on worker goroutines.
type Loader[E, B any] struct {
	ds      Dataset[E]
	collate func([]E) (B, error)
	opts    Options
}

// NewLoader returns a loader of ds that turns each batch of examples into a B with collate
// (Collate, for Example values). collate may be called from several goroutines at once when
// o.Workers > 1. It panics with *tensor.Error if ds or collate is nil or an option is
// negative.
func NewLoader[E, B any](ds Dataset[E], collate func([]E) (B, error), o Options) *Loader[E, B] {
	if ds == nil || collate == nil {
		panicf("data.NewLoader", "nil dataset or collate function")
	}
	if o.BatchSize < 0 || o.Workers < 0 || o.Prefetch < 0 {
		panicf("data.NewLoader", "BatchSize %d, Workers %d, Prefetch %d: want values >= 0", o.BatchSize, o.Workers, o.Prefetch)
	}
	return &Loader[E, B]{ds: ds, collate: collate, opts: o}
}

func (l *Loader[E, B]) sampler() Sampler {
	if l.opts.Sampler != nil {
		return l.opts.Sampler
	}
	return BatchSampler{Size: l.opts.BatchSize, Shuffle: l.opts.Shuffle, Seed: l.opts.Seed, DropLast: l.opts.DropLast}
}

// Batches returns the indices of the batches of epoch, as the loader will deliver them.
func (l *Loader[E, B]) Batches(epoch int) [][]int {
	return l.sampler().Batches(l.ds.Len(), epoch)
}

// PanicError is the error a Loader delivers when fetching or collating a batch panics. It
// unwraps to the panic value when that is an error (a *tensor.Error, say).
type PanicError struct {
	Batch int    // the batch number in the epoch
	Value any    // what the code panicked with
	Stack []byte // the stack of the goroutine that panicked
}

// Error implements the error interface.
func (e *PanicError) Error() string {
	return fmt.Sprintf("data: batch %d: panic: %v", e.Batch, e.Value)
}

// Unwrap returns the panic value if it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

type result[B any] struct {
	b   B
	err error
}

// make fetches and collates batch k; a panic becomes a *PanicError.
func (l *Loader[E, B]) make(k int, idx []int) (r result[B]) {
	defer func() {
		if p := recover(); p != nil {
			r = result[B]{err: &PanicError{Batch: k, Value: p, Stack: debug.Stack()}}
		}
	}()
	items := make([]E, len(idx))
	for i, j := range idx {
		items[i] = l.ds.At(j)
	}
	b, err := l.collate(items)
	if err != nil {
		return result[B]{err: fmt.Errorf("data: batch %d: %w", k, err)}
	}
	return result[B]{b: b}
}

// Epoch returns the batches of one epoch, in the sampler's order, for a range loop:
//
//	for b, err := range loader.Epoch(ctx, epoch) {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// The epoch number seeds the shuffling, so every epoch has its own order and replaying an
// epoch gives the same batches. The sequence ends after the last batch, or after the first
// error, which it yields with a zero batch: an error returned by collate (wrapped), a panic
// while fetching or collating (a *PanicError), or ctx's error once ctx is done. Breaking out
// of the loop, or cancelling ctx, stops the workers; when the loop is over, every goroutine
// the epoch started has returned (a batch being made is finished first).
func (l *Loader[E, B]) Epoch(ctx context.Context, epoch int) iter.Seq2[B, error] {
	return func(yield func(B, error) bool) {
		var zero B
		batches := l.Batches(epoch)
		if l.opts.Workers == 0 {
			for k, idx := range batches {
				if err := ctx.Err(); err != nil {
					yield(zero, err)
					return
				}
				r := l.make(k, idx)
				if r.err != nil {
					yield(zero, r.err)
					return
				}
				if !yield(r.b, nil) {
					return
				}
			}
			return
		}
		l.parallel(ctx, batches, yield)
	}
}

// parallel makes the batches on workers and yields them in order. At most prefetch
// batches are made or being made ahead of the consumer: the dispatcher takes a slot before
// it hands batch k to a worker, and the consumer frees it once it has taken batch k. So
// when batch k is handed out, batch k-prefetch has been taken, and the results can go in a
// ring of prefetch one-element channels.
func (l *Loader[E, B]) parallel(parent context.Context, batches [][]int, yield func(B, error) bool) {
	var zero B
	workers := l.opts.Workers
	prefetch := l.opts.Prefetch
	if prefetch == 0 {
		prefetch = 2 * workers
	}
	prefetch = max(prefetch, workers)

	ctx, cancel := context.WithCancel(parent)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	ring := make([]chan result[B], prefetch)
	for i := range ring {
		ring[i] = make(chan result[B], 1)
	}
	slots := make(chan struct{}, prefetch)
	jobs := make(chan int)
	wg.Go(func() {
		defer close(jobs)
		for k := range batches {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- k:
			case <-ctx.Done():
				return
			}
		}
	})
	for range workers {
		wg.Go(func() {
			for k := range jobs {
				ring[k%prefetch] <- l.make(k, batches[k]) // never blocks: the slot is free
			}
		})
	}
	for k := range batches {
		var r result[B]
		select {
		case r = <-ring[k%prefetch]:
		case <-ctx.Done():
			yield(zero, parentErr(parent))
			return
		}
		<-slots
		if r.err != nil {
			yield(zero, r.err)
			return
		}
		if !yield(r.b, nil) {
			return
		}
	}
}

// parentErr is the error of a done parent context.
func parentErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.New("data: epoch stopped") // unreachable: only the parent cancels ctx before the loop ends
}
