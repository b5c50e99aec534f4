package parallel

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestForCoversEveryIndexOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 7} {
		prev := SetThreads(threads)
		for _, tc := range []struct{ n, grain int }{{0, 4}, {1, 4}, {10, 3}, {1000, 1}, {1000, 64}, {5, 0}} {
			hits := make([]int32, tc.n)
			For(tc.n, tc.grain, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				require.EqualValues(t, 1, h, "threads=%d n=%d grain=%d index %d", threads, tc.n, tc.grain, i)
			}
		}
		SetThreads(prev)
	}
}

func TestChunkBoundariesIgnoreThreadCount(t *testing.T) {
	bounds := func(threads int) [][2]int {
		prev := SetThreads(threads)
		defer SetThreads(prev)
		var mu sync.Mutex
		var got [][2]int
		For(103, 10, func(lo, hi int) {
			mu.Lock()
			got = append(got, [2]int{lo, hi})
			mu.Unlock()
		})
		return got
	}
	one := bounds(1)
	assert.Len(t, one, 11)
	assert.Equal(t, [2]int{100, 103}, one[10])
	assert.ElementsMatch(t, one, bounds(4))
	assert.Equal(t, 11, Chunks(103, 10))
	assert.Equal(t, 0, Chunks(0, 10))
}

func TestNestedForDoesNotDeadlock(t *testing.T) {
	prev := SetThreads(4)
	defer SetThreads(prev)
	var total atomic.Int64
	For(8, 1, func(lo, hi int) {
		For(100, 10, func(lo, hi int) { total.Add(int64(hi - lo)) })
	})
	assert.EqualValues(t, 800, total.Load())
}

func TestSetThreadsDefault(t *testing.T) {
	prev := SetThreads(0)
	defer SetThreads(prev)
	assert.GreaterOrEqual(t, Threads(), 1)
	assert.Equal(t, Threads(), SetThreads(3))
	assert.Equal(t, 3, Threads())
}
