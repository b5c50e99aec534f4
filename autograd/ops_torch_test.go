package autograd

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/tensor"
)

// This file checks single operations, forward and backward, against PyTorch 1.13, from
// testdata/ops.json written by testdata/gen_ops.py (see its doc string for the cases and the
// file format).

// Tolerances, applied like e2eCompare's: |got - want| <= rtol·|want| + atol·max|want|.
//
// Float64: each case is one operation on a handful of elements (a log-softmax over at most 5
// classes, sums of at most 6 terms): both sides round at u ≈ 1.1e-16 through a few dozen
// operations, an error below 1e-14 relative to the largest element. 1e-12 relative with a
// 1e-14 floor leaves a margin of a hundred.
//
// Float32: the e2e tolerances (u ≈ 6e-8 through the same few dozen operations, 2e-6); the
// generator checks that torch's own float32 results meet them against float64 (they use at
// most a fiftieth of them).
const (
	opsF64Rtol = 1e-12
	opsF64Atol = 1e-14
	opsF32Rtol = 1e-5 // must match F32_RTOL in gen_ops.py
	opsF32Atol = 2e-6 // must match F32_ATOL in gen_ops.py
)

// opsNum is a fixture number: a JSON number, or "nan", "inf" or "-inf".
type opsNum float64

func (n *opsNum) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		switch s {
		case "nan":
			*n = opsNum(math.NaN())
		case "inf":
			*n = opsNum(math.Inf(1))
		case "-inf":
			*n = opsNum(math.Inf(-1))
		default:
			return fmt.Errorf("bad fixture number %q", s)
		}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = opsNum(f)
	return nil
}

type opsTensor struct {
	DType string   `json:"dtype"`
	Shape []int    `json:"shape"`
	Data  []opsNum `json:"data"`
}

func (s opsTensor) floats() []float64 {
	f := make([]float64, len(s.Data))
	for i, v := range s.Data {
		f[i] = float64(v)
	}
	return f
}

type opsParams struct {
	Reduction      string  `json:"reduction"`
	LabelSmoothing float64 `json:"label_smoothing"`
	IgnoreIndex    *int64  `json:"ignore_index"`
	Axis           int     `json:"axis"`
	Program        string  `json:"program"`
}

type opsCase struct {
	Name    string               `json:"name"`
	Op      string               `json:"op"`
	DType   string               `json:"dtype"`
	Params  opsParams            `json:"params"`
	Inputs  map[string]opsTensor `json:"inputs"`
	Consts  map[string]opsTensor `json:"consts"`
	Ints    map[string]opsTensor `json:"ints"`
	OutGrad opsTensor            `json:"out_grad"`
	Output  opsTensor            `json:"output"`
	Grads   map[string]opsTensor `json:"grads"`
}

type opsFixture struct {
	TorchVersion string    `json:"torch_version"`
	Cases        []opsCase `json:"cases"`
}

func opsLoad(t testing.TB) opsFixture {
	t.Helper()
	raw, err := os.ReadFile("testdata/ops.json")
	require.NoError(t, err)
	var f opsFixture
	require.NoError(t, json.Unmarshal(raw, &f))
	require.True(t, strings.HasPrefix(f.TorchVersion, "1.13"), "fixture written by torch %s", f.TorchVersion)
	require.NotEmpty(t, f.Cases)
	return f
}

// opsBuild makes the tensor a fixture entry describes.
func opsBuild(t testing.TB, s opsTensor) *tensor.Tensor {
	t.Helper()
	switch s.DType {
	case "float64":
		return onDev(tensor.From(s.floats(), s.Shape...))
	case "float32":
		f := make([]float32, len(s.Data))
		for i, v := range s.Data {
			f[i] = float32(v) // exact: the file holds widened float32 values
			if !math.IsNaN(float64(v)) {
				require.Equal(t, float64(v), float64(f[i]), "not a float32 value")
			}
		}
		return onDev(tensor.From(f, s.Shape...))
	case "int64":
		d := make([]int64, len(s.Data))
		for i, v := range s.Data {
			d[i] = int64(v)
		}
		return onDev(tensor.From(d, s.Shape...))
	}
	t.Fatalf("unknown dtype %q", s.DType)
	return nil
}

