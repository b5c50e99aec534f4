package tensor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hand-computed tests of the index ops (IndexSelect, Gather, ScatterAdd, IndexAdd) and of
// Cat, Stack, Split and Chunk: strided operands, aliasing, every error path, large inputs.

func TestOpsIndexSelect(t *testing.T) {
	a := From(opsSeq(12), 3, 4) // a[i][j] = 4i+j
	idx := From([]int64{2, 0, 2})
	got := a.IndexSelect(0, idx)
	opsRequireShape(t, got, 3, 4)
	assert.Equal(t, []float64{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}, got.Float64s())
	cols := From([]int64{3, 1})
	assert.Equal(t, []float64{3, 1, 7, 5, 11, 9}, a.IndexSelect(1, cols).Float64s())
	assert.Equal(t, []float64{3, 1, 7, 5, 11, 9}, a.IndexSelect(-1, cols).Float64s())
	// Strided source and strided indices.
	strided := From([]int64{0, 9, 2, 9, 1}).Slice(0, 0, 5, 2) // [0 2 1]
	require.False(t, strided.IsContiguous())
	assert.Equal(t, []float64{0, 2, 1, 4, 6, 5, 8, 10, 9}, a.IndexSelect(1, strided).Float64s())
	assert.Equal(t, []float64{0, 4, 8, 2, 6, 10, 1, 5, 9}, a.T().IndexSelect(0, strided).Float64s())
	assert.Equal(t, []float64{9, 10, 11, 1, 2, 3}, a.Slice(1, 1, 4, 1).IndexSelect(0, From([]int64{2, 0})).Float64s())
	// Int64 data, no indices, a 0-d index (keeps the dimension, with size 1).
	ai := From([]int64{5, 6, 7, 8}, 2, 2)
	assert.Equal(t, []int64{7, 8, 5, 6}, ai.IndexSelect(0, From([]int64{1, 0})).Int64s())
	opsRequireShape(t, a.IndexSelect(1, Zeros(Shape{0}, Int64)), 3, 0)
	z := a.IndexSelect(0, Scalar[int64](1))
	opsRequireShape(t, z, 1, 4)
	assert.Equal(t, []float64{4, 5, 6, 7}, z.Float64s())
	// The result is a copy.
	got.Fill(-1)
	assert.Equal(t, 0.0, a.At(0, 0))
}

// TestOpsIndexSelectND checks indices of any shape against the 1-D path (itself checked against
// torch.index_select in ops.json): the N-d result is the 1-D result of the flattened indices with
// the indexed dimension split into the index's shape.
func TestOpsIndexSelectND(t *testing.T) {
	a := From(opsSeq(24), 2, 3, 4) // a[i][j][k] = 12i+4j+k
	cases := []struct {
		name string
		axis int
		idx  *Tensor
		want Shape
	}{
		{"axis 0, [2 2]", 0, From([]int64{1, 0, 1, 1}, 2, 2), Shape{2, 2, 3, 4}},
		{"axis 1, [2 3]", 1, From([]int64{2, 0, 2, 1, 1, 0}, 2, 3), Shape{2, 2, 3, 4}},
		{"axis -1, [3 1 2]", -1, From([]int64{3, 0, 1, 1, 2, 3}, 3, 1, 2), Shape{2, 3, 3, 1, 2}},
		{"transposed index (copied to flatten)", 1, From([]int64{0, 1, 2, 2, 1, 0}, 2, 3).T(), Shape{2, 3, 2, 4}},
		{"expanded index", 2, From([]int64{3, 1}).Expand(3, 2), Shape{2, 3, 3, 2}},
		{"empty index [2 0]", 1, Zeros(Shape{2, 0}, Int64), Shape{2, 2, 0, 4}},
	}
	for _, c := range cases {
		got := a.IndexSelect(c.axis, c.idx)
		assert.Equal(t, c.want, got.Shape(), c.name)
		assert.True(t, got.IsContiguous(), c.name)
		flat := a.IndexSelect(c.axis, c.idx.Reshape(-1))
		assert.Equal(t, flat.Float64s(), got.Float64s(), c.name)
	}
	// One element by hand: a[1][idx[1][0]][2] with idx [[2 0 2] [1 1 0]] is a[1][1][2] = 18.
	assert.Equal(t, 18.0, a.IndexSelect(1, From([]int64{2, 0, 2, 1, 1, 0}, 2, 3)).At(1, 1, 0, 2))
	// The embedding lookup of a [batch, length] id tensor.
	table := From([]float32{0, 1, 10, 11, 20, 21}, 3, 2)
	emb := table.IndexSelect(0, From([]int64{2, 0, 1, 1, 2, 2}, 2, 3))
	opsRequireShape(t, emb, 2, 3, 2)
	assert.Equal(t, []float32{20, 21, 0, 1, 10, 11, 10, 11, 20, 21, 20, 21}, emb.Float32s())
}

