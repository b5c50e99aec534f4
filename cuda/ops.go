//go:build cuda && cgo

package cuda

/*
#include "driver.h"
*/
import "C"

import (
	"math"

	"github.com/godl/godl/tensor/device"
)

// The primitives of the device contract: each packs its operands' descriptors (layout.go)
// into the argument struct of its kernel (args.go) and queues the kernel. The caller holds no
// lock; each method takes d.mu.

// bufPtr returns the device address of a strided operand's buffer, checking it belongs to d.
func (d *Device) bufPtr(op string, s device.Strided) uint64 { return d.buf(op, s.Buf).ptr }

// elementwise queues kernel over the space of shape walked over ls, cut into launches of at
// most maxDims dimensions; args appends the kernel's fields after the descriptor.
func (d *Device) elementwise(kernel string, shape []int, ls []device.Layout, args func(w *argWords)) {
	s := coalesce(shape, ls...)
	if s.n == 0 {
		return
	}
	parts, _ := s.split()
	for _, p := range parts {
		w := make(argWords, 0, descWords+8)
		w.desc(p)
		args(&w)
		d.launch(kernel, gridFor(p.n, d.info.Multiprocessors), w)
	}
}

// Fill sets every element of dst to v converted to its dtype.
func (d *Device) Fill(dst device.Strided, v float64) {
	p := d.bufPtr("tensor.Fill", dst)
	d.mu.Lock()
	defer d.mu.Unlock()
	kernel := "fill_b64"
	if dst.Buf.DType().Size() == 4 {
		kernel = "fill_b32"
	}
	bits := fillBits(dst.Buf.DType(), v)
	d.elementwise(kernel, dst.Shape, []device.Layout{dst.Layout}, func(w *argWords) {
		w.uint64(p)
		w.uint64(bits)
	})
}

// Copy copies src into dst, converting dtypes as Go does.
func (d *Device) Copy(dst, src device.Strided) {
	dp, sp := d.bufPtr("tensor.Copy", dst), d.bufPtr("tensor.Copy", src)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.copyLocked(dst, dp, src, sp)
}

func (d *Device) copyLocked(dst device.Strided, dp uint64, src device.Strided, sp uint64) {
	kernel := "copy_" + dtypeSuffix(dst.Buf.DType()) + "_" + dtypeSuffix(src.Buf.DType())
	d.elementwise(kernel, dst.Shape, []device.Layout{dst.Layout, src.Layout}, func(w *argWords) {
		w.uint64(dp)
		w.uint64(sp)
	})
}

// Unary sets dst = op(src).
func (d *Device) Unary(op device.UnaryOp, dst, src device.Strided, a, b float64) {
	if op >= device.NumUnaryOps {
		device.Panicf("tensor.Unary", "%s: unknown op %s", d.name, op)
	}
	dp, sp := d.bufPtr("tensor.Unary", dst), d.bufPtr("tensor.Unary", src)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.elementwise("unary_"+dtypeSuffix(dst.Buf.DType()), dst.Shape, []device.Layout{dst.Layout, src.Layout}, func(w *argWords) {
		w.uint64(dp)
		w.uint64(sp)
		w.int(int(op))
		w.float64(a)
		w.float64(b)
	})
}

// Binary sets dst = op(x, y). An Int64 division by zero or negative power is reported at the
// next synchronising call.
func (d *Device) Binary(op device.BinaryOp, dst, x, y device.Strided) {
	if op >= device.NumBinaryOps {
		device.Panicf("tensor.Binary", "%s: unknown op %s", d.name, op)
	}
	dp, xp, yp := d.bufPtr("tensor.Binary", dst), d.bufPtr("tensor.Binary", x), d.bufPtr("tensor.Binary", y)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.elementwise("binary_"+dtypeSuffix(dst.Buf.DType()), dst.Shape, []device.Layout{dst.Layout, x.Layout, y.Layout}, func(w *argWords) {
		w.uint64(dp)
		w.uint64(xp)
		w.uint64(yp)
		w.uint64(uint64(d.flag))
		w.int(int(op))
	})
}

