//go:build !linux

package cpu

import "math"

// hostMemory returns the bytes of memory this process may use at most. Outside Linux the
// machine's memory is not read: only sizes that no machine holds are refused.
func hostMemory() int64 { return math.MaxInt64 >> 1 }