// TestOpsIndexAddND checks IndexAddInPlace with indices of any shape against the 1-D path on
// the flattened indices and source, and that it is the reverse of IndexSelect.
func TestOpsIndexAddND(t *testing.T) {
	idx := From([]int64{2, 0, 2, 1, 2, 2}, 2, 3) // row 2 four times, 1 once, 0 once
	src := From(opsSeq(2*2*3*4), 2, 2, 3, 4)     // t.shape[:1] + [2 3] + t.shape[2:] for t [2 3 4]
	got := Zeros(Shape{2, 3, 4}, Float64).IndexAddInPlace(1, idx, src)
	want := Zeros(Shape{2, 3, 4}, Float64).IndexAddInPlace(1, idx.Reshape(6), src.Reshape(2, 6, 4))
	assert.Equal(t, want.Float64s(), got.Float64s())
	// src[0][0][0][0] = 0, src[0][0][2][0] = 8, src[0][1][1][0] = 16, src[0][1][2][0] = 20 all go
	// to t[0][2][0].
	assert.Equal(t, 0.0+8+16+20, got.At(0, 2, 0))
	// A non-contiguous source (copied to merge the index dimensions) and index.
	srcT := From(opsSeq(2*2*3*4), 4, 3, 2, 2).Permute(3, 2, 1, 0) // shape [2 2 3 4]
	idxT := From([]int64{2, 1, 0, 2, 2, 2}, 3, 2).T()
	got = Zeros(Shape{2, 3, 4}, Float64).IndexAddInPlace(1, idxT, srcT)
	want = Zeros(Shape{2, 3, 4}, Float64).IndexAddInPlace(1, idxT.Contiguous().Reshape(6), srcT.Contiguous().Reshape(2, 6, 4))
	assert.Equal(t, want.Float64s(), got.Float64s())
	// The reverse of IndexSelect: <IndexSelect(x), g> = <x, IndexAdd(g)> for every x and g.
	x := From(opsRandF32(43, 24, -1, 1), 2, 3, 4)
	g := From(opsRandF32(44, 48, -1, 1), 2, 2, 3, 4)
	lhs := x.IndexSelect(1, idx).Mul(g).Sum().Item()
	rhs := x.Mul(Zeros(Shape{2, 3, 4}).IndexAddInPlace(1, idx, g)).Sum().Item()
	assert.InDelta(t, lhs, rhs, 1e-5*48) // float32 sums of 48 terms of size at most 1
	// A 0-d index with a size-1 source dimension, and a source that views the receiver.
	r := From([]float64{1, 2, 3, 4}, 2, 2)
	r.IndexAddInPlace(0, Scalar[int64](1), r.Narrow(0, 0, 1))
	assert.Equal(t, []float64{1, 2, 4, 6}, r.Float64s())
	c := From([]float64{1, 2, 3, 4}, 4)
	c.IndexAddInPlace(0, From([]int64{0, 1}, 1, 2), c.Narrow(0, 2, 2).Reshape(1, 2))
	assert.Equal(t, []float64{4, 6, 3, 4}, c.Float64s())
}

