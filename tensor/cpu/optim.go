package cpu

import (
	"math"
	"sync"

	"github.com/godl/godl/internal/parallel"
	"github.com/godl/godl/tensor/cpu/internal/asm"
	"github.com/godl/godl/tensor/device"
)

// The fused optimizer updates (device.OptimizerKernel): one pass over a parameter's elements,
// reading the gradient and the state buffers and writing the parameter and the buffers, with
// the operations and roundings device.SGDArgs and its siblings define. Each loop is plain Go
// over contiguous slices, cut into fixed blocks that run in parallel (elementwise, so the
// split changes nothing); Adam over float32 runs asm's vector kernel. Every product
// that feeds an addition is converted to T on its own, so that the compiler never fuses the
// two (Go may fuse x*y + z into one FMA when the target has it, which would round once
// where the reference rounds twice).
//
// A step allocates nothing: its operands and scalars travel in a pooled task whose block
// function is bound once.

// SGDStep runs one SGD step (see device.SGDArgs).
func (cpuDevice) SGDStep(a device.SGDArgs) {
	device.ByDType(a.Param.Buf.DType(), runSGD[float32], runSGD[float64], optimInt[device.SGDArgs])(a)
}

// AdamStep runs one Adam or AdamW step (see device.AdamArgs).
func (cpuDevice) AdamStep(a device.AdamArgs) {
	device.ByDType(a.Param.Buf.DType(), runAdam[float32], runAdam[float64], optimInt[device.AdamArgs])(a)
}

// RMSpropStep runs one RMSprop step (see device.RMSpropArgs).
func (cpuDevice) RMSpropStep(a device.RMSpropArgs) {
	device.ByDType(a.Param.Buf.DType(), runRMSprop[float32], runRMSprop[float64], optimInt[device.RMSpropArgs])(a)
}

// AdagradStep runs one Adagrad step (see device.AdagradArgs).
func (cpuDevice) AdagradStep(a device.AdagradArgs) {
	device.ByDType(a.Param.Buf.DType(), runAdagrad[float32], runAdagrad[float64], optimInt[device.AdagradArgs])(a)
}

func optimInt[A any](A) {
	device.Panicf("tensor.OptimizerStep", "optimizer updates need float32 or float64 parameters")
}

type optimKind uint8

const (
	kindSGD optimKind = iota
	kindAdam
	kindRMSprop
	kindAdagrad
)

// optimTask carries one step's operands (contiguous slices of n elements: the parameter, the
// gradient and up to three state buffers, in the order of the Args struct) and its scalars,
// rounded to T as the reference rounds them.
type optimTask[T float32 | float64] struct {
	kind optimKind
	p, g []T
	s    [3][]T // the state buffers; nil when absent
	// scalars, rounded to T
	lr, wd, mom, damp1, b1, om1, b2, om2, eps, bc2, stepNeg, decay, alpha, omA, clrNeg T
	nesterov, maximize, first, decoupled, amsgrad, centered                            bool
	block                                                                              func(lo, hi int)
}

var optimPools = [2]sync.Pool{
	{New: func() any { t := &optimTask[float32]{}; t.block = t.run; return t }},
	{New: func() any { t := &optimTask[float64]{}; t.block = t.run; return t }},
}

func getTask[T float32 | float64](kind optimKind) *optimTask[T] {
	var z T
	i := 0
	if _, ok := any(z).(float64); ok {
		i = 1
	}
	t := optimPools[i].Get().(*optimTask[T])
	t.kind = kind
	return t
}

func putTask[T float32 | float64](t *optimTask[T]) {
	block := t.block
	*t = optimTask[T]{block: block} // drop the slices, so the pool keeps no buffer alive
	var z T
	i := 0
	if _, ok := any(z).(float64); ok {
		i = 1
	}
	optimPools[i].Put(t)
}

// operand returns s as a contiguous slice of n elements: s's own elements when it is
// contiguous, a copy in a temporary buffer (returned, for the caller to write back and free)
// otherwise. Absent operands give nil.
func operand[T float32 | float64](s device.Strided, n int) ([]T, device.Buffer) {
	if s.Buf == nil {
		return nil, nil
	}
	if s.IsContiguous() {
		return cpuData[T](s.Buf)[s.Offset : s.Offset+n], nil
	}
	tmp := Device.Alloc(device.DTypeOf[T](), n)
	Device.Copy(device.Strided{Buf: tmp, Layout: device.ContiguousLayout(s.Shape)}, s)
	return cpuData[T](tmp)[:n], tmp
}

