package optim

import (
	"fmt"
	"math"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// ClipGradNorm scales the gradients of params in place so that their total norm (the norm of
// the vector of all their elements, of order normType: 2 for the Euclidean norm, math.Inf(1)
// for the largest absolute value, any p > 0) is at most maxNorm, as
// torch.nn.utils.clip_grad_norm_: each gradient is multiplied by
// min(1, maxNorm/(norm + 1e-6)). Parameters without a gradient are skipped.
//
// It returns the total norm before clipping as a 0-d tensor on the device of the first
// gradient (0 without gradients), and never reads it back: the norm, the factor and the
// scaling stay on the device, so a training step does not wait for it. Call Item on the
// result to see it. It panics if maxNorm is negative or NaN, or normType is not positive.
func ClipGradNorm(params []*autograd.Value, maxNorm, normType float64) *tensor.Tensor {
	total, grads := gradNorm("optim.ClipGradNorm", params, maxNorm, normType)
	if total != nil {
		scaleGrads(grads, total, maxNorm)
	} else {
		total = tensor.Scalar[float32](0)
	}
	return total
}

// ClipGradNormChecked is ClipGradNorm that first checks the total norm and returns an error,
// leaving the gradients alone, when it is NaN or infinite (PyTorch's error_if_nonfinite). The
// check reads the norm back to the host: it waits for the device.
func ClipGradNormChecked(params []*autograd.Value, maxNorm, normType float64) (*tensor.Tensor, error) {
	total, grads := gradNorm("optim.ClipGradNormChecked", params, maxNorm, normType)
	if total == nil {
		return tensor.Scalar[float32](0), nil
	}
	if n := total.Item(); math.IsNaN(n) || math.IsInf(n, 0) {
		return total, fmt.Errorf("optim: the total norm of order %g of the gradients is non-finite (%g), so it cannot be clipped", normType, n)
	}
	scaleGrads(grads, total, maxNorm)
	return total, nil
}

// gradNorm returns the total norm of the gradients of params and the gradients, or nil
// without any.
func gradNorm(op string, params []*autograd.Value, maxNorm, normType float64) (*tensor.Tensor, []*tensor.Tensor) {
	if !(maxNorm >= 0) {
		panicf(op, "invalid max norm %g", maxNorm)
	}
	if !(normType > 0) {
		panicf(op, "invalid norm type %g (must be > 0, or +Inf)", normType)
	}
	var grads []*tensor.Tensor
	for _, p := range params {
		if p == nil {
			panicf(op, "nil parameter")
		}
		if g := p.Grad(); g != nil {
			grads = append(grads, g)
		}
	}
	if len(grads) == 0 {
		return nil, nil
	}
	dev, dt := grads[0].Device(), grads[0].DType()
	norms := make([]*tensor.Tensor, len(grads))
	for i, g := range grads {
		n := vectorNorm(g, normType)
		if n.Device() != dev || n.DType() != dt {
			m := n.To(dev)
			n.Release()
			n = m.AsType(dt)
			m.Release()
		}
		norms[i] = n
	}
	all := tensor.Stack(norms, 0)
	for _, n := range norms {
		n.Release()
	}
	defer all.Release()
	return vectorNorm(all, normType), grads
}

// vectorNorm returns the norm of order p of all of t's elements, as a 0-d tensor.
func vectorNorm(t *tensor.Tensor, p float64) *tensor.Tensor {
	var s tensor.Scope
	defer s.Release()
	switch {
	case math.IsInf(p, 1):
		if t.Numel() == 0 {
			return tensor.Zeros(tensor.Shape{}, t.DType(), tensor.On(t.Device()))
		}
		return s.Own(t.Abs()).Max()
	case p == 2:
		return s.Own(s.Own(t.Square()).Sum()).Sqrt()
	case p == 1:
		return s.Own(t.Abs()).Sum()
	}
	return s.Own(s.Own(s.Own(t.Abs()).PowScalar(p)).Sum()).PowScalar(1 / p)
}

// scaleGrads multiplies every gradient by min(1, maxNorm/(total + 1e-6)), on the device.
func scaleGrads(grads []*tensor.Tensor, total *tensor.Tensor, maxNorm float64) {
	var s tensor.Scope
	defer s.Release()
	coef := s.Own(s.Own(total.AddScalar(1e-6)).RDivScalar(maxNorm)).ClampInPlace(math.Inf(-1), 1)
	for _, g := range grads {
		c := coef
		if g.Device() != c.Device() || g.DType() != c.DType() {
			c = s.Own(s.Own(c.To(g.Device())).AsType(g.DType()))
		}
		g.MulInPlace(c)
	}
}

// ClipGradValue clamps every gradient element of params to [-clip, clip] in place, as
// torch.nn.utils.clip_grad_value_. Parameters without a gradient are skipped. It panics if
// clip is negative or NaN.
func ClipGradValue(params []*autograd.Value, clip float64) {
	if !(clip >= 0) {
		panicf("optim.ClipGradValue", "invalid clip value %g", clip)
	}
	for _, p := range params {
		if p == nil {
			panicf("optim.ClipGradValue", "nil parameter")
		}
		if g := p.Grad(); g != nil {
			g.ClampInPlace(-clip, clip)
		}
	}
}
