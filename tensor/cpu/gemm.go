package cpu

import (
	"math/bits"
	"sync"

	"github.com/godl/godl/internal/parallel"
	"github.com/godl/godl/tensor/cpu/internal/asm"
	"github.com/godl/godl/tensor/device"
	"github.com/godl/godl/tensor/internal/shapes"
)

// The CPU matrix product, C = A·B for a batch of matrices that share one shape.
//
// Each product is cut into tiles of C by a plan that depends on m, n, k, the micro-kernel and
// the number of threads; every matrix of a batch uses the same plan. A task computes one tile of one
// matrix from start to end, and tasks run in parallel in fixed chunks, so each element of C is
// always computed by the same sequence of operations: one sum over p = 0..k-1 in ascending
// order. The result is therefore bitwise the same on any number of threads, and a batch of
// small matrices spreads over the threads as naturally as one large matrix.
//
// Three ways to compute a tile:
//   - packed: the tile's rows of A and columns of B are copied, kc columns of A (rows of B) at
//     a time, into panels laid out for the register-blocked micro-kernel (gemm_kernel.go).
//     Packing reads any strides, so transposed, sliced and expanded operands need no copy.
//     A column-major A already has the panels' layout and is read in place; so is a
//     row-major B when the tile has few rows (small products, where packing B would cost
//     more than it saves).
//   - vec: n == 1 (m == 1 is turned into it by transposition). Each A element is used once,
//     so packing would not pay: rows are dotted with the vector four at a time, or columns of
//     A are added up when A is column-major.
//   - direct: small products (and Int64), with plain loops over the operands in place.

// Work sizes, counted in multiply-adds.
const (
	gemmDirectWork = 128     // products with m·n·k at most this skip packing
	gemmTileWork   = 1 << 18 // C is not cut into tiles of less work than this to add parallelism
	gemmTaskWork   = 1 << 16 // tiles of less work than this are grouped into one parallel chunk
	gemmMinTiles   = 8       // cut C into at least this many tiles when the work allows
)

// gemmInPlaceBRows is the most rows a tile may have for the packed path to read a row-major
// B in place: packing B pays for itself only when its panels serve many rows of A, and the
// long strides of a large B read in place conflict in the L1 cache and the TLB.
var gemmInPlaceBRows = 128

// gemmWantTiles is how many tiles a batch of the given work (multiply-adds) is cut into when
// the work allows: enough for every thread. Tiles never split the sum over k, so the tiling does not change a single bit of the
// result, and may follow the thread count.
func gemmWantTiles(work int) int {
	t := parallel.Threads()
	switch {
	case t == 1:
		return 1 // large tiles pack each operand block once
	case work < 32*gemmTileWork:
		return t // small products: one tile per thread, each operand packed as few times as can be
	}
	return max(gemmMinTiles, 2*t) // large ones: spare tiles even out threads that run slower
}

type gemmKind uint8

const (
	gemmDirect gemmKind = iota
	gemmVec
	gemmPacked
)

// gemmOp is one product shape with its operands: C = A·B with A m×k, B k×n and C m×n. Each
// matrix is given by its slice and its row and column strides; the offsets of the matrices of
// a batch come separately.
type gemmOp[T device.Element] struct {
	m, n, k  int
	a, b, c  []T
	ars, acs int
	brs, bcs int
	crs, ccs int
}

// transposed returns the same product written as Cᵀ = Bᵀ·Aᵀ; offsets of A and B swap roles.
func (op gemmOp[T]) transposed() gemmOp[T] {
	return gemmOp[T]{
		m: op.n, n: op.m, k: op.k,
		a: op.b, b: op.a, c: op.c,
		ars: op.bcs, acs: op.brs,
		brs: op.acs, bcs: op.ars,
		crs: op.ccs, ccs: op.crs,
	}
}

// gemmPlan says how each product of a batch is cut into tiles of C.
type gemmPlan struct {
	kind           gemmKind
	tm, tn         int // tile size; the last tile in each direction may be smaller
	tilesM, tilesN int
	kc             int  // k block of the packed path
	inPlaceB       bool // the packed path reads full panels of a row-major B in place
	bufLen         int  // scratch elements a task needs
}

