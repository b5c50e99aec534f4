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
// kept by the graph and returned to the pool when the graph is released.
func Dropout(v *Value, p float64, training bool, rng *tensor.RNG) *Value {
	if p < 0 || p > 1 {
		panic(fmt.Sprintf("autograd.Dropout: probability %g outside [0, 1]", p))
	}
	if !training || p == 0 {
		return v
	}
	mask := rng.Bernoulli(v.data.Shape(), 1-p, v.data.DType(), tensor.On(v.data.Device()))
	if p < 1 {
		mask.MulScalarInPlace(1 / (1 - p))
	}
	out := v.data.Mul(mask)
	n := newNode1(opDropout, v)
	if n == nil {
		mask.Release()
		return constant(out)
	}
	m := n.own(mask)
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor { return list(g[0].Mul(m)) }, out)
}

// Reduction says how a loss combines the losses of the examples of a batch.
type Reduction uint8

const (
	// ReductionMean averages over the examples (those not ignored), PyTorch's default.
	ReductionMean Reduction = iota
	// ReductionSum adds them up.
	ReductionSum
	// ReductionNone returns one loss per example.
	ReductionNone
)

// CrossEntropyOptions configures CrossEntropyWith. Start from DefaultCrossEntropy.
type CrossEntropyOptions struct {
	// Reduction combines the per-example losses (mean by default).
	Reduction Reduction
	// IgnoreIndex is a target value that contributes neither loss nor gradient (-100 by
	// default, as in torch). The mean divides by the number of examples not ignored.
	IgnoreIndex int64
	// LabelSmoothing in [0, 1] mixes the one-hot target with the uniform distribution.
	LabelSmoothing float64
}

// DefaultCrossEntropy holds PyTorch's defaults: mean reduction, ignore index -100, no label
// smoothing.
var DefaultCrossEntropy = CrossEntropyOptions{Reduction: ReductionMean, IgnoreIndex: -100}

// CrossEntropy returns the mean cross-entropy between logits of shape [N, C] (or [C]) and
// Int64 class targets of shape [N] (or []), with PyTorch's defaults: log-softmax and negative
// log-likelihood fused in one operation whose gradient is softmax - onehot.
func CrossEntropy(logits *Value, targets *tensor.Tensor) *Value {
	return CrossEntropyWith(logits, targets, DefaultCrossEntropy)
}

// CrossEntropyWith is CrossEntropy with options. It panics if the shapes do not fit, the
// targets are not Int64, or a target (other than IgnoreIndex) is outside [0, C).
func CrossEntropyWith(logits *Value, targets *tensor.Tensor, opt CrossEntropyOptions) *Value {
	const name = "autograd.CrossEntropy"
	if targets.DType() != tensor.Int64 {
		panic(fmt.Sprintf("%s: targets must be int64, got %s", name, targets.DType()))
	}
	if opt.LabelSmoothing < 0 || opt.LabelSmoothing > 1 {
		panic(fmt.Sprintf("%s: label smoothing %g outside [0, 1]", name, opt.LabelSmoothing))
	}
	x, t := logits.data, targets
	single := x.NDim() == 1
	if single {
		if t.NDim() != 0 {
			panic(fmt.Sprintf("%s: logits of shape %v need a 0-d target, got shape %v", name, x.Shape(), t.Shape()))
		}
		x, t = x.Unsqueeze(0), t.Reshape(1)
		defer x.Release()
	}
	if x.NDim() != 2 || t.NDim() != 1 || t.Size(0) != x.Size(0) {
		panic(fmt.Sprintf("%s: logits of shape %v and targets of shape %v do not fit ([N, C] and [N])", name, logits.data.Shape(), targets.Shape()))
	}
	N, C := x.Size(0), x.Size(1)
	dt, dev := x.DType(), x.Device()

	valid := t.NeScalar(float64(opt.IgnoreIndex)) // 1 where the example counts (Int64)
	ignored := t.EqScalar(float64(opt.IgnoreIndex))
	safe := t.MaskedFill(ignored, 0) // ignored targets read class 0, then count for nothing
	ignored.Release()
	if N > 0 {
		if lo := safe.Min().Item(); lo < 0 {
			panic(fmt.Sprintf("%s: target %g out of range for %d classes", name, lo, C))
		}
		if hi := safe.Max().Item(); hi >= float64(C) {
			panic(fmt.Sprintf("%s: target %g out of range for %d classes", name, hi, C))
		}
	}
	validF := valid.AsType(dt) // [N]
	valid.Release()
	count := validF.Sum().Item()

	lsm := x.LogSoftmax(1)      // [N, C]
	ti := safe.Unsqueeze(1)     // [N, 1]
	picked := lsm.Gather(1, ti) // [N, 1]
	eps := opt.LabelSmoothing
	loss := picked.Reshape(N).MulScalarInPlace(-(1 - eps)) // [N]
	picked.Release()
	if eps > 0 {
		m := lsm.Mean(1) // mean over classes of log p
		loss.AddScaledInPlace(-eps, m)
		m.Release()
	}
	loss.MulInPlace(validF)

	var out *tensor.Tensor
	switch opt.Reduction {
	case ReductionMean:
		out = loss.Sum().MulScalarInPlace(1 / count)
		loss.Release()
	case ReductionSum:
		out = loss.Sum()
		loss.Release()
	case ReductionNone:
		out = loss
		if single {
			out = loss.Reshape()
		}
	default:
		panic(fmt.Sprintf("%s: unknown reduction %d", name, opt.Reduction))
	}

	n := newNode1(opCrossEntropy, logits)
	if n == nil {
		lsm.Release()
		ti.Release()
		safe.Release()
		validF.Release()
		return constant(out)
	}
	n.own(lsm)
	n.own(ti)
	n.own(safe)
	n.own(validF)
	inShape := logits.data.Shape()
	red := opt.Reduction
	return n.finish1(func(g []*tensor.Tensor) []*tensor.Tensor {
		// d loss_i / d x_ic = softmax_ic - (1-eps)·[c = t_i] - eps/C, times valid_i.
		d := lsm.Exp()
		if eps > 0 {
			d.AddScalarInPlace(-eps / float64(C))
		}
		hot := tensor.Full(tensor.Shape{N, 1}, -(1 - eps), dt, tensor.On(dev))
		d.ScatterAddInPlace(1, ti, hot)
		hot.Release()
		var scale *tensor.Tensor // per example: valid_i · dL/dloss_i, shape [N, 1]
		switch red {
		case ReductionMean:
			scale = validF.Mul(g[0]).MulScalarInPlace(1 / count)
		case ReductionSum:
			scale = validF.Mul(g[0])
		default:
			gr := g[0].Reshape(N)
			scale = validF.Mul(gr)
			gr.Release()
		}
		s2 := scale.Reshape(N, 1)
		d.MulInPlace(s2)
		s2.Release()
		scale.Release()
		if single {
			r := d.Reshape(inShape...)
			d.Release()
			d = r
		}
		return list(d)
	}, out)
}