// Where sets dst = x where cond is nonzero, y elsewhere.
func (d *Device) Where(dst, cond, x, y device.Strided) {
	dp, cp := d.bufPtr("tensor.Where", dst), d.bufPtr("tensor.Where", cond)
	xp, yp := d.bufPtr("tensor.Where", x), d.bufPtr("tensor.Where", y)
	d.mu.Lock()
	defer d.mu.Unlock()
	kernel := "where_" + dtypeSuffix(dst.Buf.DType()) + "_" + dtypeSuffix(cond.Buf.DType())
	d.elementwise(kernel, dst.Shape, []device.Layout{dst.Layout, cond.Layout, x.Layout, y.Layout}, func(w *argWords) {
		w.uint64(dp)
		w.uint64(cp)
		w.uint64(xp)
		w.uint64(yp)
	})
}

// Reduce reduces src over its trailing dimensions into dst (reduce.cu has the semantics).
func (d *Device) Reduce(op device.ReduceOp, dst, src device.Strided) {
	if op >= device.NumReduceOps {
		device.Panicf("tensor.Reduce", "%s: unknown reduction %s", d.name, op)
	}
	dp, sp := d.bufPtr("tensor.Reduce", dst), d.bufPtr("tensor.Reduce", src)
	d.mu.Lock()
	defer d.mu.Unlock()
	np := len(dst.Shape)
	trail := src.Shape[np:]
	in := coalesce(trail, device.Layout{Shape: trail, Strides: src.Strides[np:]})
	if len(in.shape) > maxDims {
		// Too many dimensions to reduce in one descriptor: reduce a contiguous copy.
		tmp := d.temp(src.Buf.DType(), src.Numel())
		defer d.freeTemp(tmp)
		cl := device.ContiguousLayout(src.Shape)
		d.copyLocked(device.Strided{Buf: tmp, Layout: cl}, tmp.ptr, src, sp)
		src, sp = device.Strided{Buf: tmp, Layout: cl}, tmp.ptr
		in = coalesce(trail, device.Layout{Shape: trail, Strides: src.Strides[np:]})
	}
	out := coalesce(dst.Shape, dst.Layout, device.Layout{Shape: dst.Shape, Strides: src.Strides[:np], Offset: src.Offset})
	if out.n == 0 {
		return
	}
	sfx := dtypeSuffix(src.Buf.DType())
	parts, _ := out.split()
	for _, p := range parts {
		nd := len(p.shape)
		adjacent := p.shape[nd-1] > 1 && p.strides[1][nd-1] == 1
		plan := planReduce(p.n, in.n, adjacent, d.info.Multiprocessors)
		pack := func(part uint64) argWords {
			w := make(argWords, 0, reduceArgsWords)
			w.desc(p)
			w.desc(in)
			w.int(int(op))
			w.uint64(dp)
			w.uint64(sp)
			w.uint64(part)
			w.int(plan.chunk)
			w.int(plan.nchunks)
			return w
		}
		switch plan.kind {
		case reduceThread:
			d.launch("reduce_thread_"+sfx, plan.first, pack(0))
		case reduceBlock:
			d.launch("reduce_block_"+sfx, plan.first, pack(0))
		case reduceSplit:
			ws := d.temp(device.Float64, p.n*plan.nchunks*partBytes/8)
			w := pack(ws.ptr)
			d.launch("reduce_split_"+sfx, plan.first, w)
			d.launch("reduce_finish_"+sfx, plan.finish, w)
			d.freeTemp(ws)
		}
	}
}

// Softmax is the fused softmax (or log-softmax) along axis: one block per row.
func (d *Device) Softmax(dst, src device.Strided, axis int, log bool) {
	dt := src.Buf.DType()
	if dt == device.Int64 {
		device.Panicf("tensor.Softmax", "dtype %s not supported", dt)
	}
	dp, sp := d.bufPtr("tensor.Softmax", dst), d.bufPtr("tensor.Softmax", src)
	d.mu.Lock()
	defer d.mu.Unlock()
	n := src.Shape[axis]
	shape := append([]int(nil), src.Shape...)
	shape[axis] = 1
	rows := coalesce(shape, device.Layout{Shape: shape, Strides: dst.Strides, Offset: dst.Offset},
		device.Layout{Shape: shape, Strides: src.Strides, Offset: src.Offset})
	if rows.n == 0 || n == 0 {
		return
	}
	parts, _ := rows.split()
	for _, p := range parts {
		w := make(argWords, 0, softmaxArgsWords)
		w.desc(p)
		w.int(n)
		w.int(dst.Strides[axis])
		w.int(src.Strides[axis])
		w.bool(log)
		w.uint64(dp)
		w.uint64(sp)
		d.launch("softmax_"+dtypeSuffix(dt), rowsFor(p.n, n, d.info.Multiprocessors), w)
	}
}

