package data

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDatasets(t *testing.T) {
	s := Slice[string]{"a", "b", "c", "d"}
	assert.Equal(t, 4, s.Len())
	assert.Equal(t, "c", s.At(2))
	err := tensor.Maybe(func() { s.At(4) })
	require.Error(t, err)
	assert.Equal(t, "data.Slice.At: index 4 out of range [0, 4)", err.Error())

	f := Func[int]{N: 3, Fn: func(i int) int { return i * i }}
	assert.Equal(t, 4, f.At(2))
	assert.Panics(t, func() { f.At(-1) })

	sub := NewSubset[string](s, []int{3, 1})
	assert.Equal(t, 2, sub.Len())
	assert.Equal(t, "d", sub.At(0))
	assert.Equal(t, "b", sub.At(1))
	assert.Panics(t, func() { sub.At(2) })
	assert.Panics(t, func() { NewSubset[string](s, []int{4}) })
}

func TestRandomSplit(t *testing.T) {
	ds := Func[int]{N: 10, Fn: func(i int) int { return i }}
	parts := RandomSplit[int](ds, []int{7, 3, 0}, 42)
	require.Len(t, parts, 3)
	assert.Equal(t, []int{7, 3, 0}, []int{parts[0].Len(), parts[1].Len(), parts[2].Len()})
	all := append(slices.Clone(parts[0].Indices), parts[1].Indices...)
	slices.Sort(all)
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, all, "a partition")
	assert.Equal(t, parts[1].Indices[0], parts[1].At(0))

	again := RandomSplit[int](ds, []int{7, 3, 0}, 42)
	assert.Equal(t, parts[0].Indices, again[0].Indices, "same seed, same split")
	other := RandomSplit[int](ds, []int{7, 3, 0}, 43)
	assert.NotEqual(t, parts[0].Indices, other[0].Indices)
	// Appending to one part does not write into the next.
	_ = append(parts[0].Indices, 99)
	assert.Equal(t, again[1].Indices, parts[1].Indices)

	assert.Panics(t, func() { RandomSplit[int](ds, []int{5, 4}, 1) })
	assert.Panics(t, func() { RandomSplit[int](ds, []int{11, -1}, 1) })
}