func (pl *gemmPlan) tiles() int { return pl.tilesM * pl.tilesN }

// ceilDiv returns ⌈a/b⌉ for a >= 0 and b > 0, without overflow.
func ceilDiv(a, b int) int {
	if a == 0 {
		return 0
	}
	return (a-1)/b + 1
}

func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// planGemm cuts each m×n×k product of a batch of nb into tiles. mr, nr, kc, mc and nc are the
// micro-kernel's blocking; they matter only for the packed path.
func planGemm(kind gemmKind, nb, m, n, k, mr, nr, kc, mc, nc int) gemmPlan {
	switch kind {
	case gemmDirect:
		// Whole rows of C; several when the product is large (Int64).
		tm := m
		if shapes.MulSat(shapes.MulSat(m, n), k) > 2*gemmTileWork {
			tm = max(1, min(m, gemmTileWork/max(1, shapes.MulSat(n, k))))
		}
		return gemmPlan{kind: kind, tm: tm, tn: n, tilesM: ceilDiv(m, tm), tilesN: 1}
	case gemmVec:
		// At least 256 rows, so that the column-major form reads long contiguous runs.
		tm := min(m, max(256, roundUp(gemmTileWork/k, 4)))
		return gemmPlan{kind: kind, tm: tm, tn: 1, tilesM: ceilDiv(m, tm), tilesN: 1, bufLen: k + tm}
	}
	// Balance the k blocks: k = 300 with kc = 256 gives two blocks of 150.
	kc = ceilDiv(k, ceilDiv(k, kc))
	// Even cuts: m into ⌈m/mc⌉ tiles of nearly the same rows, n likewise, so that tiles
	// shared out between threads carry the same work.
	tm := roundUp(ceilDiv(m, ceilDiv(m, mc)), mr)
	tn := roundUp(ceilDiv(n, ceilDiv(n, nc)), nr)
	// Cut the larger side into one more piece until the batch has enough tiles to share out,
	// or the tiles become too small to be worth it.
	want := gemmWantTiles(shapes.MulSat(shapes.MulSat(nb*m, n), k))
	for nb*ceilDiv(m, tm)*ceilDiv(n, tn) < want && shapes.MulSat(tm*tn, k) >= 2*gemmTileWork {
		tm2 := roundUp(ceilDiv(m, ceilDiv(m, tm)+1), mr)
		tn2 := roundUp(ceilDiv(n, ceilDiv(n, tn)+1), nr)
		switch {
		case tm >= tn && tm2 < tm:
			tm = tm2
		case tn2 < tn:
			tn = tn2
		case tm2 < tm:
			tm = tm2
		default:
			return gemmPlan{kind: kind, tm: tm, tn: tn, tilesM: ceilDiv(m, tm), tilesN: ceilDiv(n, tn), kc: kc, bufLen: tm*kc + kc*tn + mr*nr}
		}
	}
	return gemmPlan{
		kind: kind, tm: tm, tn: tn, tilesM: ceilDiv(m, tm), tilesN: ceilDiv(n, tn), kc: kc,
		bufLen: tm*kc + kc*tn + mr*nr,
	}
}

// matOffsets gives the offsets of the b-th matrices of A, B and C of a batch, in row-major
// order of the batch dimensions.
type matOffsets struct {
	it    *iter // walks the batch dimensions of A, B and C; nil for a single product
	inner int   // it.inner()
	base  [3]int
}

func (o *matOffsets) at(b int) (ao, bo, co int) {
	if o.it == nil {
		return o.base[0], o.base[1], o.base[2]
	}
	offs := o.it.rowOffsets(b / o.inner)
	r := b % o.inner
	return offs[0] + r*o.it.innerStride(0), offs[1] + r*o.it.innerStride(1), offs[2] + r*o.it.innerStride(2)
}

// gemmJob is one batched product on its way through parallel.For.
type gemmJob[T device.Element] struct {
	op   gemmOp[T]
	pl   gemmPlan
	kern *gemmKernel[T]
	offs matOffsets
	swap bool // op is the transposed product: A and B offsets trade places
}

