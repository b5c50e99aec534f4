package tensor

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// szOne returns a one-element Float32 tensor holding 1: expanded, it gives operands of huge
// shape without memory behind them.
func szOne() *Tensor { return Ones(Shape{1}) }

// szOne64 is szOne in Float64.
func szOne64() *Tensor { return Ones(Shape{1}, Float64) }

const (
	szMax = math.MaxInt64
	sz62  = 1 << 62 // 4611686018427387904
	sz61  = 1 << 61 // 2305843009213693952
	sz60  = 1 << 60 // 1152921504606846976
)

// TestSizeOverflowPanics checks that each size computation that used to overflow (or could)
// panics with a *Error that names the op and the shapes, instead of wrapping around.
func TestSizeOverflowPanics(t *testing.T) {
	x6 := Arange(0, 6, 1)
	tests := []struct {
		name string
		fn   func()
		op   string
		msg  string
	}{
		// Views and reshapes.
		{"View product wraps to numel", func() { x6.View(6, szMax, szMax) }, "tensor.View",
			"shape [6 9223372036854775807 9223372036854775807] is invalid for a tensor of shape [6]: its sizes multiply past the int range"},
		{"View of empty to huge sizes", func() { Zeros(Shape{0}).View(sz62, sz62, 0) }, "tensor.View",
			"shape [4611686018427387904 4611686018427387904 0] is invalid for a tensor of shape [0]: its sizes multiply past the int range"},
		{"Reshape of empty to huge sizes", func() { Zeros(Shape{0}).Reshape(sz62, sz62, 0) }, "tensor.Reshape",
			"shape [4611686018427387904 4611686018427387904 0] is invalid for a tensor of shape [0]: its sizes multiply past the int range"},
		{"Reshape -1 beside huge sizes", func() { Zeros(Shape{0}).Reshape(sz62, sz62, -1) }, "tensor.Reshape",
			"shape [4611686018427387904 4611686018427387904 -1] is invalid for a tensor of shape [0]: its sizes multiply past the int range"},
		{"Reshape copy too many bytes", func() { From([]float64{1, 2}).Expand(sz60, 2).Transpose(0, 1).Reshape(sz61) }, "tensor.Reshape",
			"shape [2 1152921504606846976] of float64 is too large: its size in bytes overflows int"},
		{"Expand numel", func() { From([]float32{1, 2, 3, 4}).Expand(sz62, 4) }, "tensor.Expand",
			"cannot expand shape [4] to [4611686018427387904 4]: its sizes multiply past the int range"},
		{"Expand empty to huge sizes", func() { Zeros(Shape{0}).Expand(sz62, sz62, 0) }, "tensor.Expand",
			"cannot expand shape [0] to [4611686018427387904 4611686018427387904 0]: its sizes multiply past the int range"},
		{"BroadcastTo empty to huge sizes", func() { Zeros(Shape{0}).BroadcastTo(Shape{sz62, sz62, 0}) }, "tensor.BroadcastTo",
			"cannot broadcast shape [0] to [4611686018427387904 4611686018427387904 0]: its sizes multiply past the int range"},
		{"BroadcastShapes", func() { BroadcastShapes(Shape{sz62, 1}, Shape{1, sz62}) }, "tensor.BroadcastShapes",
			"shapes [[4611686018427387904 1] [1 4611686018427387904]] broadcast to [4611686018427387904 4611686018427387904], whose sizes multiply past the int range"},
		{"BroadcastShapes negative", func() { BroadcastShapes(Shape{2, -1}) }, "tensor.BroadcastShapes",
			"negative dimension in shapes [[2 -1]]"},
		{"Narrow start+length", func() { x6.Narrow(0, 1, szMax) }, "tensor.Narrow",
			"range [1, 9223372036854775808) out of bounds for dimension 0 of shape [6]"},
		{"Narrow huge start", func() { x6.Narrow(0, szMax, 1) }, "tensor.Narrow",
			"range [9223372036854775807, 9223372036854775808) out of bounds for dimension 0 of shape [6]"},
		{"Narrow negative sum", func() { x6.Narrow(0, math.MinInt64, math.MinInt64) }, "tensor.Narrow",
			"range [-9223372036854775802, -18446744073709551610) out of bounds for dimension 0 of shape [6]"},
		{"SplitSizes sum wraps", func() { Zeros(Shape{0}).SplitSizes([]int{szMax, szMax, 2}, 0) }, "tensor.SplitSizes",
			"sizes [9223372036854775807 9223372036854775807 2] do not add up to dimension 0 of shape [0]"},
		{"Flatten copy too many bytes", func() { From([]float64{1, 2}).Expand(sz60, 2).Transpose(0, 1).Flatten(0, 1) }, "tensor.Flatten",
			"shape [2 1152921504606846976] of float64 is too large: its size in bytes overflows int"},

		// Constructors.
		{"Arange count", func() { Arange(0, 1e300, 1) }, "tensor.Arange",
			"range start=0 end=1e+300 step=1 holds 1e+300 values, more than an int counts"},
		{"Arange end-start overflows", func() { Arange(-1e308, 1e308, 1) }, "tensor.Arange",
			"range start=-1e+308 end=1e+308 step=1 holds +Inf values, more than an int counts"},
		{"Arange bytes", func() { Arange(0, sz62, 1) }, "tensor.Arange",
			"shape [4611686018427387904] of float32 is too large: its size in bytes overflows int"},
		{"Eye n*n", func() { Eye(1 << 32) }, "tensor.Eye",
			"shape [4294967296 4294967296] is too large: its sizes multiply past the int range"},
		{"Eye bytes", func() { Eye(1<<31, Float64) }, "tensor.Eye",
			"shape [2147483648 2147483648] of float64 is too large: its size in bytes overflows int"},
		{"Linspace bytes", func() { Linspace(0, 1, sz62) }, "tensor.Linspace",
			"shape [4611686018427387904] of float32 is too large: its size in bytes overflows int"},
		{"Zeros bytes", func() { Zeros(Shape{sz62}) }, "tensor.Zeros",
			"shape [4611686018427387904] of float32 is too large: its size in bytes overflows int"},
		{"Ones bytes", func() { Ones(Shape{sz61}, Float64) }, "tensor.Ones",
			"shape [2305843009213693952] of float64 is too large: its size in bytes overflows int"},
		{"Full huge empty shape", func() { Full(Shape{sz62, sz62, 0}, 1) }, "tensor.Full",
			"shape [4611686018427387904 4611686018427387904 0] is too large: its sizes multiply past the int range"},
		{"Empty numel", func() { Empty(Shape{3, sz62}) }, "tensor.Empty",
			"shape [3 4611686018427387904] is too large: its sizes multiply past the int range"},
		{"From product wraps to len", func() { From([]float32{1, 2, 3, 4, 5, 6}, 6, szMax, szMax) }, "tensor.From",
			"shape [6 9223372036854775807 9223372036854775807] is too large: its sizes multiply past the int range"},
		{"FullLike bytes", func() { FullLike(szOne64().Expand(sz61), 1) }, "tensor.FullLike",
			"shape [2305843009213693952] of float64 is too large: its size in bytes overflows int"},
		{"EmptyLike bytes", func() { EmptyLike(szOne64().Expand(sz61)) }, "tensor.EmptyLike",
			"shape [2305843009213693952] of float64 is too large: its size in bytes overflows int"},
		{"Uniform numel", func() { NewRNG(1).Uniform(Shape{sz62, 4}, 0, 1) }, "tensor.RNG.Uniform",
			"shape [4611686018427387904 4] is too large: its sizes multiply past the int range"},
		{"Normal bytes", func() { NewRNG(1).Normal(Shape{sz61}, 0, 1, Float64) }, "tensor.RNG.Normal",
			"shape [2305843009213693952] of float64 is too large: its size in bytes overflows int"},
		{"Bernoulli numel", func() { NewRNG(1).Bernoulli(Shape{sz62, sz62, 0}, 0.5) }, "tensor.RNG.Bernoulli",
			"shape [4611686018427387904 4611686018427387904 0] is too large: its sizes multiply past the int range"},
		{"Integers bytes", func() { NewRNG(1).Integers(Shape{sz61}, 0, 5) }, "tensor.RNG.Integers",
			"shape [2305843009213693952] of int64 is too large: its size in bytes overflows int"},
		{"Permutation bytes", func() { NewRNG(1).Permutation(sz60) }, "tensor.RNG.Permutation",
			"shape [1152921504606846976] of int64 is too large: its size in bytes overflows int"},

		// Operations whose result is as large as an expanded operand.
		{"Add broadcast", func() { szOne().Expand(sz62, 1).Add(szOne().Expand(1, sz62)) }, "tensor.Add",
			"shapes [4611686018427387904 1] and [1 4611686018427387904] broadcast to [4611686018427387904 4611686018427387904], whose sizes multiply past the int range"},
		{"Mul bytes", func() { szOne().Expand(1<<31, 1).Mul(szOne().Expand(1, 1<<31)) }, "tensor.Mul",
			"shape [2147483648 2147483648] of float32 is too large: its size in bytes overflows int"},
		{"Where broadcast", func() { Where(szOne().Expand(sz62, 1, 1), szOne().Expand(1, sz62, 1), szOne()) }, "tensor.Where",
			"shapes [4611686018427387904 1 1], [1 4611686018427387904 1] and [1] broadcast to [4611686018427387904 4611686018427387904 1], whose sizes multiply past the int range"},
		{"MatMul batch", func() { MatMul(szOne().Expand(1<<40, 1, 1, 1), szOne().Expand(1, 1<<40, 1, 1)) }, "tensor.MatMul",
			"shapes [1099511627776 1 1 1] and [1 1099511627776 1 1] make a product of shape [1099511627776 1099511627776 1 1] from operands broadcast to [1099511627776 1099511627776 1 1] and [1099511627776 1099511627776 1 1], whose sizes multiply past the int range"},
		{"MatMul operand broadcast", func() { MatMul(szOne().Expand(1<<20, 1, 1, 1<<23), szOne().Expand(1, 1<<20, 1<<23, 1)) }, "tensor.MatMul",
			"shapes [1048576 1 1 8388608] and [1 1048576 8388608 1] make a product of shape [1048576 1048576 1 1] from operands broadcast to [1048576 1048576 1 8388608] and [1048576 1048576 8388608 1], whose sizes multiply past the int range"},
		{"MatMul m*n", func() { MatMul(szOne().Expand(sz62, 1), szOne().Expand(1, 4)) }, "tensor.MatMul",
			"shapes [4611686018427387904 1] and [1 4] make a product of shape [4611686018427387904 4] from operands broadcast to [4611686018427387904 1] and [1 4], whose sizes multiply past the int range"},
		{"MatMul bytes", func() { MatMul(szOne64().Expand(sz61, 1), szOne64().Expand(1, 1)) }, "tensor.MatMul",
			"shape [2305843009213693952 1] of float64 is too large: its size in bytes overflows int"},
		{"Cat sum", func() { a := szOne().Expand(sz62); Cat([]*Tensor{a, a}, 0) }, "tensor.Cat",
			"sizes along axis 0 of shapes [4611686018427387904], ..., [4611686018427387904] add up past the int range"},
		{"Cat bytes", func() { a := szOne().Expand(sz61); Cat([]*Tensor{a, a}, 0) }, "tensor.Cat",
			"shape [4611686018427387904] of float32 is too large: its size in bytes overflows int"},
		{"Stack numel", func() { a := szOne().Expand(sz62, 1); Stack([]*Tensor{a, a}, 0) }, "tensor.Stack",
			"shape [2 4611686018427387904 1] is too large: its sizes multiply past the int range"},
		{"IndexSelect numel", func() { Ones(Shape{1, 1}).Expand(1, sz62).IndexSelect(0, From([]int64{0, 0, 0, 0})) }, "tensor.IndexSelect",
			"shape [4 4611686018427387904] is too large: its sizes multiply past the int range"},
		{"Clone bytes", func() { szOne64().Expand(sz61).Clone() }, "tensor.Clone",
			"shape [2305843009213693952] of float64 is too large: its size in bytes overflows int"},
		{"Contiguous bytes", func() { szOne64().Expand(sz61).Contiguous() }, "tensor.Contiguous",
			"shape [2305843009213693952] of float64 is too large: its size in bytes overflows int"},
		{"AsType bytes", func() { szOne().Expand(sz60).AsType(Float64) }, "tensor.AsType",
			"shape [1152921504606846976] of float64 is too large: its size in bytes overflows int"},
		{"Float32s bytes", func() { szOne().Expand(sz61).Float32s() }, "tensor.Float32s",
			"shape [2305843009213693952] of float32 is too large: its size in bytes overflows int"},
		{"Float64s bytes", func() { szOne().Expand(sz60).Float64s() }, "tensor.Float64s",
			"shape [1152921504606846976] of float64 is too large: its size in bytes overflows int"},
		{"Neg bytes", func() { szOne64().Expand(sz61).Neg() }, "tensor.Neg",
			"shape [2305843009213693952] of float64 is too large: its size in bytes overflows int"},
		{"ArgMax Int64 bytes", func() { szOne().Expand(sz60, 2).ArgMax(1, false) }, "tensor.ArgMax",
			"shape [1152921504606846976] of int64 is too large: its size in bytes overflows int"},
		{"Softmax bytes", func() { szOne64().Expand(sz61).Softmax(0) }, "tensor.Softmax",
			"shape [2305843009213693952] of float64 is too large: its size in bytes overflows int"},
		{"SumTo huge shape", func() { szOne().Expand(sz62).SumTo(Shape{sz62, sz62, 0}) }, "tensor.SumTo",
			"cannot sum shape [4611686018427387904] to [4611686018427387904 4611686018427387904 0]: shape [4611686018427387904 4611686018427387904 0] is too large: its sizes multiply past the int range"},

		// Shapes and layouts.
		{"Shape.Numel overflow", func() { _ = Shape{sz62, 4}.Numel() }, "tensor.Shape.Numel",
			"the sizes of shape [4611686018427387904 4] multiply past the int range"},
		{"Shape.Numel negative", func() { _ = Shape{2, -1}.Numel() }, "tensor.Shape.Numel",
			"negative dimension in shape [2 -1]"},
		{"ContiguousLayout", func() { ContiguousLayout([]int{sz62, sz62, 0}) }, "tensor.ContiguousLayout",
			"shape [4611686018427387904 4611686018427387904 0] is too large: its sizes multiply past the int range"},
		{"Layout.Span overflow", func() { _ = Layout{Shape: []int{2}, Strides: []int{szMax}}.Span() }, "tensor.Layout.Span",
			"shape [2], strides [9223372036854775807] and offset 0 reach past the int range"},
		{"Layout.Span offset overflow", func() { _ = Layout{Shape: []int{}, Strides: []int{}, Offset: szMax}.Span() }, "tensor.Layout.Span",
			"shape [], strides [] and offset 9223372036854775807 reach past the int range"},
		{"Layout.Span negative stride", func() { _ = Layout{Shape: []int{2}, Strides: []int{-1}}.Span() }, "tensor.Layout.Span",
			"negative offset, size or stride in shape [2], strides [-1], offset 0"},
		{"Layout.Span lengths differ", func() { _ = Layout{Shape: []int{2}, Strides: []int{}}.Span() }, "tensor.Layout.Span",
			"shape [2] and strides [] differ in length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Maybe(tc.fn)
			var e *Error
			require.True(t, errors.As(err, &e), "want a *tensor.Error, got %v", err)
			assert.Equal(t, tc.op, e.Op)
			assert.Equal(t, tc.msg, e.Msg)
		})
	}
}

