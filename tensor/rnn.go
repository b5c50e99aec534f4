package tensor

import (
	"sync/atomic"

	"github.com/godl/godl/tensor/device"
)

// Recurrent layers, one direction of one layer at a time, over a whole sequence: the kernels
// that autograd wraps into a single differentiable operation per layer (as cuDNN does), so that
// a sequence of T steps costs one input-projection GEMM, T recurrent GEMMs and T fused cell
// updates forward, and the same backward plus one GEMM per weight gradient, instead of a graph
// of thousands of small operations.

// RNNMode names a recurrent cell: RNNTanh, RNNReLU, LSTM or GRU (see device.RNNCellArgs for
// their equations).
type RNNMode = device.RNNMode

// The recurrent cells, their gates in PyTorch's order.
const (
	RNNTanh = device.RNNTanh
	RNNReLU = device.RNNReLU
	LSTM    = device.LSTM
	GRU     = device.GRU
)

// RNNWeights are the parameters of one direction of one recurrent layer, in PyTorch's
// layout: WIh [G·H, I], WHh [G·H, H], and the biases BIh, BHh [G·H] (both nil without bias),
// where G is the mode's number of gates.
type RNNWeights struct {
	WIh, WHh, BIh, BHh *Tensor
}

// RNNSequence is what RNNForward keeps for RNNBackward. Release returns its buffers.
type RNNSequence struct {
	mode    RNNMode
	reverse bool
	w       RNNWeights
	T, B    int
	I, H    int
	bs, off []int // active rows and first packed row of each step
	full    bool  // no padding: the packed rows are the padded [T, B] rows

	xp     *Tensor // packed input [N, I]
	gi     *Tensor // packed input projection [N, G·H]; its gradient in backward
	act    *Tensor // [N, A·H]
	hPrev  *Tensor // [N, H]: each step's previous hidden state (nil where ys serves)
	ys     *Tensor // [N, H]: the outputs, kept instead of hPrev for full batches (not the GRU)
	h0     *Tensor // [B, H]: the initial hidden state, kept with ys when there is one
	cs     *Tensor // [N, H] (LSTM): the cell state after each step, also the next step's previous one
	c0     *Tensor // [B, H] (LSTM): the initial cell state, zeros without one
	hasC0  bool
	hasH0  bool
	xShape Shape
}

// Temporaries returns the buffers the sequence keeps for RNNBackward, for a caller that
// releases them itself (autograd.Context.ReleaseWithGraph); Release releases them all.
func (s *RNNSequence) Temporaries() []*Tensor {
	var out []*Tensor
	for i, t := range []*Tensor{s.xp, s.gi, s.act, s.hPrev, s.ys, s.h0, s.cs, s.c0} {
		if t != nil && !(i == 2 && t == s.gi) { // act may be gi itself: listed once
			out = append(out, t)
		}
	}
	return out
}

// ReadsOutput reports whether RNNBackward reads the output y of the forward pass (it does
// for full batches of every cell but the GRU, instead of keeping a copy of each step's
// previous hidden state): y must then not be written in place before the backward pass.
func (s *RNNSequence) ReadsOutput() bool { return s.ys != nil }

// Release returns the buffers the sequence kept. Using it afterwards panics.
func (s *RNNSequence) Release() {
	for _, t := range []*Tensor{s.xp, s.gi, s.act, s.hPrev, s.ys, s.h0, s.cs, s.c0} {
		t.Release()
	}
	s.xp, s.gi, s.act = nil, nil, nil
}

// RNNGrads are the gradients RNNBackward computes.
type RNNGrads struct {
	X        *Tensor // [T, B, I]
	WIh, WHh *Tensor
	BIh, BHh *Tensor // nil when the weights have no bias
	H0, C0   *Tensor // [B, H]; C0 only for the LSTM
}