// axisFree returns l seen with shape and a zero stride along axis: the position of each
// element but for the axis coordinate, which an index supplies.
func axisFree(l device.Layout, shape []int, axis int) device.Layout {
	st := append([]int(nil), l.Strides...)
	st[axis] = 0
	return device.Layout{Shape: shape, Strides: st, Offset: l.Offset}
}

// alongAxis returns a 1-D index operand seen with shape: its stride along axis, zero elsewhere.
func alongAxis(idx device.Layout, shape []int, axis int) device.Layout {
	st := make([]int, len(shape))
	st[axis] = idx.Strides[0]
	return device.Layout{Shape: shape, Strides: st, Offset: idx.Offset}
}

// checkIndex queues the check of a 1-D index operand against [0, limit), flagging code.
func (d *Device) checkIndex(idx device.Strided, ip uint64, limit, code int) {
	d.elementwise("index_check", idx.Shape, []device.Layout{idx.Layout}, func(w *argWords) {
		w.uint64(ip)
		w.int(limit)
		w.int(code)
		w.uint64(uint64(d.flag))
	})
}

// indexKernel queues gather_T or scatter_T walking walk's shape over the layouts walk, idx
// and other (see IndexArgs in index.cu).
func (d *Device) indexKernel(kernel string, shape []int, walk device.Layout, wp uint64, idx device.Layout, ip uint64,
	other device.Layout, op uint64, axisStride, limit, code int) {
	d.elementwise(kernel, shape, []device.Layout{walk, idx, other}, func(w *argWords) {
		w.uint64(wp)
		w.uint64(ip)
		w.uint64(op)
		w.int(axisStride)
		w.int(limit)
		w.int(code)
		w.uint64(uint64(d.flag))
	})
}

