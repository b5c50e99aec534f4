package safetensors_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/godl/godl/safetensors"
	"github.com/godl/godl/tensor"
)

func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "weights.safetensors")
	err := safetensors.WriteFile(path, map[string]*tensor.Tensor{
		"fc.weight": tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3),
		"fc.bias":   tensor.From([]float32{0.5, -0.5}),
	}, map[string]string{"format": "pt"})
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := safetensors.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	info, _ := f.Info("fc.weight")
	w, _ := f.Tensor("fc.weight")
	fmt.Println(f.Names(), f.Metadata()["format"], info.DType, info.Shape)
	fmt.Println(w)
	// Output:
	// [fc.bias fc.weight] pt F32 [2 3]
	// tensor([[1., 2., 3.],
	//         [4., 5., 6.]])
}