func TestOpsGather(t *testing.T) {
	// torch.gather's documentation example.
	x := From([]float32{1, 2, 3, 4}, 2, 2)
	assert.Equal(t, []float32{1, 1, 4, 3}, x.Gather(1, From([]int64{0, 0, 1, 0}, 2, 2)).Float32s())
	assert.Equal(t, []float32{1, 4, 3, 2}, x.Gather(0, From([]int64{0, 1, 1, 0}, 2, 2)).Float32s())
	// The index may be smaller than the source in every dimension but the gathered one, and
	// larger along it.
	a := From(opsSeq(12), 3, 4) // a[i][j] = 4i+j
	g := a.Gather(1, From([]int64{3, 3, 3, 0, 1, 2}, 2, 3))
	opsRequireShape(t, g, 2, 3)
	assert.Equal(t, []float64{3, 3, 3, 4, 5, 6}, g.Float64s())
	g = a.Gather(0, From([]int64{2, 1, 0, 2, 2, 2, 2, 2}, 4, 2))
	assert.Equal(t, []float64{8, 5, 0, 9, 8, 9, 8, 9}, g.Float64s())
	// Strided source and index: a.T()[i][j] = a[j][i] = 4j+i; idx.T() = [[0 2] [1 0]].
	idx := From([]int64{0, 1, 2, 0}, 2, 2).T()
	assert.Equal(t, []float64{0, 8, 5, 1}, a.T().Gather(1, idx).Float64s())
	// 3-D, negative axis, Int64 data: out[i][j][k] = b[i][j][bi[i][j][k]].
	b := From([]int64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2)
	bi := From([]int64{1, 0, 0, 0, 1, 1, 0, 1}, 2, 2, 2)
	assert.Equal(t, []int64{2, 1, 3, 3, 6, 6, 7, 8}, b.Gather(2, bi).Int64s())
	assert.Equal(t, []int64{2, 1, 3, 3, 6, 6, 7, 8}, b.Gather(-1, bi).Int64s())
	// A 0-d tensor gathers like a vector of one element, as in torch.
	s := Scalar(2.5).Gather(0, Scalar[int64](0))
	opsRequireShape(t, s)
	assert.Equal(t, 2.5, s.Item())
}

func TestOpsScatterAdd(t *testing.T) {
	// Rows of src added into the rows idx names, per column; repeated targets accumulate.
	base := From([]float64{1, 1, 1, 1, 1, 1}, 2, 3)
	idx := From([]int64{0, 1, 0, 0, 0, 1}, 2, 3)
	src := From([]float64{10, 20, 30, 40, 50, 60}, 2, 3)
	got := base.ScatterAdd(0, idx, src)
	// Column 0: both into row 0 (1+10+40); column 1: 20 to row 1, 50 to row 0;
	// column 2: 30 to row 0, 60 to row 1.
	assert.Equal(t, []float64{51, 51, 31, 1, 21, 61}, got.Float64s())
	assert.Equal(t, []float64{1, 1, 1, 1, 1, 1}, base.Float64s(), "ScatterAdd copies")
	// Along axis 1, with src larger than idx: only the part with idx's shape is used.
	z := Zeros(Shape{2, 4}, Int64)
	z.ScatterAddInPlace(1, From([]int64{3, 3, 0, 1}, 2, 2), From([]int64{1, 2, 100, 3, 4, 100}, 2, 3))
	assert.Equal(t, []int64{0, 0, 0, 3, 3, 4, 0, 0}, z.Int64s())
	// In place through a transposed view of the receiver.
	r := Zeros(Shape{3, 2})
	v0 := r.Version()
	rt := r.T() // [2 3]
	rt.ScatterAddInPlace(1, From([]int64{2, 2, 0, 1}, 2, 2), From([]float32{1, 2, 3, 4}, 2, 2))
	// rt[0][2] += 1+2, rt[1][0] += 3, rt[1][1] += 4, i.e. r[2][0] = 3, r[0][1] = 3, r[1][1] = 4.
	assert.Equal(t, []float32{0, 3, 0, 4, 3, 0}, r.Float32s())
	assert.Equal(t, v0+1, r.Version())
	// Strided src and idx.
	q := Zeros(Shape{3})
	q.ScatterAddInPlace(0, From([]int64{2, 9, 2, 9, 0}).Slice(0, 0, 5, 2), From([]float32{1, 2, 3, 4, 5, 6}).Slice(0, 1, 6, 2))
	assert.Equal(t, []float32{6, 0, 6}, q.Float32s())
	// src aliasing the receiver is read before the write.
	w := From([]float64{1, 2, 3})
	w.ScatterAddInPlace(0, From([]int64{1, 2, 0}), w)
	assert.Equal(t, []float64{4, 3, 5}, w.Float64s())
	// 0-d.
	s := Scalar(5.0).ScatterAdd(0, Scalar[int64](0), Scalar(2.0))
	opsRequireShape(t, s)
	assert.Equal(t, 7.0, s.Item())
}

