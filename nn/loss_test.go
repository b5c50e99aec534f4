package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/godl/godl/tensor/tensortest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var reductionNames = map[string]Reduction{
	"": ReductionMean, "mean": ReductionMean, "sum": ReductionSum, "none": ReductionNone,
	"batchmean": ReductionBatchMean,
}

// TestLossesMatchTorch runs every case of testdata/losses.json: the loss computed in godl
// with the options torch had, its value and the gradients of its input (and of its target,
// where the target is differentiated) compared with torch's.
func TestLossesMatchTorch(t *testing.T) {
	for _, c := range fxLoad(t, "losses.json") {
		t.Run(c.Name, func(t *testing.T) {
			var p struct {
				Reduction      string
				IgnoreIndex    *int64  `json:"ignore_index"`
				LabelSmoothing float64 `json:"label_smoothing"`
				Beta           *float64
				LogTarget      bool `json:"log_target"`
			}
			c.params(t, &p)
			red, ok := reductionNames[p.Reduction]
			require.True(t, ok, "reduction %q", p.Reduction)
			fxRun(t, c, nil, func(in map[string]*autograd.Value, ints, consts map[string]*tensor.Tensor) []*autograd.Value {
				x, y := in["input"], in["target"]
				if y == nil && ints["target"] != nil {
					y = autograd.Const(ints["target"])
				} else if y == nil {
					y = autograd.Const(consts["target"])
				}
				var loss *autograd.Value
				switch c.Layer {
				case "cross_entropy":
					loss = CrossEntropyLoss(x, y, CrossEntropyOptions{Reduction: red, IgnoreIndex: p.IgnoreIndex,
						Weight: consts["weight"], LabelSmoothing: p.LabelSmoothing})
				case "nll_loss":
					loss = NLLLoss(x, y, NLLOptions{Reduction: red, IgnoreIndex: p.IgnoreIndex, Weight: consts["weight"]})
				case "mse_loss":
					loss = MSELoss(x, y, LossOptions{Reduction: red})
				case "l1_loss":
					loss = L1Loss(x, y, LossOptions{Reduction: red})
				case "smooth_l1_loss":
					loss = SmoothL1Loss(x, y, SmoothL1Options{Reduction: red, Beta: p.Beta})
				case "bce_with_logits":
					loss = BCEWithLogitsLoss(x, y, BCEWithLogitsOptions{Reduction: red, Weight: consts["weight"],
						PosWeight: consts["pos_weight"]})
				case "kl_div":
					loss = KLDivLoss(x, y, KLDivOptions{Reduction: red, LogTarget: p.LogTarget})
				default:
					t.Fatalf("unknown loss %q", c.Layer)
				}
				return []*autograd.Value{loss}
			})
		})
	}
}

// lossReductions are the reductions every loss takes.
var lossReductions = []Reduction{ReductionMean, ReductionSum, ReductionNone}

