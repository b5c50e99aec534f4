package tensor

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fmtxCase is one tensor printed by PyTorch 1.13 (testdata/gen_format.py).
type fmtxCase struct {
	Name      string   `json:"name"`
	DType     string   `json:"dtype"`
	Shape     []int    `json:"shape"`
	Data      []string `json:"data"`
	Views     [][]any  `json:"views"`
	Precision *int     `json:"precision"`
	Str       string   `json:"str"`
	Plus      string   `json:"plus"`
}

func fmtxLoad(t *testing.T) []fmtxCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/format.json")
	require.NoError(t, err)
	var file struct {
		Torch string     `json:"torch"`
		Cases []fmtxCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.True(t, strings.HasPrefix(file.Torch, "1.13"), "fixtures from torch %s", file.Torch)
	require.NotEmpty(t, file.Cases)
	return file.Cases
}

// fmtxBuild rebuilds a case's contiguous base tensor and applies its views.
func fmtxBuild(t *testing.T, c fmtxCase) *Tensor {
	t.Helper()
	var x *Tensor
	switch c.DType {
	case "float32":
		v := make([]float32, len(c.Data))
		for i, s := range c.Data {
			f, err := strconv.ParseFloat(s, 32)
			require.NoError(t, err, s)
			v[i] = float32(f)
		}
		x = From(v)
	case "float64":
		v := make([]float64, len(c.Data))
		for i, s := range c.Data {
			f, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err, s)
			v[i] = f
		}
		x = From(v)
	case "int64":
		v := make([]int64, len(c.Data))
		for i, s := range c.Data {
			n, err := strconv.ParseInt(s, 10, 64)
			require.NoError(t, err, s)
			v[i] = n
		}
		x = From(v)
	default:
		t.Fatalf("unknown dtype %q", c.DType)
	}
	// From with no shape makes a 1-D tensor, so reshape even to the 0-d shape [].
	x = x.Reshape(c.Shape...)
	for _, v := range c.Views {
		args := make([]int, len(v)-1)
		for i, a := range v[1:] {
			args[i] = int(a.(float64))
		}
		switch v[0] {
		case "transpose":
			x = x.Transpose(args[0], args[1])
		case "permute":
			x = x.Permute(args...)
		case "slice":
			x = x.Slice(args[0], args[1], args[2], args[3])
		case "expand":
			x = x.Expand(args...)
		default:
			t.Fatalf("unknown view %v", v[0])
		}
	}
	if len(c.Views) > 0 {
		require.False(t, x.IsContiguous(), "a view case must print a strided view")
	}
	return x
}

// TestFormatTorchFixtures checks String, %v, %s and %+v against PyTorch's printing of each
// fixture tensor (with godl's documented differences applied by the generator).
func TestFormatTorchFixtures(t *testing.T) {
	for _, c := range fmtxLoad(t) {
		t.Run(c.Name, func(t *testing.T) {
			x := fmtxBuild(t, c)
			if c.Precision != nil {
				p := *c.Precision
				assert.Equal(t, c.Str, fmt.Sprintf("%.*v", p, x))
				assert.Equal(t, c.Str, fmt.Sprintf("%.*s", p, x))
				assert.Equal(t, c.Plus, fmt.Sprintf("%+.*v", p, x))
				return
			}
			assert.Equal(t, c.Str, x.String())
			assert.Equal(t, c.Str, fmt.Sprintf("%v", x))
			assert.Equal(t, c.Str, fmt.Sprint(x))
			assert.Equal(t, c.Plus, fmt.Sprintf("%+v", x))
			// The contiguous copy prints the same as the view.
			if len(c.Views) > 0 {
				assert.Equal(t, c.Str, x.Clone().String())
			}
		})
	}
}

// TestFormatFixtureCoverage makes sure the fixtures keep exercising each rule.
func TestFormatFixtureCoverage(t *testing.T) {
	has := map[string]bool{}
	for _, c := range fmtxLoad(t) {
		has[c.DType] = true
		has["ndim"+strconv.Itoa(len(c.Shape))] = true
		for _, probe := range []string{"e+", "e-", "nan", "inf", "-0.", " ...", "\n\n", "size=(", "shape=[", "dtype=float64", "dtype=int64"} {
			if strings.Contains(c.Str, probe) {
				has[probe] = true
			}
		}
		if len(c.Views) > 0 {
			has["view"] = true
		}
	}
	for _, want := range []string{"float32", "float64", "int64", "ndim0", "ndim1", "ndim2", "ndim3", "ndim4",
		"e+", "e-", "nan", "inf", "-0.", " ...", "\n\n", "size=(", "shape=[", "dtype=float64", "dtype=int64", "view"} {
		assert.True(t, has[want], "no fixture covers %q", want)
	}
}