// checkLengths returns the number of active rows at each step of T for sequences of the given
// lengths (nil: all T), which must not increase.
func checkLengths(op string, lengths []int, T, B int) (bs []int, full bool) {
	bs = make([]int, T)
	if lengths == nil {
		for t := range bs {
			bs[t] = B
		}
		return bs, true
	}
	if len(lengths) != B {
		panicf(op, "%d lengths for a batch of %d", len(lengths), B)
	}
	for i, l := range lengths {
		if l < 0 || l > T {
			panicf(op, "length %d of sequence %d outside [0, %d]", l, i, T)
		}
		if i > 0 && l > lengths[i-1] {
			panicf(op, "lengths %v must not increase (sort the batch by decreasing length)", lengths)
		}
		for t := range l {
			bs[t]++
		}
	}
	return bs, len(lengths) == 0 || lengths[len(lengths)-1] == T
}

// rowView is a reusable [rows, cols] window into a contiguous 2-D tensor: at mutates its own
// layout, so stepping through a sequence allocates nothing. Kernels do not keep layouts.
type rowView struct {
	s    Strided
	cols int
}

func newRowView(t *Tensor) *rowView {
	cols := t.layout.Shape[1]
	return &rowView{s: Strided{Buf: t.st.buf, Layout: Layout{Shape: []int{0, cols}, Strides: []int{cols, 1}, Offset: t.layout.Offset}}, cols: cols}
}

func (v *rowView) at(r0, rows int, base int) Strided {
	v.s.Shape[0] = rows
	v.s.Offset = base + r0*v.cols
	return v.s
}

