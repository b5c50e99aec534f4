package nn

import (
	"math"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// LinearOptions configures NewLinear. The zero value gives PyTorch's defaults.
type LinearOptions struct {
	NoBias bool // no bias (PyTorch's bias=False)
	Init
}

// Linear applies y = x·Wᵀ + b over the last dimension of x, like torch.nn.Linear. Weight is
// [out, in] and Bias [out] (nil without bias): the state_dict keys "weight" and "bias".
type Linear struct {
	Weight *autograd.Value
	Bias   *autograd.Value
	In     int
	Out    int
}

// NewLinear returns a Linear from in to out features, initialized by Reset. It panics if a
// size is negative.
func NewLinear(in, out int, opt LinearOptions) *Linear {
	if in < 0 || out < 0 {
		panicf("nn.NewLinear", "negative size: in %d, out %d", in, out)
	}
	l := &Linear{In: in, Out: out, Weight: opt.param("nn.NewLinear", out, in)}
	if !opt.NoBias {
		l.Bias = opt.param("nn.NewLinear", out)
	}
	l.Reset(opt.rng())
	return l
}

// Reset initializes the parameters as PyTorch does: the weight Kaiming-uniform with a = √5
// (so U(-1/√in, 1/√in)), the bias U(-1/√in, 1/√in).
func (l *Linear) Reset(rng *tensor.RNG) {
	if l.In == 0 {
		Zeros(l.Weight)
		if l.Bias != nil {
			Zeros(l.Bias)
		}
		return
	}
	KaimingUniform(l.Weight, math.Sqrt(5), FanIn, "leaky_relu", rng)
	if l.Bias != nil {
		b := 1 / math.Sqrt(float64(l.In))
		Uniform(l.Bias, -b, b, rng)
	}
}

// Members lists "weight" and "bias".
func (l *Linear) Members() []Member {
	return []Member{Param("weight", l.Weight), Param("bias", l.Bias)}
}

// Forward returns x·Wᵀ + b for x of shape [..., in]; the result is [..., out].
func (l *Linear) Forward(x *autograd.Value) *autograd.Value {
	if x == nil {
		panicf("nn.Linear", "nil input")
	}
	if x.NDim() == 0 || x.Size(-1) != l.In {
		panicf("nn.Linear", "input of shape %v does not end in %d features", x.Shape(), l.In)
	}
	y := autograd.MatMul(x, l.Weight.T())
	if l.Bias != nil {
		y = y.Add(l.Bias)
	}
	return y
}
