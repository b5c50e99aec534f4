package autograd

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/tensor"
)

func anPanicText(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestAnomalyModeNamesTheForwardOp(t *testing.T) {
	prev := SetDetectAnomaly(true)
	defer SetDetectAnomaly(prev)
	x := Param(tensor.From([]float64{1, -1}))
	msg := anPanicText(func() { x.MulScalar(2).Log() })
	require.NotEmpty(t, msg)
	assert.Contains(t, msg, "autograd: anomaly: Log produced NaN in forward (called at ")
	assert.Contains(t, msg, "anomaly_test.go:")
}

func TestAnomalyModeNamesTheBackwardOp(t *testing.T) {
	prev := SetDetectAnomaly(true)
	defer SetDetectAnomaly(prev)
	x := Param(tensor.From([]float64{0, 4}))
	y := x.Sqrt().Sum() // forward is finite; d√x/dx at 0 is +Inf
	msg := anPanicText(func() { y.Backward() })
	assert.Contains(t, msg, "autograd: anomaly: the backward pass of Sqrt produced Inf in the gradient of input 0 (called at ")
}

func TestWithoutAnomalyModeNaNPasses(t *testing.T) {
	require.False(t, SetDetectAnomaly(false))
	x := Param(tensor.From([]float64{-1}))
	y := x.Log()
	assert.True(t, y.Item() != y.Item(), "log(-1) is NaN")
	y.Backward()
	assert.Equal(t, []float64{-1}, x.Grad().Float64s())
}
