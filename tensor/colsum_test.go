package tensor

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestColumnSumFloat32 checks the column sum of a tall float32 matrix (a recurrent layer's
// bias gradient), which adds whole rows in a float32 cascade: each column within
// 32·u·Σ|x| + u·|sum| of the float64 sum, and the same bits whatever the thread count.
func TestColumnSumFloat32(t *testing.T) {
	const rows, cols = 12800, 515
	x := NewRNG(7).Normal(Shape{rows, cols}, 0, 1)
	xs := x.Float32s()
	want := make([]float64, cols)
	abs := make([]float64, cols)
	for r := range rows {
		for j := range cols {
			v := float64(xs[r*cols+j])
			want[j] += v
			abs[j] += math.Abs(v)
		}
	}
	prev := SetNumThreads(1)
	defer SetNumThreads(prev)
	one := x.Sum(0).Float32s()
	SetNumThreads(2)
	two := x.Sum(0).Float32s()
	require.Equal(t, one, two, "the sum depends on the thread count")
	u := 0x1p-24
	for j := range cols {
		bound := 32*u*abs[j] + u*math.Abs(want[j])
		assert.InDelta(t, want[j], float64(one[j]), bound, "column %d", j)
	}
	// A transposed view sums its rows the other way round: the same values.
	assert.InDeltaSlice(t, one, x.T().Contiguous().Sum(1).Float32s(), 1e-3)
}
