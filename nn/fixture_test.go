package nn

import (
	"encoding/json"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/require"
)

// The PyTorch fixtures: testdata/gen_*.py write them (see testdata/fixtures.py for the
// format), these helpers read them.

// fxNum is a JSON number, or one of the strings "nan", "inf", "-inf".
type fxNum float64

func (n *fxNum) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"nan"`:
		*n = fxNum(math.NaN())
	case `"inf"`:
		*n = fxNum(math.Inf(1))
	case `"-inf"`:
		*n = fxNum(math.Inf(-1))
	default:
		var f float64
		if err := json.Unmarshal(b, &f); err != nil {
			return err
		}
		*n = fxNum(f)
	}
	return nil
}

type fxTensor struct {
	DType string  `json:"dtype"`
	Shape []int   `json:"shape"`
	Data  []fxNum `json:"data"`
}

func (s fxTensor) floats() []float64 {
	f := make([]float64, len(s.Data))
	for i, v := range s.Data {
		f[i] = float64(v)
	}
	return f
}

type fxCase struct {
	Name     string              `json:"name"`
	Layer    string              `json:"layer"`
	DType    string              `json:"dtype"`
	Params   json.RawMessage     `json:"params"`
	State    map[string]fxTensor `json:"state"`
	Inputs   map[string]fxTensor `json:"inputs"`
	Ints     map[string]fxTensor `json:"ints"`
	Consts   map[string]fxTensor `json:"consts"`
	OutGrads []fxTensor          `json:"out_grads"`
	Outputs  []fxTensor          `json:"outputs"`
	Grads    map[string]fxTensor `json:"grads"`
}

// params decodes the case's params into p.
func (c fxCase) params(t testing.TB, p any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(c.Params, p), "params of %s", c.Name)
}

func (c fxCase) dtype() tensor.DType {
	if c.DType == "float64" {
		return tensor.Float64
	}
	return tensor.Float32
}

type fxFile struct {
	TorchVersion string   `json:"torch_version"`
	Cases        []fxCase `json:"cases"`
}

// fxLoad reads testdata/name.
func fxLoad(t testing.TB, name string) []fxCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	var f fxFile
	require.NoError(t, json.Unmarshal(raw, &f))
	require.True(t, strings.HasPrefix(f.TorchVersion, "1.13"), "fixture written by torch %s", f.TorchVersion)
	require.NotEmpty(t, f.Cases)
	return f.Cases
}

// fxBuild makes the tensor a fixture entry describes, on the CPU.
func fxBuild(t testing.TB, s fxTensor) *tensor.Tensor {
	t.Helper()
	switch s.DType {
	case "float64":
		return tensor.From(s.floats(), s.Shape...)
	case "float32":
		f := make([]float32, len(s.Data))
		for i, v := range s.Data {
			f[i] = float32(v)
		}
		return tensor.From(f, s.Shape...)
	case "int64":
		d := make([]int64, len(s.Data))
		for i, v := range s.Data {
			d[i] = int64(v)
		}
		return tensor.From(d, s.Shape...)
	}
	t.Fatalf("unknown dtype %q", s.DType)
	return nil
}

// fxState builds a state dict from the fixture's tensors.
func fxState(t testing.TB, s map[string]fxTensor) map[string]*tensor.Tensor {
	out := map[string]*tensor.Tensor{}
	for k, v := range s {
		out[k] = fxBuild(t, v)
	}
	return out
}

// The tolerances: an element passes when |got - want| <= rtol·|want| + atol·max|want| over
// the tensor. Float32 follows the accumulated rounding of a few hundred operations.
const (
	fxF64Rtol, fxF64Atol = 1e-10, 1e-12
	fxF32Rtol, fxF32Atol = 1e-5, 2e-6
)

func fxTolerances(dtype string) (rtol, atol float64) {
	if dtype == "float32" {
		return fxF32Rtol, fxF32Atol
	}
	return fxF64Rtol, fxF64Atol
}

// fxCompare checks got against want within the tolerances.
func fxCompare(t *testing.T, what string, got *tensor.Tensor, want fxTensor, rtol, atol float64) {
	t.Helper()
	require.Equal(t, want.Shape, []int(got.Shape()), "%s: shape", what)
	g, w := got.Float64s(), want.floats()
	scale := 0.0
	for _, v := range w {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			scale = math.Max(scale, math.Abs(v))
		}
	}
	worst, at := 0.0, -1
	for i := range w {
		if math.IsNaN(w[i]) || math.IsInf(w[i], 0) || math.IsNaN(g[i]) || math.IsInf(g[i], 0) {
			if !((math.IsNaN(w[i]) && math.IsNaN(g[i])) || w[i] == g[i]) {
				worst, at = math.Inf(1), i
			}
			continue
		}
		bound := rtol*math.Abs(w[i]) + atol*scale
		if r := math.Abs(g[i]-w[i]) / bound; r > worst || (bound == 0 && g[i] != w[i]) {
			worst, at = r, i
			if bound == 0 {
				worst = math.Inf(1)
			}
		}
	}
	if worst > 1 {
		t.Errorf("%s: element %d is %v, want %v (%.3g of the tolerance)", what, at, g[at], w[at], worst)
	}
}

// fxRun loads the case's state into m (strictly, by name), makes its inputs differentiable
// leaves, runs forward, backpropagates sum_k sum(outputs[k]·out_grads[k]) and compares the
// outputs and every gradient with PyTorch's.
func fxRun(t *testing.T, c fxCase, m Module, forward func(in map[string]*autograd.Value, ints, consts map[string]*tensor.Tensor) []*autograd.Value) {
	t.Helper()
	if m != nil {
		require.NoError(t, LoadStateDict(m, fxState(t, c.State), true))
	}
	in := map[string]*autograd.Value{}
	for k, v := range c.Inputs {
		in[k] = autograd.Param(fxBuild(t, v))
	}
	ints, consts := fxState(t, c.Ints), fxState(t, c.Consts)
	outs := forward(in, ints, consts)
	require.Len(t, outs, len(c.Outputs), "number of outputs")
	rtol, atol := fxTolerances(c.DType)
	var total *autograd.Value
	for k, o := range outs {
		fxCompare(t, "output "+strconv.Itoa(k), o.Data(), c.Outputs[k], rtol, atol)
		if o.RequiresGrad() {
			term := o.Mul(autograd.Const(fxBuild(t, c.OutGrads[k]))).Sum()
			if total == nil {
				total = term
			} else {
				total = total.Add(term)
			}
		}
	}
	if total != nil {
		total.Backward()
	}
	named := map[string]*autograd.Value{}
	if m != nil {
		for _, n := range NamedValues(m) {
			named[n.Name] = n.Value
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Grads)) {
		v := named[k]
		if v == nil {
			v = in[k]
		}
		require.NotNil(t, v, "no parameter or input %q", k)
		g := v.Grad()
		if g == nil {
			g = tensor.ZerosLike(v.Data())
		}
		fxCompare(t, "grad "+k, g, c.Grads[k], rtol, atol)
	}
}
