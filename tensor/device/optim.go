package device

// The optimizer updates: one step of an optimizer for one parameter, as PyTorch 1.13's
// single-tensor implementations compute it, elementwise over the parameter, its gradient and
// the optimizer's state buffers for it. Every operand has the parameter's shape and dtype
// (float32 or float64); the host computes the scalars (bias corrections, decayed learning
// rates) from its step counts, so a device never reads anything back.
//
// The definitions below are the reference: each line is one elementwise operation of the
// composed form in package tensor, rounded to the dtype T once, with every scalar rounded to
// T first (as PyTorch rounds a Python float meeting a float32 tensor). A fused kernel computes
// the same operations in the same order, without fusing a multiplication into an addition,
// so the two agree bit for bit. g is the gradient, negated first with Maximize; p the
// parameter.

// SGDArgs are the operands of one SGD step:
//
//	if WeightDecay != 0:  g = g + WeightDecay·p
//	if Momentum != 0:
//	    Buf = g                                     (First: the buffer's first step)
//	    Buf = Buf·Momentum + (1-Dampening)·g        (otherwise)
//	    g = g + Momentum·Buf  (Nesterov)  or  g = Buf
//	p = p + (-LR)·g
//
// Buf is absent (its Buf field nil) when Momentum is 0.
type SGDArgs struct {
	Param, Grad, Buf          Strided
	LR, WeightDecay           float64
	Momentum, Dampening       float64
	Nesterov, Maximize, First bool
}

// AdamArgs are the operands of one Adam or AdamW step, for step count t:
//
//	if Decoupled:  p = p·(1 - LR·WeightDecay)       (AdamW)
//	else if WeightDecay != 0:  g = g + WeightDecay·p
//	ExpAvg = ExpAvg·Beta1 + (1-Beta1)·g
//	ExpAvgSq = ExpAvgSq·Beta2 + ((1-Beta2)·g)·g
//	v = ExpAvgSq, or with AMSGrad: MaxExpAvgSq = max(MaxExpAvgSq, ExpAvgSq); v = MaxExpAvgSq
//	denom = √v / BiasCorrection2Sqrt + Eps
//	p = p + ((-StepSize)·ExpAvg) / denom
//
// where the host computes StepSize = LR / (1 - Beta1ᵗ) and BiasCorrection2Sqrt =
// √(1 - Beta2ᵗ) in float64. MaxExpAvgSq is absent without AMSGrad.
type AdamArgs struct {
	Param, Grad, ExpAvg, ExpAvgSq, MaxExpAvgSq Strided
	LR, Beta1, Beta2, Eps, WeightDecay         float64
	StepSize, BiasCorrection2Sqrt              float64
	Decoupled, AMSGrad, Maximize               bool
}

// RMSpropArgs are the operands of one RMSprop step:
//
//	if WeightDecay != 0:  g = g + WeightDecay·p
//	SquareAvg = SquareAvg·Alpha + ((1-Alpha)·g)·g
//	if Centered:
//	    GradAvg = GradAvg·Alpha + (1-Alpha)·g
//	    avg = √(SquareAvg + (-GradAvg)·GradAvg) + Eps
//	else:
//	    avg = √SquareAvg + Eps
//	if Momentum > 0:  Buf = Buf·Momentum + g/avg;  p = p + (-LR)·Buf
//	else:             p = p + ((-LR)·g)/avg
//
// GradAvg is absent unless Centered, Buf unless Momentum > 0.
type RMSpropArgs struct {
	Param, Grad, SquareAvg, GradAvg, Buf  Strided
	LR, Alpha, Eps, WeightDecay, Momentum float64
	Centered, Maximize                    bool
}

// AdagradArgs are the operands of one Adagrad step; the host computes the decayed rate
// CLR = LR / (1 + (t-1)·LRDecay) for step count t:
//
//	if WeightDecay != 0:  g = g + WeightDecay·p
//	Sum = Sum + g·g
//	p = p + ((-CLR)·g) / (√Sum + Eps)
type AdagradArgs struct {
	Param, Grad, Sum      Strided
	CLR, Eps, WeightDecay float64
	Maximize              bool
}

// OptimizerKernel is an optional fused kernel: one optimizer step of one parameter in a single
// pass over its elements, as SGDArgs, AdamArgs, RMSpropArgs and AdagradArgs define. Package
// tensor composes the same steps from primitives for devices without it (the reference the
// fused kernels are tested against). The parameter and the state buffers are written in place;
// they never overlap each other or the gradient, except that an operand may be the same
// elements as another it is read with (each element reads and writes only its own position).
type OptimizerKernel interface {
	SGDStep(a SGDArgs)
	AdamStep(a AdamArgs)
	RMSpropStep(a RMSpropArgs)
	AdagradStep(a AdagradArgs)
}
