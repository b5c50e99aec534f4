//go:build cuda && cgo

package cuda_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/cuda"
	"github.com/godl/godl/cuda/cudatest"
	"github.com/godl/godl/optim"
	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// optimOperand is one operand of an optimizer step on both devices: the same values in a CPU
// buffer and in a device buffer, seen through the same layout, with padding around and
// between the elements that the step must leave alone.
type optimOperand struct {
	cpu, dev device.Strided
	n        int // the buffers' length
}

// optimLayout is the layout of a [5, 7] operand at offset 3: row-major, or (strided) the
// transpose of a [7, 5] matrix with rows padded to 6, which the device must copy into a
// contiguous temporary and back.
func optimLayout(strided bool) device.Layout {
	if strided {
		return device.Layout{Shape: []int{5, 7}, Strides: []int{1, 6}, Offset: 3}
	}
	return device.Layout{Shape: []int{5, 7}, Strides: []int{7, 1}, Offset: 3}
}

func newOptimOperand(dev tensor.Device, dt tensor.DType, l device.Layout) optimOperand {
	n := l.Span() + 2
	return optimOperand{
		cpu: device.Strided{Buf: tensor.CPU.Alloc(dt, n), Layout: l},
		dev: device.Strided{Buf: dev.Alloc(dt, n), Layout: l},
		n:   n,
	}
}

// set writes vals (one per buffer slot, padding included) to both buffers.
func (o optimOperand) set(dev tensor.Device, vals []float64) {
	if o.cpu.Buf.DType() == tensor.Float32 {
		v := make([]float32, len(vals))
		for i, x := range vals {
			v[i] = float32(x)
		}
		tensor.CPU.Write(o.cpu.Buf, 0, v)
		dev.Write(o.dev.Buf, 0, v)
		return
	}
	tensor.CPU.Write(o.cpu.Buf, 0, vals)
	dev.Write(o.dev.Buf, 0, vals)
}

// bits reads both buffers, padding included, as the bits of their elements.
func (o optimOperand) bits(dev tensor.Device) (cpu, got []uint64) {
	read := func(d tensor.Device) []uint64 {
		out := make([]uint64, o.n)
		if o.cpu.Buf.DType() == tensor.Float32 {
			v := make([]float32, o.n)
			b := o.cpu.Buf
			if d != tensor.CPU {
				b = o.dev.Buf
			}
			d.Read(b, 0, v)
			for i, x := range v {
				out[i] = uint64(math.Float32bits(x))
			}
			return out
		}
		v := make([]float64, o.n)
		b := o.cpu.Buf
		if d != tensor.CPU {
			b = o.dev.Buf
		}
		d.Read(b, 0, v)
		for i, x := range v {
			out[i] = math.Float64bits(x)
		}
		return out
	}
	return read(tensor.CPU), read(dev)
}

func (o optimOperand) free(dev tensor.Device) {
	tensor.CPU.Free(o.cpu.Buf)
	dev.Free(o.dev.Buf)
}

// isNaNBits reports whether b holds a NaN of dtype dt.
func isNaNBits(dt tensor.DType, b uint64) bool {
	if dt == tensor.Float32 {
		return math.IsNaN(float64(math.Float32frombits(uint32(b))))
	}
	return math.IsNaN(math.Float64frombits(b))
}

// optimConfig is one configuration of one optimizer for TestOptimizerKernelsMatchTheCPU:
// state lists the initial values of its state buffers (nil: absent); step runs step k (from
// 1) on a kernel over the operands of one side.
type optimConfig struct {
	name  string
	state []func(r *rand.Rand) float64
	step  func(k device.OptimizerKernel, step int, p, g device.Strided, st []device.Strided)
}

var (
	normal    = func(r *rand.Rand) float64 { return r.NormFloat64() }
	nonNeg    = func(r *rand.Rand) float64 { return r.Float64() }
	absentBuf func(r *rand.Rand) float64
)

