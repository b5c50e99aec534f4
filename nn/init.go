package nn

import (
	"math"
	"sync/atomic"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"gonum.org/v1/gonum/mat"
)

// Init says how and where a layer creates its parameters; every layer's options embed it, and
// its zero value gives PyTorch's defaults: float32 on the CPU, initialized from the package's
// default generator.
type Init struct {
	// RNG draws the initial values; nil means the package default (see Seed).
	RNG *tensor.RNG
	// DType of the parameters (float32 by default).
	DType tensor.DType
	// Device of the parameters (the CPU by default).
	Device tensor.Device
}

// defaultRNG is the generator layers draw their initial parameters from when their options
// give none: seeded with 0 when the program starts, and by Seed.
var defaultRNG atomic.Pointer[tensor.RNG]

func init() { Seed(0) }

// Seed reseeds the generator that layers draw their initial parameters from when their
// options give none, as torch.manual_seed does for PyTorch's layers: the same seed and the
// same sequence of constructions give the same parameters. It is safe for concurrent use,
// though constructions racing with each other then draw in an order up to the scheduler.
func Seed(seed uint64) { defaultRNG.Store(tensor.NewRNG(seed)) }

func (in Init) rng() *tensor.RNG {
	if in.RNG != nil {
		return in.RNG
	}
	return defaultRNG.Load()
}

func (in Init) device() tensor.Device {
	if in.Device != nil {
		return in.Device
	}
	return tensor.CPU
}

func (in Init) opts() []tensor.Option { return []tensor.Option{in.DType, tensor.On(in.device())} }

// param returns a new parameter of the given shape (zeros until a reset fills it).
func (in Init) param(op string, shape ...int) *autograd.Value {
	if !in.DType.IsFloat() {
		panicf(op, "parameters must be float32 or float64, got %s", in.DType)
	}
	return autograd.Param(tensor.Zeros(shape, in.opts()...))
}

// The nn.init family: each fills a parameter (or any float tensor) in place, as PyTorch's
// torch.nn.init functions do, drawing from rng (the package default when nil). They panic with
// a *tensor.Error for a nil or non-float tensor, or an argument out of range.

func target(op string, v *autograd.Value) *tensor.Tensor {
	if v == nil {
		panicf(op, "nil value")
	}
	t := v.Data()
	if !t.DType().IsFloat() {
		panicf(op, "%s tensor of shape %v: needs float32 or float64", t.DType(), t.Shape())
	}
	return t
}

func orDefault(rng *tensor.RNG) *tensor.RNG {
	if rng == nil {
		return defaultRNG.Load()
	}
	return rng
}

// fill copies src (drawn with t's shape, dtype and device) into t and releases src.
func fill(t, src *tensor.Tensor) {
	t.CopyFrom(src)
	src.Release()
}

// Uniform fills v with values drawn uniformly from [a, b).
func Uniform(v *autograd.Value, a, b float64, rng *tensor.RNG) {
	t := target("nn.Uniform", v)
	fill(t, orDefault(rng).Uniform(t.Shape(), a, b, t.DType(), tensor.On(t.Device())))
}

// Normal fills v with values drawn from N(mean, std²).
func Normal(v *autograd.Value, mean, std float64, rng *tensor.RNG) {
	t := target("nn.Normal", v)
	fill(t, orDefault(rng).Normal(t.Shape(), mean, std, t.DType(), tensor.On(t.Device())))
}

// Constant fills v with c.
func Constant(v *autograd.Value, c float64) { target("nn.Constant", v).Fill(c) }

// Zeros fills v with 0.
func Zeros(v *autograd.Value) { Constant(v, 0) }

// Ones fills v with 1.
func Ones(v *autograd.Value) { Constant(v, 1) }

// Fans returns the fan-in and fan-out of a weight of the given shape as PyTorch computes
// them: [out, in, k...] has fan-in in·Πk and fan-out out·Πk. It panics for fewer than two
// dimensions.
func Fans(shape tensor.Shape) (fanIn, fanOut int) {
	if len(shape) < 2 {
		panicf("nn.Fans", "fan in and fan out need at least 2 dimensions, got shape %v", shape)
	}
	receptive := 1
	for _, d := range shape[2:] {
		receptive *= d
	}
	return shape[1] * receptive, shape[0] * receptive
}

// Gain returns the recommended gain for a nonlinearity, as torch.nn.init.calculate_gain:
// "linear", "conv1d", "sigmoid" → 1; "tanh" → 5/3; "relu" → √2; "leaky_relu" with negative
// slope param (0.01 when param is 0) → √(2/(1+param²)); "selu" → 3/4. It panics for another
// name.
func Gain(nonlinearity string, param float64) float64 {
	switch nonlinearity {
	case "linear", "conv1d", "conv2d", "conv3d", "sigmoid":
		return 1
	case "tanh":
		return 5.0 / 3
	case "relu":
		return math.Sqrt2
	case "leaky_relu":
		if param == 0 {
			param = 0.01
		}
		return math.Sqrt(2 / (1 + param*param))
	case "selu":
		return 0.75
	}
	panicf("nn.Gain", "unknown nonlinearity %q", nonlinearity)
	return 0
}

