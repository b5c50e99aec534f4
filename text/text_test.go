package text

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWordDefault(t *testing.T) {
	var w Word // the zero value works
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a b c", nil},
		{"Hello, World!", []string{"hello", "world"}},
		{"it's x2 2x __init__", []string{"it", "x2", "2x", "__init__"}},
		{"naïve CAFÉ", []string{"naïve", "café"}},
		{"ab\xffcd", []string{"ab", "cd"}},   // an invalid byte ends a word
		{"ab\u0301cd", []string{"ab", "cd"}}, // a combining mark is not a word character
		{"ΟΔΟΣ ΣΑ", []string{"οδος", "σα"}},  // final sigma only at the end of a word
	}
	for _, c := range cases {
		assert.Equal(t, c.want, w.Tokenize(c.in), "%q", c.in)
	}
}

func TestWordOptions(t *testing.T) {
	w := NewWord(WordOptions{Preprocess: Preprocess{KeepCase: true}, StopWords: []string{"The"}})
	assert.Equal(t, []string{"Cat", "in", "the", "Hat"}, w.Tokenize("The Cat in the Hat"))

	w = NewWord(WordOptions{Pattern: `(?u)\S+`})
	assert.Equal(t, []string{"a", "b-c", "d!"}, w.Tokenize("A b-c  d!"))

	w = NewWord(WordOptions{Pattern: DefaultPattern}) // the default, by its scikit-learn spelling
	assert.Nil(t, w.re)

	w = NewWord(WordOptions{Preprocess: Preprocess{Norm: NFKC}})
	assert.Equal(t, []string{"fine", "fullwidth"}, w.Tokenize("ﬁne ＦＵＬＬＷＩＤＴＨ"))
	w = NewWord(WordOptions{Preprocess: Preprocess{Accents: AccentsASCII}})
	assert.Equal(t, []string{"ecole", "creme"}, w.Tokenize("École crème"))

	buf := w.AppendTokens([]string{"x"}, "one two")
	assert.Equal(t, []string{"x", "one", "two"}, buf)

	assert.Panics(t, func() { NewWord(WordOptions{Pattern: `(`}) })
	err := tensor.Maybe(func() { NewWord(WordOptions{Pattern: `(a)(b)`}) })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "text.NewWord")
	assert.Panics(t, func() { Preprocess{Norm: 9}.Apply("x") })
	assert.Panics(t, func() { Preprocess{Accents: 9}.Apply("x") })
}

// wordTwin is the regular expression the default scanner implements, in RE2 syntax.
var wordTwin = regexp.MustCompile(`[\p{L}\p{N}_][\p{L}\p{N}_]+`)

func TestWordScannerMatchesRegexpTwin(t *testing.T) {
	for _, s := range []string{
		"Hello, World! x2 __a__ 東京 ①② नमस्ते",
		"a\u00a0bb\tcc\u2003dd",
		strings.Repeat("ab ", 100),
	} {
		lower := Lower(s)
		want := wordTwin.FindAllString(lower, -1)
		assert.Equal(t, want, (&Word{}).Tokenize(s), "%q", s)
	}
}

func TestLower(t *testing.T) {
	assert.Equal(t, "abc", Lower("abc"))
	assert.Equal(t, "hello 1", Lower("HeLLo 1"))
	assert.Equal(t, "i\u0307stanbul", Lower("İstanbul"))
	assert.Equal(t, "σοφος σ", Lower("ΣΟΦΟΣ Σ")[:len("σοφος σ")][:len("σοφος σ")])
	assert.Equal(t, "οδος.", Lower("ΟΔΟΣ."))
	assert.Equal(t, "\ufffdab", Lower("\xffAB"))
}

func TestChars(t *testing.T) {
	assert.Equal(t, []string{"a", " ", "b", "\n", "é"}, Chars{}.Tokenize("A  \t b\nÉ"))
	assert.Equal(t, []string{"A"}, Chars{Preprocess{KeepCase: true}}.Tokenize("A"))
	assert.Empty(t, Chars{}.Tokenize(""))
}

func TestNGrams(t *testing.T) {
	toks := []string{"a", "b", "c"}
	assert.Equal(t, []string{"a", "b", "c", "a b", "b c", "a b c"}, NGrams(toks, 1, 3, " "))
	assert.Equal(t, []string{"ab", "bc"}, NGrams(toks, 2, 2, ""))
	assert.Empty(t, NGrams(toks, 4, 5, " "))
	assert.Panics(t, func() { NGrams(toks, 0, 2, " ") })
	assert.Panics(t, func() { NGrams(toks, 3, 2, " ") })
}

