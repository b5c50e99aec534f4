//go:build linux && !race

// The race detector keeps shadow memory several times the size of the heap, so a process's
// RSS under it says nothing about the program's own memory: these tests are built without it.

package tensor

import (
	"testing"

	"github.com/godl/godl/internal/memtest"
	"github.com/stretchr/testify/assert"
)

// rssCeiling is the most memory a never-releasing loop may take, measured as the peak
// resident set of a process that runs only that loop.
const rssCeiling = 200 << 20

// TestNeverReleasedUpdateLoopRSS updates a 1M-element tensor 100 times, 60 times over, with
// x = x.AddScalar(1), dropping every intermediate without Release: 6000 buffers of 4 MiB,
// 23 GiB in all, must not pile up.
func TestNeverReleasedUpdateLoopRSS(t *testing.T) {
	memtest.UnderLimit(t, rssCeiling, func() {
		var sum float64
		for range 60 {
			x := Zeros(Shape{1 << 20})
			for range 100 {
				x = x.AddScalar(1)
			}
			sum += x.At(12345)
		}
		assert.Equal(t, 6000.0, sum)
	})
}

// TestDroppedTensorsRSS drops 40,000 tensors of 128 KiB (5 GiB in all) without Release.
func TestDroppedTensorsRSS(t *testing.T) {
	memtest.UnderLimit(t, rssCeiling, func() {
		var sum, want float64
		for i := range 40000 {
			x := Full(Shape{32 << 10}, float64(i%3))
			sum += x.At(i % (32 << 10))
			want += float64(i % 3)
		}
		assert.Equal(t, want, sum)
	})
}
