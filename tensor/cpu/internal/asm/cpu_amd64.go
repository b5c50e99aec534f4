//go:build !noasm

package asm

import "golang.org/x/sys/cpu"

var (
	best   = detect()
	caches = detectCaches()
)

func detect() Level {
	x := cpu.X86
	switch {
	case x.HasAVX512F && x.HasAVX512DQ && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX2 && x.HasFMA:
		return AVX512
	case x.HasAVX2 && x.HasFMA:
		return AVX2
	}
	return Generic
}

// cpuid executes CPUID with the given leaf (EAX) and subleaf (ECX).
//
//go:noescape
func cpuid(eax, ecx uint32) (a, b, c, d uint32)

// detectCaches reads the data cache sizes from CPUID's deterministic cache parameters:
// leaf 4 on Intel, 0x8000001D on AMD (both describe one cache per subleaf in the same format).
func detectCaches() Caches {
	var c Caches
	maxLeaf, ebx, ecx, edx := cpuid(0, 0)
	leaf := uint32(4)
	if ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163 { // "AuthenticAMD"
		if ext, _, _, _ := cpuid(0x80000000, 0); ext < 0x8000001d {
			return c
		}
		leaf = 0x8000001d
	} else if maxLeaf < 4 {
		return c
	}
	for sub := uint32(0); sub < 16; sub++ {
		a, b, cc, _ := cpuid(leaf, sub)
		typ := a & 0x1f
		if typ == 0 {
			break
		}
		if typ != 1 && typ != 3 { // data or unified
			continue
		}
		ways := int(b>>22&0x3ff) + 1
		parts := int(b>>12&0x3ff) + 1
		line := int(b&0xfff) + 1
		sets := int(cc) + 1
		size := ways * parts * line * sets
		switch a >> 5 & 7 {
		case 1:
			c.L1 = size
		case 2:
			c.L2 = size
		case 3:
			c.L3 = size
		}
	}
	return c
}
