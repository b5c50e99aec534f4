//go:build !noasm

package asm

//go:noescape
func fmaPeak256(n int)

//go:noescape
func fmaPeak512(n int)

func fmaLoop(l Level, n int) int {
	switch {
	case l == AVX512 && best >= AVX512:
		fmaPeak512(n)
		return n * 24 * 16 * 2
	case l >= AVX2 && best >= AVX2:
		fmaPeak256(n)
		return n * 14 * 8 * 2
	}
	return fmaLoopGo(n)
}