// TestLossGradChecks checks the gradients of every loss, for every reduction and every
// option that changes the formula, against central differences in float64; float targets
// are differentiated too.
func TestLossGradChecks(t *testing.T) {
	r := tensor.NewRNG(11)
	normal := func(shape ...int) *tensor.Tensor { return r.Normal(shape, 0, 1, tensor.Float64) }
	uniform := func(lo, hi float64, shape ...int) *tensor.Tensor { return r.Uniform(shape, lo, hi, tensor.Float64) }
	x54 := normal(5, 4).MulScalar(2)
	y5 := tensor.From([]int64{1, 0, 3, 3, 2})
	y5ign := tensor.From([]int64{1, -100, 3, 0, -100})
	w4 := tensor.From([]float64{0.5, 2, 1, 3})
	w3 := tensor.From([]float64{2, 1, 3})
	x234 := normal(2, 3, 4)
	yk := tensor.From([]int64{0, 2, 1, -100, 2, 2, 0, 1}, 2, 4)
	probs54 := uniform(0, 1, 5, 4)
	probs234 := uniform(0, 1, 2, 3, 4)
	x4 := normal(4)
	y0 := tensor.From([]int64{2}, tensor.Shape{}...)
	// BCE logits include 0, where the stable form has its kinks.
	logits := tensor.From([]float64{0, 1.5, -2, 3, -0.5, 0.3, -1, 0.7, 0, 4, -0.1, 2}, 4, 3)
	soft := uniform(0.05, 0.95, 4, 3)
	pw := tensor.From([]float64{1, 2.5, 0.5})
	lq := normal(3, 4).LogSoftmax(1)
	pt := uniform(0.1, 1, 3, 4)
	ign0 := new(int64(0))

	type check struct {
		name   string
		f      func(xs ...*autograd.Value) *autograd.Value
		inputs []*tensor.Tensor
	}
	var checks []check
	classIdx := func(name string, x, y *tensor.Tensor, opt CrossEntropyOptions) {
		checks = append(checks, check{"CrossEntropy/" + name, func(xs ...*autograd.Value) *autograd.Value {
			return CrossEntropyLoss(xs[0], autograd.Const(y), opt)
		}, []*tensor.Tensor{x}})
	}
	for _, red := range lossReductions {
		rs := "/" + red.String()
		classIdx("plain"+rs, x54, y5, CrossEntropyOptions{Reduction: red})
		classIdx("weight"+rs, x54, y5, CrossEntropyOptions{Reduction: red, Weight: w4})
		classIdx("ignore"+rs, x54, y5ign, CrossEntropyOptions{Reduction: red})
		classIdx("ignore=0+weight"+rs, x54, y5, CrossEntropyOptions{Reduction: red, IgnoreIndex: ign0, Weight: w4})
		classIdx("smoothing"+rs, x54, y5, CrossEntropyOptions{Reduction: red, LabelSmoothing: 0.2})
		classIdx("smoothing+weight+ignore"+rs, x54, y5ign, CrossEntropyOptions{Reduction: red, LabelSmoothing: 0.2, Weight: w4})
		classIdx("kdim+smoothing+weight+ignore"+rs, x234, yk, CrossEntropyOptions{Reduction: red, LabelSmoothing: 0.1, Weight: w3})
		classIdx("1d+smoothing+weight"+rs, x4, y0, CrossEntropyOptions{Reduction: red, LabelSmoothing: 0.3, Weight: w4})
		for _, c := range []struct {
			name string
			x, p *tensor.Tensor
			opt  CrossEntropyOptions
		}{
			{"probs", x54, probs54, CrossEntropyOptions{Reduction: red}},
			{"probs+smoothing+weight", x54, probs54, CrossEntropyOptions{Reduction: red, LabelSmoothing: 0.15, Weight: w4}},
			{"probs+kdim+smoothing+weight", x234, probs234, CrossEntropyOptions{Reduction: red, LabelSmoothing: 0.1, Weight: w3}},
		} {
			checks = append(checks, check{"CrossEntropy/" + c.name + rs, func(xs ...*autograd.Value) *autograd.Value {
				return CrossEntropyLoss(xs[0], xs[1], c.opt)
			}, []*tensor.Tensor{c.x, c.p}})
		}
		for _, c := range []struct {
			name string
			x, y *tensor.Tensor
			opt  NLLOptions
		}{
			{"plain", x54, y5, NLLOptions{Reduction: red}},
			{"weight+ignore", x54, y5ign, NLLOptions{Reduction: red, Weight: w4}},
			{"ignore=0+weight", x54, y5, NLLOptions{Reduction: red, Weight: w4, IgnoreIndex: ign0}},
			{"kdim+weight+ignore", x234, yk, NLLOptions{Reduction: red, Weight: w3}},
			{"1d", x4, y0, NLLOptions{Reduction: red}},
		} {
			checks = append(checks, check{"NLL/" + c.name + rs, func(xs ...*autograd.Value) *autograd.Value {
				return NLLLoss(xs[0], autograd.Const(c.y), c.opt)
			}, []*tensor.Tensor{c.x}})
		}
		pair := func(name string, x, y *tensor.Tensor, f func(x, y *autograd.Value) *autograd.Value) {
			checks = append(checks, check{name + rs, func(xs ...*autograd.Value) *autograd.Value { return f(xs[0], xs[1]) },
				[]*tensor.Tensor{x, y}})
		}
		a, b := normal(3, 4), normal(3, 4)
		pair("MSE", a, b, func(x, y *autograd.Value) *autograd.Value { return MSELoss(x, y, LossOptions{red}) })
		pair("L1", a, b, func(x, y *autograd.Value) *autograd.Value { return L1Loss(x, y, LossOptions{red}) })
		for _, beta := range []*float64{nil, new(0.5), new(3.0), new(0.0)} {
			name := "SmoothL1/beta=1"
			if beta != nil {
				name = fmt.Sprintf("SmoothL1/beta=%g", *beta)
			}
			pair(name, a.MulScalar(2), b, func(x, y *autograd.Value) *autograd.Value {
				return SmoothL1Loss(x, y, SmoothL1Options{Reduction: red, Beta: beta})
			})
		}
		for _, c := range []struct {
			name string
			opt  BCEWithLogitsOptions
		}{
			{"plain", BCEWithLogitsOptions{Reduction: red}},
			{"weight", BCEWithLogitsOptions{Reduction: red, Weight: tensor.From([]float64{0.2, 1, 3})}},
			{"pos_weight", BCEWithLogitsOptions{Reduction: red, PosWeight: pw}},
			{"weight+pos_weight", BCEWithLogitsOptions{Reduction: red, Weight: uniform(0.5, 1.5, 4, 1), PosWeight: pw}},
		} {
			pair("BCEWithLogits/"+c.name, logits, soft, func(x, y *autograd.Value) *autograd.Value {
				return BCEWithLogitsLoss(x, y, c.opt)
			})
		}
		pair("BCEWithLogits/pos_weight=[3 1 1]", normal(2, 3, 2, 2), uniform(0, 1, 2, 3, 2, 2), func(x, y *autograd.Value) *autograd.Value {
			return BCEWithLogitsLoss(x, y, BCEWithLogitsOptions{Reduction: red, PosWeight: pw.Reshape(3, 1, 1)})
		})
	}
	for _, red := range append(lossReductions, ReductionBatchMean) {
		rs := "/" + red.String()
		for _, logTarget := range []bool{false, true} {
			y := pt
			if logTarget {
				y = pt.Log()
			}
			checks = append(checks, check{fmt.Sprintf("KLDiv/log_target=%v%s", logTarget, rs), func(xs ...*autograd.Value) *autograd.Value {
				return KLDivLoss(xs[0], xs[1], KLDivOptions{Reduction: red, LogTarget: logTarget})
			}, []*tensor.Tensor{lq, y}})
		}
	}
	for _, c := range checks {
		assert.NoError(t, autograd.GradCheck(c.f, c.inputs, nil), c.name)
	}
}