func TestOpsIndexAdd(t *testing.T) {
	base := Zeros(Shape{5, 3}, Float64)
	idx := From([]int64{0, 4, 2, 0})
	src := From(opsSeq(12), 4, 3)
	got := base.IndexAdd(0, idx, src)
	assert.Equal(t, []float64{9, 11, 13, 0, 0, 0, 6, 7, 8, 0, 0, 0, 3, 4, 5}, got.Float64s())
	assert.Equal(t, make([]float64, 15), base.Float64s(), "IndexAdd copies")
	// Along axis 1 of a 3-D tensor, negative axis, Int64.
	b := Ones(Shape{2, 3, 2}, Int64)
	b.IndexAddInPlace(-2, From([]int64{2, 2}), From([]int64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2))
	assert.Equal(t, []int64{1, 1, 1, 1, 5, 7, 1, 1, 1, 1, 13, 15}, b.Int64s())
	// src aliasing the receiver: as if src were read in full first.
	a := From([]float64{1, 2, 3}, 3, 1)
	a.IndexAddInPlace(0, From([]int64{2, 1, 0}), a)
	assert.Equal(t, []float64{4, 4, 4}, a.Float64s())
	c := From([]float64{1, 2, 3, 4})
	c.IndexAddInPlace(0, From([]int64{1, 0}), c.Narrow(0, 2, 2))
	assert.Equal(t, []float64{5, 5, 3, 4}, c.Float64s())
	// Strided receiver, index and source.
	r := Zeros(Shape{2, 4})
	r.Slice(1, 0, 4, 2).IndexAddInPlace(1, From([]int64{1, 7, 1}).Slice(0, 0, 3, 2), From([]float32{1, 2, 3, 4}, 2, 2).T())
	// r[:, ::2] columns get src.T() columns 0 and 1 at position 1 (both): r[i][2] += s[i] sums.
	assert.Equal(t, []float32{0, 0, 1 + 3, 0, 0, 0, 2 + 4, 0}, r.Float32s())
	assert.Equal(t, uint64(1), r.Version())
}