// RNNForward runs one direction of one recurrent layer over x [T, B, I] (any layout): the
// output y [T, B, H], and the final hidden state hN [B, H] (and, for the LSTM, the final cell
// state cN). h0 and c0 [B, H] are the initial states (zeros when nil). With lengths (one per
// sequence, not increasing: sort the batch first), sequence i has lengths[i] steps: its rows
// of y past its end are zero, its final state is the one after its last step, and the steps
// past its end cost nothing, as with PyTorch's packed sequences. With reverse, each sequence
// is run from its last step to its first. With keep, the forward pass keeps what RNNBackward
// needs and returns it (see RNNSequence.ReadsOutput); otherwise seq is nil. It panics if the
// shapes, dtypes or devices do not fit.
func RNNForward(mode RNNMode, x *Tensor, w RNNWeights, h0, c0 *Tensor, lengths []int, reverse, keep bool) (y, hN, cN *Tensor, seq *RNNSequence) {
	const op = "tensor.RNNForward"
	if mode > GRU {
		panicf(op, "unknown mode %v", mode)
	}
	st := x.live(op)
	dev, dt := st.dev, st.buf.DType()
	if !dt.IsFloat() || x.NDim() != 3 {
		panicf(op, "input must be a 3-D float tensor [T, B, I], got %s of shape %s", dt, shapeStr(x.layout.Shape))
	}
	T, B, I := x.layout.Shape[0], x.layout.Shape[1], x.layout.Shape[2]
	G := mode.Gates()
	checkSame(op, x, w.WIh, w.WHh)
	H := w.WHh.Size(-1)
	if !w.WIh.Shape().Equal(Shape{G * H, I}) || !w.WHh.Shape().Equal(Shape{G * H, H}) {
		panicf(op, "%v weights of shapes %s and %s do not fit an input of %d features and a hidden size of %d (want [%d %d] and [%d %d])",
			mode, shapeStr(w.WIh.layout.Shape), shapeStr(w.WHh.layout.Shape), I, H, G*H, I, G*H, H)
	}
	if (w.BIh == nil) != (w.BHh == nil) {
		panicf(op, "give both biases or neither")
	}
	if w.BIh != nil {
		checkSame(op, x, w.BIh, w.BHh)
		if !w.BIh.Shape().Equal(Shape{G * H}) || !w.BHh.Shape().Equal(Shape{G * H}) {
			panicf(op, "biases of shapes %s and %s, want [%d]", shapeStr(w.BIh.layout.Shape), shapeStr(w.BHh.layout.Shape), G*H)
		}
	}
	for _, s := range []*Tensor{h0, c0} {
		if s != nil {
			checkSame(op, x, s)
			if !s.Shape().Equal(Shape{B, H}) {
				panicf(op, "initial state of shape %s, want [%d %d]", shapeStr(s.layout.Shape), B, H)
			}
		}
	}
	bs, full := checkLengths(op, lengths, T, B)
	s := &RNNSequence{mode: mode, reverse: reverse, w: w, T: T, B: B, I: I, H: H, bs: bs, full: full,
		hasH0: h0 != nil, hasC0: c0 != nil, xShape: x.Shape()}
	s.off = make([]int, T)
	N := 0
	for t, b := range bs {
		s.off[t] = N
		N += b
	}
	var sc Scope
	defer sc.Release()

	// The packed input, one GEMM for the input projection of every step, and the biases.
	s.xp = s.pack(x, N, I)
	s.gi = MatMul(s.xp, sc.Own(w.WIh.T()))
	if w.BIh != nil {
		b := w.BIh
		if mode != GRU { // the GRU adds its hidden bias inside the cell (r multiplies it)
			b = sc.Own(w.BIh.Add(w.BHh))
		}
		s.gi.AddInPlace(b)
	}

	A := mode.ActWidth()
	ys := alloc(dev, dt, []int{max(N, 1), H})
	hbuf := sc.Own(alloc(dev, dt, []int{B, H}))
	if h0 != nil {
		hbuf.CopyFrom(h0)
	} else {
		hbuf.Fill(0)
	}
	var cbuf *Tensor
	if mode == LSTM {
		cbuf = alloc(dev, dt, []int{B, H})
		if c0 != nil {
			cbuf.CopyFrom(c0)
		} else {
			cbuf.Fill(0)
		}
	}
	gh := sc.Own(alloc(dev, dt, []int{B, G * H}))
	rows := max(N, 1)
	if keep && A == G {
		// The step's activations overwrite its input projection, which nothing reads
		// afterwards (the kernels allow Act to be Gi, and DGi to be Act): one [N, G·H]
		// buffer serves as the projection, the activations and their gradient.
		s.act = s.gi
	} else if keep {
		s.act = alloc(dev, dt, []int{rows, A * H})
	}
	// With every sequence running all T steps, a step's previous hidden state is the previous
	// step's output (or the initial state): the backward pass reads the outputs instead of a
	// copy, for the cells whose backward step does not read HPrev (all but the GRU).
	fromYs := keep && full && N > 0 && mode != GRU
	if keep && !fromYs {
		s.hPrev = alloc(dev, dt, []int{rows, H})
	}
	if fromYs && h0 != nil {
		s.h0 = hbuf.Clone()
	}
	if keep {
		if mode == LSTM {
			// A step's previous cell state is the previous step's row of cs, or the initial
			// state for a sequence's first step: the backward pass reads it from there.
			s.cs = alloc(dev, dt, []int{rows, H})
			s.c0 = cbuf.Clone()
		}
	} else {
		s.act = sc.Own(alloc(dev, dt, []int{B, A * H}))
		if mode == LSTM {
			s.cs = sc.Own(alloc(dev, dt, []int{B, H}))
		}
	}
	whhT := w.WHh.layout
	whhT = Layout{Shape: []int{whhT.Shape[1], whhT.Shape[0]}, Strides: []int{whhT.Strides[1], whhT.Strides[0]}, Offset: whhT.Offset}
	whhS := Strided{Buf: w.WHh.st.buf, Layout: whhT}
	var bhh Strided
	if mode == GRU && w.BHh != nil {
		bhh = w.BHh.strided()
	}
	cell := newCellRunner(mode, dev, dt, H)
	vGi, vGh, vH, vHp := newRowView(s.gi), newRowView(gh), newRowView(hbuf), newRowView(ys)
	vAct := newRowView(s.act)
	var vHPrev, vC, vCbuf *rowView
	if s.hPrev != nil {
		vHPrev = newRowView(s.hPrev)
	}
	if mode == LSTM {
		vC, vCbuf = newRowView(s.cs), newRowView(cbuf)
	}
	for step := range T {
		t := step
		if reverse {
			t = T - 1 - step
		}
		b := bs[t]
		if b == 0 {
			continue
		}
		r0 := s.off[t]
		actRow := r0
		if !keep {
			actRow = 0
		}
		hPrev := vH.at(0, b, hbuf.layout.Offset)
		if vHPrev != nil {
			dev.Copy(vHPrev.at(r0, b, s.hPrev.layout.Offset), hPrev)
		}
		ghS := vGh.at(0, b, gh.layout.Offset)
		dev.MatMul(ghS, hPrev, whhS)
		a := device.RNNCellArgs{
			Gi: vGi.at(r0, b, s.gi.layout.Offset), Gh: ghS, HPrev: hPrev, Bhh: bhh,
			Act: vAct.at(actRow, b, s.act.layout.Offset), H: vHp.at(r0, b, ys.layout.Offset),
		}
		if mode == LSTM {
			a.CPrev = vCbuf.at(0, b, cbuf.layout.Offset)
			a.C = vC.at(actRow, b, s.cs.layout.Offset)
		}
		cell.forward(a)
		dev.Copy(hPrev, a.H)
		if mode == LSTM {
			dev.Copy(a.CPrev, a.C)
		}
	}
	keep2(x, w.WIh, w.WHh, w.BHh, h0, c0)
	hN, cN = hbuf.Clone(), cbuf
	if fromYs {
		s.ys = ys.Reshape(N, H) // a second handle: unpack gives ys up as y
	}
	y = s.unpack(ys, N, H)
	if !keep {
		s.Release()
		return y, hN, cN, nil
	}
	return y, hN, cN, s
}

