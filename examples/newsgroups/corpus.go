package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/godl/godl/text"
	"github.com/godl/godl/text/newsgroups"
)

// sampleArchive is a stratified sample of the corpus in the official archive's layout: 100
// training and 40 test posts of every category, made by internal/mksample.
//
//go:embed sample.tar.gz
var sampleArchive []byte

// downloadURL is where the corpus is downloaded from; "" means newsgroups.ArchiveURL. Tests
// point it at a server of their own.
var downloadURL string

// SampleData is the value of -data that names the embedded sample.
const SampleData = "sample"

// loadCorpus returns the corpus cfg names, with the parts -remove removes, and says where it
// came from. With no -data it reads the user's cache, downloading the archive once; when
// neither works it writes one line to warn and returns the embedded sample.
func loadCorpus(ctx context.Context, cfg Config, warn io.Writer) (*newsgroups.Corpus, string, error) {
	var rm newsgroups.Remove
	if cfg.Remove {
		rm = newsgroups.All
	}
	switch cfg.Data {
	case SampleData:
		c, err := sampleCorpus(rm)
		return c, "the embedded sample", err
	case "":
		c, err := newsgroups.Load(ctx, newsgroups.Options{Remove: rm, URL: downloadURL})
		if err == nil {
			p, _ := newsgroups.CachePath(newsgroups.Options{})
			return c, p, nil
		}
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		p, perr := newsgroups.CachePath(newsgroups.Options{})
		if perr != nil {
			p = newsgroups.ArchiveName + " in your cache folder"
		}
		fmt.Fprintf(warn, "newsgroups: no corpus in the cache and no download (%v): put %s at %s or name it with -data; training on the embedded sample (2,800 posts) meanwhile\n", shortErr(err), newsgroups.ArchiveName, p)
		c, err = sampleCorpus(rm)
		return c, "the embedded sample", err
	default:
		c, err := newsgroups.Load(ctx, newsgroups.Options{Path: cfg.Data, Remove: rm})
		return c, cfg.Data, err
	}
}

