package tensor

import (
	bin "encoding/binary"
	"math"
	"math/big"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// Fuzz targets for the size arithmetic of views, broadcasting and matrix products. Each one
// decodes its input as a stream of little-endian int64s, so that MaxInt64, 1<<62 and negative
// values are a single mutation away, builds a few small tensors, applies operations with
// fuzzed arguments, and compares the outcome with an oracle written here without the
// package's helpers (math/big for every product and sum). The only acceptable panic is a
// *Error, and only when the oracle says the arguments are bad; any other panic is re-raised
// for the fuzzer to report. Successful results are checked for shape, element count, layout
// bounds and values. Operands are small tensors expanded to their fuzzed shapes, and nothing
// that would allocate or compute more than fzMaxElems elements is run.
//
//	go test ./tensor -run '^$' -fuzz '^FuzzViews$' -fuzztime 3m
//	go test ./tensor -run '^$' -fuzz '^FuzzMatMulBroadcast$' -fuzztime 3m
//	go test ./tensor -run '^$' -fuzz '^FuzzNarrowSlice$' -fuzztime 3m

// fzMaxElems bounds the elements a fuzz step reads back, copies or multiplies.
const fzMaxElems = 1 << 14

// fzIn reads a fuzz input as little-endian int64s; past the end it reads zeros.
type fzIn struct{ b []byte }

func (in *fzIn) int() int {
	var buf [8]byte
	n := copy(buf[:], in.b)
	in.b = in.b[n:]
	return int(int64(bin.LittleEndian.Uint64(buf[:])))
}

// small returns a value in [0, n).
func (in *fzIn) small(n int) int {
	v := in.int() % n
	if v < 0 {
		v += n
	}
	return v
}

// ints reads n values.
func (in *fzIn) ints(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = in.int()
	}
	return out
}

// fzSeed encodes values the way fzIn reads them.
func fzSeed(vals ...int) []byte {
	b := make([]byte, 0, 8*len(vals))
	for _, v := range vals {
		b = bin.LittleEndian.AppendUint64(b, uint64(int64(v)))
	}
	return b
}

// fzCall runs fn and returns the *Error it panicked with, or nil. Maybe re-raises any other
// panic, which the fuzzer then reports as a failure.
func fzCall(fn func()) *Error {
	if err := Maybe(fn); err != nil {
		return err.(*Error)
	}
	return nil
}

// fzExpectErr fails unless e is an error of op.
func fzExpectErr(t *testing.T, e *Error, op, what string) {
	t.Helper()
	require.NotNil(t, e, "%s: want a *tensor.Error from %s", what, op)
	require.Equal(t, op, e.Op, "%s: %v", what, e)
}

// The oracle's size arithmetic, in math/big.

var fzMaxInt = big.NewInt(math.MaxInt64)

// fzNumel returns the product of the sizes.
func fzNumel(shape []int) *big.Int {
	p := big.NewInt(1)
	for _, d := range shape {
		p.Mul(p, big.NewInt(int64(d)))
	}
	return p
}

// fzValid is the rule of "Sizes" in the package documentation: no negative size, and the
// product of max(size, 1) at most MaxInt.
func fzValid(shape []int) bool {
	p := big.NewInt(1)
	for _, d := range shape {
		if d < 0 {
			return false
		}
		p.Mul(p, big.NewInt(int64(max(d, 1))))
	}
	return p.Cmp(fzMaxInt) <= 0
}

// fzBytesFit reports whether a tensor of shape and dtype dt takes at most MaxInt bytes.
func fzBytesFit(shape []int, dt DType) bool {
	b := fzNumel(shape)
	b.Mul(b, big.NewInt(int64(dt.Size())))
	return b.Cmp(fzMaxInt) <= 0
}

// fzSmall reports whether shape has at most limit elements.
func fzSmall(shape []int, limit int) bool {
	return fzValid(shape) && fzNumel(shape).Cmp(big.NewInt(int64(limit))) <= 0
}

// fzAxis normalizes an axis of n dimensions (negative counting from the end).
func fzAxis(a, n int) (int, bool) {
	if a < -n || a >= n {
		return 0, false
	}
	if a < 0 {
		a += n
	}
	return a, true
}

// fzRavel returns the row-major position of idx in shape (valid shapes only).
func fzRavel(idx, shape []int) int {
	f := 0
	for i, d := range shape {
		f = f*d + idx[i]
	}
	return f
}

// fzUnravel is the inverse of fzRavel.
func fzUnravel(f int, shape []int) []int {
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] > 0 {
			idx[i] = f % shape[i]
			f /= shape[i]
		}
	}
	return idx
}

// fzRef is what a tensor should hold, computed without the package: its shape and the value
// at each index.
type fzRef struct {
	shape []int // never nil
	at    func(idx []int) float64
}

