package autograd

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/tensor"
)

// gcNormal returns float64 normal values.
func gcNormal(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.NewRNG(seed).Normal(shape, 0, 1, tensor.Float64, tensor.On(testDevice))
}

// gcPositive returns float64 values in [0.5, 2), for ops defined on positive numbers.
func gcPositive(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.NewRNG(seed).Uniform(shape, 0.5, 2, tensor.Float64, tensor.On(testDevice))
}

// gcAway returns float64 values whose magnitude is in [0.2, 1.5), with random signs: away from
// the kinks of ReLU, Abs and Clamp, where finite differences are meaningless.
func gcAway(seed uint64, shape ...int) *tensor.Tensor {
	r := tensor.NewRNG(seed)
	mag := r.Uniform(shape, 0.2, 1.5, tensor.Float64, tensor.On(testDevice))
	sign := r.Bernoulli(shape, 0.5, tensor.Float64, tensor.On(testDevice)).MulScalarInPlace(2).AddScalarInPlace(-1)
	return mag.Mul(sign)
}

func gcIdx(vals []int64, shape ...int) *tensor.Tensor { return onDev(tensor.From(vals, shape...)) }

// gcF64 returns float64 values on the test device.
func gcF64(vals []float64, shape ...int) *tensor.Tensor { return onDev(tensor.From(vals, shape...)) }

func gcTs(ts ...*tensor.Tensor) []*tensor.Tensor { return ts }

type gcCase struct {
	op     string // the registered operation the case checks
	name   string
	inputs []*tensor.Tensor
	f      func(xs ...*Value) *Value
	opts   *GradCheckOptions
}

