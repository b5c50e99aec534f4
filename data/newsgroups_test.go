package data_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/godl/godl/data"
	"github.com/godl/godl/text"
	"github.com/godl/godl/text/newsgroups"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sharedCorpus returns the token lengths of the 20 Newsgroups training posts of the shared
// copy ($GODL_SHARED_DATA or ../shared/data beside the repository root), tokenized as
// CountVectorizer does, or skips when the copy is missing.
var (
	lengthsOnce sync.Once
	trainIDs    [][]int64
	trainLabels []int64
	lengthsErr  error
)

func sharedTrain(tb testing.TB) ([][]int64, []int64) {
	tb.Helper()
	dir := os.Getenv("GODL_SHARED_DATA")
	if dir == "" {
		wd, err := os.Getwd()
		require.NoError(tb, err)
		dir = filepath.Join(wd, "..", "..", "shared", "data") // data/ is one level below go.mod
	}
	path := filepath.Join(dir, "20news-bydate")
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("data file %s not found (set GODL_SHARED_DATA to the folder that holds it)", path)
	}
	lengthsOnce.Do(func() {
		c, err := newsgroups.Load(context.Background(), newsgroups.Options{Path: path})
		if err != nil {
			lengthsErr = err
			return
		}
		texts := newsgroups.Texts(c.Train)
		_, trainIDs = (&text.Encoder{}).FitEncodeAll(texts, text.VocabOptions{MinFreq: 2})
		trainLabels = newsgroups.Labels(c.Train)
	})
	require.NoError(tb, lengthsErr)
	return trainIDs, trainLabels
}

func lengthsOf(ids [][]int64, maxLen int) []int {
	out := make([]int, len(ids))
	for i, s := range ids {
		out[i] = len(s)
		if maxLen > 0 {
			out[i] = min(out[i], maxLen)
		}
	}
	return out
}

// The padding the bucketing sampler leaves on the 20 Newsgroups training split, against
// plain shuffled batches: batches of 64, whole posts and posts cut to 200 tokens, pools of
// 50 batches (the default) and of the whole split. Whole posts have a long tail (the 64
// longest run from 3,700 to 13,000 tokens), which no sampler can pad away.
func TestNewsgroupsPadding(t *testing.T) {
	ids, _ := sharedTrain(t)
	require.Len(t, ids, 11314)
	cases := []struct {
		maxLen, pool int
		plainOver    float64
		bucketUnder  float64
	}{
		{0, 0, 0.85, 0.5},
		{0, 1000, 0.85, 0.15},
		{200, 0, 0.15, 0.03},
	}
	for _, c := range cases {
		lengths := lengthsOf(ids, c.maxLen)
		plain := data.PadFraction(data.BatchSampler{Size: 64, Shuffle: true, Seed: 1}.Batches(len(ids), 0), lengths)
		bucket := data.PadFraction(data.BucketSampler{Lengths: lengths, Size: 64, Pool: c.pool, Seed: 1}.Batches(len(ids), 0), lengths)
		t.Logf("max length %d, pool %d: padding %.1f%% shuffled, %.1f%% bucketed", c.maxLen, c.pool, 100*plain, 100*bucket)
		assert.Greater(t, plain, c.plainOver, "%+v", c)
		assert.Less(t, bucket, c.bucketUnder, "%+v", c)
	}
}

// The loader over the real corpus: every post once per epoch, in bucketed batches.
func TestNewsgroupsLoader(t *testing.T) {
	ids, labels := sharedTrain(t)
	ds := make(data.Slice[data.Example], len(ids))
	for i := range ids {
		ds[i] = data.Example{IDs: ids[i], Label: labels[i]}
	}
	lengths := lengthsOf(ids, 0)
	l := data.NewLoader(ds, data.Collate, data.Options{
		Sampler: data.BucketSampler{Lengths: lengths, Size: 64, Seed: 5},
		Workers: 2,
	})
	n, slots, real := 0, 0, 0
	for b, err := range l.Epoch(context.Background(), 3) {
		require.NoError(t, err)
		shape := b.IDs.Shape()
		n += shape[0]
		slots += shape[0] * shape[1]
		for _, k := range b.Lengths.Int64s() {
			real += int(k)
		}
	}
	assert.Equal(t, len(ids), n)
	assert.InDelta(t, data.PadFraction(l.Batches(3), lengths), 1-float64(real)/float64(slots), 1e-12)
}

// BenchmarkNewsgroupsPadding reports the padding fraction (%pad) of batches of 64 on the 20
// Newsgroups training split, shuffled plainly and bucketed (pools of 50 batches and of the
// whole split), for whole posts and for posts cut to 200 tokens, and the time to draw one
// epoch's batches and measure them.
func BenchmarkNewsgroupsPadding(b *testing.B) {
	ids, _ := sharedTrain(b)
	for _, maxLen := range []int{0, 200} {
		lengths := lengthsOf(ids, maxLen)
		name := "whole"
		if maxLen > 0 {
			name = "max200"
		}
		samplers := []struct {
			name string
			s    data.Sampler
		}{
			{"shuffled", data.BatchSampler{Size: 64, Shuffle: true, Seed: 1}},
			{"bucketed", data.BucketSampler{Lengths: lengths, Size: 64, Seed: 1}},
			{"bucketed-global", data.BucketSampler{Lengths: lengths, Size: 64, Pool: 1000, Seed: 1}},
		}
		for _, s := range samplers {
			b.Run(name+"/"+s.name, func(b *testing.B) {
				var pad float64
				for i := 0; b.Loop(); i++ {
					pad = data.PadFraction(s.s.Batches(len(ids), i), lengths)
				}
				b.ReportMetric(100*pad, "%pad")
			})
		}
	}
}
