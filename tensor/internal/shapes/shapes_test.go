package shapes

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSizeArithmetic(t *testing.T) {
	p, ok := Mul(1<<31, 1<<31)
	assert.True(t, ok)
	assert.Equal(t, 1<<62, p)
	_, ok = Mul(1<<32, 1<<31)
	assert.False(t, ok)
	_, ok = Mul(math.MaxInt, 2)
	assert.False(t, ok)
	s, ok := Add(math.MaxInt-1, 1)
	assert.True(t, ok)
	assert.Equal(t, math.MaxInt, s)
	_, ok = Add(math.MaxInt, 1)
	assert.False(t, ok)
	assert.Equal(t, math.MaxInt, MulSat(1<<40, 1<<40))
	assert.Equal(t, 6, MulSat(2, 3))
}

func TestNumel(t *testing.T) {
	for _, c := range []struct {
		shape []int
		n     int
		ok    bool
	}{
		{nil, 1, true},
		{[]int{2, 3}, 6, true},
		{[]int{0, 5}, 0, true},
		{[]int{-1, 2}, 0, false},
		{[]int{6, math.MaxInt64, math.MaxInt64}, 0, false}, // wraps back to 6 unchecked
		{[]int{1 << 62, 1 << 62, 0}, 0, false},             // empty, but its strides overflow
		{[]int{1 << 31, 1 << 31, 0}, 0, true},
	} {
		n, ok := Numel(c.shape)
		assert.Equal(t, c.ok, ok, "%v", c.shape)
		assert.Equal(t, c.n, n, "%v", c.shape)
	}
	assert.Equal(t, "[2 3]", Str([]int{2, 3}))
	assert.Equal(t, "[]", Str(nil))
}
