package cpu

import (
	"math"

	"github.com/godl/godl/internal/parallel"
	"github.com/godl/godl/tensor/cpu/internal/asm"
	"github.com/godl/godl/tensor/device"
)

func (cpuDevice) Reduce(op device.ReduceOp, dst, src device.Strided) {
	// Floats accumulate in float64, integers in int64.
	device.ByDType(src.Buf.DType(), reduceKernel[float32, float64], reduceKernel[float64, float64], reduceKernel[int64, int64])(op, dst, src)
}

// partial is the running state of one reduction: the accumulator for Sum and Prod, the extreme
// value and its index for the others.
type partial[T device.Element, A float64 | int64] struct {
	acc A
	val T
	idx int
	any bool
}

// combine folds element x, found at flattened index i, into p.
func (p *partial[T, A]) combine(op device.ReduceOp, x T, i int) {
	switch op {
	case device.ReduceSum:
		p.acc += A(x)
	case device.ReduceProd:
		p.acc *= A(x)
	case device.ReduceMax, device.ReduceArgMax:
		if !p.any || x > p.val || (x != x && p.val == p.val) {
			p.val, p.idx, p.any = x, i, true
		}
	case device.ReduceMin, device.ReduceArgMin:
		if !p.any || x < p.val || (x != x && p.val == p.val) {
			p.val, p.idx, p.any = x, i, true
		}
	}
}

// merge folds a later partial q into p.
func (p *partial[T, A]) merge(op device.ReduceOp, q partial[T, A]) {
	switch op {
	case device.ReduceSum:
		p.acc += q.acc
	case device.ReduceProd:
		p.acc *= q.acc
	default:
		if q.any {
			p.combine(op, q.val, q.idx)
		}
	}
}

func newPartial[T device.Element, A float64 | int64](op device.ReduceOp) partial[T, A] {
	if op == device.ReduceProd {
		return partial[T, A]{acc: 1}
	}
	return partial[T, A]{}
}

// run folds n elements of s, from offset off with the given stride, whose flattened indices
// start at i0.
func (p *partial[T, A]) run(op device.ReduceOp, s []T, off, stride, n, i0 int) {
	if s32, ok := any(s).([]float32); ok && stride == 1 {
		switch op {
		case device.ReduceSum:
			p.acc += A(asm.SumF32(s32[off : off+n]))
			return
		case device.ReduceMax:
			if n > 0 {
				p.combine(op, T(asm.MaxF32(s32[off:off+n])), i0)
			}
			return
		}
	}
	if op == device.ReduceSum && stride == 1 {
		// Four accumulators: independent chains run in parallel in the CPU.
		var a0, a1, a2, a3 A
		r := s[off : off+n]
		i := 0
		for ; i+4 <= len(r); i += 4 {
			a0 += A(r[i])
			a1 += A(r[i+1])
			a2 += A(r[i+2])
			a3 += A(r[i+3])
		}
		for ; i < len(r); i++ {
			a0 += A(r[i])
		}
		p.acc += (a0 + a1) + (a2 + a3)
		return
	}
	for j := 0; j < n; j++ {
		p.combine(op, s[off+j*stride], i0+j)
	}
}

// store writes the result of p into d[o].
func store[T device.Element, A float64 | int64](op device.ReduceOp, dst device.Buffer, o int, p partial[T, A]) {
	switch op {
	case device.ReduceSum, device.ReduceProd:
		cpuData[T](dst)[o] = T(p.acc)
	case device.ReduceMax, device.ReduceMin:
		cpuData[T](dst)[o] = p.val
	default:
		cpuData[int64](dst)[o] = int64(p.idx)
	}
}

