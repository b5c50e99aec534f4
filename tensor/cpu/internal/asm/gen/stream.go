package main

import "fmt"

// The kernels over several streams at once, each with its own Go declaration (the map
// kernels share one shape): Adam's update and the LSTM cell's backward.

// streamSpec is the Go side of one such kernel: its assembly declaration's parameters, the
// dispatcher's parameters, the call the dispatcher makes, the slice whose length is the
// count, and the dispatcher's parameter types for the builds without assembly.
type streamSpec struct {
	name, params, gparams, call, lenOf, otypes string
}

var streamKernels = []streamSpec{
	{
		name:    "adamF32",
		params:  "p, grad, m, v *float32, n int, k *[adamK]float32",
		gparams: "p, grad, m, v []float32, k *[adamK]float32",
		call:    "unsafe.SliceData(p), unsafe.SliceData(grad), unsafe.SliceData(m), unsafe.SliceData(v), len(p), k",
		lenOf:   "p",
		otypes:  "[]float32, []float32, []float32, []float32, *[adamK]float32",
	},
	{
		name:    "adamWDF32",
		params:  "p, grad, m, v *float32, n int, k *[adamK]float32",
		gparams: "p, grad, m, v []float32, k *[adamK]float32",
		call:    "unsafe.SliceData(p), unsafe.SliceData(grad), unsafe.SliceData(m), unsafe.SliceData(v), len(p), k",
		lenOf:   "p",
		otypes:  "[]float32, []float32, []float32, []float32, *[adamK]float32",
	},
	{
		name:    "lstmBackF32",
		params:  "dgates, gates *float32, stride int, dh, tc, cp, dc, dcp *float32, n int",
		gparams: "dgates, gates []float32, stride int, dh, tc, cp, dc, dcp []float32",
		call:    "unsafe.SliceData(dgates), unsafe.SliceData(gates), stride, unsafe.SliceData(dh), unsafe.SliceData(tc), unsafe.SliceData(cp), unsafe.SliceData(dc), unsafe.SliceData(dcp), len(dh)",
		lenOf:   "dh",
		otypes:  "[]float32, []float32, int, []float32, []float32, []float32, []float32, []float32",
	},
}

// The constants of Adam's kernels by index in the array k they take, as in vec.go.
const (
	adamSign  = iota // -0 to negate the gradient (maximize), +0 to keep it
	adamDecay        // the decoupled weight decay's factor (1 for none)
	adamWD           // the coupled weight decay (adamWDF32 only)
	adamB1
	adamOM1
	adamB2
	adamOM2
	adamEps
	adamBC2
	adamStep
	adamK
)

// sctx is the state of one stream kernel being written. (g is the goroutine register in Go's
// assembly, so no parameter is called g.) The element count is in CX; the tail's mask is K1 (AVX-512) or V15 (AVX2).
type sctx struct {
	f *asmFile
	v isa
}

func (c *sctx) r(i int) string { return c.v.r(i) }

// load writes dst = the vector at mem, only the tail's lanes (the rest 0) when masked.
func (c *sctx) load(mem, dst string, masked bool) {
	switch {
	case !masked:
		c.f.op("VMOVUPS %s, %s", mem, dst)
	case c.v.reg == "Z":
		c.f.op("VPXORD %s, %s, %s", dst, dst, dst)
		c.f.op("VMOVUPS %s, K1, %s", mem, dst)
	default:
		c.f.op("VMASKMOVPS %s, %s, %s", mem, c.r(15), dst)
	}
}

// store writes src to mem, only the tail's lanes when masked.
func (c *sctx) store(src, mem string, masked bool) {
	switch {
	case !masked:
		c.f.op("VMOVUPS %s, %s", src, mem)
	case c.v.reg == "Z":
		c.f.op("VMOVUPS %s, K1, %s", src, mem)
	default:
		c.f.op("VMASKMOVPS %s, %s, %s", src, c.r(15), mem)
	}
}

