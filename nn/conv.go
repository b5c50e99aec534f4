package nn

import (
	"math"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// Conv1dOptions configures NewConv1d. The zero value gives PyTorch's defaults.
type Conv1dOptions struct {
	Stride   int  // step between windows; 1 when 0
	Padding  int  // zeros added on both sides of the sequence
	Dilation int  // spacing between the taps of the kernel; 1 when 0
	Groups   int  // channel groups convolved separately (in and out divisible by it); 1 when 0
	NoBias   bool // no bias (PyTorch's bias=False)
	Init
}

// Conv1d is a 1-D convolution (a cross-correlation, as in every framework) over the last
// dimension of [B, In, L] inputs, like torch.nn.Conv1d with padding_mode "zeros":
//
//	y[b, o, t] = bias[o] + Σ_c Σ_k weight[o, c, k] · x[b, g·In/Groups + c, t·Stride + k·Dilation - Padding]
//
// where g is the group of output channel o. Weight is [Out, In/Groups, Kernel] and Bias
// [Out] (nil without bias): the state_dict keys "weight" and "bias".
//
// It is computed from tensor operations: the windows of the padded input are gathered with one
// IndexSelect into [B, Groups, In/Groups·Kernel, Lout] and multiplied by the weight in one
// batched MatMul.
type Conv1d struct {
	Weight, Bias                      *autograd.Value
	In, Out, Kernel                   int
	Stride, Padding, Dilation, Groups int
}

// NewConv1d returns a convolution from in to out channels with the given kernel size,
// initialized by Reset. It panics if a size is not positive, the padding is negative, or in
// and out are not divisible by the number of groups.
func NewConv1d(in, out, kernel int, opt Conv1dOptions) *Conv1d {
	c := &Conv1d{In: in, Out: out, Kernel: kernel, Stride: opt.Stride, Padding: opt.Padding, Dilation: opt.Dilation, Groups: opt.Groups}
	if c.Stride == 0 {
		c.Stride = 1
	}
	if c.Dilation == 0 {
		c.Dilation = 1
	}
	if c.Groups == 0 {
		c.Groups = 1
	}
	if in < 1 || out < 1 || kernel < 1 || c.Stride < 1 || c.Dilation < 1 || c.Groups < 1 || c.Padding < 0 {
		panicf("nn.NewConv1d", "bad sizes: in %d, out %d, kernel %d, stride %d, padding %d, dilation %d, groups %d",
			in, out, kernel, c.Stride, c.Padding, c.Dilation, c.Groups)
	}
	if in%c.Groups != 0 || out%c.Groups != 0 {
		panicf("nn.NewConv1d", "in %d and out %d channels must be divisible by %d groups", in, out, c.Groups)
	}
	c.Weight = opt.param("nn.NewConv1d", out, in/c.Groups, kernel)
	if !opt.NoBias {
		c.Bias = opt.param("nn.NewConv1d", out)
	}
	c.Reset(opt.rng())
	return c
}

// Reset initializes the parameters as PyTorch does: the weight Kaiming-uniform with a = √5,
// so U(-1/√fan_in, 1/√fan_in) with fan_in = In/Groups·Kernel, and the bias from the same range.
func (c *Conv1d) Reset(rng *tensor.RNG) {
	KaimingUniform(c.Weight, math.Sqrt(5), FanIn, "leaky_relu", rng)
	if c.Bias != nil {
		fanIn, _ := Fans(c.Weight.Shape())
		b := 1 / math.Sqrt(float64(fanIn))
		Uniform(c.Bias, -b, b, rng)
	}
}

// Members lists "weight" and "bias".
func (c *Conv1d) Members() []Member {
	return []Member{Param("weight", c.Weight), Param("bias", c.Bias)}
}

// OutLen returns the output length for an input of length l:
// ⌊(l + 2·Padding - Dilation·(Kernel-1) - 1) / Stride⌋ + 1 (below 1 when l is too short).
func (c *Conv1d) OutLen(l int) int {
	return floorDiv(l+2*c.Padding-c.Dilation*(c.Kernel-1)-1, c.Stride) + 1
}

// Forward convolves x, [B, In, L] or [In, L] unbatched, into [B, Out, Lout] ([Out, Lout]). It
// panics with a *tensor.Error if x is nil, has another number of channels, or is shorter than
// the dilated kernel after padding.
func (c *Conv1d) Forward(x *autograd.Value) *autograd.Value {
	const op = "nn.Conv1d"
	if x == nil {
		panicf(op, "nil input")
	}
	if (x.NDim() != 3 && x.NDim() != 2) || x.Size(-2) != c.In {
		panicf(op, "input of shape %v: want [B, %d, L] or [%d, L]", x.Shape(), c.In, c.In)
	}
	batched := x.NDim() == 3
	if !batched {
		x = x.Unsqueeze(0)
	}
	b, l := x.Size(0), x.Size(2)
	lout := c.OutLen(l)
	if lout < 1 {
		panicf(op, "input of shape %v is too short for kernel %d with dilation %d and padding %d", x.Shape(), c.Kernel, c.Dilation, c.Padding)
	}
	g, cin, cout := c.Groups, c.In/c.Groups, c.Out/c.Groups
	xp := padLast(x, c.Padding, c.Padding, 0)
	cols := unfold(xp, c.Kernel, c.Stride, c.Dilation, lout).Reshape(b, g, cin*c.Kernel, lout) // [B, G, Cin·K, Lout]
	w := inMode(x, c.Weight).Reshape(g, cout, cin*c.Kernel)                                    // [G, Cout, Cin·K]
	y := autograd.MatMul(w, cols).Reshape(b, c.Out, lout)
	if c.Bias != nil {
		y = y.Add(inMode(x, c.Bias).Reshape(c.Out, 1))
	}
	if !batched {
		y = y.Squeeze(0)
	}
	return y
}

// floorDiv is ⌊a/b⌋ for b > 0.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// padLast pads the last dimension of x with left and right copies of value, made in x's mode.
func padLast(x *autograd.Value, left, right int, value float64) *autograd.Value {
	if left == 0 && right == 0 {
		return x
	}
	d := x.Data()
	shape := x.Shape().Clone()
	parts := make([]*autograd.Value, 0, 3)
	for i, n := range []int{left, -1, right} {
		switch {
		case i == 1:
			parts = append(parts, x)
		case n > 0:
			shape[len(shape)-1] = n
			parts = append(parts, constIn(x, tensor.Full(shape, value, d.DType(), tensor.On(d.Device()))))
		}
	}
	return autograd.Cat(parts, x.NDim()-1)
}

// unfold gathers the windows of the last dimension of x: the result has x's shape with the
// last dimension replaced by [kernel, n], where element [..., k, t] is x[..., t·stride +
// k·dilation]. The indices are built on the host from the sizes alone.
func unfold(x *autograd.Value, kernel, stride, dilation, n int) *autograd.Value {
	idx := make([]int64, kernel*n)
	for k := range kernel {
		for t := range n {
			idx[k*n+t] = int64(t*stride + k*dilation)
		}
	}
	return x.IndexSelect(x.NDim()-1, tensor.From(idx, kernel, n).To(x.Data().Device()))
}