func reduceKernel[T device.Element, A float64 | int64](op device.ReduceOp, dst, src device.Strided) {
	np := len(dst.Shape)
	outer := dst.Numel()
	if outer == 0 {
		return
	}
	s := cpuData[T](src.Buf)
	inner := numel(src.Shape[np:])
	red := newIter(src.Shape[np:], device.Layout{Shape: src.Shape[np:], Strides: src.Strides[np:]})
	rInner, rStride, rRows := red.inner(), red.innerStride(0), red.rows()

	// reduceAt folds every reduced element of the output whose first source element is at base.
	reduceAt := func(base int) partial[T, A] {
		p := newPartial[T, A](op)
		if inner == 0 {
			return p
		}
		if rRows == 1 {
			p.run(op, s, base+red.base[0], rStride, rInner, 0)
			return p
		}
		row := 0
		red.eachRow(0, rRows, func(offs [maxOps]int) {
			p.run(op, s, base+offs[0], rStride, rInner, row*rInner)
			row++
		})
		return p
	}

	out := newIter(dst.Shape, dst.Layout, device.Layout{Shape: dst.Shape, Strides: src.Strides[:np], Offset: src.Offset})
	oInner, dStride, sStride := out.inner(), out.innerStride(0), out.innerStride(1)

	// One long reduction per output: split it into fixed pieces, reduce the pieces in
	// parallel, then merge them in order.
	if len(red.shape) == 1 && inner >= 2*blockElems && outer < 64 {
		pieces := (inner + blockElems - 1) / blockElems
		parts := make([]partial[T, A], outer*pieces)
		bases := make([]int, 0, outer)
		dsts := make([]int, 0, outer)
		out.eachRow(0, out.rows(), func(offs [maxOps]int) {
			for j := range oInner {
				dsts = append(dsts, offs[0]+j*dStride)
				bases = append(bases, offs[1]+j*sStride)
			}
		})
		parallel.For(len(parts), 1, func(lo, hi int) {
			for w := lo; w < hi; w++ {
				o, piece := w/pieces, w%pieces
				i0 := piece * blockElems
				p := newPartial[T, A](op)
				p.run(op, s, bases[o]+i0*rStride, rStride, min(blockElems, inner-i0), i0)
				parts[w] = p
			}
		})
		for o := range outer {
			p := parts[o*pieces]
			for _, q := range parts[o*pieces+1 : (o+1)*pieces] {
				p.merge(op, q)
			}
			store(op, dst.Buf, dsts[o], p)
		}
		return
	}

	// Outputs in parallel, in fixed chunks of about blockElems source elements.
	grain := max(1, blockElems/max(1, inner))
	vertical := op == device.ReduceSum && sStride == 1 && rStride != 1 && inner > 0
	if vertical {
		// Whole source rows at a time pay only when the spans are wide: give each chunk at
		// least 64 neighbouring outputs (a column sum of a [12800, 512] gradient would
		// otherwise walk its columns two at a time, with a 2 KiB stride).
		grain = max(grain, 64)
	}
	parallel.For(outer, grain, func(lo, hi int) {
		var acc []A
		out.spans(lo, hi, func(offs [maxOps]int, n int) {
			if !vertical || n < 4 {
				for j := range n {
					store(op, dst.Buf, offs[0]+j*dStride, reduceAt(offs[1]+j*sStride))
				}
				return
			}
			// Neighbouring outputs are neighbours in the source (a column sum): add whole
			// source rows into a row of accumulators instead of walking each column. Each
			// output sums its elements in an order that depends only on the shapes (float32
			// sources in a cascade: see verticalSumF32).
			if cap(acc) < n {
				acc = make([]A, n)
			}
			acc = acc[:n]
			clear(acc)
			base := offs[1]
			s32, isF32 := any(s).([]float32)
			acc64, isF64 := any(acc).([]float64)
			if isF32 && isF64 {
				verticalSumF32(acc64, s32, base, red, rInner, rStride, rRows, n)
			} else {
				red.eachRow(0, rRows, func(ro [maxOps]int) {
					for r := range rInner {
						src := s[base+ro[0]+r*rStride:][:n]
						for j, x := range src {
							acc[j] += A(x)
						}
					}
				})
			}
			d := cpuData[T](dst.Buf)
			for j, a := range acc {
				d[offs[0]+j*dStride] = T(a)
			}
		})
	})
}

