package tensor

import "github.com/godl/godl/tensor/cpu"

// CPU is the reference backend, always compiled in (package cpu): pure Go kernels, parallel
// over a bounded worker pool, with released buffers recycled through size-class pools.
var CPU Device = cpu.Device

// DefaultCPUPoolLimit is the number of bytes of released buffers the CPU keeps for reuse until
// the next garbage collection, unless SetCPUPoolLimit says otherwise.
const DefaultCPUPoolLimit = cpu.DefaultPoolLimit

// SetCPUPoolLimit sets how many bytes of released buffers the CPU may keep for reuse
// (DefaultCPUPoolLimit at start) and returns the previous limit; 0 turns pooling off. The pool
// holds buffers weakly, so this bounds reuse between two garbage collections, not memory the
// collector cannot reclaim (see "Memory" in the package documentation). It panics if bytes is
// negative.
func SetCPUPoolLimit(bytes int64) int64 {
	if bytes < 0 {
		panicf("tensor.SetCPUPoolLimit", "negative limit %d", bytes)
	}
	return cpu.SetPoolLimit(bytes)
}

// CPUPoolBytes returns the number of bytes of released buffers the CPU holds for reuse.
func CPUPoolBytes() int64 { return cpu.PoolBytes() }

// cpuData returns the Go slice behind a CPU buffer.
func cpuData[T Element](b Buffer) []T { return cpu.Data[T](b) }
