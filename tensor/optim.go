package tensor

import (
	"math"
	"slices"
	"sync/atomic"

	"github.com/godl/godl/tensor/device"
)

// Optimizer updates: one step of SGD, Adam (and AdamW), RMSprop or Adagrad for one parameter,
// in place, as PyTorch 1.13's single-tensor implementations compute it (package optim calls
// them for every parameter). device.SGDArgs and its siblings define each step operation by
// operation. A device with a fused kernel (device.OptimizerKernel) runs the step in one pass
// over the elements; on the others it is composed from primitives here, the reference the
// fused kernels are tested against. Neither reads anything back to the host.

// SGDUpdate holds the scalars of an SGD step (see device.SGDArgs). First says that the
// momentum buffer takes its first step (it is then set to the gradient).
type SGDUpdate struct {
	LR, WeightDecay, Momentum, Dampening float64
	Nesterov, Maximize, First            bool
}

// AdamUpdate holds the scalars of an Adam step (see device.AdamArgs). Step is the
// parameter's step count including this one (1 for the first step); Decoupled makes it AdamW.
type AdamUpdate struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Step                               int64
	Decoupled, AMSGrad, Maximize       bool
}

// RMSpropUpdate holds the scalars of an RMSprop step (see device.RMSpropArgs).
type RMSpropUpdate struct {
	LR, Alpha, Eps, WeightDecay, Momentum float64
	Centered, Maximize                    bool
}

// AdagradUpdate holds the scalars of an Adagrad step (see device.AdagradArgs). Step is the
// parameter's step count including this one.
type AdagradUpdate struct {
	LR, LRDecay, Eps, WeightDecay float64
	Step                          int64
	Maximize                      bool
}

// composedOptim makes every device use the composed updates (SetComposedOptimizers).
var composedOptim atomic.Bool

// SetComposedOptimizers makes the optimizer updates use the form composed from primitives even
// on devices with a fused kernel (on), and returns the previous setting: for tests and
// benchmarks that compare the two. It is process-wide.
func SetComposedOptimizers(on bool) bool { return composedOptim.Swap(on) }

func optimKernel(dev Device) device.OptimizerKernel {
	if k, ok := dev.(device.OptimizerKernel); ok && !composedOptim.Load() {
		return k
	}
	return nil
}

// checkOptim panics unless param is a writable float tensor and every other operand present
// has its device, dtype and shape; state operands (from index 2 on) must be writable and must
// not share param's storage.
func checkOptim(op string, param, grad *Tensor, state ...*Tensor) {
	st := param.live(op)
	if dt := st.buf.DType(); !dt.IsFloat() {
		panicf(op, "parameter of dtype %s and shape %s: needs float32 or float64", dt, shapeStr(param.layout.Shape))
	}
	param.checkWritable(op)
	checkOptimOperand(op, param, grad, "gradient")
	for _, s := range state {
		if s == nil {
			continue
		}
		checkOptimOperand(op, param, s, "state buffer")
		s.checkWritable(op)
		if s.st == st {
			panicf(op, "a state buffer shares the parameter's storage")
		}
	}
}

func checkOptimOperand(op string, param, t *Tensor, what string) {
	if t == nil {
		panicf(op, "nil %s", what)
	}
	checkSame(op, param, t)
	if !slices.Equal(t.layout.Shape, param.layout.Shape) {
		panicf(op, "%s of shape %s for a parameter of shape %s", what, shapeStr(t.layout.Shape), shapeStr(param.layout.Shape))
	}
}

func stridedOrNone(t *Tensor) Strided {
	if t == nil {
		return Strided{}
	}
	return t.strided()
}

func bumpAll(ts ...*Tensor) {
	for _, t := range ts {
		if t != nil {
			t.bumpVersion()
		}
	}
}

// SGDStep updates param in place from its gradient, as device.SGDArgs defines; buf is the
// momentum buffer (nil when u.Momentum is 0), updated in place too. It panics if the operands'
// shapes, dtypes or devices differ, if param is not a float tensor, or if buf is missing or
// superfluous.
func SGDStep(param, grad, buf *Tensor, u SGDUpdate) {
	const op = "tensor.SGDStep"
	checkOptim(op, param, grad, buf)
	if (buf != nil) != (u.Momentum != 0) {
		panicf(op, "a momentum buffer goes with a nonzero momentum (momentum %g)", u.Momentum)
	}
	if k := optimKernel(param.st.dev); k != nil {
		k.SGDStep(device.SGDArgs{Param: param.strided(), Grad: grad.strided(), Buf: stridedOrNone(buf),
			LR: u.LR, WeightDecay: u.WeightDecay, Momentum: u.Momentum, Dampening: u.Dampening,
			Nesterov: u.Nesterov, Maximize: u.Maximize, First: u.First})
		bumpAll(param, buf)
	} else {
		composedSGD(param, grad, buf, u)
	}
	keep(param, grad, buf)
}