// gcCases lists the gradient checks. Every operation in Ops() must appear at least once
// (TestEveryOpHasAGradCheck).
func gcCases() []gcCase {
	x34 := gcNormal(1, 3, 4)
	y34 := gcNormal(2, 3, 4)
	return []gcCase{
		// Arithmetic with broadcasting, views and repeated inputs.
		{"Add", "same shape", gcTs(x34, y34), func(x ...*Value) *Value { return x[0].Add(x[1]) }, nil},
		{"Add", "broadcast [3 1]+[1 4]", gcTs(gcNormal(3, 3, 1), gcNormal(4, 1, 4)), func(x ...*Value) *Value { return x[0].Add(x[1]) }, nil},
		{"Add", "repeated input", gcTs(x34), func(x ...*Value) *Value { return x[0].Add(x[0]).Mul(x[0]) }, nil},
		{"Sub", "broadcast [2 3 4]-[4]", gcTs(gcNormal(5, 2, 3, 4), gcNormal(6, 4)), func(x ...*Value) *Value { return x[0].Sub(x[1]) }, nil},
		{"Sub", "scalar operand", gcTs(gcNormal(7), x34), func(x ...*Value) *Value { return x[0].Sub(x[1]) }, nil},
		{"Mul", "broadcast", gcTs(gcNormal(8, 3, 1), gcNormal(9, 3, 4)), func(x ...*Value) *Value { return x[0].Mul(x[1]) }, nil},
		{"Mul", "transposed operand", gcTs(gcNormal(10, 4, 3), y34), func(x ...*Value) *Value { return x[0].T().Mul(x[1]) }, nil},
		{"Mul", "x*x", gcTs(x34), func(x ...*Value) *Value { return x[0].Mul(x[0]) }, nil},
		{"Div", "broadcast", gcTs(x34, gcPositive(11, 4)), func(x ...*Value) *Value { return x[0].Div(x[1]) }, nil},
		{"Div", "x/x+y", gcTs(gcPositive(12, 3, 4), y34), func(x ...*Value) *Value { return x[1].Div(x[0]).Add(x[0].Div(x[0])) }, nil},
		{"Pow", "positive base", gcTs(gcPositive(13, 3, 4), gcNormal(14, 4)), func(x ...*Value) *Value { return x[0].Pow(x[1]) }, nil},
		{"Maximum", "broadcast", gcTs(x34, gcNormal(15, 4)), func(x ...*Value) *Value { return x[0].Maximum(x[1]) }, nil},
		{"Maximum", "ties split the gradient", gcTs(gcF64([]float64{1, 2, 3}), gcF64([]float64{1, 0, 3})), func(x ...*Value) *Value { return x[0].Maximum(x[1]) }, nil},
		{"Minimum", "broadcast", gcTs(x34, gcNormal(16, 3, 1)), func(x ...*Value) *Value { return x[0].Minimum(x[1]) }, nil},
		{"Neg", "", gcTs(x34), func(x ...*Value) *Value { return x[0].Neg() }, nil},
		{"AddScalar", "and SubScalar", gcTs(x34), func(x ...*Value) *Value { return x[0].AddScalar(2).SubScalar(0.5).Mul(x[0]) }, nil},
		{"MulScalar", "and DivScalar", gcTs(x34), func(x ...*Value) *Value { return x[0].MulScalar(3).DivScalar(7).Mul(x[0]) }, nil},
		{"RSubScalar", "", gcTs(x34), func(x ...*Value) *Value { return x[0].RSubScalar(1).Mul(x[0]) }, nil},
		{"RDivScalar", "", gcTs(gcPositive(70, 3, 4)), func(x ...*Value) *Value { return x[0].RDivScalar(-2.5) }, nil},
		{"RPowScalar", "", gcTs(x34), func(x ...*Value) *Value { return x[0].RPowScalar(1.7) }, nil},
		{"PowScalar", "cube", gcTs(x34), func(x ...*Value) *Value { return x[0].PowScalar(3) }, nil},
		{"PowScalar", "fractional", gcTs(gcPositive(17, 3, 4)), func(x ...*Value) *Value { return x[0].PowScalar(-1.5) }, nil},
		{"PowScalar", "zero exponent", gcTs(x34), func(x ...*Value) *Value { return x[0].PowScalar(0).Mul(x[0]) }, nil},

		// Unary math and activations.
		{"Exp", "", gcTs(x34), func(x ...*Value) *Value { return x[0].Exp() }, nil},
		{"Log", "", gcTs(gcPositive(18, 3, 4)), func(x ...*Value) *Value { return x[0].Log() }, nil},
		{"Log1p", "", gcTs(gcPositive(19, 3, 4)), func(x ...*Value) *Value { return x[0].Log1p() }, nil},
		{"Sqrt", "", gcTs(gcPositive(20, 3, 4)), func(x ...*Value) *Value { return x[0].Sqrt() }, nil},
		{"Rsqrt", "", gcTs(gcPositive(21, 3, 4)), func(x ...*Value) *Value { return x[0].Rsqrt() }, nil},
		{"Reciprocal", "", gcTs(gcPositive(22, 3, 4)), func(x ...*Value) *Value { return x[0].Reciprocal() }, nil},
		{"Square", "", gcTs(x34), func(x ...*Value) *Value { return x[0].Square() }, nil},
		{"Abs", "", gcTs(gcAway(23, 3, 4)), func(x ...*Value) *Value { return x[0].Abs() }, nil},
		{"Sin", "", gcTs(x34), func(x ...*Value) *Value { return x[0].Sin() }, nil},
		{"Cos", "", gcTs(x34), func(x ...*Value) *Value { return x[0].Cos() }, nil},
		{"Tanh", "", gcTs(x34), func(x ...*Value) *Value { return x[0].Tanh() }, nil},
		{"Sigmoid", "", gcTs(x34), func(x ...*Value) *Value { return x[0].Sigmoid() }, nil},
		{"ReLU", "", gcTs(gcAway(24, 3, 4)), func(x ...*Value) *Value { return x[0].ReLU() }, nil},
		{"LeakyReLU", "", gcTs(gcAway(25, 3, 4)), func(x ...*Value) *Value { return x[0].LeakyReLU(0.1) }, nil},
		{"GELU", "", gcTs(x34), func(x ...*Value) *Value { return x[0].GELU() }, nil},
		{"Clamp", "both bounds", gcTs(gcAway(26, 3, 4)), func(x ...*Value) *Value { return x[0].Clamp(-0.5, 0.7) }, nil},
		{"Clamp", "ClampMin and ClampMax", gcTs(gcAway(27, 3, 4)), func(x ...*Value) *Value { return x[0].ClampMin(-0.1).Mul(x[0].ClampMax(0.3)) }, nil},

		// Reductions, with and without keepdim, over each axis.
		{"Sum", "all", gcTs(x34), func(x ...*Value) *Value { return x[0].Sum() }, nil},
		{"Sum", "axis 0", gcTs(x34), func(x ...*Value) *Value { return x[0].Sum(0) }, nil},
		{"Sum", "axis -1 keepdim", gcTs(x34), func(x ...*Value) *Value { return x[0].SumKeepDim(-1).Mul(x[0]) }, nil},
		{"Sum", "0-d, axis 0", gcTs(gcNormal(80)), func(x ...*Value) *Value { return x[0].Sum(0).Mul(x[0]) }, nil},
		{"Mean", "0-d, axis -1 keepdim", gcTs(gcNormal(81)), func(x ...*Value) *Value { return x[0].MeanKeepDim(-1).Exp() }, nil},
		{"Softmax", "0-d", gcTs(gcNormal(82)), func(x ...*Value) *Value { return x[0].Softmax(0).Mul(x[0]) }, nil},
		{"Sum", "axes 0,2 of 3-D", gcTs(gcNormal(28, 2, 3, 4)), func(x ...*Value) *Value { return x[0].Sum(0, 2) }, nil},
		{"Sum", "of a transposed view", gcTs(x34), func(x ...*Value) *Value { return x[0].T().Sum(1) }, nil},
		{"Mean", "axis 1", gcTs(x34), func(x ...*Value) *Value { return x[0].Mean(1) }, nil},
		{"Mean", "all keepdim", gcTs(gcNormal(29, 2, 3, 4)), func(x ...*Value) *Value { return x[0].MeanKeepDim().Mul(x[0]) }, nil},
		{"Prod", "no zeros", gcTs(gcAway(30, 3, 4)), func(x ...*Value) *Value { return x[0].Prod(1) }, nil},
		{"Prod", "one and two zeros", gcTs(gcF64([]float64{0, 2, 3, 0.5, 0, 0, 1.5, -2, 1}, 3, 3)), func(x ...*Value) *Value { return x[0].ProdKeepDim(1) }, nil},
		{"Prod", "all", gcTs(gcAway(31, 2, 3)), func(x ...*Value) *Value { return x[0].Prod() }, nil},
		{"Max", "axis 0", gcTs(x34), func(x ...*Value) *Value { return x[0].Max(0) }, nil},
		{"Max", "ties share the gradient", gcTs(gcF64([]float64{1, 3, 3, 2, 0, -1}, 2, 3)), func(x ...*Value) *Value { return x[0].MaxKeepDim(1) }, nil},
		{"Max", "all", gcTs(x34), func(x ...*Value) *Value { return x[0].Max() }, nil},
		{"Min", "axis 1", gcTs(x34), func(x ...*Value) *Value { return x[0].Min(1) }, nil},
		{"Min", "keepdim", gcTs(gcNormal(32, 2, 3, 4)), func(x ...*Value) *Value { return x[0].MinKeepDim(0, 2) }, nil},
		{"MaxAlong", "axis 1", gcTs(x34), func(x ...*Value) *Value { v, _ := x[0].MaxAlong(1, false); return v }, nil},
		{"MaxAlong", "axis 0 keepdim", gcTs(x34), func(x ...*Value) *Value { v, _ := x[0].MaxAlong(0, true); return v.Mul(x[0]) }, nil},
		{"MinAlong", "axis -1", gcTs(gcNormal(33, 2, 3, 4)), func(x ...*Value) *Value { v, _ := x[0].MinAlong(-1, false); return v }, nil},
		{"Var", "unbiased axis 1", gcTs(x34), func(x ...*Value) *Value { return x[0].Var(1) }, nil},
		{"Var", "population all keepdim", gcTs(x34), func(x ...*Value) *Value { return Variance(x[0], nil, 0, true) }, nil},
		{"LogSumExp", "axis 1", gcTs(x34), func(x ...*Value) *Value { return x[0].LogSumExp(1) }, nil},
		{"LogSumExp", "all keepdim", gcTs(x34), func(x ...*Value) *Value { return x[0].LogSumExpKeepDim().Mul(x[0]) }, nil},
		{"Softmax", "axis -1", gcTs(x34), func(x ...*Value) *Value { return x[0].Softmax(-1) }, nil},
		{"Softmax", "axis 0 of a view", gcTs(gcNormal(34, 4, 3)), func(x ...*Value) *Value { return x[0].T().Softmax(0) }, nil},
		{"LogSoftmax", "axis 1", gcTs(gcNormal(35, 2, 3, 4)), func(x ...*Value) *Value { return x[0].LogSoftmax(1) }, nil},

		// Views.
		{"Reshape", "Reshape, View, Flatten", gcTs(gcNormal(36, 2, 3, 4)), func(x ...*Value) *Value {
			return x[0].Reshape(6, 4).Mul(x[0].View(6, -1)).Add(x[0].Flatten(0, 1))
		}, nil},
		{"Reshape", "of a transposed view (copies)", gcTs(x34), func(x ...*Value) *Value { return x[0].T().Reshape(12) }, nil},
		{"Transpose", "", gcTs(gcNormal(37, 2, 3, 4)), func(x ...*Value) *Value { return x[0].Transpose(0, 2).Mul(x[0].Transpose(0, 2)) }, nil},
		{"Transpose", "T of a matrix", gcTs(x34), func(x ...*Value) *Value { return MatMul(x[0], x[0].T()) }, nil},
		{"Permute", "", gcTs(gcNormal(38, 2, 3, 4)), func(x ...*Value) *Value { return x[0].Permute(2, 0, 1) }, nil},
		{"Narrow", "", gcTs(x34), func(x ...*Value) *Value { return x[0].Narrow(1, 1, 2) }, nil},
		{"Slice", "stepped", gcTs(gcNormal(39, 7, 3)), func(x ...*Value) *Value { return x[0].Slice(0, 1, 7, 2) }, nil},
		{"Select", "", gcTs(gcNormal(40, 2, 3, 4)), func(x ...*Value) *Value { return x[0].Select(1, -1) }, nil},
		{"Expand", "", gcTs(gcNormal(41, 3, 1)), func(x ...*Value) *Value { return x[0].Expand(2, 3, 4) }, nil},
		{"Expand", "BroadcastTo", gcTs(gcNormal(42, 4)), func(x ...*Value) *Value { return x[0].BroadcastTo(tensor.Shape{3, 4}) }, nil},
		{"Squeeze", "", gcTs(gcNormal(43, 3, 1, 4)), func(x ...*Value) *Value { return x[0].Squeeze() }, nil},
		{"Unsqueeze", "", gcTs(x34), func(x ...*Value) *Value { return x[0].Unsqueeze(1).Mul(x[0].Unsqueeze(0)) }, nil},
		{"Clone", "", gcTs(x34), func(x ...*Value) *Value { return x[0].Clone().Mul(x[0]) }, nil},
		// A float32 round trip rounds at 6e-8 relative: the default step of 1e-6 would turn
		// that into 6% noise in the finite differences, a step of 1e-2 into 6e-6 (the function
		// is quadratic, so the larger step adds no truncation error). Tolerances stay default.
		{"AsType", "through float32 and back", gcTs(x34), func(x ...*Value) *Value {
			return x[0].AsType(tensor.Float32).AsType(tensor.Float64).Mul(x[0])
		}, &GradCheckOptions{Eps: 1e-2}},
		{"Contiguous", "of a transposed view", gcTs(x34), func(x ...*Value) *Value { return x[0].T().Contiguous() }, nil},
		{"Split", "Split and Chunk", gcTs(gcNormal(44, 5, 3)), func(x ...*Value) *Value {
			s := x[0].Split(2, 0)
			c := x[0].Chunk(3, 1)
			return Cat([]*Value{s[2], s[0]}, 0).Sum().Add(c[1].Mul(c[2]).Sum())
		}, nil},
		{"Split", "SplitSizes, a piece unused", gcTs(gcNormal(83, 2, 7)), func(x ...*Value) *Value {
			p := x[0].SplitSizes([]int{3, 1, 3}, -1)
			return p[2].Mul(p[0])
		}, nil},
		{"Split", "Chunk of a computed value, pieces reused", gcTs(gcNormal(84, 6, 2)), func(x ...*Value) *Value {
			p := x[0].Tanh().Chunk(3, 0)
			return Cat([]*Value{p[1].Mul(p[1]), p[0], p[1]}, 1)
		}, nil},
		{"Unbind", "every row, stacked in another order", gcTs(x34), func(x ...*Value) *Value {
			r := x[0].Unbind(0)
			return Stack([]*Value{r[2], r[0].Mul(r[1]), r[0]}, 0)
		}, nil},
		{"Unbind", "last axis, some slices unused", gcTs(gcNormal(85, 2, 3, 4)), func(x ...*Value) *Value {
			c := x[0].Unbind(-1)
			return c[1].Mul(c[3].Exp())
		}, nil},
		{"Narrow", "overlapping ranges of one value", gcTs(gcNormal(86, 5, 3)), func(x ...*Value) *Value {
			return x[0].Narrow(0, 0, 3).Mul(x[0].Narrow(0, 1, 3)).Add(x[0].Narrow(0, 2, 3))
		}, nil},
		{"Select", "every row, then Stack", gcTs(x34), func(x ...*Value) *Value {
			rows := make([]*Value, x[0].Size(0))
			for i := range rows {
				rows[i] = x[0].Select(0, i).Tanh()
			}
			return Stack(rows, 1)
		}, nil},
		{"Slice", "a slice of a slice of a slice", gcTs(gcNormal(87, 6, 5)), func(x ...*Value) *Value {
			return x[0].Narrow(0, 1, 5).Slice(1, 0, 5, 2).Select(0, 3).Mul(x[0].Narrow(0, 1, 5).Select(1, 1).Narrow(0, 1, 3))
		}, nil},
		{"Select", "a value used directly and through slices", gcTs(x34), func(x ...*Value) *Value {
			direct := x[0].Mul(x[0]).Sum(0)
			return direct.Add(x[0].Select(0, 1)).Mul(x[0].Narrow(0, 0, 2).Sum(0)).Add(x[0].Slice(1, 0, 4, 3).Sum().Expand(4))
		}, nil},
		{"Narrow", "slices of a computed value whose gradient is shared", gcTs(x34), func(x ...*Value) *Value {
			y := x[0].MulScalar(2).Sin()
			return Cat([]*Value{y.Narrow(0, 0, 2), y, y.Select(0, 2).Unsqueeze(0)}, 0)
		}, nil},
		{"Cat", "", gcTs(x34, gcNormal(45, 2, 4)), func(x ...*Value) *Value { return Cat([]*Value{x[0], x[1], x[0]}, 0) }, nil},
		{"Stack", "", gcTs(x34, y34), func(x ...*Value) *Value { return Stack([]*Value{x[0], x[1]}, 1) }, nil},

		// Products and indexing.
		{"MatMul", "2-D", gcTs(x34, gcNormal(46, 4, 5)), func(x ...*Value) *Value { return MatMul(x[0], x[1]) }, nil},
		{"MatMul", "1-D · 1-D", gcTs(gcNormal(47, 4), gcNormal(48, 4)), func(x ...*Value) *Value { return MatMul(x[0], x[1]) }, nil},
		{"MatMul", "1-D · 2-D", gcTs(gcNormal(49, 3), x34), func(x ...*Value) *Value { return MatMul(x[0], x[1]) }, nil},
		{"MatMul", "3-D · 1-D", gcTs(gcNormal(50, 2, 3, 4), gcNormal(51, 4)), func(x ...*Value) *Value { return MatMul(x[0], x[1]) }, nil},
		{"MatMul", "batched with a shared matrix", gcTs(gcNormal(52, 2, 3, 4), gcNormal(53, 4, 2)), func(x ...*Value) *Value { return MatMul(x[0], x[1]) }, nil},
		{"MatMul", "broadcast batch", gcTs(gcNormal(54, 2, 1, 3, 4), gcNormal(55, 3, 4, 2)), func(x ...*Value) *Value { return MatMul(x[0], x[1]) }, nil},
		{"MatMul", "transposed operands", gcTs(gcNormal(56, 4, 3), gcNormal(57, 2, 4)), func(x ...*Value) *Value { return x[0].T().MatMul(x[1].T()) }, nil},
		{"IndexSelect", "repeated indices", gcTs(gcNormal(58, 5, 3)), func(x ...*Value) *Value {
			return x[0].IndexSelect(0, gcIdx([]int64{4, 1, 4, 0}, 4))
		}, nil},
		{"IndexSelect", "2-D index, repeated ids (an embedding lookup)", gcTs(gcNormal(79, 5, 3)), func(x ...*Value) *Value {
			return x[0].IndexSelect(0, gcIdx([]int64{4, 1, 4, 0, 1, 4}, 2, 3))
		}, nil},
		{"IndexSelect", "2-D index along the last axis", gcTs(gcNormal(80, 2, 3, 4)), func(x ...*Value) *Value {
			return x[0].IndexSelect(-1, gcIdx([]int64{3, 3, 0, 2}, 2, 2))
		}, nil},
		{"IndexSelect", "0-d index", gcTs(x34), func(x ...*Value) *Value { return x[0].IndexSelect(1, gcIdx([]int64{2}, tensor.Shape{}...)) }, nil},
		{"IndexSelect", "axis 1", gcTs(x34), func(x ...*Value) *Value { return x[0].IndexSelect(1, gcIdx([]int64{3, 3, 0}, 3)) }, nil},
		{"Gather", "", gcTs(x34), func(x ...*Value) *Value {
			return x[0].Gather(1, gcIdx([]int64{0, 0, 3, 1, 2, 1}, 3, 2))
		}, nil},
		{"ScatterAdd", "", gcTs(gcNormal(59, 3, 5), gcNormal(60, 3, 2)), func(x ...*Value) *Value {
			return x[0].ScatterAdd(1, gcIdx([]int64{0, 4, 2, 2, 1, 0}, 3, 2), x[1])
		}, nil},
		{"ScatterAdd", "larger source", gcTs(gcNormal(61, 2, 4), gcNormal(62, 3, 3)), func(x ...*Value) *Value {
			return x[0].ScatterAdd(1, gcIdx([]int64{3, 3, 1, 0}, 2, 2), x[1])
		}, nil},
		{"IndexAdd", "", gcTs(gcNormal(63, 4, 3), gcNormal(64, 3, 3)), func(x ...*Value) *Value {
			return x[0].IndexAdd(0, gcIdx([]int64{2, 0, 2}, 3), x[1])
		}, nil},
		{"IndexAdd", "2-D index", gcTs(gcNormal(81, 4, 3), gcNormal(82, 2, 2, 3)), func(x ...*Value) *Value {
			return x[0].IndexAdd(0, gcIdx([]int64{3, 0, 3, 3}, 2, 2), x[1])
		}, nil},
		{"Where", "broadcast", gcTs(x34, gcNormal(65, 4)), func(x ...*Value) *Value {
			return Where(gcIdx([]int64{1, 0, 0, 1}, 4), x[0], x[1])
		}, nil},
		{"MaskedFill", "", gcTs(x34), func(x ...*Value) *Value {
			return x[0].MaskedFill(gcF64([]float64{1, 0, 1}, 3, 1), -3)
		}, nil},

		// Fused and masking operations.
		{"Dropout", "fixed mask", gcTs(x34), func(x ...*Value) *Value {
			return Dropout(x[0], 0.4, true, tensor.NewRNG(7))
		}, nil},
		{"CrossEntropy", "mean", gcTs(gcNormal(66, 4, 5)), func(x ...*Value) *Value {
			return CrossEntropy(x[0], gcIdx([]int64{1, 0, 4, 1}, 4))
		}, nil},
		{"CrossEntropy", "sum, ignore index, label smoothing", gcTs(gcNormal(67, 4, 5)), func(x ...*Value) *Value {
			return CrossEntropyWith(x[0], gcIdx([]int64{1, -100, 4, 2}, 4), CrossEntropyOptions{Reduction: ReductionSum, IgnoreIndex: new(int64(-100)), LabelSmoothing: 0.2})
		}, nil},
		{"CrossEntropy", "none, single example", gcTs(gcNormal(68, 5)), func(x ...*Value) *Value {
			return CrossEntropyWith(x[0], gcIdx([]int64{3}, tensor.Shape{}...), CrossEntropyOptions{Reduction: ReductionNone})
		}, nil},
		{"CrossEntropy", "mean, class weights, ignore index, label smoothing", gcTs(gcNormal(71, 5, 4)), func(x ...*Value) *Value {
			return CrossEntropyWith(x[0], gcIdx([]int64{1, -100, 3, 0, 1}, 5), CrossEntropyOptions{Weight: gcPositive(72, 4), LabelSmoothing: 0.15})
		}, nil},
		{"CrossEntropy", "sum, class weights, class 0 ignored", gcTs(gcNormal(73, 4, 3)), func(x ...*Value) *Value {
			return CrossEntropyWith(x[0], gcIdx([]int64{0, 2, 1, 0}, 4), CrossEntropyOptions{Reduction: ReductionSum, IgnoreIndex: new(int64(0)), Weight: gcPositive(74, 3)})
		}, nil},
		{"CrossEntropy", "none, class weights, label smoothing", gcTs(gcNormal(75, 3, 4)), func(x ...*Value) *Value {
			return CrossEntropyWith(x[0], gcIdx([]int64{3, 0, 3}, 3), CrossEntropyOptions{Reduction: ReductionNone, Weight: gcPositive(76, 4), LabelSmoothing: 0.3})
		}, nil},
		{"CrossEntropy", "mean, single example, class weights, label smoothing", gcTs(gcNormal(77, 4)), func(x ...*Value) *Value {
			return CrossEntropyWith(x[0], gcIdx([]int64{2}, tensor.Shape{}...), CrossEntropyOptions{Weight: gcPositive(78, 4), LabelSmoothing: 0.1})
		}, nil},
		{"CrossEntropy", "none, of a view", gcTs(gcNormal(69, 5, 3)), func(x ...*Value) *Value {
			return CrossEntropyWith(x[0].T(), gcIdx([]int64{0, 4, 2}, 3), CrossEntropyOptions{Reduction: ReductionNone})
		}, nil},
	}
}

