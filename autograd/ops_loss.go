package autograd

import (
	"fmt"

	"github.com/godl/godl/tensor"
)

var (
	opDropout      = register("Dropout")
	opCrossEntropy = register("CrossEntropy")
)

// Dropout zeroes each element of v with probability p and scales the others by 1/(1-p), with
// a mask drawn from rng, when training is true; otherwise it returns v unchanged. The mask is
// kept by the graph and returned to the pool when the graph is released. rng is only used, and
// may only be nil, when no mask is drawn (training is false or p is 0). It panics with a
// *tensor.Error if v is nil, p is outside [0, 1], or a mask is needed and rng is nil.
func Dropout(v *Value, p float64, training bool, rng *tensor.RNG) *Value {
	const name = "autograd.Dropout"
	checkValue(name, "value", v)
	if !(p >= 0 && p <= 1) {
		panicf(name, "probability %g outside [0, 1]", p)
	}
	if !training || p == 0 {
		return v
	}
	if rng == nil {
		panicf(name, "nil RNG: training with p = %g draws a mask from it (use tensor.NewRNG(seed))", p)
	}
	mask := rng.Bernoulli(v.data.Shape(), 1-p, v.data.DType(), tensor.On(v.data.Device()))
	if p < 1 {
		mask.MulScalarInPlace(1 / (1 - p))
	}
	out := v.data.Mul(mask)
	n := newNode1(opDropout, v)
	if n == nil {
		mask.Release()
		return constant(out, v)
	}
	m := n.own(mask)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].Mul(m)) }, out)
}

// Reduction says how a loss combines the losses of the examples of a batch. The zero value is
// ReductionMean, PyTorch's default.
type Reduction uint8

const (
	// ReductionMean averages over the examples (those not ignored; with class weights, the
	// weighted average), PyTorch's default.
	ReductionMean Reduction = iota
	// ReductionSum adds them up.
	ReductionSum
	// ReductionNone returns one loss per example.
	ReductionNone
)

// String returns PyTorch's name of the reduction: "mean", "sum" or "none".
func (r Reduction) String() string {
	switch r {
	case ReductionMean:
		return "mean"
	case ReductionSum:
		return "sum"
	case ReductionNone:
		return "none"
	}
	return fmt.Sprintf("Reduction(%d)", uint8(r))
}

// DefaultIgnoreIndex is the target value CrossEntropyWith ignores when
// CrossEntropyOptions.IgnoreIndex is nil, as in torch.
const DefaultIgnoreIndex = -100

// CrossEntropyOptions configures CrossEntropyWith. The zero value holds PyTorch's defaults
// (mean reduction, ignore index -100, no class weights, no label smoothing), so a literal
// that sets only the fields it needs, such as CrossEntropyOptions{LabelSmoothing: 0.1},
// keeps the defaults for the others.
//
// IgnoreIndex is a pointer so that its zero value can mean torch's -100 while every int64,
// 0 included, stays expressible: CrossEntropyOptions{IgnoreIndex: new(int64(0))} ignores the
// targets of class 0. There is no package variable holding the defaults: the zero value is
// the default, and a variable could be changed by one caller for all the others.
type CrossEntropyOptions struct {
	// Reduction combines the per-example losses (ReductionMean when zero).
	Reduction Reduction
	// IgnoreIndex, when not nil, is the target value that contributes neither loss nor
	// gradient, and no weight to the mean's divisor; nil means DefaultIgnoreIndex (-100).
	IgnoreIndex *int64
	// Weight, when not nil, holds one weight per class (shape [C], the logits' dtype and
	// device), like torch's weight=: the loss of an example of class c is multiplied by
	// Weight[c], the label-smoothing term weighs class k by Weight[k], and ReductionMean
	// divides by the sum of the weights of the targets of the examples not ignored (not by
	// their number). No gradient flows to it.
	Weight *tensor.Tensor
	// LabelSmoothing in [0, 1] mixes the one-hot target with the uniform distribution.
	LabelSmoothing float64
}

