package nn

import (
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
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
