//go:build linux && !race

// The race detector keeps shadow memory several times the size of the heap, so a process's
// RSS under it says nothing about the program's own memory: these tests are built without it.

package autograd

import (
	"testing"

	"github.com/godl/godl/internal/memtest"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
)

// rssCeiling is the most memory a training loop that never releases anything may take,
// measured as the peak resident set of a process that runs only that loop.
const rssCeiling = 200 << 20

// sgdNoRelease updates each parameter in place by plain SGD and drops its gradient without
// releasing it, as a careless optimizer would.
func sgdNoRelease(params []*Value, lr float64) {
	for _, p := range params {
		p.Data().AddScaledInPlace(-lr, p.Grad())
		p.SetGrad(nil)
	}
}

// TestNeverReleasedTrainingLoopRSS trains an MLP (16 -> 64 -> 64 -> 10, tanh and ReLU,
// cross-entropy) for 20,000 steps of plain SGD on a fixed batch, releasing nothing: no
// ZeroGrad, no Release. It must stay under the RSS ceiling and still learn.
func TestNeverReleasedTrainingLoopRSS(t *testing.T) {
	memtest.UnderLimit(t, rssCeiling, func() {
		r := tensor.NewRNG(7)
		x := Const(r.Normal(tensor.Shape{64, 16}, 0, 1))
		y := r.Integers(tensor.Shape{64}, 0, 10)
		w1 := Param(r.Uniform(tensor.Shape{16, 64}, -0.25, 0.25))
		b1 := Param(tensor.Zeros(tensor.Shape{64}))
		w2 := Param(r.Uniform(tensor.Shape{64, 64}, -0.125, 0.125))
		b2 := Param(tensor.Zeros(tensor.Shape{64}))
		w3 := Param(r.Uniform(tensor.Shape{64, 10}, -0.125, 0.125))
		b3 := Param(tensor.Zeros(tensor.Shape{10}))
		params := []*Value{w1, b1, w2, b2, w3, b3}
		var first, last float64
		for step := range 20000 {
			h := MatMul(x, w1).Add(b1).Tanh()
			h = MatMul(h, w2).Add(b2).ReLU()
			loss := CrossEntropy(MatMul(h, w3).Add(b3), y)
			loss.Backward()
			sgdNoRelease(params, 0.05)
			if step == 0 {
				first = loss.Item()
			}
			last = loss.Item()
		}
		t.Logf("loss %.4f -> %.4f", first, last)
		assert.Less(t, last, first/10, "64 random points must be fitted")
	})
}

// TestNeverReleasedLSTMLoopRSS runs 40 training steps of a one-layer LSTM composed from
// autograd ops (batch 64, 20 time steps, input 100, hidden 128, gates i, f, g, o: the
// flagship model's sizes), releasing nothing.
func TestNeverReleasedLSTMLoopRSS(t *testing.T) {
	memtest.UnderLimit(t, rssCeiling, func() {
		const batch, steps, in, hidden = 64, 20, 100, 128
		r := tensor.NewRNG(8)
		xs := Const(r.Normal(tensor.Shape{steps, batch, in}, 0, 1))
		y := r.Integers(tensor.Shape{batch}, 0, 4)
		wih := Param(r.Uniform(tensor.Shape{in, 4 * hidden}, -0.125, 0.125))
		whh := Param(r.Uniform(tensor.Shape{hidden, 4 * hidden}, -0.125, 0.125))
		bias := Param(tensor.Zeros(tensor.Shape{4 * hidden}))
		wout := Param(r.Uniform(tensor.Shape{hidden, 4}, -0.125, 0.125))
		params := []*Value{wih, whh, bias, wout}
		var first, last float64
		for it := range 40 {
			h := Const(tensor.Zeros(tensor.Shape{batch, hidden}))
			c := Const(tensor.Zeros(tensor.Shape{batch, hidden}))
			for s := range steps {
				gates := MatMul(xs.Select(0, s), wih).Add(MatMul(h, whh)).Add(bias)
				i := gates.Narrow(1, 0, hidden).Sigmoid()
				f := gates.Narrow(1, hidden, hidden).Sigmoid()
				g := gates.Narrow(1, 2*hidden, hidden).Tanh()
				o := gates.Narrow(1, 3*hidden, hidden).Sigmoid()
				c = f.Mul(c).Add(i.Mul(g))
				h = o.Mul(c.Tanh())
			}
			loss := CrossEntropy(MatMul(h, wout), y)
			loss.Backward()
			sgdNoRelease(params, 0.5)
			if it == 0 {
				first = loss.Item()
			}
			last = loss.Item()
		}
		t.Logf("loss %.4f -> %.4f", first, last)
		assert.Less(t, last, first/2, "64 random sequences must be learned")
	})
}