// keep2 keeps tensors reachable until here (their buffers were used by raw kernel calls).
func keep2(ts ...*Tensor) { keep(ts...) }

// pack returns x [T, B, I] as its N active rows, step by step: a view when nothing is padded
// and x is contiguous, a gathered copy otherwise.
func (s *RNNSequence) pack(x *Tensor, N, I int) *Tensor {
	if s.full && N > 0 && x.layout.IsContiguous() {
		return x.Reshape(s.T*s.B, I)
	}
	xp := alloc(x.st.dev, x.st.buf.DType(), []int{max(N, 1), I})
	for t, b := range s.bs {
		if b == 0 {
			continue
		}
		src := x.layout
		src = Layout{Shape: []int{b, I}, Strides: []int{src.Strides[1], src.Strides[2]}, Offset: src.Offset + t*src.Strides[0]}
		dst := Layout{Shape: []int{b, I}, Strides: []int{I, 1}, Offset: s.off[t] * I}
		x.st.dev.Copy(Strided{Buf: xp.st.buf, Layout: dst}, Strided{Buf: x.st.buf, Layout: src})
	}
	keep(x)
	return xp
}

// unpack returns the packed rows [N, H] as a padded [T, B, H] tensor with zeros past each
// sequence's end.
func (s *RNNSequence) unpack(p *Tensor, N, H int) *Tensor {
	if N == 0 {
		p.Release()
		return Zeros(Shape{s.T, s.B, H}, p.DType(), On(p.Device()))
	}
	if s.full {
		r := p.Reshape(s.T, s.B, H)
		p.Release()
		return r
	}
	y := Zeros(Shape{s.T, s.B, H}, p.DType(), On(p.Device()))
	for t, b := range s.bs {
		if b == 0 {
			continue
		}
		dst := Layout{Shape: []int{b, H}, Strides: []int{H, 1}, Offset: t * s.B * H}
		src := Layout{Shape: []int{b, H}, Strides: []int{H, 1}, Offset: s.off[t] * H}
		p.st.dev.Copy(Strided{Buf: y.st.buf, Layout: dst}, Strided{Buf: p.st.buf, Layout: src})
	}
	keep(y, p)
	p.Release()
	return y
}

