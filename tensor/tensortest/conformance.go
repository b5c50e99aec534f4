package tensortest

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/godl/godl/tensor"
)

// Options adjusts Run to a device.
type Options struct {
	// TolScale multiplies every floating-point tolerance of the suite; 0 means 1. The default
	// tolerances fit a device that computes like Go's math package and sums in another order;
	// a GPU whose float32 exp, log or tanh are a few ulps off may need a larger scale. Int64
	// results, data movement, masks and comparisons are compared exactly whatever the scale.
	TolScale float64
	// Seed selects the random inputs; 0 means the suite's default seed.
	Seed uint64
}

const defaultSeed = 0x60d1

// Run checks every public operation of package tensor on dev against the CPU backend. Each
// case of the suite builds seeded random operands on the CPU (contiguous, transposed, strided
// with steps and an offset, expanded with zero strides, with size-1 and size-0 dimensions),
// moves them to dev with To, applies the same views on both sides, runs the operation on
// both, and compares every result (brought back with To(tensor.CPU)), every operand
// afterwards, and any panic. It runs as subtests named case/dtype/variant, so
//
//	go test -run 'Conformance/Softmax/float32' ./...
//
// selects one. See the package documentation for what is compared and how.
func Run(t *testing.T, dev tensor.Device) {
	t.Helper()
	RunOptions(t, dev, Options{})
}

// RunOptions is Run with options.
func RunOptions(t *testing.T, dev tensor.Device, o Options) {
	t.Helper()
	if o.TolScale == 0 {
		o.TolScale = 1
	}
	if o.Seed == 0 {
		o.Seed = defaultSeed
	}
	t.Run("Coverage", CheckCoverage)
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			for _, dt := range c.dtypes {
				for _, v := range c.variants {
					t.Run(dt.String()+"/"+v.name, func(t *testing.T) { runCase(t, dev, o, c, dt, v) })
				}
			}
		})
	}
}

// CheckCoverage fails if a public method of *tensor.Tensor is neither exercised by a case of
// the suite nor listed among the methods it deliberately leaves out (metadata that involves no
// device), or if that list names a method that no longer exists. Adding a method to Tensor
// therefore means adding a line to the case table.
func CheckCoverage(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range allCases() {
		for _, m := range c.covers() {
			covered[m] = true
		}
	}
	typ := reflect.TypeFor[*tensor.Tensor]()
	exists := map[string]bool{}
	var missing []string
	for i := range typ.NumMethod() {
		m := typ.Method(i).Name
		exists[m] = true
		if !covered[m] && notCovered[m] == "" {
			missing = append(missing, m)
		}
	}
	if len(missing) > 0 {
		t.Errorf("methods of *tensor.Tensor missing from the conformance table: %s (add a case, or list them in notCovered with the reason)", strings.Join(missing, ", "))
	}
	for m := range notCovered {
		if !exists[m] {
			t.Errorf("notCovered lists %s, which is not a method of *tensor.Tensor", m)
		}
		if covered[m] {
			t.Errorf("notCovered lists %s, which a case covers", m)
		}
	}
}

// notCovered lists the public methods of *tensor.Tensor that no case runs, with the reason.
// They read or compare metadata kept by package tensor itself, which no device touches; the
// harness checks shape, dtype, device, layout and storage sharing of every result anyway.
var notCovered = map[string]string{
	"DType":         "metadata: checked on every result",
	"Device":        "metadata: checked on every result",
	"Shape":         "metadata: checked on every result",
	"Layout":        "metadata: checked on every result",
	"SharesStorage": "metadata: checked on every result against every operand",
	"NDim":          "metadata",
	"Size":          "metadata",
	"Numel":         "metadata",
	"Strides":       "metadata",
	"IsContiguous":  "metadata",
	"Version":       "metadata: counts in-place writes in package tensor",
	"Exclusive":     "metadata: reference counts kept by package tensor",
	"ReducedAxes":   "metadata: axis arithmetic on the shape",
}

// opCase is one line of the table: an operation, the dtypes it supports, the operands to try
// it on, and how closely the device must match the CPU.
type opCase struct {
	name     string
	methods  []string // *tensor.Tensor methods (and functions) it exercises; nil means the first word of name
	dtypes   []tensor.DType
	variants []variant
	fn       func(e *env) []*tensor.Tensor
	tol      func(e *env) tolerance // nil: exact
	flags    caseFlags
}

