package text

import (
	"bytes"
	"hash/maphash"
)

// table is an open-addressing hash table that numbers distinct token bytes 0, 1, 2, ... in
// the order they are added: the lookups on the hot path of CountAll and Encoder. A Go
// map[string] must follow each key's pointer to compare it; table keeps 32 bits of the hash
// in a 16-byte slot, so a probe reads the key bytes (packed in one arena) only when those
// match, and it looks up a []byte without making a string. The zero value is not usable:
// call newTable.
type table struct {
	slots []slot   // a power of two in length, at most half full
	arena []byte   // the keys, end to end
	ends  []uint32 // key i is arena[ends[i-1]:ends[i]] (from 0 for i == 0)
	seed  maphash.Seed
}

type slot struct {
	hash uint32 // the hash's high bits
	off  uint32 // the key is arena[off : off+len]
	len  uint32 // 0 marks an empty slot: keys are never empty
	idx  uint32 // the key's number
}

func newTable(capacity int) *table {
	size := 16
	for size < 2*capacity {
		size *= 2
	}
	return &table{slots: make([]slot, size), seed: maphash.MakeSeed()}
}

// len returns the number of keys.
func (t *table) len() int { return len(t.ends) }

// find returns the slot of key, or the empty slot where it would go.
func (t *table) find(key []byte, h uint64) *slot {
	mask := uint64(len(t.slots) - 1)
	tag := uint32(h >> 32)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.len == 0 || s.hash == tag && int(s.len) == len(key) && bytes.Equal(t.arena[s.off:s.off+s.len], key) {
			return s
		}
	}
}

// get returns the number of key and whether the table holds it.
func (t *table) get(key []byte) (int, bool) {
	if len(key) == 0 {
		return 0, false
	}
	s := t.find(key, maphash.Bytes(t.seed, key))
	return int(s.idx), s.len != 0
}

// add returns the number of key, adding key if it is new, and whether it was. An empty key
// is not added: add returns -1 for it.
func (t *table) add(key []byte) (int, bool) {
	if len(key) == 0 {
		return -1, false
	}
	h := maphash.Bytes(t.seed, key)
	s := t.find(key, h)
	if s.len != 0 {
		return int(s.idx), false
	}
	if 2*(len(t.ends)+1) > len(t.slots) {
		t.grow()
		s = t.find(key, h)
	}
	idx := len(t.ends)
	*s = slot{hash: uint32(h >> 32), off: uint32(len(t.arena)), len: uint32(len(key)), idx: uint32(idx)}
	t.arena = append(t.arena, key...)
	t.ends = append(t.ends, uint32(len(t.arena)))
	return idx, true
}

func (t *table) grow() {
	old := t.slots
	t.slots = make([]slot, 2*len(old))
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.len == 0 {
			continue
		}
		// Rehash from the key: the slot keeps only the hash's high bits.
		key := t.arena[s.off : s.off+s.len]
		i := maphash.Bytes(t.seed, key) & mask
		for t.slots[i].len != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// key returns key number i.
func (t *table) key(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.arena[start:t.ends[i]]
}