// opsCompare checks got against want element by element; NaN and infinities must match
// exactly.
func opsCompare(t *testing.T, what string, got []float64, want opsTensor, rtol, atol float64) {
	t.Helper()
	w := want.floats()
	require.Len(t, got, len(w), what)
	scale := 0.0
	for _, v := range w {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	worst, worstAt := 0.0, -1
	for i := range w {
		if math.IsNaN(w[i]) || math.IsInf(w[i], 0) || math.IsNaN(got[i]) || math.IsInf(got[i], 0) {
			same := (math.IsNaN(w[i]) && math.IsNaN(got[i])) || w[i] == got[i]
			if !same {
				worst, worstAt = math.Inf(1), i
			}
			continue
		}
		bound := rtol*math.Abs(w[i]) + atol*scale
		if r := math.Abs(got[i]-w[i]) / bound; r > worst || (bound == 0 && got[i] != w[i]) {
			worst, worstAt = r, i
		}
	}
	t.Logf("%s: worst element uses %.3g of the tolerance", what, worst)
	if worst > 1 {
		t.Errorf("%s: element %d is %.17g, want %.17g (error %.3g times the tolerance)", what, worstAt, got[worstAt], w[worstAt], worst)
	}
}

func opsTolerances(dtype string) (rtol, atol float64) {
	if dtype == "float32" {
		return opsF32Rtol, opsF32Atol
	}
	return opsF64Rtol, opsF64Atol
}

func opsReduction(t testing.TB, name string) Reduction {
	t.Helper()
	for _, r := range []Reduction{ReductionMean, ReductionSum, ReductionNone} {
		if r.String() == name {
			return r
		}
	}
	t.Fatalf("unknown reduction %q", name)
	return 0
}

// opsForward runs the case's operation on leaves built from its inputs.
func opsForward(t testing.TB, c opsCase) (map[string]*Value, *Value) {
	t.Helper()
	p := make(map[string]*Value, len(c.Inputs))
	for k, s := range c.Inputs {
		require.Equal(t, c.DType, s.DType, "input %s", k)
		p[k] = Param(opsBuild(t, s))
	}
	switch c.Op {
	case "cross_entropy":
		opt := CrossEntropyOptions{
			Reduction:      opsReduction(t, c.Params.Reduction),
			IgnoreIndex:    c.Params.IgnoreIndex,
			LabelSmoothing: c.Params.LabelSmoothing,
		}
		if w, ok := c.Consts["weight"]; ok {
			opt.Weight = opsBuild(t, w)
		}
		return p, CrossEntropyWith(p["x"], opsBuild(t, c.Ints["y"]), opt)
	case "index_select":
		return p, p["x"].IndexSelect(c.Params.Axis, opsBuild(t, c.Ints["idx"]))
	case "index_add":
		return p, p["x"].IndexAdd(c.Params.Axis, opsBuild(t, c.Ints["idx"]), p["src"])
	case "slices":
		return p, opsSlices(t, c.Params.Program, p["x"])
	}
	t.Fatalf("unknown op %q", c.Op)
	return nil, nil
}

// opsSlices builds the slicing programs of gen_ops.py.
func opsSlices(t testing.TB, program string, x *Value) *Value {
	switch program {
	case "unbind":
		p := x.Unbind(1)
		return Stack([]*Value{p[2], p[0].Mul(p[0])}, 0)
	case "split":
		p := x.Split(3, 0)
		return Cat([]*Value{p[2], p[0].Tanh()}, 0)
	case "split_sizes":
		p := x.SplitSizes([]int{1, 4, 2}, 1)
		return Cat([]*Value{p[1].MulScalar(2), p[2]}, 1)
	case "chunk":
		p := x.Chunk(3, 0)
		return Cat([]*Value{p[2], p[0].Mul(p[1])}, 0)
	case "overlap":
		return x.Narrow(0, 1, 3).Mul(x.Slice(0, 0, 6, 2)).Add(x.Select(0, 5))
	}
	t.Fatalf("unknown slicing program %q", program)
	return nil
}

func TestOpsTorchFixture(t *testing.T) {
	f := opsLoad(t)
	names := make([]string, len(f.Cases))
	for i, c := range f.Cases {
		names[i] = c.Name
	}
	// The cases the tests are meant to cover are all there.
	for _, red := range []string{"mean", "sum", "none"} {
		for _, v := range []string{"plain", "ls0.1", "weight", "ignore", "weight+ignore", "ls0.1+ignore",
			"ls0.2+weight", "ls0.2+weight+ignore", "ignore_index=0", "ignore_index=3+weight+ls0.1",
			"all_ignored+weight+ls0.1", "empty", "1d", "1d+weight+ls0.1", "1d+ignored"} {
			assert.Contains(t, names, "cross_entropy/"+v+"/"+red+"/float64")
		}
	}
	assert.Contains(t, names, "cross_entropy/ls0.1+weight+ignore/mean/float32")
	for _, n := range []string{"index_select/embedding[2 4]/float64", "index_select/embedding[2 4]/float32",
		"index_select/axis1[2 2]/float64", "index_select/axis-1[2 2 1]/float64", "index_add/axis0[2 3]/float64"} {
		assert.Contains(t, names, n)
	}
	for _, prog := range []string{"unbind", "split", "split_sizes", "chunk", "overlap"} {
		assert.Contains(t, names, "slices/"+prog+"/float64")
	}

	eachDevice(t, func(t *testing.T) {
		for _, c := range f.Cases {
			t.Run(c.Name, func(t *testing.T) {
				rtol, atol := opsTolerances(c.DType)
				p, out := opsForward(t, c)
				require.Equal(t, c.DType, out.DType().String())
				require.Equal(t, c.Output.Shape, []int(out.Shape()), "output shape")
				opsCompare(t, "output", out.Data().Float64s(), c.Output, rtol, atol)

				out.Backward(WithGrad(opsBuild(t, c.OutGrad)))
				require.Len(t, c.Grads, len(c.Inputs), "a gradient for every input")
				for _, k := range slices.Sorted(maps.Keys(c.Grads)) {
					want := c.Grads[k]
					g := p[k].Grad()
					require.NotNil(t, g, "no gradient for %s", k)
					require.Equal(t, want.Shape, []int(g.Shape()), "gradient shape of %s", k)
					require.Equal(t, c.DType, g.DType().String(), "gradient dtype of %s", k)
					opsCompare(t, "d out / d "+k, g.Float64s(), want, rtol, atol)
				}
			})
		}
	})
}

// TestCrossEntropyZeroOptionsAreTorchDefaults checks that CrossEntropy, the zero options and
// options that set only some fields all keep torch's defaults for the others: class 0 is a
// class like any other unless asked.
func TestCrossEntropyZeroOptionsAreTorchDefaults(t *testing.T) {
	f := opsLoad(t)
	plain := opsCaseNamed(t, f, "cross_entropy/plain/mean/float64")
	x, y := opsBuild(t, plain.Inputs["x"]), opsBuild(t, plain.Ints["y"])
	require.Contains(t, y.Int64s(), int64(0), "the targets include class 0")
	want := float64(plain.Output.Data[0])
	for _, got := range []*Value{
		CrossEntropy(Const(x), y),
		CrossEntropyWith(Const(x), y, CrossEntropyOptions{}),
		CrossEntropyWith(Const(x), y, CrossEntropyOptions{IgnoreIndex: new(int64(DefaultIgnoreIndex))}),
	} {
		assert.InDelta(t, want, got.Item(), opsF64Rtol*math.Abs(want))
	}
	ls := opsCaseNamed(t, f, "cross_entropy/ls0.1/mean/float64")
	want = float64(ls.Output.Data[0])
	got := CrossEntropyWith(Const(x), y, CrossEntropyOptions{LabelSmoothing: 0.1}).Item()
	assert.InDelta(t, want, got, opsF64Rtol*math.Abs(want))
	assert.Equal(t, "mean", Reduction(0).String())
}

func opsCaseNamed(t testing.TB, f opsFixture, name string) opsCase {
	t.Helper()
	for _, c := range f.Cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no fixture case %q", name)
	return opsCase{}
}

// opsPanicsWithError checks that fn panics with a *tensor.Error whose message is want.
func opsPanicsWithError(t *testing.T, want string, fn func()) {
	t.Helper()
	err := tensor.Maybe(fn)
	var te *tensor.Error
	if assert.ErrorAs(t, err, &te, "want a *tensor.Error panic: %s", want) {
		assert.Equal(t, want, te.Error())
	}
}

func TestCrossEntropyErrors(t *testing.T) {
	x := Param(tensor.Zeros(tensor.Shape{2, 3}, tensor.Float64))
	y := tensor.From([]int64{0, 2})
	const ce = "autograd.CrossEntropy: "
	for _, c := range []struct {
		want string
		fn   func()
	}{
		{"tensor.Gather: index 3 out of range for dimension of size 3", func() { CrossEntropy(x, tensor.From([]int64{0, 3})) }},
		{"tensor.Gather: index -1 out of range for dimension of size 3", func() { CrossEntropy(x, tensor.From([]int64{-1, 0})) }},
		{"tensor.Gather: index -100 out of range for dimension of size 3", func() {
			CrossEntropyWith(x, tensor.From([]int64{-100, 1}), CrossEntropyOptions{IgnoreIndex: new(int64(1))})
		}},
		{"tensor.Gather: index 5 out of range for dimension of size 3", func() {
			CrossEntropy(Param(tensor.Zeros(tensor.Shape{3}, tensor.Float64)), tensor.Scalar[int64](5))
		}},
		{ce + "nil logits", func() { CrossEntropy(nil, y) }},
		{ce + "nil targets", func() { CrossEntropy(x, nil) }},
		{ce + "targets must be int64, got float64 of shape [2]", func() { CrossEntropy(x, tensor.From([]float64{0, 1})) }},
		{ce + "logits of shape [2 3] and targets of shape [3] do not fit ([N, C] and [N])", func() { CrossEntropy(x, tensor.From([]int64{0, 1, 2})) }},
		{ce + "logits of shape [3] need a 0-d target, got shape [1]", func() {
			CrossEntropy(Param(tensor.Zeros(tensor.Shape{3}, tensor.Float64)), tensor.From([]int64{0}))
		}},
		{ce + "weight of shape [2] for 3 classes (logits of shape [2 3]); want [3]", func() {
			CrossEntropyWith(x, y, CrossEntropyOptions{Weight: tensor.Ones(tensor.Shape{2}, tensor.Float64)})
		}},
		{ce + "weight is float32 on cpu, logits are float64 on cpu", func() {
			CrossEntropyWith(x, y, CrossEntropyOptions{Weight: tensor.Ones(tensor.Shape{3}, tensor.Float32)})
		}},
		{ce + "label smoothing 1.5 outside [0, 1]", func() { CrossEntropyWith(x, y, CrossEntropyOptions{LabelSmoothing: 1.5}) }},
		{ce + "label smoothing NaN outside [0, 1]", func() { CrossEntropyWith(x, y, CrossEntropyOptions{LabelSmoothing: math.NaN()}) }},
		{ce + "unknown reduction 7", func() { CrossEntropyWith(x, y, CrossEntropyOptions{Reduction: 7}) }},
	} {
		opsPanicsWithError(t, c.want, c.fn)
	}
	assert.Equal(t, "Reduction(7)", Reduction(7).String())
}

// TestCrossEntropyKeepsTheWeightForBackward checks that the class weights are saved like any
// tensor a backward pass needs: changing them in place before Backward panics.
func TestCrossEntropyKeepsTheWeightForBackward(t *testing.T) {
	x := Param(tensor.NewRNG(4).Normal(tensor.Shape{3, 4}, 0, 1, tensor.Float64))
	w := tensor.From([]float64{1, 2, 0.5, 1})
	loss := CrossEntropyWith(x, tensor.From([]int64{1, 0, 3}), CrossEntropyOptions{Weight: w})
	w.MulScalarInPlace(2)
	opsPanicsWithError(t, "autograd.Backward: a tensor of shape [4] saved for the backward pass of CrossEntropy was modified in place (version 1, saved at 0)", func() { loss.Backward() })
}
