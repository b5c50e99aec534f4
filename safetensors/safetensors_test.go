package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/godl.safetensors")

// goldenTensors are the tensors of testdata/godl.safetensors, which gen_safetensors.py checks
// in PyTorch.
func goldenTensors() map[string]*tensor.Tensor {
	w := make([]float32, 12)
	for i := range w {
		w[i] = float32(i-5) / 4
	}
	return map[string]*tensor.Tensor{
		"weight": tensor.From(w, 3, 4),
		"bias":   tensor.From([]float64{0.1, -2.5, 1e300, math.Copysign(0, -1), math.Inf(1)}),
		"ids":    tensor.From([]int64{-3, -2, -1, 0, 1, 1 << 62}, 2, 3),
		"scalar": tensor.Scalar[float32](3.25),
		"empty":  tensor.Zeros(tensor.Shape{0, 2}, tensor.Float64),
	}
}

func encode(t *testing.T, ts map[string]*tensor.Tensor, meta map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, ts, meta))
	return buf.Bytes()
}

// sameBits checks that two tensors have the same dtype, shape and bits (NaN payloads, -0).
func sameBits(t *testing.T, want, got *tensor.Tensor, what string) {
	t.Helper()
	require.Equal(t, want.DType(), got.DType(), what)
	require.Equal(t, want.Shape(), got.Shape(), what)
	switch want.DType() {
	case tensor.Float32:
		w, g := want.Float32s(), got.Float32s()
		for i := range w {
			require.Equal(t, math.Float32bits(w[i]), math.Float32bits(g[i]), "%s element %d", what, i)
		}
	case tensor.Float64:
		w, g := want.Float64s(), got.Float64s()
		for i := range w {
			require.Equal(t, math.Float64bits(w[i]), math.Float64bits(g[i]), "%s element %d", what, i)
		}
	default:
		require.Equal(t, want.Int64s(), got.Int64s(), what)
	}
}