// AdamStep updates param in place from its gradient, as device.AdamArgs defines: Adam, or
// AdamW with u.Decoupled. expAvg and expAvgSq are the moment estimates, maxExpAvgSq the
// running maximum of expAvgSq (only with u.AMSGrad; nil otherwise), all updated in place. It
// panics if the operands' shapes, dtypes or devices differ, if param is not a float tensor,
// if a buffer is missing or superfluous, or if u.Step < 1.
func AdamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq *Tensor, u AdamUpdate) {
	const op = "tensor.AdamStep"
	if expAvg == nil || expAvgSq == nil {
		panicf(op, "nil moment buffer")
	}
	checkOptim(op, param, grad, expAvg, expAvgSq, maxExpAvgSq)
	if (maxExpAvgSq != nil) != u.AMSGrad {
		panicf(op, "the maximum buffer goes with AMSGrad (amsgrad %t)", u.AMSGrad)
	}
	if u.Step < 1 {
		panicf(op, "step %d: counts start at 1", u.Step)
	}
	step := float64(u.Step)
	stepSize := u.LR / (1 - math.Pow(u.Beta1, step))
	bc2 := math.Sqrt(1 - math.Pow(u.Beta2, step))
	if k := optimKernel(param.st.dev); k != nil {
		k.AdamStep(device.AdamArgs{Param: param.strided(), Grad: grad.strided(), ExpAvg: expAvg.strided(),
			ExpAvgSq: expAvgSq.strided(), MaxExpAvgSq: stridedOrNone(maxExpAvgSq),
			LR: u.LR, Beta1: u.Beta1, Beta2: u.Beta2, Eps: u.Eps, WeightDecay: u.WeightDecay,
			StepSize: stepSize, BiasCorrection2Sqrt: bc2,
			Decoupled: u.Decoupled, AMSGrad: u.AMSGrad, Maximize: u.Maximize})
		bumpAll(param, expAvg, expAvgSq, maxExpAvgSq)
	} else {
		composedAdam(param, grad, expAvg, expAvgSq, maxExpAvgSq, u, stepSize, bc2)
	}
	keep(param, grad, expAvg, expAvgSq, maxExpAvgSq)
}

// RMSpropStep updates param in place from its gradient, as device.RMSpropArgs defines;
// squareAvg, gradAvg (only with u.Centered) and buf (only with u.Momentum > 0) are updated in
// place. It panics if the operands' shapes, dtypes or devices differ, if param is not a float
// tensor, or if a buffer is missing or superfluous.
func RMSpropStep(param, grad, squareAvg, gradAvg, buf *Tensor, u RMSpropUpdate) {
	const op = "tensor.RMSpropStep"
	if squareAvg == nil {
		panicf(op, "nil square average")
	}
	checkOptim(op, param, grad, squareAvg, gradAvg, buf)
	if (gradAvg != nil) != u.Centered {
		panicf(op, "the gradient average goes with centered (centered %t)", u.Centered)
	}
	if (buf != nil) != (u.Momentum > 0) {
		panicf(op, "a momentum buffer goes with a positive momentum (momentum %g)", u.Momentum)
	}
	if k := optimKernel(param.st.dev); k != nil {
		k.RMSpropStep(device.RMSpropArgs{Param: param.strided(), Grad: grad.strided(), SquareAvg: squareAvg.strided(),
			GradAvg: stridedOrNone(gradAvg), Buf: stridedOrNone(buf),
			LR: u.LR, Alpha: u.Alpha, Eps: u.Eps, WeightDecay: u.WeightDecay, Momentum: u.Momentum,
			Centered: u.Centered, Maximize: u.Maximize})
		bumpAll(param, squareAvg, gradAvg, buf)
	} else {
		composedRMSprop(param, grad, squareAvg, gradAvg, buf, u)
	}
	keep(param, grad, squareAvg, gradAvg, buf)
}