// optimConfigs returns every combination of options that device.SGDArgs, AdamArgs,
// RMSpropArgs and AdagradArgs allow, each with a weight decay and without, maximizing and
// not.
func optimConfigs() []optimConfig {
	var out []optimConfig
	for _, wd := range []float64{0, 0.01} {
		for _, maximize := range []bool{false, true} {
			// SGD: plain, or with momentum (heavy-ball or Nesterov, with dampening or without).
			for _, mom := range []float64{0, 0.9} {
				for _, damp := range []float64{0, 0.25} {
					for _, nesterov := range []bool{false, true} {
						if mom == 0 && (damp != 0 || nesterov) {
							continue
						}
						st := []func(*rand.Rand) float64{normal}
						if mom == 0 {
							st = []func(*rand.Rand) float64{absentBuf}
						}
						out = append(out, optimConfig{
							name:  fmt.Sprintf("sgd/wd=%g/maximize=%t/momentum=%g/dampening=%g/nesterov=%t", wd, maximize, mom, damp, nesterov),
							state: st,
							step: func(k device.OptimizerKernel, step int, p, g device.Strided, st []device.Strided) {
								k.SGDStep(device.SGDArgs{Param: p, Grad: g, Buf: st[0], LR: 0.05, WeightDecay: wd,
									Momentum: mom, Dampening: damp, Nesterov: nesterov, Maximize: maximize, First: step == 1})
							},
						})
					}
				}
			}
			// Adam and AdamW, with AMSGrad and without.
			for _, decoupled := range []bool{false, true} {
				for _, ams := range []bool{false, true} {
					st := []func(*rand.Rand) float64{normal, nonNeg, absentBuf}
					if ams {
						st[2] = nonNeg
					}
					out = append(out, optimConfig{
						name:  fmt.Sprintf("adam/wd=%g/maximize=%t/decoupled=%t/amsgrad=%t", wd, maximize, decoupled, ams),
						state: st,
						step: func(k device.OptimizerKernel, step int, p, g device.Strided, st []device.Strided) {
							const lr, b1, b2 = 1e-2, 0.9, 0.999
							t := float64(step)
							k.AdamStep(device.AdamArgs{Param: p, Grad: g, ExpAvg: st[0], ExpAvgSq: st[1], MaxExpAvgSq: st[2],
								LR: lr, Beta1: b1, Beta2: b2, Eps: 1e-8, WeightDecay: wd,
								StepSize: lr / (1 - math.Pow(b1, t)), BiasCorrection2Sqrt: math.Sqrt(1 - math.Pow(b2, t)),
								Decoupled: decoupled, AMSGrad: ams, Maximize: maximize})
						},
					})
				}
			}
			// RMSprop, centered or not, with momentum or without.
			for _, centered := range []bool{false, true} {
				for _, mom := range []float64{0, 0.5} {
					st := []func(*rand.Rand) float64{nonNeg, absentBuf, absentBuf}
					if centered {
						// Small running means keep SquareAvg - GradAvg² positive mostly (the
						// rest gives NaN on both sides).
						st[1] = func(r *rand.Rand) float64 { return 0.1 * r.NormFloat64() }
					}
					if mom > 0 {
						st[2] = normal
					}
					out = append(out, optimConfig{
						name:  fmt.Sprintf("rmsprop/wd=%g/maximize=%t/centered=%t/momentum=%g", wd, maximize, centered, mom),
						state: st,
						step: func(k device.OptimizerKernel, step int, p, g device.Strided, st []device.Strided) {
							k.RMSpropStep(device.RMSpropArgs{Param: p, Grad: g, SquareAvg: st[0], GradAvg: st[1], Buf: st[2],
								LR: 1e-2, Alpha: 0.9, Eps: 1e-8, WeightDecay: wd, Momentum: mom, Centered: centered, Maximize: maximize})
						},
					})
				}
			}
			// Adagrad, with a decaying rate or not.
			for _, decay := range []float64{0, 0.1} {
				out = append(out, optimConfig{
					name:  fmt.Sprintf("adagrad/wd=%g/maximize=%t/lr_decay=%g", wd, maximize, decay),
					state: []func(*rand.Rand) float64{nonNeg},
					step: func(k device.OptimizerKernel, step int, p, g device.Strided, st []device.Strided) {
						const lr = 0.1
						k.AdagradStep(device.AdagradArgs{Param: p, Grad: g, Sum: st[0],
							CLR: lr / (1 + float64(step-1)*decay), Eps: 1e-10, WeightDecay: wd, Maximize: maximize})
					},
				})
			}
		}
	}
	return out
}

// specialGrads are gradient values placed at fixed elements: signed zeros, a value whose
// square underflows into the subnormals or to zero, and one whose square overflows to
// infinity, for each dtype.
func specialGrads(dt tensor.DType) []float64 {
	if dt == tensor.Float32 {
		return []float64{0, math.Copysign(0, -1), 3e-21, -3e-21, 1e20, -1e20, 2e-38}
	}
	return []float64{0, math.Copysign(0, -1), 1e-160, -1e-160, 1e160, -1e160, 3e-308}
}

