package optim

import (
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/tensortest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOnAQueuedDevice runs every optimizer, with gradient clipping, on a device that queues
// every kernel and has no fused update (so the composed form runs): no step waits for the
// device, and the parameters equal the CPU's.
func TestOnAQueuedDevice(t *testing.T) {
	dev := tensortest.Lazy(nil)
	makers := map[string]func([]*autograd.Value) Optimizer{
		"sgd": func(p []*autograd.Value) Optimizer {
			return NewSGD(p, SGDOptions{LR: 0.1, Momentum: 0.9, WeightDecay: 0.01})
		},
		"adam": func(p []*autograd.Value) Optimizer {
			o := AdamDefaults()
			o.AMSGrad = true
			return NewAdam(p, o)
		},
		"rmsprop": func(p []*autograd.Value) Optimizer {
			o := RMSpropDefaults()
			o.Centered, o.Momentum = true, 0.5
			return NewRMSprop(p, o)
		},
		"adagrad": func(p []*autograd.Value) Optimizer { return NewAdagrad(p, AdagradDefaults()) },
	}
	for name, mk := range makers {
		t.Run(name, func(t *testing.T) {
			cpu := params(tensor.Shape{4, 3}, tensor.Shape{3})
			lazy := make([]*autograd.Value, len(cpu))
			for i, p := range cpu {
				lazy[i] = autograd.Param(p.Data().To(dev))
			}
			oc, ol := mk(cpu), mk(lazy)
			tensor.SyncDevice(dev)
			before := tensortest.Syncs(dev)
			for k := range 3 {
				setGrads(cpu, uint64(k))
				for i, p := range lazy {
					p.SetGrad(cpu[i].Grad().To(dev))
				}
				ClipGradNorm(cpu, 0.5, 2)
				ClipGradNorm(lazy, 0.5, 2)
				oc.Step()
				ol.Step()
			}
			require.Equal(t, before, tensortest.Syncs(dev), "a step waited for the device")
			for i := range cpu {
				assert.InDeltaSlice(t, cpu[i].Data().Float64s(), lazy[i].Data().Float64s(), 1e-6)
			}
		})
	}
}
