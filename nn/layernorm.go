package nn

import (
	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// LayerNormOptions configures NewLayerNorm. The zero value gives PyTorch's defaults.
type LayerNormOptions struct {
	Eps      float64 // added to the variance; 1e-5 when 0
	NoAffine bool    // no weight and bias (PyTorch's elementwise_affine=False)
	NoBias   bool    // a weight but no bias (PyTorch's bias=False)
	Init             // dtype and device of the weight and bias
}

// LayerNorm normalizes over the last len(Shape) dimensions, like torch.nn.LayerNorm:
// y = (x - mean) / √(var + eps) · weight + bias, with the biased variance. Weight (ones) and
// Bias (zeros) have the normalized shape.
type LayerNorm struct {
	Shape  tensor.Shape
	Eps    float64
	Weight *autograd.Value
	Bias   *autograd.Value
}

// NewLayerNorm returns a LayerNorm over the trailing dimensions of the given shape. It panics
// if the shape is empty or has a size below 1.
func NewLayerNorm(shape tensor.Shape, opt LayerNormOptions) *LayerNorm {
	if len(shape) == 0 {
		panicf("nn.NewLayerNorm", "empty normalized shape")
	}
	for _, d := range shape {
		if d < 1 {
			panicf("nn.NewLayerNorm", "bad normalized shape %v", shape)
		}
	}
	ln := &LayerNorm{Shape: shape.Clone(), Eps: opt.Eps}
	if ln.Eps == 0 {
		ln.Eps = 1e-5
	}
	if !opt.NoAffine {
		ln.Weight = opt.param("nn.NewLayerNorm", shape...)
		if !opt.NoBias {
			ln.Bias = opt.param("nn.NewLayerNorm", shape...)
		}
	}
	ln.Reset()
	return ln
}

// Reset sets the weight to ones and the bias to zeros.
func (ln *LayerNorm) Reset() {
	if ln.Weight != nil {
		Ones(ln.Weight)
	}
	if ln.Bias != nil {
		Zeros(ln.Bias)
	}
}

// Members lists "weight" and "bias".
func (ln *LayerNorm) Members() []Member {
	return []Member{Param("weight", ln.Weight), Param("bias", ln.Bias)}
}

// Forward normalizes x, whose shape must end in the normalized shape.
func (ln *LayerNorm) Forward(x *autograd.Value) *autograd.Value {
	if x == nil {
		panicf("nn.LayerNorm", "nil input")
	}
	k := len(ln.Shape)
	if x.NDim() < k || !tensor.Shape(x.Shape()[x.NDim()-k:]).Equal(ln.Shape) {
		panicf("nn.LayerNorm", "input of shape %v does not end in the normalized shape %v", x.Shape(), ln.Shape)
	}
	axes := make([]int, k)
	for i := range axes {
		axes[i] = x.NDim() - k + i
	}
	mean := x.MeanKeepDim(axes...)
	d := x.Sub(mean)
	variance := d.Square().MeanKeepDim(axes...)
	y := d.Mul(variance.AddScalar(ln.Eps).Rsqrt())
	if ln.Weight != nil {
		y = y.Mul(ln.Weight)
	}
	if ln.Bias != nil {
		y = y.Add(ln.Bias)
	}
	return y
}