func TestBatchSampler(t *testing.T) {
	assert.Equal(t, [][]int{{0, 1, 2}, {3, 4, 5}, {6}}, BatchSampler{Size: 3}.Batches(7, 0))
	assert.Equal(t, [][]int{{0, 1, 2}, {3, 4, 5}}, BatchSampler{Size: 3, DropLast: true}.Batches(7, 0))
	assert.Equal(t, [][]int{{0}, {1}}, BatchSampler{}.Batches(2, 5))
	assert.Empty(t, BatchSampler{Size: 3}.Batches(0, 0))
	assert.Panics(t, func() { BatchSampler{Size: -1}.Batches(3, 0) })

	s := BatchSampler{Size: 4, Shuffle: true, Seed: 7}
	e0, e1 := s.Batches(50, 0), s.Batches(50, 1)
	assert.Equal(t, e0, s.Batches(50, 0), "an epoch replays")
	assert.NotEqual(t, e0, e1, "every epoch has its own order")
	assert.NotEqual(t, e0, BatchSampler{Size: 4, Shuffle: true, Seed: 8}.Batches(50, 0))
	for _, e := range [][][]int{e0, e1} {
		assert.Equal(t, seq(50), sortedFlat(e), "each index once")
		assert.Len(t, e, 13)
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func sortedFlat(batches [][]int) []int {
	var out []int
	for _, b := range batches {
		out = append(out, b...)
	}
	slices.Sort(out)
	return out
}

func TestBucketSampler(t *testing.T) {
	// Lengths from 1 to 1000 in a scrambled order.
	n := 1000
	lengths := make([]int, n)
	for i := range lengths {
		lengths[i] = 1 + (i*7919)%n
	}
	s := BucketSampler{Lengths: lengths, Size: 10, Pool: 20, Seed: 3}
	e0 := s.Batches(n, 0)
	assert.Equal(t, seq(n), sortedFlat(e0))
	assert.Len(t, e0, 100)
	assert.Equal(t, e0, s.Batches(n, 0))
	assert.NotEqual(t, e0, s.Batches(n, 1))

	plain := BatchSampler{Size: 10, Shuffle: true, Seed: 3}.Batches(n, 0)
	bucketed := PadFraction(e0, lengths)
	assert.Greater(t, PadFraction(plain, lengths), 0.4)
	assert.Less(t, bucketed, 0.05)
	// Batches are not in length order across the epoch: the order is shuffled.
	firsts := make([]int, len(e0))
	for i, b := range e0 {
		firsts[i] = lengths[b[0]]
	}
	assert.False(t, slices.IsSorted(firsts))

	dropped := BucketSampler{Lengths: lengths[:95], Size: 10, Pool: 3, DropLast: true}.Batches(95, 0)
	assert.Len(t, dropped, 9)
	for _, b := range dropped {
		assert.Len(t, b, 10)
	}
	assert.Panics(t, func() { s.Batches(n-1, 0) })
	assert.Panics(t, func() { BucketSampler{Lengths: lengths, Pool: -1}.Batches(n, 0) })
}

func TestPadFraction(t *testing.T) {
	lengths := []int{1, 3, 2, 2}
	// {1, 3}: 2 padded slots of 6; {2, 2}: none of 4.
	assert.InDelta(t, 2.0/10, PadFraction([][]int{{0, 1}, {2, 3}}, lengths), 1e-12)
	assert.Zero(t, PadFraction(nil, nil))
}

func TestCollate(t *testing.T) {
	b, err := Collate([]Example{{IDs: []int64{5, 6, 7}, Label: 2}, {IDs: []int64{8}, Label: 0}, {Label: 1}})
	require.NoError(t, err)
	assert.Equal(t, tensor.Shape{3, 3}, b.IDs.Shape())
	assert.Equal(t, tensor.Int64, b.IDs.DType())
	assert.Equal(t, []int64{5, 6, 7, 8, 0, 0, 0, 0, 0}, b.IDs.Int64s())
	assert.Equal(t, []int64{3, 1, 0}, b.Lengths.Int64s())
	assert.Equal(t, []int64{2, 0, 1}, b.Labels.Int64s())
}

// collectIDs is a collate function whose batch is a copy of its examples.
func collectIDs(batch []int) ([]int, error) { return slices.Clone(batch), nil }

func run[B any](t *testing.T, l *Loader[int, B], epoch int) []B {
	var out []B
	for b, err := range l.Epoch(context.Background(), epoch) {
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

func TestLoaderOrderSameAtAnyWorkerCount(t *testing.T) {
	ds := Func[int]{N: 103, Fn: func(i int) int { return i }}
	var want [][]int
	for _, workers := range []int{0, 1, 2, 3, 8} {
		for _, prefetch := range []int{0, 1, 5} {
			l := NewLoader[int, []int](ds, collectIDs, Options{BatchSize: 8, Shuffle: true, Seed: 11, Workers: workers, Prefetch: prefetch})
			for epoch := range 3 {
				got := run(t, l, epoch)
				assert.Equal(t, l.Batches(epoch), got, "workers %d, prefetch %d, epoch %d", workers, prefetch, epoch)
				if epoch == 2 {
					if want == nil {
						want = got
					}
					assert.Equal(t, want, got)
				}
			}
		}
	}
	assert.Len(t, want, 13)
}

func TestLoaderDropLastAndDefaults(t *testing.T) {
	ds := Slice[int](seq(10))
	l := NewLoader[int, []int](ds, collectIDs, Options{})
	assert.Len(t, run(t, l, 0), 10, "batches of one by default")
	l = NewLoader[int, []int](ds, collectIDs, Options{BatchSize: 4, DropLast: true, Workers: 2})
	assert.Equal(t, [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}}, run(t, l, 0))
	l = NewLoader[int, []int](ds, collectIDs, Options{BatchSize: 100, Sampler: BatchSampler{Size: 5}})
	assert.Equal(t, [][]int{{0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}}, run(t, l, 0), "the Sampler wins")
	assert.Panics(t, func() { NewLoader[int, []int](nil, collectIDs, Options{}) })
	assert.Panics(t, func() { NewLoader[int, []int](ds, nil, Options{}) })
	assert.Panics(t, func() { NewLoader[int, []int](ds, collectIDs, Options{Workers: -1}) })
}

var errCollate = errors.New("bad batch")

func TestLoaderErrors(t *testing.T) {
	ds := Slice[int](seq(40))
	failAt := func(bad int) func([]int) (int, error) {
		return func(b []int) (int, error) {
			if b[0] == bad {
				return 0, errCollate
			}
			return b[0], nil
		}
	}
	for _, workers := range []int{0, 1, 3} {
		l := NewLoader[int, int](ds, failAt(20), Options{BatchSize: 4, Workers: workers})
		var got []int
		var errs []error
		for b, err := range l.Epoch(context.Background(), 0) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			got = append(got, b)
		}
		assert.Equal(t, []int{0, 4, 8, 12, 16}, got, "workers %d: the batches before the error, in order", workers)
		require.Len(t, errs, 1, "the error ends the epoch")
		assert.ErrorIs(t, errs[0], errCollate)
		assert.Equal(t, "data: batch 5: bad batch", errs[0].Error())

		// A panic in the dataset (an index out of range here) or in collate reaches the
		// caller as a *PanicError.
		sub := Subset[int]{Data: ds, Indices: []int{0, 1, 2, 99}}
		l = NewLoader[int, int](sub, failAt(-1), Options{BatchSize: 2, Workers: workers})
		errs = nil
		for _, err := range l.Epoch(context.Background(), 0) {
			if err != nil {
				errs = append(errs, err)
			}
		}
		require.Len(t, errs, 1)
		var pe *PanicError
		require.ErrorAs(t, errs[0], &pe)
		assert.Equal(t, 1, pe.Batch)
		var te *tensor.Error
		require.ErrorAs(t, errs[0], &te)
		assert.Equal(t, "data.Slice.At", te.Op)
		assert.Contains(t, string(pe.Stack), "data.Slice")
		assert.Contains(t, errs[0].Error(), "data: batch 1: panic: data.Slice.At: index 99 out of range")

		l = NewLoader[int, int](ds, func([]int) (int, error) { panic("not an error") }, Options{Workers: workers})
		for _, err := range l.Epoch(context.Background(), 0) {
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "not an error", pe.Value)
			assert.NoError(t, pe.Unwrap())
		}
	}
}

// settle waits until the number of goroutines is back to base.
func settle(t *testing.T, base int) {
	t.Helper()
	// Polled here, not with assert.Eventually, whose own goroutines would count.
	for start := time.Now(); runtime.NumGoroutine() > base && time.Since(start) < 5*time.Second; {
		time.Sleep(time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), base, "goroutines left behind")
}

func TestLoaderStopsEarlyWithoutLeaks(t *testing.T) {
	ds := Func[int]{N: 1000, Fn: func(i int) int { return i }}
	base := runtime.NumGoroutine()
	var made atomic.Int32
	slow := func(b []int) (int, error) {
		made.Add(1)
		time.Sleep(time.Millisecond)
		return b[0], nil
	}
	for _, workers := range []int{1, 4} {
		l := NewLoader[int, int](ds, slow, Options{BatchSize: 2, Workers: workers, Prefetch: 6})
		n := 0
		for b, err := range l.Epoch(context.Background(), 0) {
			require.NoError(t, err)
			assert.Equal(t, 2*n, b)
			n++
			if n == 3 {
				break
			}
		}
		settle(t, base)
		assert.LessOrEqual(t, int(made.Load()), 3+6+workers, "prefetch bounds the work ahead")
		made.Store(0)
	}

	// A cancelled context ends the epoch with its error.
	for _, workers := range []int{0, 2} {
		ctx, cancel := context.WithCancel(context.Background())
		l := NewLoader[int, int](ds, slow, Options{BatchSize: 2, Workers: workers})
		n := 0
		var last error
		for _, err := range l.Epoch(ctx, 0) {
			if err != nil {
				last = err
				continue
			}
			n++
			if n == 5 {
				cancel()
			}
		}
		cancel()
		assert.ErrorIs(t, last, context.Canceled)
		assert.Less(t, n, 10)
		settle(t, base)
	}
}

// Many loaders at once, their workers and consumers interleaved: go test -race checks the
// hand-offs.
func TestLoaderConcurrentEpochs(t *testing.T) {
	ds := Func[int]{N: 200, Fn: func(i int) int { return i }}
	l := NewLoader[int, []int](ds, collectIDs, Options{BatchSize: 7, Shuffle: true, Workers: 3, Prefetch: 2})
	done := make(chan [][]int, 4)
	for e := range 4 {
		go func() {
			var got [][]int
			for b, err := range l.Epoch(context.Background(), e%2) {
				if err == nil {
					got = append(got, b)
				}
			}
			done <- got
		}()
	}
	var results [][][]int
	for range 4 {
		results = append(results, <-done)
	}
	for _, r := range results {
		assert.Equal(t, seq(200), sortedFlat(r))
		assert.Contains(t, [][][]int{l.Batches(0), l.Batches(1)}, r)
	}
}

func ExampleLoader_Epoch() {
	ds := Slice[Example]{
		{IDs: []int64{4, 5, 6}, Label: 1},
		{IDs: []int64{7}, Label: 0},
		{IDs: []int64{8, 9}, Label: 1},
	}
	l := NewLoader(ds, Collate, Options{BatchSize: 2, Workers: 2})
	for b, err := range l.Epoch(context.Background(), 0) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(b.IDs.Shape(), b.IDs.Int64s(), b.Lengths.Int64s(), b.Labels.Int64s())
	}
	// Output:
	// [2 3] [4 5 6 7 0 0] [3 1] [1 0]
	// [1 2] [8 9] [2] [1]
}