func TestOpsIndexErrors(t *testing.T) {
	a := Zeros(Shape{3, 4})
	i64 := func(v ...int64) *Tensor { return From(v) }
	cases := []struct {
		want string
		fn   func()
	}{
		{"tensor.IndexSelect: index 3 out of range for dimension of size 3", func() { a.IndexSelect(0, i64(0, 3)) }},
		{"tensor.IndexSelect: index -1 out of range for dimension of size 4", func() { a.IndexSelect(1, i64(-1)) }},
		{"tensor.IndexSelect: indices must be int64, got float32 of shape [2]", func() { a.IndexSelect(0, Zeros(Shape{2})) }},
		{"tensor.IndexSelect: index 4 out of range for dimension of size 4", func() { a.IndexSelect(1, From([]int64{0, 1, 4, 2}, 2, 2)) }},
		{"tensor.IndexSelect: axis 2 out of range for 2 dimensions", func() { a.IndexSelect(2, i64(0)) }},
		{"tensor.Gather: index 4 out of range for dimension of size 4", func() { a.Gather(1, From([]int64{0, 4}, 1, 2)) }},
		{"tensor.Gather: index -2 out of range for dimension of size 3", func() { a.Gather(0, From([]int64{-2}, 1, 1)) }},
		{"tensor.Gather: index of shape [3] must have the rank of shape [3 4]", func() { a.Gather(0, i64(0, 1, 2)) }},
		{"tensor.Gather: index of shape [2 5] is larger than [3 4] in dimension 1", func() { a.Gather(0, Zeros(Shape{2, 5}, Int64)) }},
		{"tensor.Gather: indices must be int64, got float64 of shape [1 1]", func() { a.Gather(0, Zeros(Shape{1, 1}, Float64)) }},
		{"tensor.Gather: axis -3 out of range for 2 dimensions", func() { a.Gather(-3, Zeros(Shape{1, 1}, Int64)) }},
		{"tensor.ScatterAdd: index 3 out of range for dimension of size 3", func() { a.ScatterAdd(0, From([]int64{3}, 1, 1), Ones(Shape{1, 1})) }},
		{"tensor.ScatterAdd: index -1 out of range for dimension of size 4", func() { a.ScatterAdd(1, From([]int64{-1}, 1, 1), Ones(Shape{1, 1})) }},
		{"tensor.ScatterAddInPlace: index of shape [2 3] is larger than [2 2] in dimension 1", func() { a.ScatterAdd(0, Zeros(Shape{2, 3}, Int64), Ones(Shape{2, 2})) }},
		{"tensor.ScatterAddInPlace: index of shape [2 5] is larger than [3 4] in dimension 1", func() { a.ScatterAdd(0, Zeros(Shape{2, 5}, Int64), Ones(Shape{2, 5})) }},
		{"tensor.ScatterAddInPlace: dtypes differ: float32 [3 4] and float64 [1 1]", func() { a.ScatterAdd(0, Zeros(Shape{1, 1}, Int64), Ones(Shape{1, 1}, Float64)) }},
		{"tensor.ScatterAddInPlace: cannot write in place to an expanded tensor of shape [3 4] (strides [0 1]); Clone it first", func() {
			Zeros(Shape{4}).Expand(3, 4).ScatterAddInPlace(0, Zeros(Shape{1, 1}, Int64), Ones(Shape{1, 1}))
		}},
		{"tensor.IndexAdd: index 5 out of range for dimension of size 3", func() { a.IndexAdd(0, i64(5), Ones(Shape{1, 4})) }},
		{"tensor.IndexAdd: index -1 out of range for dimension of size 3", func() { a.IndexAdd(0, i64(0, -1), Ones(Shape{2, 4})) }},
		{"tensor.IndexAddInPlace: source of shape [3 4] does not fit [3 4] with indices of shape [2] along axis 0 (want [2 4])", func() { a.IndexAdd(0, i64(0, 1), Ones(Shape{3, 4})) }},
		{"tensor.IndexAddInPlace: source of shape [4 4] does not fit [3 4] with indices of shape [2 2] along axis 0 (want [2 2 4])", func() {
			a.IndexAdd(0, From([]int64{0, 1, 2, 0}, 2, 2), Ones(Shape{4, 4}))
		}},
		{"tensor.IndexAddInPlace: source of shape [4] does not fit [3 4] with indices of shape [] along axis 0 (want [1 4])", func() { a.IndexAdd(0, Scalar[int64](0), Ones(Shape{4})) }},
		{"tensor.IndexAdd: index 3 out of range for dimension of size 3", func() { a.IndexAdd(0, From([]int64{0, 3}, 1, 2), Ones(Shape{1, 2, 4})) }},
		{"tensor.IndexAddInPlace: indices must be int64, got float32 of shape [1]", func() { a.IndexAdd(0, Zeros(Shape{1}), Ones(Shape{1, 4})) }},
		{"tensor.IndexAddInPlace: dtypes differ: float32 [3 4] and int64 [1 4]", func() { a.IndexAdd(0, i64(0), Ones(Shape{1, 4}, Int64)) }},
		{"tensor.IndexAddInPlace: axis 2 out of range for 2 dimensions", func() { a.IndexAdd(2, i64(0), Ones(Shape{3, 1})) }},
		{"tensor.IndexAddInPlace: cannot write in place to an expanded tensor of shape [3 4] (strides [0 1]); Clone it first", func() {
			Zeros(Shape{4}).Expand(3, 4).IndexAddInPlace(0, i64(0), Ones(Shape{1, 4}))
		}},
		{"tensor.Cat: shapes [3 4] and [3 5] differ in dimension 1", func() { Cat([]*Tensor{a, Zeros(Shape{3, 5})}, 0) }},
		{"tensor.Cat: shapes [3 4] and [2 4] differ in dimension 0", func() { Cat([]*Tensor{a, Zeros(Shape{2, 4})}, 1) }},
		{"tensor.Cat: tensors of shapes [3 4] and [4] differ in rank", func() { Cat([]*Tensor{a, Zeros(Shape{4})}, 0) }},
		{"tensor.Cat: cannot concatenate 0-d tensors; use Stack", func() { Cat([]*Tensor{Scalar[float32](1), Scalar[float32](2)}, 0) }},
		{"tensor.Cat: no tensors", func() { Cat(nil, 0) }},
		{"tensor.Cat: dtypes differ: float32 [3 4] and int64 [3 4]", func() { Cat([]*Tensor{a, Zeros(Shape{3, 4}, Int64)}, 0) }},
		{"tensor.Cat: axis 2 out of range for 2 dimensions", func() { Cat([]*Tensor{a, a}, 2) }},
		{"tensor.Stack: shapes [3 4] and [4 3] differ", func() { Stack([]*Tensor{a, a.T()}, 0) }},
		{"tensor.Stack: no tensors", func() { Stack([]*Tensor{}, 0) }},
		{"tensor.Stack: axis 3 out of range for 3 dimensions", func() { Stack([]*Tensor{a, a}, 3) }},
		{"tensor.SplitSizes: sizes [1 1] do not add up to dimension 0 of shape [3 4]", func() { a.SplitSizes([]int{1, 1}, 0) }},
		{"tensor.SplitSizes: negative size in [5 -1]", func() { a.SplitSizes([]int{5, -1}, 1) }},
		{"tensor.SplitSizes: axis -3 out of range for 2 dimensions", func() { a.SplitSizes([]int{3}, -3) }},
		{"tensor.Split: size 0 must be positive", func() { a.Split(0, 0) }},
		{"tensor.Split: axis 2 out of range for 2 dimensions", func() { a.Split(1, 2) }},
		{"tensor.Chunk: number of chunks 0 must be positive", func() { a.Chunk(0, 1) }},
		{"tensor.Chunk: axis 2 out of range for 2 dimensions", func() { a.Chunk(2, 2) }},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, opsPanicMsg(t, c.fn))
	}
	// A failed op leaves its receiver alone when the check comes before any write.
	assert.Equal(t, make([]float32, 12), a.Float32s())
}

