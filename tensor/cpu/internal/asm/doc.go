// Package asm holds the CPU backend's innermost loops: the GEMM micro-kernels, the packers'
// transposition and the vector kernels over contiguous float32 runs, the way gonum's
// internal/asm does.
//
// Each kernel is an exported function whose doc comment is its reference loop, the definition
// it follows to the bit, the order of additions and the steps of every approximation
// included, so that results are the same on every machine. Its pure-Go twin is always
// compiled, runs on other architectures, on CPUs without the vector units and under the
// noasm build tag, and is the oracle of the tests, which compare every assembly kernel with
// it bit for bit on random lengths and unaligned offsets with NaN guard bands around the
// output.
//
// # Dispatch
//
// The instruction-set level (Best) is chosen once at start-up with golang.org/x/sys/cpu:
// AVX512 (F, DQ, BW, VL, with AVX2 and FMA) or AVX2 (with FMA) on amd64, Generic elsewhere
// and under -tags noasm. Features decide, never the CPU model. The default go build gets the
// assembly: no cgo, no experiment flags.
//
// # Generated assembly
//
// The .s files and their Go declarations (*_amd64.s, *_stubs_*.go) are written by the
// generator in gen/ from one description per kernel at both vector widths; CI checks that
// they are current (go run ./tensor/cpu/internal/asm/gen -check).
//
// # Fused multiply-adds
//
// The GEMM kernels and the approximations use fused multiply-adds; the twins compute them
// with math.FMA for float64 and fma32, a correctly rounded float32 FMA, for float32 (and
// write float32(a*b) + c where a plain product and sum are meant, so that no compiler fuses
// them behind the reference loop's back).
package asm
