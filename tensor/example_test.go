package tensor_test

import (
	"errors"
	"fmt"
	"slices"

	"github.com/godl/godl/tensor"
)

// From copies a Go slice into a new tensor of the given shape; the dtype follows from the
// element type.
func ExampleFrom() {
	x := tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(x.Shape(), x.DType(), x.NDim(), x.Numel())
	fmt.Println(x.Float32s())

	labels := tensor.From([]int64{3, 1, 4}) // no shape: 1-D
	fmt.Println(labels.Shape(), labels.DType(), labels.Int64s())
	// Output:
	// [2 3] float32 2 6
	// [1 2 3 4 5 6]
	// [3] int64 [3 1 4]
}

// Binary operations broadcast their operands by NumPy's rules: a row is repeated down the
// rows, a column across the columns.
func ExampleTensor_Add() {
	x := tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	row := tensor.From([]float32{10, 20, 30})
	col := tensor.From([]float32{100, 200}, 2, 1)
	fmt.Println(x.Add(row).Float32s())
	y := x.Add(col)
	fmt.Println(y.Shape(), y.Float32s())
	fmt.Println(tensor.BroadcastShapes(tensor.Shape{2, 1}, tensor.Shape{3}))
	// Output:
	// [11 22 33 14 25 36]
	// [2 3] [101 102 103 204 205 206]
	// [2 3]
}

// MatMul follows torch.matmul: matrix by matrix, matrix by vector (the vector's dimension is
// dropped), and batches.
func ExampleMatMul() {
	a := tensor.From([]float32{1, 2, 3, 4}, 2, 2)
	b := tensor.From([]float32{5, 6, 7, 8}, 2, 2)
	fmt.Println(tensor.MatMul(a, b).Float32s())
	v := tensor.From([]float32{1, 1})
	av := a.MatMul(v)
	fmt.Println(av.Shape(), av.Float32s())
	batch := tensor.From([]float32{1, 0, 0, 1, 2, 0, 0, 2}, 2, 2, 2) // I and 2I
	fmt.Println(tensor.MatMul(batch, b).Float32s())
	// Output:
	// [19 22 43 50]
	// [2] [3 7]
	// [5 6 7 8 10 12 14 16]
}

// Softmax normalizes along one axis; it is stable for large inputs.
func ExampleTensor_Softmax() {
	x := tensor.From([]float32{1, 2, 3, 1000, 1000, 1000}, 2, 3)
	fmt.Printf("%.4f\n", x.Softmax(-1).Float32s())
	// Output:
	// [0.0900 0.2447 0.6652 0.3333 0.3333 0.3333]
}

// Sum reduces over the given axes, or all of them; SumKeepDim keeps them with size 1, ready
// to broadcast against the input.
func ExampleTensor_Sum() {
	x := tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(x.Sum().Item())
	fmt.Println(x.Sum(0).Float32s())
	rows := x.SumKeepDim(1)
	fmt.Println(rows.Shape(), rows.Float32s())
	fmt.Println(x.Div(rows).Shape())
	// Output:
	// 21
	// [5 7 9]
	// [2 1] [6 15]
	// [2 3]
}

// MaxAlong returns the maximum along an axis and the index of its first occurrence, like
// torch.max(x, dim).
func ExampleTensor_MaxAlong() {
	scores := tensor.From([]float32{1, 5, 3, 7, 2, 7}, 2, 3)
	values, indices := scores.MaxAlong(1, false)
	fmt.Println(values.Float32s(), indices.Int64s(), indices.DType())
	// Output:
	// [5 7] [1 0] int64
}

// IndexSelect picks rows of a table: an embedding lookup. Ids of shape [batch, length] give
// a [batch, length, dim] block.
func ExampleTensor_IndexSelect() {
	table := tensor.From([]float32{
		0, 0, // row 0
		1, 1, // row 1
		2, 4, // row 2
		3, 9, // row 3
	}, 4, 2)
	ids := tensor.From([]int64{3, 0, 3})
	emb := table.IndexSelect(0, ids)
	fmt.Println(emb.Shape(), emb.Float32s())
	batch := tensor.From([]int64{3, 0, 2, 2}, 2, 2)
	block := table.IndexSelect(0, batch)
	fmt.Println(block.Shape(), block.Float32s())
	// Output:
	// [3 2] [3 9 0 0 3 9]
	// [2 2 2] [3 9 0 0 2 4 2 4]
}

// Cat joins tensors along an existing axis; Stack along a new one.
func ExampleCat() {
	a := tensor.From([]float32{1, 2}, 1, 2)
	b := tensor.From([]float32{3, 4, 5, 6}, 2, 2)
	c := tensor.Cat([]*tensor.Tensor{a, b}, 0)
	fmt.Println(c.Shape(), c.Float32s())
	// Output:
	// [3 2] [1 2 3 4 5 6]
}

func ExampleStack() {
	a := tensor.From([]float32{1, 2})
	b := tensor.From([]float32{3, 4})
	s0 := tensor.Stack([]*tensor.Tensor{a, b}, 0)
	s1 := tensor.Stack([]*tensor.Tensor{a, b}, 1)
	fmt.Println(s0.Shape(), s0.Float32s())
	fmt.Println(s1.Shape(), s1.Float32s())
	// Output:
	// [2 2] [1 2 3 4]
	// [2 2] [1 3 2 4]
}

// Transpose is a view: no element moves, only the strides change. Contiguous copies into
// row-major order when a kernel or a View needs it.
func ExampleTensor_Transpose() {
	x := tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	xt := x.Transpose(0, 1)
	fmt.Println(xt.Shape(), xt.Strides(), xt.IsContiguous(), xt.SharesStorage(x))
	c := xt.Contiguous()
	fmt.Println(c.Strides(), c.IsContiguous(), c.SharesStorage(x))
	fmt.Println(c.Float32s())

	// A write through the view is seen in x.
	xt.Select(0, 0).Fill(0)
	fmt.Println(x.Float32s())
	// Output:
	// [3 2] [1 3] false true
	// [2 1] true false
	// [1 4 2 5 3 6]
	// [0 2 3 0 5 6]
}

// An RNG with a fixed seed gives the same tensors on every run and any number of threads.
func ExampleNewRNG() {
	a := tensor.NewRNG(42).Normal(tensor.Shape{2, 3}, 0, 1)
	b := tensor.NewRNG(42).Normal(tensor.Shape{2, 3}, 0, 1)
	c := tensor.NewRNG(43).Normal(tensor.Shape{2, 3}, 0, 1)
	fmt.Println(a.Shape(), a.DType())
	fmt.Println(slices.Equal(a.Float32s(), b.Float32s()), slices.Equal(a.Float32s(), c.Float32s()))

	p := tensor.NewRNG(7).Permutation(5).Int64s()
	slices.Sort(p)
	fmt.Println(p)
	// Output:
	// [2 3] float32
	// true false
	// [0 1 2 3 4]
}

// Caller bugs panic with a *tensor.Error naming the operation and the shapes; Maybe turns
// such a panic into an error.
func ExampleMaybe() {
	a := tensor.Zeros(tensor.Shape{2, 3})
	b := tensor.Zeros(tensor.Shape{4})
	err := tensor.Maybe(func() { a.Add(b) })
	fmt.Println(err)
	var e *tensor.Error
	if errors.As(err, &e) {
		fmt.Println(e.Op)
	}
	fmt.Println(tensor.Maybe(func() { a.Add(a) }))
	// Output:
	// tensor.Add: shapes [2 3] and [4] do not broadcast
	// tensor.Add
	// <nil>
}
