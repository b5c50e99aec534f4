package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/text"
	"github.com/godl/godl/text/newsgroups"
)

func bagFeaturizer(t *testing.T) *Featurizer {
	t.Helper()
	v := text.BuildVocab(tokenizer, []string{"apple apple banana", "apple cherry"}, text.VocabOptions{MaxSize: 4})
	require.Equal(t, 4, v.Len()) // <pad>, <unk>, apple, and one of banana and cherry
	return &Featurizer{Vocab: v, MaxLen: 100, Bigrams: true, Buckets: 50}
}

// A post's distinct ids in increasing order, each with 1 + ln(count).
func TestEncodeBag(t *testing.T) {
	f := bagFeaturizer(t)
	apple := f.Vocab.ID("apple")
	raw := f.Encode("apple apple apple durian apple")
	// five words (durian hashed) and four bigrams, of which "apple apple" twice
	require.Len(t, raw, 9)
	ids, tf := f.EncodeBag("apple apple apple durian apple")
	require.Len(t, tf, len(ids))
	assert.IsIncreasing(t, ids)
	count := map[int32]int{}
	for _, id := range raw {
		count[int32(id)]++
	}
	require.Len(t, ids, len(count))
	for i, id := range ids {
		assert.InDelta(t, 1+math.Log(float64(count[id])), float64(tf[i]), 1e-6, "id %d", id)
	}
	assert.Equal(t, 4, count[int32(apple)])
	// An empty post is one <unk>.
	ids, tf = f.EncodeBag("!!")
	assert.Equal(t, []int32{text.UnkID}, ids)
	assert.Equal(t, []float32{1}, tf)
}

// IDF is scikit-learn's smoothed ln((1+n)/(1+df)) + 1.
func TestIDF(t *testing.T) {
	f := bagFeaturizer(t)
	e := Encoded{IDs: [][]int32{{2, 3}, {2}, {2, 5}}}
	idf := f.IDF(e)
	require.Len(t, idf, f.IDsSize())
	want := func(df float64) float32 { return float32(math.Log(4/(1+df)) + 1) }
	assert.InDelta(t, want(3), idf[2], 1e-6)
	assert.InDelta(t, want(1), idf[3], 1e-6)
	assert.InDelta(t, want(1), idf[5], 1e-6)
	assert.InDelta(t, want(0), idf[4], 1e-6)
}

// The bag model's logits are Linear of the sum of the embeddings weighted by tf·idf with unit
// norm per post, computed here by hand in float64; word dropout changes training only.
func TestBagForwardIsTFIDF(t *testing.T) {
	cfg := small(t.TempDir())
	cfg.Model, cfg.Embed, cfg.Dropout = ModelBag, 8, 0
	c := mustSample(t)
	r, err := newRunWith(cfg, c, "sample", newFeaturizer(cfg, newsgroups.Texts(c.Train)))
	require.NoError(t, err)
	m := r.Model.(*BagClassifier)
	idf := m.IDF.Data().Float32s()
	assert.Equal(t, r.Feat.IDF(r.TrainSet), idf, "the buffer holds the training set's IDF")
	emb := m.Bag.Weight.Data().Float64s()
	fw, fb := m.FC.Weight.Data().Float64s(), m.FC.Bias.Data().Float64s()
	posts := []int{0, 7, 3}
	got := m.Forward(makeBatch(r.TestSet, posts, true, r.Dev), false).Data().Float64s()
	classes := len(r.Categories)
	require.Len(t, got, len(posts)*classes)
	for k, i := range posts {
		ids, tf := r.TestSet.IDs[i], r.TestSet.TF[i]
		w := make([]float64, len(ids))
		var ss float64
		for j, id := range ids {
			w[j] = float64(tf[j]) * float64(idf[id])
			ss += w[j] * w[j]
		}
		v := make([]float64, cfg.Embed)
		for j, id := range ids {
			for d := range v {
				v[d] += w[j] / math.Sqrt(ss) * emb[int(id)*cfg.Embed+d]
			}
		}
		for o := range classes {
			want := fb[o]
			for d := range v {
				want += fw[o*cfg.Embed+d] * v[d]
			}
			assert.InDelta(t, want, got[k*classes+o], 1e-5, "post %d class %d", i, o)
		}
	}
	// Training mode without word dropout gives the same logits; with it, others.
	b := makeBatch(r.TestSet, posts, true, r.Dev)
	assert.InDeltaSlice(t, got, m.Forward(b, true).Data().Float64s(), 1e-6)
	m.WordDropout = 0.5
	assert.NotEqual(t, got, m.Forward(b, true).Data().Float64s())
	assert.InDeltaSlice(t, got, m.Forward(b, false).Data().Float64s(), 1e-6, "inference keeps every id")
}
