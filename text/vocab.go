package text

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The reserved ids and their tokens: every vocabulary starts with them.
const (
	PadID    = 0       // the id of PadToken, which padding fills sequences with
	UnkID    = 1       // the id of UnkToken, which every unknown token encodes to
	PadToken = "<pad>" // the token of PadID
	UnkToken = "<unk>" // the token of UnkID
)

// Counter counts tokens. The zero value is not usable: make it with make(text.Counter).
type Counter map[string]int

// Add counts every token once more.
func (c Counter) Add(tokens []string) {
	for _, t := range tokens {
		c[t]++
	}
}

// VocabOptions says which counted tokens a vocabulary keeps. The zero value keeps every token
// seen at least once.
type VocabOptions struct {
	// MinFreq is the smallest count a token needs; 0 means 1.
	MinFreq int
	// MaxSize caps the size of the vocabulary, the two reserved tokens included; 0 means no
	// cap. The most frequent tokens are kept.
	MaxSize int
}

// Vocab maps tokens to int64 ids and back. Id 0 is PadToken and id 1 is UnkToken; the other
// tokens follow by decreasing count, ties broken by byte order of the tokens, so the same
// counts always give the same ids. A Vocab is immutable and safe for concurrent use. The zero
// value holds the two reserved tokens only.
type Vocab struct {
	tokens []string // without the reserved two
	ids    map[string]int64
	tab    *table // the same as ids, for lookups by bytes
}

// NewVocab returns the vocabulary of the tokens counted in c, as chosen by o. Counted tokens
// equal to PadToken or UnkToken, and the empty token, are left out. It panics with
// *tensor.Error if MinFreq or MaxSize is negative, or MaxSize is 1 or 2 (too small for the
// reserved tokens and anything else).
func NewVocab(c Counter, o VocabOptions) *Vocab {
	if o.MinFreq < 0 || o.MaxSize < 0 || o.MaxSize == 1 || o.MaxSize == 2 {
		panicf("text.NewVocab", "MinFreq %d, MaxSize %d: want MinFreq >= 0 and MaxSize 0 or above 2", o.MinFreq, o.MaxSize)
	}
	minFreq := max(o.MinFreq, 1)
	type entry struct {
		tok string
		n   int
	}
	var es []entry
	for t, n := range c {
		if n >= minFreq && t != "" && t != PadToken && t != UnkToken {
			es = append(es, entry{t, n})
		}
	}
	slices.SortFunc(es, func(a, b entry) int {
		if a.n != b.n {
			return cmp.Compare(b.n, a.n)
		}
		return strings.Compare(a.tok, b.tok)
	})
	if o.MaxSize > 0 && len(es) > o.MaxSize-2 {
		es = es[:o.MaxSize-2]
	}
	toks := make([]string, len(es))
	for i, e := range es {
		toks[i] = e.tok
	}
	return fromTokens(toks)
}

func fromTokens(toks []string) *Vocab {
	v := &Vocab{tokens: toks, ids: make(map[string]int64, len(toks)), tab: newTable(len(toks))}
	for i, t := range toks {
		v.ids[t] = int64(i + 2)
		v.tab.add([]byte(t)) // number i: tokens are distinct and not empty
	}
	return v
}

// BuildVocab tokenizes texts with tok, counts the tokens and returns NewVocab of the counts.
// It runs on GOMAXPROCS goroutines; the result does not depend on their number.
func BuildVocab(tok Tokenizer, texts []string, o VocabOptions) *Vocab {
	return NewVocab(CountAll(tok, texts), o)
}

// CountAll tokenizes texts with tok on GOMAXPROCS goroutines and returns the counts of the
// tokens.
func CountAll(tok Tokenizer, texts []string) Counter {
	parts := make([]Counter, shards(len(texts)))
	forShards(len(texts), len(parts), func(p, lo, hi int) {
		// Counted in a table, which looks the bytes up without making a string; strings
		// are made once per distinct token at the end.
		tab := newTable(1 << 12)
		var counts []int
		var scratch []byte
		for _, s := range texts[lo:hi] {
			eachToken(tok, s, &scratch, func(t []byte) {
				i, isNew := tab.add(t)
				switch {
				case isNew:
					counts = append(counts, 1)
				case i >= 0:
					counts[i]++
				}
			})
		}
		c := make(Counter, tab.len())
		for i, n := range counts {
			c[string(tab.key(i))] = n
		}
		parts[p] = c
	})
	if len(parts) == 0 {
		return Counter{}
	}
	total := parts[0]
	for _, c := range parts[1:] {
		for t, n := range c {
			total[t] += n
		}
	}
	return total
}

// eachToken calls fn with the bytes of every token of s, through the Word's one-pass path
// when tok is a *Word.
func eachToken(tok Tokenizer, s string, scratch *[]byte, fn func([]byte)) {
	if w, ok := tok.(*Word); ok {
		w.eachToken(s, scratch, fn)
		return
	}
	for _, t := range tok.Tokenize(s) {
		fn([]byte(t))
	}
}

// appendTokens uses the tokenizer's AppendTokens when it has one.
func appendTokens(tok Tokenizer, dst []string, s string) []string {
	if a, ok := tok.(interface {
		AppendTokens([]string, string) []string
	}); ok {
		return a.AppendTokens(dst, s)
	}
	return append(dst, tok.Tokenize(s)...)
}