// TestGoldenFile writes the golden tensors and compares the bytes with the committed
// testdata/godl.safetensors (which PyTorch reads back in gen_safetensors.py), then reads the
// file back through Open (memory-mapped) and Read (streamed).
func TestGoldenFile(t *testing.T) {
	ts := goldenTensors()
	meta := map[string]string{"written_by": "godl"}
	b := encode(t, ts, meta)
	path := filepath.Join("testdata", "godl.safetensors")
	if *update {
		require.NoError(t, WriteFile(path, ts, meta))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, want, b, "the encoding changed: rerun with -update and check it with gen_safetensors.py")
	assert.Zero(t, binary.LittleEndian.Uint64(b)%8, "the header is padded to 8 bytes")

	f, err := Open(path)
	require.NoError(t, err)
	defer f.Close()
	g, err := Read(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	for _, file := range []*File{f, g} {
		assert.Equal(t, meta, file.Metadata())
		assert.Equal(t, []string{"bias", "empty", "ids", "scalar", "weight"}, file.Names())
		for name, w := range ts {
			got, err := file.Tensor(name)
			require.NoError(t, err, name)
			sameBits(t, w, got, name)
		}
	}
	in, ok := f.Info("weight")
	require.True(t, ok)
	assert.Equal(t, Info{DType: "F32", Shape: []int{3, 4}, Begin: in.Begin, End: in.Begin + 48}, in)
	assert.Zero(t, in.Begin%4, "aligned to its element size")
}

// TestReadsPyTorchFile loads the file gen_safetensors.py wrote from PyTorch tensors, every
// dtype included, and compares it with the values PyTorch recorded.
func TestReadsPyTorchFile(t *testing.T) {
	var fx struct {
		TorchVersion string            `json:"torch_version"`
		Metadata     map[string]string `json:"metadata"`
		Tensors      map[string]struct {
			DType string `json:"dtype"`
			Shape []int  `json:"shape"`
			Data  []any  `json:"data"`
		} `json:"tensors"`
	}
	raw, err := os.ReadFile("testdata/torch.json")
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // the int64 values are exact
	require.NoError(t, dec.Decode(&fx))
	require.True(t, strings.HasPrefix(fx.TorchVersion, "1.13"))
	ts, meta, err := Load("testdata/torch.safetensors")
	require.NoError(t, err)
	assert.Equal(t, fx.Metadata, meta)
	require.Len(t, ts, len(fx.Tensors))
	for name, w := range fx.Tensors {
		got := ts[name]
		require.NotNil(t, got, name)
		dt, ok := TensorDType(w.DType)
		require.True(t, ok, name)
		assert.Equal(t, dt, got.DType(), name)
		assert.Equal(t, tensor.Shape(w.Shape), got.Shape(), name)
		vals := got.Float64s()
		if dt == tensor.Int64 {
			ints := got.Int64s()
			for i, v := range w.Data {
				want, err := v.(json.Number).Int64()
				require.NoError(t, err)
				assert.Equal(t, want, ints[i], "%s element %d", name, i)
			}
			continue
		}
		for i, v := range w.Data {
			switch v {
			case "nan":
				assert.True(t, math.IsNaN(vals[i]), "%s element %d", name, i)
			case "inf":
				assert.True(t, math.IsInf(vals[i], 1))
			case "-inf":
				assert.True(t, math.IsInf(vals[i], -1))
			default:
				want, err := v.(json.Number).Float64()
				require.NoError(t, err)
				assert.Equal(t, want, vals[i], "%s element %d", name, i) // exact, F16 and BF16 too
			}
		}
	}
	// -0 in F16 stays -0.
	assert.True(t, math.Signbit(ts["f16"].Float64s()[1]))
}

func TestHalfToFloat(t *testing.T) {
	cases := map[uint16]float32{
		0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: 0x1p-24, 0x03ff: 0x3ffp-24, 0x0400: 0x1p-14,
		0x8000: float32(math.Copysign(0, -1)), 0x7c00: float32(math.Inf(1)), 0x3555: 0x1.554p-2,
	}
	for h, want := range cases {
		assert.Equal(t, math.Float32bits(want), math.Float32bits(halfToFloat(h)), "%#04x", h)
	}
	assert.True(t, math.IsNaN(float64(halfToFloat(0x7e00))))
}

// validFile returns a small valid file and its header length.
func validFile(t *testing.T) []byte {
	return encode(t, map[string]*tensor.Tensor{
		"a": tensor.From([]float32{1, 2, 3, 4}, 2, 2),
		"b": tensor.From([]int64{7}),
	}, map[string]string{"k": "v"})
}

// withHeader returns a file with the given JSON header and data bytes.
func withHeader(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestCorruptFiles(t *testing.T) {
	good := validFile(t)
	huge := binary.LittleEndian.AppendUint64(nil, 1<<60)
	cases := map[string][]byte{
		"file of 3 bytes is too short for a header length":                              good[:3],
		"header length 1152921504606846976 is larger than the limit of 100000000 bytes": append(huge, "{}"...),
		"runs past the end of the":                                                      good[:20],
		"header is not valid JSON":                                                      withHeader(`{"a":`, nil),
		"header does not start with a JSON object":                                      withHeader(`[1, 2]`, nil),
		"header is not valid UTF-8":                                                     withHeader("{\"\xff\":1}", nil),
		`tensor "a": unknown dtype "F128"`:                                              withHeader(`{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}`, make([]byte, 16)),
		`tensor "a": entry lacks dtype, shape or data_offsets`:                          withHeader(`{"a":{"dtype":"F32","shape":[1]}}`, make([]byte, 4)),
		`tensor "a": shape [-1] has a negative size`:                                    withHeader(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`tensor "a": shape [4294967296 4294967296] is too large`:                        withHeader(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`tensor "a": shape [1152921504606846976] of F64 is too large`:                   withHeader(`{"a":{"dtype":"F64","shape":[1152921504606846976],"data_offsets":[0,8]}}`, make([]byte, 8)),
		`tensor "a": data_offsets [0, 8] hold 8 bytes, but shape [3] of F32 needs 12`:   withHeader(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)),
		`tensor "a": data_offsets [0, 99] outside the 8-byte data section`:              withHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,99]}}`, make([]byte, 8)),
		`tensor "b" starts at data offset 2, not at 4 where the previous one ends (a gap or an overlap)`: withHeader(
			`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I8","shape":[2],"data_offsets":[2,4]}}`, make([]byte, 4)),
		"the tensors end at data offset 4, but the data section holds 12 bytes": withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 12)),
		"metadata is not an object of strings":                                  withHeader(`{"__metadata__":{"k":1}}`, nil),
		`tensor "a": data_offsets has 3 values, not 2`:                          withHeader(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,4]}}`, make([]byte, 4)),
	}
	for want, b := range cases {
		_, err := Read(bytes.NewReader(b), int64(len(b)))
		require.Error(t, err, want)
		assert.Contains(t, err.Error(), want)
		assert.True(t, strings.HasPrefix(err.Error(), "safetensors: "), err.Error())
	}
	// Every truncation of a valid file is refused, whatever the cut.
	for n := range len(good) {
		_, err := Read(bytes.NewReader(good[:n]), int64(n))
		require.Error(t, err, "truncated to %d bytes", n)
	}
	// A file whose size lies: the reader fails when it reads, with an error.
	f, err := Read(bytes.NewReader(good[:len(good)-4]), int64(len(good)))
	require.NoError(t, err)
	_, err = f.Tensor("a")
	assert.ErrorContains(t, err, `safetensors: reading tensor "a": unexpected EOF`)
}

func TestTensorErrors(t *testing.T) {
	b := withHeader(`{"u":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8))
	f, err := Read(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	_, err = f.Tensor("u")
	assert.EqualError(t, err, `safetensors: tensor "u" has dtype U64, which godl does not load`)
	_, err = f.Tensor("nope")
	assert.EqualError(t, err, `safetensors: no tensor "nope" in the file`)
	dir := t.TempDir()
	path := filepath.Join(dir, "x.safetensors")
	require.NoError(t, os.WriteFile(path, validFile(t), 0o644))
	g, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, g.Close())
	_, err = g.Tensor("a")
	assert.EqualError(t, err, `safetensors: tensor "a": the file is closed`)
	_, err = Open(filepath.Join(dir, "missing"))
	assert.ErrorContains(t, err, "safetensors: open ")
	require.NoError(t, os.WriteFile(path, []byte("not a safetensors file at all"), 0o644))
	_, err = Open(path)
	assert.ErrorContains(t, err, "safetensors: "+path+": header length")
}

func TestWritePanics(t *testing.T) {
	for want, ts := range map[string]map[string]*tensor.Tensor{
		`safetensors.Write: invalid tensor name "__metadata__"`: {"__metadata__": tensor.Ones(tensor.Shape{1})},
		`safetensors.Write: tensor "x" is nil or released`:      {"x": nil},
	} {
		err := tensor.Maybe(func() { Write(&bytes.Buffer{}, ts, nil) })
		require.Error(t, err)
		assert.Equal(t, want, err.Error())
	}
}

// TestStreamedReadOfLargeTensor reads a tensor larger than one chunk through a ReaderAt.
func TestStreamedReadOfLargeTensor(t *testing.T) {
	n := chunkSize/4*2 + 123
	x := tensor.NewRNG(1).Normal(tensor.Shape{n}, 0, 1)
	b := encode(t, map[string]*tensor.Tensor{"x": x, "y": tensor.Ones(tensor.Shape{3}, tensor.Float64)}, nil)
	f, err := Read(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	got, err := f.Tensor("x")
	require.NoError(t, err)
	sameBits(t, x, got, "x")
}