// XavierUniform fills v from U(-a, a) with a = gain·√(6/(fan_in+fan_out)) (Glorot).
func XavierUniform(v *autograd.Value, gain float64, rng *tensor.RNG) {
	in, out := Fans(target("nn.XavierUniform", v).Shape())
	a := gain * math.Sqrt(6/float64(in+out))
	Uniform(v, -a, a, rng)
}

// XavierNormal fills v from N(0, std²) with std = gain·√(2/(fan_in+fan_out)).
func XavierNormal(v *autograd.Value, gain float64, rng *tensor.RNG) {
	in, out := Fans(target("nn.XavierNormal", v).Shape())
	Normal(v, 0, gain*math.Sqrt(2/float64(in+out)), rng)
}

// FanMode chooses which fan Kaiming initialization keeps the variance of.
type FanMode uint8

// The fan modes.
const (
	FanIn  FanMode = iota // preserve the variance in the forward pass (PyTorch's default)
	FanOut                // preserve it in the backward pass
)

func kaimingStd(op string, v *autograd.Value, a float64, mode FanMode, nonlinearity string) float64 {
	in, out := Fans(target(op, v).Shape())
	fan := in
	if mode == FanOut {
		fan = out
	}
	if fan == 0 {
		panicf(op, "initializing a tensor of shape %v with zero elements in its fan", v.Shape())
	}
	return Gain(nonlinearity, a) / math.Sqrt(float64(fan))
}

// KaimingUniform fills v from U(-b, b) with b = gain·√(3/fan), the gain of nonlinearity with
// parameter a (He initialization). PyTorch's Linear and Conv weights use a = √5 with
// "leaky_relu" and FanIn.
func KaimingUniform(v *autograd.Value, a float64, mode FanMode, nonlinearity string, rng *tensor.RNG) {
	b := math.Sqrt(3) * kaimingStd("nn.KaimingUniform", v, a, mode, nonlinearity)
	Uniform(v, -b, b, rng)
}

// KaimingNormal fills v from N(0, std²) with std = gain/√fan.
func KaimingNormal(v *autograd.Value, a float64, mode FanMode, nonlinearity string, rng *tensor.RNG) {
	Normal(v, 0, kaimingStd("nn.KaimingNormal", v, a, mode, nonlinearity), rng)
}

// TruncNormal fills v from N(mean, std²) truncated to [a, b], by the inverse of the normal
// CDF as torch.nn.init.trunc_normal_ does.
func TruncNormal(v *autograd.Value, mean, std, a, b float64, rng *tensor.RNG) {
	t := target("nn.TruncNormal", v)
	if !(a < b) || !(std > 0) {
		panicf("nn.TruncNormal", "bad truncation [%g, %g] or standard deviation %g", a, b, std)
	}
	cdf := func(x float64) float64 { return (1 + math.Erf(x/math.Sqrt2)) / 2 }
	l, u := cdf((a-mean)/std), cdf((b-mean)/std)
	// u in [2l-1, 2u-1), then erfinv, scaled and clamped, as in PyTorch.
	d := orDefault(rng).Uniform(t.Shape(), 2*l-1, 2*u-1, tensor.Float64)
	vals := d.Float64s()
	d.Release()
	for i, x := range vals {
		y := math.Erfinv(x)*std*math.Sqrt2 + mean
		vals[i] = min(max(y, a), b)
	}
	fill(t, tensor.From(vals, t.Shape()...).AsType(t.DType()).To(t.Device()))
}

// Orthogonal fills v, seen as a matrix of its first dimension by the product of the others,
// with a (semi-)orthogonal matrix times gain: the Q of the QR decomposition of a normal
// matrix, with the signs of R's diagonal folded in, as torch.nn.init.orthogonal_ (gonum's
// QR). It panics for fewer than two dimensions.
func Orthogonal(v *autograd.Value, gain float64, rng *tensor.RNG) {
	t := target("nn.Orthogonal", v)
	if t.NDim() < 2 {
		panicf("nn.Orthogonal", "needs at least 2 dimensions, got shape %v", t.Shape())
	}
	rows := t.Size(0)
	cols := t.Numel() / max(rows, 1)
	if rows == 0 || cols == 0 {
		return
	}
	d := orDefault(rng).Normal(tensor.Shape{rows, cols}, 0, 1, tensor.Float64)
	flat := d.Float64s()
	d.Release()
	// Decompose the tall orientation: A (or Aᵀ when wide) = QR.
	r, c := rows, cols
	a := mat.NewDense(r, c, flat)
	if rows < cols {
		a = mat.DenseCopyOf(a.T())
		r, c = c, r
	}
	var qr mat.QR
	qr.Factorize(a)
	var q, rr mat.Dense
	qr.QTo(&q)
	qr.RTo(&rr)
	out := make([]float64, rows*cols)
	for i := range r {
		for j := range c {
			s := 1.0
			if rr.At(j, j) < 0 {
				s = -1
			}
			x := gain * q.At(i, j) * s
			if rows < cols {
				out[j*cols+i] = x // transpose back
			} else {
				out[i*cols+j] = x
			}
		}
	}
	fill(t, tensor.From(out, t.Shape()...).AsType(t.DType()).To(t.Device()))
}