// RNNBackward computes the gradients of a forward pass from the gradients of its outputs: dy
// [T, B, H] (nil when y was not used), dhN and dcN [B, H] (nil when unused; dcN only for the
// LSTM). It walks the steps backwards with one recurrent GEMM and one fused cell step each,
// then computes the weight gradients with one GEMM each over all steps and the input gradient
// with one GEMM. Gradients of the initial states are nil where RNNForward had none. The
// sequence can be used once; Release it afterwards.
func RNNBackward(s *RNNSequence, dy, dhN, dcN *Tensor) RNNGrads {
	const op = "tensor.RNNBackward"
	if s == nil || s.gi == nil {
		panicf(op, "no sequence, or one already released")
	}
	mode, T, B, H := s.mode, s.T, s.B, s.H
	dev, dt := s.gi.st.dev, s.gi.st.buf.DType()
	G := mode.Gates()
	for _, g := range []*Tensor{dy, dhN, dcN} {
		if g != nil {
			checkSame(op, s.gi, g)
		}
	}
	if dy != nil && !dy.Shape().Equal(Shape{T, B, H}) {
		panicf(op, "output gradient of shape %s, want [%d %d %d]", shapeStr(dy.layout.Shape), T, B, H)
	}
	var sc Scope
	defer sc.Release()
	N := 0
	for _, b := range s.bs {
		N += b
	}
	rows := max(N, 1)
	dh := alloc(dev, dt, []int{B, H})
	if dhN != nil {
		dh.CopyFrom(dhN)
	} else {
		dh.Fill(0)
	}
	var dc *Tensor
	if mode == LSTM {
		dc = alloc(dev, dt, []int{B, H})
		if dcN != nil {
			dc.CopyFrom(dcN)
		} else {
			dc.Fill(0)
		}
	}
	dgi := s.gi // the input projection is no longer needed: its buffer takes its gradient
	dgh := dgi
	if mode == GRU {
		dgh = sc.Own(alloc(dev, dt, []int{rows, G * H}))
	}
	var tmp *Tensor
	if mode == GRU {
		tmp = sc.Own(alloc(dev, dt, []int{B, H}))
	}
	whh := s.w.WHh.strided()
	cell := newCellRunner(mode, dev, dt, H)
	vAct, vDgi, vDgh, vDh := newRowView(s.act), newRowView(dgi), newRowView(dgh), newRowView(dh)
	var vHPrev *rowView
	if s.hPrev != nil {
		vHPrev = newRowView(s.hPrev)
	}
	var vCPrev, vC0, vC, vDc *rowView
	if mode == LSTM {
		vCPrev, vC0, vC, vDc = newRowView(s.cs), newRowView(s.c0), newRowView(s.cs), newRowView(dc)
	}
	var vTmp *rowView
	if tmp != nil {
		vTmp = newRowView(tmp)
	}
	dyRow := Strided{}
	if dy != nil {
		l := dy.layout
		dyRow = Strided{Buf: dy.st.buf, Layout: Layout{Shape: []int{0, H}, Strides: []int{l.Strides[1], l.Strides[2]}}}
	}
	for step := range T {
		t := T - 1 - step // backwards through the order the forward pass ran in
		if s.reverse {
			t = step
		}
		b := s.bs[t]
		if b == 0 {
			continue
		}
		r0 := s.off[t]
		dhS := vDh.at(0, b, dh.layout.Offset)
		if dy != nil {
			dyRow.Shape[0], dyRow.Offset = b, dy.layout.Offset+t*dy.layout.Strides[0]
			dev.Binary(OpAdd, dhS, dhS, dyRow)
		}
		a := device.RNNCellArgs{
			Act: vAct.at(r0, b, s.act.layout.Offset),
			DH:  dhS, DGi: vDgi.at(r0, b, dgi.layout.Offset), DGh: vDgh.at(r0, b, dgh.layout.Offset),
		}
		if vHPrev != nil {
			a.HPrev = vHPrev.at(r0, b, s.hPrev.layout.Offset)
		}
		if mode == GRU {
			a.DHPrev = vTmp.at(0, b, tmp.layout.Offset)
		}
		if mode == LSTM {
			a.C = vC.at(r0, b, s.cs.layout.Offset)
			a.DC = vDc.at(0, b, dc.layout.Offset)
			a.DCPrev = a.DC
			// The rows that ran the step before (in the order the forward pass ran) take
			// their previous cell state from its rows of cs; the others start at step t,
			// from the initial state. The cell works row by row: two calls where both kinds
			// occur.
			prev, cont := t-1, b
			if s.reverse {
				prev = t + 1
			}
			if prev < 0 || prev >= T {
				cont = 0
			} else {
				cont = min(b, s.bs[prev])
			}
			if cont > 0 {
				part := a
				if cont < b {
					part = a.Rows(0, cont)
				}
				part.CPrev = vCPrev.at(s.off[prev], cont, s.cs.layout.Offset)
				cell.backward(part)
			}
			if cont < b {
				part := a.Rows(cont, b)
				part.CPrev = vC0.at(cont, b-cont, s.c0.layout.Offset)
				cell.backward(part)
			}
		} else {
			cell.backward(a)
		}
		dev.MatMul(dhS, a.DGh, whh) // the hidden state's gradient through the recurrent weights
		if mode == GRU {
			dev.Binary(OpAdd, dhS, dhS, a.DHPrev) // and through z·hPrev
		}
	}
	keep(dy, s.w.WHh)

	var g RNNGrads
	g.WIh = MatMul(sc.Own(dgi.T()), s.xp)
	if s.ys != nil {
		g.WHh = s.recurrentWeightGrad(dgh, N, &sc)
	} else {
		g.WHh = MatMul(sc.Own(dgh.T()), s.hPrev)
	}
	if N == 0 {
		g.WIh.Fill(0)
		g.WHh.Fill(0)
	}
	if s.w.BIh != nil {
		g.BIh = dgi.Sum(0)
		if dgh == dgi { // both biases add to the same pre-activations: one sum serves both
			g.BHh = g.BIh.Clone()
		} else {
			g.BHh = dgh.Sum(0)
		}
		if N == 0 {
			g.BIh.Fill(0)
			g.BHh.Fill(0)
		}
	}
	dxp := MatMul(dgi, s.w.WIh)
	if N == 0 {
		dxp.Fill(0)
	}
	g.X = s.unpack(dxp, N, s.I)
	if s.hasH0 {
		g.H0 = dh
	} else {
		dh.Release()
	}
	if mode == LSTM && s.hasC0 {
		g.C0 = dc
	} else if dc != nil {
		dc.Release()
	}
	return g
}