// fzBase returns a Float64 tensor of shape dims (at most a few elements) in one of three
// layouts chosen by kind: contiguous, permuted (its dimensions reversed from a contiguous
// tensor), or stepped (every other element of a contiguous tensor along the last axis). The
// element at row-major position f of the contiguous source is val(f).
func fzBase(dims []int, kind int, dt DType, val func(f int) float64) (*Tensor, fzRef) {
	dims = slices.Clone(dims)
	nd := len(dims)
	src := func(shape []int) *Tensor {
		v := make([]float64, Shape(shape).Numel())
		for f := range v {
			v[f] = val(f)
		}
		return From(v, append([]int{}, shape...)...).AsType(dt)
	}
	switch {
	case kind == 1 && nd > 1:
		rev := slices.Clone(dims)
		slices.Reverse(rev)
		perm := make([]int, nd)
		for i := range perm {
			perm[i] = nd - 1 - i
		}
		x := src(rev).Permute(perm...)
		return x, fzRef{dims, func(idx []int) float64 {
			r := slices.Clone(idx)
			slices.Reverse(r)
			return val(fzRavel(r, rev))
		}}
	case kind == 2 && nd > 0:
		wide := slices.Clone(dims)
		wide[nd-1] *= 2
		x := src(wide).Slice(-1, 0, wide[nd-1], 2)
		return x, fzRef{dims, func(idx []int) float64 {
			w := slices.Clone(idx)
			w[nd-1] *= 2
			return val(fzRavel(w, wide))
		}}
	}
	return src(dims), fzRef{dims, func(idx []int) float64 { return val(fzRavel(idx, dims)) }}
}

// fzCheck verifies x against ref: shape, element count, a layout inside the buffer, and the
// values (all of them when there are few, else a sample read with At).
func fzCheck(t *testing.T, x *Tensor, ref fzRef, what string) {
	t.Helper()
	require.Equal(t, Shape(ref.shape), x.Shape(), what)
	require.True(t, fzValid(ref.shape), "%s: a tensor of invalid shape %v exists", what, ref.shape)
	n := fzNumel(ref.shape)
	require.Equal(t, n.Int64(), int64(x.Numel()), what)
	l := x.layout
	require.Len(t, l.Strides, len(l.Shape), what)
	require.GreaterOrEqual(t, l.Offset, 0, what)
	for _, s := range l.Strides {
		require.GreaterOrEqual(t, s, 0, "%s: strides %v", what, l.Strides)
	}
	require.LessOrEqual(t, l.Span(), x.st.buf.Len(), "%s: layout %+v reaches past its buffer", what, l)
	if n.Sign() == 0 {
		return
	}
	if n.Cmp(big.NewInt(fzMaxElems)) <= 0 {
		got := x.Float64s()
		for f, v := range got {
			idx := fzUnravel(f, ref.shape)
			require.Equal(t, ref.at(idx), v, "%s: element %v", what, idx)
		}
		return
	}
	// A sample: the first and last elements and a few in between, chosen by a fixed LCG.
	last := make([]int, len(ref.shape))
	for i, d := range ref.shape {
		last[i] = d - 1
	}
	samples := [][]int{make([]int, len(ref.shape)), last}
	r := uint64(n.Uint64())
	for range 6 {
		idx := make([]int, len(ref.shape))
		for i, d := range ref.shape {
			r = r*6364136223846793005 + 1442695040888963407
			idx[i] = int((r >> 1) % uint64(d))
		}
		samples = append(samples, idx)
	}
	for _, idx := range samples {
		require.Equal(t, ref.at(idx), x.At(idx...), "%s: element %v", what, idx)
	}
}

// fzInfer is the oracle of View and Reshape: shape with its -1 resolved for a tensor of
// shape from, or ok=false.
func fzInfer(from, shape []int) ([]int, bool) {
	numel := fzNumel(from)
	out := slices.Clone(shape)
	neg := -1
	for i, d := range out {
		switch {
		case d == -1 && neg < 0:
			neg = i
		case d < 0:
			return nil, false
		}
	}
	if neg >= 0 {
		known := big.NewInt(1)
		for i, d := range out {
			if i != neg {
				known.Mul(known, big.NewInt(int64(d)))
			}
		}
		if known.Sign() == 0 || new(big.Int).Rem(numel, known).Sign() != 0 {
			return nil, false
		}
		out[neg] = int(new(big.Int).Quo(numel, known).Int64())
	}
	if !fzValid(out) || fzNumel(out).Cmp(numel) != 0 {
		return nil, false
	}
	return out, true
}

// fzReshaped is ref seen with a new shape of as many elements, in row-major order.
func fzReshaped(ref fzRef, shape []int) fzRef {
	old := ref.shape
	return fzRef{shape, func(idx []int) float64 { return ref.at(fzUnravel(fzRavel(idx, shape), old)) }}
}

// fzExpandShape is the oracle of Expand (minusOne) and BroadcastTo: the target shape, or
// ok=false.
func fzExpandShape(from, shape []int, minusOne bool) ([]int, bool) {
	lead := len(shape) - len(from)
	if lead < 0 {
		return nil, false
	}
	out := slices.Clone(shape)
	for i := range out {
		if minusOne && out[i] == -1 {
			if i < lead {
				return nil, false
			}
			out[i] = from[i-lead]
		}
		if out[i] < 0 {
			return nil, false
		}
	}
	for i, d := range from {
		if d != out[lead+i] && d != 1 {
			return nil, false
		}
	}
	return out, fzValid(out)
}

