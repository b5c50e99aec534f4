package text

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzWord checks the default word scanner against its regular-expression twin on any bytes,
// and the invariants of every token: valid UTF-8, two or more word characters, a substring
// of the lower-cased text.
func FuzzWord(f *testing.F) {
	for _, s := range []string{"", "Hello, World!", "ΟΔΟΣ İi", "a\xffb cc\xc3", "東京 ①② नमस्ते", "x\u0301y __", "\x1c\x1d\u00a0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s := string(raw)
		got := (&Word{}).Tokenize(s)
		lower := Lower(s)
		for _, tok := range got {
			require.True(t, utf8.ValidString(tok), "%q", tok)
			require.GreaterOrEqual(t, utf8.RuneCountInString(tok), 2)
			require.True(t, strings.Contains(lower, tok))
			for _, r := range tok {
				require.True(t, IsWordRune(r), "%q in %q", r, tok)
			}
		}
		want := wordTwin.FindAllString(lower, -1)
		if len(want) == 0 {
			assert.Empty(t, got)
		} else {
			assert.Equal(t, want, got)
		}
		// The one-pass path of CountAll and Encoder gives the same tokens.
		for _, w := range []*Word{{}, NewWord(WordOptions{Preprocess: Preprocess{KeepCase: true}}), NewWord(WordOptions{StopWords: []string{"ab", "the"}})} {
			var scratch []byte
			var each []string
			w.eachToken(s, &scratch, func(t []byte) { each = append(each, string(t)) })
			if want := w.Tokenize(s); len(want) > 0 || len(each) > 0 {
				assert.Equal(t, want, each)
			}
		}
		// The other tokenizers never panic either.
		Chars{}.Tokenize(s)
		NewWord(WordOptions{Preprocess: Preprocess{Norm: NFKC, Accents: AccentsUnicode}, StopWords: []string{"ab"}}).Tokenize(s)
	})
}

// FuzzReadVocab reads any bytes as a vocabulary file: no panic, and a file that reads
// writes back to bytes that read to the same vocabulary.
func FuzzReadVocab(f *testing.F) {
	for _, s := range []string{"", "<pad>\n<unk>\n", "<pad>\n<unk>\na\nb c\n", "<pad>\r\n<unk>\r\nx", "<pad>\n<unk>\na\na\n", "<pad>\n<unk>\n\n", "<unk>\n<pad>\n", "<pad>\n<unk>\n\xff\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := ReadVocab(bytes.NewReader(raw))
		if err != nil {
			assert.ErrorIs(t, err, ErrMalformedVocab)
			return
		}
		var buf bytes.Buffer
		_, err = v.WriteTo(&buf)
		require.NoError(t, err)
		w, err := ReadVocab(&buf)
		require.NoError(t, err)
		assert.Equal(t, v.Tokens(), w.Tokens())
		for id, tok := range v.Tokens() {
			assert.Equal(t, int64(id), v.ID(tok))
		}
	})
}
