package nn

import (
	"errors"
	"fmt"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/tensortest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tiedModel shares its embedding table with its output layer (weight tying), and has a
// buffer and a dropout.
type tiedModel struct {
	Emb   *Embedding
	Drop  *Dropout
	Out   *Linear
	Count *autograd.Value
}

func newTied() *tiedModel {
	m := &tiedModel{
		Emb:   NewEmbedding(7, 4, EmbeddingOptions{}),
		Drop:  NewDropout(0.5, nil),
		Out:   NewLinear(4, 7, LinearOptions{}),
		Count: autograd.Const(tensor.Zeros(tensor.Shape{1})),
	}
	m.Out.Weight = m.Emb.Weight // tied
	return m
}

func (m *tiedModel) Members() []Member {
	return []Member{Child("embedding", m.Emb), Child("drop", m.Drop), Child("out", m.Out), Buffer("count", m.Count)}
}

func TestModuleListing(t *testing.T) {
	m := newTied()
	assert.Equal(t, []string{"embedding.weight", "out.weight", "out.bias", "count"}, StateDictKeys(m))
	named := NamedValues(m)
	var names []string
	for _, n := range named {
		names = append(names, n.Name)
	}
	assert.Equal(t, []string{"embedding.weight", "out.bias", "count"}, names, "a shared value is listed once, under its first name")
	ps := Parameters(m)
	require.Len(t, ps, 2)
	assert.Same(t, m.Emb.Weight, ps[0])
	assert.Same(t, m.Out.Bias, ps[1])
	assert.Equal(t, 7*4+7, NumParams(m))
	sd := StateDict(m)
	assert.Same(t, sd["embedding.weight"], sd["out.weight"], "the state dict shows a tied tensor under both names")
	assert.Len(t, sd, 4)

	// A layer without bias lists no bias.
	assert.Equal(t, []string{"weight"}, StateDictKeys(NewLinear(2, 3, LinearOptions{NoBias: true})))
	// Nested Sequentials name their children by position.
	s := NewSequential(NewLinear(2, 3, LinearOptions{}), ReLU(), NewSequential(NewLinear(3, 1, LinearOptions{})))
	assert.Equal(t, []string{"0.weight", "0.bias", "2.0.weight", "2.0.bias"}, StateDictKeys(s))
}

func TestTrainReachesEveryChild(t *testing.T) {
	m := newTied()
	s := NewSequential(NewDropout(0.1, nil), NewSequential(NewDropout(0.2, nil)))
	assert.True(t, m.Drop.Training())
	Eval(m)
	assert.False(t, m.Drop.Training())
	Train(m, true)
	assert.True(t, m.Drop.Training())
	Eval(s)
	assert.False(t, s.Layers[0].(*Dropout).Training())
	assert.False(t, s.Layers[1].(*Sequential).Layers[0].(*Dropout).Training())
	// In evaluation mode dropout is the identity.
	x := autograd.Const(tensor.Ones(tensor.Shape{100}))
	assert.Equal(t, 100.0, s.Forward(x).Sum().Item())
}

func TestLoadStateDictKeepsIdentityAndReportsEveryProblem(t *testing.T) {
	m := newTied()
	src := newTied()
	Normal(src.Emb.Weight, 0, 1, tensor.NewRNG(9))
	Constant(src.Out.Bias, 0.5)
	Constant(src.Count, 3)
	w, b := m.Emb.Weight, m.Out.Bias
	require.NoError(t, LoadStateDict(m, StateDict(src), true))
	assert.Same(t, w, m.Emb.Weight, "parameters keep their identity")
	assert.Same(t, b, m.Out.Bias)
	assert.Equal(t, src.Emb.Weight.Data().Float32s(), m.Emb.Weight.Data().Float32s())
	assert.Equal(t, src.Out.Bias.Data().Float32s(), m.Out.Bias.Data().Float32s())
	assert.Equal(t, []float32{3}, m.Count.Data().Float32s())
	assert.False(t, m.Emb.Weight.Data().SharesStorage(src.Emb.Weight.Data()), "copied, not aliased")

	bad := map[string]*tensor.Tensor{
		"embedding.weight": tensor.Zeros(tensor.Shape{7, 5}),
		"out.bias":         tensor.Zeros(tensor.Shape{7}, tensor.Float64),
		"extra":            tensor.Zeros(tensor.Shape{1}),
		"zz":               tensor.Zeros(tensor.Shape{1}),
	}
	before := m.Emb.Weight.Data().Float32s()
	err := LoadStateDict(m, bad, true)
	var le *LoadError
	require.True(t, errors.As(err, &le))
	assert.Equal(t, []string{"out.weight", "count"}, le.Missing)
	assert.Equal(t, []string{"extra", "zz"}, le.Unexpected)
	assert.Equal(t, []string{
		"embedding.weight is float32 [7 5] in the state dict, float32 [7 4] in the model",
		"out.bias is float64 [7] in the state dict, float32 [7] in the model",
	}, le.Mismatched)
	assert.Equal(t, "nn: loading the state dict failed:\n\tmissing: out.weight, count\n\tunexpected: extra, zz\n\tmismatched: "+le.Mismatched[0]+"; "+le.Mismatched[1], err.Error())
	assert.Equal(t, before, m.Emb.Weight.Data().Float32s(), "nothing changed")

	// Non-strict loading skips missing and unexpected names, never mismatched ones.
	require.NoError(t, LoadStateDict(m, map[string]*tensor.Tensor{"count": tensor.Full(tensor.Shape{1}, 7), "other": tensor.Zeros(tensor.Shape{2})}, false))
	assert.Equal(t, []float32{7}, m.Count.Data().Float32s())
	require.Error(t, LoadStateDict(m, map[string]*tensor.Tensor{"count": tensor.Zeros(tensor.Shape{2})}, false))
}

func TestToMovesParametersInPlace(t *testing.T) {
	m := newTied()
	dev := tensortest.Lazy(nil)
	w := m.Emb.Weight
	want := w.Data().Float32s()
	To(m, dev)
	assert.Same(t, w, m.Emb.Weight)
	for _, n := range NamedValues(m) {
		assert.Equal(t, dev, n.Value.Data().Device(), n.Name)
	}
	assert.Equal(t, want, m.Emb.Weight.Data().Float32s())
	y := m.Out.Forward(m.Emb.Lookup(tensor.From([]int64{1, 2}).To(dev)))
	assert.Equal(t, tensor.Shape{2, 7}, y.Shape())
	y.Sum().Backward()
	assert.Equal(t, dev, m.Emb.Weight.Grad().Device())
	To(m, tensor.CPU)
	assert.Equal(t, tensor.CPU, m.Emb.Weight.Grad().Device(), "the gradient moves along")
}

func TestInitFunctions(t *testing.T) {
	rng := tensor.NewRNG(1)
	w := autograd.Param(tensor.Zeros(tensor.Shape{300, 200}, tensor.Float64))
	in, out := Fans(w.Shape())
	assert.Equal(t, 200, in)
	assert.Equal(t, 300, out)
	in, out = Fans(tensor.Shape{8, 4, 3})
	assert.Equal(t, 12, in)
	assert.Equal(t, 24, out)

	stat := func() (mean, std, lo, hi float64) {
		v := w.Data().Float64s()
		lo, hi = v[0], v[0]
		for _, x := range v {
			mean += x
			lo, hi = min(lo, x), max(hi, x)
		}
		mean /= float64(len(v))
		for _, x := range v {
			std += (x - mean) * (x - mean)
		}
		return mean, sqrt(std / float64(len(v))), lo, hi
	}
	XavierUniform(w, 1, rng)
	_, std, lo, hi := stat()
	a := sqrt(6.0 / 500)
	assert.InDelta(t, a/sqrt(3), std, 0.002)
	assert.GreaterOrEqual(t, lo, -a)
	assert.Less(t, hi, a)
	KaimingNormal(w, 0, FanIn, "relu", rng)
	_, std, _, _ = stat()
	// The sample standard deviation of n normal draws has a standard error of std/√(2n):
	// allow five of them.
	assert.InDelta(t, sqrt(2.0/200), std, 5*sqrt(2.0/200)/sqrt(2*60000))
	TruncNormal(w, 0.5, 1, -1, 1.5, rng)
	_, _, lo, hi = stat()
	assert.GreaterOrEqual(t, lo, -1.0)
	assert.LessOrEqual(t, hi, 1.5)
	Orthogonal(w, 2, rng)
	// Wide or tall, the rows (here 300 of 200 columns: the columns) are orthonormal × gain.
	m := tensor.MatMul(w.Data().T(), w.Data()) // [200 200] = 4·I
	v := m.Float64s()
	for i := range 200 {
		for j := range 200 {
			want := 0.0
			if i == j {
				want = 4
			}
			require.InDelta(t, want, v[i*200+j], 1e-9, "(%d,%d)", i, j)
		}
	}
	wide := autograd.Param(tensor.Zeros(tensor.Shape{3, 7}, tensor.Float64))
	Orthogonal(wide, 1, rng)
	m = tensor.MatMul(wide.Data(), wide.Data().T()) // [3 3] = I
	for i, x := range m.Float64s() {
		want := 0.0
		if i%4 == 0 {
			want = 1
		}
		require.InDelta(t, want, x, 1e-12)
	}
	assert.InDelta(t, 5.0/3, Gain("tanh", 0), 1e-15)
	assert.InDelta(t, sqrt(2/(1+0.01*0.01)), Gain("leaky_relu", 0), 1e-15)
	assert.Error(t, tensor.Maybe(func() { Gain("swish", 0) }))
	assert.Error(t, tensor.Maybe(func() { Fans(tensor.Shape{3}) }))
	assert.Error(t, tensor.Maybe(func() { Normal(autograd.Const(tensor.Zeros(tensor.Shape{2}, tensor.Int64)), 0, 1, nil) }))
}

func sqrt(x float64) float64 { return tensor.Scalar(x).Sqrt().Item() }

// ExampleModule builds a model from a struct of layers: listing its members is all it takes
// to get state_dict names, parameters, train/eval and device moves.
func ExampleModule() {
	Seed(1)
	m := &classifier{Emb: NewEmbedding(100, 8, EmbeddingOptions{}), FC: NewLinear(8, 3, LinearOptions{})}
	fmt.Println(StateDictKeys(m), NumParams(m))
	ids := tensor.From([]int64{4, 2, 9}, 1, 3)
	logits := m.Forward(autograd.Const(ids).NoGrad()) // inference: records no graph
	fmt.Println(logits.Shape(), logits.IsNoGrad())
	// Output:
	// [embedding.weight fc.weight fc.bias] 827
	// [1 3] true
}

type classifier struct {
	Emb *Embedding
	FC  *Linear
}

func (c *classifier) Members() []Member {
	return []Member{Child("embedding", c.Emb), Child("fc", c.FC)}
}

func (c *classifier) Forward(ids *autograd.Value) *autograd.Value {
	return c.FC.Forward(c.Emb.Forward(ids).Mean(1))
}
