package nn

import (
	"sync"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newBag returns a bag over the table rows [i, 10·i] for i = 0..4.
func newBag(mode BagMode, pad *int, last bool) *EmbeddingBag {
	b := NewEmbeddingBag(5, 2, EmbeddingBagOptions{Mode: mode, PaddingIdx: pad, IncludeLastOffset: last, Init: Init{DType: tensor.Float64}})
	b.Weight.Data().CopyFrom(tensor.From([]float64{0, 0, 1, 10, 2, 20, 3, 30, 4, 40}, 5, 2))
	return b
}

func TestEmbeddingBagByHand(t *testing.T) {
	ids := autograd.Const(tensor.From([]int64{1, 2, 4, 3, 1, 2}))
	offsets := tensor.From([]int64{0, 2, 2, 5}) // bags [1 2], [], [4 3 1], [2]
	one := 1
	for _, c := range []struct {
		mode BagMode
		pad  *int
		want []float64
	}{
		{BagSum, nil, []float64{3, 30, 0, 0, 8, 80, 2, 20}},
		{BagMean, nil, []float64{1.5, 15, 0, 0, 8.0 / 3, 80.0 / 3, 2, 20}},
		{BagMax, nil, []float64{2, 20, 0, 0, 4, 40, 2, 20}},
		// Id 1 is padding: left out of the sums, the counts and the maxima.
		{BagSum, &one, []float64{2, 20, 0, 0, 7, 70, 2, 20}},
		{BagMean, &one, []float64{2, 20, 0, 0, 3.5, 35, 2, 20}},
		{BagMax, &one, []float64{2, 20, 0, 0, 4, 40, 2, 20}},
	} {
		b := newBag(c.mode, c.pad, false)
		assert.Equal(t, c.want, b.ForwardBags(ids, offsets, nil).Data().Float64s(), "%s pad %v", c.mode, c.pad)
	}
	// With the last offset included, ids past it belong to no bag.
	b := newBag(BagSum, nil, true)
	assert.Equal(t, []float64{3, 30, 7, 70}, b.ForwardBags(ids, tensor.From([]int64{0, 2, 4}), nil).Data().Float64s())
	// Per-sample weights scale the rows; their gradient is the rows' sum against the output's.
	psw := autograd.Param(tensor.From([]float64{1, -1, 0.5, 2, 0, 3}))
	y := newBag(BagSum, &one, false).ForwardBags(ids, offsets, psw)
	assert.Equal(t, []float64{-2, -20, 0, 0, 8, 80, 6, 60}, y.Data().Float64s())
	y.Sum().Backward()
	assert.Equal(t, []float64{0, 22, 44, 33, 0, 22}, psw.Grad().Float64s(), "the padding id gets no gradient")
	// 2-D ids are bags of equal size; a row of padding only is an empty bag.
	ids2 := autograd.Const(tensor.From([]int64{1, 3, 1, 1}, 2, 2))
	assert.Equal(t, []float64{2, 20, 0, 0}, newBag(BagMean, nil, false).Forward(autograd.Const(tensor.From([]int64{1, 3, 0, 0}, 2, 2))).Data().Float64s())
	assert.Equal(t, []float64{3, 30, 0, 0}, newBag(BagMax, &one, false).Forward(ids2).Data().Float64s())
	// All bags empty.
	assert.Equal(t, []float64{0, 0, 0, 0}, newBag(BagMax, nil, false).ForwardBags(autograd.Const(tensor.From([]int64{})), tensor.From([]int64{0, 0}), nil).Data().Float64s())
	assert.Equal(t, "mean", BagMean.String())
	assert.Equal(t, "BagMode(7)", BagMode(7).String())
	assert.Equal(t, []string{"weight"}, StateDictKeys(b))
}

func TestEmbeddingBagInit(t *testing.T) {
	pad := -1
	b := NewEmbeddingBag(50, 8, EmbeddingBagOptions{PaddingIdx: &pad, Init: Init{RNG: tensor.NewRNG(2)}})
	assert.Equal(t, 49, b.PaddingIdx, "a negative padding index counts from the end")
	assert.Equal(t, 0.0, b.Weight.Data().Narrow(0, 49, 1).Abs().Sum().Item())
	assert.InDelta(t, 1, b.Weight.Data().Narrow(0, 0, 49).Var().Item(), 0.25, "N(0, 1)")
	assert.Equal(t, BagMean, b.Mode, "PyTorch's default")
}

func TestEmbeddingBagErrors(t *testing.T) {
	b := newBag(BagMean, nil, false)
	ids := autograd.Const(tensor.From([]int64{1, 2, 3}))
	for msg, f := range map[string]func(){
		"nn.NewEmbeddingBag: unknown mode 3":                       func() { NewEmbeddingBag(3, 2, EmbeddingBagOptions{Mode: 3}) },
		"nn.NewEmbedding: padding index 3 out of range for 3 rows": func() { NewEmbeddingBag(3, 2, EmbeddingBagOptions{PaddingIdx: new(3)}) },
		"nn.EmbeddingBag: ids must be int64, got float32 of shape [2]": func() {
			b.Forward(autograd.Const(tensor.Zeros(tensor.Shape{2})))
		},
		"nn.EmbeddingBag: ids of shape [3] without offsets: want [B, L], one bag per row": func() { b.Forward(ids) },
		"nn.EmbeddingBag: ids of shape [1 3] with offsets: want 1-D ids": func() {
			b.ForwardBags(autograd.Const(tensor.From([]int64{1, 2, 3}, 1, 3)), tensor.From([]int64{0}), nil)
		},
		"nn.EmbeddingBag: offsets must start at 0, got 1": func() { b.ForwardBags(ids, tensor.From([]int64{1, 2}), nil) },
		"nn.EmbeddingBag: offsets must be non-decreasing and at most the 3 ids, got 1 after 2": func() {
			b.ForwardBags(ids, tensor.From([]int64{0, 2, 1}), nil)
		},
		"nn.EmbeddingBag: offsets must be non-decreasing and at most the 3 ids, got 4 after 0": func() {
			b.ForwardBags(ids, tensor.From([]int64{0, 4}), nil)
		},
		"nn.EmbeddingBag: offsets must be 1-D int64, got float32 of shape [1]": func() {
			b.ForwardBags(ids, tensor.Zeros(tensor.Shape{1}), nil)
		},
		"nn.EmbeddingBag: 1 offsets make no bag": func() {
			newBag(BagSum, nil, true).ForwardBags(ids, tensor.From([]int64{0}), nil)
		},
		"nn.EmbeddingBag: per-sample weights need mode sum, not mean": func() {
			b.ForwardBags(ids, tensor.From([]int64{0}), autograd.Const(tensor.Zeros(tensor.Shape{3}, tensor.Float64)))
		},
		"nn.EmbeddingBag: per-sample weights float64 [2] for ids of shape [3]: want the ids' shape in float64": func() {
			newBag(BagSum, nil, false).ForwardBags(ids, tensor.From([]int64{0}), autograd.Const(tensor.Zeros(tensor.Shape{2}, tensor.Float64)))
		},
		"nn.EmbeddingBag: nil ids": func() { b.Forward(nil) },
	} {
		assertPanicsWith(t, msg, f)
	}
}

// TestEmbeddingBagServesConcurrently looks up bags from several goroutines at once, with
// inputs in no-grad mode: every result equals the serial one, and nothing is recorded.
func TestEmbeddingBagServesConcurrently(t *testing.T) {
	b := NewEmbeddingBag(20, 4, EmbeddingBagOptions{Mode: BagMax, PaddingIdx: new(0), Init: Init{RNG: tensor.NewRNG(1)}})
	ids := tensor.NewRNG(2).Integers(tensor.Shape{30}, 0, 20)
	offsets := tensor.From([]int64{0, 4, 4, 11, 20, 29})
	run := func() []float32 {
		y := b.ForwardBags(autograd.Const(ids).NoGrad(), offsets, nil)
		if !y.IsNoGrad() || y.RequiresGrad() {
			panic("inference recorded a graph")
		}
		return y.Data().Float32s()
	}
	want := run()
	var wg sync.WaitGroup
	got := make([][]float32, 4)
	for g := range got {
		wg.Go(func() {
			for range 10 {
				got[g] = run()
			}
		})
	}
	wg.Wait()
	for g := range got {
		require.Equal(t, want, got[g], "goroutine %d", g)
	}
	assertRecordsNothing(t, b, func() { run() }) // (counted only without the race detector)
}

func TestEmbeddingBagGradChecks(t *testing.T) {
	ids1 := tensor.From([]int64{1, 3, 0, 3, 2, 0, 4, 4})
	offsets := tensor.From([]int64{0, 3, 3, 6})
	ids2 := tensor.From([]int64{1, 3, 0, 2, 0, 0}, 2, 3)
	pad := 0
	for _, mode := range []BagMode{BagSum, BagMean, BagMax} {
		for _, p := range []*int{nil, &pad} {
			b := NewEmbeddingBag(5, 3, EmbeddingBagOptions{Mode: mode, PaddingIdx: p, Init: Init{DType: tensor.Float64, RNG: tensor.NewRNG(2)}})
			Normal(b.Weight, 0, 1, tensor.NewRNG(3)) // the padding row too: it must not count
			gradCheckModule(t, "bag/"+mode.String()+"/offsets", b, nil, func([]*autograd.Value) *autograd.Value {
				return b.ForwardBags(autograd.Const(ids1), offsets, nil)
			})
			gradCheckModule(t, "bag/"+mode.String()+"/2d", b, nil, func([]*autograd.Value) *autograd.Value {
				return b.Forward(autograd.Const(ids2))
			})
			if mode == BagSum {
				gradCheckModule(t, "bag/sum/weights", b, []*tensor.Tensor{randT(4, 8)}, func(xs []*autograd.Value) *autograd.Value {
					return b.ForwardBags(autograd.Const(ids1), offsets, xs[0])
				})
			}
		}
	}
}
