package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/godl/godl/tensor/cpu/internal/asm"
)

// TestLSTMBackRowsMatchTheScalarLoop runs the float32 LSTM backward cell over rows (vector
// tanh, then asm.LSTMBackF32 chunk by chunk) against the scalar loop it replaced, written out
// here with each product rounded apart, bit for bit: widths on both sides of a chunk, several
// rows, operands at offsets, and dcp written over dc as the cell's state buffers are.
func TestLSTMBackRowsMatchTheScalarLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, H := range []int{1, 7, 33, lstmChunk, lstmChunk + 45, 2*lstmChunk + 3} {
		for _, inPlace := range []bool{false, true} {
			b := 3
			rnd := func(n int, lo, hi float64) []float32 {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(lo + (hi-lo)*r.Float64())
				}
				return x
			}
			m := func(d []float32, off, cols int) mat[float32] {
				return mat[float32]{d: d, off: off, rs: cols, cs: 1, present: true}
			}
			act := rnd(b*4*H+5, 0, 1)
			dh, c, cp := rnd(b*H+1, -2, 2), rnd(b*H, -3, 3), rnd(b*H+2, -3, 3)
			dc := rnd(b*H, -1, 1)
			dgi := make([]float32, b*4*H)
			dcp := make([]float32, b*H)
			if inPlace {
				dcp = append([]float32(nil), dc...)
			}
			// The reference, from the same inputs.
			wantDgi := make([]float32, b*4*H)
			wantDcp := make([]float32, b*H)
			for row := range b {
				tc := make([]float32, H)
				asm.TanhF32(tc, c[row*H:(row+1)*H])
				for j := range H {
					g := act[5+row*4*H:]
					i, f, gv, o := g[j], g[H+j], g[2*H+j], g[3*H+j]
					d := dh[1+row*H+j]
					dO := d * tc[j]
					dcT := dc[row*H+j] + float32(float32(d*o)*float32(1-float32(tc[j]*tc[j])))
					dg := wantDgi[row*4*H:]
					dg[j] = float32(float32(dcT*gv)*i) * float32(1-i)
					dg[H+j] = float32(float32(dcT*cp[2+row*H+j])*f) * float32(1-f)
					dg[2*H+j] = float32(dcT*i) * float32(1-float32(gv*gv))
					dg[3*H+j] = float32(dO*o) * float32(1-o)
					wantDcp[row*H+j] = dcT * f
				}
			}
			dcM := m(dc, 0, H)
			if inPlace {
				dcM = m(dcp, 0, H)
			}
			if !lstmBackRowsF32(b, H, m(act, 5, 4*H), m(dh, 1, H), m(c, 0, H), m(cp, 2, H), dcM, m(dcp, 0, H), m(dgi, 0, 4*H)) {
				t.Fatalf("H=%d: the row kernel declined contiguous float32 rows", H)
			}
			for k, pair := range [2][2][]float32{{dgi, wantDgi}, {dcp, wantDcp}} {
				for i := range pair[0] {
					if math.Float32bits(pair[0][i]) != math.Float32bits(pair[1][i]) {
						t.Fatalf("H=%d in place %v: output %d element %d = %v, scalar loop %v", H, inPlace, k, i, pair[0][i], pair[1][i])
					}
				}
			}
		}
	}
}