// exec runs the task over n elements: the operands are made contiguous (strided ones are
// copied, and the written ones copied back afterwards), then the blocks run.
func exec[T float32 | float64](t *optimTask[T], n int, param, grad device.Strided, state [3]device.Strided) {
	var tmps [5]device.Buffer
	t.p, tmps[0] = operand[T](param, n)
	t.g, tmps[1] = operand[T](grad, n)
	for i, s := range state {
		t.s[i], tmps[2+i] = operand[T](s, n)
	}
	if n <= blockElems {
		t.run(0, n)
	} else {
		parallel.For(n, blockElems, t.block)
	}
	putTask(t)
	for i, tmp := range tmps {
		if tmp == nil {
			continue
		}
		if i != 1 { // the gradient is only read
			dst := param
			if i >= 2 {
				dst = state[i-2]
			}
			Device.Copy(dst, device.Strided{Buf: tmp, Layout: device.ContiguousLayout(dst.Shape)})
		}
		Device.Free(tmp)
	}
}

func runSGD[T float32 | float64](a device.SGDArgs) {
	n := a.Param.Numel()
	if n == 0 {
		return
	}
	t := getTask[T](kindSGD)
	t.lr, t.wd, t.mom, t.damp1 = T(-a.LR), T(a.WeightDecay), T(a.Momentum), T(1-a.Dampening)
	t.nesterov, t.maximize, t.first = a.Nesterov, a.Maximize, a.First
	exec(t, n, a.Param, a.Grad, [3]device.Strided{a.Buf})
}

func runAdam[T float32 | float64](a device.AdamArgs) {
	n := a.Param.Numel()
	if n == 0 {
		return
	}
	t := getTask[T](kindAdam)
	t.wd, t.b1, t.om1, t.b2, t.om2 = T(a.WeightDecay), T(a.Beta1), T(1-a.Beta1), T(a.Beta2), T(1-a.Beta2)
	t.eps, t.bc2, t.stepNeg, t.decay = T(a.Eps), T(a.BiasCorrection2Sqrt), T(-a.StepSize), T(1-a.LR*a.WeightDecay)
	t.decoupled, t.amsgrad, t.maximize = a.Decoupled, a.AMSGrad, a.Maximize
	exec(t, n, a.Param, a.Grad, [3]device.Strided{a.ExpAvg, a.ExpAvgSq, a.MaxExpAvgSq})
}

func runRMSprop[T float32 | float64](a device.RMSpropArgs) {
	n := a.Param.Numel()
	if n == 0 {
		return
	}
	t := getTask[T](kindRMSprop)
	t.lr, t.alpha, t.omA, t.eps, t.wd, t.mom = T(-a.LR), T(a.Alpha), T(1-a.Alpha), T(a.Eps), T(a.WeightDecay), T(a.Momentum)
	t.centered, t.maximize = a.Centered, a.Maximize
	exec(t, n, a.Param, a.Grad, [3]device.Strided{a.SquareAvg, a.GradAvg, a.Buf})
}

func runAdagrad[T float32 | float64](a device.AdagradArgs) {
	n := a.Param.Numel()
	if n == 0 {
		return
	}
	t := getTask[T](kindAdagrad)
	t.clrNeg, t.eps, t.wd = T(-a.CLR), T(a.Eps), T(a.WeightDecay)
	t.maximize = a.Maximize
	exec(t, n, a.Param, a.Grad, [3]device.Strided{a.Sum})
}

// run updates elements [lo, hi).
func (t *optimTask[T]) run(lo, hi int) {
	p, g := t.p[lo:hi], t.g[lo:hi]
	switch t.kind {
	case kindSGD:
		t.sgd(p, g, part(t.s[0], lo, hi))
	case kindAdam:
		t.adam(p, g, t.s[0][lo:hi], t.s[1][lo:hi], part(t.s[2], lo, hi))
	case kindRMSprop:
		t.rmsprop(p, g, t.s[0][lo:hi], part(t.s[1], lo, hi), part(t.s[2], lo, hi))
	case kindAdagrad:
		t.adagrad(p, g, t.s[0][lo:hi])
	}
}

