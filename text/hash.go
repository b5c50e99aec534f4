package text

import (
	"encoding/binary"
	"math/bits"
)

// Hasher maps tokens (or n-grams) to a fixed number of buckets, the hashing trick of
// scikit-learn's HashingVectorizer: the bucket of a token is |h| mod Buckets, where h is the
// signed 32-bit MurmurHash3 (seed 0) of its UTF-8 bytes. A model with an embedding of
// Offset+Buckets rows then needs no vocabulary; Offset keeps low ids free, such as PadID.
type Hasher struct {
	Buckets int   // number of buckets; must be positive
	Offset  int64 // added to every bucket
}

// ID returns the id of one token: Offset plus its bucket. It panics with *tensor.Error if
// Buckets is not positive.
func (h Hasher) ID(token string) int64 {
	if h.Buckets <= 0 {
		panicf("text.Hasher", "%d buckets, want a positive number", h.Buckets)
	}
	return h.Offset + int64(bucket(Murmur3(token), h.Buckets))
}

// IDs returns the ids of tokens, in order.
func (h Hasher) IDs(tokens []string) []int64 {
	out := make([]int64, len(tokens))
	for i, t := range tokens {
		out[i] = h.ID(t)
	}
	return out
}

// bucket is scikit-learn's index: abs(h) % n, where abs(-2^31) counts as 2^31.
func bucket(h int32, n int) int {
	a := int64(h)
	if a < 0 {
		a = -a
	}
	return int(a % int64(n))
}

// Murmur3 returns the 32-bit MurmurHash3 (x86 variant, seed 0) of the bytes of s, as a signed
// integer: scikit-learn's murmurhash3_32(s, positive=False).
func Murmur3(s string) int32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	var h uint32
	n := len(s)
	i := 0
	for ; i+4 <= n; i += 4 {
		k := binary.LittleEndian.Uint32([]byte(s[i : i+4]))
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	var k uint32
	switch n - i {
	case 3:
		k ^= uint32(s[i+2]) << 16
		fallthrough
	case 2:
		k ^= uint32(s[i+1]) << 8
		fallthrough
	case 1:
		k ^= uint32(s[i])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return int32(h)
}
