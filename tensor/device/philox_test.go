package device

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The known-answer vectors published with Random123 (kat_vectors, "philox4x32 10" lines):
// counter, key, expected output.
func TestPhiloxKnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0},
			[4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Philox4x32(c.ctr, c.key), "ctr %08x key %08x", c.ctr, c.key)
	}
	// philoxBlock puts the block number in the low counter words and the seed in the key.
	assert.Equal(t, cases[0].want, PhiloxBlock(0, 0))
	assert.Equal(t, Philox4x32([4]uint32{5, 1, 0, 0}, [2]uint32{7, 3}), PhiloxBlock(3<<32|7, 1<<32|5))
}

func TestPhiloxBlockPairIsTwoBlocks(t *testing.T) {
	for _, c := range []struct{ seed, b uint64 }{{0, 0}, {7, 1 << 32}, {1<<64 - 1, 1<<32 - 1}, {12345, 1<<64 - 2}} {
		w0, w1 := PhiloxBlockPair(c.seed, c.b)
		assert.Equal(t, PhiloxBlock(c.seed, c.b), w0, "seed %d block %d", c.seed, c.b)
		assert.Equal(t, PhiloxBlock(c.seed, c.b+1), w1, "seed %d block %d", c.seed, c.b+1)
	}
}