// gemmMaxVecK is the longest sum the vec path takes: its scratch holds k+tm elements, from
// pools of at most 2^39. Longer sums, which only operands expanded from a few elements can
// have, take the direct loops, which need no scratch.
const gemmMaxVecK = 1 << 38

// chooseGemm returns how products of m×k and k×n matrices are computed, and whether as the
// transposed product. hasKern says whether the element type has a micro-kernel. Work
// estimates saturate, so huge sizes count as large instead of wrapping around.
func chooseGemm(hasKern bool, m, n, k int) (kind gemmKind, swap bool) {
	switch {
	case !hasKern || shapes.MulSat(shapes.MulSat(m, n), k) <= gemmDirectWork:
		return gemmDirect, false
	case (m == 1 && n > 1 || n == 1) && k > gemmMaxVecK:
		return gemmDirect, false
	case m == 1 && n > 1:
		return gemmVec, true
	case n == 1:
		return gemmVec, false
	}
	return gemmPacked, false
}

// gemmBatch computes C = A·B for nb products of op's shape, whose offsets come from offs. k
// must be positive. kern is nil for element types without a micro-kernel (Int64), which
// take the direct loops.
func gemmBatch[T device.Element](kern *gemmKernel[T], op gemmOp[T], offs matOffsets, nb int) {
	j := &gemmJob[T]{op: op, kern: kern, offs: offs}
	kind, swap := chooseGemm(kern != nil, op.m, op.n, op.k)
	if swap {
		j.op, j.swap = op.transposed(), true
	}
	if kind == gemmPacked {
		j.pl = planGemm(kind, nb, op.m, op.n, op.k, kern.mr, kern.nr, kern.kc, kern.mc, kern.nc)
		j.pl.inPlaceB = op.bcs == 1 && j.pl.tm <= gemmInPlaceBRows
	} else {
		j.pl = planGemm(kind, nb, j.op.m, j.op.n, j.op.k, 1, 1, 1, 1, 1)
	}
	// Task t is tile t%tiles of product t/tiles; small tasks are grouped into chunks.
	work := shapes.MulSat(min(j.pl.tm, j.op.m)*min(j.pl.tn, j.op.n), op.k)
	parallel.For(nb*j.pl.tiles(), max(1, gemmTaskWork/max(1, work)), j.run)
}

// run computes tasks lo..hi-1 with one scratch buffer.
func (j *gemmJob[T]) run(lo, hi int) {
	pl := &j.pl
	var scratch *[]T
	var buf []T
	if pl.bufLen > 0 {
		scratch = getScratch[T](pl.bufLen)
		buf = (*scratch)[:pl.bufLen]
	}
	nt := pl.tiles()
	for t := lo; t < hi; t++ {
		ao, bo, co := j.offs.at(t / nt)
		if j.swap {
			ao, bo = bo, ao
		}
		switch pl.kind {
		case gemmPacked:
			j.op.packedTile(j.kern, pl, buf, ao, bo, co, t%nt)
		case gemmVec:
			j.op.vecTile(pl, buf, ao, bo, co, t%nt)
		default:
			j.op.directTile(pl, ao, bo, co, t%nt)
		}
	}
	if scratch != nil {
		putScratch(scratch)
	}
}

// Packing buffers are pooled by size class, powers of two, for each element type; a steady
// stream of products of one shape allocates nothing.
var (
	scratchF32 [40]sync.Pool
	scratchF64 [40]sync.Pool
	scratchI64 [40]sync.Pool
)

func scratchPools[T device.Element]() *[40]sync.Pool {
	switch any(*new(T)).(type) {
	case float32:
		return &scratchF32
	case float64:
		return &scratchF64
	}
	return &scratchI64
}

// getScratch returns a buffer of at least n elements, with arbitrary contents.
func getScratch[T device.Element](n int) *[]T {
	class := bits.Len(uint(n - 1))
	if v := scratchPools[T]()[class].Get(); v != nil {
		return v.(*[]T)
	}
	s := make([]T, 1<<class)
	return &s
}

func putScratch[T device.Element](s *[]T) {
	scratchPools[T]()[bits.Len(uint(len(*s)-1))].Put(s)
}

