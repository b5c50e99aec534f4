package tensortest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/tensor"
)

// Tests of the suite itself: it must cover every method, stay quiet for a faithful device,
// tolerate a legitimate difference in summation order, and catch broken devices.

func TestCoverage(t *testing.T) { CheckCoverage(t) }

func TestCaseNamesAreUnique(t *testing.T) {
	names := CaseNames()
	require.NotEmpty(t, names)
	assert.Equal(t, len(names), len(slices.Compact(slices.Clone(names))), "case names repeat")
	for _, c := range allCases() {
		seen := map[string]bool{}
		for _, v := range c.variants {
			assert.False(t, seen[v.name], "%s: variant %s repeats", c.name, v.name)
			seen[v.name] = true
		}
		assert.NotEmpty(t, c.dtypes, c.name)
	}
}

// collector records what the harness reports; Fatalf stops the case like testing.T's does.
type collector struct{ msgs []string }

type stopCase struct{}

func (c *collector) Helper() {}
func (c *collector) Errorf(format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
}
func (c *collector) Fatalf(format string, args ...any) {
	c.Errorf(format, args...)
	panic(stopCase{})
}

// reports runs the named cases (every dtype and variant) on dev and returns what the
// harness reported, each message prefixed with its case.
func reports(dev tensor.Device, names ...string) []string {
	var out []string
	o := Options{TolScale: 1, Seed: defaultSeed}
	for _, c := range allCases() {
		if !slices.Contains(names, c.name) {
			continue
		}
		for _, dt := range c.dtypes {
			for _, v := range c.variants {
				col := &collector{}
				func() {
					defer func() {
						if r := recover(); r != nil {
							if _, ok := r.(stopCase); !ok {
								panic(r)
							}
						}
					}()
					runCase(col, dev, o, c, dt, v)
				}()
				for _, m := range col.msgs {
					out = append(out, c.name+"/"+dt.String()+"/"+v.name+": "+m)
				}
			}
		}
	}
	return out
}

// Broken devices: each wraps Naive and gets one thing wrong.

// sumBias adds 1e-4 to every floating-point sum.
type sumBias struct{ tensor.Device }

func (d sumBias) Reduce(op tensor.ReduceOp, dst, src tensor.Strided) {
	d.Device.Reduce(op, dst, src)
	b := dst.Buf.(*naiveBuffer)
	if op == tensor.ReduceSum && b.dt != tensor.Int64 {
		each(dst.Shape, func(i []int) { o := at(dst.Layout, i); b.setFloat(o, b.float(o)+1e-4) })
	}
}

// copyIgnoresOffset reads its source from offset 0.
type copyIgnoresOffset struct{ tensor.Device }

func (d copyIgnoresOffset) Copy(dst, src tensor.Strided) {
	src.Offset = 0
	d.Device.Copy(dst, src)
}

// argMaxIsArgMin mixes up the two.
type argMaxIsArgMin struct{ tensor.Device }

func (d argMaxIsArgMin) Reduce(op tensor.ReduceOp, dst, src tensor.Strided) {
	if op == tensor.ReduceArgMax {
		op = tensor.ReduceArgMin
	}
	d.Device.Reduce(op, dst, src)
}

// maxDropsNaN skips NaN in Max, as fmax would.
type maxDropsNaN struct{ tensor.Device }

func (d maxDropsNaN) Reduce(op tensor.ReduceOp, dst, src tensor.Strided) {
	d.Device.Reduce(op, dst, src)
	b, s := dst.Buf.(*naiveBuffer), src.Buf.(*naiveBuffer)
	if op != tensor.ReduceMax || b.dt == tensor.Int64 {
		return
	}
	np := len(dst.Shape)
	full := make([]int, len(src.Shape))
	each(dst.Shape, func(lead []int) {
		copy(full, lead)
		best := math.Inf(-1)
		each(src.Shape[np:], func(ti []int) {
			copy(full[np:], ti)
			if x := s.float(at(src.Layout, full)); x > best {
				best = x
			}
		})
		b.setFloat(at(dst.Layout, lead), best)
	})
}

// indexNoPanic swallows out-of-range indices instead of panicking.
type indexNoPanic struct{ tensor.Device }