// recurrentWeightGrad is Σ_t dghₜᵀ·hPrevₜ for a full batch, from the outputs: the rows of
// every step but the first (in the order the forward pass ran) have as previous states the
// outputs of the step before, B rows earlier (later, in reverse); the first step's are the
// initial state (zeros without one).
func (s *RNNSequence) recurrentWeightGrad(dgh *Tensor, N int, sc *Scope) *Tensor {
	B := s.B
	first, rest, prevs := 0, B, 0 // rows of dgh: the first step's, the others'; rows of ys before them
	if s.reverse {
		first, rest, prevs = N-B, 0, B
	}
	var g *Tensor
	if N > B {
		g = MatMul(sc.Own(sc.Own(dgh.Narrow(0, rest, N-B)).T()), sc.Own(s.ys.Narrow(0, prevs, N-B)))
	} else {
		g = Zeros(Shape{dgh.Size(1), s.H}, dgh.DType(), On(dgh.Device()))
	}
	if s.h0 != nil {
		g.AddInPlace(sc.Own(MatMul(sc.Own(sc.Own(dgh.Narrow(0, first, B)).T()), s.h0)))
	}
	return g
}

// cellRunner runs one step of a recurrent cell: the device's fused kernel when it has one,
// the composition from primitives otherwise (the reference the fused kernels are tested
// against).
type cellRunner struct {
	mode  RNNMode
	dev   Device
	dt    DType
	H     int
	fused device.RNNCellKernel
}

