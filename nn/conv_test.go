package nn

import (
	"math"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConv1dByHand(t *testing.T) {
	c := NewConv1d(2, 2, 2, Conv1dOptions{Stride: 2, Padding: 1, Groups: 2})
	assert.Equal(t, []string{"weight", "bias"}, StateDictKeys(c))
	assert.Equal(t, tensor.Shape{2, 1, 2}, c.Weight.Shape())
	c.Weight.Data().CopyFrom(tensor.From([]float32{1, 2, 3, 4}, 2, 1, 2))
	c.Bias.Data().CopyFrom(tensor.From([]float32{0.5, -1}))
	// Channel 0 [1 2 3], channel 1 [4 5 6], padded with a zero on each side; windows at 0 and 2.
	x := autograd.Const(tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	y := c.Forward(x)
	assert.Equal(t, tensor.Shape{2, 2}, y.Shape(), "unbatched in, unbatched out")
	// Out 0 = 1·x0[t-1] + 2·x0[t] + 0.5: t=0 → 0 + 2 + 0.5, t=2 → 2 + 6 + 0.5.
	// Out 1 = 3·x1[t-1] + 4·x1[t] - 1:   t=0 → 0 + 16 - 1,  t=2 → 15 + 24 - 1.
	assert.Equal(t, []float32{2.5, 8.5, 15, 38}, y.Data().Float32s())
	assert.Equal(t, 2, c.OutLen(3))
	// PyTorch's default initialization bounds: 1/√(fan_in) = 1/√(In/Groups·Kernel).
	d := NewConv1d(6, 3, 5, Conv1dOptions{Groups: 3})
	b := 1 / math.Sqrt(2*5)
	assert.LessOrEqual(t, d.Weight.Data().Abs().Max().Item(), b)
	assert.LessOrEqual(t, d.Bias.Data().Abs().Max().Item(), b)
}

func TestPoolsByHand(t *testing.T) {
	x := autograd.Param(tensor.From([]float64{3, 1, 4, 1, 5, 9, 2}, 1, 7))
	mp := NewMaxPool1d(3, MaxPool1dOptions{Stride: 2, Padding: 1})
	assert.Equal(t, 2, mp.Stride)
	y, idx := mp.ForwardIndices(x)
	// Windows over [-inf 3 1 4 1 5 9 2 -inf]: starting at -1, 1, 3, 5.
	assert.Equal(t, []float64{3, 4, 9, 9}, y.Data().Float64s())
	assert.Equal(t, []int64{0, 2, 5, 5}, idx.Int64s())
	y.Sum().Backward()
	assert.Equal(t, []float64{1, 0, 1, 0, 0, 2, 0}, x.Grad().Float64s(), "the gradient goes to each window's maximum")

	ap := NewAvgPool1d(3, AvgPool1dOptions{Stride: 2, Padding: 1})
	assert.InDeltaSlice(t, []float64{4.0 / 3, 2, 5, 11.0 / 3}, ap.Forward(x).Data().Float64s(), 1e-12, "the padding counts")
	ex := NewAvgPool1d(3, AvgPool1dOptions{Stride: 2, Padding: 1, ExcludePad: true})
	assert.InDeltaSlice(t, []float64{4.0 / 2, 2, 5, 11.0 / 2}, ex.Forward(x).Data().Float64s(), 1e-12, "it does not")
	// Ceil mode keeps the last partial window: [2] alone, divided by the kernel clipped to the
	// padded input (2) or by the one element in it.
	cm := NewAvgPool1d(2, AvgPool1dOptions{CeilMode: true})
	assert.Equal(t, 4, cm.OutLen(7))
	assert.Equal(t, []float64{2, 2.5, 7, 2}, cm.Forward(x).Data().Float64s())
	assert.Equal(t, 3, NewMaxPool1d(2, MaxPool1dOptions{}).OutLen(7))
}

func TestPoolOverTime(t *testing.T) {
	// Two sequences of 3 steps of 2 features; the second has length 2 (step 2 is padding).
	x := autograd.Param(tensor.From([]float64{
		1, -5, 2, -6, 0, -7,
		4, 1, 3, 2, 100, 100,
	}, 2, 3, 2))
	lengths := tensor.From([]int64{3, 2})
	mx := MaxPoolTime(x, lengths, false)
	assert.Equal(t, []float64{2, -5, 4, 2}, mx.Data().Float64s(), "the padded 100s never win")
	mean := MeanPoolTime(x, lengths, false)
	assert.Equal(t, []float64{1, -6, 3.5, 1.5}, mean.Data().Float64s())
	mean.Sum().Backward()
	assert.InDeltaSlice(t, []float64{1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3, .5, .5, .5, .5, 0, 0}, x.Grad().Float64s(), 1e-15)
	// Time first, and lengths of 0 (zeros) and beyond T (all steps).
	xt := autograd.Const(x.Data().Transpose(0, 1).Contiguous())
	assert.Equal(t, []float64{0, 0, 100, 100}, MaxPoolTime(xt, tensor.From([]int64{0, 9}), true).Data().Float64s())
	assert.Equal(t, []float64{0, 0, 107.0 / 3, 103.0 / 3}, MeanPoolTime(xt, tensor.From([]int64{0, 9}), true).Data().Float64s())
	assert.Equal(t, []float64{2, -5, 100, 100}, MaxPoolTime(x, nil, false).Data().Float64s())
}

func TestConvPoolErrors(t *testing.T) {
	x := autograd.Const(tensor.Zeros(tensor.Shape{2, 3, 4}))
	for msg, f := range map[string]func(){
		"nn.NewConv1d: bad sizes: in 3, out 4, kernel 0, stride 1, padding 0, dilation 1, groups 1": func() { NewConv1d(3, 4, 0, Conv1dOptions{}) },
		"nn.NewConv1d: in 3 and out 4 channels must be divisible by 2 groups":                       func() { NewConv1d(3, 4, 1, Conv1dOptions{Groups: 2}) },
		"nn.Conv1d: input of shape [2 3 4]: want [B, 2, L] or [2, L]":                               func() { NewConv1d(2, 4, 1, Conv1dOptions{}).Forward(x) },
		"nn.Conv1d: input of shape [2 3 4] is too short for kernel 3 with dilation 2 and padding 0": func() {
			NewConv1d(3, 4, 3, Conv1dOptions{Dilation: 2}).Forward(x)
		},
		"nn.Conv1d: nil input": func() { NewConv1d(3, 4, 3, Conv1dOptions{}).Forward(nil) },
		"nn.NewMaxPool1d: bad sizes: kernel 3, stride 3, padding 2 (at most half the dilated kernel), dilation 1": func() {
			NewMaxPool1d(3, MaxPool1dOptions{Padding: 2})
		},
		"nn.NewAvgPool1d: bad sizes: kernel 2, stride 2, padding 2 (at most half the kernel)": func() {
			NewAvgPool1d(2, AvgPool1dOptions{Padding: 2})
		},
		"nn.MaxPool1d: input of shape [2 3 4] is too short for kernel 5 with dilation 1 and padding 0": func() {
			NewMaxPool1d(5, MaxPool1dOptions{}).Forward(x)
		},
		"nn.AvgPool1d: input of shape [4]: want [B, C, L] or [C, L]": func() {
			NewAvgPool1d(2, AvgPool1dOptions{}).Forward(autograd.Const(tensor.Zeros(tensor.Shape{4})))
		},
		"nn.MaxPoolTime: input of shape [3 4]: want [B, T, D] or, time first, [T, B, D]": func() {
			MaxPoolTime(x.Select(0, 0), nil, false)
		},
		"nn.MeanPoolTime: lengths must be int64 [2] for input of shape [2 3 4], got float32 [2]": func() {
			MeanPoolTime(x, tensor.Zeros(tensor.Shape{2}), false)
		},
		"nn.MaxPoolTime: lengths must be int64 [3] for input of shape [2 3 4], got int64 [2]": func() {
			MaxPoolTime(x, tensor.From([]int64{1, 2}), true)
		},
	} {
		assertPanicsWith(t, msg, f)
	}
}

func TestConvPoolFromNoGradRecordsNothing(t *testing.T) {
	c := NewConv1d(4, 6, 3, Conv1dOptions{Padding: 1, Groups: 2})
	x := autograd.Const(tensor.NewRNG(1).Normal(tensor.Shape{2, 4, 9}, 0, 1)).NoGrad()
	assertRecordsNothing(t, c, func() { c.Forward(x) })
	y := c.Forward(x)
	require.True(t, y.IsNoGrad())
	assert.True(t, NewMaxPool1d(3, MaxPool1dOptions{Padding: 1}).Forward(x).IsNoGrad())
	assert.True(t, NewAvgPool1d(3, AvgPool1dOptions{Padding: 1}).Forward(x).IsNoGrad())
	assert.True(t, MeanPoolTime(x, tensor.From([]int64{1, 3}), false).IsNoGrad())
	assert.True(t, MaxPoolTime(x, tensor.From([]int64{1, 3}), false).IsNoGrad())
}

func TestConvPoolGradChecks(t *testing.T) {
	f64 := Init{DType: tensor.Float64, RNG: tensor.NewRNG(1)}
	for _, o := range []Conv1dOptions{
		{},
		{Stride: 2, Padding: 1},
		{Dilation: 2, Padding: 2, NoBias: true},
		{Groups: 2, Stride: 3, Padding: 1},
	} {
		o.Init = f64
		c := NewConv1d(4, 6, 3, o)
		gradCheckModule(t, "conv1d", c, []*tensor.Tensor{randT(2, 2, 4, 9)}, func(xs []*autograd.Value) *autograd.Value {
			return c.Forward(xs[0])
		})
	}
	for _, o := range []MaxPool1dOptions{{Stride: 2, Padding: 1}, {Stride: 1, Dilation: 2}, {Stride: 2, Padding: 1, CeilMode: true}} {
		p := NewMaxPool1d(3, o)
		gradCheckModule(t, "maxpool1d", nil, []*tensor.Tensor{randT(3, 2, 3, 8)}, func(xs []*autograd.Value) *autograd.Value {
			return p.Forward(xs[0])
		})
	}
	for _, o := range []AvgPool1dOptions{{Stride: 2, Padding: 1}, {Stride: 2, Padding: 1, CeilMode: true, ExcludePad: true}} {
		p := NewAvgPool1d(3, o)
		gradCheckModule(t, "avgpool1d", nil, []*tensor.Tensor{randT(4, 2, 3, 8)}, func(xs []*autograd.Value) *autograd.Value {
			return p.Forward(xs[0])
		})
	}
	lengths := tensor.From([]int64{3, 0, 5})
	for _, timeFirst := range []bool{false, true} {
		shape := []int{3, 5, 2}
		if timeFirst {
			shape = []int{5, 3, 2}
		}
		for name, pool := range map[string]func(*autograd.Value, *tensor.Tensor, bool) *autograd.Value{"max": MaxPoolTime, "mean": MeanPoolTime} {
			gradCheckModule(t, name+" over time", nil, []*tensor.Tensor{randT(5, shape...)}, func(xs []*autograd.Value) *autograd.Value {
				return pool(xs[0], lengths, timeFirst)
			})
		}
	}
}
