package device

import "math/bits"

// Philox 4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw ("Parallel
// random numbers: as easy as 1, 2, 3", SC11), as in PyTorch's CUDA generator and JAX: a
// keyed bijection of 128-bit counters, so that any block of the stream is computed on its
// own, in any order, on any device.

const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9 // the golden ratio
	philoxW1 = 0xBB67AE85 // √3 - 1
)

// Philox4x32 returns the 10-round Philox 4x32 image of the counter ctr under the key.
func Philox4x32(ctr [4]uint32, key [2]uint32) [4]uint32 {
	c0, c1, c2, c3 := ctr[0], ctr[1], ctr[2], ctr[3]
	k0, k1 := key[0], key[1]
	for r := 0; r < 10; r++ {
		if r > 0 {
			k0 += philoxW0
			k1 += philoxW1
		}
		hi0, lo0 := bits.Mul32(philoxM0, c0)
		hi1, lo1 := bits.Mul32(philoxM1, c2)
		c0, c1, c2, c3 = hi1^c1^k0, lo1, hi0^c3^k1, lo0
	}
	return [4]uint32{c0, c1, c2, c3}
}

// PhiloxBlock returns block number b of the stream keyed by seed: the image of the counter
// (b mod 2³², b div 2³², 0, 0) under the key (seed mod 2³², seed div 2³²).
func PhiloxBlock(seed, b uint64) [4]uint32 {
	return Philox4x32([4]uint32{uint32(b), uint32(b >> 32), 0, 0}, [2]uint32{uint32(seed), uint32(seed >> 32)})
}

// PhiloxBlockPair returns blocks b and b+1 of the stream keyed by seed, as two calls of
// PhiloxBlock would, with the two chains of rounds interleaved so that a CPU runs them side
// by side.
func PhiloxBlockPair(seed, b uint64) (w0, w1 [4]uint32) {
	b1 := b + 1
	a0, a1, a2, a3 := uint32(b), uint32(b>>32), uint32(0), uint32(0)
	c0, c1, c2, c3 := uint32(b1), uint32(b1>>32), uint32(0), uint32(0)
	k0, k1 := uint32(seed), uint32(seed>>32)
	for r := 0; r < 10; r++ {
		if r > 0 {
			k0 += philoxW0
			k1 += philoxW1
		}
		ahi0, alo0 := bits.Mul32(philoxM0, a0)
		ahi1, alo1 := bits.Mul32(philoxM1, a2)
		chi0, clo0 := bits.Mul32(philoxM0, c0)
		chi1, clo1 := bits.Mul32(philoxM1, c2)
		a0, a1, a2, a3 = ahi1^a1^k0, alo1, ahi0^a3^k1, alo0
		c0, c1, c2, c3 = chi1^c1^k0, clo1, chi0^c3^k1, clo0
	}
	return [4]uint32{a0, a1, a2, a3}, [4]uint32{c0, c1, c2, c3}
}