func newCellRunner(mode RNNMode, dev Device, dt DType, H int) *cellRunner {
	c := &cellRunner{mode: mode, dev: dev, dt: dt, H: H}
	if k, ok := dev.(device.RNNCellKernel); ok && !composedCells.Load() {
		c.fused = k
	}
	return c
}

// composedCells makes every device use the composed cell (SetComposedRNNCells).
var composedCells atomic.Bool

// SetComposedRNNCells makes the recurrent kernels use the cell composed from primitives even
// on devices with a fused one (on), and returns the previous setting: for tests and benchmarks
// that compare the two. It is process-wide.
func SetComposedRNNCells(on bool) bool { return composedCells.Swap(on) }

func (c *cellRunner) forward(a device.RNNCellArgs) {
	if c.fused != nil {
		c.fused.RNNCell(c.mode, a)
		return
	}
	composedCellForward(c.mode, c.dev, c.H, a)
}

func (c *cellRunner) backward(a device.RNNCellArgs) {
	if c.fused != nil {
		c.fused.RNNCellBackward(c.mode, a)
		return
	}
	composedCellBackward(c.mode, c.dev, c.H, a)
}

// borrow returns a tensor over s that never frees its buffer: a view for the composed cells,
// which work on buffers the caller owns.
func borrow(dev Device, s Strided) *Tensor {
	if s.Buf == nil {
		return nil
	}
	st := &storage{dev: dev, buf: s.Buf}
	st.refs.Store(1 << 30)
	return &Tensor{st: st, layout: s.Layout.Clone()}
}

// composedCellForward is one step of the cell from primitives: see device.RNNCellArgs.
func composedCellForward(mode RNNMode, dev Device, H int, a device.RNNCellArgs) {
	var s Scope
	defer s.Release()
	gi, gh, act, h := borrow(dev, a.Gi), borrow(dev, a.Gh), borrow(dev, a.Act), borrow(dev, a.H)
	gate := func(t *Tensor, k int) *Tensor { return s.Own(t.Narrow(1, k*H, H)) }
	switch mode {
	case LSTM:
		pre := s.Own(gi.Add(gh))
		i, f := s.Own(gate(pre, 0).Sigmoid()), s.Own(gate(pre, 1).Sigmoid())
		g, o := s.Own(gate(pre, 2).Tanh()), s.Own(gate(pre, 3).Sigmoid())
		for k, v := range []*Tensor{i, f, g, o} {
			gate(act, k).CopyFrom(v)
		}
		cNew := s.Own(s.Own(f.Mul(borrow(dev, a.CPrev))).AddInPlace(s.Own(i.Mul(g))))
		borrow(dev, a.C).CopyFrom(cNew)
		h.CopyFrom(s.Own(o.Mul(s.Own(cNew.Tanh()))))
	case GRU:
		hp := borrow(dev, a.HPrev)
		ghb := gh
		if bhh := borrow(dev, a.Bhh); bhh != nil {
			ghb = s.Own(gh.Add(bhh))
		}
		r := s.Own(s.Own(gate(gi, 0).Add(gate(ghb, 0))).Sigmoid())
		z := s.Own(s.Own(gate(gi, 1).Add(gate(ghb, 1))).Sigmoid())
		hn := gate(ghb, 2)
		n := s.Own(s.Own(gate(gi, 2).Add(s.Own(r.Mul(hn)))).Tanh())
		for k, v := range []*Tensor{r, z, n, hn} {
			gate(act, k).CopyFrom(v)
		}
		// (1-z)·n + z·hPrev = n + z·(hPrev - n)
		h.CopyFrom(s.Own(n.Add(s.Own(z.Mul(s.Own(hp.Sub(n)))))))
	default:
		pre := s.Own(gi.Add(gh))
		var v *Tensor
		if mode == RNNTanh {
			v = s.Own(pre.Tanh())
		} else {
			v = s.Own(pre.ReLU())
		}
		act.CopyFrom(v)
		h.CopyFrom(v)
	}
}