// fzExpanded is ref broadcast to shape (a valid target).
func fzExpanded(ref fzRef, shape []int) fzRef {
	from := ref.shape
	lead := len(shape) - len(from)
	return fzRef{shape, func(idx []int) float64 {
		o := make([]int, len(from))
		for i, d := range from {
			if d != 1 {
				o[i] = idx[lead+i]
			}
		}
		return ref.at(o)
	}}
}

// fzPermuted is ref with dimension i taken from dimension perm[i].
func fzPermuted(ref fzRef, perm []int) fzRef {
	shape := make([]int, len(perm))
	for i, p := range perm {
		shape[i] = ref.shape[p]
	}
	return fzRef{shape, func(idx []int) float64 {
		o := make([]int, len(perm))
		for i, p := range perm {
			o[p] = idx[i]
		}
		return ref.at(o)
	}}
}

// fzReshapeStep checks View, Reshape or Flatten (op, run by call) whose target shape the
// oracle resolved to shape. Reshape and Flatten must return a view exactly when View of
// shape works, and a copy otherwise; a copy is made only when it is small, or when its byte
// size overflows and the op must refuse it.
func fzReshapeStep(t *testing.T, x *Tensor, ref fzRef, op string, call func() *Tensor, shape []int, what string) (*Tensor, fzRef, bool) {
	t.Helper()
	var v *Tensor
	verr := fzCall(func() { v = x.View(shape...) })
	copies := verr != nil
	if copies {
		require.Contains(t, verr.Msg, "use Reshape", "%s: View of a valid shape %v refused for another reason", what, shape)
	}
	var r *Tensor
	if op == "tensor.View" {
		e := fzCall(func() { r = call() })
		if copies {
			fzExpectErr(t, e, op, what)
			require.Contains(t, e.Msg, "use Reshape", what)
			return nil, fzRef{}, false
		}
		require.Nil(t, e, "%s: %v", what, e)
	} else {
		if copies && !fzSmall(ref.shape, fzMaxElems) {
			if fzBytesFit(ref.shape, x.DType()) {
				return nil, fzRef{}, false // a real copy of many elements: not run
			}
			e := fzCall(func() { r = call() })
			fzExpectErr(t, e, op, what+" (copy too large)")
			require.Contains(t, e.Msg, "bytes", what)
			return nil, fzRef{}, false
		}
		e := fzCall(func() { r = call() })
		require.Nil(t, e, "%s: %v", what, e)
	}
	require.Equal(t, !copies, r.SharesStorage(x), "%s: a view exactly when View works", what)
	if !copies {
		require.Equal(t, v.layout, r.layout, what)
	}
	return r, fzReshaped(ref, shape), true
}