// TestLossErrors checks that caller bugs panic with a *tensor.Error naming the loss and the
// shapes.
func TestLossErrors(t *testing.T) {
	f64 := func(shape ...int) *autograd.Value { return autograd.Const(tensor.Zeros(shape, tensor.Float64)) }
	f32 := func(shape ...int) *autograd.Value { return autograd.Const(tensor.Zeros(shape, tensor.Float32)) }
	i64 := func(shape ...int) *autograd.Value { return autograd.Const(tensor.Zeros(shape, tensor.Int64)) }
	lazy := autograd.Const(tensor.Zeros(tensor.Shape{5}, tensor.Int64, tensor.On(tensortest.Lazy(nil))))
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { CrossEntropyLoss(nil, i64(5), CrossEntropyOptions{}) }, "nn.CrossEntropyLoss: nil input"},
		{func() { CrossEntropyLoss(f64(5, 4), nil, CrossEntropyOptions{}) }, "nn.CrossEntropyLoss: nil target"},
		{func() { CrossEntropyLoss(i64(5, 4), i64(5), CrossEntropyOptions{}) },
			"nn.CrossEntropyLoss: input must be float32 or float64, got int64 of shape [5 4]"},
		{func() { CrossEntropyLoss(f64(), i64(), CrossEntropyOptions{}) }, "nn.CrossEntropyLoss: input of shape [] has no class dimension"},
		{func() { CrossEntropyLoss(f64(5, 4), i64(4), CrossEntropyOptions{}) },
			"nn.CrossEntropyLoss: input of shape [5 4] needs class-index targets of shape [5], got [4]"},
		{func() { CrossEntropyLoss(f64(2, 3, 4), i64(2, 3), CrossEntropyOptions{}) },
			"nn.CrossEntropyLoss: input of shape [2 3 4] needs class-index targets of shape [2 4], got [2 3]"},
		{func() { CrossEntropyLoss(f64(4), i64(1), CrossEntropyOptions{}) },
			"nn.CrossEntropyLoss: input of shape [4] needs class-index targets of shape [], got [1]"},
		{func() { CrossEntropyLoss(f64(5, 4), f64(5), CrossEntropyOptions{}) },
			"nn.CrossEntropyLoss: float targets are class probabilities of the input's shape [5 4], got shape [5] (class indices must be int64)"},
		{func() { CrossEntropyLoss(f64(5, 4), f32(5, 4), CrossEntropyOptions{}) },
			"nn.CrossEntropyLoss: target must be float64 like the input, got float32 of shape [5 4]"},
		{func() { CrossEntropyLoss(f64(5, 4), f64(5, 4), CrossEntropyOptions{IgnoreIndex: new(int64(1))}) },
			"nn.CrossEntropyLoss: ignore index 1 with probability targets (of shape [5 4]): torch supports no ignore index for them"},
		{func() {
			CrossEntropyLoss(f64(5, 4), i64(5), CrossEntropyOptions{Weight: tensor.Zeros(tensor.Shape{3}, tensor.Float64)})
		},
			"nn.CrossEntropyLoss: weight of shape [3] for 4 classes (input of shape [5 4]); want [4]"},
		{func() {
			CrossEntropyLoss(f64(5, 4), i64(5), CrossEntropyOptions{Weight: tensor.Zeros(tensor.Shape{4}, tensor.Float32)})
		},
			"nn.CrossEntropyLoss: weight is float32 on cpu, input is float64 on cpu"},
		{func() { CrossEntropyLoss(f64(5, 4), i64(5), CrossEntropyOptions{LabelSmoothing: 1.5}) },
			"nn.CrossEntropyLoss: label smoothing 1.5 outside [0, 1]"},
		{func() { CrossEntropyLoss(f64(5, 4), i64(5), CrossEntropyOptions{Reduction: ReductionBatchMean}) },
			"nn.CrossEntropyLoss: unsupported reduction batchmean (want mean, sum or none)"},
		{func() { CrossEntropyLoss(f64(5, 4), lazy, CrossEntropyOptions{}) }, "nn.CrossEntropyLoss: input is on cpu, target on lazy"},
		{func() { NLLLoss(f64(5, 4), f64(5), NLLOptions{}) },
			"nn.NLLLoss: class-index targets must be int64, got float64 of shape [5] (float targets are class probabilities of the input's shape [5 4])"},
		{func() { NLLLoss(f64(5, 4), i64(5, 1), NLLOptions{}) }, "nn.NLLLoss: input of shape [5 4] needs class-index targets of shape [5], got [5 1]"},
		{func() {
			NLLLoss(f64(5, 4), i64(5), NLLOptions{Weight: tensor.Zeros(tensor.Shape{4, 1}, tensor.Float64)})
		},
			"nn.NLLLoss: weight of shape [4 1] for 4 classes (input of shape [5 4]); want [4]"},
		{func() { NLLLoss(f64(5, 4), i64(5), NLLOptions{Reduction: 7}) }, "nn.NLLLoss: unsupported reduction Reduction(7) (want mean, sum or none)"},
		{func() { MSELoss(f64(3, 4), f64(4), LossOptions{}) }, "nn.MSELoss: target of shape [4] does not match input of shape [3 4]"},
		{func() { MSELoss(f64(3, 4), i64(3, 4), LossOptions{}) }, "nn.MSELoss: target must be float64 like the input, got int64 of shape [3 4]"},
		{func() { MSELoss(f64(3), nil, LossOptions{}) }, "nn.MSELoss: nil target"},
		{func() { L1Loss(nil, f64(3), LossOptions{}) }, "nn.L1Loss: nil input"},
		{func() { L1Loss(f32(3), f32(3), LossOptions{Reduction: ReductionBatchMean}) },
			"nn.L1Loss: unsupported reduction batchmean (want mean, sum or none)"},
		{func() { SmoothL1Loss(f64(3), f64(3), SmoothL1Options{Beta: new(-1.0)}) }, "nn.SmoothL1Loss: beta -1 is negative or NaN"},
		{func() { SmoothL1Loss(f64(3), f64(2), SmoothL1Options{}) }, "nn.SmoothL1Loss: target of shape [2] does not match input of shape [3]"},
		{func() { BCEWithLogitsLoss(f64(4, 3), f64(4), BCEWithLogitsOptions{}) },
			"nn.BCEWithLogitsLoss: target of shape [4] does not match input of shape [4 3]"},
		{func() {
			BCEWithLogitsLoss(f64(4, 3), f64(4, 3), BCEWithLogitsOptions{PosWeight: tensor.Zeros(tensor.Shape{4}, tensor.Float64)})
		}, "nn.BCEWithLogitsLoss: pos_weight of shape [4] does not broadcast to input of shape [4 3]"},
		{func() {
			BCEWithLogitsLoss(f64(4, 3), f64(4, 3), BCEWithLogitsOptions{Weight: tensor.Zeros(tensor.Shape{2, 4, 3}, tensor.Float64)})
		}, "nn.BCEWithLogitsLoss: weight of shape [2 4 3] does not broadcast to input of shape [4 3]"},
		{func() {
			BCEWithLogitsLoss(f64(4, 3), f64(4, 3), BCEWithLogitsOptions{Weight: tensor.Zeros(tensor.Shape{3}, tensor.Float32)})
		}, "nn.BCEWithLogitsLoss: weight is float32 on cpu, input is float64 on cpu"},
		{func() { KLDivLoss(f64(3, 4), f64(4, 3), KLDivOptions{}) }, "nn.KLDivLoss: target of shape [4 3] does not match input of shape [3 4]"},
		{func() { KLDivLoss(f64(3, 4), f64(3, 4), KLDivOptions{Reduction: 9}) },
			"nn.KLDivLoss: unsupported reduction Reduction(9) (want mean, sum, none or batchmean)"},
	} {
		assert.EqualError(t, tensor.Maybe(c.f), c.want)
	}
}

