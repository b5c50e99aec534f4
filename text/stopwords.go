package text

import (
	_ "embed"
	"strings"
)

// stopwordsEnglish is scikit-learn's ENGLISH_STOP_WORDS, one word a line in sorted order,
// written by testdata/gen_fixtures.py.
//
//go:embed stopwords_english.txt
var stopwordsEnglish string

// EnglishStopWords returns scikit-learn's English stop-word list (318 lower-case words, in
// sorted order), for WordOptions.StopWords. The slice is a fresh copy.
func EnglishStopWords() []string {
	return strings.Fields(stopwordsEnglish)
}
