package nn

import (
	"fmt"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// The losses are functions of the input (predictions, logits, log-probabilities) and the
// target, both *autograd.Value, with an options struct whose zero value holds PyTorch's
// defaults, like torch.nn.functional's. A float target may require a gradient (a teacher's
// output, say); labels are wrapped with autograd.Const. What the shapes, dtypes and devices of
// the operands must be is checked on the host, from their metadata; nothing is read back from
// the device, so a loss queues its work like any other operation and a class index out of
// range is reported by the device's gather (see CrossEntropyLoss).

// Reduction says how a loss combines its elementwise losses. The zero value is ReductionMean,
// PyTorch's default.
type Reduction uint8

const (
	// ReductionMean averages the elementwise losses (for the class-index losses, the weighted
	// average over the targets not ignored).
	ReductionMean Reduction = iota
	// ReductionSum adds them up.
	ReductionSum
	// ReductionNone returns them unreduced.
	ReductionNone
	// ReductionBatchMean, for KLDivLoss only, divides the sum by the size of the first
	// dimension (the batch size): the KL divergence per example.
	ReductionBatchMean
)

// String returns PyTorch's name of the reduction: "mean", "sum", "none" or "batchmean".
func (r Reduction) String() string {
	switch r {
	case ReductionMean:
		return "mean"
	case ReductionSum:
		return "sum"
	case ReductionNone:
		return "none"
	case ReductionBatchMean:
		return "batchmean"
	}
	return fmt.Sprintf("Reduction(%d)", uint8(r))
}

// forAutograd returns the reduction as package autograd names it (mean, sum or none).
func (r Reduction) forAutograd() autograd.Reduction {
	switch r {
	case ReductionSum:
		return autograd.ReductionSum
	case ReductionNone:
		return autograd.ReductionNone
	}
	return autograd.ReductionMean
}

// LossOptions configures the losses that have no other option (MSELoss, L1Loss). The zero
// value gives PyTorch's default, the mean.
type LossOptions struct {
	Reduction Reduction
}

// checkOperands panics unless input and target are values on one device and the input holds
// floats.
func checkOperands(op string, input, target *autograd.Value) {
	if input == nil {
		panicf(op, "nil input")
	}
	if target == nil {
		panicf(op, "nil target")
	}
	x := input.Data()
	if !x.DType().IsFloat() {
		panicf(op, "input must be float32 or float64, got %s of shape %v", x.DType(), x.Shape())
	}
	if xd, td := x.Device(), target.Data().Device(); xd != td {
		panicf(op, "input is on %s, target on %s", xd.Name(), td.Name())
	}
}

// checkSameTarget panics unless the target has the input's shape and dtype, as the
// elementwise losses need.
func checkSameTarget(op string, input, target *autograd.Value) {
	if target.DType() != input.DType() {
		panicf(op, "target must be %s like the input, got %s of shape %v", input.DType(), target.DType(), target.Shape())
	}
	if !target.Shape().Equal(input.Shape()) {
		panicf(op, "target of shape %v does not match input of shape %v", target.Shape(), input.Shape())
	}
}

// checkReduction panics for an unknown reduction, and for ReductionBatchMean unless the loss
// takes it.
func checkReduction(op string, r Reduction, batchMean bool) {
	if batchMean && r > ReductionBatchMean {
		panicf(op, "unsupported reduction %v (want mean, sum, none or batchmean)", r)
	}
	if !batchMean && r > ReductionNone {
		panicf(op, "unsupported reduction %v (want mean, sum or none)", r)
	}
}

// checkConst panics unless t, a constant operand such as a weight, has the input's dtype and
// device and a shape that broadcasts to the input's.
func checkConst(op, what string, t *tensor.Tensor, input *autograd.Value) {
	x := input.Data()
	if t.DType() != x.DType() || t.Device() != x.Device() {
		panicf(op, "%s is %s on %s, input is %s on %s", what, t.DType(), t.Device().Name(), x.DType(), x.Device().Name())
	}
	if !broadcastsTo(t.Shape(), x.Shape()) {
		panicf(op, "%s of shape %v does not broadcast to input of shape %v", what, t.Shape(), x.Shape())
	}
}

// broadcastsTo reports whether shape s broadcasts to shape to without changing it.
func broadcastsTo(s, to tensor.Shape) bool {
	if len(s) > len(to) {
		return false
	}
	off := len(to) - len(s)
	for i, d := range s {
		if d != 1 && d != to[off+i] {
			return false
		}
	}
	return true
}

// reduce combines elementwise losses with a reduction other than ReductionBatchMean.
func reduce(loss *autograd.Value, r Reduction) *autograd.Value {
	switch r {
	case ReductionSum:
		return loss.Sum()
	case ReductionNone:
		return loss
	}
	return loss.Mean()
}

// MSELoss returns the squared error (input - target)² reduced as opt says, like
// torch.nn.functional.mse_loss. The target must have the input's shape (torch broadcasts
// with a warning; here a mismatch is a caller bug). It panics with a *tensor.Error if an
// operand is nil, the dtypes, shapes or devices differ, or the reduction is unknown.
func MSELoss(input, target *autograd.Value, opt LossOptions) *autograd.Value {
	const op = "nn.MSELoss"
	checkOperands(op, input, target)
	checkSameTarget(op, input, target)
	checkReduction(op, opt.Reduction, false)
	return reduce(input.Sub(target).Square(), opt.Reduction)
}

// L1Loss returns the absolute error |input - target| reduced as opt says, like
// torch.nn.functional.l1_loss; its gradient where input = target is 0. It panics as MSELoss
// does.
func L1Loss(input, target *autograd.Value, opt LossOptions) *autograd.Value {
	const op = "nn.L1Loss"
	checkOperands(op, input, target)
	checkSameTarget(op, input, target)
	checkReduction(op, opt.Reduction, false)
	return reduce(input.Sub(target).Abs(), opt.Reduction)
}

// SmoothL1Options configures SmoothL1Loss. The zero value gives PyTorch's defaults.
type SmoothL1Options struct {
	Reduction Reduction
	// Beta, when not nil, is where the loss turns from quadratic to linear; nil means 1, as
	// in torch. It is a pointer so that 0 (the L1 loss) stays expressible: new(0.0).
	Beta *float64
}

// SmoothL1Loss returns the smooth L1 (Huber-like) loss reduced as opt says, like
// torch.nn.functional.smooth_l1_loss: with z = |input - target|,
//
//	0.5·z²/β   where z < β
//	z - 0.5·β  elsewhere
//
// With β = 0 it is L1Loss. It panics as MSELoss does, and if β is negative or NaN.
func SmoothL1Loss(input, target *autograd.Value, opt SmoothL1Options) *autograd.Value {
	const op = "nn.SmoothL1Loss"
	checkOperands(op, input, target)
	checkSameTarget(op, input, target)
	checkReduction(op, opt.Reduction, false)
	beta := 1.0
	if opt.Beta != nil {
		beta = *opt.Beta
	}
	if !(beta >= 0) {
		panicf(op, "beta %g is negative or NaN", beta)
	}
	d := input.Sub(target)
	z := d.Abs()
	if beta == 0 {
		return reduce(z, opt.Reduction)
	}
	small := z.Data().LtScalar(beta)
	return reduce(autograd.Where(small, d.Square().MulScalar(0.5/beta), z.SubScalar(0.5*beta)), opt.Reduction)
}