// TestSizeHugeArgumentsHandledExactly checks arguments near the int range that are valid:
// they must give exactly the right result, not a panic or a wrapped-around size.
func TestSizeHugeArgumentsHandledExactly(t *testing.T) {
	x := vwSeq(6)

	// Python: list(range(6))[0:3:huge] == [0]; the count formula used to overflow to -1.
	s := x.Slice(0, 0, 3, szMax)
	assert.Equal(t, Shape{1}, s.Shape())
	assert.Equal(t, vwF32(0), s.Float32s())
	assert.Equal(t, []int{1}, s.Strides(), "a step that never applies leaves the stride alone")
	s = x.Slice(0, 2, szMax, szMax)
	assert.Equal(t, vwF32(2), s.Float32s())
	s = x.Slice(0, math.MinInt, szMax, 5)
	assert.Equal(t, vwF32(0, 5), s.Float32s())
	assert.Equal(t, []int{5}, s.Strides())
	s = x.Slice(0, 6, szMax, szMax)
	assert.Equal(t, Shape{0}, s.Shape())
	assert.Equal(t, []int{1}, s.Strides())

	n := x.Narrow(0, 6, 0)
	assert.Equal(t, Shape{0}, n.Shape())
	n = x.Narrow(0, -6, 6)
	assert.Equal(t, vwF32(0, 1, 2, 3, 4, 5), n.Float32s())

	// Sizes up to the largest int are fine when nothing is allocated for them.
	e := szOne().Expand(szMax)
	assert.Equal(t, szMax, e.Numel())
	assert.Equal(t, 1, e.Layout().Span())
	parts := e.Split(szMax/2+1, 0)
	require.Len(t, parts, 2)
	assert.Equal(t, Shape{szMax/2 + 1}, parts[0].Shape())
	assert.Equal(t, Shape{szMax / 2}, parts[1].Shape())
	chunks := e.Chunk(2, 0)
	require.Len(t, chunks, 2)
	assert.Equal(t, Shape{sz62}, chunks[0].Shape())
	assert.Equal(t, Shape{sz62 - 1}, chunks[1].Shape())
	assert.Equal(t, 1.0, chunks[1].At(sz62-2))

	// Expanded views reshape as views, whatever their size.
	f := szOne().Expand(1<<31, 1<<31).Flatten(0, 1)
	assert.Equal(t, Shape{sz62}, f.Shape())
	assert.Equal(t, []int{0}, f.Strides())

	// Empty shapes: a zero size holds no element, but the other sizes must still fit.
	z := Zeros(Shape{0}).Reshape(sz62, 0)
	assert.Equal(t, Shape{sz62, 0}, z.Shape())
	assert.Equal(t, []int{1, 1}, z.Strides())
	assert.Equal(t, 0, z.Numel())
	assert.Equal(t, Shape{sz62, 0}, Zeros(Shape{0}).Reshape(sz62, -1).Shape())
	assert.Equal(t, 0, Shape{sz62, sz62, 0}.Numel(), "Numel counts elements even when the shape is refused for a tensor")

	// Unsqueeze next to a huge size-0 dimension.
	u := Zeros(Shape{0, sz62}).Unsqueeze(0)
	assert.Equal(t, []int{0, sz62, 1}, u.Strides())

	// Cat and MatMul of expanded operands at the edge of the range still work.
	a := szOne().Expand(sz62 - 1)
	c := Cat([]*Tensor{a.Narrow(0, 0, 2), a.Narrow(0, 0, 3)}, 0)
	assert.Equal(t, vwF32(1, 1, 1, 1, 1), c.Float32s())
	m := MatMul(szOne().Expand(2, 1), szOne().Expand(1, 3))
	assert.Equal(t, vwF32(1, 1, 1, 1, 1, 1), m.Float32s())
}