// fmtxDevice is the CPU under another name: it checks that printing reads through the device
// interface and shows a non-CPU device.
type fmtxDevice struct{ Device }

func (fmtxDevice) Name() string { return "fmtx:1" }

func TestFormatOtherDevice(t *testing.T) {
	dev := fmtxDevice{CPU}
	x := From([]float32{1.5, -2, 3.25, 4}, 2, 2)
	y := x.To(dev)
	require.Equal(t, "fmtx:1", y.Device().Name())
	// PyTorch: tensor([[ 1.5000, -2.0000], [ 3.2500,  4.0000]]) over two lines.
	want := "tensor([[ 1.5000, -2.0000],\n        [ 3.2500,  4.0000]])"
	assert.Equal(t, want, x.String())
	assert.Equal(t, strings.TrimSuffix(want, ")")+", device=fmtx:1)", y.String())
	assert.Equal(t, strings.TrimSuffix(want, ")")+", shape=[2, 2], dtype=float32, device=fmtx:1)", fmt.Sprintf("%+v", y))
	// A transposed view on that device.
	assert.Equal(t, "tensor([[ 1.5000,  3.2500],\n        [-2.0000,  4.0000]], device=fmtx:1)", y.T().String())

	// A summarized tensor gathers its edges on the device; the values are those of the
	// fixture printed by torch.
	var c fmtxCase
	for _, k := range fmtxLoad(t) {
		if k.Name == "sum/40x40" {
			c = k
		}
	}
	require.Equal(t, "sum/40x40", c.Name)
	z := fmtxBuild(t, c).To(dev)
	assert.Equal(t, strings.TrimSuffix(c.Str, ")")+", device=fmtx:1)", z.String())
}

func TestFormatReleasedAndNil(t *testing.T) {
	x := From([]float32{1, 2})
	v := x.View(2, 1)
	x.Release()
	assert.Equal(t, "tensor(<released>)", x.String())
	assert.Equal(t, "tensor(<released>)", fmt.Sprintf("%+v", x))
	// The view keeps the storage alive and prints.
	assert.Equal(t, "tensor([[1.],\n        [2.]])", v.String())

	var n *Tensor
	assert.Equal(t, "<nil>", n.String())
	assert.Equal(t, "<nil>", fmt.Sprintf("%v", n))
}

func TestFormatVerbs(t *testing.T) {
	x := From([]int64{1, 22})
	assert.Equal(t, "tensor([ 1, 22])", fmt.Sprintf("%s", x))
	assert.Equal(t, "tensor([ 1, 22])", fmt.Sprintf("%#v", x))
	assert.Equal(t, "%!d(*tensor.Tensor=tensor([ 1, 22]))", fmt.Sprintf("%d", x))
	// A tensor inside other values prints the same way; Scalar makes a 0-d tensor.
	s := Scalar[float32](3)
	require.Equal(t, 0, s.NDim())
	assert.Equal(t, "[tensor(3.) tensor([ 1, 22])]", fmt.Sprint([]*Tensor{s, x}))
	// Precision reaches float elements only.
	assert.Equal(t, "tensor([ 1, 22])", fmt.Sprintf("%.2v", x))
	assert.Equal(t, "tensor([1.23, 2.00])", fmt.Sprintf("%.2v", From([]float64{1.23456, 2}).AsType(Float32)))
}

// TestFormatSummarizedBoundary checks the threshold: 1000 elements print in full, 1001 are
// summarized, whatever the shape.
func TestFormatSummarizedBoundary(t *testing.T) {
	full := Arange(0, 1000, 1, Int64).Reshape(10, 100).String()
	assert.NotContains(t, full, "...")
	assert.NotContains(t, full, "shape=")
	assert.Equal(t, 11, strings.Count(full, "["), "the outer bracket and 10 rows")
	values := strings.FieldsFunc(strings.TrimPrefix(full, "tensor("), func(r rune) bool { return r < '0' || r > '9' })
	want := make([]string, 1000)
	for i := range want {
		want[i] = strconv.Itoa(i)
	}
	assert.Equal(t, want, values, "every element, in order")
	summ := Arange(0, 1001, 1, Int64).Reshape(7, 143).String()
	assert.Contains(t, summ, "...")
	assert.True(t, strings.HasSuffix(summ, ", shape=[7, 143])"), summ)
	// Six rows shown, each with its middle elided, and one line for the elided rows.
	assert.Equal(t, 6, strings.Count(summ, ",  ...,"))
	assert.Equal(t, 1, strings.Count(summ, "\n        ...,\n"))
	for _, v := range []string{"   0,", " 142]", " 858,", "1000]"} {
		assert.Contains(t, summ, v)
	}
}
