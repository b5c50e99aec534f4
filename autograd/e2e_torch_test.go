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

// This file rebuilds small models from primitive autograd operations and checks the loss and
// every gradient against PyTorch 1.13, from testdata/e2e.json written by testdata/gen_e2e.py
// (see its doc string for the models and the file format). The references come from torch's
// own layers (nn.LSTMCell, F.gelu, F.cross_entropy, F.embedding), so these tests also pin
// down the conventions: weights stored [out, in], LSTM gates in the order i, f, g, o, label
// smoothing and reductions as torch defines them.

// Tolerances. An element passes when |got - want| <= rtol·|want| + atol·max|want|, the max
// taken over the tensor, so that elements that are small only because of cancellation are
// judged against the size of the terms that cancelled.
//
// Float64: both sides round at u = 2⁻⁵³ ≈ 1.1e-16 through chains of at most a few hundred
// operations (five LSTM steps of a dozen ops each, forward and backward, reductions of at
// most 24 terms); the accumulated error stays below 1e-13 relative to the gradient's scale,
// so 1e-10 relative with a 1e-12 floor leaves a margin of a hundred and more.
//
// Float32: u = 2⁻²⁴ ≈ 6e-8. The deepest chain in the MLP is three matmuls of at most 16
// terms forward, the same backward plus batch sums of 8 terms, and about a dozen elementwise
// operations and the log-softmax: roughly 50 roundings, 3e-6. The tolerance, 1e-5 relative
// with a 2e-6 floor relative to the largest gradient, keeps a margin of about three for that
// bound; gen_e2e.py checks that torch's own float32 results meet it (they use at most a tenth
// of it). The reference is torch's float32 result, so the tolerance covers both sides.
const (
	e2eF64Rtol = 1e-10
	e2eF64Atol = 1e-12
	e2eF32Rtol = 1e-5 // must match F32_RTOL in gen_e2e.py
	e2eF32Atol = 2e-6 // must match F32_ATOL in gen_e2e.py
)