// packedTile computes tile t of op.C with the micro-kernel. A is packed into panels of mr
// rows, except when it is column-major (ars == 1): its columns then have the panels' form
// and are read in place (the kernel reads only the rows it computes, so partial panels too). B is read in place when its rows are contiguous and the
// plan says so (small products, where packing would cost more than it saves), and packed
// into panels of nr columns otherwise; partial panels are always packed, padded with zeros.
func (op *gemmOp[T]) packedTile(kern *gemmKernel[T], pl *gemmPlan, buf []T, ao, bo, co, t int) {
	mr, nr := kern.mr, kern.nr
	i0, j0 := t/pl.tilesN*pl.tm, t%pl.tilesN*pl.tn
	rows, cols := min(pl.tm, op.m-i0), min(pl.tn, op.n-j0)
	prows, pcols := roundUp(rows, mr), roundUp(cols, nr)
	ap := buf[:prows*pl.kc]
	bp := buf[prows*pl.kc : prows*pl.kc+pl.kc*pcols]
	tmp := buf[prows*pl.kc+pl.kc*pcols:][:mr*nr]
	c, crs, ccs := op.c, op.crs, op.ccs
	inA := op.ars == 1
	inB := pl.inPlaceB && op.bcs == 1
	fullB := 0 // columns of B read in place
	if inB {
		fullB = cols / nr * nr
	}
	for pc := 0; pc < op.k; pc += pl.kc {
		kc := min(pl.kc, op.k-pc)
		if !inA {
			packA(ap, op.a, ao+i0*op.ars+pc*op.acs, op.ars, op.acs, rows, kc, mr)
		}
		if fullB < cols {
			packB(bp[fullB*kc:], op.b, bo+pc*op.brs+(j0+fullB)*op.bcs, op.brs, op.bcs, kc, cols-fullB, nr)
		}
		load := pc > 0
		for jr := 0; jr < cols; jr += nr {
			bpan, ldb := bp[jr*kc:(jr+nr)*kc], nr
			if jr < fullB {
				bpan, ldb = op.b[bo+pc*op.brs+j0+jr:], op.brs
			}
			w := min(nr, cols-jr)
			for ir := 0; ir < rows; ir += mr {
				apan, lda := ap[ir*kc:(ir+mr)*kc], mr
				if inA {
					apan, lda = op.a[ao+i0+ir+pc*op.acs:], op.acs
				}
				h := min(mr, rows-ir)
				cij := co + (i0+ir)*crs + (j0+jr)*ccs
				if ccs == 1 && w == nr {
					kern.fn(h, kc, apan, lda, bpan, ldb, c[cij:], crs, load)
					continue
				}
				// An edge block, or C with strided columns: go through tmp.
				if load {
					for i := range h {
						for j := range w {
							tmp[i*nr+j] = c[cij+i*crs+j*ccs]
						}
					}
				}
				kern.fn(h, kc, apan, lda, bpan, ldb, tmp, nr, load)
				for i := range h {
					for j := range w {
						c[cij+i*crs+j*ccs] = tmp[i*nr+j]
					}
				}
			}
		}
	}
}

// packA copies the rows×kc block of A that starts at offset ao into panels of mr rows: panel
// q, at dst[q*mr*kc:], holds A[q*mr+i, p] at [p*mr+i], with rows past the block set to zero.
func packA[T device.Element](dst, a []T, ao, ars, acs, rows, kc, mr int) {
	for q := 0; q < rows; q += mr {
		d := dst[q*kc : (q+mr)*kc]
		h := min(mr, rows-q)
		base := ao + q*ars
		switch {
		case acs == 1 && h == mr && packRowsF32(d, a, base, ars, mr, kc):
		case acs == 1 && h == mr:
			// Row-major A: a transposition, four rows at a time.
			i := 0
			for ; i+4 <= mr; i += 4 {
				s0 := a[base+i*ars : base+i*ars+kc]
				s1 := a[base+(i+1)*ars : base+(i+1)*ars+kc]
				s2 := a[base+(i+2)*ars : base+(i+2)*ars+kc]
				s3 := a[base+(i+3)*ars : base+(i+3)*ars+kc]
				s1, s2, s3 = s1[:len(s0)], s2[:len(s0)], s3[:len(s0)] // lets the compiler drop bounds checks
				for p := range s0 {
					dd := (*[4]T)(d[p*mr+i : p*mr+i+4])
					dd[0], dd[1], dd[2], dd[3] = s0[p], s1[p], s2[p], s3[p]
				}
			}
			for ; i < mr; i++ {
				s := a[base+i*ars : base+i*ars+kc]
				for p, v := range s {
					d[p*mr+i] = v
				}
			}
		case acs == 1:
			for i := range h {
				s := a[base+i*ars : base+i*ars+kc]
				for p, v := range s {
					d[p*mr+i] = v
				}
			}
			for p := range kc {
				clear(d[p*mr+h : p*mr+mr])
			}
		case ars == 1 && h == mr:
			for p := range kc {
				copy(d[p*mr:p*mr+mr], a[base+p*acs:base+p*acs+mr])
			}
		default:
			for p := range kc {
				o := base + p*acs
				dp := d[p*mr : p*mr+mr]
				for i := range h {
					dp[i] = a[o+i*ars]
				}
				clear(dp[h:])
			}
		}
	}
}

