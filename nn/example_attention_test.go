package nn_test

import (
	"fmt"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/nn"
	"github.com/godl/godl/tensor"
)

// Self-attention over a padded batch: the same value is the query, key and value, and the
// padded keys get no weight.
func ExampleMultiheadAttention() {
	nn.Seed(1)
	mha := nn.NewMultiheadAttention(8, 2, nn.MultiheadAttentionOptions{BatchFirst: true})
	x := autograd.Const(tensor.NewRNG(2).Normal(tensor.Shape{2, 3, 8}, 0, 1)) // [B, L, E]
	padding := tensor.From([]int64{
		0, 0, 0,
		0, 0, 1, // the second sequence is 2 tokens long
	}, 2, 3)
	out, weights := mha.Forward(x, x, x, nn.AttentionOptions{Masks: nn.Masks{KeyPadding: padding}})
	fmt.Println(out.Shape(), weights.Shape())
	fmt.Printf("weight of the padded key: %.0f\n", weights.Data().At(1, 0, 2))
	fmt.Println(nn.StateDictKeys(mha))
	// Output:
	// [2 3 8] [2 3 3]
	// weight of the padded key: 0
	// [in_proj_weight in_proj_bias out_proj.weight out_proj.bias]
}

// A causal encoder for inference: Eval switches dropout off, and a no-grad input records
// nothing, so the encoder may serve many goroutines at once.
func ExampleTransformerEncoder() {
	nn.Seed(1)
	layer := nn.NewTransformerEncoderLayer(16, 4, nn.TransformerEncoderLayerOptions{
		DimFeedforward: 32, BatchFirst: true, NormFirst: true, Activation: nn.GELU()})
	enc := nn.Eval(nn.NewTransformerEncoder(layer, 2, nn.NewLayerNorm(tensor.Shape{16}, nn.LayerNormOptions{})))
	x := autograd.Const(tensor.NewRNG(2).Normal(tensor.Shape{4, 10, 16}, 0, 1)).NoGrad()
	y := enc.ForwardMasked(x, nn.Masks{Causal: true})
	fmt.Println(y.Shape(), y.IsNoGrad(), nn.NumParams(enc))
	fmt.Println(nn.StateDictKeys(enc)[0])
	// Output:
	// [4 10 16] true 4480
	// layers.0.self_attn.in_proj_weight
}

// Token embeddings plus the fixed sinusoidal position encodings.
func ExamplePositionalEncoding() {
	pe := nn.NewPositionalEncoding(4, nn.PositionalEncodingOptions{MaxLen: 100, BatchFirst: true})
	x := autograd.Const(tensor.Zeros(tensor.Shape{1, 3, 4})) // [B, T, D]
	fmt.Printf("%.4f\n", pe.Forward(x).Data().Float64s())
	// Output:
	// [0.0000 1.0000 0.0000 1.0000 0.8415 0.5403 0.0100 0.9999 0.9093 -0.4161 0.0200 0.9998]
}

// Bags of token ids of different lengths, one after the other, with where each bag starts:
// a bag-of-words text encoder without padding.
func ExampleEmbeddingBag() {
	bag := nn.NewEmbeddingBag(4, 2, nn.EmbeddingBagOptions{Mode: nn.BagMean})
	bag.Weight.Data().CopyFrom(tensor.From([]float32{0, 0, 1, 10, 2, 20, 3, 30}, 4, 2))
	ids := tensor.From([]int64{1, 2, 3, 3, 2})
	offsets := tensor.From([]int64{0, 3, 3}) // bags [1 2 3], [], [3 2]
	fmt.Println(bag.ForwardBags(autograd.Const(ids), offsets, nil).Data().Float32s())
	// Output:
	// [2 20 0 0 2.5 25]
}

// A text classifier's convolution over time, then max-pooling over each sequence's real
// length only.
func ExampleMaxPoolTime() {
	nn.Seed(1)
	conv := nn.NewConv1d(8, 16, 3, nn.Conv1dOptions{Padding: 1})
	emb := autograd.Const(tensor.NewRNG(2).Normal(tensor.Shape{2, 8, 5}, 0, 1)) // [B, D, T]
	h := conv.Forward(emb).ReLU().Transpose(1, 2)                               // [B, T, 16]
	lengths := tensor.From([]int64{5, 3})
	features := nn.MaxPoolTime(h, lengths, false)
	fmt.Println(h.Shape(), features.Shape())
	// Output:
	// [2 5 16] [2 16]
}
