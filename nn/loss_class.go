package nn

import (
	"math"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// CrossEntropyOptions configures CrossEntropyLoss. The zero value holds PyTorch's defaults:
// mean reduction, ignore index -100, no class weights, no label smoothing.
type CrossEntropyOptions struct {
	// Reduction combines the losses of the examples (ReductionMean when zero).
	Reduction Reduction
	// IgnoreIndex, when not nil, is the class-index target that contributes neither loss
	// nor gradient, nor weight to the mean's divisor; nil means -100, as in torch. It is a
	// pointer so that every class, 0 included, stays expressible: new(int64(0)). Probability
	// targets accept only a negative one, as torch does.
	IgnoreIndex *int64
	// Weight, when not nil, holds one weight per class (shape [C], the input's dtype and
	// device), like torch's weight=. No gradient flows to it.
	Weight *tensor.Tensor
	// LabelSmoothing in [0, 1] mixes the target with the uniform distribution over the
	// classes.
	LabelSmoothing float64
}

// CrossEntropyLoss returns the cross-entropy between input logits and target, like
// torch.nn.functional.cross_entropy in PyTorch 1.13. The classes lie along dimension 1 of the
// input (dimension 0 of a 1-D one); the target holds either class indices or class
// probabilities.
//
// Class indices: an Int64 target of shape [N] for input [N, C], [N, d1, ..., dk] for input
// [N, C, d1, ..., dk] (the K-dimensional case, one prediction per position), or 0-d for
// input [C]. With ε the label smoothing, w the class weights (all 1 without Weight),
// p = softmax(input) over the classes and y the target of one example (one position), its
// loss is
//
//	(1-ε)·w[y]·(-log p[y]) + (ε/C)·Σ_k w[k]·(-log p[k])
//
// and 0 where y is the ignore index; ReductionMean divides the sum over every example and
// position by Σ w[y] over those not ignored (NaN when there are none, as in torch, with a
// zero gradient). This is autograd.CrossEntropyWith, whose gradient is fused; the
// K-dimensional input is moved to [N·d1·…·dk, C] first (a copy). A class index other than the
// ignore index outside [0, C) is found by the device's gather: it panics with an index out of
// range at once on the CPU, and at the next synchronizing call on a device that queues its
// work.
//
// Class probabilities: a float target with the input's shape and dtype. With
// t = (1-ε)·target + ε/C, the loss of an example is -Σ_k w[k]·t[k]·log p[k], and
// ReductionMean divides the sum by the number of examples and positions (N·d1·…·dk, not by
// weights). A gradient flows to the target too when it requires one.
//
// The result is 0-d for ReductionMean and ReductionSum, and has the target's shape without
// the class dimension for ReductionNone. It records no graph when the input or the target is
// in no-grad mode. It panics with a *tensor.Error if an operand is nil, the input is not a
// float tensor of at least one dimension, the target's dtype or shape do not fit the input's
// (an Int64 target for class indices, a float one for probabilities), the operands are on
// different devices, the weights are not [C] of the input's dtype and device, the label
// smoothing is outside [0, 1], probability targets come with a non-negative ignore index,
// or the reduction is not mean, sum or none.
func CrossEntropyLoss(input, target *autograd.Value, opt CrossEntropyOptions) *autograd.Value {
	const op = "nn.CrossEntropyLoss"
	checkOperands(op, input, target)
	checkReduction(op, opt.Reduction, false)
	if !(opt.LabelSmoothing >= 0 && opt.LabelSmoothing <= 1) {
		panicf(op, "label smoothing %g outside [0, 1]", opt.LabelSmoothing)
	}
	classDim, C := classes(op, input)
	checkClassWeight(op, opt.Weight, input, C)
	if target.DType().IsFloat() {
		if opt.IgnoreIndex != nil && *opt.IgnoreIndex >= 0 {
			panicf(op, "ignore index %d with probability targets (of shape %v): torch supports no ignore index for them", *opt.IgnoreIndex, target.Shape())
		}
		if !target.Shape().Equal(input.Shape()) {
			panicf(op, "float targets are class probabilities of the input's shape %v, got shape %v (class indices must be int64)", input.Shape(), target.Shape())
		}
		checkSameTarget(op, input, target)
		return softCrossEntropy(input, target, classDim, C, opt)
	}
	checkClassTarget(op, input, target)
	input = noGradWith(input, target)
	aopt := autograd.CrossEntropyOptions{
		Reduction:      opt.Reduction.forAutograd(),
		IgnoreIndex:    opt.IgnoreIndex,
		Weight:         opt.Weight,
		LabelSmoothing: opt.LabelSmoothing,
	}
	if input.NDim() <= 2 {
		return autograd.CrossEntropyWith(input, target.Data(), aopt)
	}
	// [N, C, d1, ..., dk] → [N, d1, ..., dk, C] → [N·d1·…·dk, C]; the mean over the flat
	// examples is the mean torch takes over every position.
	perm := make([]int, 0, input.NDim())
	perm = append(perm, 0)
	for d := 2; d < input.NDim(); d++ {
		perm = append(perm, d)
	}
	perm = append(perm, 1)
	flat := input.Permute(perm...).Reshape(-1, C)
	t := target.Data().Reshape(-1)
	defer t.Release()
	loss := autograd.CrossEntropyWith(flat, t, aopt)
	if opt.Reduction == ReductionNone {
		loss = loss.Reshape(target.Shape()...)
	}
	return loss
}

// softCrossEntropy is the cross-entropy with probability targets, composed as torch 1.13
// does: -Σ log_softmax(input)·t·w with t the smoothed target.
func softCrossEntropy(input, target *autograd.Value, classDim, C int, opt CrossEntropyOptions) *autograd.Value {
	t := target
	if eps := opt.LabelSmoothing; eps > 0 {
		t = target.MulScalar(1 - eps).AddScalar(eps / float64(C))
	}
	prod := input.LogSoftmax(classDim).Mul(t)
	if opt.Weight != nil {
		shape := make([]int, input.NDim())
		for i := range shape {
			shape[i] = 1
		}
		shape[classDim] = C
		prod = prod.Mul(autograd.Const(opt.Weight.Reshape(shape...)))
	}
	switch opt.Reduction {
	case ReductionNone:
		return prod.Sum(classDim).Neg()
	case ReductionSum:
		return prod.Sum().Neg()
	}
	// The number of examples and positions: every dimension but the classes'.
	n := 1
	for i, d := range input.Shape() {
		if i != classDim {
			n *= d
		}
	}
	return prod.Sum().Neg().DivScalar(float64(n))
}

// NLLOptions configures NLLLoss. The zero value holds PyTorch's defaults: mean reduction,
// ignore index -100, no class weights.
type NLLOptions struct {
	// Reduction combines the losses of the examples (ReductionMean when zero).
	Reduction Reduction
	// IgnoreIndex, when not nil, is the target that contributes neither loss nor gradient,
	// nor weight to the mean's divisor; nil means -100, as in torch (see
	// CrossEntropyOptions).
	IgnoreIndex *int64
	// Weight, when not nil, holds one weight per class (shape [C], the input's dtype and
	// device). No gradient flows to it.
	Weight *tensor.Tensor
}

// NLLLoss returns the negative log-likelihood of class-index targets under input
// log-probabilities, like torch.nn.functional.nll_loss: the loss of an example (a position in
// the K-dimensional case) of target y is -w[y]·input[y], 0 where y is the ignore index. The
// shapes are those of CrossEntropyLoss with class indices: input [N, C] with target [N],
// [N, C, d1, ..., dk] with [N, d1, ..., dk], or [C] with a 0-d target. ReductionMean divides
// the sum by Σ w[y] over the targets not ignored: NaN when there are none, as in torch, with
// a zero gradient. Nothing is read back from the device; a target outside [0, C) other than
// the ignore index is found by the device's gather, as in CrossEntropyLoss.
//
// It records no graph when the input or the target is in no-grad mode. It panics with a
// *tensor.Error if an operand is nil, the input is not a float tensor of at least one
// dimension, the target is not Int64 of the shape the input needs, the operands are on
// different devices, the weights are not [C] of the input's dtype and device, or the
// reduction is not mean, sum or none.
func NLLLoss(input, target *autograd.Value, opt NLLOptions) *autograd.Value {
	const op = "nn.NLLLoss"
	checkOperands(op, input, target)
	checkReduction(op, opt.Reduction, false)
	_, C := classes(op, input)
	checkClassWeight(op, opt.Weight, input, C)
	checkClassTarget(op, input, target)
	input = noGradWith(input, target)
	ignore := int64(autograd.DefaultIgnoreIndex)
	if opt.IgnoreIndex != nil {
		ignore = *opt.IgnoreIndex
	}

	x, t := input, target.Data()
	if x.NDim() == 1 {
		x, t = x.Unsqueeze(0), t.Reshape(1)
	}
	dt, dev := x.DType(), x.Data().Device()
	var s tensor.Scope // the temporaries that no graph keeps
	defer s.Release()
	ignored := s.Own(t.EqScalar(float64(ignore))) // 1 where the target is ignored
	safe := s.Own(t.MaskedFill(ignored, 0))       // ignored targets read class 0, then count for nothing
	// wy is the weight of each example's loss: w[y], or 1, and 0 where ignored.
	wy := s.Own(t.NeScalar(float64(ignore))).AsType(dt)
	if opt.Weight != nil {
		ws := s.Own(s.Own(opt.Weight.IndexSelect(0, s.Own(safe.Reshape(-1)))).Reshape(t.Shape()...))
		wy = ws.Mul(s.Own(wy))
	}
	picked := x.Gather(1, safe.Unsqueeze(1)).Squeeze(1) // input[y], with the target's shape

	var loss *autograd.Value
	switch opt.Reduction {
	case ReductionNone:
		loss = picked.Mul(autograd.Const(wy)).Neg()
	case ReductionSum:
		loss = picked.Mul(autograd.Const(wy)).Sum().Neg()
	default:
		// Each loss is weighed by w[y]/Σw[y], and an ignored one by 0 also when nothing counts
		// (where that is 0/0): its gradient is then 0, as in torch, and the loss NaN, as
		// torch's 0/0 is.
		denom := s.Own(wy.Sum())
		coef := s.Own(wy.Div(denom)).MaskedFill(ignored, 0)
		s.Own(wy)
		loss = picked.Mul(autograd.Const(coef)).Sum().Neg()
		nan := autograd.Const(tensor.Full(tensor.Shape{}, math.NaN(), dt, tensor.On(dev)))
		loss = autograd.Where(denom.EqScalar(0), nan, loss)
	}
	if input.NDim() == 1 && opt.Reduction == ReductionNone {
		loss = loss.Reshape()
	}
	return loss
}

// classes returns the class dimension of input (1, or 0 for a 1-D input) and its size.
func classes(op string, input *autograd.Value) (dim, size int) {
	switch input.NDim() {
	case 0:
		panicf(op, "input of shape %v has no class dimension", input.Shape())
	case 1:
		return 0, input.Size(0)
	}
	return 1, input.Size(1)
}

// checkClassWeight panics unless w is nil or a [C] tensor of the input's dtype and device.
func checkClassWeight(op string, w *tensor.Tensor, input *autograd.Value, C int) {
	if w == nil {
		return
	}
	if w.NDim() != 1 || w.Size(0) != C {
		panicf(op, "weight of shape %v for %d classes (input of shape %v); want [%d]", w.Shape(), C, input.Shape(), C)
	}
	x := input.Data()
	if w.DType() != x.DType() || w.Device() != x.Device() {
		panicf(op, "weight is %s on %s, input is %s on %s", w.DType(), w.Device().Name(), x.DType(), x.Device().Name())
	}
}

// checkClassTarget panics unless target is an Int64 tensor of the shape class indices for
// input have: the input's shape without dimension 1 (without dimension 0 for a 1-D input).
func checkClassTarget(op string, input, target *autograd.Value) {
	want := classTargetShape(input.Shape())
	if target.DType() != tensor.Int64 {
		panicf(op, "class-index targets must be int64, got %s of shape %v (float targets are class probabilities of the input's shape %v)", target.DType(), target.Shape(), input.Shape())
	}
	if !target.Shape().Equal(want) {
		panicf(op, "input of shape %v needs class-index targets of shape %v, got %v", input.Shape(), want, target.Shape())
	}
}

// classTargetShape is the shape of class-index targets for input of shape s.
func classTargetShape(s tensor.Shape) tensor.Shape {
	if len(s) == 1 {
		return tensor.Shape{}
	}
	out := tensor.Shape{s[0]}
	return append(out, s[2:]...)
}

// noGradWith returns input in no-grad mode when target is, as any operation on both would:
// the class-index losses pass only the target's data on.
func noGradWith(input, target *autograd.Value) *autograd.Value {
	if target.IsNoGrad() && !input.IsNoGrad() {
		return input.NoGrad()
	}
	return input
}