// TestOptimizerKernelsMatchTheCPU runs three steps of every optimizer, in every combination of
// its options, for float32 and float64, over contiguous and strided operands, on the CPU's
// fused kernel and on the device's, and compares every element of every buffer to the bit
// (the padding too, which must stay as it was; two NaNs count as equal, since a GPU's NaN
// need not carry the CPU's sign and payload). The kernels compute the same IEEE operations
// in the same order, each correctly rounded (square roots and divisions included), with no
// fused multiply-add, so no tolerance is needed. Among the gradients are signed zeros,
// values whose squares underflow or overflow, and a subnormal.
func TestOptimizerKernelsMatchTheCPU(t *testing.T) {
	dev := cudatest.Device(t)
	cpuK := tensor.CPU.(device.OptimizerKernel)
	devK, ok := dev.(device.OptimizerKernel)
	require.True(t, ok, "the device has fused optimizer updates")
	configs := optimConfigs()
	require.Len(t, configs, 2*2*(5+4+4+2))
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		for _, strided := range []bool{false, true} {
			for ci, c := range configs {
				t.Run(fmt.Sprintf("%s/strided=%t/%s", dt, strided, c.name), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(ci), uint64(dt)))
					l := optimLayout(strided)
					fill := func(o optimOperand, f func(*rand.Rand) float64) {
						v := make([]float64, o.n)
						for i := range v {
							v[i] = f(r)
						}
						o.set(dev, v)
					}
					p, g := newOptimOperand(dev, dt, l), newOptimOperand(dev, dt, l)
					defer p.free(dev)
					defer g.free(dev)
					fill(p, normal)
					st := make([]optimOperand, len(c.state))
					cpuSt, devSt := make([]device.Strided, len(st)), make([]device.Strided, len(st))
					for i, f := range c.state {
						if f == nil {
							continue
						}
						st[i] = newOptimOperand(dev, dt, l)
						defer st[i].free(dev)
						fill(st[i], f)
						cpuSt[i], devSt[i] = st[i].cpu, st[i].dev
					}
					special := specialGrads(dt)
					for step := 1; step <= 3; step++ {
						v := make([]float64, g.n)
						for i := range v {
							v[i] = r.NormFloat64()
						}
						for i, s := range special {
							e := (5*i + step) % 35 // an element of the [5, 7] operand
							v[l.Offset+e/7*l.Strides[0]+e%7*l.Strides[1]] = s
						}
						g.set(dev, v)
						c.step(cpuK, step, p.cpu, g.cpu, cpuSt)
						c.step(devK, step, p.dev, g.dev, devSt)
					}
					compare := func(what string, o optimOperand) {
						want, got := o.bits(dev)
						for i := range want {
							if want[i] != got[i] && !(isNaNBits(dt, want[i]) && isNaNBits(dt, got[i])) {
								t.Fatalf("%s slot %d: %#x on the device, %#x on the CPU", what, i, got[i], want[i])
							}
						}
					}
					compare("param", p)
					compare("grad", g)
					for i := range st {
						if c.state[i] != nil {
							compare(fmt.Sprintf("state %d", i), st[i])
						}
					}
				})
			}
		}
	}
}

// TestOptimizerAliasedGradient runs steps whose gradient is the parameter's own elements (the
// contract allows an operand to be the same elements as another it reads): the kernels read
// every operand of an element before they write one, so the device still equals the CPU.
func TestOptimizerAliasedGradient(t *testing.T) {
	dev := cudatest.Device(t)
	cpuK := tensor.CPU.(device.OptimizerKernel)
	devK := dev.(device.OptimizerKernel)
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		l := optimLayout(false)
		r := rand.New(rand.NewPCG(1, 2))
		mk := func() optimOperand {
			o := newOptimOperand(dev, dt, l)
			v := make([]float64, o.n)
			for i := range v {
				v[i] = r.Float64()
			}
			o.set(dev, v)
			return o
		}
		p, m, v := mk(), mk(), mk()
		for step := 1; step <= 2; step++ {
			for _, side := range []struct {
				k   device.OptimizerKernel
				get func(optimOperand) device.Strided
			}{{cpuK, func(o optimOperand) device.Strided { return o.cpu }}, {devK, func(o optimOperand) device.Strided { return o.dev }}} {
				side.k.AdamStep(device.AdamArgs{Param: side.get(p), Grad: side.get(p), ExpAvg: side.get(m), ExpAvgSq: side.get(v),
					LR: 0.1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1, StepSize: 0.1, BiasCorrection2Sqrt: 0.5})
				side.k.SGDStep(device.SGDArgs{Param: side.get(p), Grad: side.get(m), Buf: side.get(m), LR: 0.1,
					Momentum: 0.9, First: step == 1})
			}
		}
		for name, o := range map[string]optimOperand{"param": p, "exp_avg": m, "exp_avg_sq": v} {
			want, got := o.bits(dev)
			assert.Equal(t, want, got, "%s %s", dt, name)
			o.free(dev)
		}
	}
}

