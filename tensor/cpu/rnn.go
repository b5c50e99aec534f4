package cpu

import (
	"math"

	"github.com/godl/godl/internal/parallel"
	"github.com/godl/godl/tensor/cpu/internal/asm"
	"github.com/godl/godl/tensor/device"
)

// The fused recurrent cell (device.RNNCellKernel): one pass over the b×H elements of a step,
// computing every gate and the state update together, as device.RNNCellArgs defines. Each
// element reads only its own row and column of every operand, so outputs may alias inputs of
// the same shape (the state buffers are updated in place).

// RNNCell runs one forward step of the cell.
func (cpuDevice) RNNCell(mode device.RNNMode, a device.RNNCellArgs) {
	device.ByDType(a.Gi.Buf.DType(), rnnCellF[float32], rnnCellF[float64], rnnCellI)(mode, a)
}

// RNNCellBackward runs one backward step of the cell.
func (cpuDevice) RNNCellBackward(mode device.RNNMode, a device.RNNCellArgs) {
	device.ByDType(a.Act.Buf.DType(), rnnCellBackF[float32], rnnCellBackF[float64], rnnCellI)(mode, a)
}

func rnnCellI(device.RNNMode, device.RNNCellArgs) {
	device.Panicf("tensor.RNNCell", "recurrent cells need float32 or float64")
}

// mat is a [rows, cols] operand: element (r, j) of its slice.
type mat[T float32 | float64] struct {
	d        []T
	off      int
	rs, cs   int
	present  bool
	isVector bool // Bhh: one row for every r
}

func matOf[T float32 | float64](s device.Strided) mat[T] {
	if s.Buf == nil {
		return mat[T]{}
	}
	m := mat[T]{d: cpuData[T](s.Buf), off: s.Offset, present: true}
	if len(s.Shape) == 1 {
		m.cs, m.isVector = s.Strides[0], true
	} else {
		m.rs, m.cs = s.Strides[0], s.Strides[1]
	}
	return m
}

func (m mat[T]) at(r, j int) int { return m.off + r*m.rs + j*m.cs }