// CrossEntropy returns the mean cross-entropy between logits of shape [N, C] (or [C]) and
// Int64 class targets of shape [N] (or []), with PyTorch's defaults: log-softmax and negative
// log-likelihood fused in one operation whose gradient is softmax - onehot. It is
// CrossEntropyWith with the zero CrossEntropyOptions.
func CrossEntropy(logits *Value, targets *tensor.Tensor) *Value {
	return CrossEntropyWith(logits, targets, CrossEntropyOptions{})
}

// CrossEntropyWith is CrossEntropy with options; it computes what torch.nn.functional
// cross_entropy(logits, targets, weight, ignore_index, reduction, label_smoothing) computes.
// With ε the label smoothing, w the class weights (all 1 without Weight), p = softmax(logits)
// and y the target, the loss of example i is
//
//	(1-ε)·w[y]·(-log p[y]) + (ε/C)·Σ_k w[k]·(-log p[k])
//
// and 0 when y is the ignore index. ReductionMean divides the sum of the losses by Σ w[y]
// over the examples not ignored: NaN when there are none, as in torch, with a zero gradient.
//
// It panics with a *tensor.Error if logits or targets is nil, the shapes do not fit, the
// targets are not Int64, the weights do not have shape [C] or the logits' dtype and device,
// the label smoothing is outside [0, 1], or the reduction is unknown. A target (other than
// the ignore index) outside [0, C) is found by the device, as the gather of its class panics
// with an index out of range: at once on the CPU, and at the next synchronising call (Item,
// say) on a device that queues its work. Nothing in the forward or backward pass reads values
// back to the host.
func CrossEntropyWith(logits *Value, targets *tensor.Tensor, opt CrossEntropyOptions) *Value {
	const name = "autograd.CrossEntropy"
	checkValue(name, "logits", logits)
	checkTensor(name, "targets", targets)
	if targets.DType() != tensor.Int64 {
		panicf(name, "targets must be int64, got %s of shape %v", targets.DType(), targets.Shape())
	}
	if dt := logits.data.DType(); !dt.IsFloat() {
		panicf(name, "logits must be float32 or float64, got %s of shape %v", dt, logits.data.Shape())
	}
	if ld, td := logits.data.Device(), targets.Device(); ld != td {
		panicf(name, "logits are on %s, targets on %s", ld.Name(), td.Name())
	}
	if !(opt.LabelSmoothing >= 0 && opt.LabelSmoothing <= 1) {
		panicf(name, "label smoothing %g outside [0, 1]", opt.LabelSmoothing)
	}
	if opt.Reduction > ReductionNone {
		panicf(name, "unknown reduction %d", uint8(opt.Reduction))
	}
	ignore := int64(DefaultIgnoreIndex)
	if opt.IgnoreIndex != nil {
		ignore = *opt.IgnoreIndex
	}
	x, t := logits.data, targets
	single := x.NDim() == 1
	if single {
		if t.NDim() != 0 {
			panicf(name, "logits of shape %v need a 0-d target, got shape %v", x.Shape(), t.Shape())
		}
		x, t = x.Unsqueeze(0), t.Reshape(1)
		defer x.Release()
		defer t.Release()
	}
	if x.NDim() != 2 || t.NDim() != 1 || t.Size(0) != x.Size(0) {
		panicf(name, "logits of shape %v and targets of shape %v do not fit ([N, C] and [N])", logits.data.Shape(), targets.Shape())
	}
	N, C := x.Size(0), x.Size(1)
	dt, dev := x.DType(), x.Device()
	w := opt.Weight
	if w != nil {
		if w.NDim() != 1 || w.Size(0) != C {
			panicf(name, "weight of shape %v for %d classes (logits of shape %v); want [%d]", w.Shape(), C, logits.data.Shape(), C)
		}
		if w.DType() != dt || w.Device() != dev {
			panicf(name, "weight is %s on %s, logits are %s on %s", w.DType(), w.Device().Name(), dt, dev.Name())
		}
	}

	ignored := t.EqScalar(float64(ignore)) // 1 where the example is ignored (Int64)
	safe := t.MaskedFill(ignored, 0)       // ignored targets read class 0, then count for nothing
	valid := t.NeScalar(float64(ignore))
	validF := valid.AsType(dt) // 1 where the example counts, [N]
	valid.Release()

	// wy[i] = w[y_i] for the examples that count and 0 for the others: the weight of each
	// example's loss (validF itself without class weights).
	wy := validF
	if w != nil {
		wy = w.IndexSelect(0, safe).MulInPlace(validF)
	}
	lsm := x.LogSoftmax(1)      // [N, C]
	ti := safe.Unsqueeze(1)     // [N, 1]
	picked := lsm.Gather(1, ti) // [N, 1]
	eps := opt.LabelSmoothing
	pr := picked.Reshape(N)
	picked.Release()
	loss := pr.Mul(wy).MulScalarInPlace(-(1 - eps)) // [N]
	pr.Release()
	if eps > 0 {
		var sm *tensor.Tensor // Σ_k w[k]·log p[k] per example
		if w == nil {
			sm = lsm.Sum(1)
		} else {
			sm = tensor.MatMul(lsm, w)
		}
		sm.MulInPlace(validF)
		loss.AddScaledInPlace(-eps/float64(C), sm)
		sm.Release()
	}

	var out, denom *tensor.Tensor
	switch opt.Reduction {
	case ReductionMean:
		denom = wy.Sum() // the number of examples not ignored, or the sum of their weights
		out = loss.Sum().DivInPlace(denom)
		loss.Release()
	case ReductionSum:
		out = loss.Sum()
		loss.Release()
	case ReductionNone:
		out = loss
		if single {
			out = loss.Reshape()
			loss.Release()
		}
	}

	n := newNode1(opCrossEntropy, logits)
	temps := []*tensor.Tensor{lsm, ti, safe, ignored, validF, denom}
	if wy != validF {
		temps = append(temps, wy)
	}
	if n == nil {
		for _, tmp := range temps {
			tmp.Release()
		}
		return constant(out, logits)
	}
	for _, tmp := range temps {
		if tmp != nil {
			n.own(tmp)
		}
	}
	if w != nil {
		n.save(w)
	}
	inShape := logits.data.Shape()
	red := opt.Reduction
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		// With r_i = dL/dloss_i, forced to 0 for ignored examples (so that an infinite or NaN
		// factor from an empty mean reaches none of them), and W = Σ_k w[k]:
		//   dL/dx_ic = r_i·(((1-ε)·w[y_i] + (ε/C)·W)·p_ic - (1-ε)·w[y_i]·[c = y_i] - (ε/C)·w[c]).
		up := g[0] // dL/dloss_i: 0-d for mean and sum, [N] (or 0-d for one example) for none
		switch red {
		case ReductionMean:
			up = g[0].Div(denom)
		case ReductionNone:
			up = g[0].Reshape(N)
		}
		zero := tensor.Zeros(tensor.Shape{}, dt, tensor.On(dev))
		r := tensor.Where(ignored, zero, up) // [N]
		zero.Release()
		if up != g[0] {
			up.Release()
		}
		r2 := r.Reshape(N, 1)

		// The coefficient of p_ic: r_i without class weights, where it reduces to (1-ε) + ε.
		var a *tensor.Tensor
		if w != nil {
			a = wy.MulScalar(1 - eps)
			if eps > 0 {
				ws := w.Sum().MulScalarInPlace(eps / float64(C))
				a.AddInPlace(ws)
				ws.Release()
			}
			a.MulInPlace(r)
			a2 := a.Reshape(N, 1)
			a.Release()
			a = a2
		} else {
			a = r2.Alias()
		}
		d := lsm.Exp() // p, [N, C]
		d.MulInPlace(a)
		a.Release()

		hot := r.Mul(wy).MulScalarInPlace(-(1 - eps)) // at the targets
		hot2 := hot.Reshape(N, 1)
		d.ScatterAddInPlace(1, ti, hot2)
		hot2.Release()
		hot.Release()
		if eps > 0 {
			if w != nil {
				rw := r2.Mul(w) // r_i·w[c], [N, C]
				d.AddScaledInPlace(-eps/float64(C), rw)
				rw.Release()
			} else {
				d.AddScaledInPlace(-eps/float64(C), r2)
			}
		}
		r2.Release()
		r.Release()
		if single {
			s := d.Reshape(inShape...)
			d.Release()
			d = s
		}
		return list(d)
	}, out)
}
