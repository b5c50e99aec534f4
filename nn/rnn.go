package nn

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// RNNOptions configures NewLSTM, NewGRU and NewRNN. The zero value gives PyTorch's defaults:
// one layer, one direction, inputs [T, B, I], biases, no dropout.
type RNNOptions struct {
	Layers        int     // number of stacked layers; 1 when 0
	Bidirectional bool    // a second direction per layer, run from each sequence's end
	BatchFirst    bool    // inputs and outputs are [B, T, ...] instead of [T, B, ...]
	Dropout       float64 // dropout on the outputs of every layer but the last, in training mode
	NoBias        bool    // no biases (PyTorch's bias=False)
	ReLU          bool    // NewRNN only: max(x, 0) instead of tanh (nonlinearity="relu")
	DropoutRNG    *tensor.RNG
	Init
}

// recurrent is what LSTM, GRU and RNN share: the weights of every layer and direction, in
// PyTorch's layout and names.
type recurrent struct {
	Mode          tensor.RNNMode
	Input         int
	Hidden        int
	Layers        int
	Bidirectional bool
	BatchFirst    bool
	Dropout       float64
	// Weights[l][d] are layer l's weights in direction d (0 forward, 1 reverse).
	Weights  [][]RNNWeights
	dropRNG  *tensor.RNG
	training bool
}

// RNNWeights are the parameters of one direction of one layer: WIh [G·H, I], WHh [G·H, H] and
// the biases BIh, BHh [G·H] (nil without bias), G the number of gates (LSTM 4: i, f, g, o;
// GRU 3: r, z, n; RNN 1).
type RNNWeights struct {
	WIh, WHh, BIh, BHh *autograd.Value
}

func newRecurrent(op string, mode tensor.RNNMode, input, hidden int, opt RNNOptions) recurrent {
	if input < 1 || hidden < 1 {
		panicf(op, "sizes must be positive: input %d, hidden %d", input, hidden)
	}
	if opt.Layers < 0 {
		panicf(op, "negative number of layers %d", opt.Layers)
	}
	if !(opt.Dropout >= 0 && opt.Dropout <= 1) {
		panicf(op, "dropout %g outside [0, 1]", opt.Dropout)
	}
	r := recurrent{Mode: mode, Input: input, Hidden: hidden, Layers: max(opt.Layers, 1),
		Bidirectional: opt.Bidirectional, BatchFirst: opt.BatchFirst, Dropout: opt.Dropout,
		dropRNG: opt.DropoutRNG, training: true}
	G := mode.Gates()
	for l := range r.Layers {
		in := input
		if l > 0 {
			in = hidden * r.dirs()
		}
		var ws []RNNWeights
		for range r.dirs() {
			w := RNNWeights{WIh: opt.param(op, G*hidden, in), WHh: opt.param(op, G*hidden, hidden)}
			if !opt.NoBias {
				w.BIh, w.BHh = opt.param(op, G*hidden), opt.param(op, G*hidden)
			}
			ws = append(ws, w)
		}
		r.Weights = append(r.Weights, ws)
	}
	r.Reset(opt.rng())
	return r
}

func (r *recurrent) dirs() int {
	if r.Bidirectional {
		return 2
	}
	return 1
}

// Reset draws every weight and bias from U(-1/√H, 1/√H), as PyTorch does.
func (r *recurrent) Reset(rng *tensor.RNG) {
	k := 1 / math.Sqrt(float64(r.Hidden))
	for _, ws := range r.Weights {
		for _, w := range ws {
			for _, v := range []*autograd.Value{w.WIh, w.WHh, w.BIh, w.BHh} {
				if v != nil {
					Uniform(v, -k, k, rng)
				}
			}
		}
	}
}

// Members lists weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then the reverse
// direction's with the suffix _reverse, then the next layer's: PyTorch's state_dict keys.
func (r *recurrent) Members() []Member {
	var out []Member
	for l, ws := range r.Weights {
		for d, w := range ws {
			suffix := fmt.Sprintf("_l%d", l)
			if d == 1 {
				suffix += "_reverse"
			}
			out = append(out, Param("weight_ih"+suffix, w.WIh), Param("weight_hh"+suffix, w.WHh),
				Param("bias_ih"+suffix, w.BIh), Param("bias_hh"+suffix, w.BHh))
		}
	}
	return out
}

// SetTraining switches the dropout between layers on (training) or off.
func (r *recurrent) SetTraining(on bool) { r.training = on }