// TestLossBadClassIndex checks that a class index out of range is found by the device: at
// once on the CPU, and at the next synchronizing call on a device that queues its work.
func TestLossBadClassIndex(t *testing.T) {
	for _, dev := range []tensor.Device{tensor.CPU, tensortest.Lazy(nil)} {
		x := autograd.Param(tensor.Zeros(tensor.Shape{3, 4}, tensor.Float64, tensor.On(dev)))
		y := autograd.Const(tensor.From([]int64{1, 4, 0}).To(dev))
		w := tensor.Ones(tensor.Shape{4}, tensor.Float64, tensor.On(dev))
		for name, f := range map[string]func() *autograd.Value{
			"CrossEntropyLoss":     func() *autograd.Value { return CrossEntropyLoss(x, y, CrossEntropyOptions{}) },
			"NLLLoss":              func() *autograd.Value { return NLLLoss(x, y, NLLOptions{}) },
			"NLLLoss with weights": func() *autograd.Value { return NLLLoss(x, y, NLLOptions{Weight: w}) },
			"CrossEntropyLoss, K-dim": func() *autograd.Value {
				return CrossEntropyLoss(x.Reshape(1, 3, 4).Transpose(1, 2), y.Reshape(1, 3), CrossEntropyOptions{})
			},
		} {
			var err error
			if dev == tensor.CPU {
				err = tensor.Maybe(func() { f() })
			} else {
				var loss *autograd.Value
				require.NoError(t, tensor.Maybe(func() { loss = f() }), "%s on %s: the device should report it", name, dev.Name())
				err = tensor.Maybe(func() { loss.Item() })
			}
			require.Error(t, err, "%s on %s", name, dev.Name())
			assert.Contains(t, err.Error(), "out of range", "%s on %s", name, dev.Name())
		}
	}
}

