//go:build cuda && cgo

package cuda

import "github.com/godl/godl/tensor/device"

// Syncs returns how many times a CUDA device has synchronised with its stream (Read, Sync),
// for tests that check that a training step never waits.
func Syncs(dev device.Device) int {
	d := dev.(*Device)
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.syncs
}