// streamLoop writes the loop of a stream kernel whose arguments prologue has loaded: body
// over whole vectors while CX holds at least a vector's lanes, advancing the pointer
// registers ptrs by a vector after each, then body once more over the last CX lanes under a
// mask (built in AX and CX).
func streamLoop(c *sctx, name string, ptrs []string, body func(masked bool)) {
	f, v := c.f, c.v
	lanes := v.bytes / 4
	f.label(name + "_loop")
	f.op("CMPQ CX, $%d", lanes)
	f.op("JL %s_tail", name)
	body(false)
	for _, p := range ptrs {
		f.op("ADDQ $%d, %s", v.bytes, p)
	}
	f.op("SUBQ $%d, CX", lanes)
	f.op("JMP %s_loop", name)
	f.label(name + "_tail")
	f.op("TESTQ CX, CX")
	f.op("JEQ %s_done", name)
	if v.reg == "Z" {
		f.op("MOVQ $1, AX")
		f.op("SHLQ CX, AX")
		f.op("DECQ AX")
		f.op("KMOVW AX, K1")
	} else {
		f.op("NEGQ CX")
		f.op("ADDQ $8, CX")
		f.op("LEAQ maskF32<>(SB), AX")
		f.op("VMOVDQU (AX)(CX*4), %s", c.r(15))
	}
	body(true)
	f.label(name + "_done")
	f.op("VZEROUPPER")
	f.op("RET")
}

// adamKernel writes func adam[WD]F32<v>(p, grad, m, v *float32, n int, k *[adamK]float32), the
// loop of AdamF32 (vec.go) with the constants of k, the coupled weight decay's term only in
// the WD kernel. The constants live in V0..V9, the values in V10..V14.
func adamKernel(f *asmFile, v isa, wd bool) {
	name := "adamF32" + v.name
	if wd {
		name = "adamWDF32" + v.name
	}
	c := &sctx{f: f, v: v}
	f.raw(fmt.Sprintf("\n// func %s(p, grad, m, v *float32, n int, k *[adamK]float32)\nTEXT ·%s(SB), NOSPLIT, $0-48\n", name, name))
	f.op("MOVQ p+0(FP), DI")
	f.op("MOVQ grad+8(FP), SI")
	f.op("MOVQ m+16(FP), DX")
	f.op("MOVQ v+24(FP), BX")
	f.op("MOVQ n+32(FP), CX")
	f.op("MOVQ k+40(FP), AX")
	for i := range adamK {
		if i == adamWD && !wd {
			continue
		}
		f.op("VBROADCASTSS %d(AX), %s", 4*i, c.r(i))
	}
	k := func(i int) string { return c.r(i) }
	P, G, M, V, T := c.r(10), c.r(11), c.r(12), c.r(13), c.r(14)
	streamLoop(c, name, []string{"DI", "SI", "DX", "BX"}, func(masked bool) {
		c.load("(DI)", P, masked)
		c.load("(SI)", G, masked)
		f.op("VXORPS %s, %s, %s", k(adamSign), G, G) // maximize: -g
		f.op("VMULPS %s, %s, %s", k(adamDecay), P, P)
		if wd {
			f.op("VMULPS %s, %s, %s", k(adamWD), P, T)
			f.op("VADDPS %s, %s, %s", T, G, G) // g + wd·p
		}
		c.load("(DX)", M, masked)
		f.op("VMULPS %s, %s, %s", k(adamB1), M, M)
		f.op("VMULPS %s, %s, %s", k(adamOM1), G, T)
		f.op("VADDPS %s, %s, %s", T, M, M) // m·β₁ + (1-β₁)·g
		c.store(M, "(DX)", masked)
		c.load("(BX)", V, masked)
		f.op("VMULPS %s, %s, %s", k(adamB2), V, V)
		f.op("VMULPS %s, %s, %s", k(adamOM2), G, T)
		f.op("VMULPS %s, %s, %s", G, T, T)
		f.op("VADDPS %s, %s, %s", T, V, V) // v·β₂ + ((1-β₂)·g)·g
		c.store(V, "(BX)", masked)
		f.op("VSQRTPS %s, %s", V, T)
		f.op("VDIVPS %s, %s, %s", k(adamBC2), T, T)
		f.op("VADDPS %s, %s, %s", k(adamEps), T, T) // √v/bc2 + ε
		f.op("VMULPS %s, %s, %s", k(adamStep), M, G)
		f.op("VDIVPS %s, %s, %s", T, G, G)
		f.op("VADDPS %s, %s, %s", G, P, P) // p + (step·m)/denom
		c.store(P, "(DI)", masked)
	})
}