// lossCall is one call of a loss, on operands made on a device: the input, the target
// (class indices or floats) and the call.
type lossCall struct {
	name string
	x, y *tensor.Tensor
	f    func(x, y *autograd.Value) *autograd.Value
}

// lossCalls returns a call of every loss for every code path (class indices in 1, 2 and 3
// dimensions, probabilities, each option that adds operations), on operands made on dev.
func lossCalls(dev tensor.Device) []lossCall {
	on := tensor.On(dev)
	r := tensor.NewRNG(21)
	normal := func(shape ...int) *tensor.Tensor { return r.Normal(shape, 0, 1, tensor.Float64, on) }
	uniform := func(shape ...int) *tensor.Tensor { return r.Uniform(shape, 0.1, 0.9, tensor.Float64, on) }
	ints := func(v []int64, shape ...int) *tensor.Tensor { return tensor.From(v, shape...).To(dev) }
	w4 := tensor.From([]float64{0.5, 2, 1, 3}).To(dev)
	y6 := ints([]int64{1, -100, 3, 0, 2, 3}, 6)
	yk := ints([]int64{0, 3, 1, -100, 2, 2}, 2, 3)
	y0 := ints([]int64{2}, tensor.Shape{}...)
	pw := tensor.From([]float64{1, 2, 0.5, 3}).To(dev)
	ce := func(opt CrossEntropyOptions) func(x, y *autograd.Value) *autograd.Value {
		return func(x, y *autograd.Value) *autograd.Value { return CrossEntropyLoss(x, y, opt) }
	}
	nll := func(opt NLLOptions) func(x, y *autograd.Value) *autograd.Value {
		return func(x, y *autograd.Value) *autograd.Value { return NLLLoss(x, y, opt) }
	}
	return []lossCall{
		{"CrossEntropy", normal(6, 4), y6, ce(CrossEntropyOptions{})},
		{"CrossEntropy/smoothing+weight/sum", normal(6, 4), y6, ce(CrossEntropyOptions{Reduction: ReductionSum, LabelSmoothing: 0.1, Weight: w4})},
		{"CrossEntropy/kdim/none", normal(2, 4, 3), yk, ce(CrossEntropyOptions{Reduction: ReductionNone, Weight: w4})},
		{"CrossEntropy/1d", normal(4), y0, ce(CrossEntropyOptions{LabelSmoothing: 0.2})},
		{"CrossEntropy/probs+smoothing+weight", normal(6, 4), uniform(6, 4), ce(CrossEntropyOptions{LabelSmoothing: 0.1, Weight: w4})},
		{"CrossEntropy/probs/kdim/none", normal(2, 4, 3), uniform(2, 4, 3), ce(CrossEntropyOptions{Reduction: ReductionNone})},
		{"NLL/weight", normal(6, 4), y6, nll(NLLOptions{Weight: w4})},
		{"NLL/kdim/sum", normal(2, 4, 3), yk, nll(NLLOptions{Reduction: ReductionSum})},
		{"NLL/1d/none", normal(4), y0, nll(NLLOptions{Reduction: ReductionNone})},
		{"MSE", normal(3, 4), normal(3, 4), func(x, y *autograd.Value) *autograd.Value { return MSELoss(x, y, LossOptions{}) }},
		{"L1/sum", normal(3, 4), normal(3, 4), func(x, y *autograd.Value) *autograd.Value {
			return L1Loss(x, y, LossOptions{Reduction: ReductionSum})
		}},
		{"SmoothL1/beta=0.5", normal(3, 4), normal(3, 4), func(x, y *autograd.Value) *autograd.Value {
			return SmoothL1Loss(x, y, SmoothL1Options{Beta: new(0.5)})
		}},
		{"BCEWithLogits/weight+pos_weight", normal(3, 4), uniform(3, 4), func(x, y *autograd.Value) *autograd.Value {
			return BCEWithLogitsLoss(x, y, BCEWithLogitsOptions{Weight: w4, PosWeight: pw})
		}},
		{"KLDiv/batchmean", normal(3, 4), uniform(3, 4), func(x, y *autograd.Value) *autograd.Value {
			return KLDivLoss(x, y, KLDivOptions{Reduction: ReductionBatchMean})
		}},
		{"KLDiv/log_target/none", normal(3, 4), normal(3, 4), func(x, y *autograd.Value) *autograd.Value {
			return KLDivLoss(x, y, KLDivOptions{Reduction: ReductionNone, LogTarget: true})
		}},
	}
}