// shards is the number of goroutines that work on n texts.
func shards(n int) int {
	return min(runtime.GOMAXPROCS(0), (n+63)/64)
}

// forShards calls fn(p, lo, hi) for p in [0, k) on k goroutines, over k contiguous ranges
// of [0, n) of nearly equal size, and waits for them.
func forShards(n, k int, fn func(p, lo, hi int)) {
	if k <= 1 {
		if k == 1 {
			fn(0, 0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for p := range k {
		wg.Go(func() { fn(p, p*n/k, (p+1)*n/k) })
	}
	wg.Wait()
}

// Len returns the number of tokens, the reserved two included.
func (v *Vocab) Len() int { return len(v.tokens) + 2 }

// ID returns the id of token, or UnkID if the vocabulary does not hold it.
func (v *Vocab) ID(token string) int64 {
	switch token {
	case PadToken:
		return PadID
	case UnkToken:
		return UnkID
	}
	if id, ok := v.ids[token]; ok {
		return id
	}
	return UnkID
}

// idBytes returns the id of a token given by its bytes.
func (v *Vocab) idBytes(t []byte) int64 {
	if v.tab != nil {
		if i, ok := v.tab.get(t); ok {
			return int64(i + 2)
		}
	}
	if string(t) == PadToken {
		return PadID
	}
	return UnkID
}

// Token returns the token of id. It panics with *tensor.Error if id is not in [0, Len()).
func (v *Vocab) Token(id int64) string {
	switch {
	case id == PadID:
		return PadToken
	case id == UnkID:
		return UnkToken
	case id < 0 || id >= int64(v.Len()):
		panicf("text.Vocab.Token", "id %d out of range [0, %d)", id, v.Len())
	}
	return v.tokens[id-2]
}

// Tokens returns every token in id order, the reserved two first.
func (v *Vocab) Tokens() []string {
	return append([]string{PadToken, UnkToken}, v.tokens...)
}

// Encode returns the ids of tokens; unknown tokens get UnkID.
func (v *Vocab) Encode(tokens []string) []int64 {
	out := make([]int64, len(tokens))
	for i, t := range tokens {
		out[i] = v.ID(t)
	}
	return out
}

// Decode returns the tokens of ids. It panics with *tensor.Error if an id is out of range.
func (v *Vocab) Decode(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = v.Token(id)
	}
	return out
}

// WriteTo writes the vocabulary as plain UTF-8 text, one token per line in id order, the
// reserved two first; ReadVocab reads it back. It returns an error, and writes nothing, if a
// token cannot be written that way: empty, not valid UTF-8, or holding a line break.
func (v *Vocab) WriteTo(w io.Writer) (int64, error) {
	for i, t := range v.tokens {
		if t == "" || !utf8.ValidString(t) || strings.ContainsAny(t, "\r\n") {
			return 0, fmt.Errorf("text: token %d (%q) cannot be saved one per line", i+2, t)
		}
	}
	bw := bufio.NewWriter(w)
	var n int64
	for _, t := range v.Tokens() {
		k, _ := bw.WriteString(t)
		bw.WriteByte('\n')
		n += int64(k) + 1
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("text: writing vocabulary: %w", err)
	}
	return n, nil
}

// ErrMalformedVocab is wrapped by every error ReadVocab returns for a file it cannot parse.
var ErrMalformedVocab = errors.New("malformed vocabulary")

// maxTokenLen bounds the length of one line that ReadVocab accepts.
const maxTokenLen = 1 << 16

// ReadVocab reads a vocabulary written by WriteTo: UTF-8 text, one token per line, the first
// two lines PadToken and UnkToken. A final line break is optional and a line may end in
// "\r\n". A file that breaks these rules (an empty line, a repeated token, invalid UTF-8, a
// line longer than 64 KiB, missing reserved tokens) gives an error that wraps
// ErrMalformedVocab and names the line.
func ReadVocab(r io.Reader) (*Vocab, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxTokenLen+2)
	var toks []string
	seen := make(map[string]int)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimSuffix(sc.Text(), "\r")
		bad := func(format string, args ...any) error {
			return fmt.Errorf("text: vocabulary line %d: %s: %w", line, fmt.Sprintf(format, args...), ErrMalformedVocab)
		}
		switch {
		case line == 1 && t != PadToken:
			return nil, bad("want %q, got %q", PadToken, t)
		case line == 2 && t != UnkToken:
			return nil, bad("want %q, got %q", UnkToken, t)
		case line <= 2:
			continue
		case t == "":
			return nil, bad("empty token")
		case !utf8.ValidString(t):
			return nil, bad("invalid UTF-8")
		case strings.Contains(t, "\r"):
			return nil, bad("carriage return inside a token")
		case t == PadToken || t == UnkToken:
			return nil, bad("reserved token %q again", t)
		}
		if prev, ok := seen[t]; ok {
			return nil, bad("token %q repeats line %d", t, prev)
		}
		seen[t] = line
		toks = append(toks, t)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("text: vocabulary line %d: longer than %d bytes: %w", line+1, maxTokenLen, ErrMalformedVocab)
		}
		return nil, fmt.Errorf("text: reading vocabulary: %w", err)
	}
	if line < 2 {
		return nil, fmt.Errorf("text: vocabulary has %d lines, want at least the reserved %q and %q: %w", line, PadToken, UnkToken, ErrMalformedVocab)
	}
	return fromTokens(toks), nil
}