func TestOpsCatStack(t *testing.T) {
	a := From(opsSeq(6), 2, 3)                             // [[0 1 2] [3 4 5]]
	b := From([]float64{10, 11, 12, 13, 14, 15}, 3, 2).T() // [[10 12 14] [11 13 15]]
	c := From([]float64{7, 8, 9}).Unsqueeze(0)             // [1 3]
	e := Zeros(Shape{0, 3}, Float64)
	got := Cat([]*Tensor{a, b, e, c}, 0)
	opsRequireShape(t, got, 5, 3)
	assert.Equal(t, []float64{0, 1, 2, 3, 4, 5, 10, 12, 14, 11, 13, 15, 7, 8, 9}, got.Float64s())
	got = Cat([]*Tensor{a.Slice(1, 0, 3, 2), b, From([]float64{-1}).Expand(2, 1)}, -1)
	opsRequireShape(t, got, 2, 6)
	assert.Equal(t, []float64{0, 2, 10, 12, 14, -1, 3, 5, 11, 13, 15, -1}, got.Float64s())
	// Middle axis of 3-D.
	x := From(opsSeq(8), 2, 2, 2)
	y := From([]float64{-1, -2}, 2, 1, 1).Expand(2, 1, 2)
	assert.Equal(t, []float64{0, 1, 2, 3, -1, -1, 4, 5, 6, 7, -2, -2}, Cat([]*Tensor{x, y}, 1).Float64s())
	// One tensor gives a copy.
	one := Cat([]*Tensor{a}, 0)
	assert.False(t, one.SharesStorage(a))
	one.Fill(0)
	assert.Equal(t, opsSeq(6), a.Float64s())

	s := Stack([]*Tensor{a, b}, 0)
	opsRequireShape(t, s, 2, 2, 3)
	assert.Equal(t, []float64{0, 1, 2, 3, 4, 5, 10, 12, 14, 11, 13, 15}, s.Float64s())
	s = Stack([]*Tensor{a, b}, 2)
	opsRequireShape(t, s, 2, 3, 2)
	assert.Equal(t, []float64{0, 10, 1, 12, 2, 14, 3, 11, 4, 13, 5, 15}, s.Float64s())
	s = Stack([]*Tensor{a, b}, -2)
	opsRequireShape(t, s, 2, 2, 3)
	assert.Equal(t, []float64{0, 1, 2, 10, 12, 14, 3, 4, 5, 11, 13, 15}, s.Float64s())
	s = Stack([]*Tensor{Scalar[int64](4), Scalar[int64](-2)}, 0)
	opsRequireShape(t, s, 2)
	assert.Equal(t, []int64{4, -2}, s.Int64s())
}

