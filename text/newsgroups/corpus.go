package newsgroups

import (
	"cmp"
	"fmt"
	"slices"
	"unicode/utf8"
)

// The two splits, by the names of their folders in the archive.
const (
	TrainFolder = "20news-bydate-train"
	TestFolder  = "20news-bydate-test"
)

// maxDocSize bounds one document (the largest real post is about 160 KB), so a corrupt
// size field cannot make a reader allocate without limit.
const maxDocSize = 16 << 20

// Document is one post.
type Document struct {
	ID    string // the file name, a numeric article id; unique only within its category
	Label int    // the index of the category in Corpus.Categories
	Text  string // the post, decoded as UTF-8 where valid and Latin-1 otherwise
}

// Corpus is the 20 Newsgroups corpus: the category names in sorted order and the documents
// of the two splits, each split ordered by category and then by file name (in byte order,
// as scikit-learn's load_files lists them).
type Corpus struct {
	Categories []string
	Train      []Document
	Test       []Document
}

// Texts returns the texts of docs, in order.
func Texts(docs []Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.Text
	}
	return out
}

// Labels returns the labels of docs, in order, as int64 (the dtype of class indices).
func Labels(docs []Document) []int64 {
	out := make([]int64, len(docs))
	for i, d := range docs {
		out[i] = int64(d.Label)
	}
	return out
}

// Decode returns the bytes of a post as text: as they are when they are valid UTF-8, and
// decoded as Latin-1 (every byte one code point) otherwise.
func Decode(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// builder collects the entries of an archive or a folder and checks their structure.
type builder struct {
	where  string                                  // "archive" or "folder", for messages
	splits map[string]map[string]map[string]string // split → category → id → text
}

func newBuilder(where string) *builder {
	return &builder{where: where, splits: map[string]map[string]map[string]string{}}
}

func isSplit(name string) bool { return name == TrainFolder || name == TestFolder }

// dir records a folder, given by its path components below the root.
func (b *builder) dir(name string, parts []string) error {
	if !isSplit(parts[0]) {
		return nil
	}
	cats := b.split(parts[0])
	switch len(parts) {
	case 1:
	case 2:
		if cats[parts[1]] == nil {
			cats[parts[1]] = map[string]string{}
		}
	default:
		return fmt.Errorf("newsgroups: %s entry %q: a folder inside a category", b.where, name)
	}
	return nil
}

func (b *builder) split(name string) map[string]map[string]string {
	cats := b.splits[name]
	if cats == nil {
		cats = map[string]map[string]string{}
		b.splits[name] = cats
	}
	return cats
}

// file records a document, given by its path components below the root.
func (b *builder) file(name string, parts []string, data []byte) error {
	if !isSplit(parts[0]) {
		return nil
	}
	if len(parts) != 3 {
		return fmt.Errorf("newsgroups: %s entry %q: a file outside a category folder", b.where, name)
	}
	cats := b.split(parts[0])
	docs := cats[parts[1]]
	if docs == nil {
		docs = map[string]string{}
		cats[parts[1]] = docs
	}
	if _, ok := docs[parts[2]]; ok {
		return fmt.Errorf("newsgroups: %s entry %q appears twice", b.where, name)
	}
	docs[parts[2]] = Decode(data)
	return nil
}

// corpus checks the structure (both splits, the same categories in each, none empty) and
// returns the corpus.
func (b *builder) corpus() (*Corpus, error) {
	for _, s := range []string{TrainFolder, TestFolder} {
		if len(b.splits[s]) == 0 {
			return nil, fmt.Errorf("newsgroups: %s has no %s folder with categories", b.where, s)
		}
	}
	train, test := b.splits[TrainFolder], b.splits[TestFolder]
	var cats []string
	for c := range train {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	for c := range test {
		if _, ok := train[c]; !ok {
			return nil, fmt.Errorf("newsgroups: %s entry %q: category %q has no %s folder", b.where, TestFolder+"/"+c, c, TrainFolder)
		}
	}
	for _, c := range cats {
		if _, ok := test[c]; !ok {
			return nil, fmt.Errorf("newsgroups: %s entry %q: category %q has no %s folder", b.where, TrainFolder+"/"+c, c, TestFolder)
		}
		for _, s := range []string{TrainFolder, TestFolder} {
			if len(b.splits[s][c]) == 0 {
				return nil, fmt.Errorf("newsgroups: %s entry %q: empty category", b.where, s+"/"+c)
			}
		}
	}
	docs := func(split map[string]map[string]string) []Document {
		var out []Document
		for label, c := range cats {
			start := len(out)
			for id, text := range split[c] {
				out = append(out, Document{ID: id, Label: label, Text: text})
			}
			slices.SortFunc(out[start:], func(a, b Document) int { return cmp.Compare(a.ID, b.ID) })
		}
		return out
	}
	return &Corpus{Categories: cats, Train: docs(train), Test: docs(test)}, nil
}
