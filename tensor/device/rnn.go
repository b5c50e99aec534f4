package device

import "strconv"

// RNNMode names a recurrent cell.
type RNNMode uint8

// The recurrent cells, with their gates in PyTorch's order.
const (
	RNNTanh RNNMode = iota // h = tanh(gi + gh)
	RNNReLU                // h = max(gi + gh, 0)
	LSTM                   // gates i, f, g, o
	GRU                    // gates r, z, n
)

var rnnModeNames = [...]string{"RNNTanh", "RNNReLU", "LSTM", "GRU"}

// String returns the mode's name, such as "LSTM".
func (m RNNMode) String() string {
	if int(m) < len(rnnModeNames) {
		return rnnModeNames[m]
	}
	return "RNNMode(" + strconv.Itoa(int(m)) + ")"
}

// Gates returns how many blocks of the hidden size the cell's projections hold: 4 for the
// LSTM, 3 for the GRU, 1 for the plain RNNs.
func (m RNNMode) Gates() int {
	switch m {
	case LSTM:
		return 4
	case GRU:
		return 3
	}
	return 1
}

// ActWidth returns how many blocks of the hidden size a step saves for the backward pass
// (RNNCellArgs.Act): the LSTM's four activations i, f, g, o; the GRU's r, z, n and the hidden
// part of n's pre-activation; the plain RNN's output h.
func (m RNNMode) ActWidth() int {
	switch m {
	case LSTM, GRU:
		return 4
	}
	return 1
}

// RNNCellArgs are the operands of one step of a recurrent cell for a batch of b rows and a
// hidden size H. Every operand is a [b, k·H] matrix (a vector [k·H] for Bhh); the ones a
// direction does not use are zero.
//
// Forward: Gi (input projection with its biases), Gh (hidden projection hPrev·Whhᵀ), HPrev,
// CPrev (LSTM), Bhh (GRU: the hidden bias, which r multiplies; may be absent) are read; Act,
// H and C (LSTM) are written.
//
//	LSTM:  [i f g o] = [σ σ tanh σ](Gi + Gh);  C = f·CPrev + i·g;  H = o·tanh(C);  Act = [i f g o]
//	GRU:   r = σ(Gi_r + Gh_r + Bhh_r);  z = σ(Gi_z + Gh_z + Bhh_z);  hn = Gh_n + Bhh_n;
//	       n = tanh(Gi_n + r·hn);  H = (1-z)·n + z·HPrev;  Act = [r z n hn]
//	RNN:   H = tanh(Gi + Gh) or max(Gi + Gh, 0);  Act = H
//
// Backward: Act, HPrev, CPrev, C (LSTM), DH (the gradient of H) and DC (LSTM: the gradient of
// C from the next step) are read; DGi and DGh (the gradients of the pre-activations from the
// input and from the hidden side; equal except for the GRU's n gate) and, for the LSTM, DCPrev
// are written; for the GRU, DHPrev receives the part of HPrev's gradient that skips the
// hidden projection (z·DH), to which the caller adds DGh·Whh.
//
// Aliasing: an element's outputs depend only on the inputs at its own row and unit, and a
// kernel reads all of those before it writes any of its outputs, so an output may be an
// input of the same shape: package tensor passes Act = Gi forward and DGi = DGh = Act
// backward for the LSTM and the plain RNNs (one buffer for a layer's projection, its
// activations and their gradient), and updates the state buffers in place.
type RNNCellArgs struct {
	Gi, Gh, HPrev, CPrev, Bhh Strided
	Act, H, C                 Strided
	DH, DC                    Strided
	DGi, DGh, DHPrev, DCPrev  Strided
}

// Rows returns the operands restricted to rows [lo, hi) of the batch (Bhh, a vector, whole).
// Kernels work row by row, so a step may run in parts: package tensor runs the LSTM's
// backward step in two where some rows continue from the previous step and others start.
func (a RNNCellArgs) Rows(lo, hi int) RNNCellArgs {
	sub := func(s Strided) Strided {
		if s.Buf == nil {
			return s
		}
		l := s.Layout.Clone()
		l.Offset += lo * l.Strides[0]
		l.Shape[0] = hi - lo
		return Strided{Buf: s.Buf, Layout: l}
	}
	return RNNCellArgs{
		Gi: sub(a.Gi), Gh: sub(a.Gh), HPrev: sub(a.HPrev), CPrev: sub(a.CPrev), Bhh: a.Bhh,
		Act: sub(a.Act), H: sub(a.H), C: sub(a.C),
		DH: sub(a.DH), DC: sub(a.DC),
		DGi: sub(a.DGi), DGh: sub(a.DGh), DHPrev: sub(a.DHPrev), DCPrev: sub(a.DCPrev),
	}
}

// RNNCellKernel is an optional fused kernel: one step of a recurrent cell, forward or backward,
// in one pass over its operands, as RNNCellArgs defines. Package tensor composes the same
// step from primitives for devices without it; that form stays the reference the fused one is
// tested against.
type RNNCellKernel interface {
	RNNCell(mode RNNMode, a RNNCellArgs)
	RNNCellBackward(mode RNNMode, a RNNCellArgs)
}
