//go:build cuda && cgo

package cuda_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/godl/godl/cuda/cudatest"
	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// operand is one operand of a cell step on both devices: the same values in a CPU buffer and
// in a device buffer, seen through the same layout.
type operand struct {
	cpu, dev device.Strided
	n        int
}

// newOperand makes a [rows, cols] operand (a vector when rows is 0) with random values, laid
// out with a row stride of cols+pad and an offset, so that the kernels must honour strides.
func newOperand(dev tensor.Device, dt tensor.DType, r *tensor.RNG, rows, cols, pad int) operand {
	l := device.Layout{Shape: []int{rows, cols}, Strides: []int{cols + pad, 1}, Offset: 3}
	if rows == 0 {
		l = device.Layout{Shape: []int{cols}, Strides: []int{1}, Offset: 3}
	}
	n := l.Span()
	vals := r.Uniform(tensor.Shape{n}, -2, 2, dt)
	o := operand{n: n}
	o.cpu = device.Strided{Buf: tensor.CPU.Alloc(dt, n), Layout: l}
	o.dev = device.Strided{Buf: dev.Alloc(dt, n), Layout: l}
	if dt == tensor.Float32 {
		v := vals.Float32s()
		tensor.CPU.Write(o.cpu.Buf, 0, v)
		dev.Write(o.dev.Buf, 0, v)
	} else {
		v := vals.Float64s()
		tensor.CPU.Write(o.cpu.Buf, 0, v)
		dev.Write(o.dev.Buf, 0, v)
	}
	return o
}

// values reads an operand's whole buffer from both devices.
func (o operand) values(t *testing.T, dev tensor.Device) (cpu, got []float64) {
	read := func(d tensor.Device, b tensor.Buffer) []float64 {
		if b.DType() == tensor.Float32 {
			v := make([]float32, o.n)
			d.Read(b, 0, v)
			out := make([]float64, o.n)
			for i, x := range v {
				out[i] = float64(x)
			}
			return out
		}
		v := make([]float64, o.n)
		d.Read(b, 0, v)
		return v
	}
	return read(tensor.CPU, o.cpu.Buf), read(dev, o.dev.Buf)
}

// unitRoundoff is u for dt: 2⁻²⁴ or 2⁻⁵³.
func unitRoundoff(dt tensor.DType) float64 {
	if dt == tensor.Float32 {
		return 0x1p-24
	}
	return 0x1p-53
}

// TestRNNCellKernelsMatchTheCPU runs one step of every cell, forward and backward, on the
// CPU's fused kernel and on the device's, over strided operands, and compares every element
// of every buffer written (including the padding, which must stay untouched). The kernels
// round where the CPU rounds; they may differ only where a float64 exp or tanh does (the
// CPU's amd64 assembly exp against Go's portable one, up to 2 ulps apart). Through 1 - tc²
// and products with operands of magnitude up to 2, that becomes a few units of roundoff u in
// absolute terms, hence the bound 16u·(1 + |want|).
func TestRNNCellKernelsMatchTheCPU(t *testing.T) {
	dev := cudatest.Device(t)
	cpuCell := tensor.CPU.(device.RNNCellKernel)
	devCell, ok := dev.(device.RNNCellKernel)
	require.True(t, ok, "the device has fused cells")
	const b, H, pad = 5, 7, 2
	for _, mode := range []tensor.RNNMode{tensor.RNNTanh, tensor.RNNReLU, tensor.LSTM, tensor.GRU} {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(fmt.Sprintf("%s/%s", mode, dt), func(t *testing.T) {
				r := tensor.NewRNG(uint64(mode)*10 + uint64(dt))
				G, A := mode.Gates(), mode.ActWidth()
				op := func(rows, cols int) operand { return newOperand(dev, dt, r, rows, cols, pad) }
				gi, gh, hp, cp, bhh := op(b, G*H), op(b, G*H), op(b, H), op(b, H), op(0, G*H)
				act, h, c := op(b, A*H), op(b, H), op(b, H)
				args := func(side func(operand) device.Strided) device.RNNCellArgs {
					a := device.RNNCellArgs{Gi: side(gi), Gh: side(gh), HPrev: side(hp), Act: side(act), H: side(h)}
					if mode == tensor.LSTM {
						a.CPrev, a.C = side(cp), side(c)
					}
					if mode == tensor.GRU {
						a.Bhh = side(bhh)
					}
					return a
				}
				cpuSide := func(o operand) device.Strided { return o.cpu }
				devSide := func(o operand) device.Strided { return o.dev }
				cpuCell.RNNCell(mode, args(cpuSide))
				devCell.RNNCell(mode, args(devSide))
				u := unitRoundoff(dt)
				compare := func(what string, o operand) {
					want, got := o.values(t, dev)
					for i := range want {
						require.LessOrEqual(t, math.Abs(got[i]-want[i]), 16*u*(1+math.Abs(want[i])), "%s element %d: %v on the device, %v on the CPU", what, i, got[i], want[i])
					}
				}
				compare("Act", act)
				compare("H", h)
				if mode == tensor.LSTM {
					compare("C", c)
				}

				// Backward, with DGh a buffer of its own for the GRU and the same as DGi
				// otherwise, and DCPrev written over DC, as package tensor runs them.
				dh, dc, dgi, dgh, dhp := op(b, H), op(b, H), op(b, G*H), op(b, G*H), op(b, H)
				bargs := func(side func(operand) device.Strided) device.RNNCellArgs {
					a := args(side)
					a.DH, a.DGi, a.DGh = side(dh), side(dgi), side(dgi)
					switch mode {
					case tensor.LSTM:
						a.DC, a.DCPrev = side(dc), side(dc)
					case tensor.GRU:
						a.DGh, a.DHPrev = side(dgh), side(dhp)
					}
					return a
				}
				cpuCell.RNNCellBackward(mode, bargs(cpuSide))
				devCell.RNNCellBackward(mode, bargs(devSide))
				compare("DGi", dgi)
				switch mode {
				case tensor.LSTM:
					compare("DCPrev", dc)
				case tensor.GRU:
					compare("DGh", dgh)
					compare("DHPrev", dhp)
				}

				// And a separate DGh for the LSTM, which the kernel must fill with DGi's values.
				if mode == tensor.LSTM {
					sep := op(b, G*H)
					a := bargs(devSide)
					a.DC, a.DCPrev = dh.dev, dhp.dev // fresh buffers: DC was overwritten above
					a.DGh = sep.dev
					devCell.RNNCellBackward(mode, a)
					_, gotGi := dgi.values(t, dev)
					_, gotGh := sep.values(t, dev)
					for i := 0; i < b; i++ {
						for j := 0; j < G*H; j++ {
							k := 3 + i*(G*H+pad) + j
							require.Equal(t, gotGi[k], gotGh[k], "DGh[%d][%d]", i, j)
						}
					}
				}
			})
		}
	}
}