// packB copies the kc×cols block of B that starts at offset bo into panels of nr columns:
// panel q, at dst[q*nr*kc:], holds B[p, q*nr+j] at [p*nr+j], with columns past the block set
// to zero.
func packB[T device.Element](dst, b []T, bo, brs, bcs, kc, cols, nr int) {
	for q := 0; q < cols; q += nr {
		d := dst[q*kc : (q+nr)*kc]
		w := min(nr, cols-q)
		base := bo + q*bcs
		switch {
		case bcs == 1 && w == nr:
			for p := range kc {
				copy(d[p*nr:p*nr+nr], b[base+p*brs:base+p*brs+nr])
			}
		case brs == 1 && w == nr && packRowsF32(d, b, base, bcs, nr, kc):
		case brs == 1:
			// Column-major B (a transposed operand): a transposition, four columns at a time.
			j := 0
			for ; j+4 <= w; j += 4 {
				s0 := b[base+j*bcs : base+j*bcs+kc]
				s1 := b[base+(j+1)*bcs : base+(j+1)*bcs+kc]
				s2 := b[base+(j+2)*bcs : base+(j+2)*bcs+kc]
				s3 := b[base+(j+3)*bcs : base+(j+3)*bcs+kc]
				s1, s2, s3 = s1[:len(s0)], s2[:len(s0)], s3[:len(s0)]
				for p := range s0 {
					dd := (*[4]T)(d[p*nr+j : p*nr+j+4])
					dd[0], dd[1], dd[2], dd[3] = s0[p], s1[p], s2[p], s3[p]
				}
			}
			for ; j < w; j++ {
				s := b[base+j*bcs : base+j*bcs+kc]
				for p, v := range s {
					d[p*nr+j] = v
				}
			}
			for p := range kc {
				clear(d[p*nr+w : p*nr+nr])
			}
		default:
			for p := range kc {
				o := base + p*brs
				dp := d[p*nr : p*nr+nr]
				for j := range w {
					dp[j] = b[o+j*bcs]
				}
				clear(dp[w:])
			}
		}
	}
}

