package text

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/godl/godl/tensor"
)

func panicf(op, format string, args ...any) {
	panic(&tensor.Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

// A Tokenizer cuts a text into tokens. Implementations are safe for concurrent use.
type Tokenizer interface {
	Tokenize(s string) []string
}

// DefaultPattern is scikit-learn's default token pattern: runs of two or more word
// characters. Word uses a hand-written scanner for it (see Word).
const DefaultPattern = `(?u)\b\w\w+\b`

// WordOptions configures a word tokenizer. The zero value gives scikit-learn's
// CountVectorizer defaults: lower-case, DefaultPattern, no stop words.
type WordOptions struct {
	Preprocess

	// Pattern is a regular expression (Go's RE2 syntax) that matches one token; the empty
	// string means DefaultPattern. A leading "(?u)", which Python needs for Unicode classes,
	// is dropped. If the pattern has one capturing group, the token is what the group
	// matched, as in scikit-learn. Note that in RE2 \w and \b are ASCII-only; write
	// [\p{L}\p{N}_] for Python's Unicode \w.
	Pattern string

	// StopWords are dropped from the tokens after the text is cut (EnglishStopWords is
	// scikit-learn's English list). They are compared with the tokens as given, so give
	// them lower-cased when the text is.
	StopWords []string
}

// Word is a word tokenizer. Its zero value is ready to use and cuts text as scikit-learn's
// CountVectorizer does by default: it lower-cases the text and returns every maximal run of
// two or more word characters, where a word character is a letter, a number or '_'
// (Python's Unicode \w: categories L and N).
type Word struct {
	pre  Preprocess
	re   *regexp.Regexp // nil: the default scanner
	stop map[string]struct{}
}

var _ Tokenizer = (*Word)(nil)

// NewWord returns a word tokenizer with the given options. It panics with *tensor.Error if
// the pattern does not compile or has more than one capturing group; a pattern is part of the
// program, not outside input.
func NewWord(o WordOptions) *Word {
	w := &Word{pre: o.Preprocess}
	pat := strings.TrimPrefix(o.Pattern, "(?u)")
	if pat != "" && pat != strings.TrimPrefix(DefaultPattern, "(?u)") {
		re, err := regexp.Compile(pat)
		if err != nil {
			panicf("text.NewWord", "pattern %q: %v", o.Pattern, err)
		}
		if re.NumSubexp() > 1 {
			panicf("text.NewWord", "pattern %q has %d capturing groups, want at most 1", o.Pattern, re.NumSubexp())
		}
		w.re = re
	}
	if len(o.StopWords) > 0 {
		w.stop = make(map[string]struct{}, len(o.StopWords))
		for _, s := range o.StopWords {
			w.stop[s] = struct{}{}
		}
	}
	return w
}

// Tokenize returns the tokens of s. They are substrings of the preprocessed text.
func (w *Word) Tokenize(s string) []string {
	return w.AppendTokens(nil, s)
}

// AppendTokens appends the tokens of s to dst and returns the extended slice, so that a loop
// over many texts can reuse one slice.
func (w *Word) AppendTokens(dst []string, s string) []string {
	s = w.pre.Apply(s)
	start := len(dst)
	if w.re == nil {
		dst = appendWords(dst, s)
	} else if w.re.NumSubexp() == 1 {
		for _, m := range w.re.FindAllStringSubmatchIndex(s, -1) {
			if m[2] >= 0 {
				dst = append(dst, s[m[2]:m[3]])
			} else {
				dst = append(dst, "")
			}
		}
	} else {
		for _, m := range w.re.FindAllStringIndex(s, -1) {
			dst = append(dst, s[m[0]:m[1]])
		}
	}
	if w.stop != nil {
		kept := dst[:start]
		for _, t := range dst[start:] {
			if _, ok := w.stop[t]; !ok {
				kept = append(kept, t)
			}
		}
		clear(dst[len(kept):])
		dst = kept
	}
	return dst
}

// lowerWord maps each ASCII word character to its lower case, and every other byte to 0;
// keepWord maps each ASCII word character to itself.
var lowerWord, keepWord = func() (lower, keep [256]byte) {
	for c := range utf8.RuneSelf {
		if asciiWord[c] {
			keep[c] = byte(c)
			lower[c] = byte(unicode.ToLower(rune(c)))
		}
	}
	return lower, keep
}()

// eachToken calls fn with every token of s, the tokens AppendTokens would append, in a
// buffer that is valid only during the call and must not be modified. scratch is reused
// across calls. For ASCII text and the default pattern it lower-cases and cuts in one pass
// without allocating; otherwise it goes through AppendTokens.
func (w *Word) eachToken(s string, scratch *[]byte, fn func(tok []byte)) {
	if w.re != nil || w.pre.Norm != NormNone || w.pre.Accents != AccentsKeep || !isASCII(s) {
		for _, t := range w.AppendTokens(nil, s) {
			fn(unsafe.Slice(unsafe.StringData(t), len(t)))
		}
		return
	}
	lut := &lowerWord
	if w.pre.KeepCase {
		lut = &keepWord
	}
	buf := (*scratch)[:0]
	for i := 0; i < len(s); {
		if lut[s[i]] == 0 {
			i++
			continue
		}
		buf = buf[:0]
		for ; i < len(s); i++ {
			c := lut[s[i]]
			if c == 0 {
				break
			}
			buf = append(buf, c)
		}
		if len(buf) < 2 {
			continue
		}
		if w.stop != nil {
			if _, ok := w.stop[string(buf)]; ok {
				continue
			}
		}
		fn(buf)
	}
	*scratch = buf
}

// asciiWord marks the ASCII word characters: [0-9A-Za-z_].
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		t[c] = c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	}
	return t
}()