type e2eTensor struct {
	DType string    `json:"dtype"`
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

type e2eConfig struct {
	Act1           string  `json:"act1"`
	Act2           string  `json:"act2"`
	Reduction      string  `json:"reduction"`
	LabelSmoothing float64 `json:"label_smoothing"`
	Steps          int     `json:"steps"`
	Batch          int     `json:"batch"`
	Input          int     `json:"input"`
	Hidden         int     `json:"hidden"`
	Classes        int     `json:"classes"`
	Vocab          int     `json:"vocab"`
}

type e2eCase struct {
	Name   string               `json:"name"`
	Model  string               `json:"model"`
	DType  string               `json:"dtype"`
	Config e2eConfig            `json:"config"`
	Inputs map[string]e2eTensor `json:"inputs"`
	Ints   map[string]e2eTensor `json:"ints"`
	Loss   float64              `json:"loss"`
	Grads  map[string]e2eTensor `json:"grads"`
}

type e2eFixture struct {
	TorchVersion string    `json:"torch_version"`
	Cases        []e2eCase `json:"cases"`
}

func e2eLoad(t testing.TB) e2eFixture {
	t.Helper()
	raw, err := os.ReadFile("testdata/e2e.json")
	require.NoError(t, err)
	var f e2eFixture
	require.NoError(t, json.Unmarshal(raw, &f))
	require.True(t, strings.HasPrefix(f.TorchVersion, "1.13"), "fixture written by torch %s", f.TorchVersion)
	require.NotEmpty(t, f.Cases)
	return f
}

// e2eCaseNamed returns the fixture case called name.
func e2eCaseNamed(t testing.TB, f e2eFixture, name string) e2eCase {
	t.Helper()
	for _, c := range f.Cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no fixture case %q", name)
	return e2eCase{}
}

// e2eBuild makes the tensor a fixture entry describes.
func e2eBuild(t testing.TB, s e2eTensor) *tensor.Tensor {
	t.Helper()
	switch s.DType {
	case "float64":
		return onDev(tensor.From(s.Data, s.Shape...))
	case "float32":
		f := make([]float32, len(s.Data))
		for i, v := range s.Data {
			f[i] = float32(v) // exact: the file holds widened float32 values
			require.Equal(t, v, float64(f[i]), "not a float32 value")
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

// e2eLinear is torch's F.linear: x @ wᵀ + b with w stored [out, in].
func e2eLinear(x, w, b *Value) *Value { return MatMul(x, w.T()).Add(b) }

func e2eAct(name string, v *Value) *Value {
	switch name {
	case "tanh":
		return v.Tanh()
	case "gelu":
		return v.GELU()
	case "relu":
		return v.ReLU()
	}
	panic("unknown activation " + name)
}

// e2eMLP is model "mlp" of gen_e2e.py.
func e2eMLP(cfg e2eConfig, p map[string]*Value, y *tensor.Tensor) *Value {
	h := e2eAct(cfg.Act1, e2eLinear(p["x"], p["fc1.weight"], p["fc1.bias"]))
	h = e2eAct(cfg.Act2, e2eLinear(h, p["fc2.weight"], p["fc2.bias"]))
	logits := e2eLinear(h, p["fc3.weight"], p["fc3.bias"])
	var opt CrossEntropyOptions
	switch cfg.Reduction {
	case "mean":
		opt.Reduction = ReductionMean
	case "sum":
		opt.Reduction = ReductionSum
	default:
		panic("unknown reduction " + cfg.Reduction)
	}
	opt.LabelSmoothing = cfg.LabelSmoothing
	return CrossEntropyWith(logits, y, opt)
}

// e2eLSTMStep is one step of torch's LSTMCell from primitives: the gates are x @ W_ihᵀ +
// h @ W_hhᵀ + b_ih + b_hh, cut into i, f, g, o in that order.
func e2eLSTMStep(wih, whh, bih, bhh, x, h, c *Value) (*Value, *Value) {
	gates := MatMul(x, wih.T()).Add(MatMul(h, whh.T())).Add(bih).Add(bhh)
	parts := gates.Chunk(4, 1)
	i, f, g, o := parts[0].Sigmoid(), parts[1].Sigmoid(), parts[2].Tanh(), parts[3].Sigmoid()
	c = f.Mul(c).Add(i.Mul(g))
	h = o.Mul(c.Tanh())
	return h, c
}

// e2eLSTMHead runs the cell over xs from (h, c) and returns the cross-entropy of the linear
// head on the last h.
func e2eLSTMHead(p map[string]*Value, xs []*Value, h, c *Value, y *tensor.Tensor) *Value {
	for _, x := range xs {
		h, c = e2eLSTMStep(p["cell.weight_ih"], p["cell.weight_hh"], p["cell.bias_ih"], p["cell.bias_hh"], x, h, c)
	}
	return CrossEntropy(e2eLinear(h, p["head.weight"], p["head.bias"]), y)
}

// e2eLSTM is model "lstm" of gen_e2e.py: x is [T, B, I].
func e2eLSTM(cfg e2eConfig, p map[string]*Value, y *tensor.Tensor) *Value {
	xs := make([]*Value, cfg.Steps)
	for s := range xs {
		xs[s] = p["x"].Select(0, s)
	}
	return e2eLSTMHead(p, xs, p["h0"], p["c0"], y)
}

// e2eLSTMEmbed is model "lstm_embed": the inputs are rows of the embedding table, looked up
// for all [B, T] tokens at once with IndexSelect (which gives [B, T, I]), then taken one time
// step at a time.
func e2eLSTMEmbed(cfg e2eConfig, p map[string]*Value, tokens, y *tensor.Tensor) *Value {
	B, T := cfg.Batch, cfg.Steps
	emb := p["embedding"].IndexSelect(0, tokens)
	xs := make([]*Value, T)
	for s := range xs {
		xs[s] = emb.Select(1, s)
	}
	dt := p["embedding"].DType()
	z := Const(tensor.Zeros(tensor.Shape{B, cfg.Hidden}, dt, tensor.On(p["embedding"].Data().Device())))
	return e2eLSTMHead(p, xs, z, z, y)
}

// e2eForward builds the case's leaves and its loss.
func e2eForward(t testing.TB, c e2eCase) (map[string]*Value, *Value) {
	t.Helper()
	p := make(map[string]*Value, len(c.Inputs))
	for k, s := range c.Inputs {
		require.Equal(t, c.DType, s.DType, "input %s", k)
		p[k] = Param(e2eBuild(t, s))
	}
	y := e2eBuild(t, c.Ints["y"])
	switch c.Model {
	case "mlp":
		return p, e2eMLP(c.Config, p, y)
	case "lstm":
		return p, e2eLSTM(c.Config, p, y)
	case "lstm_embed":
		return p, e2eLSTMEmbed(c.Config, p, e2eBuild(t, c.Ints["tokens"]), y)
	}
	t.Fatalf("unknown model %q", c.Model)
	return nil, nil
}

// e2eCompare checks got against want element by element with the tolerance above and
// reports the worst element.
func e2eCompare(t *testing.T, what string, got, want []float64, rtol, atol float64) {
	t.Helper()
	require.Len(t, got, len(want), what)
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	worst, worstAt := 0.0, -1
	for i := range want {
		bound := rtol*math.Abs(want[i]) + atol*scale
		r := math.Abs(got[i]-want[i]) / bound
		if math.IsNaN(got[i]) || r > worst {
			worst, worstAt = r, i
			if math.IsNaN(got[i]) {
				worst = math.Inf(1)
			}
		}
	}
	t.Logf("%s: worst element uses %.3g of the tolerance", what, worst)
	if worst > 1 {
		t.Errorf("%s: element %d is %.17g, want %.17g (error %.3g times the tolerance)", what, worstAt, got[worstAt], want[worstAt], worst)
	}
}

func e2eTolerances(dtype string) (rtol, atol float64) {
	if dtype == "float32" {
		return e2eF32Rtol, e2eF32Atol
	}
	return e2eF64Rtol, e2eF64Atol
}

func TestE2ETorchFixture(t *testing.T) {
	f := e2eLoad(t)
	names := make([]string, len(f.Cases))
	for i, c := range f.Cases {
		names[i] = c.Name
	}
	// The cases the task asks for are all there.
	for _, want := range []string{
		"mlp/tanh-gelu/mean/ls0.0/float64", "mlp/tanh-gelu/mean/ls0.0/float32",
		"mlp/tanh-relu/sum/ls0.1/float64", "mlp/tanh-relu/sum/ls0.1/float32",
		"lstm/float64", "lstm_embed/float64",
	} {
		assert.Contains(t, names, want)
	}
	eachDevice(t, func(t *testing.T) {
		for _, c := range f.Cases {
			t.Run(c.Name, func(t *testing.T) {
				rtol, atol := e2eTolerances(c.DType)
				p, loss := e2eForward(t, c)
				require.Equal(t, c.DType, loss.DType().String())
				require.Equal(t, 0, loss.NDim(), "loss shape %v", loss.Shape())
				e2eCompare(t, "loss", []float64{loss.Item()}, []float64{c.Loss}, rtol, atol)
				loss.Backward()

				require.Len(t, c.Grads, len(c.Inputs), "a gradient for every leaf")
				for _, k := range slices.Sorted(maps.Keys(c.Grads)) {
					want := c.Grads[k]
					v := p[k]
					require.NotNil(t, v, "leaf %s", k)
					g := v.Grad()
					require.NotNil(t, g, "no gradient for %s", k)
					require.Equal(t, want.Shape, []int(g.Shape()), "gradient shape of %s", k)
					require.Equal(t, c.DType, g.DType().String(), "gradient dtype of %s", k)
					e2eCompare(t, "d loss / d "+k, g.Float64s(), want.Data, rtol, atol)
				}
			})
		}
	})
}

// TestE2ETorchEmbedRepeats checks the fixture exercises what it is meant to: token ids that
// repeat, within a time step and across steps, so that IndexSelect's backward has to add
// several rows into one, and ids that never occur, whose rows must get an exact zero.
func TestE2ETorchEmbedRepeats(t *testing.T) {
	c := e2eCaseNamed(t, e2eLoad(t), "lstm_embed/float64")
	tokens := e2eBuild(t, c.Ints["tokens"])
	B, T := c.Config.Batch, c.Config.Steps
	require.Equal(t, []int{B, T}, []int(tokens.Shape()))
	ids := tokens.Int64s()
	count := map[int64]int{}
	repeatInStep := false
	for s := range T {
		seen := map[int64]bool{}
		for b := range B {
			id := ids[b*T+s]
			count[id]++
			repeatInStep = repeatInStep || seen[id]
			seen[id] = true
		}
	}
	assert.True(t, repeatInStep, "an id repeated within one time step")
	assert.GreaterOrEqual(t, slices.Max(slices.Collect(maps.Values(count))), 3, "an id used three times or more")

	p, loss := e2eForward(t, c)
	loss.Backward()
	g := p["embedding"].Grad()
	I := c.Config.Input
	rows := g.Float64s()
	for id := range int64(c.Config.Vocab) {
		row := rows[int(id)*I : int(id+1)*I]
		if count[id] == 0 {
			assert.Equal(t, make([]float64, I), row, "row %d of an unused id", id)
		} else {
			assert.NotEqual(t, make([]float64, I), row, "row %d of a used id", id)
		}
	}
}

// TestE2EGradCheckLSTM runs GradCheck on a scaled-down version of the unrolled cell: batch 2,
// input 3, hidden 2, three steps, with the final h and c as the output, differentiated with
// respect to the inputs, the initial state and all four weights.
func TestE2EGradCheckLSTM(t *testing.T) {
	eachDevice(t, func(t *testing.T) {
		const T, B, I, H = 3, 2, 3, 2
		r := tensor.NewRNG(7)
		inputs := []*tensor.Tensor{
			r.Normal(tensor.Shape{T, B, I}, 0, 1, tensor.Float64, tensor.On(testDevice)),        // x
			r.Normal(tensor.Shape{B, H}, 0, 0.5, tensor.Float64, tensor.On(testDevice)),         // h0
			r.Normal(tensor.Shape{B, H}, 0, 0.5, tensor.Float64, tensor.On(testDevice)),         // c0
			r.Uniform(tensor.Shape{4 * H, I}, -0.7, 0.7, tensor.Float64, tensor.On(testDevice)), // weight_ih
			r.Uniform(tensor.Shape{4 * H, H}, -0.7, 0.7, tensor.Float64, tensor.On(testDevice)), // weight_hh
			r.Uniform(tensor.Shape{4 * H}, -0.7, 0.7, tensor.Float64, tensor.On(testDevice)),    // bias_ih
			r.Uniform(tensor.Shape{4 * H}, -0.7, 0.7, tensor.Float64, tensor.On(testDevice)),    // bias_hh
		}
		f := func(xs ...*Value) *Value {
			h, c := xs[1], xs[2]
			for s := range T {
				h, c = e2eLSTMStep(xs[3], xs[4], xs[5], xs[6], xs[0].Select(0, s), h, c)
			}
			return Cat([]*Value{h, c}, 1)
		}
		require.NoError(t, GradCheck(f, inputs, nil))

		// The check can fail: a backward that drops the forget-gate path through c is caught.
		broken := func(xs ...*Value) *Value {
			h, c := xs[1], xs[2]
			for s := range T {
				var cNew *Value
				h, cNew = e2eLSTMStep(xs[3], xs[4], xs[5], xs[6], xs[0].Select(0, s), h, c.Detach())
				c = cNew
			}
			return Cat([]*Value{h, c}, 1)
		}
		var gcErr *GradCheckError
		require.ErrorAs(t, GradCheck(broken, inputs, nil), &gcErr)
	})
}

// TestE2EGradCheckEmbedLSTM runs GradCheck through an embedding lookup with repeated ids
// feeding two steps of the cell, with respect to the table and the weights.
func TestE2EGradCheckEmbedLSTM(t *testing.T) {
	eachDevice(t, func(t *testing.T) {
		const V, T, B, I, H = 5, 2, 2, 3, 2
		tokens := onDev(tensor.From([]int64{1, 3, 1, 1}, B, T)) // id 1 three times, twice in step 0
		r := tensor.NewRNG(11)
		inputs := []*tensor.Tensor{
			r.Normal(tensor.Shape{V, I}, 0, 1, tensor.Float64, tensor.On(testDevice)),
			r.Uniform(tensor.Shape{4 * H, I}, -0.7, 0.7, tensor.Float64, tensor.On(testDevice)),
			r.Uniform(tensor.Shape{4 * H, H}, -0.7, 0.7, tensor.Float64, tensor.On(testDevice)),
			r.Uniform(tensor.Shape{4 * H}, -0.7, 0.7, tensor.Float64, tensor.On(testDevice)),
		}
		f := func(xs ...*Value) *Value {
			emb := xs[0].IndexSelect(0, tokens) // [B, T, I]
			z := Const(tensor.Zeros(tensor.Shape{B, H}, tensor.Float64, tensor.On(testDevice)))
			h, c := z, z
			for s := range T {
				// One bias vector serves as both b_ih and b_hh: a leaf used twice per step.
				h, c = e2eLSTMStep(xs[1], xs[2], xs[3], xs[3], emb.Select(1, s), h, c)
			}
			return h
		}
		require.NoError(t, GradCheck(f, inputs, nil))
	})
}

// TestE2EFloat32MatchesFloat64 runs the float32 MLP case and the float64 one on the same
// (float32-rounded) inputs through godl alone, a check independent of torch's float32
// rounding: the two differ by no more than the float32 tolerance.
func TestE2EFloat32MatchesFloat64(t *testing.T) {
	f := e2eLoad(t)
	for _, name := range []string{"mlp/tanh-gelu/mean/ls0.0/float32", "mlp/tanh-relu/sum/ls0.1/float32"} {
		t.Run(name, func(t *testing.T) {
			c32 := e2eCaseNamed(t, f, name)
			c64 := c32
			c64.DType = "float64"
			c64.Inputs = map[string]e2eTensor{}
			for k, s := range c32.Inputs {
				s.DType = "float64" // the same values, widened exactly
				c64.Inputs[k] = s
			}
			p32, l32 := e2eForward(t, c32)
			p64, l64 := e2eForward(t, c64)
			e2eCompare(t, "loss", []float64{l32.Item()}, []float64{l64.Item()}, e2eF32Rtol, e2eF32Atol)
			l32.Backward()
			l64.Backward()
			for k := range c32.Inputs {
				e2eCompare(t, fmt.Sprintf("d loss / d %s", k), p32[k].Grad().Float64s(), p64[k].Grad().Float64s(), e2eF32Rtol, e2eF32Atol)
			}
		})
	}
}