// AdagradStep updates param in place from its gradient, as device.AdagradArgs defines; sum
// is the running sum of squared gradients, updated in place. It panics if the operands'
// shapes, dtypes or devices differ, if param is not a float tensor, or if u.Step < 1.
func AdagradStep(param, grad, sum *Tensor, u AdagradUpdate) {
	const op = "tensor.AdagradStep"
	if sum == nil {
		panicf(op, "nil sum")
	}
	checkOptim(op, param, grad, sum)
	if u.Step < 1 {
		panicf(op, "step %d: counts start at 1", u.Step)
	}
	clr := u.LR / (1 + float64(u.Step-1)*u.LRDecay)
	if k := optimKernel(param.st.dev); k != nil {
		k.AdagradStep(device.AdagradArgs{Param: param.strided(), Grad: grad.strided(), Sum: sum.strided(),
			CLR: clr, Eps: u.Eps, WeightDecay: u.WeightDecay, Maximize: u.Maximize})
		bumpAll(param, sum)
	} else {
		composedAdagrad(param, grad, sum, u, clr)
	}
	keep(param, grad, sum)
}

// effectiveGrad returns the gradient negated with maximize and with weight decay·param added
// (owned by s when new).
func effectiveGrad(s *Scope, param, grad *Tensor, maximize bool, wd float64) *Tensor {
	g := grad
	if maximize {
		g = s.Own(g.Neg())
	}
	if wd != 0 {
		g = s.Own(g.Add(s.Own(param.MulScalar(wd))))
	}
	return g
}

func composedSGD(param, grad, buf *Tensor, u SGDUpdate) {
	var s Scope
	defer s.Release()
	d := effectiveGrad(&s, param, grad, u.Maximize, u.WeightDecay)
	if buf != nil {
		if u.First {
			buf.CopyFrom(d)
		} else {
			buf.MulScalarInPlace(u.Momentum).AddScaledInPlace(1-u.Dampening, d)
		}
		if u.Nesterov {
			d = s.Own(d.Add(s.Own(buf.MulScalar(u.Momentum))))
		} else {
			d = buf
		}
	}
	param.AddScaledInPlace(-u.LR, d)
}

func composedAdam(param, grad, m, v, vmax *Tensor, u AdamUpdate, stepSize, bc2 float64) {
	var s Scope
	defer s.Release()
	wd := u.WeightDecay
	if u.Decoupled {
		param.MulScalarInPlace(1 - u.LR*u.WeightDecay)
		wd = 0
	}
	g := effectiveGrad(&s, param, grad, u.Maximize, wd)
	m.MulScalarInPlace(u.Beta1).AddInPlace(s.Own(g.MulScalar(1 - u.Beta1)))
	v.MulScalarInPlace(u.Beta2).AddInPlace(s.Own(s.Own(g.MulScalar(1 - u.Beta2)).MulInPlace(g)))
	src := v
	if vmax != nil {
		vmax.CopyFrom(s.Own(vmax.Maximum(v)))
		src = vmax
	}
	denom := s.Own(src.Sqrt()).ApplyInPlace(OpDivScalar, bc2, 0).AddScalarInPlace(u.Eps)
	param.AddInPlace(s.Own(m.MulScalar(-stepSize)).DivInPlace(denom))
}

func composedRMSprop(param, grad, sq, ga, buf *Tensor, u RMSpropUpdate) {
	var s Scope
	defer s.Release()
	g := effectiveGrad(&s, param, grad, u.Maximize, u.WeightDecay)
	sq.MulScalarInPlace(u.Alpha).AddInPlace(s.Own(s.Own(g.MulScalar(1 - u.Alpha)).MulInPlace(g)))
	var avg *Tensor
	if ga != nil {
		ga.MulScalarInPlace(u.Alpha).AddInPlace(s.Own(g.MulScalar(1 - u.Alpha)))
		avg = s.Own(sq.Add(s.Own(ga.Neg()).MulInPlace(ga))).ApplyInPlace(OpSqrt, 0, 0)
	} else {
		avg = s.Own(sq.Sqrt())
	}
	avg.AddScalarInPlace(u.Eps)
	if buf != nil {
		buf.MulScalarInPlace(u.Momentum).AddInPlace(s.Own(g.Div(avg)))
		param.AddScaledInPlace(-u.LR, buf)
	} else {
		param.AddInPlace(s.Own(g.MulScalar(-u.LR)).DivInPlace(avg))
	}
}

func composedAdagrad(param, grad, sum *Tensor, u AdagradUpdate, clr float64) {
	var s Scope
	defer s.Release()
	g := effectiveGrad(&s, param, grad, u.Maximize, u.WeightDecay)
	sum.AddInPlace(s.Own(g.Square()))
	std := s.Own(sum.Sqrt()).AddScalarInPlace(u.Eps)
	param.AddInPlace(s.Own(g.MulScalar(-clr)).DivInPlace(std))
}