func TestHasher(t *testing.T) {
	// Known MurmurHash3 x86_32 values (seed 0).
	assert.Equal(t, int32(0), Murmur3(""))
	assert.Equal(t, int32(0x3c2569b2), Murmur3("a"))
	assert.Equal(t, int32(613153351), Murmur3("hello")) // 0x248bfa47
	h := Hasher{Buckets: 10, Offset: 2}
	id := h.ID("hello")
	assert.Equal(t, int64(2+613153351%10), id)
	assert.Equal(t, []int64{id, id}, h.IDs([]string{"hello", "hello"}))
	assert.Equal(t, 2147483648%7, bucket(-2147483648, 7), "abs(-2^31) is 2^31")
	assert.Panics(t, func() { Hasher{}.ID("x") })
}

func TestVocab(t *testing.T) {
	c := make(Counter)
	c.Add([]string{"b", "a", "c", "a", "b", "d", "a", PadToken, ""})
	v := NewVocab(c, VocabOptions{})
	// a:3, then b:2, then c and d (1 each) in byte order; the reserved token and the empty
	// token are left out.
	assert.Equal(t, []string{PadToken, UnkToken, "a", "b", "c", "d"}, v.Tokens())
	assert.Equal(t, 6, v.Len())
	assert.Equal(t, []int64{2, 3, 1, 0, 1}, v.Encode([]string{"a", "b", "zzz", PadToken, UnkToken}))
	assert.Equal(t, []string{"a", UnkToken, PadToken}, v.Decode([]int64{2, 1, 0}))
	assert.Panics(t, func() { v.Token(6) })
	assert.Panics(t, func() { v.Token(-1) })

	v = NewVocab(c, VocabOptions{MinFreq: 2})
	assert.Equal(t, []string{PadToken, UnkToken, "a", "b"}, v.Tokens())
	v = NewVocab(c, VocabOptions{MaxSize: 3})
	assert.Equal(t, []string{PadToken, UnkToken, "a"}, v.Tokens())
	assert.Panics(t, func() { NewVocab(c, VocabOptions{MaxSize: 2}) })
	assert.Panics(t, func() { NewVocab(c, VocabOptions{MinFreq: -1}) })

	var zero Vocab
	assert.Equal(t, 2, zero.Len())
	assert.Equal(t, int64(UnkID), zero.ID("x"))

	texts := []string{"the cat", "The dog", "a cat and the dog"}
	v = BuildVocab(&Word{}, texts, VocabOptions{})
	assert.Equal(t, []string{PadToken, UnkToken, "the", "cat", "dog", "and"}, v.Tokens())
}

func TestVocabSaveLoad(t *testing.T) {
	c := make(Counter)
	c.Add([]string{"x y", "é", "z", "z"})
	v := NewVocab(c, VocabOptions{})
	var buf bytes.Buffer
	n, err := v.WriteTo(&buf)
	require.NoError(t, err)
	assert.Equal(t, "<pad>\n<unk>\nz\nx y\né\n", buf.String())
	assert.Equal(t, int64(buf.Len()), n)
	w, err := ReadVocab(&buf)
	require.NoError(t, err)
	assert.Equal(t, v.Tokens(), w.Tokens())
	assert.Equal(t, int64(3), w.ID("x y"))

	w, err = ReadVocab(strings.NewReader("<pad>\r\n<unk>\r\nab\r\ncd"))
	require.NoError(t, err)
	assert.Equal(t, []string{PadToken, UnkToken, "ab", "cd"}, w.Tokens())

	bad := NewVocab(Counter{"a\nb": 1}, VocabOptions{})
	buf.Reset()
	_, err = bad.WriteTo(&buf)
	require.Error(t, err)
	assert.Zero(t, buf.Len())
}

func TestReadVocabMalformed(t *testing.T) {
	cases := []struct{ in, msg string }{
		{"", "has 0 lines"},
		{"<pad>\n", "has 1 lines"},
		{"<unk>\n<pad>\n", "line 1: want \"<pad>\""},
		{"<pad>\nunk\n", "line 2: want \"<unk>\""},
		{"<pad>\n<unk>\na\n\nb\n", "line 4: empty token"},
		{"<pad>\n<unk>\na\nb\na\n", "line 5: token \"a\" repeats line 3"},
		{"<pad>\n<unk>\n\xff\n", "line 3: invalid UTF-8"},
		{"<pad>\n<unk>\n<pad>\n", "line 3: reserved token"},
		{"<pad>\n<unk>\na\rb\n", "line 3: carriage return"},
		{"<pad>\n<unk>\n" + strings.Repeat("x", maxTokenLen+10) + "\n", "line 3: longer than"},
	}
	for _, c := range cases {
		_, err := ReadVocab(strings.NewReader(c.in))
		require.Error(t, err, "%q", c.in)
		assert.ErrorIs(t, err, ErrMalformedVocab)
		assert.Contains(t, err.Error(), c.msg)
		assert.True(t, strings.HasPrefix(err.Error(), "text: "), err.Error())
	}
	_, err := ReadVocab(iotestErr{})
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrMalformedVocab)
	assert.ErrorIs(t, err, errBoom)
}

