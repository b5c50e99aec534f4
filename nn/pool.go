package nn

import (
	"math"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// MaxPool1dOptions configures NewMaxPool1d. The zero value gives PyTorch's defaults.
type MaxPool1dOptions struct {
	Stride   int  // step between windows; the kernel size when 0
	Padding  int  // implicit -inf on both sides, at most half the dilated kernel
	Dilation int  // spacing between the window's elements; 1 when 0
	CeilMode bool // round the output length up: a last, partial window is kept
}

// MaxPool1d takes the maximum over sliding windows of the last dimension of [B, C, L] (or
// [C, L]) inputs, like torch.nn.MaxPool1d. The gradient flows to the first maximum of each
// window, as in PyTorch.
type MaxPool1d struct {
	Kernel, Stride, Padding, Dilation int
	CeilMode                          bool
}

// NewMaxPool1d returns a max pool over windows of kernel elements. It panics if a size is out
// of range, as PyTorch does (the padding above half the dilated kernel, say).
func NewMaxPool1d(kernel int, opt MaxPool1dOptions) *MaxPool1d {
	p := &MaxPool1d{Kernel: kernel, Stride: opt.Stride, Padding: opt.Padding, Dilation: opt.Dilation, CeilMode: opt.CeilMode}
	if p.Stride == 0 {
		p.Stride = kernel
	}
	if p.Dilation == 0 {
		p.Dilation = 1
	}
	if kernel < 1 || p.Stride < 1 || p.Dilation < 1 || p.Padding < 0 || p.Padding > ((kernel-1)*p.Dilation+1)/2 {
		panicf("nn.NewMaxPool1d", "bad sizes: kernel %d, stride %d, padding %d (at most half the dilated kernel), dilation %d", kernel, p.Stride, p.Padding, p.Dilation)
	}
	return p
}

// Members lists nothing: pooling has no parameters.
func (p *MaxPool1d) Members() []Member { return nil }

// OutLen returns the output length for an input of length l, as PyTorch computes it (below 1
// when l is too short).
func (p *MaxPool1d) OutLen(l int) int {
	return poolOutLen(l, p.Kernel, p.Stride, p.Padding, p.Dilation, p.CeilMode)
}

// Forward returns the maxima, [B, C, Lout] ([C, Lout] unbatched). It panics with a
// *tensor.Error if x is nil, not 2-D or 3-D, or too short.
func (p *MaxPool1d) Forward(x *autograd.Value) *autograd.Value {
	y, _ := p.ForwardIndices(x)
	return y
}

// ForwardIndices returns the maxima and, like PyTorch's return_indices, the Int64 position in
// the input's last dimension of each (the first, where several are equal).
func (p *MaxPool1d) ForwardIndices(x *autograd.Value) (*autograd.Value, *tensor.Tensor) {
	lout, right := checkPool("nn.MaxPool1d", x, p.Kernel, p.Stride, p.Padding, p.Dilation, p.CeilMode)
	xp := padLast(x, p.Padding, right, math.Inf(-1))
	win := unfold(xp, p.Kernel, p.Stride, p.Dilation, lout) // [..., K, Lout]
	y, k := win.MaxAlong(win.NDim()-2, false)
	// The position of tap k of window t is t·stride + k·dilation - padding.
	start := make([]int64, lout)
	for t := range start {
		start[t] = int64(t*p.Stride - p.Padding)
	}
	return y, k.MulScalar(float64(p.Dilation)).Add(tensor.From(start).To(k.Device()))
}

// AvgPool1dOptions configures NewAvgPool1d. The zero value gives PyTorch's defaults.
type AvgPool1dOptions struct {
	Stride   int  // step between windows; the kernel size when 0
	Padding  int  // implicit zeros on both sides, at most half the kernel
	CeilMode bool // round the output length up: a last, partial window is kept
	// ExcludePad divides by the number of input elements in the window rather than by the
	// window's size with its padding (PyTorch's count_include_pad=False; it counts the
	// padding by default).
	ExcludePad bool
}

// AvgPool1d averages sliding windows of the last dimension of [B, C, L] (or [C, L]) inputs,
// like torch.nn.AvgPool1d, dividing each sum as PyTorch does: by the size of the window
// clipped to the padded input (CountIncludePad), or by the number of input elements in it.
type AvgPool1d struct {
	Kernel, Stride, Padding   int
	CeilMode, CountIncludePad bool
}

// NewAvgPool1d returns an average pool over windows of kernel elements. It panics if a size
// is out of range, as PyTorch does (the padding above half the kernel, say).
func NewAvgPool1d(kernel int, opt AvgPool1dOptions) *AvgPool1d {
	p := &AvgPool1d{Kernel: kernel, Stride: opt.Stride, Padding: opt.Padding, CeilMode: opt.CeilMode, CountIncludePad: !opt.ExcludePad}
	if p.Stride == 0 {
		p.Stride = kernel
	}
	if kernel < 1 || p.Stride < 1 || p.Padding < 0 || p.Padding > kernel/2 {
		panicf("nn.NewAvgPool1d", "bad sizes: kernel %d, stride %d, padding %d (at most half the kernel)", kernel, p.Stride, p.Padding)
	}
	return p
}

// Members lists nothing: pooling has no parameters.
func (p *AvgPool1d) Members() []Member { return nil }

// OutLen returns the output length for an input of length l, as PyTorch computes it (below 1
// when l is too short).
func (p *AvgPool1d) OutLen(l int) int {
	return poolOutLen(l, p.Kernel, p.Stride, p.Padding, 1, p.CeilMode)
}

// Forward returns the averages, [B, C, Lout] ([C, Lout] unbatched). It panics with a
// *tensor.Error if x is nil, not 2-D or 3-D, or too short.
func (p *AvgPool1d) Forward(x *autograd.Value) *autograd.Value {
	lout, right := checkPool("nn.AvgPool1d", x, p.Kernel, p.Stride, p.Padding, 1, p.CeilMode)
	l := x.Size(-1)
	xp := padLast(x, p.Padding, right, 0)
	win := unfold(xp, p.Kernel, p.Stride, 1, lout)
	sum := win.Sum(win.NDim() - 2)
	// The divisors depend on the sizes alone: PyTorch's avg_pool rule, computed on the host.
	div := make([]float64, lout)
	for t := range div {
		start := t*p.Stride - p.Padding
		end := min(start+p.Kernel, l+p.Padding)
		size := end - start
		start, end = max(start, 0), min(end, l)
		if !p.CountIncludePad {
			size = end - start
		}
		div[t] = float64(size)
	}
	d := x.Data()
	return sum.Div(constIn(x, tensor.From(div, lout).AsType(d.DType()).To(d.Device())))
}

// poolOutLen is PyTorch's pooling_output_shape.
func poolOutLen(l, kernel, stride, pad, dilation int, ceil bool) int {
	num := l + 2*pad - dilation*(kernel-1) - 1
	if ceil {
		num += stride - 1
	}
	n := floorDiv(num, stride) + 1
	if ceil && (n-1)*stride >= l+pad {
		n-- // the last window would start in the right padding
	}
	return n
}

// checkPool checks a pool's input and returns the output length and the padding needed on
// the right (more than pad when ceil mode keeps a partial window).
func checkPool(op string, x *autograd.Value, kernel, stride, pad, dilation int, ceil bool) (lout, right int) {
	if x == nil {
		panicf(op, "nil input")
	}
	if x.NDim() != 2 && x.NDim() != 3 {
		panicf(op, "input of shape %v: want [B, C, L] or [C, L]", x.Shape())
	}
	l := x.Size(-1)
	lout = poolOutLen(l, kernel, stride, pad, dilation, ceil)
	if lout < 1 {
		panicf(op, "input of shape %v is too short for kernel %d with dilation %d and padding %d", x.Shape(), kernel, dilation, pad)
	}
	right = max(pad, (lout-1)*stride+dilation*(kernel-1)+1-l-pad)
	return lout, right
}

// MaxPoolTime returns the maximum over time of each sequence of a padded batch, counting only
// its first lengths[b] steps: x is [B, T, D] ([T, B, D] with timeFirst), lengths an Int64 [B]
// tensor on x's device (nil when every sequence is T steps long), and the result [B, D]. The
// padded steps are masked with -inf, so they never win; a sequence of length 0 gives zeros.
// Lengths above T count as T. The mask is built on the device: nothing is read back.
//
// It panics with a *tensor.Error if x is nil or not 3-D, or lengths is not Int64 [B].
func MaxPoolTime(x *autograd.Value, lengths *tensor.Tensor, timeFirst bool) *autograd.Value {
	axis, pad, empty := timeMask("nn.MaxPoolTime", x, lengths, timeFirst)
	if pad == nil {
		y, _ := x.MaxAlong(axis, false)
		return y
	}
	y, _ := x.MaskedFill(pad, math.Inf(-1)).MaxAlong(axis, false)
	return y.MaskedFill(empty, 0)
}

// MeanPoolTime returns the mean over time of each sequence of a padded batch, counting only
// its first lengths[b] steps (see MaxPoolTime for the shapes): the padded steps are left out
// of both the sum and the count; a sequence of length 0 gives zeros.
func MeanPoolTime(x *autograd.Value, lengths *tensor.Tensor, timeFirst bool) *autograd.Value {
	axis, pad, _ := timeMask("nn.MeanPoolTime", x, lengths, timeFirst)
	if pad == nil {
		return x.Mean(axis)
	}
	d := x.Data()
	count := pad.RSubScalar(1).Sum(axis).AsType(d.DType()).ClampMin(1) // [B, 1]
	return x.MaskedFill(pad, 0).Sum(axis).Div(constIn(x, count))
}

// timeMask checks the arguments of the pools over time and returns the time axis, the mask of
// the padded steps broadcastable to x (1 where padded; nil without lengths) and the mask of
// the empty sequences, [B, 1].
func timeMask(op string, x *autograd.Value, lengths *tensor.Tensor, timeFirst bool) (axis int, pad, empty *tensor.Tensor) {
	if x == nil {
		panicf(op, "nil input")
	}
	if x.NDim() != 3 {
		panicf(op, "input of shape %v: want [B, T, D] or, time first, [T, B, D]", x.Shape())
	}
	bAxis := 0
	if timeFirst {
		axis, bAxis = 0, 1
	} else {
		axis = 1
	}
	b, t := x.Size(bAxis), x.Size(axis)
	if lengths == nil {
		return axis, nil, nil
	}
	if lengths.DType() != tensor.Int64 || !lengths.Shape().Equal(tensor.Shape{b}) {
		panicf(op, "lengths must be int64 [%d] for input of shape %v, got %s %v", b, x.Shape(), lengths.DType(), lengths.Shape())
	}
	steps := tensor.Arange(0, float64(t), 1, tensor.Int64, tensor.On(lengths.Device())).Unsqueeze(0) // [1, T]
	lens := lengths.Unsqueeze(1)                                                                     // [B, 1]
	pad = steps.Ge(lens)                                                                             // [B, T]
	empty = lens.LeScalar(0)                                                                         // [B, 1]
	if timeFirst {
		pad = pad.T()
	}
	return axis, pad.Unsqueeze(2), empty
}
