package tensor

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file checks the numerical ops against PyTorch 1.13 results stored in testdata/ops.json,
// written by testdata/gen_ops.py (see its doc string for the format and for the deliberate
// differences it encodes).

// opsTensorSpec is one tensor of a fixture case: elements in row-major order, with NaN and the
// infinities as the strings "nan", "inf" and "-inf".
type opsTensorSpec struct {
	DType string            `json:"dtype"`
	Shape []int             `json:"shape"`
	Data  []json.RawMessage `json:"data"`
}

type opsCase struct {
	Name    string                     `json:"name"`
	Op      string                     `json:"op"`
	Params  map[string]json.RawMessage `json:"params"`
	Inputs  []opsTensorSpec            `json:"inputs"`
	Outputs []opsTensorSpec            `json:"outputs"`
}

type opsFixture struct {
	TorchVersion string    `json:"torch_version"`
	Cases        []opsCase `json:"cases"`
}

func opsLoadFixture(t *testing.T) opsFixture {
	t.Helper()
	raw, err := os.ReadFile("testdata/ops.json")
	require.NoError(t, err)
	var f opsFixture
	require.NoError(t, json.Unmarshal(raw, &f))
	require.True(t, strings.HasPrefix(f.TorchVersion, "1.13"), "fixture written by torch %s", f.TorchVersion)
	require.NotEmpty(t, f.Cases)
	return f
}

// opsParseFloat reads a JSON number, or "nan", "inf", "-inf", with the precision of bits (32
// reads the shortest float32 decimal exactly).
func opsParseFloat(t *testing.T, raw json.RawMessage, bits int) float64 {
	t.Helper()
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "nan":
			return math.NaN()
		case "inf":
			return math.Inf(1)
		case "-inf":
			return math.Inf(-1)
		}
		t.Fatalf("bad special value %q", s)
	}
	v, err := strconv.ParseFloat(string(raw), bits)
	require.NoError(t, err, "number %s", raw)
	return v
}

func opsParseInt(t *testing.T, raw json.RawMessage) int64 {
	t.Helper()
	v, err := strconv.ParseInt(string(raw), 10, 64)
	require.NoError(t, err, "integer %s", raw)
	return v
}

func opsDTypeOf(t *testing.T, name string) DType {
	t.Helper()
	switch name {
	case "float32":
		return Float32
	case "float64":
		return Float64
	case "int64":
		return Int64
	}
	t.Fatalf("unknown dtype %q", name)
	return 0
}

// opsBuild makes the tensor a spec describes. A "bool" spec (a torch condition or mask) becomes
// a 0/1 mask of dtype maskDT, as godl's comparisons would produce it.
func opsBuild(t *testing.T, s opsTensorSpec, maskDT DType) *Tensor {
	t.Helper()
	dt := maskDT
	if s.DType != "bool" {
		dt = opsDTypeOf(t, s.DType)
	}
	require.Equal(t, Shape(s.Shape).Numel(), len(s.Data), "spec of shape %v", s.Shape)
	var out *Tensor
	switch dt {
	case Float32:
		v := make([]float32, len(s.Data))
		for i, r := range s.Data {
			v[i] = float32(opsParseFloat(t, r, 32))
		}
		out = opsFrom(v, s.Shape)
	case Float64:
		v := make([]float64, len(s.Data))
		for i, r := range s.Data {
			v[i] = opsParseFloat(t, r, 64)
		}
		out = opsFrom(v, s.Shape)
	case Int64:
		v := make([]int64, len(s.Data))
		for i, r := range s.Data {
			v[i] = opsParseInt(t, r)
		}
		out = opsFrom(v, s.Shape)
	}
	return out
}

// opsFrom is From that also makes 0-d tensors from an empty shape.
func opsFrom[T Element](v []T, shape []int) *Tensor {
	if len(shape) == 0 {
		return Scalar(v[0])
	}
	return From(v, shape...)
}

// opsParams reads a case's parameters.
type opsParams struct {
	t *testing.T
	m map[string]json.RawMessage
}

func (p opsParams) raw(key string) json.RawMessage {
	p.t.Helper()
	r, ok := p.m[key]
	if !ok {
		p.t.Fatalf("missing parameter %q", key)
	}
	return r
}

func (p opsParams) float(key string) float64 { return opsParseFloat(p.t, p.raw(key), 64) }

func (p opsParams) int(key string) int {
	var v int
	require.NoError(p.t, json.Unmarshal(p.raw(key), &v))
	return v
}