var errBoom = errors.New("boom")

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errBoom }

func TestTruncate(t *testing.T) {
	ids := []int64{1, 2, 3, 4, 5}
	assert.Equal(t, []int64{1, 2, 3}, Truncate(ids, 3, KeepHead))
	assert.Equal(t, []int64{3, 4, 5}, Truncate(ids, 3, KeepTail))
	assert.Equal(t, []int64{1, 2, 5}, Truncate(ids, 3, KeepBoth))
	assert.Equal(t, []int64{1, 2, 4, 5}, Truncate(ids, 4, KeepBoth))
	assert.Equal(t, ids, Truncate(ids, 0, KeepHead))
	assert.Equal(t, ids, Truncate(ids, 9, KeepTail))
	assert.Panics(t, func() { Truncate(ids, -1, KeepHead) })
	assert.Panics(t, func() { Truncate(ids, 1, Keep(7)) })
}

func TestPad(t *testing.T) {
	seqs := [][]int64{{5, 6, 7}, {8}, {}}
	ids, lens := Pad(seqs, PadOptions{})
	assert.Equal(t, tensor.Shape{3, 3}, ids.Shape())
	assert.Equal(t, []int64{5, 6, 7, 8, 0, 0, 0, 0, 0}, ids.Int64s())
	assert.Equal(t, []int64{3, 1, 0}, lens.Int64s())

	ids, lens = Pad(seqs, PadOptions{Len: 2, Side: PadPre, Keep: KeepTail})
	assert.Equal(t, []int64{6, 7, 0, 8, 0, 0}, ids.Int64s())
	assert.Equal(t, []int64{2, 1, 0}, lens.Int64s())

	ids, lens = Pad(nil, PadOptions{})
	assert.Equal(t, tensor.Shape{0, 0}, ids.Shape())
	assert.Equal(t, tensor.Shape{0}, lens.Shape())
	assert.Panics(t, func() { Pad(seqs, PadOptions{Len: -1}) })
	assert.Panics(t, func() { Pad(seqs, PadOptions{Side: 5}) })
}

func TestEncoder(t *testing.T) {
	v := BuildVocab(&Word{}, []string{"a bb bb cc"}, VocabOptions{})
	e := &Encoder{Vocab: v, MaxLen: 3, Keep: KeepTail}
	assert.Equal(t, []int64{2, 3, 1}, e.Encode("xx bb cc zz"))
	texts := make([]string, 500)
	for i := range texts {
		texts[i] = strings.Repeat("bb cc ", i%7)
	}
	all := e.EncodeAll(texts)
	require.Len(t, all, len(texts))
	for i, s := range texts {
		assert.Equal(t, e.Encode(s), all[i])
	}
	var zero Encoder
	assert.Equal(t, []int64{1, 1}, zero.Encode("hello world"))
}

// FitEncodeAll gives what BuildVocab then EncodeAll give, whatever the tokenizer.
func TestFitEncodeAll(t *testing.T) {
	f := loadFixture(t)
	var texts []string
	for _, c := range f.Cases {
		texts = append(texts, c.Text)
	}
	texts = append(texts, "<pad> <unk> x <PAD>", "")
	for _, tok := range []Tokenizer{&Word{}, NewWord(WordOptions{Pattern: `\S+`}), Chars{}, NewWord(WordOptions{Pattern: `a|(b)`})} {
		for _, o := range []VocabOptions{{}, {MinFreq: 3, MaxSize: 50}} {
			e := &Encoder{Tokenizer: tok, MaxLen: 7, Keep: KeepBoth}
			v, got := e.FitEncodeAll(texts, o)
			want := BuildVocab(tok, texts, o)
			assert.Equal(t, want.Tokens(), v.Tokens())
			e.Vocab = want
			assert.Equal(t, e.EncodeAll(texts), got)
		}
	}
}