// TestOptimizerStepRejects checks that the device refuses what the CPU refuses: Int64
// parameters.
func TestOptimizerStepRejects(t *testing.T) {
	dev := cudatest.Device(t)
	k := dev.(device.OptimizerKernel)
	b := dev.Alloc(tensor.Int64, 4)
	defer dev.Free(b)
	s := device.Strided{Buf: b, Layout: device.ContiguousLayout([]int{4})}
	var e *tensor.Error
	func() {
		defer func() {
			err, _ := recover().(error)
			require.ErrorAs(t, err, &e)
		}()
		k.SGDStep(device.SGDArgs{Param: s, Grad: s, LR: 0.1})
	}()
	assert.Contains(t, e.Error(), "float32 or float64")
}

// TestOptimizersOnTheDeviceMatchTheCPU trains parameters with every optimizer of package
// optim (a few option sets each) for three steps on the device and on the CPU, from the same
// values and gradients (parameters of several shapes, a scalar and an empty one among them),
// and requires the same bits; the device's composed form (primitives
// instead of the fused kernel) must give them too. No step waits for the device.
func TestOptimizersOnTheDeviceMatchTheCPU(t *testing.T) {
	dev := cudatest.Device(t)
	makers := map[string]func([]*autograd.Value) optim.Optimizer{
		"sgd": func(p []*autograd.Value) optim.Optimizer {
			return optim.NewSGD(p, optim.SGDOptions{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01})
		},
		"sgd/nesterov/maximize": func(p []*autograd.Value) optim.Optimizer {
			return optim.NewSGD(p, optim.SGDOptions{LR: 0.1, Momentum: 0.9, Nesterov: true, Maximize: true})
		},
		"adam": func(p []*autograd.Value) optim.Optimizer { return optim.NewAdam(p, optim.AdamDefaults()) },
		"adam/amsgrad/wd/maximize": func(p []*autograd.Value) optim.Optimizer {
			o := optim.AdamDefaults()
			o.AMSGrad, o.WeightDecay, o.Maximize = true, 0.01, true
			return optim.NewAdam(p, o)
		},
		"adamw/amsgrad": func(p []*autograd.Value) optim.Optimizer {
			o := optim.AdamWDefaults()
			o.AMSGrad = true
			return optim.NewAdamW(p, o)
		},
		"rmsprop": func(p []*autograd.Value) optim.Optimizer { return optim.NewRMSprop(p, optim.RMSpropDefaults()) },
		"rmsprop/centered/momentum/wd": func(p []*autograd.Value) optim.Optimizer {
			o := optim.RMSpropDefaults()
			o.Centered, o.Momentum, o.WeightDecay = true, 0.5, 0.01
			return optim.NewRMSprop(p, o)
		},
		"adagrad": func(p []*autograd.Value) optim.Optimizer {
			o := optim.AdagradDefaults()
			o.LRDecay, o.WeightDecay, o.InitialAccumulatorValue = 0.01, 0.01, 0.1
			return optim.NewAdagrad(p, o)
		},
	}
	shapes := []tensor.Shape{{6, 5}, {5}, {2, 3, 4}, {}, {0, 3}}
	for name, mk := range makers {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(fmt.Sprintf("%s/%s", name, dt), func(t *testing.T) {
				run := func(d tensor.Device, composed bool) [][]uint64 {
					defer tensor.SetComposedOptimizers(tensor.SetComposedOptimizers(composed))
					r := tensor.NewRNG(5)
					ps := make([]*autograd.Value, len(shapes))
					for i, s := range shapes {
						ps[i] = autograd.Param(r.Normal(s, 0, 1, dt).To(d))
					}
					o := mk(ps)
					tensor.SyncDevice(d)
					var before int
					if d != tensor.CPU {
						before = cuda.Syncs(d)
					}
					for k := range 3 {
						gr := tensor.NewRNG(uint64(100 + k))
						for _, p := range ps {
							p.SetGrad(gr.Normal(p.Shape(), 0, 1, dt).To(d))
						}
						o.Step()
					}
					if d != tensor.CPU {
						require.Equal(t, before, cuda.Syncs(d), "a step waited for the device")
					}
					out := make([][]uint64, len(ps))
					for i, p := range ps {
						for _, x := range p.Data().Float64s() {
							out[i] = append(out[i], math.Float64bits(x))
						}
					}
					return out
				}
				want := run(tensor.CPU, false)
				assert.Equal(t, want, run(dev, false), "fused on the device")
				assert.Equal(t, want, run(dev, true), "composed on the device")
			})
		}
	}
}
