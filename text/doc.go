// Package text turns raw text into int64 ids that a model eats: tokenizers, n-grams and
// hashing, vocabularies, truncation and padding. It needs only package tensor (for the padded
// batches it returns) and knows nothing about gradients or devices.
//
// # Tokenizers
//
// A Tokenizer cuts a string into tokens. The zero Word tokenizer cuts text exactly as
// scikit-learn's CountVectorizer does by default: it lower-cases the text as Python's
// str.lower does and returns every maximal run of two or more word characters, the matches
// of (?u)\b\w\w+\b, where a word character is a Unicode letter or number or '_'. It does so
// with a hand-written scanner rather than a regular expression, because RE2's \w is
// ASCII-only and because the scanner is about seven times faster; counting and encoding cut
// and look up ASCII text in one pass, without making a string per token. WordOptions adds another
// pattern, keeping the case, a Unicode normalization, accent stripping (scikit-learn's
// strip_accents) and stop words (EnglishStopWords is scikit-learn's list). Chars cuts text
// into code points after collapsing white-space runs, as scikit-learn's analyzer="char".
//
// NGrams makes the n-grams of a token list in scikit-learn's order, and Hasher maps tokens
// or n-grams to a fixed number of buckets with scikit-learn's HashingVectorizer hash, for
// bag-of-n-gram models without a vocabulary.
//
// # Vocabularies
//
// A Vocab maps tokens to ids. Ids 0 and 1 are reserved for PadToken ("<pad>") and UnkToken
// ("<unk>"); the other tokens follow by decreasing count, ties broken by byte order, so the
// same corpus always gives the same ids. VocabOptions sets a minimum count and a maximum size.
// A Vocab is saved as plain text, one token per line in id order, and read back by ReadVocab,
// which returns an error naming the line for a malformed file.
//
// # Encoding
//
// Encoder tokenizes texts, looks the tokens up and truncates the ids (Keep: the head, the
// tail, or both ends). Pad lays id sequences out in an int64 tensor [N, T] padded with PadID
// at the end or the start, and returns the lengths as an int64 tensor [N].
// Encoder.FitEncodeAll builds the vocabulary and encodes with one tokenizing pass, as
// scikit-learn's fit_transform does. BuildVocab, CountAll, EncodeAll and FitEncodeAll spread
// a corpus over GOMAXPROCS goroutines; their results do not depend on that number.
//
// # Errors
//
// Caller bugs (an n-gram range that is not valid, an id out of range, a bad pattern) panic
// with *tensor.Error. Outside input (vocabulary files, user text) never panics: text is
// tokenized whatever its bytes (the default scanner never puts invalid UTF-8 in a token),
// and reading a vocabulary returns errors prefixed "text: ".
//
// The 20 Newsgroups corpus is read by package text/newsgroups.
package text