func TestGradCheckEveryOp(t *testing.T) {
	eachDevice(t, func(t *testing.T) {
		for _, c := range gcCases() {
			t.Run(c.op+"/"+c.name, func(t *testing.T) {
				for _, in := range c.inputs {
					require.Equal(t, testDevice, in.Device())
				}
				err := GradCheck(c.f, c.inputs, c.opts)
				assert.NoError(t, err)
			})
		}
	})
}

func TestEveryOpHasAGradCheck(t *testing.T) {
	checked := map[string]bool{}
	for _, c := range gcCases() {
		checked[c.op] = true
	}
	for _, op := range Ops() {
		assert.True(t, checked[op], "operation %s has no gradient check in gcCases", op)
	}
	for op := range checked {
		assert.True(t, slices.Contains(Ops(), op), "gcCases names %s, which is not a registered operation", op)
	}
}

// TestGradCheckCasesRecordTheirOp guards the table itself: each case's function must really
// run the operation it claims to check.
func TestGradCheckCasesRecordTheirOp(t *testing.T) {
	for _, c := range gcCases() {
		xs := make([]*Value, len(c.inputs))
		for i, in := range c.inputs {
			xs[i] = Param(in)
		}
		out := c.f(xs...)
		seen := map[string]bool{}
		for _, n := range topoOrder(out.node) {
			seen[n.op.name] = true
		}
		assert.True(t, seen[c.op], "case %s/%s does not record %s (saw %v)", c.op, c.name, c.op, seen)
	}
}