// composedCellBackward is the backward step of the cell from primitives: see
// device.RNNCellArgs.
func composedCellBackward(mode RNNMode, dev Device, H int, a device.RNNCellArgs) {
	var s Scope
	defer s.Release()
	act, dh, dgi, dgh := borrow(dev, a.Act), borrow(dev, a.DH), borrow(dev, a.DGi), borrow(dev, a.DGh)
	gate := func(t *Tensor, k int) *Tensor { return s.Own(t.Narrow(1, k*H, H)) }
	// sigmoidGrad returns d·y·(1-y), tanhGrad d·(1-y²).
	sigmoidGrad := func(d, y *Tensor) *Tensor { return s.Own(s.Own(d.Mul(y)).MulInPlace(s.Own(y.RSubScalar(1)))) }
	tanhGrad := func(d, y *Tensor) *Tensor { return s.Own(d.Mul(s.Own(s.Own(y.Square()).RSubScalar(1)))) }
	switch mode {
	case LSTM:
		i, f, g, o := gate(act, 0), gate(act, 1), gate(act, 2), gate(act, 3)
		c, cPrev, dc := borrow(dev, a.C), borrow(dev, a.CPrev), borrow(dev, a.DC)
		tc := s.Own(c.Tanh())
		do := s.Own(dh.Mul(tc))
		dcT := s.Own(dc.Add(tanhGrad(s.Own(dh.Mul(o)), tc)))
		// Every gradient is computed before any is written: DGi may be Act itself.
		di := sigmoidGrad(s.Own(dcT.Mul(g)), i)
		df := sigmoidGrad(s.Own(dcT.Mul(cPrev)), f)
		dg := tanhGrad(s.Own(dcT.Mul(i)), g)
		dO := sigmoidGrad(do, o)
		dcp := s.Own(dcT.Mul(f))
		for k, v := range []*Tensor{di, df, dg, dO} {
			gate(dgi, k).CopyFrom(v)
		}
		borrow(dev, a.DCPrev).CopyFrom(dcp)
	case GRU:
		r, z, n, hn := gate(act, 0), gate(act, 1), gate(act, 2), gate(act, 3)
		hp := borrow(dev, a.HPrev)
		dn := s.Own(dh.Mul(s.Own(z.RSubScalar(1))))
		dz := s.Own(dh.Mul(s.Own(hp.Sub(n))))
		dnPre := tanhGrad(dn, n)
		drPre := sigmoidGrad(s.Own(dnPre.Mul(hn)), r)
		dzPre := sigmoidGrad(dz, z)
		gate(dgi, 0).CopyFrom(drPre)
		gate(dgi, 1).CopyFrom(dzPre)
		gate(dgi, 2).CopyFrom(dnPre)
		gate(dgh, 0).CopyFrom(drPre)
		gate(dgh, 1).CopyFrom(dzPre)
		gate(dgh, 2).CopyFrom(s.Own(dnPre.Mul(r)))
		borrow(dev, a.DHPrev).CopyFrom(s.Own(dh.Mul(z)))
	default:
		var d *Tensor
		if mode == RNNTanh {
			d = tanhGrad(dh, act)
		} else {
			d = s.Own(dh.Mul(s.Own(act.GtScalar(0))))
		}
		dgi.CopyFrom(d)
		if a.DGh.Buf != a.DGi.Buf || a.DGh.Offset != a.DGi.Offset {
			dgh.CopyFrom(d)
		}
	}
}
