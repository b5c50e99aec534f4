package tensor_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/tensortest"
)

// devFake is a device family for the registry tests: the naive reference device under
// another name.
type devFake struct {
	tensor.Device
	name string
}

func (d *devFake) Name() string { return d.name }

var devOpened = map[int]int{}

func init() {
	tensor.RegisterDevice("fake", func(i int) (tensor.Device, error) {
		devOpened[i]++
		if i == 9 {
			return nil, errors.New("no such card")
		}
		return &devFake{tensortest.Naive, fmt.Sprintf("fake:%d", i)}, nil
	})
}

func TestGetDeviceOpensEachDeviceOnce(t *testing.T) {
	d2, err := tensor.GetDevice("fake:2")
	require.NoError(t, err)
	assert.Equal(t, "fake:2", d2.Name())
	again, err := tensor.GetDevice("fake:2")
	require.NoError(t, err)
	assert.Same(t, d2, again)
	assert.Equal(t, 1, devOpened[2])

	d0, err := tensor.GetDevice("fake")
	require.NoError(t, err)
	assert.Equal(t, "fake:0", d0.Name(), "a bare family name means index 0")

	cpu, err := tensor.GetDevice("cpu")
	require.NoError(t, err)
	assert.Equal(t, tensor.CPU, cpu)
	assert.Equal(t, []string{"cpu", "fake"}, tensor.DeviceFamilies())
}

func TestGetDeviceErrors(t *testing.T) {
	_, err := tensor.GetDevice("cuda:0")
	assert.EqualError(t, err, `tensor: unknown device "cuda:0" (registered: cpu, fake)`)
	_, err = tensor.GetDevice("fake:x")
	assert.EqualError(t, err, `tensor: bad device name "fake:x"`)
	_, err = tensor.GetDevice("fake:-1")
	assert.EqualError(t, err, `tensor: bad device name "fake:-1"`)
	_, err = tensor.GetDevice("fake:9")
	assert.EqualError(t, err, `tensor: opening device "fake:9": no such card`)
	assert.Equal(t, "no such card", errors.Unwrap(err).Error())
}

func TestRegisterDeviceRejectsTakenNames(t *testing.T) {
	open := func(int) (tensor.Device, error) { return nil, nil }
	for _, name := range []string{"fake", "cpu", "", "a:b"} {
		err := tensor.Maybe(func() { tensor.RegisterDevice(name, open) })
		assert.EqualError(t, err, fmt.Sprintf("tensor.RegisterDevice: family %q is taken or invalid", name))
	}
}

func TestTensorsMoveBetweenDevices(t *testing.T) {
	dev, err := tensor.GetDevice("fake:1")
	require.NoError(t, err)
	x := tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	y := x.T().To(dev) // a strided view is made contiguous on the way
	assert.Equal(t, dev, y.Device())
	assert.Equal(t, tensor.Shape{3, 2}, y.Shape())
	z := y.MulScalar(2).To(tensor.CPU)
	assert.Equal(t, []float32{2, 8, 4, 10, 6, 12}, z.Float32s())
	same := y.To(dev)
	assert.NotSame(t, y, same, "To the tensor's own device returns a new handle")
	assert.True(t, same.SharesStorage(y), "over the same storage")
	same.Release()
	assert.Equal(t, []float32{1, 4, 2, 5, 3, 6}, y.Float32s())

	on := tensor.Zeros(tensor.Shape{2}, tensor.Float64, tensor.On(dev))
	assert.Equal(t, dev, on.Device())
	assert.Equal(t, tensor.Float64, on.DType())

	err = tensor.Maybe(func() { x.Add(y) })
	assert.EqualError(t, err, "tensor.Add: tensors on different devices: cpu and fake:1")
	err = tensor.Maybe(func() { tensor.MatMul(y, x) })
	assert.EqualError(t, err, "tensor.MatMul: tensors on different devices: fake:1 and cpu")
}
