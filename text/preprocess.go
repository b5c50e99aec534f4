package text

import (
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// Norm is a Unicode normalization form applied to a text before anything else.
type Norm int

// The normalization forms. The zero value, NormNone, leaves the text as it is.
const (
	NormNone Norm = iota
	NFC
	NFD
	NFKC
	NFKD
)

// Accents says whether and how accents are stripped, after lower-casing, as scikit-learn's
// strip_accents does.
type Accents int

// The accent treatments. The zero value, AccentsKeep, keeps them.
const (
	AccentsKeep Accents = iota
	// AccentsUnicode decomposes the text (NFKD) and drops every code point with a nonzero
	// canonical combining class; pure-ASCII text is returned as is (strip_accents="unicode").
	AccentsUnicode
	// AccentsASCII decomposes the text (NFKD) and drops every code point that is not ASCII
	// (strip_accents="ascii").
	AccentsASCII
)

// Preprocess is the treatment a tokenizer applies to a whole text before it cuts it: a
// Unicode normalization, lower-casing (unless KeepCase) and accent stripping, in that order.
// The zero value lower-cases and does nothing else, as scikit-learn's CountVectorizer does.
type Preprocess struct {
	KeepCase bool    // keep the case; by default the text is lower-cased as Python's str.lower does
	Norm     Norm    // Unicode normalization applied first
	Accents  Accents // accent stripping applied last
}

// Apply returns s after the preprocessing. Invalid UTF-8 bytes become U+FFFD when the text is
// lower-cased or normalized; otherwise s is returned unchanged.
func (p Preprocess) Apply(s string) string {
	switch p.Norm {
	case NormNone:
	case NFC:
		s = norm.NFC.String(s)
	case NFD:
		s = norm.NFD.String(s)
	case NFKC:
		s = norm.NFKC.String(s)
	case NFKD:
		s = norm.NFKD.String(s)
	default:
		panicf("text.Preprocess", "unknown normalization %d", int(p.Norm))
	}
	if !p.KeepCase {
		s = Lower(s)
	}
	switch p.Accents {
	case AccentsKeep:
	case AccentsUnicode:
		s = stripAccentsUnicode(s)
	case AccentsASCII:
		s = stripAccentsASCII(s)
	default:
		panicf("text.Preprocess", "unknown accent treatment %d", int(p.Accents))
	}
	return s
}

// Lower returns s lower-cased the way Python's str.lower does, so that tokens match
// scikit-learn's: the simple lower-case mapping of every code point, except that U+0130
// (capital I with dot above) becomes "i" followed by U+0307 (combining dot above), and a
// capital sigma at the end of a word becomes a final sigma (ς). ASCII text without capitals
// is returned without a copy. Invalid UTF-8 bytes become U+FFFD.
func Lower(s string) string {
	ascii, upper := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if ascii {
		if !upper {
			return s
		}
		b := make([]byte, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b[i] = c
		}
		return unsafe.String(unsafe.SliceData(b), len(b)) // b is never written again
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case r == 'İ':
			b.WriteString("i\u0307")
		case r == 'Σ':
			if finalSigma(s, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma reports whether the capital sigma at byte i of s is in Unicode's Final_Sigma
// context: a cased letter before it and none after it, skipping case-ignorable code points
// on both sides (CPython's handle_capital_sigma).
func finalSigma(s string, i int) bool {
	j := i
	before := false
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		j -= n
		if caseIgnorable(r) {
			continue
		}
		before = cased(r)
		break
	}
	if !before {
		return false
	}
	j = i + len("Σ")
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		j += n
		if caseIgnorable(r) {
			continue
		}
		return !cased(r)
	}
	return true
}

func cased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '^', '`', 0xB7, 0x387, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// isASCII reports whether s is all ASCII, eight bytes at a time.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64([]byte(s[i:i+8]))&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func stripAccentsUnicode(s string) string {
	if isASCII(s) {
		return s
	}
	d := norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for i := 0; i < len(d); {
		p := norm.NFKD.PropertiesString(d[i:])
		n := p.Size()
		if n == 0 {
			n = 1
		}
		if p.CCC() == 0 {
			b.WriteString(d[i : i+n])
		}
		i += n
	}
	return b.String()
}

func stripAccentsASCII(s string) string {
	if isASCII(s) {
		return s
	}
	d := norm.NFKD.String(s)
	b := make([]byte, 0, len(d))
	for i := 0; i < len(d); i++ {
		if d[i] < utf8.RuneSelf {
			b = append(b, d[i])
		}
	}
	return string(b)
}