// IsWordRune reports whether r is a word character in the sense of Python's Unicode \w: a
// letter (category L), a number (category N) or '_'.
func IsWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// appendWords appends every maximal run of two or more word characters in s: the matches of
// (?u)\b\w\w+\b. The runs are counted in code points; an invalid byte is not a word
// character.
func appendWords(dst []string, s string) []string {
	i := 0
	for i < len(s) {
		// Skip non-word characters.
		c := s[i]
		if c < utf8.RuneSelf {
			if !asciiWord[c] {
				i++
				continue
			}
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || !IsWordRune(r) {
				i += n
				continue
			}
		}
		// A run starts at i.
		start, runes := i, 0
		for i < len(s) {
			c := s[i]
			if c < utf8.RuneSelf {
				if !asciiWord[c] {
					break
				}
				i++
			} else {
				r, n := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError || !IsWordRune(r) {
					break
				}
				i += n
			}
			runes++
		}
		if runes >= 2 {
			dst = append(dst, s[start:i])
		}
	}
	return dst
}

// Chars is a character tokenizer: every code point of the preprocessed text is a token,
// after each run of two or more white-space characters has been replaced by one space, as
// scikit-learn's analyzer="char" does. Its zero value lower-cases. Combined with NGrams and
// an empty separator it gives scikit-learn's character n-grams.
type Chars struct {
	Preprocess
}

var _ Tokenizer = Chars{}

// Tokenize returns the code points of s, one per token.
func (c Chars) Tokenize(s string) []string {
	s = collapseSpace(c.Apply(s))
	out := make([]string, 0, len(s))
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		out = append(out, s[i:i+n])
		i += n
	}
	return out
}

// IsSpace reports whether r is white space in the sense of Python's str.isspace (Go's
// unicode.IsSpace plus the separators U+001C to U+001F).
func IsSpace(r rune) bool {
	return unicode.IsSpace(r) || 0x1C <= r && r <= 0x1F
}

// collapseSpace replaces every run of two or more white-space characters by one space
// (Python's re.sub(r"\s\s+", " ", s)); a lone white-space character is kept as it is.
func collapseSpace(s string) string {
	var b strings.Builder
	runStart, runLen := -1, 0
	flush := func(end int) {
		if runLen >= 2 {
			b.WriteByte(' ')
		} else if runLen == 1 {
			b.WriteString(s[runStart:end])
		}
		runStart, runLen = -1, 0
	}
	for i, r := range s {
		if IsSpace(r) {
			if runLen == 0 {
				runStart = i
			}
			runLen++
			continue
		}
		flush(i)
		b.WriteRune(r)
	}
	flush(len(s))
	return b.String()
}

// NGrams returns the n-grams of tokens for every n from minN to maxN, each made of n
// consecutive tokens joined by sep, in scikit-learn's order: all the 1-grams (the tokens
// themselves) when minN is 1, then the 2-grams in order, then the 3-grams, and so on. With
// sep " " over word tokens it gives CountVectorizer's word n-grams; with sep "" over Chars
// tokens its character n-grams. It panics with *tensor.Error unless 1 <= minN <= maxN.
func NGrams(tokens []string, minN, maxN int, sep string) []string {
	if minN < 1 || maxN < minN {
		panicf("text.NGrams", "n-gram range [%d, %d] is not valid: want 1 <= min <= max", minN, maxN)
	}
	var out []string
	if minN == 1 {
		out = append(out, tokens...)
		minN = 2
	}
	var b strings.Builder
	for n := minN; n <= maxN; n++ {
		for i := 0; i+n <= len(tokens); i++ {
			b.Reset()
			for j := i; j < i+n; j++ {
				if j > i {
					b.WriteString(sep)
				}
				b.WriteString(tokens[j])
			}
			out = append(out, b.String())
		}
	}
	return out
}
