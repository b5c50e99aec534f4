package device

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Rows narrows every matrix operand to the rows asked for, keeps the vector Bhh and the absent
// operands as they are, and leaves the original's layouts alone.
func TestRNNCellArgsRows(t *testing.T) {
	var buf Buffer = fakeBuffer{}
	mat := func(off, rows, cols, stride int) Strided {
		return Strided{Buf: buf, Layout: Layout{Shape: []int{rows, cols}, Strides: []int{stride, 1}, Offset: off}}
	}
	a := RNNCellArgs{
		Act: mat(100, 6, 8, 8), C: mat(7, 6, 2, 4), DH: mat(0, 6, 2, 2),
		Bhh: Strided{Buf: buf, Layout: Layout{Shape: []int{8}, Strides: []int{1}}},
	}
	r := a.Rows(2, 5)
	assert.Equal(t, []int{3, 8}, r.Act.Shape)
	assert.Equal(t, 100+2*8, r.Act.Offset)
	assert.Equal(t, []int{3, 2}, r.C.Shape)
	assert.Equal(t, 7+2*4, r.C.Offset)
	assert.Equal(t, 4, r.DH.Offset)
	assert.Equal(t, a.Bhh, r.Bhh)
	assert.Nil(t, r.Gi.Buf)
	assert.Nil(t, r.DCPrev.Buf)
	assert.Equal(t, []int{6, 8}, a.Act.Shape, "the original is untouched")
	assert.Equal(t, 100, a.Act.Offset)
}

type fakeBuffer struct{ Buffer }