func TestOpsSplitChunk(t *testing.T) {
	a := From(opsSeq(15), 5, 3)
	parts := a.Split(2, 0)
	require.Len(t, parts, 3)
	for i, want := range [][]int{{2, 3}, {2, 3}, {1, 3}} {
		opsRequireShape(t, parts[i], want...)
		assert.True(t, parts[i].SharesStorage(a), "piece %d is a view", i)
	}
	assert.Equal(t, []float64{12, 13, 14}, parts[2].Float64s())
	parts[1].Fill(-1) // writes through to a
	assert.Equal(t, []float64{-1, -1, -1, -1, -1, -1}, a.Narrow(0, 2, 2).Float64s())
	cols := a.Split(2, -1)
	require.Len(t, cols, 2)
	assert.Equal(t, []float64{2, 5, -1, -1, 14}, cols[1].Float64s())
	sizes := a.SplitSizes([]int{0, 3, 0}, 1)
	require.Len(t, sizes, 3)
	opsRequireShape(t, sizes[0], 5, 0)
	opsRequireShape(t, sizes[1], 5, 3)
	for _, c := range []struct {
		d, n  int
		sizes []int
	}{
		{5, 2, []int{3, 2}}, {5, 3, []int{2, 2, 1}}, {6, 4, []int{2, 2, 2}}, {5, 5, []int{1, 1, 1, 1, 1}},
		{5, 7, []int{1, 1, 1, 1, 1}}, {6, 1, []int{6}},
		// torch.chunk returns n empty chunks of an empty dimension; Chunk returns one, within
		// its documented "at most n".
		{0, 3, []int{0}},
	} {
		pieces := Zeros(Shape{c.d, 2}).Chunk(c.n, 0)
		got := make([]int, len(pieces))
		for i, p := range pieces {
			got[i] = p.Size(0)
		}
		assert.Equal(t, c.sizes, got, "Chunk(%d) of %d", c.n, c.d)
	}
	assert.Len(t, Zeros(Shape{0, 2}).Split(3, 0), 1)
}

