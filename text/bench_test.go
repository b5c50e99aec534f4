package text_test

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/godl/godl/text"
	"github.com/godl/godl/text/newsgroups"
	"github.com/stretchr/testify/require"
)

var (
	trainOnce  sync.Once
	trainTexts []string
	trainErr   error
)

// newsgroupsTrain returns the texts of the 20 Newsgroups training split from the shared
// copy ($GODL_SHARED_DATA or ../shared/data beside the repository root), or skips.
func newsgroupsTrain(b *testing.B) []string {
	dir := os.Getenv("GODL_SHARED_DATA")
	if dir == "" {
		wd, err := os.Getwd()
		require.NoError(b, err)
		dir = filepath.Join(wd, "..", "..", "shared", "data")
	}
	path := filepath.Join(dir, "20news-bydate")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("data file %s not found (set GODL_SHARED_DATA to the folder that holds it)", path)
	}
	trainOnce.Do(func() {
		var c *newsgroups.Corpus
		c, trainErr = newsgroups.Read(path)
		if trainErr == nil {
			trainTexts = newsgroups.Texts(c.Train)
		}
	})
	require.NoError(b, trainErr)
	return trainTexts
}

// BenchmarkNewsgroups times the text pipeline on the 20 Newsgroups training split (11,314
// posts, about 22 MB): tokenizing alone on one goroutine (the hand-written scanner and, as
// the naive baseline, the same rule as an RE2 regular expression), counting, encoding with
// a built vocabulary, and building the vocabulary and encoding with one tokenizing pass
// (Encoder.FitEncodeAll, "fit-transform", what scikit-learn's CountVectorizer.fit_transform
// does). The last three run on GOMAXPROCS
// goroutines; "-1core" runs them on one.
func BenchmarkNewsgroups(b *testing.B) {
	texts := newsgroupsTrain(b)
	size := 0
	for _, s := range texts {
		size += len(s)
	}
	// report adds the throughput and the process's CPU time per operation since start (the
	// development machines are shared: CPU time is steadier than wall time there).
	report := func(b *testing.B, start time.Duration) {
		b.SetBytes(int64(size))
		b.ReportMetric(float64(len(texts))*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		b.ReportMetric((cpuTime()-start).Seconds()/float64(b.N), "cpu-s/op")
	}
	word := &text.Word{}
	b.Run("tokenize", func(b *testing.B) {
		var buf []string
		start := cpuTime()
		for b.Loop() {
			for _, s := range texts {
				buf = word.AppendTokens(buf[:0], s)
			}
		}
		report(b, start)
	})
	b.Run("tokenize-regexp", func(b *testing.B) {
		re := text.NewWord(text.WordOptions{Pattern: `[\p{L}\p{N}_][\p{L}\p{N}_]+`})
		var buf []string
		start := cpuTime()
		for b.Loop() {
			for _, s := range texts {
				buf = re.AppendTokens(buf[:0], s)
			}
		}
		report(b, start)
	})
	vocab := text.BuildVocab(word, texts, text.VocabOptions{})
	for _, procs := range []int{runtime.GOMAXPROCS(0), 1} {
		suffix := ""
		if procs == 1 {
			suffix = "-1core"
		}
		b.Run("count"+suffix, func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			start := cpuTime()
			for b.Loop() {
				text.CountAll(word, texts)
			}
			report(b, start)
		})
		b.Run("encode"+suffix, func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			e := &text.Encoder{Tokenizer: word, Vocab: vocab}
			start := cpuTime()
			for b.Loop() {
				e.EncodeAll(texts)
			}
			report(b, start)
		})
		b.Run("fit-transform"+suffix, func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			start := cpuTime()
			for b.Loop() {
				(&text.Encoder{Tokenizer: word}).FitEncodeAll(texts, text.VocabOptions{})
			}
			report(b, start)
		})
	}
}