func sigm(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func rnnCellF[T float32 | float64](mode device.RNNMode, a device.RNNCellArgs) {
	b := a.Gi.Shape[0]
	H := a.HPrev.Shape[1]
	gi, gh, hp := matOf[T](a.Gi), matOf[T](a.Gh), matOf[T](a.HPrev)
	act, h := matOf[T](a.Act), matOf[T](a.H)
	switch mode {
	case device.LSTM:
		cp, c := matOf[T](a.CPrev), matOf[T](a.C)
		if lstmRowsF32(b, H, gi, gh, act, cp, c, h) {
			return
		}
		for r := range b {
			for j := range H {
				// The pre-activations are summed in T, as the composed form does.
				pre := func(k int) float64 {
					return float64(gi.d[gi.at(r, k*H+j)] + gh.d[gh.at(r, k*H+j)])
				}
				i, f := sigm(pre(0)), sigm(pre(1))
				g, o := math.Tanh(pre(2)), sigm(pre(3))
				// Each value is rounded to T once, as the composed form rounds them.
				it, ft, gt, ot := T(i), T(f), T(g), T(o)
				act.d[act.at(r, j)], act.d[act.at(r, H+j)], act.d[act.at(r, 2*H+j)], act.d[act.at(r, 3*H+j)] = it, ft, gt, ot
				cn := T(ft*cp.d[cp.at(r, j)]) + T(it*gt) // rounded apart, never fused
				c.d[c.at(r, j)] = cn
				h.d[h.at(r, j)] = ot * T(math.Tanh(float64(cn)))
			}
		}
	case device.GRU:
		bhh := matOf[T](a.Bhh)
		bias := func(k, j int) T {
			if !bhh.present {
				return 0
			}
			return bhh.d[bhh.at(0, k*H+j)]
		}
		for r := range b {
			for j := range H {
				gr := gh.d[gh.at(r, j)] + bias(0, j)
				gz := gh.d[gh.at(r, H+j)] + bias(1, j)
				hn := gh.d[gh.at(r, 2*H+j)] + bias(2, j)
				rr := T(sigm(float64(gi.d[gi.at(r, j)] + gr)))
				z := T(sigm(float64(gi.d[gi.at(r, H+j)] + gz)))
				n := T(math.Tanh(float64(gi.d[gi.at(r, 2*H+j)] + rr*hn)))
				act.d[act.at(r, j)], act.d[act.at(r, H+j)], act.d[act.at(r, 2*H+j)], act.d[act.at(r, 3*H+j)] = rr, z, n, hn
				h.d[h.at(r, j)] = n + z*(hp.d[hp.at(r, j)]-n)
			}
		}
	default:
		for r := range b {
			for j := range H {
				p := gi.d[gi.at(r, j)] + gh.d[gh.at(r, j)]
				var v T
				if mode == device.RNNTanh {
					v = T(math.Tanh(float64(p)))
				} else {
					v = max(p, 0)
					if p != p {
						v = p
					}
				}
				act.d[act.at(r, j)] = v
				h.d[h.at(r, j)] = v
			}
		}
	}
}

func rnnCellBackF[T float32 | float64](mode device.RNNMode, a device.RNNCellArgs) {
	b := a.DH.Shape[0]
	H := a.DH.Shape[1]
	act, dh, dgi, dgh := matOf[T](a.Act), matOf[T](a.DH), matOf[T](a.DGi), matOf[T](a.DGh)
	switch mode {
	case device.LSTM:
		c, cp, dc, dcp := matOf[T](a.C), matOf[T](a.CPrev), matOf[T](a.DC), matOf[T](a.DCPrev)
		if lstmBackRowsF32(b, H, act, dh, c, cp, dc, dcp, dgi) {
			if a.DGh.Buf != a.DGi.Buf || a.DGh.Offset != a.DGi.Offset {
				copyGates(dgh, dgi, b, 4*H)
			}
			return
		}
		for r := range b {
			for j := range H {
				i, f := act.d[act.at(r, j)], act.d[act.at(r, H+j)]
				g, o := act.d[act.at(r, 2*H+j)], act.d[act.at(r, 3*H+j)]
				d := dh.d[dh.at(r, j)]
				tc := T(math.Tanh(float64(c.d[c.at(r, j)])))
				do := d * tc
				dcT := dc.d[dc.at(r, j)] + (d*o)*(1-tc*tc)
				dgi.d[dgi.at(r, j)] = ((dcT * g) * i) * (1 - i)
				dgi.d[dgi.at(r, H+j)] = ((dcT * cp.d[cp.at(r, j)]) * f) * (1 - f)
				dgi.d[dgi.at(r, 2*H+j)] = (dcT * i) * (1 - g*g)
				dgi.d[dgi.at(r, 3*H+j)] = (do * o) * (1 - o)
				dcp.d[dcp.at(r, j)] = dcT * f
			}
		}
		if a.DGh.Buf != a.DGi.Buf || a.DGh.Offset != a.DGi.Offset {
			copyGates(dgh, dgi, b, 4*H)
		}
	case device.GRU:
		hp, dhp := matOf[T](a.HPrev), matOf[T](a.DHPrev)
		for r := range b {
			for j := range H {
				rr, z := act.d[act.at(r, j)], act.d[act.at(r, H+j)]
				n, hn := act.d[act.at(r, 2*H+j)], act.d[act.at(r, 3*H+j)]
				d := dh.d[dh.at(r, j)]
				dn := d * (1 - z)
				dz := d * (hp.d[hp.at(r, j)] - n)
				dnPre := dn * (1 - n*n)
				drPre := ((dnPre * hn) * rr) * (1 - rr)
				dzPre := (dz * z) * (1 - z)
				dgi.d[dgi.at(r, j)], dgi.d[dgi.at(r, H+j)], dgi.d[dgi.at(r, 2*H+j)] = drPre, dzPre, dnPre
				dgh.d[dgh.at(r, j)], dgh.d[dgh.at(r, H+j)], dgh.d[dgh.at(r, 2*H+j)] = drPre, dzPre, dnPre*rr
				dhp.d[dhp.at(r, j)] = d * z
			}
		}
	default:
		for r := range b {
			for j := range H {
				y, d := act.d[act.at(r, j)], dh.d[dh.at(r, j)]
				var v T
				if mode == device.RNNTanh {
					v = d * (1 - y*y)
				} else if y > 0 {
					v = d
				}
				dgi.d[dgi.at(r, j)] = v
			}
		}
		if a.DGh.Buf != a.DGi.Buf || a.DGh.Offset != a.DGi.Offset {
			copyGates(dgh, dgi, b, H)
		}
	}
}

// rows32 is a float32 matrix with contiguous rows of n elements, rs apart from off.
type rows32 struct {
	d          []float32
	off, rs, n int
}

// at returns row r.
func (m rows32) at(r int) []float32 { o := m.off + r*m.rs; return m.d[o : o+m.n] }

// rowsOf returns m's first n columns as rows32 when m is a float32 matrix with contiguous rows.
func rowsOf[T float32 | float64](m mat[T], n int) (rows32, bool) {
	d, ok := any(m.d).([]float32)
	if !ok || !m.present || m.isVector || (m.cs != 1 && n > 1) {
		return rows32{}, false
	}
	return rows32{d: d, off: m.off, rs: m.rs, n: n}, true
}

// lstmChunk is how many elements of a row the row kernels take at a time: their scratch
// rows live on the stack.
const lstmChunk = 256

// lstmRowGrain is the number of rows each parallel chunk of the row kernels takes: at least
// about 8192 elements, so that short steps stay on one goroutine.
func lstmRowGrain(H int) int { return max(1, 8192/max(1, 4*H)) }

// lstmRowsF32 is the LSTM forward cell over float32 operands with contiguous rows, with the
// vector kernels: the same operations in the same order as the generic loop, each rounded to
// float32 (the gates through asm's sigmoid and tanh, as the composed form's contiguous runs
// go). It reports false, doing nothing, for other operands.
func lstmRowsF32[T float32 | float64](b, H int, gi, gh, act, cp, c, h mat[T]) bool {
	giR, ok1 := rowsOf(gi, 4*H)
	ghR, ok2 := rowsOf(gh, 4*H)
	actR, ok3 := rowsOf(act, 4*H)
	cpR, ok4 := rowsOf(cp, H)
	cR, ok5 := rowsOf(c, H)
	hR, ok6 := rowsOf(h, H)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return false
	}
	parallel.For(b, lstmRowGrain(H), func(lo, hi int) {
		var tmp [lstmChunk]float32
		for r := lo; r < hi; r++ {
			g := actR.at(r)
			asm.AddF32(g, giR.at(r), ghR.at(r)) // the pre-activations, summed in float32
			asm.SigmoidF32(g[:2*H], g[:2*H])
			asm.TanhF32(g[2*H:3*H], g[2*H:3*H])
			asm.SigmoidF32(g[3*H:], g[3*H:])
			cp, c, h := cpR.at(r), cR.at(r), hR.at(r)
			for j0 := 0; j0 < H; j0 += lstmChunk {
				j1 := min(H, j0+lstmChunk)
				t := tmp[:j1-j0]
				asm.MulF32(t, g[j0:j1], g[2*H+j0:2*H+j1])     // i·g
				asm.MulF32(c[j0:j1], g[H+j0:H+j1], cp[j0:j1]) // f·c (c may be cp itself)
				asm.AddF32(c[j0:j1], c[j0:j1], t)             // rounded apart, never fused
				asm.TanhF32(t, c[j0:j1])
				asm.MulF32(h[j0:j1], g[3*H+j0:3*H+j1], t)
			}
		}
	})
	return true
}

