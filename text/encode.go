package text

import (
	"github.com/godl/godl/tensor"
)

// Keep says which part of a sequence longer than the maximum length is kept.
type Keep int

// The truncation modes. The zero value, KeepHead, keeps the beginning.
const (
	KeepHead Keep = iota // keep the first ids
	KeepTail             // keep the last ids
	KeepBoth             // keep both ends: the first ceil(max/2) ids and the last floor(max/2)
)

// Side says where padding goes.
type Side int

// The padding sides. The zero value, PadPost, pads at the end.
const (
	PadPost Side = iota // ids first, then padding
	PadPre              // padding first, then ids
)

// Truncate returns ids cut to at most maxLen ids, keeping the part that keep says; ids itself
// when it is short enough (maxLen 0 means no limit), else a new slice. It panics with
// *tensor.Error if maxLen is negative or keep unknown.
func Truncate(ids []int64, maxLen int, keep Keep) []int64 {
	checkTruncate("text.Truncate", maxLen, keep)
	if maxLen == 0 || len(ids) <= maxLen {
		return ids
	}
	switch keep {
	case KeepHead:
		return append([]int64(nil), ids[:maxLen]...)
	case KeepTail:
		return append([]int64(nil), ids[len(ids)-maxLen:]...)
	}
	head := (maxLen + 1) / 2
	out := append(make([]int64, 0, maxLen), ids[:head]...)
	return append(out, ids[len(ids)-(maxLen-head):]...)
}

func checkTruncate(op string, maxLen int, keep Keep) {
	if maxLen < 0 {
		panicf(op, "negative maximum length %d", maxLen)
	}
	if keep < KeepHead || keep > KeepBoth {
		panicf(op, "unknown Keep %d", int(keep))
	}
}

// PadOptions says how Pad lays sequences out. The zero value pads at the end to the longest
// sequence and truncates nothing.
type PadOptions struct {
	Len  int  // the length of every row; 0 means the longest sequence's
	Keep Keep // which part of a longer sequence to keep
	Side Side // where the padding goes
}

// Pad lays sequences out in the rows of an int64 tensor of shape [len(seqs), T] filled with
// PadID, where T is o.Len or, when that is 0, the length of the longest sequence. Sequences
// longer than T are truncated as o.Keep says. It returns the ids and the length of each row
// without its padding, an int64 tensor of shape [len(seqs)] (the form PyTorch's
// pack_padded_sequence takes). It panics with *tensor.Error if o.Len is negative or a mode is
// unknown.
func Pad(seqs [][]int64, o PadOptions) (ids, lengths *tensor.Tensor) {
	if o.Side != PadPost && o.Side != PadPre {
		panicf("text.Pad", "unknown Side %d", int(o.Side))
	}
	if o.Len < 0 {
		panicf("text.Pad", "negative length %d", o.Len)
	}
	t := o.Len
	if t == 0 {
		for _, s := range seqs {
			t = max(t, len(s))
		}
	}
	flat := make([]int64, len(seqs)*t) // PadID is 0
	lens := make([]int64, len(seqs))
	for i, s := range seqs {
		s = Truncate(s, t, o.Keep)
		row := flat[i*t : (i+1)*t]
		if o.Side == PadPre {
			row = row[t-len(s):]
		}
		copy(row, s)
		lens[i] = int64(len(s))
	}
	return tensor.From(flat, len(seqs), t), tensor.From(lens)
}

// Encoder turns texts into ids: it tokenizes, looks the tokens up and truncates.
type Encoder struct {
	Tokenizer Tokenizer // nil means the zero Word (CountVectorizer's defaults)
	Vocab     *Vocab    // nil means the zero Vocab: every token is unknown
	MaxLen    int       // the most ids a text gives; 0 means no limit
	Keep      Keep      // which part of a longer text to keep
}

func (e *Encoder) tokenizer() Tokenizer {
	if e.Tokenizer == nil {
		return &Word{}
	}
	return e.Tokenizer
}

