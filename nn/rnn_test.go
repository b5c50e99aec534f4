package nn

import (
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/tensortest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rnnParams are the generator's description of a recurrent case.
type rnnParams struct {
	Mode          string
	Input, Hidden int
	Layers        int
	Bidirectional bool
	BatchFirst    bool `json:"batch_first"`
	Bias          bool
	Nonlinearity  string
	Lengths       []int
	H0, C0        bool
	Unbatched     bool
}

// rnnModule builds the godl layer a case describes, and its forward pass.
func rnnModule(t *testing.T, c fxCase) (Module, func(map[string]*autograd.Value) []*autograd.Value) {
	var p rnnParams
	c.params(t, &p)
	opt := RNNOptions{Layers: p.Layers, Bidirectional: p.Bidirectional, BatchFirst: p.BatchFirst,
		NoBias: !p.Bias, ReLU: p.Nonlinearity == "relu", Init: Init{DType: c.dtype()}}
	switch p.Mode {
	case "lstm":
		m := NewLSTM(p.Input, p.Hidden, opt)
		return m, func(in map[string]*autograd.Value) []*autograd.Value {
			out, h, cc := m.Forward(in["x"], in["h0"], in["c0"], p.Lengths)
			return []*autograd.Value{out, h, cc}
		}
	case "gru":
		m := NewGRU(p.Input, p.Hidden, opt)
		return m, func(in map[string]*autograd.Value) []*autograd.Value {
			out, h := m.Forward(in["x"], in["h0"], p.Lengths)
			return []*autograd.Value{out, h}
		}
	default:
		m := NewRNN(p.Input, p.Hidden, opt)
		return m, func(in map[string]*autograd.Value) []*autograd.Value {
			out, h := m.Forward(in["x"], in["h0"], p.Lengths)
			return []*autograd.Value{out, h}
		}
	}
}

// TestRecurrentMatchesTorch runs every case of testdata/rnn.json: LSTM, GRU and RNN with
// stacked and bidirectional layers, batch first or not, initial states, and variable lengths
// in any order, against PyTorch's packed sequences. It runs each case with the CPU's fused
// cell and with the cell composed from primitives.
func TestRecurrentMatchesTorch(t *testing.T) {
	for _, composed := range []bool{false, true} {
		name := "fused"
		if composed {
			name = "composed"
		}
		t.Run(name, func(t *testing.T) {
			defer tensor.SetComposedRNNCells(tensor.SetComposedRNNCells(composed))
			for _, c := range fxLoad(t, "rnn.json") {
				t.Run(c.Name, func(t *testing.T) {
					m, fwd := rnnModule(t, c)
					fxRun(t, c, m, func(in map[string]*autograd.Value, _, _ map[string]*tensor.Tensor) []*autograd.Value {
						return fwd(in)
					})
				})
			}
		})
	}
}

// TestRecurrentGradChecks checks every recurrent mode's gradients with finite differences in
// float64: stacked, bidirectional, with initial states and variable lengths in any order.
func TestRecurrentGradChecks(t *testing.T) {
	const T, B, I, H = 4, 3, 2, 3
	r := tensor.NewRNG(21)
	x := r.Normal(tensor.Shape{T, B, I}, 0, 1, tensor.Float64)
	h0 := r.Normal(tensor.Shape{4, B, H}, 0, 0.5, tensor.Float64)
	c0 := r.Normal(tensor.Shape{4, B, H}, 0, 0.5, tensor.Float64)
	// Variable lengths, and full batches (whose backward reads the outputs as the previous
	// hidden states) with and without initial states.
	for _, cs := range []struct {
		name    string
		lengths []int
		states  bool
	}{{"lengths", []int{2, 4, 3}, true}, {"full", nil, true}, {"full-no-states", nil, false}} {
		lengths := cs.lengths
		t.Run(cs.name, func(t *testing.T) { gradCheckRecurrent(t, x, h0, c0, lengths, cs.states) })
	}
}

func gradCheckRecurrent(t *testing.T, x, h0, c0 *tensor.Tensor, lengths []int, states bool) {
	const I, H = 2, 3
	for _, mode := range []string{"lstm", "gru", "rnn-tanh", "rnn-relu"} {
		t.Run(mode, func(t *testing.T) {
			opt := RNNOptions{Layers: 2, Bidirectional: true, ReLU: mode == "rnn-relu",
				Init: Init{DType: tensor.Float64, RNG: tensor.NewRNG(22)}}
			var rec *recurrent
			var run func(x, h0, c0 *autograd.Value) []*autograd.Value
			switch mode {
			case "lstm":
				l := NewLSTM(I, H, opt)
				rec, run = &l.recurrent, func(x, h0, c0 *autograd.Value) []*autograd.Value {
					o, h, c := l.Forward(x, h0, c0, lengths)
					return []*autograd.Value{o, h, c}
				}
			case "gru":
				g := NewGRU(I, H, opt)
				rec, run = &g.recurrent, func(x, h0, _ *autograd.Value) []*autograd.Value {
					o, h := g.Forward(x, h0, lengths)
					return []*autograd.Value{o, h}
				}
			default:
				n := NewRNN(I, H, opt)
				rec, run = &n.recurrent, func(x, h0, _ *autograd.Value) []*autograd.Value {
					o, h := n.Forward(x, h0, lengths)
					return []*autograd.Value{o, h}
				}
			}
			// Every weight and bias, by pointer, so that the check's leaves can take their place.
			var slots []**autograd.Value
			for l := range rec.Weights {
				for d := range rec.Weights[l] {
					w := &rec.Weights[l][d]
					slots = append(slots, &w.WIh, &w.WHh, &w.BIh, &w.BHh)
				}
			}
			inputs := []*tensor.Tensor{x, h0, c0}
			for _, s := range slots {
				inputs = append(inputs, (*s).Data().Clone())
			}
			f := func(xs ...*autograd.Value) *autograd.Value {
				for i, s := range slots {
					*s = xs[3+i]
				}
				var outs []*autograd.Value
				if states {
					outs = run(xs[0], xs[1], xs[2])
				} else {
					outs = run(xs[0], nil, nil)
					total := xs[1].Sum().MulScalar(0).Add(xs[2].Sum().MulScalar(0)) // unused states: zero gradient
					for _, o := range outs {
						total = total.Add(o.Sin().Sum())
					}
					return total
				}
				// One scalar from every output, weighted so that no gradient cancels.
				total := outs[0].Tanh().Sum()
				for k, o := range outs[1:] {
					total = total.Add(o.MulScalar(float64(k + 2)).Sin().Sum())
				}
				return total
			}
			require.NoError(t, autograd.GradCheck(f, inputs, nil))
		})
	}
}

// TestRecurrentOnAQueuedDevice trains a bidirectional LSTM with lengths on a device that
// queues every kernel: the results equal the CPU's, and no step makes the host wait.
func TestRecurrentOnAQueuedDevice(t *testing.T) {
	dev := tensortest.Lazy(nil)
	build := func() *LSTM {
		return NewLSTM(3, 4, RNNOptions{Layers: 2, Bidirectional: true, BatchFirst: true, Init: Init{RNG: tensor.NewRNG(5)}})
	}
	x := tensor.NewRNG(6).Normal(tensor.Shape{3, 5, 3}, 0, 1)
	lengths := []int{2, 5, 4}
	step := func(m *LSTM, x *tensor.Tensor) (float64, []float32) {
		out, h, c := m.Forward(autograd.Const(x), nil, nil, lengths)
		loss := out.Square().Sum().Add(h.Sum()).Add(c.Sum())
		loss.Backward()
		return loss.Item(), m.Weights[1][1].WIh.Grad().Float32s()
	}
	cpu := build()
	wantLoss, wantGrad := step(cpu, x)
	lazy := To(build(), dev)
	xd := x.To(dev)
	tensor.SyncDevice(dev)
	before := tensortest.Syncs(dev)
	out, h, c := lazy.Forward(autograd.Const(xd), nil, nil, lengths)
	loss := out.Square().Sum().Add(h.Sum()).Add(c.Sum())
	loss.Backward()
	require.Equal(t, before, tensortest.Syncs(dev), "the forward and backward passes waited for the device")
	assert.InDelta(t, wantLoss, loss.Item(), 1e-4*math.Abs(wantLoss))
	assert.InDeltaSlice(t, wantGrad, lazy.Weights[1][1].WIh.Grad().Float32s(), 1e-5)
}

// TestRecurrentInferenceFromManyGoroutines evaluates one LSTM from several goroutines at once
// (run it under -race): in evaluation mode with inputs in no-grad mode, nothing is recorded
// and every goroutine gets the serial result.
func TestRecurrentInferenceFromManyGoroutines(t *testing.T) {
	m := Eval(NewLSTM(4, 6, RNNOptions{Layers: 2, Dropout: 0.5, Bidirectional: true}))
	inputs := make([]*tensor.Tensor, 4)
	want := make([][]float32, 4)
	for i := range inputs {
		inputs[i] = tensor.NewRNG(uint64(10+i)).Normal(tensor.Shape{7, 3, 4}, 0, 1)
		out, _, _ := m.Forward(autograd.Const(inputs[i]).NoGrad(), nil, nil, []int{7, 3, 5})
		want[i] = out.Data().Float32s()
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rep := range 5 {
				i := (g + rep) % 4
				out, h, c := m.Forward(autograd.Const(inputs[i]).NoGrad(), nil, nil, []int{7, 3, 5})
				if !out.IsNoGrad() || out.RequiresGrad() || !h.IsNoGrad() || !c.IsNoGrad() {
					errs <- "inference recorded a graph"
					return
				}
				if !slices.Equal(want[i], out.Data().Float32s()) {
					errs <- "a concurrent result differs from the serial one"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for _, p := range Parameters(m) {
		assert.Nil(t, p.Grad())
	}
}

// TestRecurrentDropoutBetweenLayers checks that the dropout between layers acts in training
// mode only, and never after the last layer.
func TestRecurrentDropoutBetweenLayers(t *testing.T) {
	x := autograd.Const(tensor.NewRNG(1).Normal(tensor.Shape{5, 2, 3}, 0, 1))
	m := NewGRU(3, 4, RNNOptions{Layers: 2, Dropout: 0.5, DropoutRNG: tensor.NewRNG(2), Init: Init{RNG: tensor.NewRNG(3)}})
	a, _ := m.Forward(x, nil, nil)
	b, _ := m.Forward(x, nil, nil)
	assert.NotEqual(t, a.Data().Float32s(), b.Data().Float32s(), "different masks in training mode")
	Eval(m)
	c, _ := m.Forward(x, nil, nil)
	d, _ := m.Forward(x, nil, nil)
	assert.Equal(t, c.Data().Float32s(), d.Data().Float32s(), "no dropout in evaluation mode")
	one := NewGRU(3, 4, RNNOptions{Dropout: 0.9, Init: Init{RNG: tensor.NewRNG(3)}})
	e, _ := one.Forward(x, nil, nil)
	f, _ := one.Forward(x, nil, nil)
	assert.Equal(t, e.Data().Float32s(), f.Data().Float32s(), "a single layer has no dropout to apply")
}

func TestRecurrentErrors(t *testing.T) {
	m := NewLSTM(3, 4, RNNOptions{Layers: 2})
	x := autograd.Const(tensor.Zeros(tensor.Shape{5, 2, 3}))
	for _, c := range []struct {
		want string
		fn   func()
	}{
		{"nn.LSTM: input of shape [5 2 4] does not end in 3 features", func() { m.Forward(autograd.Const(tensor.Zeros(tensor.Shape{5, 2, 4})), nil, nil, nil) }},
		{"nn.LSTM: input of shape [5]: want [T, B, 3] (or [B, T, 3] batch first, or [T, 3] unbatched)", func() { m.Forward(autograd.Const(tensor.Zeros(tensor.Shape{5})), nil, nil, nil) }},
		{"nn.LSTM: initial state of shape [1 2 4], want [2 2 4]", func() { m.Forward(x, autograd.Const(tensor.Zeros(tensor.Shape{1, 2, 4})), nil, nil) }},
		{"nn.LSTM: 3 lengths for a batch of 2", func() { m.Forward(x, nil, nil, []int{1, 2, 3}) }},
		{"nn.LSTM: length 6 of sequence 0 outside [0, 5]", func() { m.Forward(x, nil, nil, []int{6, 2}) }},
		{"nn.LSTM: nil input", func() { m.Forward(nil, nil, nil, nil) }},
		{"nn.GRU: a cell state is an LSTM's only", func() {
			g := NewGRU(3, 4, RNNOptions{})
			g.run("nn.GRU", x, nil, autograd.Const(tensor.Zeros(tensor.Shape{1, 2, 4})), nil)
		}},
		{"nn.NewLSTM: sizes must be positive: input 0, hidden 4", func() { NewLSTM(0, 4, RNNOptions{}) }},
		{"nn.NewGRU: dropout 2 outside [0, 1]", func() { NewGRU(2, 4, RNNOptions{Dropout: 2}) }},
	} {
		err := tensor.Maybe(c.fn)
		if assert.Error(t, err, c.want) {
			assert.Equal(t, c.want, err.Error())
		}
	}
	// The state_dict keys are PyTorch's.
	keys := StateDictKeys(NewGRU(2, 3, RNNOptions{Bidirectional: true}))
	assert.Equal(t, []string{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
		"weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"}, keys)
}

// A full batch's backward pass reads the LSTM's outputs as the previous hidden states: writing
// the output in place before Backward is caught, not silently wrong.
func TestRecurrentOutputWrittenInPlace(t *testing.T) {
	m := NewLSTM(3, 4, RNNOptions{Init: Init{RNG: tensor.NewRNG(5)}})
	x := autograd.Const(tensor.NewRNG(6).Normal(tensor.Shape{5, 2, 3}, 0, 1))
	out, _, _ := m.Forward(x, nil, nil, nil)
	loss := out.Sum()
	out.Data().AddScalarInPlace(1)
	err := tensor.Maybe(func() { loss.Backward() })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "modified in place")
	// With lengths the outputs are a padded copy and are not read: the same write is harmless.
	out, _, _ = m.Forward(x, nil, nil, []int{5, 3})
	loss = out.Sum()
	out.Data().AddScalarInPlace(1)
	require.NoError(t, tensor.Maybe(func() { loss.Backward() }))
	assert.NotNil(t, m.Weights[0][0].WHh.Grad())
}
