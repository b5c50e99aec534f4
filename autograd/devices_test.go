package autograd

import (
	"math"
	"testing"

	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/tensortest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testDevice is the device the device-parametrized tests build their tensors on (through
// onDev); eachDevice sets it for the duration of a subtest.
var testDevice tensor.Device = tensor.CPU

// onDev returns t on testDevice.
func onDev(t *tensor.Tensor) *tensor.Tensor {
	if testDevice == tensor.CPU || t.Device() == testDevice {
		return t
	}
	return t.To(testDevice)
}

// extraDevices opens further devices for eachDevice: a file built with the cuda tag adds the
// CUDA device (the GPU, or the emulated driver where there is none).
var extraDevices []func(t testing.TB) tensor.Device

// eachDevice runs f as a subtest on the CPU, on a device that queues every kernel until the
// host reads (tensortest.Lazy), and on the extraDevices, with testDevice set accordingly: the
// gradient checks and the end-to-end models must not depend on kernels having run when they
// return.
func eachDevice(t *testing.T, f func(t *testing.T)) {
	devs := []tensor.Device{tensor.CPU, tensortest.Lazy(nil)}
	for _, open := range extraDevices {
		devs = append(devs, open(t))
	}
	for _, dev := range devs {
		t.Run(dev.Name(), func(t *testing.T) {
			prev := testDevice
			testDevice = dev
			defer func() { testDevice = prev }()
			f(t)
		})
	}
}

// TestTrainingStepNeverWaitsForTheDevice runs training steps (forward, cross-entropy with
// ignored targets and label smoothing, dropout, backward, an in-place update) on a device that
// queues its work, and checks that none of them made the host wait: nothing on the training
// path reads a value back. Reading the loss afterwards then runs the queue once.
func TestTrainingStepNeverWaitsForTheDevice(t *testing.T) {
	dev := tensortest.Lazy(nil)
	r := tensor.NewRNG(3)
	x := Const(r.Normal(tensor.Shape{16, 8}, 0, 1, tensor.On(dev)))
	y := tensor.From([]int64{0, 1, 2, 3, -100, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}).To(dev)
	w1 := Param(r.Uniform(tensor.Shape{8, 32}, -0.3, 0.3, tensor.On(dev)))
	w2 := Param(r.Uniform(tensor.Shape{32, 4}, -0.3, 0.3, tensor.On(dev)))
	drop := tensor.NewRNG(4)
	tensor.SyncDevice(dev)
	before := tensortest.Syncs(dev)
	var loss *Value
	for range 3 {
		h := Dropout(MatMul(x, w1).Tanh(), 0.2, true, drop)
		loss = CrossEntropyWith(MatMul(h, w2), y, CrossEntropyOptions{LabelSmoothing: 0.1})
		loss.Backward()
		for _, p := range []*Value{w1, w2} {
			p.Data().AddScaledInPlace(-0.1, p.Grad())
			p.ZeroGrad()
		}
	}
	require.Equal(t, before, tensortest.Syncs(dev), "a training step waited for the device")
	require.Positive(t, tensortest.Pending(dev))
	l := loss.Item()
	assert.Equal(t, before+1, tensortest.Syncs(dev))
	assert.False(t, math.IsNaN(l))
	assert.Greater(t, l, 0.0)
}