// target wraps a call's target: a parameter when it holds floats, so that its gradient is
// computed too, and a constant for class indices.
func (c lossCall) target() *autograd.Value {
	if c.y.DType().IsFloat() {
		return autograd.Param(c.y)
	}
	return autograd.Const(c.y)
}

// TestLossesInNoGradMode checks that every loss records nothing when its input, or its
// target, is in no-grad mode, and computes the same value as when it records.
func TestLossesInNoGradMode(t *testing.T) {
	for _, c := range lossCalls(tensor.CPU) {
		x := autograd.Param(c.x)
		want := c.f(x, c.target())
		require.True(t, want.RequiresGrad(), c.name)
		require.NotEmpty(t, want.Op(), c.name)
		for name, got := range map[string]*autograd.Value{
			"input":  c.f(x.NoGrad(), c.target()),
			"target": c.f(x, c.target().NoGrad()),
		} {
			assert.True(t, got.IsNoGrad(), "%s, %s in no-grad mode", c.name, name)
			assert.False(t, got.RequiresGrad(), "%s, %s in no-grad mode", c.name, name)
			assert.True(t, got.IsLeaf(), "%s, %s in no-grad mode: a graph was recorded", c.name, name)
			assert.Equal(t, want.Data().Float64s(), got.Data().Float64s(), "%s, %s in no-grad mode", c.name, name)
		}
	}
}

