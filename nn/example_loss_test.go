package nn_test

import (
	"fmt"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/nn"
	"github.com/godl/godl/tensor"
)

// A classifier's loss: logits for three examples over four classes, labels wrapped as a
// constant (-100 is ignored, as in torch). The options' zero value holds torch's defaults;
// a literal sets only what differs. The printed losses are torch's for the same arguments.
func ExampleCrossEntropyLoss() {
	logits := autograd.Param(tensor.From([]float64{
		0, 0, 0, 0,
		1, 2, 3, 4,
		4, 3, 2, 1,
	}, 3, 4))
	labels := autograd.Const(tensor.From([]int64{0, 3, -100}))
	loss := nn.CrossEntropyLoss(logits, labels, nn.CrossEntropyOptions{})
	smoothed := nn.CrossEntropyLoss(logits, labels, nn.CrossEntropyOptions{LabelSmoothing: 0.1})
	perExample := nn.CrossEntropyLoss(logits, labels, nn.CrossEntropyOptions{Reduction: nn.ReductionNone})
	fmt.Printf("%.4f %.4f %.4f\n", loss.Item(), smoothed.Item(), perExample.Data().Float64s())

	// Probability targets have the logits' shape.
	soft := autograd.Const(tensor.From([]float64{
		0.25, 0.25, 0.25, 0.25,
		0, 0, 0.5, 0.5,
		1, 0, 0, 0,
	}, 3, 4))
	fmt.Printf("%.4f\n", nn.CrossEntropyLoss(logits, soft, nn.CrossEntropyOptions{}).Item())

	loss.Backward() // the mean over the two examples that count
	fmt.Printf("%.4f\n", logits.Grad().Float64s()[:4])
	// Output:
	// 0.9132 0.9882 [1.3863 0.4402 0.0000]
	// 0.9222
	// [-0.3750 0.1250 0.1250 0.1250]
}

// The regression and binary losses take a float target of the input's shape; the KL
// divergence with ReductionBatchMean is the divergence per example.
func ExampleMSELoss() {
	pred := autograd.Const(tensor.From([]float64{0.5, 2, -1, 3}, 2, 2))
	want := autograd.Const(tensor.From([]float64{0, 2, 1, 2}, 2, 2))
	fmt.Printf("mse %.4f\n", nn.MSELoss(pred, want, nn.LossOptions{}).Item())
	fmt.Printf("l1 %.4f\n", nn.L1Loss(pred, want, nn.LossOptions{Reduction: nn.ReductionSum}).Item())
	fmt.Printf("smooth l1 %.4f\n", nn.SmoothL1Loss(pred, want, nn.SmoothL1Options{Beta: new(0.5)}).Item())

	labels := autograd.Const(tensor.From([]float64{1, 0, 0, 1}, 2, 2))
	posWeight := tensor.From([]float64{1, 3}) // per class, the last dimension
	fmt.Printf("bce %.4f\n", nn.BCEWithLogitsLoss(pred, labels, nn.BCEWithLogitsOptions{PosWeight: posWeight}).Item())

	logq := pred.LogSoftmax(1)
	p := autograd.Const(tensor.From([]float64{0.5, 0.5, 0.9, 0.1}, 2, 2))
	fmt.Printf("kl %.4f\n", nn.KLDivLoss(logq, p, nn.KLDivOptions{Reduction: nn.ReductionBatchMean}).Item())
	// Output:
	// mse 1.3125
	// l1 3.5000
	// smooth l1 0.6875
	// bce 0.7650
	// kl 1.7757
}