// vecTile computes rows t*tm.. of c = A·b when n == 1.
func (op *gemmOp[T]) vecTile(pl *gemmPlan, buf []T, ao, bo, co, t int) {
	k := op.k
	i0 := t * pl.tm
	rows := min(pl.tm, op.m-i0)
	a, c, ars, acs, crs := op.a, op.c, op.ars, op.acs, op.crs
	ao += i0 * ars
	co += i0 * crs
	var v []T
	if op.brs == 1 {
		v = op.b[bo : bo+k]
	} else {
		v = buf[:k]
		for p := range v {
			v[p] = op.b[bo+p*op.brs]
		}
	}
	if acs != 1 && ars == 1 {
		// Column-major A: add up its columns, each one contiguous, four at a time so that
		// each partial sum is loaded and stored once per four products.
		acc := buf[k : k+rows]
		clear(acc)
		p := 0
		for ; p+4 <= k; p += 4 {
			o := ao + p*acs
			c0 := a[o : o+rows]
			c1 := a[o+acs : o+acs+rows]
			c2 := a[o+2*acs : o+2*acs+rows]
			c3 := a[o+3*acs : o+3*acs+rows]
			c1, c2, c3, acc := c1[:len(c0)], c2[:len(c0)], c3[:len(c0)], acc[:len(c0)]
			v0, v1, v2, v3 := v[p], v[p+1], v[p+2], v[p+3]
			for i, x := range c0 {
				s := acc[i]
				s += x * v0
				s += c1[i] * v1
				s += c2[i] * v2
				s += c3[i] * v3
				acc[i] = s
			}
		}
		for ; p < k; p++ {
			col := a[ao+p*acs : ao+p*acs+rows]
			acc := acc[:len(col)]
			vp := v[p]
			for i, x := range col {
				acc[i] += x * vp
			}
		}
		for i, s := range acc {
			c[co+i*crs] = s
		}
		return
	}
	i := 0
	if acs == 1 {
		// Four dot products at a time hide the latency of the adds.
		for ; i+4 <= rows; i += 4 {
			o := ao + i*ars
			r0 := a[o : o+k]
			r1 := a[o+ars : o+ars+k]
			r2 := a[o+2*ars : o+2*ars+k]
			r3 := a[o+3*ars : o+3*ars+k]
			r0, r1, r2, r3 = r0[:len(v)], r1[:len(v)], r2[:len(v)], r3[:len(v)]
			var s0, s1, s2, s3 T
			for p, vp := range v {
				s0 += r0[p] * vp
				s1 += r1[p] * vp
				s2 += r2[p] * vp
				s3 += r3[p] * vp
			}
			c[co+i*crs] = s0
			c[co+(i+1)*crs] = s1
			c[co+(i+2)*crs] = s2
			c[co+(i+3)*crs] = s3
		}
	}
	for ; i < rows; i++ {
		var s T
		o := ao + i*ars
		for p, vp := range v {
			s += a[o+p*acs] * vp
		}
		c[co+i*crs] = s
	}
}

// directTile computes rows t*tm.. of C with plain loops over the operands in place.
func (op *gemmOp[T]) directTile(pl *gemmPlan, ao, bo, co, t int) {
	i0 := t * pl.tm
	rows := min(pl.tm, op.m-i0)
	n, k := op.n, op.k
	a, b, c := op.a, op.b, op.c
	ars, acs, brs, bcs, crs, ccs := op.ars, op.acs, op.brs, op.bcs, op.crs, op.ccs
	for i := i0; i < i0+rows; i++ {
		ci := co + i*crs
		ai := ao + i*ars
		if ccs == 1 && bcs == 1 {
			// Row i of C is Σ_p A[i,p]·B[p,:], accumulated in order of p.
			cr := c[ci : ci+n]
			clear(cr)
			for p := range k {
				av := a[ai+p*acs]
				br := b[bo+p*brs : bo+p*brs+n]
				for j, bv := range br {
					cr[j] += av * bv
				}
			}
			continue
		}
		for j := range n {
			var s T
			bj := bo + j*bcs
			for p := range k {
				s += a[ai+p*acs] * b[bj+p*brs]
			}
			c[ci+j*ccs] = s
		}
	}
}

// packRowsF32 packs the transposition of rows rows of src, lds apart from base, kc elements
// each, into dst: dst[p*rows+i] = src[base+i*lds+p], by 8×8 blocks in assembly. It reports
// false, doing nothing, for other element types and for blocks narrower than 8.
func packRowsF32[T device.Element](dst, src []T, base, lds, rows, kc int) bool {
	d, ok := any(dst).([]float32)
	if !ok || rows < 8 || kc < 8 {
		return false
	}
	s := any(src).([]float32)
	p := 0
	for ; p+8 <= kc; p += 8 {
		for i := 0; i < rows; i += 8 {
			i = min(i, rows-8) // a last partial group overlaps the one before: same values
			asm.Transpose8x8F32(d[p*rows+i:], rows, s[base+i*lds+p:], lds)
		}
	}
	for ; p < kc; p++ {
		for i := range rows {
			d[p*rows+i] = s[base+i*lds+p]
		}
	}
	return true
}
