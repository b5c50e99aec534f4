package tensor_test

import (
	"fmt"

	"github.com/godl/godl/tensor"
)

// A small matrix prints as PyTorch prints it.
func ExampleTensor_String() {
	m := tensor.From([]float32{1, -2.5, 3, 0.25, 10, -6}, 2, 3)
	fmt.Println(m)
	fmt.Println(m.T())
	fmt.Println(tensor.From([]int64{1, 20, 300}))
	fmt.Println(tensor.From([]float64{1e-5, 1, 1000}))
	fmt.Println(tensor.Scalar[float32](3))
	// Output:
	// tensor([[ 1.0000, -2.5000,  3.0000],
	//         [ 0.2500, 10.0000, -6.0000]])
	// tensor([[ 1.0000,  0.2500],
	//         [-2.5000, 10.0000],
	//         [ 3.0000, -6.0000]])
	// tensor([  1,  20, 300])
	// tensor([1.0000e-05, 1.0000e+00, 1.0000e+03], dtype=float64)
	// tensor(3.)
}

// %+v adds the shape, dtype and device; a precision sets the digits after the point.
func ExampleTensor_Format() {
	v := tensor.From([]float32{1, 2})
	fmt.Printf("%v\n", v)
	fmt.Printf("%+v\n", v)
	fmt.Printf("%.2v\n", tensor.From([]float32{3.14159, -1}))
	fmt.Printf("%+v\n", tensor.Zeros(tensor.Shape{0, 3}, tensor.Int64))
	// Output:
	// tensor([1., 2.])
	// tensor([1., 2.], shape=[2], dtype=float32, device=cpu)
	// tensor([ 3.14, -1.00])
	// tensor([], shape=[0, 3], dtype=int64, device=cpu)
}

// Beyond 1000 elements the middle is elided and the shape is shown.
func ExampleTensor_String_summarized() {
	fmt.Println(tensor.Arange(0, 2000, 1, tensor.Int64).Reshape(40, 50))
	// Output:
	// tensor([[   0,    1,    2,  ...,   47,   48,   49],
	//         [  50,   51,   52,  ...,   97,   98,   99],
	//         [ 100,  101,  102,  ...,  147,  148,  149],
	//         ...,
	//         [1850, 1851, 1852,  ..., 1897, 1898, 1899],
	//         [1900, 1901, 1902,  ..., 1947, 1948, 1949],
	//         [1950, 1951, 1952,  ..., 1997, 1998, 1999]], shape=[40, 50])
}