// verticalRows is how many source rows verticalSumF32 adds in float32 before it folds them
// into the float64 accumulators: a cascade whose float32 part errs by at most
// verticalRows·u relative to the absolute values it adds.
const verticalRows = 32

// verticalSumF32 adds the float32 rows of n elements that start at base + the reduced
// offsets into acc: verticalRows rows at a time summed in float32 with the vector kernel,
// each such partial sum then added to acc in float64.
func verticalSumF32(acc []float64, s []float32, base int, red *iter, rInner, rStride, rRows, n int) {
	const chunk = 512
	var part [chunk]float32
	for j0 := 0; j0 < n; j0 += chunk {
		p := part[:min(chunk, n-j0)]
		rows := 0
		flush := func() {
			for j, x := range p {
				acc[j0+j] += float64(x)
			}
			rows = 0
		}
		red.eachRow(0, rRows, func(ro [maxOps]int) {
			for r := range rInner {
				src := s[base+ro[0]+r*rStride+j0:][:len(p)]
				if rows == 0 {
					copy(p, src)
				} else {
					asm.AddF32(p, p, src)
				}
				if rows++; rows == verticalRows {
					flush()
				}
			}
		})
		if rows > 0 {
			flush()
		}
	}
}

// Softmax is the CPU's fused softmax: one pass for the maximum, one for the exponentials and
// their sum, one to scale, per row: contiguous float32 rows with the vector kernels
// (softmaxRowF32), other rows in float64 arithmetic.
func (cpuDevice) Softmax(dst, src device.Strided, axis int, log bool) {
	switch src.Buf.DType() {
	case device.Float32:
		softmaxKernel[float32](dst, src, axis, log)
	case device.Float64:
		softmaxKernel[float64](dst, src, axis, log)
	default:
		device.Panicf("tensor.Softmax", "dtype %s not supported", src.Buf.DType())
	}
}

func softmaxKernel[T float32 | float64](dst, src device.Strided, axis int, log bool) {
	if dst.Numel() == 0 {
		return
	}
	n := src.Shape[axis]
	dss, sss := dst.Strides[axis], src.Strides[axis]
	// Iterate over every position except along axis.
	shape := append([]int(nil), src.Shape...)
	shape[axis] = 1
	it := newIter(shape, device.Layout{Shape: shape, Strides: dst.Strides, Offset: dst.Offset},
		device.Layout{Shape: shape, Strides: src.Strides, Offset: src.Offset})
	d, s := cpuData[T](dst.Buf), cpuData[T](src.Buf)
	ods, oss := it.innerStride(0), it.innerStride(1)
	parallel.For(numel(shape), max(1, blockElems/max(1, n)), func(lo, hi int) {
		it.spans(lo, hi, func(offs [maxOps]int, cnt int) {
			for j := range cnt {
				do, so := offs[0]+j*ods, offs[1]+j*oss
				if d32, ok := any(d).([]float32); ok && dss == 1 && sss == 1 {
					softmaxRowF32(d32[do:do+n], any(s).([]float32)[so:so+n], log)
					continue
				}
				m := math.Inf(-1)
				for i := range n {
					m = max(m, float64(s[so+i*sss]))
				}
				if math.IsInf(m, -1) {
					m = 0 // a row of -Inf: exp(-Inf - 0) = 0, the sum is 0, the result NaN as in torch
				}
				sum := 0.0
				for i := range n {
					e := math.Exp(float64(s[so+i*sss]) - m)
					sum += e
					if !log {
						d[do+i*dss] = T(e)
					}
				}
				if log {
					lse := m + math.Log(sum)
					for i := range n {
						d[do+i*dss] = T(float64(s[so+i*sss]) - lse)
					}
				} else {
					inv := 1 / sum
					for i := range n {
						d[do+i*dss] = T(float64(d[do+i*dss]) * inv)
					}
				}
			}
		})
	})
}
