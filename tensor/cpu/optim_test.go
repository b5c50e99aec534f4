package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamKernelMatchesTheLoop runs the float32 Adam step through asm.AdamF32 (what
// optimTask.adam does without AMSGrad) and through the generic loop on the same task, and
// compares the parameter and both moments bit for bit (NaN matching NaN), over the options
// the kernel covers, ordinary and hostile inputs, and lengths through the vector tails.
func TestAdamKernelMatchesTheLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	hostile := func() float32 {
		switch r.IntN(8) {
		case 0:
			return math.Float32frombits(r.Uint32() & 0x807fffff) // denormal or ±0
		case 1:
			return float32(math.Inf(1 - 2*r.IntN(2)))
		case 2:
			return float32(math.NaN())
		case 3:
			return math.Float32frombits(r.Uint32())
		}
		return float32(r.NormFloat64())
	}
	for iter := range 400 {
		n := r.IntN(200)
		wd := []float32{0, 0.01, 0.5}[iter%3]
		decoupled, maximize := iter/3%2 == 1, iter/6%2 == 1
		lr := float32(r.Float64() * 0.1)
		task := &optimTask[float32]{kind: kindAdam, wd: wd, b1: 0.9, om1: 1 - 0.9, b2: 0.999, om2: 1 - 0.999,
			eps: 1e-8, bc2: float32(r.Float64()), stepNeg: -lr / float32(r.Float64()+0.01),
			decay: 1 - lr*wd, decoupled: decoupled, maximize: maximize}
		vals := func(pos bool) []float32 {
			x := make([]float32, n)
			for i := range x {
				switch {
				case iter%4 == 0:
					x[i] = hostile()
				case pos:
					x[i] = float32(r.ExpFloat64())
				default:
					x[i] = float32(r.NormFloat64())
				}
			}
			return x
		}
		p, g, m, v := vals(false), vals(false), vals(false), vals(true)
		cp := func(x []float32) []float32 { return append([]float32(nil), x...) }
		p1, m1, v1 := cp(p), cp(m), cp(v)
		p2, m2, v2 := cp(p), cp(m), cp(v)
		task.adam(p1, g, m1, v1, nil)
		task.adamLoop(p2, g, m2, v2, nil)
		what := fmt.Sprintf("n=%d wd=%v decoupled=%v maximize=%v", n, wd, decoupled, maximize)
		for k, pair := range [3][2][]float32{{p1, p2}, {m1, m2}, {v1, v2}} {
			for i := range pair[0] {
				a, b := pair[0][i], pair[1][i]
				if !(a != a && b != b) && math.Float32bits(a) != math.Float32bits(b) {
					t.Fatalf("%s: output %d element %d: kernel %v (%#x), loop %v (%#x); p %v g %v m %v v %v", what, k, i,
						a, math.Float32bits(a), b, math.Float32bits(b), p[i], g[i], m[i], v[i])
				}
			}
		}
	}
}
