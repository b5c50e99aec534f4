package cpu

import (
	"math"
	"testing"

	"github.com/godl/godl/tensor/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSizeClass(t *testing.T) {
	prevClass, prevCap := -1, 0
	// Plain comparisons: this runs for every n up to 2^16.
	check := func(n int) {
		class, capacity := sizeClass(n)
		if capacity < n {
			t.Fatalf("n=%d: capacity %d too small", n, capacity)
		}
		if n > minClassElems && float64(capacity) > 1.25*float64(n) {
			t.Fatalf("n=%d: capacity %d wastes more than a quarter", n, capacity)
		}
		if n <= minClassElems && capacity != minClassElems {
			t.Fatalf("n=%d: capacity %d, want the smallest class %d", n, capacity, minClassElems)
		}
		if class < prevClass || capacity < prevCap {
			t.Fatalf("n=%d: class %d capacity %d after class %d capacity %d: not monotone", n, class, capacity, prevClass, prevCap)
		}
		if class < 0 || class >= numClasses {
			t.Fatalf("n=%d: class %d outside [0, %d)", n, class, numClasses)
		}
		// A capacity maps to its own class: Free puts a buffer where Alloc looks for it.
		if c2, cap2 := sizeClass(capacity); c2 != class || cap2 != capacity {
			t.Fatalf("n=%d: capacity %d maps to class %d capacity %d, not class %d", n, capacity, c2, cap2, class)
		}
		if classCapacity(class) != capacity {
			t.Fatalf("n=%d: classCapacity(%d) = %d, want %d", n, class, classCapacity(class), capacity)
		}
		// One class holds one capacity.
		if class == prevClass && capacity != prevCap {
			t.Fatalf("n=%d: class %d has capacities %d and %d", n, class, prevCap, capacity)
		}
		prevClass, prevCap = class, capacity
	}
	for n := 0; n <= 1<<16; n++ {
		check(n)
	}
	// Larger sizes: around every power of two up to 2^40, in order.
	for k := 17; k <= 40; k++ {
		p := 1 << k
		for _, n := range []int{p - 1, p, p + 1, p + p/8, p + p/4, p + p/4 + 1, p + p/2, p + 3*p/4, p + 3*p/4 + 1} {
			check(n)
		}
	}
	// The classes are m·2^k for m = 4..7.
	_, c := sizeClass(1000)
	assert.Equal(t, 1024, c)
	_, c = sizeClass(1025)
	assert.Equal(t, 1280, c)
	_, c = sizeClass(17)
	assert.Equal(t, 20, c)
}

// TestAllocBeyondMachineMemory asks the device itself for more than the machine holds: a
// *device.Error, not a crash.
func TestAllocBeyondMachineMemory(t *testing.T) {
	limit := hostMemory()
	require.Positive(t, limit)
	for _, tc := range []struct {
		dt device.DType
		n  int
	}{
		{device.Float32, 1 << 40},
		{device.Int64, int(limit/8) + 1},
		{device.Float64, math.MaxInt},
	} {
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err, _ = r.(*device.Error)
				}
			}()
			Device.Alloc(tc.dt, tc.n)
		}()
		var te *device.Error
		require.ErrorAs(t, err, &te, "%s x %d", tc.dt, tc.n)
		assert.Equal(t, "tensor.Alloc", te.Op)
		assert.Contains(t, te.Msg, "of memory this machine has")
	}
	// Just under the limit's element count in bytes is not refused by the check itself.
	assert.NotPanics(t, func() { checkHostCapacity(device.Float32, 1<<20) })
	assert.Equal(t, "1.0 KiB", formatBytes(1024))
	assert.Equal(t, "4.0 TiB", formatBytes(1<<42))
	assert.Equal(t, "512 B", formatBytes(512))
}
