package autograd

import (
	"math"
	"sync/atomic"

	"github.com/godl/godl/tensor"
)

var anomalyMode atomic.Bool

// SetDetectAnomaly switches anomaly mode on or off and returns the previous setting. In anomaly
// mode every operation checks its outputs in forward, and every backward function checks the
// gradients it produces, and the first NaN or Inf panics with a message naming the operation
// and the place in the caller's code where it was recorded. It costs a reduction per operation:
// use it to debug, not to train.
func SetDetectAnomaly(on bool) bool { return anomalyMode.Swap(on) }

// checkFinite panics with msg (a format with one %s for "NaN" or "Inf") if t holds a NaN or an
// infinity.
func checkFinite(t *tensor.Tensor, msg string) {
	if !t.DType().IsFloat() || t.Numel() == 0 {
		return
	}
	a := t.Abs()
	m := a.Max() // NaN if any element is NaN, +Inf if any is infinite
	x := m.Item()
	a.Release()
	m.Release()
	var kind string
	switch {
	case math.IsNaN(x):
		kind = "NaN"
	case math.IsInf(x, 0):
		kind = "Inf"
	default:
		return
	}
	panicf("autograd", "anomaly: "+msg, kind)
}
