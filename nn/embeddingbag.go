package nn

import (
	"fmt"
	"math"
	"sync"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// BagMode says how EmbeddingBag reduces the rows of a bag.
type BagMode uint8

// The reductions of EmbeddingBag.
const (
	BagMean BagMode = iota // the mean of the rows (PyTorch's default)
	BagSum                 // their sum, optionally weighted per id
	BagMax                 // their elementwise maximum
)

// String returns PyTorch's name of the mode: "mean", "sum" or "max".
func (m BagMode) String() string {
	switch m {
	case BagMean:
		return "mean"
	case BagSum:
		return "sum"
	case BagMax:
		return "max"
	}
	return fmt.Sprintf("BagMode(%d)", uint8(m))
}

// EmbeddingBagOptions configures NewEmbeddingBag. The zero value gives PyTorch's defaults.
type EmbeddingBagOptions struct {
	Mode BagMode
	// PaddingIdx, when not nil, is an id left out of every bag (it neither adds to a sum nor
	// counts in a mean), whose row is zero at initialization and never receives a gradient
	// (a negative index counts from the end).
	PaddingIdx *int
	// MaxNorm, when positive, renormalizes in place every row a forward pass looks up whose
	// NormType-norm exceeds it, as Embedding does.
	MaxNorm float64
	// NormType is the p of the p-norm for MaxNorm; 2 when 0.
	NormType float64
	// IncludeLastOffset: the offsets have one more entry than there are bags, the end of the
	// last one (PyTorch's include_last_offset).
	IncludeLastOffset bool
	Init
}

// EmbeddingBag looks up bags of ids and reduces the rows of each bag to one vector (their sum,
// mean or maximum) without making the [B, L, Dim] tensor of the rows, like
// torch.nn.EmbeddingBag: Weight is [Num, Dim] (the state_dict key "weight"). Empty bags, and
// bags of padding only, give zeros.
type EmbeddingBag struct {
	Weight            *autograd.Value
	Num, Dim          int
	Mode              BagMode
	PaddingIdx        int // -1 when there is none
	MaxNorm           float64
	NormType          float64
	IncludeLastOffset bool
	mu                sync.Mutex // serializes the in-place renormalization of MaxNorm
}

// NewEmbeddingBag returns a table of num rows of dim values, initialized N(0, 1) with the
// padding row zero, as PyTorch does. It panics if a size is negative, the padding index is out
// of range or the mode unknown.
func NewEmbeddingBag(num, dim int, opt EmbeddingBagOptions) *EmbeddingBag {
	if num < 0 || dim < 0 {
		panicf("nn.NewEmbeddingBag", "negative size: num %d, dim %d", num, dim)
	}
	if opt.Mode > BagMax {
		panicf("nn.NewEmbeddingBag", "unknown mode %d", opt.Mode)
	}
	// The options shared with Embedding are checked and resolved by it.
	e := &Embedding{Num: num}
	e.configure(EmbeddingOptions{PaddingIdx: opt.PaddingIdx, MaxNorm: opt.MaxNorm, NormType: opt.NormType})
	b := &EmbeddingBag{
		Weight: opt.param("nn.NewEmbeddingBag", num, dim), Num: num, Dim: dim, Mode: opt.Mode,
		PaddingIdx: e.PaddingIdx, MaxNorm: e.MaxNorm, NormType: e.NormType, IncludeLastOffset: opt.IncludeLastOffset,
	}
	b.Reset(opt.rng())
	return b
}

// Reset draws the table from N(0, 1) and zeroes the padding row.
func (b *EmbeddingBag) Reset(rng *tensor.RNG) {
	Normal(b.Weight, 0, 1, rng)
	if b.PaddingIdx >= 0 {
		b.Weight.Data().Narrow(0, b.PaddingIdx, 1).Fill(0)
	}
}

// Members lists "weight".
func (b *EmbeddingBag) Members() []Member { return []Member{Param("weight", b.Weight)} }

// Forward reduces each row of x, Int64 ids [B, L] wrapped as a value (a batch of B bags of L
// ids), to one vector: the result is [B, Dim]. In no-grad mode
// (autograd.Const(ids).NoGrad()) it records nothing.
func (b *EmbeddingBag) Forward(x *autograd.Value) *autograd.Value {
	return b.ForwardBags(x, nil, nil)
}

// ForwardBags reduces bags of ids to vectors, as torch.nn.EmbeddingBag's forward does.
//
// With offsets nil, ids is [B, L]: B bags of L ids each. Otherwise ids is 1-D, the bags one
// after the other, and offsets an Int64 [B] tensor of where each bag starts (the first 0,
// non-decreasing, none beyond the number of ids); with IncludeLastOffset it has B+1 entries,
// the last the end of the last bag, and ids beyond it belong to no bag. The offsets describe
// the batch, not its data: they are read back to the host (which waits for a queued device)
// to lay the bags out. The ids stay on the device.
//
// perSampleWeights, in the float dtype of the table and the shape of ids (nil for none),
// scales each id's row before the reduction; only BagSum takes them. It receives a gradient
// when it requires one.
//
// The result is [B, Dim]. It panics with a *tensor.Error if the ids are not Int64 of the
// right shape, the offsets are not as described, or the weights do not fit.
func (b *EmbeddingBag) ForwardBags(ids *autograd.Value, offsets *tensor.Tensor, perSampleWeights *autograd.Value) *autograd.Value {
	const op = "nn.EmbeddingBag"
	if ids == nil {
		panicf(op, "nil ids")
	}
	idt := ids.Data()
	if idt.DType() != tensor.Int64 {
		panicf(op, "ids must be int64, got %s of shape %v", idt.DType(), idt.Shape())
	}
	if offsets == nil && idt.NDim() != 2 {
		panicf(op, "ids of shape %v without offsets: want [B, L], one bag per row", idt.Shape())
	}
	if offsets != nil && idt.NDim() != 1 {
		panicf(op, "ids of shape %v with offsets: want 1-D ids", idt.Shape())
	}
	if perSampleWeights != nil {
		if b.Mode != BagSum {
			panicf(op, "per-sample weights need mode sum, not %s", b.Mode)
		}
		if !perSampleWeights.Shape().Equal(idt.Shape()) || perSampleWeights.DType() != b.Weight.DType() {
			panicf(op, "per-sample weights %s %v for ids of shape %v: want the ids' shape in %s",
				perSampleWeights.DType(), perSampleWeights.Shape(), idt.Shape(), b.Weight.DType())
		}
	}
	if b.MaxNorm > 0 {
		b.mu.Lock()
		(&Embedding{Weight: b.Weight, Num: b.Num, MaxNorm: b.MaxNorm, NormType: b.NormType}).renorm(idt)
		b.mu.Unlock()
	}
	w := inMode(ids, b.Weight)
	if offsets == nil {
		return b.reduce(ids, w, idt, nil, perSampleWeights, 1)
	}
	if offsets.DType() != tensor.Int64 || offsets.NDim() != 1 {
		panicf(op, "offsets must be 1-D int64, got %s of shape %v", offsets.DType(), offsets.Shape())
	}
	off := offsets.Int64s()
	n := int64(idt.Size(0))
	bags := len(off)
	if b.IncludeLastOffset {
		bags--
	}
	if bags < 1 {
		panicf(op, "%d offsets make no bag", len(off))
	}
	if off[0] != 0 {
		panicf(op, "offsets must start at 0, got %d", off[0])
	}
	for i := 1; i < len(off); i++ {
		if off[i] < off[i-1] || off[i] > n {
			panicf(op, "offsets must be non-decreasing and at most the %d ids, got %d after %d", n, off[i], off[i-1])
		}
	}
	end := func(i int) int64 {
		if i+1 < len(off) {
			return off[i+1]
		}
		return n
	}
	dev := idt.Device()
	if b.Mode != BagMax {
		// Sum and mean add each id's row into its bag: a segment sum, [N, Dim] → [B, Dim].
		seg := make([]int64, n)
		valid := make([]float64, n) // ids beyond the last bag (IncludeLastOffset) count nowhere
		for i := range bags {
			for j := off[i]; j < end(i); j++ {
				seg[j], valid[j] = int64(i), 1
			}
		}
		return b.reduce(ids, w, idt, &segments{tensor.From(seg).To(dev), tensor.From(valid).AsType(b.Weight.DType()).To(dev), bags}, perSampleWeights, 0)
	}
	// Max lays the bags out as the rows of a padded [B, Lmax] table of positions in ids.
	lmax := int64(0)
	for i := range bags {
		lmax = max(lmax, end(i)-off[i])
	}
	if lmax == 0 || n == 0 {
		return constIn(ids, tensor.Zeros(tensor.Shape{bags, b.Dim}, b.Weight.DType(), tensor.On(dev)))
	}
	pos := make([]int64, int64(bags)*lmax)
	valid := make([]float64, len(pos))
	for i := range bags {
		for j := off[i]; j < end(i); j++ {
			k := int64(i)*lmax + j - off[i]
			pos[k], valid[k] = j, 1
		}
	}
	posT := tensor.From(pos, bags, int(lmax)).To(dev)
	bagIDs := ids.Data().IndexSelect(0, posT) // [B, Lmax]
	return b.reduce(ids, w, bagIDs, nil, nil, 1, tensor.From(valid, bags, int(lmax)).AsType(b.Weight.DType()).To(dev))
}

// segments assigns each of the N ids of a 1-D batch to its bag (seg) and says whether it
// belongs to one at all (valid, 0 or 1).
type segments struct {
	seg, valid *tensor.Tensor
	bags       int
}

// reduce computes the bags. Either ids2 is [B, L] (axis 1 is the bag's) with an optional
// validity mask valid[0] of the same shape, or seg lays the 1-D ids2 out in bags.
func (b *EmbeddingBag) reduce(x, w *autograd.Value, ids2 *tensor.Tensor, seg *segments, psw *autograd.Value, axis int, valid ...*tensor.Tensor) *autograd.Value {
	dt, dev := b.Weight.DType(), ids2.Device()
	// keep is 1 for the ids that count: in a bag and not the padding id.
	var keep *tensor.Tensor
	switch {
	case seg != nil:
		keep = seg.valid
	case len(valid) > 0:
		keep = valid[0]
	}
	if b.PaddingIdx >= 0 {
		np := ids2.NeScalar(float64(b.PaddingIdx)).AsType(dt)
		if keep == nil {
			keep = np
		} else {
			keep = keep.Mul(np)
		}
	}
	rows := w.IndexSelect(0, ids2) // [B, L, Dim] or [N, Dim]
	if b.Mode == BagMax {
		if ids2.Size(axis) == 0 {
			return constIn(x, tensor.Zeros(tensor.Shape{ids2.Size(0), b.Dim}, dt, tensor.On(dev)))
		}
		if keep == nil {
			y, _ := rows.MaxAlong(axis, false)
			return y
		}
		y, _ := rows.MaskedFill(keep.EqScalar(0).Unsqueeze(-1), math.Inf(-1)).MaxAlong(axis, false)
		return y.MaskedFill(keep.Sum(axis).EqScalar(0).Unsqueeze(-1), 0)
	}
	var scale *autograd.Value
	if keep != nil {
		scale = constIn(x, keep)
	}
	if psw != nil {
		if scale == nil {
			scale = psw
		} else {
			scale = scale.Mul(psw)
		}
	}
	if scale != nil {
		rows = rows.Mul(scale.Unsqueeze(-1))
	}
	var sum *autograd.Value
	var count *tensor.Tensor
	if seg != nil {
		sum = constIn(x, tensor.Zeros(tensor.Shape{seg.bags, b.Dim}, dt, tensor.On(dev))).IndexAdd(0, seg.seg, rows)
		if b.Mode == BagMean {
			count = tensor.Zeros(tensor.Shape{seg.bags}, dt, tensor.On(dev)).IndexAddInPlace(0, seg.seg, keep)
		}
	} else {
		sum = rows.Sum(axis)
		if b.Mode == BagMean {
			if keep != nil {
				count = keep.Sum(axis)
			} else {
				count = tensor.Full(tensor.Shape{ids2.Size(0)}, float64(ids2.Size(1)), dt, tensor.On(dev))
			}
		}
	}
	if b.Mode == BagSum {
		return sum
	}
	return sum.Div(constIn(x, count.ClampMin(1).Unsqueeze(1)))
}
