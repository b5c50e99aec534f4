package safetensors

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"

	"github.com/godl/godl/tensor"
)

// FuzzRead feeds raw bytes to the reader: it must return a File or an error, never panic, and
// never allocate more than the input justifies (a tensor it loads fits in the bytes it came
// from). Every tensor of a file it accepts loads, and writes back to a file that reads the
// same. The seeds are valid files (godl's, PyTorch's) and broken ones.
//
//	go test ./safetensors -run '^$' -fuzz FuzzRead -fuzztime 5m
func FuzzRead(f *testing.F) {
	for _, name := range []string{"testdata/godl.safetensors", "testdata/torch.safetensors"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
			f.Add(b[:len(b)/2])
		}
	}
	var buf bytes.Buffer
	Write(&buf, map[string]*tensor.Tensor{"a": tensor.From([]float32{1, 2}), "b": tensor.Scalar[int64](3)}, map[string]string{"k": "v"})
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Add(binary.LittleEndian.AppendUint64(nil, 1<<60))
	f.Add(withHeader(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, []byte{0, 0x3c, 0xff, 0x7f}))
	f.Add(withHeader(`{"a":{"dtype":"BOOL","shape":[0,3],"data_offsets":[0,0]},"__metadata__":{}}`, nil))
	f.Add(withHeader(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Add(withHeader(`{"a":{"dtype":"I8","shape":[2],"data_offsets":[0,2]},"a":{"dtype":"I8","shape":[1],"data_offsets":[1,2]}}`, make([]byte, 2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		out := map[string]*tensor.Tensor{}
		for _, name := range file.Names() {
			in, _ := file.Info(name)
			x, err := file.Tensor(name)
			if err != nil {
				if _, ok := TensorDType(in.DType); ok {
					t.Fatalf("tensor %q of a valid header does not load: %v", name, err)
				}
				continue
			}
			// What the reader allocated is bounded by what the file holds: one element of at
			// most 8 bytes per element of the file, of at least 1 byte.
			if int64(x.Numel()) > in.End-in.Begin && x.Numel() > 0 {
				t.Fatalf("tensor %q of %d elements from %d bytes", name, x.Numel(), in.End-in.Begin)
			}
			out[name] = x
		}
		var buf bytes.Buffer
		if err := Write(&buf, out, file.Metadata()); err != nil {
			t.Fatal(err)
		}
		again, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("a file written from a valid one does not read: %v", err)
		}
		for name, x := range out {
			y, err := again.Tensor(name)
			if err != nil || !x.Shape().Equal(y.Shape()) || x.DType() != y.DType() {
				t.Fatalf("tensor %q changed in the round trip: %v", name, err)
			}
		}
	})
}