// run is the forward pass shared by the three layers; c0 and the returned cN are nil except
// for the LSTM.
func (r *recurrent) run(op string, x, h0, c0 *autograd.Value, lengths []int) (out, hN, cN *autograd.Value) {
	if x == nil {
		panicf(op, "nil input")
	}
	unbatched := x.NDim() == 2
	if x.NDim() != 3 && !unbatched {
		panicf(op, "input of shape %v: want [T, B, %d] (or [B, T, %d] batch first, or [T, %d] unbatched)", x.Shape(), r.Input, r.Input, r.Input)
	}
	if x.Size(-1) != r.Input {
		panicf(op, "input of shape %v does not end in %d features", x.Shape(), r.Input)
	}
	if unbatched {
		if lengths != nil {
			panicf(op, "lengths given for an unbatched input")
		}
		x = x.Unsqueeze(1)
		h0, c0 = unsqueezeState(h0), unsqueezeState(c0)
	} else if r.BatchFirst {
		x = x.Transpose(0, 1)
	}
	T, B := x.Size(0), x.Size(1)
	L, D, H := r.Layers, r.dirs(), r.Hidden
	for _, s := range []*autograd.Value{h0, c0} {
		if s != nil && !s.Shape().Equal(tensor.Shape{L * D, B, H}) {
			panicf(op, "initial state of shape %v, want [%d %d %d]", s.Shape(), L*D, B, H)
		}
	}
	if c0 != nil && r.Mode != tensor.LSTM {
		panicf(op, "a cell state is an LSTM's only")
	}

	// Sort the batch by decreasing length, as packed sequences are; undo it at the end.
	var perm, inv *tensor.Tensor
	if lengths != nil {
		if len(lengths) != B {
			panicf(op, "%d lengths for a batch of %d", len(lengths), B)
		}
		order := make([]int, B)
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return lengths[order[a]] > lengths[order[b]] })
		if !slices.IsSorted(order) {
			p, q := make([]int64, B), make([]int64, B)
			sorted := make([]int, B)
			for i, o := range order {
				p[i], q[o] = int64(o), int64(i)
				sorted[i] = lengths[o]
			}
			dev := x.Data().Device()
			perm, inv = tensor.From(p).To(dev), tensor.From(q).To(dev)
			lengths = sorted
			x = x.IndexSelect(1, perm)
			if h0 != nil {
				h0 = h0.IndexSelect(1, perm)
			}
			if c0 != nil {
				c0 = c0.IndexSelect(1, perm)
			}
		}
		for i, l := range lengths {
			if l < 0 || l > T {
				panicf(op, "length %d of sequence %d outside [0, %d]", l, i, T)
			}
		}
	}

	var hs, cs []*autograd.Value
	in := x
	for l, ws := range r.Weights {
		var ys []*autograd.Value
		for d, w := range ws {
			k := l*D + d
			h, c := stateAt(h0, k), stateAt(c0, k)
			fn := &rnnFn{mode: r.Mode, reverse: d == 1, lengths: lengths, bias: w.BIh != nil, hasH0: h != nil, hasC0: c != nil}
			outs := autograd.Apply(fn, rnnInputs(in, w, h, c)...)
			ys = append(ys, outs[0])
			hs = append(hs, outs[1])
			if r.Mode == tensor.LSTM {
				cs = append(cs, outs[2])
			}
		}
		in = ys[0]
		if D == 2 {
			in = autograd.Cat(ys, 2)
		}
		if l < L-1 && r.Dropout > 0 && r.training {
			in = autograd.Dropout(in, r.Dropout, true, orDefault(r.dropRNG))
		}
	}
	out, hN = in, autograd.Stack(hs, 0)
	if cs != nil {
		cN = autograd.Stack(cs, 0)
	}
	if inv != nil {
		out = out.IndexSelect(1, inv)
		hN = hN.IndexSelect(1, inv)
		if cN != nil {
			cN = cN.IndexSelect(1, inv)
		}
	}
	switch {
	case unbatched:
		out, hN = out.Squeeze(1), hN.Squeeze(1)
		if cN != nil {
			cN = cN.Squeeze(1)
		}
	case r.BatchFirst:
		out = out.Transpose(0, 1)
	}
	return out, hN, cN
}

func unsqueezeState(s *autograd.Value) *autograd.Value {
	if s == nil {
		return nil
	}
	return s.Unsqueeze(1)
}

func stateAt(s *autograd.Value, k int) *autograd.Value {
	if s == nil {
		return nil
	}
	return s.Select(0, k)
}

// rnnInputs lists the inputs of one layer-direction's operation: x, the weights, and the
// biases and initial states that exist, in that order (rnnFn's flags say which).
func rnnInputs(x *autograd.Value, w RNNWeights, h0, c0 *autograd.Value) []*autograd.Value {
	ins := []*autograd.Value{x, w.WIh, w.WHh}
	if w.BIh != nil {
		ins = append(ins, w.BIh, w.BHh)
	}
	ins = append(ins, h0, c0)
	out := ins[:0]
	for _, v := range ins {
		if v != nil {
			out = append(out, v)
		}
	}
	return out
}