// lstmBackRowsF32 is the LSTM backward cell over float32 operands with contiguous rows: tanh
// of the cell state and the rest of the step with the vector kernels (asm.LSTMBackF32: the
// generic loop's operations in float32, each product rounded apart). It reports false, doing
// nothing, for other operands.
func lstmBackRowsF32[T float32 | float64](b, H int, act, dh, c, cp, dc, dcp, dgi mat[T]) bool {
	actR, ok1 := rowsOf(act, 4*H)
	dhR, ok2 := rowsOf(dh, H)
	cR, ok3 := rowsOf(c, H)
	cpR, ok4 := rowsOf(cp, H)
	dcR, ok5 := rowsOf(dc, H)
	dcpR, ok6 := rowsOf(dcp, H)
	dgiR, ok7 := rowsOf(dgi, 4*H)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return false
	}
	parallel.For(b, lstmRowGrain(H), func(lo, hi int) {
		var tmp [lstmChunk]float32
		for r := lo; r < hi; r++ {
			g, dg := actR.at(r), dgiR.at(r)
			dh, c, cp, dc, dcp := dhR.at(r), cR.at(r), cpR.at(r), dcR.at(r), dcpR.at(r)
			for j0 := 0; j0 < H; j0 += lstmChunk {
				j1 := min(H, j0+lstmChunk)
				tcs := tmp[:j1-j0]
				asm.TanhF32(tcs, c[j0:j1])
				asm.LSTMBackF32(dg[j0:], g[j0:], H, dh[j0:j1], tcs, cp[j0:j1], dc[j0:j1], dcp[j0:j1])
			}
		}
	})
	return true
}

func copyGates[T float32 | float64](dst, src mat[T], rows, cols int) {
	for r := range rows {
		for j := range cols {
			dst.d[dst.at(r, j)] = src.d[src.at(r, j)]
		}
	}
}

var _ device.RNNCellKernel = cpuDevice{}