// IndexSelect sets dst[..., i, ...] = src[..., idx[i], ...].
func (d *Device) IndexSelect(dst, src, idx device.Strided, axis int) {
	dp, sp, ip := d.bufPtr("tensor.IndexSelect", dst), d.bufPtr("tensor.IndexSelect", src), d.bufPtr("tensor.IndexSelect", idx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.checkIndex(idx, ip, src.Shape[axis], errIndexSelect)
	d.indexKernel("gather_"+dtypeSuffix(src.Buf.DType()), dst.Shape, dst.Layout, dp, alongAxis(idx.Layout, dst.Shape, axis), ip,
		axisFree(src.Layout, dst.Shape, axis), sp, src.Strides[axis], src.Shape[axis], 0)
}

// Gather sets dst[i][j][k] = src[i][idx[i][j][k]][k] (for axis 1).
func (d *Device) Gather(dst, src, idx device.Strided, axis int) {
	dp, sp, ip := d.bufPtr("tensor.Gather", dst), d.bufPtr("tensor.Gather", src), d.bufPtr("tensor.Gather", idx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.indexKernel("gather_"+dtypeSuffix(src.Buf.DType()), dst.Shape, dst.Layout, dp, idx.Layout, ip,
		axisFree(src.Layout, dst.Shape, axis), sp, src.Strides[axis], src.Shape[axis], errGather)
}

// ScatterAdd adds src into dst at the indices along axis, with atomics.
func (d *Device) ScatterAdd(dst, src, idx device.Strided, axis int) {
	dp, sp, ip := d.bufPtr("tensor.ScatterAdd", dst), d.bufPtr("tensor.ScatterAdd", src), d.bufPtr("tensor.ScatterAdd", idx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.indexKernel("scatter_"+dtypeSuffix(src.Buf.DType()), src.Shape, src.Layout, sp, idx.Layout, ip,
		axisFree(dst.Layout, src.Shape, axis), dp, dst.Strides[axis], dst.Shape[axis], errScatterAdd)
}

// IndexAdd adds src[..., i, ...] into dst[..., idx[i], ...], with atomics.
func (d *Device) IndexAdd(dst, src, idx device.Strided, axis int) {
	dp, sp, ip := d.bufPtr("tensor.IndexAdd", dst), d.bufPtr("tensor.IndexAdd", src), d.bufPtr("tensor.IndexAdd", idx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.checkIndex(idx, ip, dst.Shape[axis], errIndexAdd)
	d.indexKernel("scatter_"+dtypeSuffix(src.Buf.DType()), src.Shape, src.Layout, sp, alongAxis(idx.Layout, src.Shape, axis), ip,
		axisFree(dst.Layout, src.Shape, axis), dp, dst.Strides[axis], dst.Shape[axis], 0)
}

// Random fills dst from the Philox stream, one thread per Philox block.
func (d *Device) Random(dist device.Distribution, dst device.Strided, seed, offset uint64, a, b float64) {
	if dist >= device.NumDistributions {
		device.Panicf("tensor.Random", "unknown distribution %s", dist)
	}
	dp := d.bufPtr("tensor.Random", dst)
	d.mu.Lock()
	defer d.mu.Unlock()
	dt := dst.Buf.DType()
	s := coalesce(dst.Shape, dst.Layout)
	if s.n == 0 {
		return
	}
	if len(s.shape) > maxDims {
		// The stream is numbered in row-major order: draw into a contiguous temporary.
		tmp := d.temp(dt, s.n)
		defer d.freeTemp(tmp)
		cl := device.ContiguousLayout(dst.Shape)
		d.randomLocked(dist, coalesce(dst.Shape, cl), tmp.ptr, dt, seed, offset, a, b)
		d.copyLocked(dst, dp, device.Strided{Buf: tmp, Layout: cl}, tmp.ptr)
		return
	}
	d.randomLocked(dist, s, dp, dt, seed, offset, a, b)
}

func (d *Device) randomLocked(dist device.Distribution, s space, dp uint64, dt device.DType, seed, offset uint64, a, b float64) {
	k := dist.PerBlock(dt)
	w := make(argWords, 0, randomArgsWords)
	w.desc(s)
	w.uint64(dp)
	w.uint64(seed)
	w.uint64(offset)
	w.int(int(dist))
	w.int(k)
	w.float64(a)
	w.float64(b)
	d.launch("random_"+dtypeSuffix(dt), gridFor((s.n+k-1)/k, d.info.Multiprocessors), w)
}

// MatMul sets dst = x @ y for each matrix of the batch: cuBLAS for floats (gemm.go), a kernel
// of its own for Int64.
func (d *Device) MatMul(dst, x, y device.Strided) {
	dp, xp, yp := d.bufPtr("tensor.MatMul", dst), d.bufPtr("tensor.MatMul", x), d.bufPtr("tensor.MatMul", y)
	d.mu.Lock()
	defer d.mu.Unlock()
	nd := len(dst.Shape)
	m, n, k := dst.Shape[nd-2], dst.Shape[nd-1], x.Shape[nd-1]
	if dst.Numel() == 0 {
		return
	}
	dt := dst.Buf.DType()
	if k == 0 {
		d.elementwise(map[int]string{4: "fill_b32", 8: "fill_b64"}[dt.Size()], dst.Shape, []device.Layout{dst.Layout}, func(w *argWords) {
			w.uint64(dp)
			w.uint64(0)
		})
		return
	}
	if dt == device.Int64 {
		xs := append(append([]int(nil), x.Strides[:nd-1]...), 0)
		ys := append(append([]int(nil), y.Strides[:nd-2]...), 0, y.Strides[nd-1])
		d.elementwise("matmul_i64", dst.Shape, []device.Layout{dst.Layout,
			{Shape: dst.Shape, Strides: xs, Offset: x.Offset}, {Shape: dst.Shape, Strides: ys, Offset: y.Offset}}, func(w *argWords) {
			w.int(k)
			w.int(x.Strides[nd-1])
			w.int(y.Strides[nd-2])
			w.uint64(dp)
			w.uint64(xp)
			w.uint64(yp)
		})
		return
	}

	p := planGemm(m, n, k, matOf(dst.Layout), matOf(x.Layout), matOf(y.Layout))
	// Operands cuBLAS cannot read as they are go through contiguous temporaries.
	contiguous := func(s device.Strided, ptr uint64) (device.Strided, uint64, *buffer) {
		tmp := d.temp(dt, s.Numel())
		cl := device.ContiguousLayout(s.Shape)
		ts := device.Strided{Buf: tmp, Layout: cl}
		d.copyLocked(ts, tmp.ptr, s, ptr)
		return ts, tmp.ptr, tmp
	}
	var temps []*buffer
	if p.tmpX {
		var t *buffer
		x, xp, t = contiguous(x, xp)
		temps = append(temps, t)
	}
	if p.tmpY {
		var t *buffer
		y, yp, t = contiguous(y, yp)
		temps = append(temps, t)
	}
	out, op := dst, dp
	if p.tmpDst {
		t := d.temp(dt, dst.Numel())
		temps = append(temps, t)
		out, op = device.Strided{Buf: t, Layout: device.ContiguousLayout(dst.Shape)}, t.ptr
	}
	p = planGemm(m, n, k, matOf(out.Layout), matOf(x.Layout), matOf(y.Layout))
	if p.tmpX || p.tmpY || p.tmpDst || !p.fitsCublas() {
		device.Panicf("tensor.MatMul", "%s: a product of [%d %d] and [%d %d] is too large for cuBLAS", d.name, m, k, k, n)
	}
	bt := planBatch(dst.Shape[:nd-2], out.Strides[:nd-2], x.Strides[:nd-2], y.Strides[:nd-2])
	size := uint64(dt.Size())
	f64 := b2i(dt == device.Float64)
	for _, o := range bt.outer {
		ap, bp, sa, sb := xp+uint64(x.Offset+o[1])*size, yp+uint64(y.Offset+o[2])*size, bt.sx, bt.sy
		if p.swap {
			ap, bp, sa, sb = bp, ap, sb, sa
		}
		cp := op + uint64(out.Offset+o[0])*size
		for done := 0; done < bt.count; {
			cnt := min(bt.count-done, math.MaxInt32)
			r := C.godl_gemm(d.api, d.ctx, d.blas, C.int(f64), C.int(b2i(p.a.trans)), C.int(b2i(p.b.trans)),
				C.int(p.m), C.int(p.n), C.int(p.k),
				C.CUdeviceptr(ap+uint64(done*sa)*size), C.int(p.a.ld), C.longlong(sa),
				C.CUdeviceptr(bp+uint64(done*sb)*size), C.int(p.b.ld), C.longlong(sb),
				C.CUdeviceptr(cp+uint64(done*bt.sd)*size), C.int(p.ldc), C.longlong(bt.sd), C.int(cnt))
			if r != 0 {
				raise("cuda.Gemm", blasErr("cuda.Gemm", r, fmtGemm(p, cnt)))
			}
			done += cnt
		}
	}
	if out.Buf != dst.Buf {
		d.copyLocked(dst, dp, out, op)
	}
	for _, t := range temps {
		d.freeTemp(t)
	}
}

// RNNCell runs one forward step of a recurrent cell (rnn.cu).
func (d *Device) RNNCell(mode device.RNNMode, a device.RNNCellArgs) {
	d.rnn("rnn_forward_", mode, a, a.Gi.Shape[0], a.HPrev.Shape[1], a.Gi.Buf.DType())
}

// RNNCellBackward runs one backward step of a recurrent cell.
func (d *Device) RNNCellBackward(mode device.RNNMode, a device.RNNCellArgs) {
	d.rnn("rnn_backward_", mode, a, a.DH.Shape[0], a.DH.Shape[1], a.Act.Buf.DType())
}

func (d *Device) rnn(kernel string, mode device.RNNMode, a device.RNNCellArgs, b, h int, dt device.DType) {
	if !dt.IsFloat() {
		device.Panicf("tensor.RNNCell", "recurrent cells need float32 or float64")
	}
	if mode > device.GRU {
		device.Panicf("tensor.RNNCell", "unknown mode %s", mode)
	}
	w := make(argWords, 0, rnnArgsWords)
	w.int(int(mode))
	w.int(b)
	w.int(h)
	for _, s := range []device.Strided{a.Gi, a.Gh, a.HPrev, a.CPrev, a.Bhh, a.Act, a.H, a.C, a.DH, a.DC, a.DGi, a.DGh, a.DHPrev, a.DCPrev} {
		if s.Buf == nil {
			w.uint64(0)
			w.int(0)
			w.int(0)
			w.int(0)
			continue
		}
		w.uint64(d.bufPtr("tensor.RNNCell", s))
		w.int(s.Offset)
		if len(s.Shape) == 1 {
			w.int(0)
			w.int(s.Strides[0])
		} else {
			w.int(s.Strides[0])
			w.int(s.Strides[1])
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.launch(kernel+dtypeSuffix(dt), gridFor(b*h, d.info.Multiprocessors), w)
}