func TestOpsIndexLarge(t *testing.T) {
	// An embedding lookup larger than a parallel block, with 1 and 4 threads.
	const rows, dim, n = 50_000, 4, 70_000
	table := From(opsRandF32(41, rows*dim, -1, 1), rows, dim)
	tv := table.Float32s()
	iv := make([]int64, n)
	for i := range iv {
		iv[i] = int64((i * 7919) % rows)
	}
	idx := From(iv)
	var e1, e4 *Tensor
	opsWithThreads(1, func() { e1 = table.IndexSelect(0, idx) })
	opsWithThreads(4, func() { e4 = table.IndexSelect(0, idx) })
	opsBitsEqual(t, e1, e4, "IndexSelect")
	ev := e4.Float32s()
	for i, r := range iv {
		for j := range dim {
			if ev[i*dim+j] != tv[int(r)*dim+j] {
				t.Fatalf("IndexSelect row %d col %d = %v, want %v", i, j, ev[i*dim+j], tv[int(r)*dim+j])
			}
		}
	}
	// The gradient of the lookup: IndexAdd of n rows into few targets; the additions into one
	// row happen in index order whatever the thread count.
	grad := From(opsRandF32(42, n*dim, -1, 1), n, dim)
	few := make([]int64, n)
	for i := range few {
		few[i] = int64(i % 10)
	}
	var g1, g4 *Tensor
	opsWithThreads(1, func() { g1 = Zeros(Shape{10, dim}).IndexAdd(0, From(few), grad) })
	opsWithThreads(4, func() { g4 = Zeros(Shape{10, dim}).IndexAdd(0, From(few), grad) })
	opsBitsEqual(t, g1, g4, "IndexAdd")
	gv := grad.Float32s()
	want := make([]float32, 10*dim)
	for i, r := range few {
		for j := range dim {
			want[int(r)*dim+j] += gv[i*dim+j]
		}
	}
	assert.Equal(t, want, g4.Float32s(), "sums in index order, as the loop above")
	// ScatterAdd of integer values into few buckets: exact sums.
	sv := make([]float64, n)
	for i := range sv {
		sv[i] = float64(i % 13)
	}
	mod7 := make([]int64, n)
	bucket := make([]float64, 7)
	for i, v := range sv {
		mod7[i] = int64(i % 7)
		bucket[i%7] += v
	}
	var s1, s4 *Tensor
	opsWithThreads(1, func() { s1 = Zeros(Shape{7}, Float64).ScatterAdd(0, From(mod7), From(sv)) })
	opsWithThreads(4, func() { s4 = Zeros(Shape{7}, Float64).ScatterAdd(0, From(mod7), From(sv)) })
	opsBitsEqual(t, s1, s4, "ScatterAdd")
	assert.Equal(t, bucket, s4.Float64s())
	// Gather with one bad index deep in a large index tensor panics with *Error, also when a
	// worker goroutine meets it.
	big := make([]int64, n)
	big[n-3] = rows
	opsWithThreads(4, func() {
		opsRequirePanic(t, "tensor.Gather: index 50000 out of range for dimension of size 50000", func() {
			table.Select(1, 0).Gather(0, From(big))
		})
		opsRequirePanic(t, "tensor.IndexSelect: index 50000 out of range for dimension of size 50000", func() {
			table.IndexSelect(0, From(big))
		})
	})
}