func (d indexNoPanic) IndexSelect(dst, src, idx tensor.Strided, axis int) {
	defer func() {
		if _, ok := recover().(*tensor.Error); !ok {
			panic("unexpected")
		}
	}()
	d.Device.IndexSelect(dst, src, idx, axis)
}

// gatherWrongOp panics with the wrong operation name.
type gatherWrongOp struct{ tensor.Device }

func (d gatherWrongOp) Gather(dst, src, idx tensor.Strided, axis int) {
	defer func() {
		if r := recover(); r != nil {
			panic(&tensor.Error{Op: "tensor.Index", Msg: fmt.Sprint(r)})
		}
	}()
	d.Device.Gather(dst, src, idx, axis)
}

// writesOutside also writes the element just before its destination view.
type writesOutside struct{ tensor.Device }

func (d writesOutside) Unary(op tensor.UnaryOp, dst, src tensor.Strided, a, b float64) {
	d.Device.Unary(op, dst, src, a, b)
	if nb := dst.Buf.(*naiveBuffer); dst.Offset > 0 && nb.dt != tensor.Int64 {
		nb.setFloat(dst.Offset-1, 42)
	}
}

// divTruncates rounds Int64 division toward zero, as C does.
type divTruncates struct{ tensor.Device }

func (d divTruncates) Binary(op tensor.BinaryOp, dst, x, y tensor.Strided) {
	db, xb, yb := dst.Buf.(*naiveBuffer), x.Buf.(*naiveBuffer), y.Buf.(*naiveBuffer)
	if op != tensor.OpDiv || db.dt != tensor.Int64 {
		d.Device.Binary(op, dst, x, y)
		return
	}
	each(dst.Shape, func(i []int) { db.i64[at(dst.Layout, i)] = xb.i64[at(x.Layout, i)] / yb.i64[at(y.Layout, i)] })
}

// matmulIgnoresStrides treats its operands as contiguous.
type matmulIgnoresStrides struct{ tensor.Device }

func (d matmulIgnoresStrides) MatMul(dst, x, y tensor.Strided) {
	x.Layout = tensor.ContiguousLayout(x.Shape)
	d.Device.MatMul(dst, x, y)
}

// unstableSoftmax is a fused softmax that forgets to subtract the maximum.
type unstableSoftmax struct{ tensor.Device }

func (d unstableSoftmax) Softmax(dst, src tensor.Strided, axis int, log bool) {
	fusedSoftmax(dst, src, axis, log, false)
}

// goodSoftmax is a fused softmax done right, in float64, like the CPU's.
type goodSoftmax struct{ tensor.Device }

func (d goodSoftmax) Softmax(dst, src tensor.Strided, axis int, log bool) {
	fusedSoftmax(dst, src, axis, log, true)
}

func fusedSoftmax(dst, src tensor.Strided, axis int, log, shift bool) {
	db, sb := dst.Buf.(*naiveBuffer), src.Buf.(*naiveBuffer)
	shape := slices.Clone(src.Shape)
	n := shape[axis]
	shape[axis] = 1
	each(shape, func(i []int) {
		j := slices.Clone(i)
		m := 0.0
		if shift {
			m = math.Inf(-1)
			for k := range n {
				j[axis] = k
				m = max(m, sb.float(at(src.Layout, j)))
			}
			if math.IsInf(m, -1) {
				m = 0
			}
		}
		sum := 0.0
		for k := range n {
			j[axis] = k
			sum += math.Exp(sb.float(at(src.Layout, j)) - m)
		}
		for k := range n {
			j[axis] = k
			x := sb.float(at(src.Layout, j))
			if log {
				db.setFloat(at(dst.Layout, j), x-m-math.Log(sum))
			} else {
				db.setFloat(at(dst.Layout, j), math.Exp(x-m)/sum)
			}
		}
	})
}

// float32Sums accumulates float32 sums and products in float32, in reverse order, as a GPU
// might: a legitimate difference that the tolerances must absorb.
type float32Sums struct{ tensor.Device }

