package text

import (
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is testdata/sklearn.json, written by testdata/gen_fixtures.py with scikit-learn.
type fixture struct {
	Sklearn   string   `json:"sklearn"`
	StopWords []string `json:"stop_words"`
	Cases     []struct {
		Name      string              `json:"name"`
		Text      string              `json:"text"`
		Analyzers map[string][]string `json:"analyzers"`
	} `json:"cases"`
	Counts      map[string]int   `json:"counts"`
	HashBuckets int              `json:"hash_buckets"`
	Hashed      []map[string]int `json:"hashed"`
	Murmur      map[string]int32 `json:"murmur"`
}

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	b, err := os.ReadFile("testdata/sklearn.json")
	require.NoError(t, err)
	var f fixture
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Cases)
	return &f
}

// analyzers builds, by the fixture's names, the godl equivalents of the scikit-learn
// analyzers that gen_fixtures.py ran.
func analyzers() map[string]func(string) []string {
	word := func(o WordOptions) func(string) []string { return NewWord(o).Tokenize }
	def := NewWord(WordOptions{})
	return map[string]func(string) []string{
		"default":         def.Tokenize,
		"keepcase":        word(WordOptions{Preprocess: Preprocess{KeepCase: true}}),
		"stop":            word(WordOptions{StopWords: EnglishStopWords()}),
		"ngram13":         func(s string) []string { return NGrams(def.Tokenize(s), 1, 3, " ") },
		"ngram22":         func(s string) []string { return NGrams(def.Tokenize(s), 2, 2, " ") },
		"char24":          func(s string) []string { return NGrams(Chars{}.Tokenize(s), 2, 4, "") },
		"char11":          func(s string) []string { return NGrams(Chars{}.Tokenize(s), 1, 1, "") },
		"pattern":         word(WordOptions{Pattern: `[a-z]+(\d+)`}),
		"accents_unicode": word(WordOptions{Preprocess: Preprocess{Accents: AccentsUnicode}}),
		"accents_ascii":   word(WordOptions{Preprocess: Preprocess{Accents: AccentsASCII}}),
	}
}

func TestTokenizersMatchSklearn(t *testing.T) {
	f := loadFixture(t)
	an := analyzers()
	checked := 0
	for _, c := range f.Cases {
		for name, want := range c.Analyzers {
			fn, ok := an[name]
			require.True(t, ok, "analyzer %q has no godl twin", name)
			got := fn(c.Text)
			if len(want) == 0 {
				assert.Empty(t, got, "%s on %s", name, c.Name)
			} else {
				assert.Equal(t, want, got, "%s on %s", name, c.Name)
			}
			checked++
		}
	}
	assert.Greater(t, checked, 300)
}

func TestStopWordsAreSklearns(t *testing.T) {
	f := loadFixture(t)
	got := EnglishStopWords()
	assert.Len(t, got, 318)
	assert.Equal(t, f.StopWords, got)
	assert.Contains(t, got, "the")
	assert.NotContains(t, got, "godl")
	got[0] = "changed"
	assert.Equal(t, "a", EnglishStopWords()[0], "EnglishStopWords returns a copy")
}

// The counts over the sample are CountVectorizer's column sums: what a vocabulary is built
// from.
func TestCountsMatchSklearn(t *testing.T) {
	f := loadFixture(t)
	var texts []string
	for _, c := range f.Cases {
		texts = append(texts, c.Text)
	}
	got := CountAll(&Word{}, texts)
	assert.Equal(t, Counter(f.Counts), got)

	// The vocabulary orders them by count, then bytes.
	v := NewVocab(got, VocabOptions{})
	toks := v.Tokens()[2:]
	require.Len(t, toks, len(f.Counts))
	assert.True(t, sort.SliceIsSorted(toks, func(i, j int) bool {
		a, b := f.Counts[toks[i]], f.Counts[toks[j]]
		return a > b || a == b && toks[i] < toks[j]
	}))
}

func TestMurmur3MatchesSklearn(t *testing.T) {
	f := loadFixture(t)
	require.NotEmpty(t, f.Murmur)
	for s, want := range f.Murmur {
		assert.Equal(t, want, Murmur3(s), "%q", s)
	}
}

func TestHashingMatchesHashingVectorizer(t *testing.T) {
	f := loadFixture(t)
	require.Len(t, f.Hashed, len(f.Cases))
	h := Hasher{Buckets: f.HashBuckets}
	for i, c := range f.Cases {
		counts := map[string]int{}
		for _, id := range h.IDs(NGrams((&Word{}).Tokenize(c.Text), 1, 2, " ")) {
			counts[strconv.FormatInt(id, 10)]++
		}
		assert.Equal(t, f.Hashed[i], counts, c.Name)
	}
}