func TestSizeHelpers(t *testing.T) {
	p, ok := mulSize(1<<31, 1<<31)
	assert.True(t, ok)
	assert.Equal(t, sz62, p)
	_, ok = mulSize(sz62, 2)
	assert.False(t, ok)
	_, ok = mulSize(szMax, szMax)
	assert.False(t, ok)
	p, ok = mulSize(0, szMax)
	assert.True(t, ok)
	assert.Equal(t, 0, p)

	p, ok = addSize(szMax-1, 1)
	assert.True(t, ok)
	assert.Equal(t, szMax, p)
	_, ok = addSize(szMax, 1)
	assert.False(t, ok)

	assert.Equal(t, szMax, mulSat(sz62, 4))
	assert.Equal(t, 12, mulSat(3, 4))

	tests := []struct {
		shape []int
		n     int
		ok    bool
	}{
		{[]int{}, 1, true},
		{[]int{2, 3}, 6, true},
		{[]int{0, 5}, 0, true},
		{[]int{szMax}, szMax, true},
		{[]int{sz62, 0}, 0, true},
		{[]int{sz62, 2}, 0, false},
		{[]int{sz62, sz62, 0}, 0, false}, // zero sizes count as 1
		{[]int{6, szMax, szMax}, 0, false},
		{[]int{3, -1}, 0, false},
	}
	for _, tc := range tests {
		n, ok := shapeNumel(tc.shape)
		assert.Equal(t, tc.ok, ok, "%v", tc.shape)
		assert.Equal(t, tc.n, n, "%v", tc.shape)
	}

}

