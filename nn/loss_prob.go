package nn

import (
	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// BCEWithLogitsOptions configures BCEWithLogitsLoss. The zero value holds PyTorch's defaults:
// mean reduction, no weights.
type BCEWithLogitsOptions struct {
	// Reduction combines the elementwise losses (ReductionMean when zero).
	Reduction Reduction
	// Weight, when not nil, rescales the loss of each element; it broadcasts to the input's
	// shape. No gradient flows to it.
	Weight *tensor.Tensor
	// PosWeight, when not nil, weighs the positive term of each class: a tensor that
	// broadcasts to the input's shape, typically [C] for input [N, C] (or [C, 1, 1] for
	// [N, C, H, W]), as in torch. No gradient flows to it.
	PosWeight *tensor.Tensor
}

// BCEWithLogitsLoss returns the binary cross-entropy between sigmoid(input) and target,
// computed from the logits without forming the sigmoid, like
// torch.nn.functional.binary_cross_entropy_with_logits. With x the input, y the target,
// pw the positive weight (1 without PosWeight) and w the weight (1 without Weight), the loss
// of an element is
//
//	w·((1-y)·x + (1 + (pw-1)·y)·softplus(-x)),   softplus(-x) = max(-x, 0) + log(1 + exp(-|x|))
//
// which is w·(-pw·y·log σ(x) - (1-y)·log(1-σ(x))) without overflow for logits of any size.
// Its gradient is exact at x = 0 too, and flows to the target when it requires one.
// ReductionMean divides by the number of elements.
//
// It records no graph when the input or the target is in no-grad mode. It panics with a
// *tensor.Error if an operand is nil, the target's shape or dtype differ from the input's
// (a float tensor), a weight does not broadcast to the input's shape or differs in dtype or
// device, the operands are on different devices, or the reduction is not mean, sum or none.
func BCEWithLogitsLoss(input, target *autograd.Value, opt BCEWithLogitsOptions) *autograd.Value {
	const op = "nn.BCEWithLogitsLoss"
	checkOperands(op, input, target)
	checkSameTarget(op, input, target)
	checkReduction(op, opt.Reduction, false)
	if opt.Weight != nil {
		checkConst(op, "weight", opt.Weight, input)
	}
	if opt.PosWeight != nil {
		checkConst(op, "pos_weight", opt.PosWeight, input)
	}
	x, y := input, target
	// softplus(-x) = max(-x, 0) + log1p(exp(-|x|)), with both kinks at x = 0 differentiated
	// on the same side, so that the gradient there is -1/2 and not the 0 that Abs and ReLU
	// would each give: max(-x, 0) is -x for x < 0 and 0 elsewhere, -|x| is x for x < 0 and
	// -x elsewhere.
	neg := x.Data().LtScalar(0)
	relu := x.Neg().MaskedFill(x.Data().GeScalar(0), 0)
	sp := relu.Add(autograd.Where(neg, x, x.Neg()).Exp().Log1p())
	lw := sp
	if opt.PosWeight != nil {
		lw = y.Mul(autograd.Const(opt.PosWeight.SubScalar(1))).AddScalar(1).Mul(sp)
	}
	loss := y.RSubScalar(1).Mul(x).Add(lw)
	if opt.Weight != nil {
		loss = loss.Mul(autograd.Const(opt.Weight))
	}
	return reduce(loss, opt.Reduction)
}

// KLDivOptions configures KLDivLoss. The zero value holds PyTorch's defaults: ReductionMean
// (which torch warns about; ReductionBatchMean is the KL divergence per example) and a target
// of probabilities.
type KLDivOptions struct {
	// Reduction combines the elementwise terms: ReductionMean divides their sum by the number
	// of elements, ReductionBatchMean by the size of the first dimension (nothing for a 0-d
	// input), as in torch.
	Reduction Reduction
	// LogTarget says the target holds log-probabilities rather than probabilities.
	LogTarget bool
}

// KLDivLoss returns the Kullback-Leibler divergence of the target distribution from the one
// the input's log-probabilities describe, like torch.nn.functional.kl_div: elementwise, with
// x the input and y the target,
//
//	y·(log y - x)          (0 where y = 0)
//	exp(y)·(y - x)         with LogTarget
//
// reduced as opt says (ReductionBatchMean is the mathematical KL divergence averaged over the
// batch). A gradient flows to the target when it requires one; where a probability target is
// 0, the term y·log y contributes 0 to it (torch's gradient is NaN there).
//
// It records no graph when the input or the target is in no-grad mode. It panics with a
// *tensor.Error if an operand is nil, the target's shape or dtype differ from the input's
// (a float tensor), the operands are on different devices, or the reduction is unknown.
func KLDivLoss(input, target *autograd.Value, opt KLDivOptions) *autograd.Value {
	const op = "nn.KLDivLoss"
	checkOperands(op, input, target)
	checkSameTarget(op, input, target)
	checkReduction(op, opt.Reduction, true)
	x, y := input, target
	var loss *autograd.Value
	if opt.LogTarget {
		loss = y.Exp().Mul(y.Sub(x))
	} else {
		// torch's xlogy(y, y): log reads 1 where y = 0, so the term is 0 there.
		logy := y.MaskedFill(y.Data().EqScalar(0), 1).Log()
		loss = y.Mul(logy.Sub(x))
	}
	if opt.Reduction != ReductionBatchMean {
		return reduce(loss, opt.Reduction)
	}
	if x.NDim() == 0 {
		return loss.Sum()
	}
	return loss.Sum().DivScalar(float64(x.Size(0)))
}