// closeTo checks got against want element by element within tol·(1 + |want|).
func closeTo(t *testing.T, what string, want, got *tensor.Tensor, tol float64) {
	t.Helper()
	require.Equal(t, want.Shape(), got.Shape(), what)
	w, g := want.Float64s(), got.To(tensor.CPU).Float64s()
	for i := range w {
		require.LessOrEqual(t, math.Abs(w[i]-g[i]), tol*(1+math.Abs(w[i])), "%s element %d: %v on the device, %v on the CPU", what, i, g[i], w[i])
	}
}

// TestRNNSequencesMatchTheCPU runs whole layers forward and backward (every mode, with and
// without lengths, in both directions) on the CPU and on the device. The matrix products
// differ in their order of summation (cuBLAS against the CPU's blocked GEMM), hence the
// tolerances: 2e-5 relative for float32, 1e-12 for float64, over 6 steps.
func TestRNNSequencesMatchTheCPU(t *testing.T) {
	dev := cudatest.Device(t)
	const T, B, I, H = 6, 4, 3, 5
	for _, mode := range []tensor.RNNMode{tensor.RNNTanh, tensor.RNNReLU, tensor.LSTM, tensor.GRU} {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for _, lengths := range [][]int{nil, {6, 5, 3, 1}} {
				for _, reverse := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s/lengths=%v/reverse=%v", mode, dt, lengths != nil, reverse)
					t.Run(name, func(t *testing.T) {
						tol := 2e-5
						if dt == tensor.Float64 {
							tol = 1e-12
						}
						r := tensor.NewRNG(7)
						G := mode.Gates()
						x := r.Normal(tensor.Shape{T, B, I}, 0, 1, dt)
						w := tensor.RNNWeights{WIh: r.Uniform(tensor.Shape{G * H, I}, -0.5, 0.5, dt), WHh: r.Uniform(tensor.Shape{G * H, H}, -0.5, 0.5, dt),
							BIh: r.Uniform(tensor.Shape{G * H}, -0.5, 0.5, dt), BHh: r.Uniform(tensor.Shape{G * H}, -0.5, 0.5, dt)}
						h0 := r.Normal(tensor.Shape{B, H}, 0, 1, dt)
						c0 := r.Normal(tensor.Shape{B, H}, 0, 1, dt)
						dy := r.Normal(tensor.Shape{T, B, H}, 0, 1, dt)
						dhN := r.Normal(tensor.Shape{B, H}, 0, 1, dt)
						var cInit, dcN *tensor.Tensor
						if mode == tensor.LSTM {
							cInit, dcN = c0, r.Normal(tensor.Shape{B, H}, 0, 1, dt)
						}
						to := func(x *tensor.Tensor) *tensor.Tensor {
							if x == nil {
								return nil
							}
							return x.To(dev)
						}
						run := func(x *tensor.Tensor, w tensor.RNNWeights, h0, c0, dy, dhN, dcN *tensor.Tensor) []*tensor.Tensor {
							y, hN, cN, seq := tensor.RNNForward(mode, x, w, h0, c0, lengths, reverse, true)
							g := tensor.RNNBackward(seq, dy, dhN, dcN)
							seq.Release()
							out := []*tensor.Tensor{y, hN, g.X, g.WIh, g.WHh, g.BIh, g.BHh, g.H0}
							if mode == tensor.LSTM {
								out = append(out, cN, g.C0)
							}
							return out
						}
						want := run(x, w, h0, cInit, dy, dhN, dcN)
						got := run(to(x), tensor.RNNWeights{WIh: to(w.WIh), WHh: to(w.WHh), BIh: to(w.BIh), BHh: to(w.BHh)},
							to(h0), to(cInit), to(dy), to(dhN), to(dcN))
						names := []string{"y", "hN", "dx", "dWih", "dWhh", "dBih", "dBhh", "dh0", "cN", "dc0"}
						for i := range want {
							assert.Equal(t, dev, got[i].Device(), names[i])
							closeTo(t, names[i], want[i], got[i], tol)
						}
					})
				}
			}
		}
	}
}
