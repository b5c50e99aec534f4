package autograd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/tensor"
)

// Tests of the slicing operations' gradients beyond the gradient checks: where the gradient
// goes (one buffer per input, owned by the leaf), and the multi-output operations.

// slSeq returns 0, 1, ..., n-1 as a float64 tensor of the given shape.
func slSeq(shape ...int) *tensor.Tensor {
	return tensor.Arange(0, float64(tensor.Shape(shape).Numel()), 1, tensor.Float64).Reshape(shape...)
}

func TestSliceGradientsAddIntoOneBufferTheLeafOwns(t *testing.T) {
	x := Param(slSeq(4, 3))
	// Row 1 once, rows 1..3 twice, column 2 of rows 0 and 2 three times.
	loss := x.Select(0, 1).Sum().
		Add(x.Narrow(0, 1, 3).MulScalar(2).Sum()).
		Add(x.Slice(0, 0, 4, 2).Select(1, 2).MulScalar(3).Sum())
	loss.Backward()
	g := x.Grad()
	require.NotNil(t, g)
	assert.Equal(t, []float64{
		0, 0, 3,
		3, 3, 3,
		2, 2, 5,
		2, 2, 2,
	}, g.Float64s())
	assert.True(t, g.Exclusive(), "a leaf's gradient owns its memory")
	assert.True(t, g.IsContiguous())

	// A second Backward adds into the same tensor.
	x.Select(0, 3).Sum().Backward()
	assert.Same(t, g, x.Grad())
	assert.Equal(t, []float64{0, 0, 3, 3, 3, 3, 2, 2, 5, 3, 3, 3}, g.Float64s())
}

func TestSliceBackwardCopiesASharedLeafGradient(t *testing.T) {
	x := Param(slSeq(3, 2))
	held := tensor.Ones(tensor.Shape{3, 2}, tensor.Float64)
	view := held.Narrow(0, 0, 1) // a second handle: held is not exclusive
	x.SetGrad(held)
	x.Select(0, 0).MulScalar(5).Sum().Backward()
	assert.NotSame(t, held, x.Grad())
	assert.Equal(t, []float64{6, 6, 1, 1, 1, 1}, x.Grad().Float64s())
	assert.Equal(t, []float64{1, 1, 1, 1, 1, 1}, held.Float64s(), "the shared tensor is left alone")
	assert.Equal(t, []float64{1, 1}, view.Float64s())
	assert.True(t, x.Grad().Exclusive())
}

func TestRetainGradThroughSlices(t *testing.T) {
	x := Param(slSeq(3, 2))
	h := x.MulScalar(3).RetainGrad()
	loss := h.Select(0, 0).Sum().Add(h.Narrow(0, 0, 2).MulScalar(2).Sum())
	loss.Backward()
	assert.Equal(t, []float64{3, 3, 2, 2, 0, 0}, h.Grad().Float64s())
	assert.Equal(t, []float64{9, 9, 6, 6, 0, 0}, x.Grad().Float64s())
	assert.True(t, h.Grad().Exclusive(), "the retained gradient shares nothing with the graph's")
}

func TestUnbindAndSplitRecordOneOperation(t *testing.T) {
	x := Param(slSeq(3, 4))
	rows := x.Unbind(0)
	require.Len(t, rows, 3)
	for i, r := range rows {
		assert.Equal(t, "Unbind", r.Op())
		assert.Same(t, rows[0].node, r.node, "one node for every slice")
		assert.Equal(t, x.Data().Select(0, i).Float64s(), r.Data().Float64s())
		assert.True(t, r.Data().SharesStorage(x.Data()), "slices are views")
	}
	// Slices that receive no gradient get zeros.
	rows[1].MulScalar(2).Sum().Backward()
	assert.Equal(t, []float64{0, 0, 0, 0, 2, 2, 2, 2, 0, 0, 0, 0}, x.Grad().Float64s())

	cols := x.Unbind(-1)
	require.Len(t, cols, 4)
	assert.Equal(t, []float64{3, 7, 11}, cols[3].Data().Float64s())

	for name, parts := range map[string][]*Value{
		"Split":      x.Split(3, 1),
		"SplitSizes": x.SplitSizes([]int{1, 0, 3}, 1),
		"Chunk":      x.Chunk(2, 1),
	} {
		for _, p := range parts {
			assert.Equal(t, "Split", p.Op(), name)
			assert.Same(t, parts[0].node, p.node, name)
		}
	}
	assert.Equal(t, []int{3, 1}, []int{x.Split(3, 1)[0].Size(1), x.Split(3, 1)[1].Size(1)})
	assert.Len(t, x.Chunk(3, 1), 2, "torch.chunk: chunks of 2, so two of them")
	assert.Empty(t, Param(tensor.Zeros(tensor.Shape{0, 2}, tensor.Float64)).Unbind(0))

	// Without a graph, the pieces are constants.
	xn := x.NoGrad()
	for _, p := range append(xn.Unbind(1), xn.Chunk(2, 0)...) {
		assert.True(t, p.IsLeaf())
		assert.False(t, p.RequiresGrad())
		assert.True(t, p.IsNoGrad())
	}
}

func TestSlicingErrorsAreTyped(t *testing.T) {
	x := Param(slSeq(3, 4))
	var nilValue *Value
	for _, c := range []struct {
		want string
		fn   func()
	}{
		{"autograd.Unbind: cannot unbind a 0-d value", func() { Param(tensor.Scalar(1.0)).Unbind(0) }},
		{"autograd.Unbind: axis 2 out of range for 2 dimensions", func() { x.Unbind(2) }},
		{"autograd.Unbind: nil value", func() { nilValue.Unbind(0) }},
		{"autograd.Narrow: nil value", func() { nilValue.Narrow(0, 0, 1) }},
		{"autograd.Slice: nil value", func() { nilValue.Slice(0, 0, 1, 1) }},
		{"autograd.Select: nil value", func() { nilValue.Select(0, 0) }},
		{"autograd.Split: nil value", func() { nilValue.Split(1, 0) }},
		{"autograd.SplitSizes: nil value", func() { nilValue.SplitSizes([]int{1}, 0) }},
		{"autograd.Chunk: nil value", func() { nilValue.Chunk(1, 0) }},
		{"autograd.Narrow: value has no data (the zero Value is not usable; use Param, Const or New)", func() { new(Value).Narrow(0, 0, 1) }},
		{"tensor.Chunk: number of chunks 0 must be positive", func() { x.Chunk(0, 0) }},
		{"tensor.SplitSizes: sizes [1 1] do not add up to dimension 0 of shape [3 4]", func() { x.SplitSizes([]int{1, 1}, 0) }},
	} {
		opsPanicsWithError(t, c.want, c.fn)
	}
}