// TestEmptyViewsStayInsideBuffer checks that views without elements keep their offset, so
// that Span, which is the offset for them, stays within the buffer (found by FuzzNarrowSlice:
// Zeros(0, 5).Slice(1, 0, 5, 2).Narrow(1, 1, 1) had offset 2 over a buffer of 0 elements).
func TestEmptyViewsStayInsideBuffer(t *testing.T) {
	z := Zeros(Shape{0, 5})
	tests := []struct {
		name string
		v    *Tensor
	}{
		{"Slice then Narrow", z.Slice(1, 0, 5, 2).Narrow(1, 1, 1)},
		{"Narrow", z.Narrow(1, 4, 1)},
		{"Slice", z.Slice(1, 3, 5, 1)},
		{"Select", z.Select(1, 4)},
		{"huge", Zeros(Shape{0, sz61, 2}).Narrow(1, sz61-1, 1).Select(2, 1)},
	}
	for _, tc := range tests {
		l := tc.v.Layout()
		assert.Equal(t, 0, l.Offset, tc.name)
		assert.Equal(t, 0, l.Span(), tc.name)
		assert.Equal(t, 0, tc.v.Numel(), tc.name)
	}
	x := vwSeq(2, 3)
	assert.Equal(t, 1, x.Narrow(1, 1, 2).Layout().Offset, "views with elements still move")
	assert.Equal(t, vwF32(5), x.Select(0, 1).Select(0, 2).Reshape(1).Float32s())
}