func part[T any](s []T, lo, hi int) []T {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// The loops read the task's scalars into locals first: the compiler must otherwise assume
// that a write to a slice element may change them, and reload them for every element.

// effGrad returns the gradient g of parameter p with maximize and weight decay applied.
func effGrad[T float32 | float64](g, p, wd T, maximize bool) T {
	if maximize {
		g = -g
	}
	if wd != 0 {
		g += T(wd * p)
	}
	return g
}

func (t *optimTask[T]) sgd(p, g, buf []T) {
	lr, wd, mom, damp1, maximize, first, nesterov := t.lr, t.wd, t.mom, t.damp1, t.maximize, t.first, t.nesterov
	g = g[:len(p)]
	for i := range p {
		d := effGrad(g[i], p[i], wd, maximize)
		if buf != nil {
			b := d
			if !first {
				b = T(buf[i]*mom) + T(damp1*d)
			}
			buf[i] = b
			if nesterov {
				d += T(mom * b)
			} else {
				d = b
			}
		}
		p[i] += T(lr * d)
	}
}

// adam runs asm.AdamF32 over float32 without AMSGrad (the same roundings as adamLoop, to the
// bit), and adamLoop otherwise.
func (t *optimTask[T]) adam(p, g, m, v, vmax []T) {
	if vmax == nil {
		if t32, ok := any(t).(*optimTask[float32]); ok {
			c := asm.AdamConsts{B1: t32.b1, OM1: t32.om1, B2: t32.b2, OM2: t32.om2, Eps: t32.eps, BC2: t32.bc2,
				StepNeg: t32.stepNeg, Decay: 1, WD: t32.wd, Maximize: t32.maximize}
			if t32.decoupled {
				c.Decay, c.WD = t32.decay, 0
			}
			asm.AdamF32(any(p).([]float32), any(g).([]float32), any(m).([]float32), any(v).([]float32), c)
			return
		}
	}
	t.adamLoop(p, g, m, v, vmax)
}

func (t *optimTask[T]) adamLoop(p, g, m, v, vmax []T) {
	wd, b1, om1, b2, om2 := t.wd, t.b1, t.om1, t.b2, t.om2
	eps, bc2, stepNeg, decay := t.eps, t.bc2, t.stepNeg, t.decay
	maximize, decoupled := t.maximize, t.decoupled
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		gi, pi := g[i], p[i]
		if maximize {
			gi = -gi
		}
		if decoupled {
			pi = T(pi * decay) // rounded: pi is added to below
		} else if wd != 0 {
			gi += T(wd * pi)
		}
		mi := T(m[i]*b1) + T(om1*gi)
		vi := T(v[i]*b2) + T(T(om2*gi)*gi)
		m[i], v[i] = mi, vi
		if vmax != nil {
			vi = max(vmax[i], vi)
			vmax[i] = vi
		}
		denom := T(T(math.Sqrt(float64(vi)))/bc2) + eps
		p[i] = pi + T(T(stepNeg*mi)/denom)
	}
}

func (t *optimTask[T]) rmsprop(p, g, sq, ga, buf []T) {
	lr, alpha, omA, eps, wd, mom, maximize := t.lr, t.alpha, t.omA, t.eps, t.wd, t.mom, t.maximize
	g, sq = g[:len(p)], sq[:len(p)]
	for i := range p {
		gi := effGrad(g[i], p[i], wd, maximize)
		s := T(sq[i]*alpha) + T(T(omA*gi)*gi)
		sq[i] = s
		var avg T
		if ga != nil {
			a := T(ga[i]*alpha) + T(omA*gi)
			ga[i] = a
			avg = T(math.Sqrt(float64(s + T(T(-a)*a))))
		} else {
			avg = T(math.Sqrt(float64(s)))
		}
		avg += eps
		if buf != nil {
			b := T(buf[i]*mom) + T(gi/avg)
			buf[i] = b
			p[i] += T(lr * b)
		} else {
			p[i] += T(T(lr*gi) / avg)
		}
	}
}

func (t *optimTask[T]) adagrad(p, g, sum []T) {
	clrNeg, eps, wd, maximize := t.clrNeg, t.eps, t.wd, t.maximize
	g, sum = g[:len(p)], sum[:len(p)]
	for i := range p {
		gi := effGrad(g[i], p[i], wd, maximize)
		s := sum[i] + T(gi*gi)
		sum[i] = s
		std := T(math.Sqrt(float64(s))) + eps
		p[i] += T(T(clrNeg*gi) / std)
	}
}

var _ device.OptimizerKernel = cpuDevice{}
