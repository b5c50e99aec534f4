//go:build cuda && cgo

package cuda

import "github.com/godl/godl/tensor/device"

// The fused optimizer updates (device.OptimizerKernel; kernels/optim.cu): one kernel launch
// per step of one parameter, one thread per element, with the roundings device.SGDArgs and its
// siblings define, so that the device's parameters and state buffers equal the CPU's to the
// bit. The host computes the scalars in float64 exactly as the CPU backend does (1 - Beta1,
// -LR, ...) and the kernels round them to the dtype. The kernels walk contiguous operands;
// an operand that is not contiguous is copied into a temporary first (and copied back after,
// unless it is the gradient, which is only read), as the CPU backend does. Nothing waits for
// the stream.

// SGDStep runs one SGD step (see device.SGDArgs).
func (d *Device) SGDStep(a device.SGDArgs) {
	d.optimStep("optim_sgd_", a.Param, a.Grad, []device.Strided{a.Buf}, sgdArgsWords, func(w *argWords) {
		w.float64(-a.LR)
		w.float64(a.WeightDecay)
		w.float64(a.Momentum)
		w.float64(1 - a.Dampening)
		w.bool(a.Nesterov)
		w.bool(a.Maximize)
		w.bool(a.First)
	})
}

// AdamStep runs one Adam or AdamW step (see device.AdamArgs). The maximum buffer is used
// when it is present (AMSGrad).
func (d *Device) AdamStep(a device.AdamArgs) {
	d.optimStep("optim_adam_", a.Param, a.Grad, []device.Strided{a.ExpAvg, a.ExpAvgSq, a.MaxExpAvgSq}, adamArgsWords, func(w *argWords) {
		w.float64(a.WeightDecay)
		w.float64(a.Beta1)
		w.float64(1 - a.Beta1)
		w.float64(a.Beta2)
		w.float64(1 - a.Beta2)
		w.float64(a.Eps)
		w.float64(a.BiasCorrection2Sqrt)
		w.float64(-a.StepSize)
		w.float64(1 - a.LR*a.WeightDecay)
		w.bool(a.Decoupled)
		w.bool(a.Maximize)
	})
}

// RMSpropStep runs one RMSprop step (see device.RMSpropArgs). The gradient average and the
// momentum buffer are used when they are present (Centered, Momentum > 0).
func (d *Device) RMSpropStep(a device.RMSpropArgs) {
	d.optimStep("optim_rmsprop_", a.Param, a.Grad, []device.Strided{a.SquareAvg, a.GradAvg, a.Buf}, rmspropArgsWords, func(w *argWords) {
		w.float64(-a.LR)
		w.float64(a.Alpha)
		w.float64(1 - a.Alpha)
		w.float64(a.Eps)
		w.float64(a.WeightDecay)
		w.float64(a.Momentum)
		w.bool(a.Maximize)
	})
}

// AdagradStep runs one Adagrad step (see device.AdagradArgs).
func (d *Device) AdagradStep(a device.AdagradArgs) {
	d.optimStep("optim_adagrad_", a.Param, a.Grad, []device.Strided{a.Sum}, adagradArgsWords, func(w *argWords) {
		w.float64(-a.CLR)
		w.float64(a.Eps)
		w.float64(a.WeightDecay)
		w.bool(a.Maximize)
	})
}

// optimStep queues one optimizer kernel over param's elements: the argument struct is the
// element count, the addresses of param, grad and the state buffers (0 for an absent one),
// then what scalars appends.
func (d *Device) optimStep(kernel string, param, grad device.Strided, state []device.Strided, words int, scalars func(w *argWords)) {
	const op = "tensor.OptimizerStep"
	dt := param.Buf.DType()
	if !dt.IsFloat() {
		device.Panicf(op, "optimizer updates need float32 or float64 parameters")
	}
	ops := append([]device.Strided{param, grad}, state...)
	ptrs := make([]uint64, len(ops))
	for i, s := range ops {
		if s.Buf != nil {
			ptrs[i] = d.bufPtr(op, s)
		}
	}
	n := param.Numel()
	if n == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	temps := make([]*buffer, len(ops))
	dense := device.ContiguousLayout(param.Shape)
	w := make(argWords, 0, words)
	w.int(n)
	for i, s := range ops {
		switch {
		case s.Buf == nil:
			w.uint64(0)
		case s.IsContiguous():
			w.ptr(ptrs[i], s.Offset, dt)
		default:
			t := d.temp(dt, n)
			d.copyLocked(device.Strided{Buf: t, Layout: dense}, t.ptr, s, ptrs[i])
			temps[i] = t
			w.uint64(t.ptr)
		}
	}
	scalars(&w)
	if len(w) != words {
		device.Panicf(op, "%s%s: %d argument words packed, the kernel takes %d", kernel, dtypeSuffix(dt), len(w), words)
	}
	d.launch(kernel+dtypeSuffix(dt), gridFor(n, d.info.Multiprocessors), w)
	for i, t := range temps {
		if t == nil {
			continue
		}
		if i != 1 { // the gradient is only read
			d.copyLocked(ops[i], ptrs[i], device.Strided{Buf: t, Layout: dense}, t.ptr)
		}
		d.freeTemp(t)
	}
}