func (p opsParams) bool(key string) bool {
	var v bool
	require.NoError(p.t, json.Unmarshal(p.raw(key), &v))
	return v
}

// ints reads a list of ints; null gives nil (all axes).
func (p opsParams) ints(key string) []int {
	var v []int
	require.NoError(p.t, json.Unmarshal(p.raw(key), &v))
	return v
}

type opsFunc func(p opsParams, in []*Tensor) []*Tensor

func opsOne(f func(x *Tensor) *Tensor) opsFunc {
	return func(_ opsParams, in []*Tensor) []*Tensor { return []*Tensor{f(in[0])} }
}

func opsScalarOp(f func(x *Tensor, s float64) *Tensor) opsFunc {
	return func(p opsParams, in []*Tensor) []*Tensor { return []*Tensor{f(in[0], p.float("scalar"))} }
}

func opsBinary(f func(x, y *Tensor) *Tensor) opsFunc {
	return func(_ opsParams, in []*Tensor) []*Tensor { return []*Tensor{f(in[0], in[1])} }
}

// opsReduce dispatches a reduction with a "dims" (null for all) and "keepdim" parameter.
func opsReduce(drop, keep func(x *Tensor, axes ...int) *Tensor) opsFunc {
	return func(p opsParams, in []*Tensor) []*Tensor {
		f := drop
		if p.bool("keepdim") {
			f = keep
		}
		return []*Tensor{f(in[0], p.ints("dims")...)}
	}
}

func opsVariance(correction int) opsFunc {
	return func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{Variance(in[0], p.ints("dims"), correction, p.bool("keepdim"))}
	}
}

