package cuda_test

import (
	"fmt"

	_ "github.com/godl/godl/cuda" // registers the "cuda" device family
	"github.com/godl/godl/tensor"
)

// Linking the package in makes "cuda" a device name. Without a GPU, or in a build without
// the cuda tag, opening it returns an error that says why, and a program can fall back on
// the CPU; the results are the same.
func Example() {
	dev, err := tensor.GetDevice("cuda")
	if err != nil {
		dev = tensor.CPU
	}
	x := tensor.From([]float32{1, 2, 3}).To(dev)
	fmt.Println(x.Mul(x).Sum().Item())
	// Output: 14
}
