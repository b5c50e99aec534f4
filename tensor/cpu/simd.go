package cpu

import (
	"math"

	"github.com/godl/godl/tensor/cpu/internal/asm"
	"github.com/godl/godl/tensor/device"
)

// The vector kernels of package internal/asm, where a float32 operation meets contiguous runs.
// Each function reports whether it handled the run; the generic loops take the rest. Float32
// stays float32: the transcendental kernels approximate in float32 within the errors their
// documentation gives (exp, log and tanh 1 ulp, sigmoid 2, GELU 7), instead of a float64 round trip.

// unaryF32 computes dst = op(src) for one contiguous run.
func unaryF32(op device.UnaryOp, dst, src []float32, a float64) bool {
	c := float32(a)
	exact := float64(c) == a // the scalar is a float32: one rounding, as the float64 forms give
	switch op {
	case device.OpExp:
		asm.ExpF32(dst, src)
	case device.OpTanh:
		asm.TanhF32(dst, src)
	case device.OpLog:
		asm.LogF32(dst, src)
	case device.OpGELU:
		asm.GELUF32(dst, src)
	case device.OpSigmoid:
		asm.SigmoidF32(dst, src)
	case device.OpReLU:
		asm.ReLUF32(dst, src)
	case device.OpAddScalar:
		asm.AddScalarF32(dst, src, c)
	case device.OpMulScalar:
		asm.MulScalarF32(dst, src, c)
	case device.OpDivScalar:
		asm.DivScalarF32(dst, src, c)
	case device.OpRSubScalar:
		asm.RSubScalarF32(dst, src, c)
	case device.OpRDivScalar:
		if !exact {
			return false
		}
		asm.RDivScalarF32(dst, src, c)
	default:
		return false
	}
	return true
}

// binaryF32 computes dst = x op y for one contiguous run, where xs or ys is 0 for an operand
// broadcast along the run (its first element for every element of dst).
func binaryF32(op device.BinaryOp, dst, x, y []float32, xs, ys int) bool {
	switch {
	case xs == 1 && ys == 1:
		switch op {
		case device.OpAdd:
			asm.AddF32(dst, x, y)
		case device.OpSub:
			asm.SubF32(dst, x, y)
		case device.OpMul:
			asm.MulF32(dst, x, y)
		case device.OpDiv:
			asm.DivF32(dst, x, y)
		default:
			return false
		}
	case xs == 1 && ys == 0:
		c := y[0]
		switch op {
		case device.OpAdd:
			asm.AddScalarF32(dst, x, c)
		case device.OpSub:
			asm.SubScalarF32(dst, x, c)
		case device.OpMul:
			asm.MulScalarF32(dst, x, c)
		case device.OpDiv:
			asm.DivScalarF32(dst, x, c)
		default:
			return false
		}
	case xs == 0 && ys == 1:
		c := x[0]
		switch op {
		case device.OpAdd:
			asm.AddScalarF32(dst, y, c) // c + y[i] = y[i] + c
		case device.OpSub:
			asm.RSubScalarF32(dst, y, c)
		case device.OpMul:
			asm.MulScalarF32(dst, y, c)
		case device.OpDiv:
			asm.RDivScalarF32(dst, y, c)
		default:
			return false
		}
	default:
		return false
	}
	return true
}

// softmaxRowF32 computes one contiguous row of softmax or log-softmax: the maximum, the
// exponentials of x - max (written to dst) with their sum in float64, then the scaling, or
// for log-softmax x - (max + log Σ).
func softmaxRowF32(dst, src []float32, log bool) {
	m := asm.MaxF32(src)
	if math.IsInf(float64(m), -1) {
		m = 0 // a row of -Inf: exp(-Inf - 0) = 0, the sum is 0, the result NaN as in torch
	}
	asm.ExpSubF32(dst, src, m)
	sum := asm.SumF32(dst)
	if log {
		// x - lse in float32: one more rounding than in float64, of lse, whose error
		// u·|lse| ≤ u·(|max| + log n) stays within what the subtraction of the max costs.
		asm.SubScalarF32(dst, src, float32(float64(m)+math.Log(sum)))
		return
	}
	asm.MulScalarF32(dst, dst, float32(1/sum))
}

// PeakGFLOPS returns one core's float32 FMA peak in GFLOP/s at the widest vector width this
// CPU runs (measured once, in about 20 ms), and the name of the kernels' instruction set
// ("avx512", "avx2" or "go"): benchmarks report GEMM rates as a fraction of it.
func PeakGFLOPS() (gflops float64, isa string) { return asm.PeakGFLOPS(), asm.Best().String() }