// opsDispatch maps every op name of the fixture to the godl call it checks.
var opsDispatch = map[string]opsFunc{
	"neg":        opsOne((*Tensor).Neg),
	"abs":        opsOne((*Tensor).Abs),
	"sign":       opsOne((*Tensor).Sign),
	"square":     opsOne((*Tensor).Square),
	"sqrt":       opsOne((*Tensor).Sqrt),
	"rsqrt":      opsOne((*Tensor).Rsqrt),
	"reciprocal": opsOne((*Tensor).Reciprocal),
	"exp":        opsOne((*Tensor).Exp),
	"log":        opsOne((*Tensor).Log),
	"log1p":      opsOne((*Tensor).Log1p),
	"sin":        opsOne((*Tensor).Sin),
	"cos":        opsOne((*Tensor).Cos),
	"tanh":       opsOne((*Tensor).Tanh),
	"sigmoid":    opsOne((*Tensor).Sigmoid),
	"relu":       opsOne((*Tensor).ReLU),
	"gelu":       opsOne((*Tensor).GELU),
	"floor":      opsOne((*Tensor).Floor),
	"ceil":       opsOne((*Tensor).Ceil),
	"round":      opsOne((*Tensor).Round),
	"leaky_relu": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].LeakyReLU(p.float("slope"))}
	},
	"clamp": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].Clamp(p.float("min"), p.float("max"))}
	},
	"clamp_min":   opsScalarOp((*Tensor).ClampMin),
	"clamp_max":   opsScalarOp((*Tensor).ClampMax),
	"pow_scalar":  opsScalarOp((*Tensor).PowScalar),
	"rpow_scalar": opsScalarOp((*Tensor).RPowScalar),
	"add_scalar":  opsScalarOp((*Tensor).AddScalar),
	"sub_scalar":  opsScalarOp((*Tensor).SubScalar),
	"mul_scalar":  opsScalarOp((*Tensor).MulScalar),
	"div_scalar":  opsScalarOp((*Tensor).DivScalar),
	"rsub_scalar": opsScalarOp((*Tensor).RSubScalar),
	"rdiv_scalar": opsScalarOp((*Tensor).RDivScalar),
	"eq_scalar":   opsScalarOp((*Tensor).EqScalar),
	"ne_scalar":   opsScalarOp((*Tensor).NeScalar),
	"lt_scalar":   opsScalarOp((*Tensor).LtScalar),
	"le_scalar":   opsScalarOp((*Tensor).LeScalar),
	"gt_scalar":   opsScalarOp((*Tensor).GtScalar),
	"ge_scalar":   opsScalarOp((*Tensor).GeScalar),

	"add":      opsBinary((*Tensor).Add),
	"sub":      opsBinary((*Tensor).Sub),
	"mul":      opsBinary((*Tensor).Mul),
	"div":      opsBinary((*Tensor).Div),
	"floordiv": opsBinary((*Tensor).Div), // Int64 Div is floor division
	"pow":      opsBinary((*Tensor).Pow),
	"maximum":  opsBinary((*Tensor).Maximum),
	"minimum":  opsBinary((*Tensor).Minimum),
	"eq":       opsBinary((*Tensor).Eq),
	"ne":       opsBinary((*Tensor).Ne),
	"lt":       opsBinary((*Tensor).Lt),
	"le":       opsBinary((*Tensor).Le),
	"gt":       opsBinary((*Tensor).Gt),
	"ge":       opsBinary((*Tensor).Ge),
	"where": func(_ opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{Where(in[0], in[1], in[2])}
	},
	"masked_fill": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].MaskedFill(in[1], p.float("value"))}
	},

	"sum":       opsReduce((*Tensor).Sum, (*Tensor).SumKeepDim),
	"prod":      opsReduce((*Tensor).Prod, (*Tensor).ProdKeepDim),
	"mean":      opsReduce((*Tensor).Mean, (*Tensor).MeanKeepDim),
	"amax":      opsReduce((*Tensor).Max, (*Tensor).MaxKeepDim),
	"amin":      opsReduce((*Tensor).Min, (*Tensor).MinKeepDim),
	"logsumexp": opsReduce((*Tensor).LogSumExp, (*Tensor).LogSumExpKeepDim),
	"var0":      opsVariance(0),
	"var1":      opsVariance(1),
	"max_dim": func(p opsParams, in []*Tensor) []*Tensor {
		v, i := in[0].MaxAlong(p.int("dim"), p.bool("keepdim"))
		return []*Tensor{v, i}
	},
	"min_dim": func(p opsParams, in []*Tensor) []*Tensor {
		v, i := in[0].MinAlong(p.int("dim"), p.bool("keepdim"))
		return []*Tensor{v, i}
	},
	"argmax": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].ArgMax(p.int("dim"), p.bool("keepdim"))}
	},
	"argmin": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].ArgMin(p.int("dim"), p.bool("keepdim"))}
	},
	"softmax": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].Softmax(p.int("dim"))}
	},
	"log_softmax": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].LogSoftmax(p.int("dim"))}
	},

	"index_select": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].IndexSelect(p.int("dim"), in[1])}
	},
	"gather": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].Gather(p.int("dim"), in[1])}
	},
	"scatter_add": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].ScatterAdd(p.int("dim"), in[1], in[2])}
	},
	"index_add": func(p opsParams, in []*Tensor) []*Tensor {
		return []*Tensor{in[0].IndexAdd(p.int("dim"), in[1], in[2])}
	},
	"cat":   func(p opsParams, in []*Tensor) []*Tensor { return []*Tensor{Cat(in, p.int("dim"))} },
	"stack": func(p opsParams, in []*Tensor) []*Tensor { return []*Tensor{Stack(in, p.int("dim"))} },
	"split": func(p opsParams, in []*Tensor) []*Tensor {
		return in[0].Split(p.int("size"), p.int("dim"))
	},
	"split_sizes": func(p opsParams, in []*Tensor) []*Tensor {
		return in[0].SplitSizes(p.ints("sizes"), p.int("dim"))
	},
	"chunk": func(p opsParams, in []*Tensor) []*Tensor {
		return in[0].Chunk(p.int("chunks"), p.int("dim"))
	},
}

// opsTol is how close a result must be to torch's: |got - want| <= Abs + Rel·|want|, NaN where
// torch has NaN, infinities of the same sign, and for SignedZero the sign of zeros too.
type opsTol struct {
	Abs, Rel   float64
	SignedZero bool
}

// opsEps returns the machine epsilon (the gap between 1 and the next value) of dt.
func opsEps(dt DType) float64 {
	if dt == Float32 {
		return 0x1p-23
	}
	return 0x1p-52
}

// opsTiny returns the smallest normal value of dt: results below it are subnormal, where
// torch's float kernels and ours may lose all relative precision.
func opsTiny(dt DType) float64 {
	if dt == Float32 {
		return 0x1p-126
	}
	return 0x1p-1022
}

// opsMaxAbs returns the largest finite magnitude among a case's float inputs (at least 1).
func opsMaxAbs(in []*Tensor) float64 {
	m := 1.0
	for _, x := range in {
		if !x.DType().IsFloat() {
			continue
		}
		for _, v := range x.Float64s() {
			if !math.IsInf(v, 0) && !math.IsNaN(v) {
				m = max(m, math.Abs(v))
			}
		}
	}
	return m
}

