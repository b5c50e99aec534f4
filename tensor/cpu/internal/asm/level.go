package asm

// Level is an instruction-set level of the kernels: which implementation of each kernel runs.
type Level uint8

// The levels, from the pure-Go twins up.
const (
	Generic Level = iota // the pure-Go twins: other architectures, old CPUs, -tags noasm
	AVX2                 // amd64 with AVX2 and FMA (256-bit vectors)
	AVX512               // amd64 with AVX-512 F, DQ, BW and VL (512-bit vectors)
)

func (l Level) String() string {
	switch l {
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	}
	return "go"
}

// Best returns the level the kernels run at: the widest this CPU supports, chosen once at
// start-up with golang.org/x/sys/cpu (Generic under the noasm build tag and on other
// architectures).
func Best() Level { return best }

// Caches holds the sizes in bytes of the data caches that one core sees, for cache blocking.
// A level the CPU does not report has a size of 0.
type Caches struct {
	L1, L2, L3 int
}

// CacheSizes returns the data cache sizes of this CPU (from CPUID on amd64), with common
// defaults (48 KiB, 1 MiB, 8 MiB) for what it cannot learn.
func CacheSizes() Caches {
	c := caches
	if c.L1 <= 0 {
		c.L1 = 48 << 10
	}
	if c.L2 <= 0 {
		c.L2 = 1 << 20
	}
	if c.L3 <= 0 {
		c.L3 = 8 << 20
	}
	return c
}