// rnnFn is one direction of one recurrent layer over the whole sequence, as one
// differentiable operation: tensor.RNNForward forward and tensor.RNNBackward backward.
type rnnFn struct {
	mode         tensor.RNNMode
	reverse      bool
	lengths      []int
	bias         bool
	hasH0, hasC0 bool
	seq          *tensor.RNNSequence
}

func (f *rnnFn) Forward(ctx *autograd.Context, in []*tensor.Tensor) []*tensor.Tensor {
	w := tensor.RNNWeights{WIh: in[1], WHh: in[2]}
	rest := in[3:]
	if f.bias {
		w.BIh, w.BHh, rest = rest[0], rest[1], rest[2:]
	}
	var h0, c0 *tensor.Tensor
	if f.hasH0 {
		h0, rest = rest[0], rest[1:]
	}
	if f.hasC0 {
		c0 = rest[0]
	}
	y, hN, cN, seq := tensor.RNNForward(f.mode, in[0], w, h0, c0, f.lengths, f.reverse, ctx.Recording())
	if seq != nil {
		f.seq = seq
		ctx.SaveForBackward(in[1], in[2])
		if seq.ReadsOutput() {
			ctx.SaveForBackward(y) // an in-place write to the output before backward is caught
		}
		ctx.ReleaseWithGraph(seq.Temporaries()...)
	}
	if cN != nil {
		return []*tensor.Tensor{y, hN, cN}
	}
	return []*tensor.Tensor{y, hN}
}

func (f *rnnFn) Backward(ctx *autograd.Context, g []*tensor.Tensor) []*tensor.Tensor {
	var dcN *tensor.Tensor
	if len(g) > 2 {
		dcN = g[2]
	}
	gr := tensor.RNNBackward(f.seq, g[0], g[1], dcN)
	out := []*tensor.Tensor{gr.X, gr.WIh, gr.WHh}
	if f.bias {
		out = append(out, gr.BIh, gr.BHh)
	}
	if f.hasH0 {
		out = append(out, gr.H0)
	}
	if f.hasC0 {
		out = append(out, gr.C0)
	}
	return out
}

// LSTM is a multi-layer long short-term memory network, like torch.nn.LSTM: gates i, f, g, o;
// each layer and direction runs over the whole sequence as one operation (see
// tensor.RNNForward).
type LSTM struct{ recurrent }

// NewLSTM returns an LSTM from input features to hidden units. It panics for sizes below 1 or
// options out of range.
func NewLSTM(input, hidden int, opt RNNOptions) *LSTM {
	return &LSTM{newRecurrent("nn.NewLSTM", tensor.LSTM, input, hidden, opt)}
}

// Forward runs the LSTM over x, [T, B, I] ([B, T, I] with BatchFirst; [T, I] for one
// sequence), from the initial states h0 and c0 [layers·directions, B, H] (zeros when nil), and
// returns the output [T, B, directions·H] (batch first if so configured) and the final states
// hN and cN [layers·directions, B, H]. With lengths (one per sequence, any order), each
// sequence stops after its own length: its output past the end is zero, its final states are
// those at its last step, and those steps cost nothing, as with PyTorch's packed sequences.
// When x is in no-grad mode nothing is recorded.
func (m *LSTM) Forward(x, h0, c0 *autograd.Value, lengths []int) (out, hN, cN *autograd.Value) {
	return m.run("nn.LSTM", x, h0, c0, lengths)
}

// GRU is a multi-layer gated recurrent unit network, like torch.nn.GRU: gates r, z, n, with
// n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)).
type GRU struct{ recurrent }

// NewGRU returns a GRU from input features to hidden units.
func NewGRU(input, hidden int, opt RNNOptions) *GRU {
	return &GRU{newRecurrent("nn.NewGRU", tensor.GRU, input, hidden, opt)}
}

// Forward runs the GRU as LSTM.Forward does, without a cell state.
func (m *GRU) Forward(x, h0 *autograd.Value, lengths []int) (out, hN *autograd.Value) {
	out, hN, _ = m.run("nn.GRU", x, h0, nil, lengths)
	return out, hN
}

// RNN is a multi-layer Elman network, like torch.nn.RNN: h = tanh(W_ih·x + b_ih + W_hh·h +
// b_hh), or with ReLU.
type RNN struct{ recurrent }

// NewRNN returns an RNN from input features to hidden units (tanh, or ReLU with opt.ReLU).
func NewRNN(input, hidden int, opt RNNOptions) *RNN {
	mode := tensor.RNNTanh
	if opt.ReLU {
		mode = tensor.RNNReLU
	}
	return &RNN{newRecurrent("nn.NewRNN", mode, input, hidden, opt)}
}

// Forward runs the RNN as LSTM.Forward does, without a cell state.
func (m *RNN) Forward(x, h0 *autograd.Value, lengths []int) (out, hN *autograd.Value) {
	out, hN, _ = m.run("nn.RNN", x, h0, nil, lengths)
	return out, hN
}