// opsReduceLen returns how many elements each output of a reduction combines: the product of
// the reduced sizes (all dims when dims is null), or the size along "dim".
func opsReduceLen(c opsCase, p opsParams, x *Tensor) int {
	if _, ok := c.Params["dim"]; ok {
		if x.NDim() == 0 {
			return 1
		}
		return x.Size(p.int("dim"))
	}
	dims := p.ints("dims")
	if dims == nil {
		return x.Numel()
	}
	n := 1
	for _, d := range dims {
		n *= x.Size(d)
	}
	return n
}

// opsTolerance gives the tolerance for one case. Ops that are a single IEEE operation (or a
// selection, or integer arithmetic) in both torch and godl must match exactly; transcendental
// functions get a few units of roundoff (eps), the bound of the libraries on both sides;
// reductions get bounds that grow with the number of elements they combine.
func opsTolerance(c opsCase, p opsParams, in []*Tensor, dt DType) opsTol {
	if dt == Int64 {
		return opsTol{}
	}
	eps, tiny := opsEps(dt), opsTiny(dt)
	switch c.Op {
	case "neg", "abs", "floor", "ceil", "round", "sqrt", "add", "sub", "mul", "div", "mul_scalar",
		"add_scalar", "sub_scalar", "rsub_scalar":
		return opsTol{SignedZero: true}
	case "sign", "square", "relu", "clamp", "clamp_min", "clamp_max", "reciprocal",
		"maximum", "minimum", "where", "masked_fill", "amax", "amin", "max_dim", "min_dim",
		"index_select", "gather", "cat", "stack", "split", "split_sizes", "chunk":
		return opsTol{}
	case "leaky_relu", "div_scalar", "rdiv_scalar", "rsqrt":
		// torch rounds twice (slope or 1/s rounded to dt first; 1/√x as two operations).
		return opsTol{Rel: 2 * eps, Abs: tiny}
	case "exp", "log", "log1p", "tanh", "sigmoid", "pow_scalar", "rpow_scalar", "pow":
		return opsTol{Rel: 4 * eps, Abs: tiny}
	case "sin", "cos":
		// Near a zero of sin or cos the error is absolute, about eps.
		return opsTol{Rel: 4 * eps, Abs: 4 * eps}
	case "gelu":
		// torch computes x/2·(1+erf(x/√2)) in dt: 1+erf cancels for negative x, leaving an
		// absolute error of about eps·|x|.
		return opsTol{Rel: 4 * eps, Abs: 4 * eps * opsMaxAbs(in)}
	case "sum":
		n := opsReduceLen(c, p, in[0])
		return opsTol{Abs: 2 * eps * float64(n) * opsMaxAbs(in), Rel: eps}
	case "mean":
		// The error of the sum (2·eps·n·max|x|) divided by n, plus the rounding of the result.
		return opsTol{Abs: 2 * eps * opsMaxAbs(in), Rel: 2 * eps}
	case "prod":
		n := opsReduceLen(c, p, in[0])
		return opsTol{Rel: 2 * eps * float64(n+1), Abs: tiny}
	case "var0", "var1":
		n := opsReduceLen(c, p, in[0])
		m := opsMaxAbs(in)
		return opsTol{Abs: 8 * eps * float64(n) * m * m / float64(max(n-1, 1)), Rel: 4 * eps}
	case "logsumexp":
		n := opsReduceLen(c, p, in[0])
		return opsTol{Abs: 4 * eps * (opsMaxAbs(in) + float64(n)), Rel: 4 * eps}
	case "softmax":
		// exp(x - max) carries a relative error of about eps·|x - max|, the sum eps·n.
		n := opsReduceLen(c, p, in[0])
		return opsTol{Rel: 4 * eps * (float64(n) + 2*opsMaxAbs(in)), Abs: tiny}
	case "log_softmax":
		n := opsReduceLen(c, p, in[0])
		return opsTol{Abs: 4 * eps * (2*opsMaxAbs(in) + float64(n)), Rel: 4 * eps}
	case "scatter_add", "index_add":
		// Sums of a few elements per destination (at most the number of indices), in order.
		n := in[1].Numel() + 1
		return opsTol{Abs: 2 * eps * float64(n) * opsMaxAbs(in), Rel: eps}
	}
	if strings.HasSuffix(c.Op, "_scalar") || slices.Contains([]string{"eq", "ne", "lt", "le", "gt", "ge"}, c.Op) {
		return opsTol{} // comparisons: exact 0/1 masks
	}
	panic("no tolerance for op " + c.Op)
}

