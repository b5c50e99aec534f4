package tensor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContiguousLayout(t *testing.T) {
	tests := []struct {
		shape   []int
		strides []int
	}{
		{nil, []int{}},
		{[]int{5}, []int{1}},
		{[]int{2, 3}, []int{3, 1}},
		{[]int{2, 3, 4}, []int{12, 4, 1}},
		{[]int{4, 1, 3}, []int{3, 3, 1}},
		// A zero-size dimension counts as 1 for the strides of the dims before it, as in torch.
		{[]int{2, 0, 3}, []int{3, 3, 1}},
		{[]int{0}, []int{1}},
	}
	for _, tc := range tests {
		l := ContiguousLayout(tc.shape)
		assert.Equal(t, tc.strides, l.Strides, "shape %v", tc.shape)
		assert.Equal(t, 0, l.Offset)
		assert.True(t, l.IsContiguous(), "shape %v", tc.shape)
		assert.Equal(t, len(tc.shape), l.NDim())
	}
	// The layout owns its shape.
	shape := []int{2, 3}
	l := ContiguousLayout(shape)
	shape[0] = 9
	assert.Equal(t, []int{2, 3}, l.Shape)
}

func TestShapeNumelEqualClone(t *testing.T) {
	assert.Equal(t, 1, Shape{}.Numel())
	assert.Equal(t, 1, Shape(nil).Numel())
	assert.Equal(t, 24, Shape{2, 3, 4}.Numel())
	assert.Equal(t, 0, Shape{2, 0, 4}.Numel())
	assert.True(t, Shape{2, 3}.Equal(Shape{2, 3}))
	assert.False(t, Shape{2, 3}.Equal(Shape{3, 2}))
	assert.False(t, Shape{2, 3}.Equal(Shape{2, 3, 1}))
	s := Shape{1, 2}
	c := s.Clone()
	c[0] = 7
	assert.Equal(t, Shape{1, 2}, s)
}

func TestLayoutIsContiguous(t *testing.T) {
	tests := []struct {
		name string
		l    Layout
		want bool
	}{
		{"scalar", Layout{Shape: []int{}, Strides: []int{}}, true},
		{"row major", Layout{Shape: []int{2, 3}, Strides: []int{3, 1}}, true},
		{"with offset", Layout{Shape: []int{2, 3}, Strides: []int{3, 1}, Offset: 7}, true},
		{"transposed", Layout{Shape: []int{3, 2}, Strides: []int{1, 3}}, false},
		{"size-1 dims ignore strides", Layout{Shape: []int{1, 3, 1}, Strides: []int{99, 1, 42}}, true},
		{"size-1 leading, any stride", Layout{Shape: []int{1, 4}, Strides: []int{0, 1}}, true},
		{"expanded", Layout{Shape: []int{3, 4}, Strides: []int{1, 0}}, false},
		{"expanded leading", Layout{Shape: []int{2, 3}, Strides: []int{0, 1}}, false},
		{"padded rows", Layout{Shape: []int{4, 4}, Strides: []int{6, 1}}, false},
		{"stepped", Layout{Shape: []int{3}, Strides: []int{2}}, false},
		{"zero-size dim", Layout{Shape: []int{3, 0, 2}, Strides: []int{5, 7, 9}}, true},
		{"zero-size innermost", Layout{Shape: []int{2, 0}, Strides: []int{0, 0}}, true},
		{"one element", Layout{Shape: []int{1, 1}, Strides: []int{5, 5}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.l.IsContiguous())
		})
	}
}

func TestLayoutSpan(t *testing.T) {
	tests := []struct {
		name string
		l    Layout
		want int
	}{
		{"scalar", Layout{Shape: []int{}, Strides: []int{}, Offset: 3}, 4},
		{"contiguous", ContiguousLayout([]int{2, 3}), 6},
		{"transposed", Layout{Shape: []int{3, 2}, Strides: []int{1, 3}}, 6},
		{"narrowed", Layout{Shape: []int{4, 4}, Strides: []int{6, 1}, Offset: 1}, 1 + 3*6 + 3 + 1},
		{"expanded", Layout{Shape: []int{3, 4}, Strides: []int{1, 0}, Offset: 2}, 5},
		{"stepped", Layout{Shape: []int{3}, Strides: []int{2}}, 5},
		{"empty", Layout{Shape: []int{3, 0}, Strides: []int{1, 1}, Offset: 4}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.l.Span())
		})
	}
}

func TestLayoutHasZeroStride(t *testing.T) {
	assert.False(t, ContiguousLayout([]int{2, 3}).Expanded())
	assert.True(t, Layout{Shape: []int{3, 4}, Strides: []int{1, 0}}.Expanded())
	// A zero stride on a size-1 (or size-0) dimension aliases nothing.
	assert.False(t, Layout{Shape: []int{1, 4}, Strides: []int{0, 1}}.Expanded())
	assert.False(t, Layout{Shape: []int{0, 4}, Strides: []int{0, 1}}.Expanded())
}

