package text_test

import (
	"bytes"
	"fmt"

	"github.com/godl/godl/text"
)

// The zero Word tokenizer cuts text as scikit-learn's CountVectorizer does by default.
func ExampleWord() {
	var w text.Word
	fmt.Println(w.Tokenize("Hello, World! It's a naïve test, x2."))
	// Output:
	// [hello world it naïve test x2]
}

// Stop words, another pattern and kept case are options.
func ExampleNewWord() {
	w := text.NewWord(text.WordOptions{StopWords: text.EnglishStopWords()})
	fmt.Println(w.Tokenize("The cat sat on the mat"))
	w = text.NewWord(text.WordOptions{Pattern: `\S+`, Preprocess: text.Preprocess{KeepCase: true}})
	fmt.Println(w.Tokenize("Don't panic!"))
	// Output:
	// [cat sat mat]
	// [Don't panic!]
}

// NGrams makes bigrams for a bag-of-n-grams model; Hasher maps them to a fixed number of
// buckets, after the reserved ids.
func ExampleNGrams() {
	toks := (&text.Word{}).Tokenize("new york is big")
	grams := text.NGrams(toks, 1, 2, " ")
	fmt.Printf("%q\n", grams)
	h := text.Hasher{Buckets: 1000, Offset: 2}
	fmt.Println(h.IDs(grams[4:]))
	// Output:
	// ["new" "york" "is" "big" "new york" "york is" "is big"]
	// [834 466 540]
}

// A vocabulary numbers tokens by decreasing count after <pad> and <unk>; it saves as one
// token per line.
func ExampleBuildVocab() {
	texts := []string{"the cat sat", "the dog sat", "the end"}
	v := text.BuildVocab(&text.Word{}, texts, text.VocabOptions{MinFreq: 2})
	fmt.Println(v.Tokens())
	fmt.Println(v.Encode([]string{"the", "cat", "sat"}))
	var buf bytes.Buffer
	v.WriteTo(&buf)
	fmt.Printf("%q\n", buf.String())
	// Output:
	// [<pad> <unk> the sat]
	// [2 1 3]
	// "<pad>\n<unk>\nthe\nsat\n"
}

// An Encoder turns texts into ids, truncated; Pad lays them out in a tensor with lengths.
func ExamplePad() {
	v := text.BuildVocab(&text.Word{}, []string{"one two three four five"}, text.VocabOptions{})
	e := &text.Encoder{Vocab: v, MaxLen: 4, Keep: text.KeepBoth}
	seqs := e.EncodeAll([]string{"one two three four five", "two", "six seven"})
	fmt.Println(seqs)
	ids, lengths := text.Pad(seqs, text.PadOptions{Side: text.PadPre})
	fmt.Println(ids.Shape(), ids.Int64s())
	fmt.Println(lengths.Int64s())
	// Output:
	// [[4 6 3 2] [6] [1 1]]
	// [3 4] [4 6 3 2 0 0 0 6 0 0 1 1]
	// [4 1 2]
}

// FitEncodeAll builds the vocabulary and encodes the texts with one tokenizing pass, as
// scikit-learn's fit_transform does.
func ExampleEncoder_FitEncodeAll() {
	e := &text.Encoder{MaxLen: 3}
	v, ids := e.FitEncodeAll([]string{"the cat sat", "the cat and the hat"}, text.VocabOptions{})
	fmt.Println(v.Tokens())
	fmt.Println(ids)
	// Output:
	// [<pad> <unk> the cat and hat sat]
	// [[2 3 6] [2 3 4]]
}
