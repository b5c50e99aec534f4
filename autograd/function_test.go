package autograd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/tensor"
)

// fnSwish is x·σ(x) with a hand-written backward: σ(x)·(1 + x·(1-σ(x))).
type fnSwish struct{ forwards int }

func (f *fnSwish) Forward(ctx *Context, in []*tensor.Tensor) []*tensor.Tensor {
	f.forwards++
	s := in[0].Sigmoid()
	ctx.SaveForBackward(in[0])
	ctx.ReleaseWithGraph(s)
	return []*tensor.Tensor{in[0].Mul(s)}
}

func (f *fnSwish) Backward(ctx *Context, g []*tensor.Tensor) []*tensor.Tensor {
	x := ctx.Saved()[0]
	s := x.Sigmoid()
	d := s.RSubScalar(1).MulInPlace(x).AddScalarInPlace(1).MulInPlace(s)
	return []*tensor.Tensor{d.MulInPlace(g[0])}
}

func TestFunctionPassesGradCheck(t *testing.T) {
	x := tensor.NewRNG(1).Normal(tensor.Shape{3, 4}, 0, 2, tensor.Float64)
	err := GradCheck(func(xs ...*Value) *Value { return Apply(&fnSwish{}, xs[0])[0].Mul(xs[0]) }, []*tensor.Tensor{x}, nil)
	assert.NoError(t, err)
}

func TestFunctionIsNamedAfterItsType(t *testing.T) {
	x := Param(tensor.From([]float64{1, 2}))
	y := Apply(&fnSwish{}, x)[0]
	assert.Equal(t, "fnSwish", y.Op())
	assert.InDeltaSlice(t, []float64{1 / (1 + 1/2.718281828459045), 2 / (1 + 1/7.38905609893065)}, y.Data().Float64s(), 1e-12)
}

// fnTwo returns two outputs, 2x and x·y, and records which inputs needed gradients.
type fnTwo struct{ needs []bool }

func (f *fnTwo) Forward(ctx *Context, in []*tensor.Tensor) []*tensor.Tensor {
	ctx.SaveForBackward(in[0], in[1])
	f.needs = []bool{ctx.NeedsInputGrad(0), ctx.NeedsInputGrad(1)}
	return []*tensor.Tensor{in[0].MulScalar(2), in[0].Mul(in[1])}
}

func (f *fnTwo) Backward(ctx *Context, g []*tensor.Tensor) []*tensor.Tensor {
	x, y := ctx.Saved()[0], ctx.Saved()[1]
	gx := g[0].MulScalar(2).AddInPlace(g[1].Mul(y))
	var gy *tensor.Tensor
	if ctx.NeedsInputGrad(1) {
		gy = g[1].Mul(x)
	}
	return []*tensor.Tensor{gx, gy}
}

func TestFunctionWithTwoOutputs(t *testing.T) {
	x := Param(tensor.From([]float64{1, 2}))
	y := Const(tensor.From([]float64{3, 5}))
	f := &fnTwo{}
	outs := Apply(f, x, y)
	require.Len(t, outs, 2)
	assert.Equal(t, []bool{true, false}, f.needs)
	// Only the second output is used: the first receives a zero gradient.
	outs[1].Sum().Backward()
	assert.Equal(t, []float64{3, 5}, x.Grad().Float64s())
	assert.Nil(t, y.Grad())

	err := GradCheck(func(xs ...*Value) *Value {
		o := Apply(&fnTwo{}, xs[0], xs[1])
		return o[0].Mul(o[1])
	}, []*tensor.Tensor{tensor.From([]float64{0.5, -1}), tensor.From([]float64{2, 0.25})}, nil)
	assert.NoError(t, err)
}

// fnIdentity returns its input's gradient unchanged: the tensor it hands back is the
// engine's own incoming gradient.
type fnIdentity struct{}

func (fnIdentity) Forward(_ *Context, in []*tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{in[0].Clone()}
}

func (fnIdentity) Backward(_ *Context, g []*tensor.Tensor) []*tensor.Tensor { return g }

// fnLeaky returns a tensor it keeps referencing as its gradient; the engine must not
// release it.
type fnLeaky struct{ kept *tensor.Tensor }

func (f *fnLeaky) Forward(_ *Context, in []*tensor.Tensor) []*tensor.Tensor {
	f.kept = tensor.OnesLike(in[0])
	return []*tensor.Tensor{in[0].Clone()}
}

func (f *fnLeaky) Backward(_ *Context, _ []*tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{f.kept}
}

func TestFunctionGradientsStayTheFunctions(t *testing.T) {
	x := Param(tensor.From([]float64{1, 2}))
	Apply(fnIdentity{}, x)[0].MulScalar(3).Sum().Backward()
	assert.Equal(t, []float64{3, 3}, x.Grad().Float64s())

	f := &fnLeaky{}
	z := Param(tensor.From([]float64{1, 2}))
	Apply(f, z)[0].Sum().Backward()
	assert.False(t, f.kept.Released(), "the engine released a tensor the Function still owns")
	assert.Equal(t, []float64{1, 1}, z.Grad().Float64s())
	z.Grad().AddScalarInPlace(1)
	assert.Equal(t, []float64{1, 1}, f.kept.Float64s(), "the leaf's gradient must not alias the Function's tensor")
}

func TestFunctionTemporariesAreReleasedWithTheGraph(t *testing.T) {
	x := Param(tensor.From([]float64{1, 2}))
	y := Apply(&fnSwish{}, x)[0]
	owned := append([]*tensor.Tensor(nil), y.node.owned...)
	require.Len(t, owned, 1)
	assert.False(t, owned[0].Released())
	y.Sum().Backward()
	assert.True(t, owned[0].Released())
}

func TestFunctionInNoGradRecordsNothing(t *testing.T) {
	x := Param(tensor.From([]float64{1, 2}))
	f := &fnSwish{}
	y := Apply(f, x.NoGrad())[0]
	assert.Equal(t, 1, f.forwards)
	assert.True(t, y.IsLeaf())
	assert.False(t, y.RequiresGrad())
	assert.True(t, y.IsNoGrad())
}

func TestFunctionMustReturnOutputs(t *testing.T) {
	opsPanicsWithError(t, "autograd.Apply: fnNone.Forward returned no outputs", func() {
		Apply(fnNone{}, Param(tensor.From([]float64{1})))
	})
}

type fnNone struct{}

func (fnNone) Forward(*Context, []*tensor.Tensor) []*tensor.Tensor  { return nil }
func (fnNone) Backward(*Context, []*tensor.Tensor) []*tensor.Tensor { return nil }