func TestLayoutPermute(t *testing.T) {
	l := Layout{Shape: []int{2, 3, 4}, Strides: []int{12, 4, 1}, Offset: 5}
	p := permuteLayout(l, []int{2, 0, 1})
	assert.Equal(t, []int{4, 2, 3}, p.Shape)
	assert.Equal(t, []int{1, 12, 4}, p.Strides)
	assert.Equal(t, 5, p.Offset)
	assert.Equal(t, []int{2, 3, 4}, l.Shape, "permute must not modify its receiver")
}

// vwMaskedStrides returns the strides of the dims whose size is not 1: the stride of a size-1
// dimension is never used to address an element, so view rules may pick any value there.
func vwMaskedStrides(l Layout) []int {
	out := make([]int, len(l.Strides))
	for i, s := range l.Strides {
		if l.Shape[i] == 1 {
			s = -1
		}
		out[i] = s
	}
	return out
}

// TestLayoutViewAs checks which strided layouts can be re-viewed without a copy. The cases
// were derived by hand from torch.Tensor.view's rule (a run of new dims must exactly cover a
// run of old dims that are contiguous among themselves) and agree with torch 1.13's strides.
func TestLayoutViewAs(t *testing.T) {
	transposed := Layout{Shape: []int{3, 2}, Strides: []int{1, 3}}               // arange(6).view(2,3).t()
	narrowed := Layout{Shape: []int{4, 4}, Strides: []int{6, 1}, Offset: 1}      // arange(24).view(4,6)[:, 1:5]
	expanded := Layout{Shape: []int{3, 4}, Strides: []int{1, 0}}                 // arange(3).view(3,1).expand(3,4)
	permuted := Layout{Shape: []int{3, 2, 4}, Strides: []int{4, 12, 1}}          // arange(24).view(2,3,4).permute(1,0,2)
	innerT := Layout{Shape: []int{2, 4, 3}, Strides: []int{12, 1, 4}}            // arange(24).view(2,3,4).transpose(1,2)
	stepped := Layout{Shape: []int{3}, Strides: []int{2}}                        // arange(6)[::2]
	contig := Layout{Shape: []int{2, 3, 4}, Strides: []int{12, 4, 1}, Offset: 3} // contiguous at an offset

	tests := []struct {
		name    string
		l       Layout
		shape   []int
		ok      bool
		strides []int // -1 where the size is 1 (stride unused)
	}{
		{"contiguous anything", contig, []int{4, 6}, true, []int{6, 1}},
		{"contiguous flat", contig, []int{24}, true, []int{1}},
		{"contiguous to scalar-like", contig, []int{1, 24, 1}, true, []int{-1, 1, -1}},
		{"contiguous wrong numel", contig, []int{5, 5}, false, nil},

		{"transposed same", transposed, []int{3, 2}, true, []int{1, 3}},
		{"transposed flat", transposed, []int{6}, false, nil},
		{"transposed unit middle", transposed, []int{3, 1, 2}, true, []int{1, -1, 3}},
		{"transposed unit first", transposed, []int{1, 3, 2}, true, []int{-1, 1, 3}},
		{"transposed unit last", transposed, []int{3, 2, 1}, true, []int{1, 3, -1}},
		{"transposed regroup", transposed, []int{2, 3}, false, nil},

		{"narrowed flat", narrowed, []int{16}, false, nil},
		{"narrowed split inner", narrowed, []int{4, 2, 2}, true, []int{6, 2, 1}},
		{"narrowed split outer", narrowed, []int{2, 2, 4}, true, []int{12, 6, 1}},
		{"narrowed merge", narrowed, []int{8, 2}, false, nil},
		{"narrowed unit last", narrowed, []int{4, 4, 1}, true, []int{6, 1, -1}},

		{"expanded flat", expanded, []int{12}, false, nil},
		{"expanded split zero-stride dim", expanded, []int{3, 2, 2}, true, []int{1, 0, 0}},
		{"expanded unit", expanded, []int{1, 3, 4}, true, []int{-1, 1, 0}},

		{"permuted merge", permuted, []int{3, 8}, false, nil},
		{"permuted split last", permuted, []int{3, 2, 2, 2}, true, []int{4, 12, 2, 1}},
		{"permuted merge outer", permuted, []int{6, 4}, false, nil},

		{"inner transpose merge", innerT, []int{8, 3}, false, nil},
		{"inner transpose merge tail", innerT, []int{2, 12}, false, nil},
		{"inner transpose split", innerT, []int{2, 2, 2, 3}, true, []int{12, 2, 1, 4}},

		{"stepped column", stepped, []int{3, 1}, true, []int{2, -1}},
		{"stepped row", stepped, []int{1, 3}, true, []int{-1, 2}},
		{"stepped split fails numel", stepped, []int{2, 2}, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := viewLayout(tc.l, tc.shape)
			require.Equal(t, tc.ok, ok)
			if !ok {
				return
			}
			assert.Equal(t, tc.shape, got.Shape)
			assert.Equal(t, tc.strides, vwMaskedStrides(got))
			assert.Equal(t, tc.l.Offset, got.Offset)
			// The view must visit the same buffer positions in the same row-major order.
			assert.Equal(t, vwPositions(tc.l), vwPositions(got))
		})
	}
}

