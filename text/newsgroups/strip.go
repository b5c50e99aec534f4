package newsgroups

import (
	"strings"
	"unicode"
)

// Remove selects the parts of a post to remove, as scikit-learn's
// fetch_20newsgroups(remove=...) does. The zero value removes nothing.
type Remove uint8

// The removable parts; combine them with |.
const (
	Headers Remove = 1 << iota // everything before the first blank line
	Footers                    // the signature block: from the last blank or dashed line
	Quotes                     // lines that quote another post or introduce a quote
	All     = Headers | Footers | Quotes
)

// Apply removes the selected parts from a post with scikit-learn's rules and in its order:
// headers, then footers, then quotes. Some posts end up empty (a post whose only blank line
// comes right after its headers loses everything to the footer rule); they are kept, as
// scikit-learn keeps them.
func (r Remove) Apply(text string) string {
	if r&Headers != 0 {
		text = StripHeader(text)
	}
	if r&Footers != 0 {
		text = StripFooter(text)
	}
	if r&Quotes != 0 {
		text = StripQuotes(text)
	}
	return text
}

// StripHeader returns what follows the first blank line ("\n\n") of text, or "" when there is
// none (scikit-learn's strip_newsgroup_header).
func StripHeader(text string) string {
	_, after, _ := strings.Cut(text, "\n\n")
	return after
}

// StripFooter removes a signature block (scikit-learn's strip_newsgroup_footer): it trims
// white space from both ends of text, splits it into lines, and cuts at the last line that
// is empty or made only of '-' once trimmed, if that line is not the first; otherwise it
// returns text unchanged. White space is Python's (see text.IsSpace).
func StripFooter(text string) string {
	lines := strings.Split(strings.TrimFunc(text, isSpace), "\n")
	i := len(lines) - 1
	for ; i > 0; i-- {
		if strings.Trim(strings.TrimFunc(lines[i], isSpace), "-") == "" {
			break
		}
	}
	if i > 0 {
		return strings.Join(lines[:i], "\n")
	}
	return text
}

// StripQuotes removes every line that contains "writes in", "writes:", "wrote:", "says:" or
// "said:", or starts with "In article", "Quoted from", "|" or ">" (scikit-learn's
// strip_newsgroup_quoting).
func StripQuotes(text string) string {
	lines := strings.Split(text, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !quoteLine(l) {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

func quoteLine(l string) bool {
	for _, s := range []string{"writes in", "writes:", "wrote:", "says:", "said:"} {
		if strings.Contains(l, s) {
			return true
		}
	}
	for _, s := range []string{"In article", "Quoted from", "|", ">"} {
		if strings.HasPrefix(l, s) {
			return true
		}
	}
	return false
}

// isSpace is Python's str.isspace for one code point.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || 0x1C <= r && r <= 0x1F
}