func TestGradCheckDetectsAWrongGradient(t *testing.T) {
	// A Function whose backward is off by a factor of 2 must fail, and the error must name
	// the worst element with both values.
	x := tensor.From([]float64{0.5, -1, 2}, 3)
	err := GradCheck(func(xs ...*Value) *Value { return Apply(&gcWrongSquare{}, xs[0])[0] }, []*tensor.Tensor{x}, nil)
	require.Error(t, err)
	var ge *GradCheckError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, 0, ge.Input)
	assert.Equal(t, []int{2}, ge.Index) // largest |x|: the largest error
	assert.Equal(t, 2, ge.Output)
	assert.InDelta(t, 8.0, ge.Analytic, 1e-12) // 2 · (2x) at x = 2
	assert.InDelta(t, 4.0, ge.Numeric, 1e-6)
	assert.Contains(t, err.Error(), "analytic 8")
}

func TestGradCheckRejectsFloat32(t *testing.T) {
	err := GradCheck(func(xs ...*Value) *Value { return xs[0].Exp() }, []*tensor.Tensor{tensor.From([]float32{1})}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "float32")
}

// gcWrongSquare computes x² with a backward that is twice too large.
type gcWrongSquare struct{}

func (gcWrongSquare) Forward(ctx *Context, in []*tensor.Tensor) []*tensor.Tensor {
	ctx.SaveForBackward(in[0])
	return gcTs(in[0].Square())
}

func (gcWrongSquare) Backward(ctx *Context, g []*tensor.Tensor) []*tensor.Tensor {
	x := ctx.Saved()[0]
	return gcTs(x.MulScalar(4).Mul(g[0]))
}
