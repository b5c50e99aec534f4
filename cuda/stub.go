//go:build !cuda || !cgo

package cuda

import "github.com/godl/godl/tensor/device"

// Compiled reports whether CUDA support is compiled in: false in this build (without the
// cuda build tag or without cgo).
func Compiled() bool { return false }

// Open opens CUDA device index. In this build it returns ErrNotCompiled.
func Open(index int) (device.Device, error) { return nil, ErrNotCompiled }

// OpenLibraries opens CUDA device index with the given libraries. In this build it returns
// ErrNotCompiled.
func OpenLibraries(libs Libraries, index int) (device.Device, error) { return nil, ErrNotCompiled }

// MemoryStats returns the memory counters of a CUDA device; ok is false for other devices,
// and always in this build.
func MemoryStats(dev device.Device) (s MemStats, ok bool) { return MemStats{}, false }

// EmptyCache gives the cached device memory of a CUDA device back to the driver; it reports
// false for other devices, and always in this build.
func EmptyCache(dev device.Device) bool { return false }

// DeviceInfo describes a CUDA device; ok is false for other devices, and always in this
// build.
func DeviceInfo(dev device.Device) (i Info, ok bool) { return Info{}, false }
