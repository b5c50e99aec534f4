// Package asm holds the CPU backend's innermost loops: the GEMM micro-kernels and the vector
// kernels that the SIMD work speeds up, the way gonum's internal/asm does.
//
// Each kernel is an exported function whose doc comment is its reference loop, the definition
// it must follow to the bit (the order of additions included, so that results stay the same
// on every machine). Its pure-Go twin (*_generic.go) is always compiled and always tested;
// an assembly version for amd64 (AVX2+FMA, AVX-512), chosen at start-up with
// golang.org/x/sys/cpu, replaces it where the CPU allows, and is tested against it. The build
// tag noasm forces the pure-Go twins everywhere; CI tests both.
package asm
