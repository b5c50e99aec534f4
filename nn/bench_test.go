package nn

import (
	"fmt"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/optim"
	"github.com/godl/godl/tensor"
)

// The flagship model of examples/newsgroups: Embedding(20000, 100) → LSTM(hidden 128, 2
// layers, dropout 0.5, batch first) → the last layer's final hidden state → Linear(128, 20),
// cross-entropy, batch 64 of 200 tokens. bench/pytorch_nn.py times the same workloads.
//
//	go test ./nn -run '^$' -bench 'Flagship|LSTMForward' -benchtime 5x
//
// -device picks the device they run on (cpu, or cuda in a build with -tags cuda); every
// iteration then ends with tensor.SyncDevice, so that a GPU's time counts, not only the
// launches'.

const (
	flagVocab, flagEmbed, flagHidden, flagClasses = 20000, 100, 128, 20
	flagBatch, flagLen                            = 64, 200
)

type flagship struct {
	Emb  *Embedding
	LSTM *LSTM
	FC   *Linear
}

func newFlagship(seed uint64) *flagship {
	in := Init{RNG: tensor.NewRNG(seed)}
	return &flagship{
		Emb:  NewEmbedding(flagVocab, flagEmbed, EmbeddingOptions{Init: in}),
		LSTM: NewLSTM(flagEmbed, flagHidden, RNNOptions{Layers: 2, Dropout: 0.5, BatchFirst: true, DropoutRNG: tensor.NewRNG(seed + 1), Init: in}),
		FC:   NewLinear(flagHidden, flagClasses, LinearOptions{Init: in}),
	}
}

func (m *flagship) Members() []Member {
	return []Member{Child("embedding", m.Emb), Child("lstm", m.LSTM), Child("fc", m.FC)}
}

// Forward returns the logits [B, classes] for ids [B, T].
func (m *flagship) Forward(ids *autograd.Value) *autograd.Value {
	_, h, _ := m.LSTM.Forward(m.Emb.Forward(ids), nil, nil, nil)
	return m.FC.Forward(h.Select(0, -1))
}

func flagBatchData(seed uint64) (*tensor.Tensor, *tensor.Tensor) {
	r := tensor.NewRNG(seed)
	return r.Integers(tensor.Shape{flagBatch, flagLen}, 0, flagVocab), r.Integers(tensor.Shape{flagBatch}, 0, flagClasses)
}

func withThreads(b *testing.B, f func(b *testing.B)) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			prev := tensor.SetNumThreads(threads)
			defer tensor.SetNumThreads(prev)
			f(b)
		})
	}
}

func tokensPerSecond(b *testing.B) {
	b.ReportMetric(float64(flagBatch*flagLen*b.N)/b.Elapsed().Seconds(), "tokens/s")
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/step")
}

// BenchmarkFlagshipStep times one training step: forward, cross-entropy, backward, Adam
// (lr 1e-3) update.
func BenchmarkFlagshipStep(b *testing.B) {
	withThreads(b, func(b *testing.B) {
		dev := benchDev(b)
		m := To(newFlagship(1), dev)
		opt := optim.NewAdam(Parameters(m), optim.AdamDefaults())
		ids, y := flagBatchData(2)
		x, y := autograd.Const(ids.To(dev)), y.To(dev)
		b.ReportAllocs()
		for b.Loop() {
			opt.ZeroGrad(true)
			loss := autograd.CrossEntropy(m.Forward(x), y)
			loss.Backward()
			opt.Step()
			tensor.SyncDevice(dev)
		}
		tokensPerSecond(b)
	})
}

// BenchmarkFlagshipInference times the same model's forward pass in evaluation mode with
// its input in no-grad mode.
func BenchmarkFlagshipInference(b *testing.B) {
	withThreads(b, func(b *testing.B) {
		dev := benchDev(b)
		m := Eval(To(newFlagship(1), dev))
		ids, _ := flagBatchData(2)
		x := autograd.Const(ids.To(dev)).NoGrad()
		b.ReportAllocs()
		for b.Loop() {
			m.Forward(x).Data().Release()
			tensor.SyncDevice(dev)
		}
		tokensPerSecond(b)
	})
}

// BenchmarkLSTMForward times the two-layer LSTM's forward pass alone, recording for backward
// as in training.
func BenchmarkLSTMForward(b *testing.B) {
	withThreads(b, func(b *testing.B) {
		dev := benchDev(b)
		m := To(newFlagship(1).LSTM, dev)
		x := autograd.Const(tensor.NewRNG(3).Normal(tensor.Shape{flagBatch, flagLen, flagEmbed}, 0, 1, tensor.On(dev)))
		b.ReportAllocs()
		for b.Loop() {
			out, _, _ := m.Forward(x, nil, nil, nil)
			_ = out
			tensor.SyncDevice(dev)
		}
		tokensPerSecond(b)
	})
}

// The attention workload: MultiheadAttention(embed 128, 4 heads, batch first) on a batch of
// 32 sequences of 128 positions, self-attention.
const attnEmbed, attnHeads, attnBatch, attnLen = 128, 4, 32, 128

// BenchmarkMultiheadAttention times self-attention's forward pass alone (recording for
// backward, as in training) and forward plus backward.
func BenchmarkMultiheadAttention(b *testing.B) {
	for _, backward := range []bool{false, true} {
		name := "forward"
		if backward {
			name = "forward+backward"
		}
		b.Run(name, func(b *testing.B) {
			withThreads(b, func(b *testing.B) {
				dev := benchDev(b)
				m := To(NewMultiheadAttention(attnEmbed, attnHeads, MultiheadAttentionOptions{BatchFirst: true, Init: Init{RNG: tensor.NewRNG(1)}}), dev)
				x := autograd.Param(tensor.NewRNG(3).Normal(tensor.Shape{attnBatch, attnLen, attnEmbed}, 0, 1, tensor.On(dev)))
				b.ReportAllocs()
				for b.Loop() {
					out, _ := m.Forward(x, x, x, AttentionOptions{Weights: WeightsNone})
					if backward {
						out.Sum().Backward()
						ZeroGrad(m)
						x.ZeroGrad()
					}
					tensor.SyncDevice(dev)
				}
				b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
			})
		})
	}
}