// Encode returns the ids of one text. It panics with *tensor.Error if MaxLen is negative or
// Keep unknown.
func (e *Encoder) Encode(s string) []int64 {
	var sc scratch
	return e.encode(e.tokenizer(), &sc, s)
}

// scratch holds the buffers one goroutine reuses from text to text.
type scratch struct {
	bytes []byte
	ids   []int64
}

// encode encodes s with the buffers in sc.
func (e *Encoder) encode(tok Tokenizer, sc *scratch, s string) []int64 {
	checkTruncate("text.Encoder", e.MaxLen, e.Keep)
	v := e.Vocab
	if v == nil {
		v = &Vocab{}
	}
	ids := sc.ids[:0]
	eachToken(tok, s, &sc.bytes, func(t []byte) {
		ids = append(ids, v.idBytes(t))
	})
	sc.ids = ids
	if e.MaxLen > 0 && len(ids) > e.MaxLen {
		return Truncate(ids, e.MaxLen, e.Keep) // a copy
	}
	return append(make([]int64, 0, len(ids)), ids...) // never nil
}

// EncodeAll returns the ids of every text, in order, encoded on GOMAXPROCS goroutines. It
// panics as Encode does.
func (e *Encoder) EncodeAll(texts []string) [][]int64 {
	tok := e.tokenizer()
	out := make([][]int64, len(texts))
	forShards(len(texts), shards(len(texts)), func(_, lo, hi int) {
		var sc scratch
		for i := lo; i < hi; i++ {
			out[i] = e.encode(tok, &sc, texts[i])
		}
	})
	return out
}

// FitEncodeAll builds the vocabulary of texts and encodes them with it, tokenizing each text
// once (scikit-learn's fit_transform): it returns the vocabulary BuildVocab(e.Tokenizer,
// texts, o) returns and the ids EncodeAll returns with that vocabulary. e.Vocab is not used
// or changed. It runs on GOMAXPROCS goroutines and panics as Encode does.
func (e *Encoder) FitEncodeAll(texts []string, o VocabOptions) (*Vocab, [][]int64) {
	checkTruncate("text.Encoder", e.MaxLen, e.Keep)
	tok := e.tokenizer()
	k := shards(len(texts))
	tabs := make([]*table, k)
	counts := make([][]int, k)
	local := make([][]int32, len(texts)) // each text's tokens, numbered in its shard's table
	forShards(len(texts), k, func(p, lo, hi int) {
		tab := newTable(1 << 12)
		var cnt []int
		var scratch []byte
		var buf []int32
		for i := lo; i < hi; i++ {
			buf = buf[:0]
			eachToken(tok, texts[i], &scratch, func(t []byte) {
				j, isNew := tab.add(t)
				switch {
				case isNew:
					cnt = append(cnt, 1)
				case j >= 0:
					cnt[j]++
				}
				buf = append(buf, int32(j)) // -1 for an empty token
			})
			local[i] = append([]int32(nil), buf...)
		}
		tabs[p], counts[p] = tab, cnt
	})
	total := make(Counter)
	for p, tab := range tabs {
		for j, n := range counts[p] {
			total[string(tab.key(j))] += n
		}
	}
	v := NewVocab(total, o)
	out := make([][]int64, len(texts))
	forShards(len(texts), k, func(p, lo, hi int) {
		remap := make([]int64, tabs[p].len())
		for j := range remap {
			remap[j] = v.idBytes(tabs[p].key(j))
		}
		for i := lo; i < hi; i++ {
			ids := make([]int64, len(local[i]))
			for x, j := range local[i] {
				if j < 0 {
					ids[x] = UnkID
				} else {
					ids[x] = remap[j]
				}
			}
			local[i] = nil
			out[i] = Truncate(ids, e.MaxLen, e.Keep)
		}
	})
	return v, out
}