// shortErr keeps the first line of an error, for a one-line message.
func shortErr(err error) string {
	s := err.Error()
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func sampleCorpus(rm newsgroups.Remove) (*newsgroups.Corpus, error) {
	c, err := newsgroups.ReadArchive(bytes.NewReader(sampleArchive))
	if err != nil {
		return nil, fmt.Errorf("newsgroups: the embedded sample: %w", err)
	}
	if rm != 0 {
		for _, docs := range [][]newsgroups.Document{c.Train, c.Test} {
			for i := range docs {
				docs[i].Text = rm.Apply(docs[i].Text)
			}
		}
	}
	return c, nil
}

// Encoded is a split of the corpus as ids.
type Encoded struct {
	IDs    [][]int32 // one row per post; never empty (int32: half the memory of int64 ids)
	Labels []int64
	// TF holds, for the bag model, the sublinear term frequency 1 + ln(count) of each id of
	// IDs (whose ids are then each post's distinct ones, in increasing order); nil otherwise.
	TF [][]float32
}

// Tokens returns the number of ids.
func (e Encoded) Tokens() int {
	n := 0
	for _, r := range e.IDs {
		n += len(r)
	}
	return n
}

// Lens returns the length of every row.
func (e Encoded) Lens() []int {
	l := make([]int, len(e.IDs))
	for i, r := range e.IDs {
		l[i] = len(r)
	}
	return l
}

// Featurizer turns posts into the ids a model reads: the first MaxLen tokens looked up in the
// vocabulary (CountVectorizer's tokenizer). For the bag model, the tokens outside the
// vocabulary and the bigrams are hashed into Buckets ids after the vocabulary's.
type Featurizer struct {
	Vocab   *text.Vocab
	MaxLen  int
	Bigrams bool
	Buckets int
}

// newFeaturizer builds the vocabulary of the training texts: the cfg.Vocab most frequent
// tokens.
func newFeaturizer(cfg Config, train []string) *Featurizer {
	v := text.BuildVocab(tokenizer, train, text.VocabOptions{MaxSize: cfg.Vocab + 2})
	return featurizerFor(cfg, v)
}

func featurizerFor(cfg Config, v *text.Vocab) *Featurizer {
	return &Featurizer{Vocab: v, MaxLen: cfg.MaxLen, Bigrams: cfg.Model == ModelBag, Buckets: cfg.Buckets}
}

// EncodeBag returns the distinct ids of one post for the bag model, in increasing order, with
// the sublinear term frequency 1 + ln(count) of each.
func (f *Featurizer) EncodeBag(s string) ([]int32, []float32) {
	ids := narrow(f.Encode(s))
	slices.Sort(ids)
	var tf []float32
	out := ids[:0]
	for i := 0; i < len(ids); {
		j := i + 1
		for j < len(ids) && ids[j] == ids[i] {
			j++
		}
		out = append(out, ids[i])
		tf = append(tf, float32(1+math.Log(float64(j-i))))
		i = j
	}
	return out, tf
}

// IDF returns the smoothed inverse document frequency ln((1+n)/(1+df)) + 1 of every id over
// the n posts of e (encoded by EncodeBag), as scikit-learn's TfidfVectorizer computes it.
func (f *Featurizer) IDF(e Encoded) []float32 {
	df := make([]int, f.IDsSize())
	for _, r := range e.IDs {
		for _, id := range r {
			df[id]++
		}
	}
	n := float64(len(e.IDs))
	idf := make([]float32, len(df))
	for i, d := range df {
		idf[i] = float32(math.Log((1+n)/(1+float64(d))) + 1)
	}
	return idf
}

// Encode returns the ids of one post. A post with no token gives one <unk>, so that every
// sequence has a length of at least one (as pack_padded_sequence requires).
func (f *Featurizer) Encode(s string) []int64 {
	toks := tokenizer.Tokenize(s)
	if f.MaxLen > 0 && len(toks) > f.MaxLen {
		toks = toks[:f.MaxLen]
	}
	var ids []int64
	if f.Bigrams {
		// fastText keeps every word: the ones outside the vocabulary are hashed with the bigrams.
		h := text.Hasher{Buckets: f.Buckets, Offset: int64(f.Vocab.Len())}
		ids = make([]int64, len(toks), 2*len(toks))
		for i, t := range toks {
			if ids[i] = f.Vocab.ID(t); ids[i] == text.UnkID {
				ids[i] = h.ID(t)
			}
		}
		if len(toks) > 1 {
			ids = append(ids, h.IDs(text.NGrams(toks, 2, 2, " "))...)
		}
	} else {
		ids = f.Vocab.Encode(toks)
	}
	if len(ids) == 0 {
		ids = []int64{text.UnkID}
	}
	return ids
}

// EncodeAll encodes the documents.
func (f *Featurizer) EncodeAll(docs []newsgroups.Document) Encoded {
	e := Encoded{IDs: make([][]int32, len(docs)), Labels: newsgroups.Labels(docs)}
	if f.Bigrams {
		e.TF = make([][]float32, len(docs))
		parallelFor(len(docs), func(i int) { e.IDs[i], e.TF[i] = f.EncodeBag(docs[i].Text) })
		return e
	}
	parallelFor(len(docs), func(i int) { e.IDs[i] = narrow(f.Encode(docs[i].Text)) })
	return e
}

// narrow returns ids as int32: Config.check keeps every id below 2³¹.
func narrow(ids []int64) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
	}
	return out
}

// widen returns ids as the int64 that tensors of ids hold.
func widen(ids []int32) []int64 {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out
}

// IDsSize is the number of ids the model's embedding needs.
func (f *Featurizer) IDsSize() int {
	if f.Bigrams {
		return f.Vocab.Len() + f.Buckets
	}
	return f.Vocab.Len()
}

func saveVocab(dir string, v *text.Vocab) error {
	path := filepath.Join(dir, vocabFile)
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := v.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("newsgroups: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func loadVocab(dir string) (*text.Vocab, error) {
	path := filepath.Join(dir, vocabFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("newsgroups: %w", err)
	}
	defer f.Close()
	v, err := text.ReadVocab(f)
	if err != nil {
		return nil, fmt.Errorf("newsgroups: %s: %w", path, err)
	}
	return v, nil
}

// tokenizer cuts posts as scikit-learn's CountVectorizer does by default.
var tokenizer = &text.Word{}

// parallelFor calls f(i) for every i in [0, n) on GOMAXPROCS goroutines.
func parallelFor(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				f(i)
			}
		})
	}
	wg.Wait()
}