// fzViewStep applies one view operation decoded from in to x. It returns the result and its
// reference, or ok=false when the operation was (rightly) refused or not run.
func fzViewStep(t *testing.T, in *fzIn, x *Tensor, ref fzRef) (*Tensor, fzRef, bool) {
	t.Helper()
	shape := ref.shape
	nd := len(shape)
	var r *Tensor
	switch code := in.small(9); code {
	case 0, 1: // View, Reshape
		op, args := "tensor.View", in.ints(in.small(5))
		call := func() *Tensor { return x.View(args...) }
		if code == 1 {
			op, call = "tensor.Reshape", func() *Tensor { return x.Reshape(args...) }
		}
		what := op + " " + shapeStr(shape) + " to " + shapeStr(args)
		s, ok := fzInfer(shape, args)
		if !ok {
			fzExpectErr(t, fzCall(func() { call() }), op, what)
			return nil, fzRef{}, false
		}
		return fzReshapeStep(t, x, ref, op, call, s, what)
	case 2: // Flatten
		a, b := in.int(), in.int()
		what := "Flatten " + shapeStr(shape) + " " + shapeStr([]int{a, b})
		call := func() *Tensor { return x.Flatten(a, b) }
		var s []int
		if nd == 0 {
			s = []int{1}
		} else {
			sa, ok1 := fzAxis(a, nd)
			sb, ok2 := fzAxis(b, nd)
			if !ok1 || !ok2 || sa > sb {
				fzExpectErr(t, fzCall(func() { call() }), "tensor.Flatten", what)
				return nil, fzRef{}, false
			}
			s = append(slices.Clone(shape[:sa]), int(fzNumel(shape[sa:sb+1]).Int64()))
			s = append(s, shape[sb+1:]...)
		}
		return fzReshapeStep(t, x, ref, "tensor.Flatten", call, s, what)
	case 3, 4: // Expand, BroadcastTo
		args := in.ints(in.small(6))
		expand := code == 3
		op, call := "tensor.Expand", func() { r = x.Expand(args...) }
		if !expand {
			op, call = "tensor.BroadcastTo", func() { r = x.BroadcastTo(args) }
		}
		what := op + " " + shapeStr(shape) + " to " + shapeStr(args)
		s, ok := fzExpandShape(shape, args, expand)
		e := fzCall(call)
		if !ok {
			fzExpectErr(t, e, op, what)
			return nil, fzRef{}, false
		}
		require.Nil(t, e, "%s: %v", what, e)
		return r, fzExpanded(ref, s), true
	case 5: // Permute
		args := in.ints(in.small(5))
		what := "Permute " + shapeStr(shape) + " by " + shapeStr(args)
		e := fzCall(func() { r = x.Permute(args...) })
		perm := make([]int, len(args))
		ok := len(args) == nd
		for i, a := range args {
			var okA bool
			perm[i], okA = fzAxis(a, nd)
			ok = ok && okA && !slices.Contains(perm[:i], perm[i])
		}
		if !ok {
			fzExpectErr(t, e, "tensor.Permute", what)
			return nil, fzRef{}, false
		}
		require.Nil(t, e, "%s: %v", what, e)
		return r, fzPermuted(ref, perm), true
	case 6: // Transpose
		a, b := in.int(), in.int()
		what := "Transpose " + shapeStr(shape) + " " + shapeStr([]int{a, b})
		e := fzCall(func() { r = x.Transpose(a, b) })
		sa, ok1 := fzAxis(a, nd)
		sb, ok2 := fzAxis(b, nd)
		if !ok1 || !ok2 {
			fzExpectErr(t, e, "tensor.Transpose", what)
			return nil, fzRef{}, false
		}
		require.Nil(t, e, "%s: %v", what, e)
		perm := make([]int, nd)
		for i := range perm {
			perm[i] = i
		}
		perm[sa], perm[sb] = sb, sa
		return r, fzPermuted(ref, perm), true
	case 7: // Squeeze
		args := in.ints(in.small(4))
		what := "Squeeze " + shapeStr(shape) + " " + shapeStr(args)
		e := fzCall(func() { r = x.Squeeze(args...) })
		drop := make([]bool, nd)
		seen := make([]bool, nd)
		for i := range drop {
			drop[i] = len(args) == 0 && shape[i] == 1
		}
		for _, a := range args {
			ax, ok := fzAxis(a, nd)
			if !ok || seen[ax] {
				fzExpectErr(t, e, "tensor.Squeeze", what)
				return nil, fzRef{}, false
			}
			seen[ax] = true
			drop[ax] = shape[ax] == 1
		}
		require.Nil(t, e, "%s: %v", what, e)
		s := []int{}
		for i, d := range shape {
			if !drop[i] {
				s = append(s, d)
			}
		}
		return r, fzRef{s, func(idx []int) float64 {
			o := make([]int, 0, nd)
			j := 0
			for i := range nd {
				if drop[i] {
					o = append(o, 0)
				} else {
					o = append(o, idx[j])
					j++
				}
			}
			return ref.at(o)
		}}, true
	default: // Unsqueeze
		a := in.int()
		what := "Unsqueeze " + shapeStr(shape) + " " + shapeStr([]int{a})
		e := fzCall(func() { r = x.Unsqueeze(a) })
		ax, ok := fzAxis(a, nd+1)
		if !ok {
			fzExpectErr(t, e, "tensor.Unsqueeze", what)
			return nil, fzRef{}, false
		}
		require.Nil(t, e, "%s: %v", what, e)
		s := slices.Insert(slices.Clone(shape), ax, 1)
		return r, fzRef{s, func(idx []int) float64 { return ref.at(slices.Delete(slices.Clone(idx), ax, ax+1)) }}, true
	}
}