// lstmBackKernel writes func lstmBackF32<v>(dgates, gates *float32, stride int, dh, tc, cp,
// dc, dcp *float32, n int), the loop of LSTMBackF32 (vec.go). The gates are at gates, +s, +2s and
// +2s+s (s = stride bytes in R8), their gradients likewise from dgates; the inputs load into
// V0..V7 before any output is stored, so that outputs may alias inputs at the same places;
// V8..V13 hold the intermediate values and V14 the constant 1.
func lstmBackKernel(f *asmFile, v isa) {
	name := "lstmBackF32" + v.name
	c := &sctx{f: f, v: v}
	f.raw(fmt.Sprintf("\n// func %s(dgates, gates *float32, stride int, dh, tc, cp, dc, dcp *float32, n int)\nTEXT ·%s(SB), NOSPLIT, $0-72\n", name, name))
	f.op("MOVQ dgates+0(FP), DI")
	f.op("MOVQ gates+8(FP), SI")
	f.op("MOVQ stride+16(FP), R8")
	f.op("SHLQ $2, R8")
	f.op("LEAQ (SI)(R8*2), R9")
	f.op("LEAQ (DI)(R8*2), R10")
	f.op("MOVQ dh+24(FP), R11")
	f.op("MOVQ tc+32(FP), R12")
	f.op("MOVQ cp+40(FP), R13")
	f.op("MOVQ dc+48(FP), DX")
	f.op("MOVQ dcp+56(FP), BX")
	f.op("MOVQ n+64(FP), CX")
	one := c.r(14)
	f.op("VBROADCASTSS oneF32<>(SB), %s", one)
	r := c.r
	i, fg, g, o, d, tc, cp, dc := r(0), r(1), r(2), r(3), r(4), r(5), r(6), r(7)
	dO, dcT, t := r(8), r(9), r(10)
	streamLoop(c, name, []string{"SI", "R9", "DI", "R10", "R11", "R12", "R13", "DX", "BX"}, func(masked bool) {
		c.load("(SI)", i, masked)
		c.load("(SI)(R8*1)", fg, masked)
		c.load("(R9)", g, masked)
		c.load("(R9)(R8*1)", o, masked)
		c.load("(R11)", d, masked)
		c.load("(R12)", tc, masked)
		c.load("(R13)", cp, masked)
		c.load("(DX)", dc, masked)
		f.op("VMULPS %s, %s, %s", tc, d, dO) // dO = d·tc
		f.op("VMULPS %s, %s, %s", o, d, dcT)
		f.op("VMULPS %s, %s, %s", tc, tc, t)
		f.op("VSUBPS %s, %s, %s", t, one, t)
		f.op("VMULPS %s, %s, %s", t, dcT, dcT)
		f.op("VADDPS %s, %s, %s", dcT, dc, dcT) // dcT = dc + (d·o)·(1 - tc²)
		// di = ((dcT·g)·i)·(1-i)
		f.op("VMULPS %s, %s, %s", g, dcT, d)
		f.op("VMULPS %s, %s, %s", i, d, d)
		f.op("VSUBPS %s, %s, %s", i, one, tc)
		f.op("VMULPS %s, %s, %s", tc, d, d)
		c.store(d, "(DI)", masked)
		// df = ((dcT·cp)·f)·(1-f)
		f.op("VMULPS %s, %s, %s", cp, dcT, tc)
		f.op("VMULPS %s, %s, %s", fg, tc, tc)
		f.op("VSUBPS %s, %s, %s", fg, one, cp)
		f.op("VMULPS %s, %s, %s", cp, tc, tc)
		c.store(tc, "(DI)(R8*1)", masked)
		// dg = (dcT·i)·(1-g²)
		f.op("VMULPS %s, %s, %s", i, dcT, cp)
		f.op("VMULPS %s, %s, %s", g, g, dc)
		f.op("VSUBPS %s, %s, %s", dc, one, dc)
		f.op("VMULPS %s, %s, %s", dc, cp, cp)
		c.store(cp, "(R10)", masked)
		// do = (dO·o)·(1-o)
		f.op("VMULPS %s, %s, %s", o, dO, dO)
		f.op("VSUBPS %s, %s, %s", o, one, dc)
		f.op("VMULPS %s, %s, %s", dc, dO, dO)
		c.store(dO, "(R10)(R8*1)", masked)
		// dcp = dcT·f
		f.op("VMULPS %s, %s, %s", fg, dcT, dcT)
		c.store(dcT, "(BX)", masked)
	})
}