func (c *opCase) covers() []string {
	if c.methods != nil {
		return c.methods
	}
	return []string{strings.SplitN(c.name, "/", 2)[0]}
}

type caseFlags uint8

const (
	inPlace  caseFlags = 1 << iota // writes into the storage of its first operand
	hostOut                        // results are read back to the host on both sides
	noAlias                        // storage sharing may differ by device (To)
	noLayout                       // result layouts may differ by device (To)
	metaOnly                       // contents unspecified: compare shape, dtype and device only
)

// variant is one set of operands for a case, and integer parameters (axes, sizes) that the
// case's function reads.
type variant struct {
	name string
	args []arg
	ints []int
}

// env is what a case's function sees: the device it runs on, the case's dtype, the operands
// (already on that device, with their views applied) and the variant's parameters.
type env struct {
	dev  tensor.Device
	dt   tensor.DType
	in   []*tensor.Tensor
	ints []int
}

// x returns the first operand.
func (e *env) x() *tensor.Tensor { return e.in[0] }

// layoutKind is how an operand of a given shape is laid out in memory.
type layoutKind uint8

const (
	contig layoutKind = iota // row-major, offset 0
	perm                     // dimensions reversed: a transposed view
	step                     // every other element of a larger tensor, from offset 1 on
	expand                   // every other dimension, from the last, broadcast from size 1
)

var layoutNames = [...]string{"contig", "perm", "step", "expand"}

// genKind is how an operand's values are drawn.
type genKind uint8

const (
	uniform  genKind = iota // uniform in [lo, hi); Int64 gets ⌊value⌋
	grid                    // multiples of step in [lo, hi]: ties and exact equalities
	nonzero                 // ±uniform in [lo, hi) with lo > 0; Int64 gets ±[1, hi]
	constant                // every element lo
)

// gen draws an operand's values. With nan set, about one float element in five is NaN,
// ±Inf or ±0 instead (Int64 operands ignore it).
type gen struct {
	kind   genKind
	lo, hi float64
	step   float64
	nan    bool
}

// arg is one operand: its logical shape, layout, dtype and values.
type arg struct {
	shape  []int
	layout layoutKind
	dt     tensor.DType // used when fixed is set; otherwise the case's dtype
	fixed  bool
	gen    gen
	host   bool // stays on the CPU in the device run
}

// tolerance bounds |got - want| for floating-point results by
// unit·(rel·|want| + abs + absT[k][i]), where unit is the dtype's unit roundoff (2⁻²⁴ for
// float32, 2⁻⁵³ for float64) times Options.TolScale. A zero tolerance means exact equality.
type tolerance struct {
	rel, abs float64
	absT     []*tensor.Tensor // per result, elementwise; nil entries add nothing
}

func (tl tolerance) exact() bool { return tl.rel == 0 && tl.abs == 0 && tl.absT == nil }

func unitRoundoff(dt tensor.DType) float64 {
	if dt == tensor.Float32 {
		return 0x1p-24
	}
	return 0x1p-53
}

// operand builds the CPU base tensor of a (drawn from r) and the view that turns a base
// into the operand; the same view applies to the base's copy on the device.
func (a arg) operand(r *rand.Rand, caseDT tensor.DType) (*tensor.Tensor, func(*tensor.Tensor) *tensor.Tensor) {
	dt := caseDT
	if a.fixed {
		dt = a.dt
	}
	nd := len(a.shape)
	base := slices.Clone(a.shape)
	var view func(*tensor.Tensor) *tensor.Tensor
	switch a.layout {
	case contig:
		view = func(t *tensor.Tensor) *tensor.Tensor { return t.View(a.shape...) }
	case perm:
		slices.Reverse(base)
		rev := make([]int, nd)
		for i := range rev {
			rev[i] = nd - 1 - i
		}
		view = func(t *tensor.Tensor) *tensor.Tensor { return t.Permute(rev...) }
	case step:
		for i, d := range a.shape {
			base[i] = 2*d + 1
		}
		view = func(t *tensor.Tensor) *tensor.Tensor {
			v := t
			for i, d := range a.shape {
				w := v.Slice(i, 1, 1+2*d, 2)
				if v != t {
					v.Release()
				}
				v = w
			}
			if v == t {
				v = t.View(a.shape...)
			}
			return v
		}
	case expand:
		for i := nd - 1; i >= 0; i -= 2 {
			base[i] = 1
		}
		view = func(t *tensor.Tensor) *tensor.Tensor { return t.Expand(a.shape...) }
	}
	return fromValues(a.gen.values(r, dt, tensor.Shape(base).Numel()), dt, base), view
}

