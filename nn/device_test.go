package nn

import (
	"flag"
	"testing"

	_ "github.com/godl/godl/cuda" // -device cuda (which says so when CUDA is not compiled in)
	"github.com/godl/godl/tensor"
)

// benchDevice is the device the benchmarks run on:
//
//	go test -tags cuda ./nn -run '^$' -bench Flagship -device cuda
var benchDevice = flag.String("device", "cpu", "the device the benchmarks run on: cpu, or cuda (with -tags cuda)")

// benchDev opens -device, failing the benchmark when it cannot.
func benchDev(b *testing.B) tensor.Device {
	dev, err := tensor.GetDevice(*benchDevice)
	if err != nil {
		b.Fatalf("-device %s: %v", *benchDevice, err)
	}
	return dev
}