// TestLossesNeverWaitForTheDevice runs every loss, forward and backward, on a device that
// queues its work and checks that none made the host wait: no loss reads a value back. The
// losses and gradients read afterwards are those computed on the CPU.
func TestLossesNeverWaitForTheDevice(t *testing.T) {
	dev := tensortest.Lazy(nil)
	calls := lossCalls(dev)
	tensor.SyncDevice(dev)
	before := tensortest.Syncs(dev)
	type result struct{ loss, gx, gy *tensor.Tensor }
	results := make([]result, len(calls))
	for i, c := range calls {
		x, y := autograd.Param(c.x), c.target()
		loss := c.f(x, y)
		loss.Sum().Backward()
		results[i] = result{loss.Data(), x.Grad(), y.Grad()}
	}
	require.Equal(t, before, tensortest.Syncs(dev), "a loss waited for the device")
	require.Positive(t, tensortest.Pending(dev))

	// The queued device runs the CPU's kernels, though not its fused ones (log-softmax), so the
	// results agree to rounding.
	const rtol = 1e-14
	for i, c := range lossCalls(tensor.CPU) {
		x, y := autograd.Param(c.x), c.target()
		loss := c.f(x, y)
		loss.Sum().Backward()
		got := results[i]
		assertClose(t, loss.Data(), got.loss, rtol, "%s: loss", c.name)
		assertClose(t, x.Grad(), got.gx, rtol, "%s: input gradient", c.name)
		if y.Grad() != nil {
			assertClose(t, y.Grad(), got.gy, rtol, "%s: target gradient", c.name)
		}
	}
}

// assertClose checks that got has want's shape and that every element is within
// rtol·max|want| of want's.
func assertClose(t *testing.T, want, got *tensor.Tensor, rtol float64, msg string, args ...any) {
	t.Helper()
	require.True(t, want.Shape().Equal(got.Shape()), "%s: shape %v, want %v", fmt.Sprintf(msg, args...), got.Shape(), want.Shape())
	w, g := want.Float64s(), got.Float64s()
	scale := 0.0
	for _, v := range w {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range w {
		if math.Abs(w[i]-g[i]) > rtol*scale {
			t.Errorf("%s: element %d is %v, want %v", fmt.Sprintf(msg, args...), i, g[i], w[i])
			return
		}
	}
}

func TestReductionString(t *testing.T) {
	for r, want := range map[Reduction]string{ReductionMean: "mean", ReductionSum: "sum", ReductionNone: "none",
		ReductionBatchMean: "batchmean", 4: "Reduction(4)"} {
		assert.Equal(t, want, r.String())
	}
}

// The empty batch: a mean over nothing is NaN, as in torch, and a sum 0.
func TestLossesOfAnEmptyBatch(t *testing.T) {
	x := autograd.Param(tensor.Zeros(tensor.Shape{0, 3}, tensor.Float64))
	y := autograd.Const(tensor.Zeros(tensor.Shape{0}, tensor.Int64))
	z := autograd.Const(tensor.Zeros(tensor.Shape{0, 3}, tensor.Float64))
	for name, l := range map[string]*autograd.Value{
		"CrossEntropy":       CrossEntropyLoss(x, y, CrossEntropyOptions{}),
		"CrossEntropy/probs": CrossEntropyLoss(x, z, CrossEntropyOptions{}),
		"NLL":                NLLLoss(x, y, NLLOptions{}),
		"MSE":                MSELoss(x, z, LossOptions{}),
		"BCEWithLogits":      BCEWithLogitsLoss(x, z, BCEWithLogitsOptions{}),
		"KLDiv/batchmean":    KLDivLoss(x, z, KLDivOptions{Reduction: ReductionBatchMean}),
	} {
		assert.True(t, math.IsNaN(l.Item()), name)
	}
	assert.Equal(t, 0.0, NLLLoss(x, y, NLLOptions{Reduction: ReductionSum}).Item())
}