func (g gen) values(r *rand.Rand, dt tensor.DType, n int) []float64 {
	out := make([]float64, n)
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1)}
	for i := range out {
		var v float64
		switch g.kind {
		case uniform:
			v = g.lo + (g.hi-g.lo)*r.Float64()
			if dt == tensor.Int64 {
				v = math.Floor(v)
			}
		case grid:
			k := math.Floor((g.hi - g.lo) / g.step)
			v = g.lo + g.step*float64(r.IntN(int(k)+1))
			if dt == tensor.Int64 {
				v = math.Floor(v)
			}
		case nonzero:
			v = g.lo + (g.hi-g.lo)*r.Float64()
			if dt == tensor.Int64 {
				v = float64(1 + r.IntN(int(math.Ceil(g.hi))))
			}
			if r.IntN(2) == 0 {
				v = -v
			}
		case constant:
			v = g.lo
		}
		if g.nan && dt != tensor.Int64 && r.IntN(5) == 0 {
			v = specials[r.IntN(len(specials))]
		}
		out[i] = v
	}
	return out
}

// fromValues returns a CPU tensor of dtype dt holding vals.
func fromValues(vals []float64, dt tensor.DType, shape []int) *tensor.Tensor {
	if len(shape) == 0 { // From reads an empty shape as 1-D
		t := fromValues(vals, dt, []int{1})
		defer t.Release()
		return t.View()
	}
	switch dt {
	case tensor.Float32:
		v := make([]float32, len(vals))
		for i, x := range vals {
			v[i] = float32(x)
		}
		return tensor.From(v, shape...)
	case tensor.Float64:
		return tensor.From(slices.Clone(vals), shape...)
	}
	v := make([]int64, len(vals))
	for i, x := range vals {
		v[i] = int64(x)
	}
	return tensor.From(v, shape...)
}

// caught is a recovered panic.
type caught struct {
	val   any
	stack []byte
}

func (p *caught) String() string {
	if e, ok := p.val.(*tensor.Error); ok {
		return fmt.Sprintf("*tensor.Error %q", e.Error())
	}
	return fmt.Sprintf("%T %v\n%s", p.val, p.val, p.stack)
}

func call[T any](f func() T) (r T, p *caught) {
	defer func() {
		if v := recover(); v != nil {
			p = &caught{val: v, stack: debug.Stack()}
		}
	}()
	return f(), nil
}

func seedOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, s := range parts {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// snapshot returns the elements of t bit for bit, for exact before/after comparisons.
func snapshot(t *tensor.Tensor) []uint64 {
	out := make([]uint64, t.Numel())
	if t.DType() == tensor.Int64 {
		for i, v := range t.Int64s() {
			out[i] = uint64(v)
		}
		return out
	}
	for i, v := range t.Float64s() {
		out[i] = math.Float64bits(v)
	}
	return out
}

// reporter is the part of testing.TB that the harness uses; the tests of the harness give it
// a collector to check that broken devices are caught.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// runCase runs case c in dtype dt on the operands of variant v, on the CPU and on dev, and
// reports every difference to t.
func runCase(t reporter, dev tensor.Device, o Options, c *opCase, dt tensor.DType, v variant) {
	t.Helper()
	r := rand.New(rand.NewPCG(o.Seed, seedOf(c.name, dt.String(), v.name)))
	n := len(v.args)
	cpuBase, devBase := make([]*tensor.Tensor, n), make([]*tensor.Tensor, n)
	cpuIn, devIn := make([]*tensor.Tensor, n), make([]*tensor.Tensor, n)
	var toRelease []*tensor.Tensor
	defer func() {
		for _, x := range toRelease {
			x.Release()
		}
	}()
	for k, a := range v.args {
		b, view := a.operand(r, dt)
		var db *tensor.Tensor
		if a.host {
			db = b.Clone()
		} else if db = b.To(dev); db.SharesStorage(b) {
			db = b.Clone() // dev is the CPU: keep the two runs apart
		}
		cpuBase[k], devBase[k] = b, db
		cpuIn[k], devIn[k] = view(b), view(db)
		toRelease = append(toRelease, b, db, cpuIn[k], devIn[k])
	}
	cpuEnv := &env{dev: tensor.CPU, dt: dt, in: cpuIn, ints: v.ints}
	devEnv := &env{dev: dev, dt: dt, in: devIn, ints: v.ints}

	var tl tolerance
	var tolPanic *caught
	if c.tol != nil && dt != tensor.Int64 {
		// Before the call: an in-place operation changes its operands.
		tl, tolPanic = call(func() tolerance { return c.tol(cpuEnv) })
	}
	var before [][]uint64
	for _, b := range cpuBase {
		before = append(before, snapshot(b))
	}

	want, wp := call(func() []*tensor.Tensor { return c.fn(cpuEnv) })
	// A device that queues its kernels may report a bad index only at the next synchronising
	// call: the device's run includes one.
	got, gp := call(func() []*tensor.Tensor {
		r := c.fn(devEnv)
		tensor.SyncDevice(dev)
		return r
	})
	toRelease = append(toRelease, want...)
	toRelease = append(toRelease, got...)
	toRelease = append(toRelease, tl.absT...)
	if !samePanics(t, dev, wp, gp) {
		return
	}
	if tolPanic != nil {
		t.Fatalf("computing the tolerance panicked: %v", tolPanic)
	}

	if len(got) != len(want) {
		t.Fatalf("%d results on %s, %d on the CPU", len(got), dev.Name(), len(want))
	}
	unit := unitRoundoff(dt) * o.TolScale
	for k := range want {
		w, g := want[k], got[k]
		what := fmt.Sprintf("result %d", k)
		if !w.Shape().Equal(g.Shape()) || w.DType() != g.DType() {
			t.Errorf("%s: %s %v on %s, %s %v on the CPU", what, g.DType(), g.Shape(), dev.Name(), w.DType(), w.Shape())
			continue
		}
		if c.flags&noLayout == 0 && !reflect.DeepEqual(w.Layout(), g.Layout()) {
			t.Errorf("%s: layout %+v on %s, %+v on the CPU", what, g.Layout(), dev.Name(), w.Layout())
		}
		wantDev := dev
		if c.flags&hostOut != 0 {
			wantDev = tensor.CPU
		}
		if g.Device() != wantDev {
			t.Errorf("%s: on device %s, want %s", what, g.Device().Name(), wantDev.Name())
		}
		if c.flags&noAlias == 0 {
			for j := range cpuIn {
				if ws, gs := w.SharesStorage(cpuIn[j]), g.SharesStorage(devIn[j]); ws != gs {
					t.Errorf("%s shares storage with operand %d: %v on %s, %v on the CPU", what, j, gs, dev.Name(), ws)
				}
			}
		}
		if c.flags&metaOnly != 0 {
			continue
		}
		var absT *tensor.Tensor
		if k < len(tl.absT) {
			absT = tl.absT[k]
		}
		gc := g.To(tensor.CPU)
		compareValues(t, what, dev, w, gc, tl.rel, tl.abs, absT, unit)
		if gc != g {
			gc.Release()
		}
	}

	// The operands afterwards: unchanged unless the operation writes in place, and equal on
	// both sides, including the elements of the base tensors outside the views.
	absMax := tl.abs
	for _, a := range tl.absT {
		if a != nil && a.Numel() > 0 {
			if m := a.Max().Item(); !math.IsNaN(m) {
				absMax = max(absMax, tl.abs+m)
			}
		}
	}
	for k := range cpuBase {
		what := fmt.Sprintf("operand %d after the call", k)
		if c.flags&inPlace == 0 {
			if !slices.Equal(before[k], snapshot(cpuBase[k])) {
				t.Errorf("%s: the CPU changed an operand it should only read", what)
			}
			if !slices.Equal(before[k], snapshot(devBase[k])) {
				t.Errorf("%s: %s changed an operand it should only read", what, dev.Name())
			}
			continue
		}
		gc := devBase[k].To(tensor.CPU)
		compareValues(t, what, dev, cpuBase[k], gc, tl.rel, absMax, nil, unit)
		if gc != devBase[k] {
			gc.Release()
		}
	}
}

// samePanics reports whether both calls returned normally, failing the test unless both
// did, or both panicked with a *tensor.Error of the same operation.
func samePanics(t reporter, dev tensor.Device, wp, gp *caught) bool {
	t.Helper()
	switch {
	case wp == nil && gp == nil:
		return true
	case wp == nil:
		t.Fatalf("%s panicked with %v; the CPU returned normally", dev.Name(), gp)
	case gp == nil:
		if _, ok := wp.val.(*tensor.Error); !ok {
			t.Fatalf("the CPU panicked with %v, not a *tensor.Error", wp)
		}
		t.Fatalf("the CPU panicked with %v; %s returned normally", wp, dev.Name())
	default:
		we, ok := wp.val.(*tensor.Error)
		if !ok {
			t.Fatalf("the CPU panicked with %v, not a *tensor.Error", wp)
		}
		ge, ok := gp.val.(*tensor.Error)
		if !ok {
			t.Fatalf("%s panicked with %v, not a *tensor.Error (the CPU: %v)", dev.Name(), gp, wp)
		}
		if ge.Op != we.Op {
			t.Errorf("%s panicked in %s (%v), the CPU in %s (%v)", dev.Name(), ge.Op, ge, we.Op, we)
		}
	}
	return false
}

// compareValues compares want (from the CPU) and got (from the device, brought back to the
// CPU) element by element: Int64 exactly, floats with NaN matching NaN, infinities matching
// exactly and finite values within unit·(rel·|want| + abs + absT[i]); exactly when all three
// are zero. Signed zeros compare equal.
func compareValues(t reporter, what string, dev tensor.Device, want, got *tensor.Tensor, rel, abs float64, absT *tensor.Tensor, unit float64) {
	t.Helper()
	shape := want.Shape()
	var bad []string
	nbad := 0
	report := func(i int, g, w, allowed string) {
		nbad++
		if len(bad) < 5 {
			bad = append(bad, fmt.Sprintf("at %v: %s on %s, %s on the CPU%s", unflatten(i, shape), g, dev.Name(), w, allowed))
		}
	}
	if want.DType() == tensor.Int64 {
		w, g := want.Int64s(), got.Int64s()
		for i := range w {
			if w[i] != g[i] {
				report(i, fmt.Sprint(g[i]), fmt.Sprint(w[i]), "")
			}
		}
	} else {
		w, g := want.Float64s(), got.Float64s()
		var a []float64
		if absT != nil {
			if absT.Numel() != len(w) {
				t.Fatalf("%s: tolerance has %d elements for %d results", what, absT.Numel(), len(w))
			}
			a = absT.Float64s()
		}
		exact := rel == 0 && abs == 0 && a == nil
		for i := range w {
			var ok bool
			allowed := 0.0
			switch {
			case math.IsNaN(w[i]):
				ok = math.IsNaN(g[i])
			case math.IsInf(w[i], 0) || math.IsInf(g[i], 0) || math.IsNaN(g[i]) || exact:
				ok = w[i] == g[i]
			default:
				allowed = abs
				if a != nil && !math.IsNaN(a[i]) { // NaN: a NaN or infinite input nearby
					allowed += a[i]
				}
				allowed = unit * (rel*math.Abs(w[i]) + allowed)
				ok = math.Abs(g[i]-w[i]) <= allowed
			}
			if !ok {
				extra := ""
				if allowed > 0 {
					extra = fmt.Sprintf(" (difference %.3g, allowed %.3g)", math.Abs(g[i]-w[i]), allowed)
				}
				report(i, fmt.Sprint(g[i]), fmt.Sprint(w[i]), extra)
			}
		}
	}
	if nbad > 0 {
		t.Errorf("%s: %d of %d elements differ:\n\t%s", what, nbad, want.Numel(), strings.Join(bad, "\n\t"))
	}
}

// unflatten turns a row-major position into a multi-index of shape.
func unflatten(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = i % shape[d]
			i /= shape[d]
		}
	}
	return idx
}

// CaseNames returns the names of the suite's cases, sorted: the list of operations it checks.
func CaseNames() []string {
	var names []string
	for _, c := range allCases() {
		names = append(names, c.name)
	}
	sort.Strings(names)
	return names
}