// TestGenerateBlocks checks the constructors that fill a tensor a block at a time on tensors
// of several blocks: the values are those of one pass over the whole tensor.
func TestGenerateBlocks(t *testing.T) {
	n := 2*generateBlock + 5

	a := Arange(0, float64(n), 1, Int64).Int64s()
	require.Len(t, a, n)
	for i, v := range a {
		require.Equal(t, int64(i), v)
	}

	l := Linspace(-1, 1, n, Float64).Float64s()
	require.Len(t, l, n)
	h := 2 / float64(n-1)
	for i, v := range l {
		want := -1 + h*float64(i)
		if i >= n/2 {
			want = 1 - h*float64(n-1-i)
		}
		require.Equal(t, want, v, "element %d", i)
	}
	assert.Equal(t, 1.0, l[n-1])

	// The same seed draws the same numbers in the same order, whatever the tensor's size.
	long := NewRNG(7).Normal(Shape{n}, 0, 1, Float64).Float64s()
	short := NewRNG(7).Normal(Shape{generateBlock + 3}, 0, 1, Float64).Float64s()
	assert.Equal(t, short, long[:len(short)])
	ints := NewRNG(9).Integers(Shape{n}, -5, 5).Int64s()
	floats := NewRNG(9).Integers(Shape{n}, -5, 5, Float32).Float32s()
	for i := range ints {
		require.Equal(t, float32(ints[i]), floats[i])
	}

	p := NewRNG(3).Permutation(n).Int64s()
	seen := make([]bool, n)
	for _, v := range p {
		require.False(t, seen[v], "value %d twice", v)
		seen[v] = true
	}
	assert.Equal(t, p, NewRNG(3).Permutation(n, Float64).Int64s())
}

// TestConstructorsAllocateFirst checks that the constructors which compute their values on
// the host (Arange, Linspace, Eye, the RNG draws) allocate the tensor on its device before
// they build anything: a tensor too large for the machine meets the device's Alloc check as
// a *Error instead of a host allocation that kills the process.
func TestConstructorsAllocateFirst(t *testing.T) {
	const n = 1 << 50 // 4 PiB of float32: valid sizes, more memory than any machine has
	tests := []struct {
		name string
		fn   func()
	}{
		{"Arange", func() { Arange(0, n, 1) }},
		{"Linspace", func() { Linspace(0, 1, n) }},
		{"Eye", func() { Eye(1 << 25) }},
		{"Zeros", func() { Zeros(Shape{n}) }},
		{"Normal", func() { NewRNG(1).Normal(Shape{n}, 0, 1) }},
		{"Integers", func() { NewRNG(1).Integers(Shape{n}, 0, 3) }},
		{"Permutation", func() { NewRNG(1).Permutation(n) }},
	}
	for _, tc := range tests {
		var e *Error
		require.True(t, errors.As(Maybe(tc.fn), &e), tc.name)
		assert.Equal(t, "tensor.Alloc", e.Op, tc.name)
	}
}
