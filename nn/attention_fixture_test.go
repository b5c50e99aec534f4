package nn

import (
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/require"
)

// TestAttentionMatchTorch runs every case of testdata/attention.json (written by
// gen_attention.py): each layer built in godl with the options the case names, its state
// loaded from PyTorch's state_dict by name, outputs and gradients compared.
func TestAttentionMatchTorch(t *testing.T) {
	for _, c := range fxLoad(t, "attention.json") {
		t.Run(c.Name, func(t *testing.T) {
			in := Init{DType: c.dtype()}
			switch c.Layer {
			case "mha":
				var p struct {
					EmbedDim   int  `json:"embed_dim"`
					NumHeads   int  `json:"num_heads"`
					BatchFirst bool `json:"batch_first"`
					NoBias     bool `json:"no_bias"`
					KDim       int
					VDim       int
					Self, KV   bool
					Causal     bool
					BiasInput  bool `json:"bias_input"`
					Weights    string
				}
				c.params(t, &p)
				m := NewMultiheadAttention(p.EmbedDim, p.NumHeads, MultiheadAttentionOptions{
					NoBias: p.NoBias, BatchFirst: p.BatchFirst, KDim: p.KDim, VDim: p.VDim, Init: in})
				fxRun(t, c, m, func(x map[string]*autograd.Value, ints, _ map[string]*tensor.Tensor) []*autograd.Value {
					q, k, v := x["q"], x["k"], x["v"]
					switch {
					case p.Self:
						q, k, v = x["x"], x["x"], x["x"]
					case p.KV:
						k, v = x["kv"], x["kv"]
					}
					opt := AttentionOptions{Masks: Masks{KeyPadding: ints["key_padding"], Mask: ints["mask"], Causal: p.Causal}}
					if p.BiasInput {
						opt.Bias = x["attn_bias"]
					}
					switch p.Weights {
					case "per_head":
						opt.Weights = WeightsPerHead
					case "none":
						opt.Weights = WeightsNone
					}
					out, w := m.Forward(q, k, v, opt)
					if w == nil {
						return []*autograd.Value{out}
					}
					return []*autograd.Value{out, w}
				})
			case "encoder_layer", "encoder":
				var p struct {
					DModel         int    `json:"d_model"`
					NHead          int    `json:"nhead"`
					DimFeedforward int    `json:"dim_feedforward"`
					Activation     string `json:"activation"`
					NormFirst      bool   `json:"norm_first"`
					BatchFirst     bool   `json:"batch_first"`
					Eps            float64
					Causal         bool
					NumLayers      int  `json:"num_layers"`
					FinalNorm      bool `json:"final_norm"`
				}
				c.params(t, &p)
				act := ReLU()
				if p.Activation == "gelu" {
					act = GELU()
				}
				layer := NewTransformerEncoderLayer(p.DModel, p.NHead, TransformerEncoderLayerOptions{
					DimFeedforward: p.DimFeedforward, Activation: act, LayerNormEps: p.Eps,
					BatchFirst: p.BatchFirst, NormFirst: p.NormFirst, Init: in})
				var m interface {
					Module
					ForwardMasked(*autograd.Value, Masks) *autograd.Value
				} = layer
				if c.Layer == "encoder" {
					var norm *LayerNorm
					if p.FinalNorm {
						norm = NewLayerNorm(tensor.Shape{p.DModel}, LayerNormOptions{Init: in})
					}
					m = NewTransformerEncoder(layer, p.NumLayers, norm)
				}
				Eval(m)
				fxRun(t, c, m, func(x map[string]*autograd.Value, ints, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{m.ForwardMasked(x["x"], Masks{KeyPadding: ints["key_padding"], Mask: ints["mask"], Causal: p.Causal})}
				})
			case "pos_sin":
				var p struct {
					Dim        int
					MaxLen     int  `json:"max_len"`
					BatchFirst bool `json:"batch_first"`
				}
				c.params(t, &p)
				pe := NewPositionalEncoding(p.Dim, PositionalEncodingOptions{MaxLen: p.MaxLen, Dropout: 0.1, BatchFirst: p.BatchFirst, Init: in})
				Eval(pe)
				// The table godl computes, before the state dict replaces it.
				rtol, atol := fxTolerances(c.DType)
				fxCompare(t, "table", pe.PE.Data(), c.State["pe"], rtol, atol)
				fxRun(t, c, pe, func(x map[string]*autograd.Value, _, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{pe.Forward(x["x"])}
				})
			case "pos_learned":
				var p struct {
					Dim        int
					MaxLen     int  `json:"max_len"`
					BatchFirst bool `json:"batch_first"`
				}
				c.params(t, &p)
				e := NewPositionEmbedding(p.MaxLen, p.Dim, PositionEmbeddingOptions{BatchFirst: p.BatchFirst, Init: in})
				fxRun(t, c, e, func(x map[string]*autograd.Value, _, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{e.Forward(x["x"])}
				})
			case "conv1d":
				var p struct {
					In, Out, Kernel, Stride, Padding, Dilation, Groups int
					NoBias                                             bool `json:"no_bias"`
				}
				c.params(t, &p)
				conv := NewConv1d(p.In, p.Out, p.Kernel, Conv1dOptions{Stride: p.Stride, Padding: p.Padding, Dilation: p.Dilation, Groups: p.Groups, NoBias: p.NoBias, Init: in})
				fxRun(t, c, conv, func(x map[string]*autograd.Value, _, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{conv.Forward(x["x"])}
				})
			case "maxpool1d":
				var p struct {
					Kernel, Stride, Padding, Dilation int
					CeilMode                          bool `json:"ceil_mode"`
				}
				c.params(t, &p)
				pool := NewMaxPool1d(p.Kernel, MaxPool1dOptions{Stride: p.Stride, Padding: p.Padding, Dilation: p.Dilation, CeilMode: p.CeilMode})
				fxRun(t, c, pool, func(x map[string]*autograd.Value, _, _ map[string]*tensor.Tensor) []*autograd.Value {
					y, idx := pool.ForwardIndices(x["x"])
					return []*autograd.Value{y, autograd.Const(idx.AsType(tensor.Float64))}
				})
			case "avgpool1d":
				var p struct {
					Kernel, Stride, Padding int
					CeilMode                bool `json:"ceil_mode"`
					ExcludePad              bool `json:"exclude_pad"`
				}
				c.params(t, &p)
				pool := NewAvgPool1d(p.Kernel, AvgPool1dOptions{Stride: p.Stride, Padding: p.Padding, CeilMode: p.CeilMode, ExcludePad: p.ExcludePad})
				fxRun(t, c, pool, func(x map[string]*autograd.Value, _, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{pool.Forward(x["x"])}
				})
			case "pool_time":
				var p struct {
					Mode      string
					TimeFirst bool `json:"time_first"`
				}
				c.params(t, &p)
				pool := MaxPoolTime
				if p.Mode == "mean" {
					pool = MeanPoolTime
				}
				fxRun(t, c, nil, func(x map[string]*autograd.Value, ints, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{pool(x["x"], ints["lengths"], p.TimeFirst)}
				})
			case "embedding_bag":
				var p struct {
					Num, Dim          int
					Mode              string
					PaddingIdx        *int                `json:"padding_idx"`
					IncludeLastOffset bool                `json:"include_last_offset"`
					MaxNorm           float64             `json:"max_norm"`
					StateBefore       map[string]fxTensor `json:"state_before"`
				}
				c.params(t, &p)
				mode := map[string]BagMode{"sum": BagSum, "mean": BagMean, "max": BagMax}[p.Mode]
				require.Equal(t, p.Mode, mode.String())
				bag := NewEmbeddingBag(p.Num, p.Dim, EmbeddingBagOptions{Mode: mode, PaddingIdx: p.PaddingIdx, IncludeLastOffset: p.IncludeLastOffset, MaxNorm: p.MaxNorm, Init: in})
				after := c.State
				if p.StateBefore != nil {
					c.State = p.StateBefore
				}
				fxRun(t, c, bag, func(x map[string]*autograd.Value, ints, _ map[string]*tensor.Tensor) []*autograd.Value {
					return []*autograd.Value{bag.ForwardBags(autograd.Const(ints["ids"]), ints["offsets"], x["psw"])}
				})
				rtol, atol := fxTolerances(c.DType)
				fxCompare(t, "table after the forward pass", bag.Weight.Data(), after["weight"], rtol, atol)
			default:
				t.Fatalf("unknown layer %q", c.Layer)
			}
		})
	}
}