// vwPositions lists the buffer index of every element of l in row-major order.
func vwPositions(l Layout) []int {
	n := l.Numel()
	out := make([]int, 0, n)
	idx := make([]int, len(l.Shape))
	for range n {
		off := l.Offset
		for d, i := range idx {
			off += i * l.Strides[d]
		}
		out = append(out, off)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < l.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

func TestLayoutViewAsEmptyAndScalar(t *testing.T) {
	// A zero-size layout counts as contiguous and can take any zero-size shape.
	empty := Layout{Shape: []int{3, 0}, Strides: []int{1, 3}}
	got, ok := viewLayout(empty, []int{0, 5})
	require.True(t, ok)
	assert.Equal(t, []int{0, 5}, got.Shape)
	_, ok = viewLayout(empty, []int{1})
	assert.False(t, ok)

	scalar := Layout{Shape: []int{}, Strides: []int{}, Offset: 2}
	got, ok = viewLayout(scalar, []int{1, 1})
	require.True(t, ok)
	assert.Equal(t, 2, got.Offset)
	got, ok = viewLayout(Layout{Shape: []int{1, 1}, Strides: []int{7, 7}, Offset: 4}, []int{})
	require.True(t, ok)
	assert.Equal(t, []int{}, got.Shape)
	assert.Equal(t, 4, got.Offset)
}

func TestBroadcastShapesInternal(t *testing.T) {
	tests := []struct {
		a, b []int
		want []int
		ok   bool
	}{
		{[]int{}, []int{}, []int{}, true},
		{[]int{}, []int{2, 3}, []int{2, 3}, true},
		{[]int{2, 3}, []int{3}, []int{2, 3}, true},
		{[]int{2, 1}, []int{1, 3}, []int{2, 3}, true},
		{[]int{5, 1, 4}, []int{3, 1}, []int{5, 3, 4}, true},
		{[]int{1}, []int{0}, []int{0}, true},
		{[]int{2, 0}, []int{1}, []int{2, 0}, true},
		{[]int{2, 3}, []int{2}, nil, false},
		{[]int{0}, []int{2}, nil, false},
		{[]int{4, 3}, []int{2, 4, 1}, []int{2, 4, 3}, true},
	}
	for _, tc := range tests {
		got, ok := broadcastShapes(tc.a, tc.b)
		require.Equal(t, tc.ok, ok, "%v %v", tc.a, tc.b)
		if ok {
			assert.Equal(t, tc.want, got, "%v %v", tc.a, tc.b)
			// Broadcasting is symmetric.
			rev, ok := broadcastShapes(tc.b, tc.a)
			require.True(t, ok)
			assert.Equal(t, got, rev)
		}
	}
}

func TestLayoutBroadcastTo(t *testing.T) {
	tests := []struct {
		name    string
		l       Layout
		shape   []int
		ok      bool
		strides []int
	}{
		{"same", ContiguousLayout([]int{2, 3}), []int{2, 3}, true, []int{3, 1}},
		{"row to matrix", ContiguousLayout([]int{3}), []int{4, 3}, true, []int{0, 1}},
		{"column", ContiguousLayout([]int{2, 1}), []int{2, 5}, true, []int{1, 0}},
		{"scalar", Layout{Shape: []int{}, Strides: []int{}, Offset: 3}, []int{2, 2}, true, []int{0, 0}},
		{"keeps strided", Layout{Shape: []int{3, 1}, Strides: []int{1, 9}, Offset: 1}, []int{2, 3, 4}, true, []int{0, 1, 0}},
		{"to zero size", ContiguousLayout([]int{1}), []int{0}, true, []int{0}},
		{"bad size", ContiguousLayout([]int{2}), []int{3}, false, nil},
		{"fewer dims", ContiguousLayout([]int{2, 3}), []int{3}, false, nil},
		{"cannot shrink", ContiguousLayout([]int{2}), []int{1}, false, nil},
		{"negative size", ContiguousLayout([]int{1}), []int{-2}, false, nil},
		{"negative new dim", ContiguousLayout([]int{3}), []int{-1, 3}, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := broadcastLayout(tc.l, tc.shape)
			require.Equal(t, tc.ok, ok)
			if !ok {
				return
			}
			assert.Equal(t, tc.shape, got.Shape)
			assert.Equal(t, tc.strides, got.Strides)
			assert.Equal(t, tc.l.Offset, got.Offset)
		})
	}
}

func TestBroadcastShapes(t *testing.T) {
	assert.Equal(t, Shape{}, BroadcastShapes())
	assert.Equal(t, Shape{2, 3}, BroadcastShapes(Shape{2, 3}))
	assert.Equal(t, Shape{4, 2, 3}, BroadcastShapes(Shape{2, 1}, Shape{4, 1, 3}, Shape{}))
	assert.Equal(t, Shape{5, 0}, BroadcastShapes(Shape{5, 1}, Shape{0}))
	vwAssertPanic(t, "tensor.BroadcastShapes: shapes [[2 3] [1 3] [4]] do not broadcast", func() {
		BroadcastShapes(Shape{2, 3}, Shape{1, 3}, Shape{4})
	})
}