// FuzzViews applies a chain of View, Reshape, Flatten, Expand, BroadcastTo, Permute,
// Transpose, Squeeze and Unsqueeze with fuzzed arguments to a small tensor (possibly empty,
// permuted or stepped).
//
// Input: kind, ndim, sizes..., steps, then per step an op code and its arguments.
func FuzzViews(f *testing.F) {
	const maxI = math.MaxInt64
	for _, seed := range [][]int{
		// kind, ndim, sizes..., steps-1, then per step: op code, arguments.
		{0, 2, 2, 3, 0, 0, 3, 6, maxI, maxI},                          // View(6, MaxInt64, MaxInt64) of 6 elements
		{0, 1, 4, 0, 3, 2, 1 << 62, 4},                                // Expand(1<<62, 4) of [4]
		{0, 1, 0, 0, 1, 3, 1 << 62, 1 << 62, 0},                       // Reshape(1<<62, 1<<62, 0) of an empty tensor
		{0, 1, 0, 0, 0, 3, 1 << 62, 1 << 62, 0},                       // View of the same
		{0, 1, 0, 0, 1, 3, 1 << 62, 1 << 62, -1},                      // with -1
		{0, 1, 0, 0, 1, 2, 1 << 62, -1},                               // [1<<62 0] is fine
		{0, 1, 0, 0, 4, 3, 1 << 62, 1 << 62, 0},                       // BroadcastTo an empty tensor to huge sizes
		{0, 1, 0, 0, 3, 3, 1 << 62, 1 << 62, 0},                       // Expand of the same
		{0, 2, 1, 1, 1, 3, 2, 1 << 31, 1 << 31, 2, 0, 1},              // Expand then Flatten: a view of 1<<62 elements
		{2, 2, 2, 1, 1, 3, 3, 1 << 61, 2, -1, 1, 1, -1},               // stepped, expanded, then a copy too large
		{1, 3, 2, 3, 4, 3, 5, 3, -1, 0, 1, 6, -1, -3, 8, 0, 1, 1, -1}, // permuted: Permute, Transpose, Unsqueeze, Reshape
		{0, 3, 1, 4, 1, 2, 7, 0, 8, -1, 8, math.MinInt64},             // Squeeze, Unsqueeze
		{0, 0, 2, 2, 0, 0, 3, 3, 1 << 40, 1 << 20, 4},                 // 0-d: Flatten, Expand, View()
		{0, 2, 3, 1, 1, 3, 3, 1 << 40, -1, 1, 4, 4, 2, 1 << 40, 3, 1}, // Expand then BroadcastTo
		{0, 2, 2, 2, 1, 6, maxI, math.MinInt64, 5, 2, 1, 0},           // Transpose and Permute out of range
	} {
		f.Add(fzSeed(seed...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fzIn{data}
		kind, nd := in.small(3), in.small(4)
		dims := make([]int, nd)
		for i := range dims {
			dims[i] = in.small(5)
		}
		x, ref := fzBase(dims, kind, Float64, func(f int) float64 { return float64(f + 1) })
		fzCheck(t, x, ref, "base")
		steps := 1 + in.small(4)
		for range steps {
			r, rref, ok := fzViewStep(t, in, x, ref)
			if !ok {
				return
			}
			fzCheck(t, r, rref, "after step")
			x, ref = r, rref
		}
	})
}

// fzOperand builds a matrix-product operand of the fuzzed shape raw (negative sizes have
// their sign bit cleared): sizes 0..3 are real, any other size is a size-1 dimension expanded.
// When swap is set and there are two dimensions or more, the real tensor is transposed in its
// last two. It returns ok=false, after checking that Expand refused it rightly, when the
// shape is not valid.
func fzOperand(t *testing.T, raw []int, swap bool, dt DType) (*Tensor, fzRef, bool) {
	t.Helper()
	shape := make([]int, len(raw))
	base := make([]int, len(raw))
	for i, d := range raw {
		shape[i] = d & math.MaxInt64
		base[i] = shape[i]
		if shape[i] > 3 {
			base[i] = 1
		}
	}
	val := func(f int) float64 { return float64(f%7 + 1) }
	var x *Tensor
	var ref fzRef
	if nd := len(base); swap && nd >= 2 {
		sw := slices.Clone(base)
		sw[nd-2], sw[nd-1] = sw[nd-1], sw[nd-2]
		x, ref = fzBase(sw, 0, dt, val)
		x = x.Transpose(-2, -1)
		perm := make([]int, nd)
		for i := range perm {
			perm[i] = i
		}
		perm[nd-2], perm[nd-1] = nd-1, nd-2
		ref = fzPermuted(ref, perm)
	} else {
		x, ref = fzBase(base, 0, dt, val)
	}
	var r *Tensor
	e := fzCall(func() { r = x.Expand(shape...) })
	if !fzValid(shape) {
		fzExpectErr(t, e, "tensor.Expand", "operand "+shapeStr(shape))
		return nil, fzRef{}, false
	}
	require.Nil(t, e, "operand %v: %v", shape, e)
	return r, fzExpanded(ref, shape), true
}

// FuzzMatMulBroadcast multiplies two operands of fuzzed shapes (huge ones expanded from a few
// elements) and checks MatMul against torch.matmul's shape rules and, when the product is
// small, against a plain triple loop.
//
// Input: dtype, then for each operand ndim, transpose flag and sizes.
func FuzzMatMulBroadcast(f *testing.F) {
	const maxI = math.MaxInt64
	for _, seed := range [][]int{
		{0, 2, 0, 2, 3, 2, 0, 3, 2},                                     // [2 3] @ [3 2]
		{1, 2, 1, 3, 2, 2, 1, 2, 3},                                     // transposed operands
		{2, 3, 0, 2, 2, 3, 2, 0, 3, 1},                                  // Int64, batch broadcast
		{0, 1, 0, 3, 1, 0, 3},                                           // vector · vector
		{0, 1, 0, 3, 3, 0, 2, 3, 2},                                     // vector @ batched matrix
		{0, 3, 0, 2, 2, 3, 1, 0, 3},                                     // batched matrix @ vector
		{0, 2, 0, 2, 3, 2, 0, 4, 2},                                     // k mismatch
		{0, 0, 0, 1, 0, 3},                                              // 0-d operand
		{0, 4, 0, 1 << 40, 1, 1, 1, 4, 0, 1, 1 << 40, 1, 1},             // batch sizes overflow
		{0, 4, 0, 1 << 20, 1, 1, 1 << 23, 4, 0, 1, 1 << 20, 1 << 23, 1}, // operand broadcast overflows
		{0, 2, 0, 1 << 62, 1, 2, 0, 1, 4},                               // m*n overflows
		{1, 2, 0, 1 << 61, 1, 2, 0, 1, 1},                               // bytes overflow (float64)
		{0, 2, 0, 2, 1 << 40, 2, 0, 1 << 40, 2},                         // huge k: valid, not run
		{0, 3, 0, 0, 2, 1 << 40, 2, 0, 1 << 40, 3},                      // empty batch, huge k
		{0, 2, 0, 1 << 30, 0, 2, 0, 0, 1 << 30},                         // k = 0, huge result: not run
		{0, 2, 0, 3, 0, 2, 0, 0, 2},                                     // k = 0: zeros
		{2, 3, 0, maxI, 1, 1, 2, 0, 1, 1},                               // batch of MaxInt
		{0, 3, 1, 5, 2, 3, 3, 1, 1, 3, 2},                               // expanded batch with transposed operand
		{0, 4, 0, 2, 1, 2, 3, 3, 1, 2, 3, 2},                            // mixed batch ranks
		{0, 2, 0, -4, 3, 2, 0, 3, math.MinInt64},                        // negative sizes lose their sign bit
	} {
		f.Add(fzSeed(seed...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fzIn{data}
		dt := []DType{Float32, Float64, Int64}[in.small(3)]
		read := func() ([]int, bool) {
			nd := in.small(5)
			swap := in.small(2) == 1
			return in.ints(nd), swap
		}
		rawA, swapA := read()
		rawB, swapB := read()
		a, aref, ok := fzOperand(t, rawA, swapA, dt)
		if !ok {
			return
		}
		b, bref, ok := fzOperand(t, rawB, swapB, dt)
		if !ok {
			return
		}
		as, bs := aref.shape, bref.shape
		what := "MatMul " + shapeStr(as) + " @ " + shapeStr(bs)

		// torch.matmul's rules, and the package's size rule on every shape it makes.
		bad := len(as) == 0 || len(bs) == 0
		var out, batch, ab, bb []int
		var m, k, n int
		if !bad {
			a2, b2 := slices.Clone(as), slices.Clone(bs)
			if len(a2) == 1 {
				a2 = []int{1, a2[0]}
			}
			if len(b2) == 1 {
				b2 = []int{b2[0], 1}
			}
			m, k = a2[len(a2)-2], a2[len(a2)-1]
			n = b2[len(b2)-1]
			bad = k != b2[len(b2)-2]
			ba, bbt := a2[:len(a2)-2], b2[:len(b2)-2]
			nb := max(len(ba), len(bbt))
			batch = make([]int, nb)
			for i := range nb {
				da, db := 1, 1
				if j := i - (nb - len(ba)); j >= 0 {
					da = ba[j]
				}
				if j := i - (nb - len(bbt)); j >= 0 {
					db = bbt[j]
				}
				switch {
				case da == db || db == 1:
					batch[i] = da
				case da == 1:
					batch[i] = db
				default:
					bad = true
				}
			}
			full := append(slices.Clone(batch), m, n)
			ab, bb = append(slices.Clone(batch), m, k), append(slices.Clone(batch), k, n)
			bad = bad || !fzValid(full) || !fzValid(ab) || !fzValid(bb) || !fzBytesFit(full, dt)
			out = slices.Clone(batch)
			if len(as) > 1 {
				out = append(out, m)
			}
			if len(bs) > 1 {
				out = append(out, n)
			}
		}
		if bad {
			fzExpectErr(t, fzCall(func() { MatMul(a, b) }), "tensor.MatMul", what)
			return
		}
		// Valid: run it only when it is small to allocate and to compute.
		work := fzNumel(out)
		work.Mul(work, big.NewInt(int64(max(k, 1))))
		if work.Sign() != 0 && work.Cmp(big.NewInt(fzMaxElems)) > 0 {
			return
		}
		var r *Tensor
		e := fzCall(func() { r = MatMul(a, b) })
		require.Nil(t, e, "%s: %v", what, e)
		require.Equal(t, dt, r.DType(), what)
		fzCheck(t, r, fzRef{out, func(idx []int) float64 {
			nb := len(batch)
			i, j := 0, 0
			if len(as) > 1 {
				i = idx[nb]
			}
			if len(bs) > 1 {
				j = idx[len(idx)-1]
			}
			// The operands' own indices: batch coordinates aligned right, 0 where broadcast.
			operandIdx := func(shape []int, mat ...int) []int {
				lead := len(shape) - len(mat)
				o := make([]int, 0, len(shape))
				for q := range lead {
					c := idx[nb-lead+q]
					if shape[q] == 1 {
						c = 0
					}
					o = append(o, c)
				}
				return append(o, mat...)
			}
			s := 0.0
			for p := range k {
				var ai, bi []int
				if len(as) == 1 {
					ai = []int{p}
				} else {
					ai = operandIdx(as, i, p)
				}
				if len(bs) == 1 {
					bi = []int{p}
				} else {
					bi = operandIdx(bs, p, j)
				}
				s += aref.at(ai) * bref.at(bi)
			}
			return s
		}}, what)
	})
}

// fzNarrowSliceStep applies Narrow, Slice or Select with fuzzed arguments to x.
func fzNarrowSliceStep(t *testing.T, in *fzIn, x *Tensor, ref fzRef) (*Tensor, fzRef, bool) {
	t.Helper()
	shape := ref.shape
	nd := len(shape)
	var r *Tensor
	switch in.small(3) {
	case 0: // Narrow
		axis, start, length := in.int(), in.int(), in.int()
		what := "Narrow " + shapeStr(shape) + " " + shapeStr([]int{axis, start, length})
		e := fzCall(func() { r = x.Narrow(axis, start, length) })
		ax, ok := fzAxis(axis, nd)
		s := start
		if ok {
			if s < 0 {
				s += shape[ax]
			}
			end := new(big.Int).Add(big.NewInt(int64(s)), big.NewInt(int64(length)))
			ok = s >= 0 && length >= 0 && end.Cmp(big.NewInt(int64(shape[ax]))) <= 0
		}
		if !ok {
			fzExpectErr(t, e, "tensor.Narrow", what)
			return nil, fzRef{}, false
		}
		require.Nil(t, e, "%s: %v", what, e)
		ns := slices.Clone(shape)
		ns[ax] = length
		return r, fzRef{ns, func(idx []int) float64 {
			o := slices.Clone(idx)
			o[ax] += s
			return ref.at(o)
		}}, true
	case 1: // Slice, with Python's rules
		axis, start, end, step := in.int(), in.int(), in.int(), in.int()
		what := "Slice " + shapeStr(shape) + " " + shapeStr([]int{axis, start, end, step})
		e := fzCall(func() { r = x.Slice(axis, start, end, step) })
		ax, ok := fzAxis(axis, nd)
		if !ok || step <= 0 {
			fzExpectErr(t, e, "tensor.Slice", what)
			return nil, fzRef{}, false
		}
		require.Nil(t, e, "%s: %v", what, e)
		d := big.NewInt(int64(shape[ax]))
		clamp := func(i int) int {
			v := big.NewInt(int64(i))
			if v.Sign() < 0 {
				v.Add(v, d)
			}
			if v.Sign() < 0 {
				return 0
			}
			if v.Cmp(d) > 0 {
				return shape[ax]
			}
			return int(v.Int64())
		}
		lo, hi := clamp(start), clamp(end)
		count := 0
		if hi > lo {
			c := big.NewInt(int64(hi - lo))
			c.Add(c, big.NewInt(int64(step)-1))
			count = int(c.Quo(c, big.NewInt(int64(step))).Int64())
		}
		ns := slices.Clone(shape)
		ns[ax] = count
		return r, fzRef{ns, func(idx []int) float64 {
			o := slices.Clone(idx)
			o[ax] = lo + idx[ax]*step
			return ref.at(o)
		}}, true
	default: // Select
		axis, i := in.int(), in.int()
		what := "Select " + shapeStr(shape) + " " + shapeStr([]int{axis, i})
		e := fzCall(func() { r = x.Select(axis, i) })
		ax, ok := fzAxis(axis, nd)
		if ok {
			ok = i >= -shape[ax] && i < shape[ax]
		}
		if !ok {
			fzExpectErr(t, e, "tensor.Select", what)
			return nil, fzRef{}, false
		}
		require.Nil(t, e, "%s: %v", what, e)
		if i < 0 {
			i += shape[ax]
		}
		ns := slices.Delete(slices.Clone(shape), ax, ax+1)
		return r, fzRef{ns, func(idx []int) float64 { return ref.at(slices.Insert(slices.Clone(idx), ax, i)) }}, true
	}
}

// FuzzNarrowSlice applies Narrow, Slice and Select with fuzzed start, length, end, step and
// index to a small tensor (contiguous, permuted or stepped), or to one with a dimension
// expanded to a fuzzed size, and checks the view against Python's slicing rules and a plain
// loop over the elements.
//
// Input: kind, ndim, sizes..., the expanded size (kind 3), steps, then per step an op code and
// its arguments.
func FuzzNarrowSlice(f *testing.F) {
	const maxI, minI = math.MaxInt64, math.MinInt64
	for _, seed := range [][]int{
		// kind, ndim-1, sizes..., the expanded size (kind 3), steps-1, then per step: op code,
		// arguments.
		{0, 0, 6, 0, 0, 0, 1, maxI},                             // Narrow(0, 1, MaxInt64) of 6 elements
		{0, 0, 3, 0, 1, 0, 0, 3, maxI},                          // Slice(0, 0, 3, MaxInt64) of 3 elements: one
		{0, 0, 6, 0, 0, 0, maxI, 1},                             // Narrow with a huge start
		{0, 0, 6, 0, 0, 0, -6, 6},                               // Narrow of everything, from the end
		{0, 0, 6, 0, 0, 0, minI, 1},                             // Narrow from MinInt64
		{0, 0, 6, 0, 1, 0, minI, maxI, 1},                       // Slice of everything with extreme bounds
		{0, 0, 6, 0, 1, 0, maxI, minI, 1},                       // empty Slice
		{0, 0, 6, 0, 1, 0, 5, maxI, maxI},                       // the last element, with a huge step
		{0, 0, 6, 0, 1, 0, 0, 6, minI},                          // negative step
		{0, 0, 6, 0, 2, 0, -7},                                  // Select out of range
		{0, 0, 6, 0, 2, minI, 0},                                // Select on a bad axis
		{1, 2, 2, 3, 4, 2, 1, 1, 1, 3, 2, 0, -1, 1, 2, 2, 0, 0}, // permuted: Slice, Narrow, Select
		{2, 1, 3, 4, 1, 1, -1, -100, 100, 3, 0, 0, 1, 2},        // stepped: Slice, Narrow
		{3, 1, 1, 1, maxI, 1, 0, 0, maxI - 3, 3, 1, 1, 0, 3, 2}, // [MaxInt64 1]: Narrow at the end, Slice
		{3, 1, 0, 2, 1 << 62, 0, 0, 0, 1 << 61, 1 << 61},        // [1<<62 2]: Narrow the second half
		{3, 0, 0, 1 << 62, 0, 1, 0, 1, maxI, 1 << 60},           // stepped through a huge dimension
		{3, 2, 0, 2, 2, 1 << 62},                                // [1<<62 2 2] is too large
		{0, 1, 0, 5, 1, 1, 1, 0, 5, 2, 0, 1, 1, 1},              // empty tensor
	} {
		f.Add(fzSeed(seed...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fzIn{data}
		kind := in.small(4)
		nd := 1 + in.small(3)
		dims := make([]int, nd)
		for i := range dims {
			dims[i] = in.small(7)
		}
		var x *Tensor
		var ref fzRef
		if kind == 3 {
			// The first dimension is expanded to a fuzzed size.
			huge := in.int() & math.MaxInt64
			base := slices.Clone(dims)
			base[0] = 1
			x, ref = fzBase(base, 0, Float64, func(f int) float64 { return float64(f + 1) })
			dims[0] = huge
			var r *Tensor
			e := fzCall(func() { r = x.Expand(dims...) })
			if !fzValid(dims) {
				fzExpectErr(t, e, "tensor.Expand", "base "+shapeStr(dims))
				return
			}
			require.Nil(t, e, "base %v: %v", dims, e)
			x, ref = r, fzExpanded(ref, dims)
		} else {
			x, ref = fzBase(dims, kind, Float64, func(f int) float64 { return float64(f + 1) })
		}
		fzCheck(t, x, ref, "base")
		steps := 1 + in.small(3)
		for range steps {
			r, rref, ok := fzNarrowSliceStep(t, in, x, ref)
			if !ok {
				return
			}
			require.True(t, r.SharesStorage(x), "a view shares its storage")
			fzCheck(t, r, rref, "after step")
			x, ref = r, rref
		}
	})
}

// TestFuzzOracleHelpers checks the fuzz targets' own oracle on cases with known answers, so
// that a fuzz run cannot pass by agreeing with a broken oracle.
func TestFuzzOracleHelpers(t *testing.T) {
	require.True(t, fzValid([]int{math.MaxInt64}))
	require.True(t, fzValid([]int{1 << 62, 0}))
	require.False(t, fzValid([]int{1 << 62, 1 << 62, 0}))
	require.False(t, fzValid([]int{6, math.MaxInt64, math.MaxInt64}))
	require.False(t, fzValid([]int{-1}))
	require.True(t, fzBytesFit([]int{1 << 60}, Float32))
	require.False(t, fzBytesFit([]int{1 << 61}, Float32))

	s, ok := fzInfer([]int{2, 3}, []int{3, -1})
	require.True(t, ok)
	require.Equal(t, []int{3, 2}, s)
	_, ok = fzInfer([]int{6}, []int{6, math.MaxInt64, math.MaxInt64})
	require.False(t, ok)
	_, ok = fzInfer([]int{0}, []int{0, -1})
	require.False(t, ok)

	s, ok = fzExpandShape([]int{3, 1}, []int{2, -1, 4}, true)
	require.True(t, ok)
	require.Equal(t, []int{2, 3, 4}, s)
	_, ok = fzExpandShape([]int{3, 1}, []int{2, -1, 4}, false)
	require.False(t, ok)
	_, ok = fzExpandShape([]int{4}, []int{1 << 62, 4}, true)
	require.False(t, ok)

	require.Equal(t, []int{1, 2, 3}, fzUnravel(fzRavel([]int{1, 2, 3}, []int{2, 3, 4}), []int{2, 3, 4}))
	in := &fzIn{fzSeed(-1, math.MaxInt64, 7)}
	require.Equal(t, -1, in.int())
	require.Equal(t, math.MaxInt64, in.int())
	require.Equal(t, 3, in.small(4))
	require.Equal(t, 0, in.int(), "past the end")

	// The references of the base layouts match the tensors.
	x, ref := fzBase([]int{2, 3}, 1, Float64, func(f int) float64 { return float64(f + 1) })
	require.Equal(t, []float64{1, 3, 5, 2, 4, 6}, x.Float64s())
	require.Equal(t, []int{2, 3}, ref.shape)
	require.Equal(t, 3.0, ref.at([]int{0, 1}))
	x, ref = fzBase([]int{2, 2}, 2, Float64, func(f int) float64 { return float64(f + 1) })
	require.Equal(t, []float64{1, 3, 5, 7}, x.Float64s())
	require.Equal(t, 7.0, ref.at([]int{1, 1}))
}