// opsCheckTensor compares got with a fixture tensor.
func opsCheckTensor(t *testing.T, got *Tensor, want opsTensorSpec, tol opsTol, what string) {
	t.Helper()
	require.Equal(t, want.DType, got.DType().String(), "%s: dtype", what)
	require.Equal(t, shapeStr(want.Shape), shapeStr(got.Shape()), "%s: shape", what)
	if got.DType() == Int64 {
		g := got.Int64s()
		for i, r := range want.Data {
			if w := opsParseInt(t, r); g[i] != w {
				t.Errorf("%s: element %d = %d, torch %d", what, i, g[i], w)
			}
		}
		return
	}
	bits := 64
	if got.DType() == Float32 {
		bits = 32
	}
	g := got.Float64s()
	for i, r := range want.Data {
		w := opsParseFloat(t, r, bits)
		switch {
		case math.IsNaN(w) || math.IsNaN(g[i]):
			if math.IsNaN(w) != math.IsNaN(g[i]) {
				t.Errorf("%s: element %d = %v, torch %v", what, i, g[i], w)
			}
		case math.IsInf(w, 0) || math.IsInf(g[i], 0):
			if w != g[i] {
				t.Errorf("%s: element %d = %v, torch %v", what, i, g[i], w)
			}
		case tol.SignedZero && w == 0 && (g[i] != 0 || math.Signbit(g[i]) != math.Signbit(w)):
			t.Errorf("%s: element %d = %v, torch %v (sign of zero)", what, i, g[i], w)
		case math.Abs(g[i]-w) > tol.Abs+tol.Rel*math.Abs(w):
			t.Errorf("%s: element %d = %.9g, torch %.9g (diff %.3g > %.3g + %.3g·|want|)", what, i, g[i], w, math.Abs(g[i]-w), tol.Abs, tol.Rel)
		}
	}
}

// opsRunCase builds a case's inputs, runs the op and checks every output.
func opsRunCase(t *testing.T, c opsCase) {
	f, ok := opsDispatch[c.Op]
	require.True(t, ok, "op %q of the fixture has no Go dispatch: add it to opsDispatch", c.Op)
	maskDT := Float32
	for _, s := range c.Inputs {
		if s.DType != "bool" {
			maskDT = opsDTypeOf(t, s.DType)
			break
		}
	}
	in := make([]*Tensor, len(c.Inputs))
	for i, s := range c.Inputs {
		in[i] = opsBuild(t, s, maskDT)
	}
	// Keep copies to check that no op writes into its operands.
	before := make([][]float64, len(in))
	for i, x := range in {
		before[i] = x.Float64s()
	}
	p := opsParams{t: t, m: c.Params}
	var outs []*Tensor
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("op panicked: %v", r)
			}
		}()
		outs = f(p, in)
	}()
	require.Len(t, outs, len(c.Outputs), "number of outputs")
	for i, o := range outs {
		tol := opsTolerance(c, p, in, o.DType())
		opsCheckTensor(t, o, c.Outputs[i], tol, fmt.Sprintf("output %d", i))
	}
	for i, x := range in {
		opsSameBits(t, before[i], x.Float64s(), fmt.Sprintf("input %d after the op", i))
	}
}

// opsSameBits asserts that two float64 slices are identical, NaN for NaN.
func opsSameBits(t *testing.T, want, got []float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) && !(math.IsNaN(want[i]) && math.IsNaN(got[i])) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestOpsTorch runs every case of testdata/ops.json.
func TestOpsTorch(t *testing.T) {
	f := opsLoadFixture(t)
	names := map[string]bool{}
	for _, c := range f.Cases {
		require.False(t, names[c.Name], "duplicate case %s", c.Name)
		names[c.Name] = true
		t.Run(c.Name, func(t *testing.T) { opsRunCase(t, c) })
	}
}

// TestOpsTorchFixtureInSync fails when the fixture and opsDispatch disagree about the set of
// ops: a fixture op without a Go call, or a Go call that no case exercises.
func TestOpsTorchFixtureInSync(t *testing.T) {
	f := opsLoadFixture(t)
	seen := map[string]int{}
	for _, c := range f.Cases {
		seen[c.Op]++
	}
	var missing, unused []string
	for op := range seen {
		if _, ok := opsDispatch[op]; !ok {
			missing = append(missing, op)
		}
	}
	for op := range opsDispatch {
		if seen[op] == 0 {
			unused = append(unused, op)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	require.Empty(t, missing, "fixture ops with no Go dispatch")
	require.Empty(t, unused, "Go dispatch entries with no fixture case")
}