func (d float32Sums) Reduce(op tensor.ReduceOp, dst, src tensor.Strided) {
	b, s := dst.Buf.(*naiveBuffer), src.Buf.(*naiveBuffer)
	if op != tensor.ReduceSum || s.dt != tensor.Float32 {
		d.Device.Reduce(op, dst, src)
		return
	}
	np := len(dst.Shape)
	full := make([]int, len(src.Shape))
	each(dst.Shape, func(lead []int) {
		copy(full, lead)
		var terms []float32
		each(src.Shape[np:], func(ti []int) {
			copy(full[np:], ti)
			terms = append(terms, s.f32[at(src.Layout, full)])
		})
		var acc float32
		for _, v := range slices.Backward(terms) {
			acc += v
		}
		b.f32[at(dst.Layout, lead)] = acc
	})
}

func (d float32Sums) MatMul(dst, x, y tensor.Strided) {
	db, xb, yb := dst.Buf.(*naiveBuffer), x.Buf.(*naiveBuffer), y.Buf.(*naiveBuffer)
	if db.dt != tensor.Float32 {
		d.Device.MatMul(dst, x, y)
		return
	}
	nd := len(dst.Shape)
	k := x.Shape[nd-1]
	xi, yi := make([]int, nd), make([]int, nd)
	each(dst.Shape, func(i []int) {
		copy(xi, i)
		copy(yi, i)
		var acc float32
		for p := k - 1; p >= 0; p-- {
			xi[nd-1], yi[nd-2] = p, p
			acc += xb.f32[at(x.Layout, xi)] * yb.f32[at(y.Layout, yi)]
		}
		db.f32[at(dst.Layout, i)] = acc
	})
}

func TestSuiteCatchesBrokenDevices(t *testing.T) {
	for _, c := range []struct {
		name  string
		dev   tensor.Device
		cases []string
		want  string // a fragment of one of the reports
	}{
		{"sum bias", sumBias{Naive}, []string{"Sum"}, "elements differ"},
		{"copy ignores offset", copyIgnoresOffset{Naive}, []string{"Contiguous"}, "elements differ"},
		{"argmax is argmin", argMaxIsArgMin{Naive}, []string{"ArgMax"}, "elements differ"},
		{"max drops NaN", maxDropsNaN{Naive}, []string{"Max"}, "on the CPU"},
		{"index without panic", indexNoPanic{Naive}, []string{"IndexSelect"}, "returned normally"},
		{"gather panics in another op", gatherWrongOp{Naive}, []string{"Gather"}, "panicked in tensor.Index"},
		{"writes outside the view", writesOutside{Naive}, []string{"AddScalarInPlace"}, "operand 0 after the call"},
		{"division truncates", divTruncates{Naive}, []string{"Div/int"}, "elements differ"},
		{"matmul ignores strides", matmulIgnoresStrides{Naive}, []string{"MatMul"}, "elements differ"},
		{"softmax without the shift", unstableSoftmax{Naive}, []string{"Softmax"}, "elements differ"},
	} {
		t.Run(c.name, func(t *testing.T) {
			msgs := reports(c.dev, c.cases...)
			require.NotEmpty(t, msgs, "the suite did not notice")
			assert.True(t, slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, c.want) }),
				"no report mentions %q:\n%s", c.want, strings.Join(msgs[:min(len(msgs), 5)], "\n"))
		})
	}
}

func TestSuiteAcceptsFaithfulDevices(t *testing.T) {
	// The naive device itself, a fused softmax done right, and float32 accumulation in
	// another order pass the cases they touch.
	for _, c := range []struct {
		name  string
		dev   tensor.Device
		cases []string
	}{
		{"naive", Naive, []string{"Sum", "Max", "ArgMax", "Contiguous", "IndexSelect", "Gather", "MatMul", "Div/int", "AddScalarInPlace", "Softmax"}},
		{"fused softmax", goodSoftmax{Naive}, []string{"Softmax", "LogSoftmax"}},
		{"float32 accumulation", float32Sums{Naive}, []string{"Sum", "SumKeepDim", "Mean", "Var", "Variance/1/false", "LogSumExp", "MatMul", "SumTo"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			msgs := reports(c.dev, c.cases...)
			assert.Empty(t, msgs, "%s", strings.Join(msgs[:min(len(msgs), 10)], "\n"))
		})
	}
}
