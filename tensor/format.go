package tensor

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// printOptions are the knobs of torch's PRINT_OPTS (torch/_tensor_str.py). Only precision can
// be changed from outside, through the fmt precision (%.2v); the others keep torch's defaults.
type printOptions struct {
	precision int // digits after the point for floats
	threshold int // tensors with more elements than this are summarized
	edgeItems int // elements kept at each end of a summarized dimension
	lineWidth int // characters per line before wrapping
}

var defaultPrintOptions = printOptions{precision: 4, threshold: 1000, edgeItems: 3, lineWidth: 80}

// String formats the tensor the way PyTorch 1.13 prints it: precision 4, scientific notation
// when the nonzero finite magnitudes span more than a factor 1000, exceed 1e8 or (for
// non-integral values) fall below 1e-4, integral floats written as "1.", rows wrapped at 80
// characters, and beyond 1000 elements only the first and last 3 entries of each dimension
// shown around "...". For example
//
//	tensor([[1., 2.],
//	        [3., 4.]])
//	tensor(3.)
//	tensor([1.0000e-05, 1.0000e+00], dtype=float64)
//	tensor([], size=(0, 3))
//
// As in PyTorch, the dtype is shown only when it is not a default one (Float32, Int64), or for
// an empty tensor that is not Float32; an empty tensor that is not 1-D gets torch's
// size=(d0, d1, ...) suffix. This output differs from PyTorch's on purpose in three ways:
//   - dtypes are named without the "torch." prefix: dtype=float64;
//   - a summarized tensor also gets a shape=[d0, d1, ...] suffix, since the elided values
//     hide it;
//   - a tensor that is not on the CPU gets a device=cuda:0 suffix after the dtype (torch
//     writes device='cuda:0' before it).
//
// Suffixes that would push the last line past 80 characters go on a line of their own, as in
// PyTorch. A released tensor prints as tensor(<released>) and a nil one as <nil>.
//
// The elements are copied to the host first, so String works for tensors on any device and
// for any view.
func (t *Tensor) String() string { return t.format(defaultPrintOptions, false) }

// Format implements fmt.Formatter. %v and %s print what String returns. %+v always appends
// the shape, the dtype and the device, in that order, and drops the optional suffixes String
// would add (size=, shape=, dtype=, device=):
//
//	tensor([1., 2.], shape=[2], dtype=float32, device=cpu)
//
// A precision sets the digits after the point for floats, like torch.set_printoptions: %.2v
// prints 1.2346 as 1.23. Width and other flags are ignored; %#v prints like %v. Other verbs
// print as fmt does for a bad verb: %!d(*tensor.Tensor=tensor(...)).
func (t *Tensor) Format(f fmt.State, verb rune) {
	o := defaultPrintOptions
	if p, ok := f.Precision(); ok {
		o.precision = p
	}
	switch verb {
	case 'v', 's':
		io.WriteString(f, t.format(o, verb == 'v' && f.Flag('+')))
	default:
		fmt.Fprintf(f, "%%!%c(*tensor.Tensor=%s)", verb, t.format(o, false))
	}
}

// format builds the printed form; full adds the shape, dtype and device suffixes always.
func (t *Tensor) format(o printOptions, full bool) string {
	if t == nil {
		return "<nil>"
	}
	if t.st == nil {
		return "tensor(<released>)"
	}
	const prefix = "tensor("
	indent := len(prefix)
	dt, dev := t.st.buf.DType(), t.st.dev
	shape := t.layout.Shape
	n := t.Numel()
	summarize := n > o.threshold

	body := "[]"
	if n > 0 {
		body = formatValues(t, o, summarize, indent)
	}

	var suffixes []string
	if full {
		suffixes = append(suffixes, "shape="+formatShapeList(shape), "dtype="+dt.String(), "device="+dev.Name())
	} else {
		if n == 0 && len(shape) != 1 {
			suffixes = append(suffixes, "size="+formatShapeTuple(shape))
		}
		if summarize {
			suffixes = append(suffixes, "shape="+formatShapeList(shape))
		}
		if dt == Float64 || (n == 0 && dt != Float32) {
			suffixes = append(suffixes, "dtype="+dt.String())
		}
		if dev.Name() != "cpu" {
			suffixes = append(suffixes, "device="+dev.Name())
		}
	}
	return addSuffixes(prefix+body, suffixes, indent, o.lineWidth)
}

// formatShapeList writes a shape as [2, 3].
func formatShapeList(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// formatShapeTuple writes a shape as Python writes a tuple: (0, 3), (0,), ().
func formatShapeTuple(shape []int) string {
	if len(shape) == 1 {
		return "(" + strconv.Itoa(shape[0]) + ",)"
	}
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// addSuffixes is torch's _add_suffixes: each suffix goes after ", " unless it would end past
// the line width, in which case it starts a new line indented to the opening parenthesis.
func addSuffixes(s string, suffixes []string, indent, lineWidth int) string {
	var b strings.Builder
	b.WriteString(s)
	// torch counts the last line this way, two more than its length when there is a single
	// line; copied as is so that the wrapping decisions agree.
	last := len(s) - strings.LastIndexByte(s, '\n') + 1
	for _, suf := range suffixes {
		if last+len(suf)+2 > lineWidth {
			b.WriteString(",\n")
			b.WriteString(strings.Repeat(" ", indent))
			b.WriteString(suf)
			last = indent + len(suf)
		} else {
			b.WriteString(", ")
			b.WriteString(suf)
			last += len(suf) + 2
		}
	}
	b.WriteByte(')')
	return b.String()
}

// formatValues formats the elements of a non-empty tensor, nested in brackets, the way torch's
// _tensor_str does. When summarize is set, only the edge items of each long dimension are
// copied to the host (gathered on t's device), and "..." marks the elided middle.
func formatValues(t *Tensor, o printOptions, summarize bool, indent int) string {
	shape := t.layout.Shape
	kept := append([]int(nil), shape...)
	elided := make([]bool, len(shape))
	src := t
	if summarize {
		for axis, d := range shape {
			if d <= 2*o.edgeItems {
				continue
			}
			idx := make([]int64, 0, 2*o.edgeItems)
			for i := range o.edgeItems {
				idx = append(idx, int64(i))
			}
			for i := d - o.edgeItems; i < d; i++ {
				idx = append(idx, int64(i))
			}
			it := From(idx)
			if dev := t.st.dev; dev != CPU {
				it = it.To(dev)
			}
			next := src.IndexSelect(axis, it)
			it.Release()
			if src != t {
				src.Release()
			}
			src = next
			kept[axis] = len(idx)
			elided[axis] = true
		}
	}
	host := src.hostCopy("tensor.String", Float64)
	if src != t {
		src.Release()
	}

	var elems []string
	var f elemFormatter
	switch h := host.(type) {
	case []int64:
		f = newIntFormatter(h)
		elems = make([]string, len(h))
		for i, v := range h {
			elems[i] = f.formatInt(v)
		}
	default:
		vals := convertSlice[float64](h)
		f = newFloatFormatter(vals, o.precision)
		elems = make([]string, len(vals))
		for i, v := range vals {
			elems[i] = f.formatFloat(v)
		}
	}
	p := valuePrinter{elems: elems, shape: kept, elided: elided, width: f.maxWidth, o: o}
	return p.str(0, 0, indent)
}

// valuePrinter lays out formatted elements (row-major over the kept shape) as nested lists.
type valuePrinter struct {
	elems  []string
	shape  []int  // the kept shape: 2*edgeItems along elided dimensions
	elided []bool // whether "..." goes in the middle of each dimension
	width  int    // the width of every formatted element
	o      printOptions
}

// str formats the sub-tensor that starts at element off and spans dimensions dim.. of the
// kept shape, at the given indent (torch's _tensor_str_with_formatter).
func (p *valuePrinter) str(dim, off, indent int) string {
	nd := len(p.shape) - dim
	if nd == 0 {
		return p.elems[off]
	}
	size := p.shape[dim]
	if nd == 1 {
		return p.vector(dim, off, indent)
	}
	stride := 1
	for _, d := range p.shape[dim+1:] {
		stride *= d
	}
	parts := make([]string, 0, size+1)
	for i := range size {
		if p.elided[dim] && i == p.o.edgeItems {
			parts = append(parts, "...")
		}
		parts = append(parts, p.str(dim+1, off+i*stride, indent+1))
	}
	sep := "," + strings.Repeat("\n", nd-1) + strings.Repeat(" ", indent+1)
	return "[" + strings.Join(parts, sep) + "]"
}

// vector formats the last dimension, wrapping lines at the line width (torch's _vector_str).
func (p *valuePrinter) vector(dim, off, indent int) string {
	size := p.shape[dim]
	data := make([]string, 0, size+1)
	for i := range size {
		if p.elided[dim] && i == p.o.edgeItems {
			data = append(data, " ...")
		}
		data = append(data, p.elems[off+i])
	}
	// Each element takes its width plus ", ".
	perLine := max(1, (p.o.lineWidth-indent)/(p.width+2))
	var lines []string
	for i := 0; i < len(data); i += perLine {
		lines = append(lines, strings.Join(data[i:min(i+perLine, len(data))], ", "))
	}
	return "[" + strings.Join(lines, ",\n"+strings.Repeat(" ", indent+1)) + "]"
}

// elemFormatter is torch's _Formatter: it looks at every element to be printed once, chooses
// a notation and a common width, and then pads every element to that width.
type elemFormatter struct {
	intMode   bool // every nonzero finite float is integral: print "3."
	sciMode   bool // print 1.0000e+08
	maxWidth  int
	precision int
}

func newIntFormatter(vals []int64) elemFormatter {
	f := elemFormatter{maxWidth: 1}
	for _, v := range vals {
		f.maxWidth = max(f.maxWidth, len(strconv.FormatInt(v, 10)))
	}
	return f
}

func newFloatFormatter(vals []float64, precision int) elemFormatter {
	f := elemFormatter{intMode: true, maxWidth: 1, precision: precision}
	lo, hi := math.Inf(1), 0.0
	var nz []float64
	for _, v := range vals {
		if v != 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			nz = append(nz, v)
			a := math.Abs(v)
			lo, hi = min(lo, a), max(hi, a)
		}
	}
	if len(nz) == 0 {
		return f
	}
	for _, v := range nz {
		if v != math.Ceil(v) {
			f.intMode = false
			break
		}
	}
	f.sciMode = hi/lo > 1000 || hi > 1e8 || (!f.intMode && lo < 1e-4)
	for _, v := range nz {
		var w int
		switch {
		case f.sciMode:
			w = len(pyFormatFloat(v, 'e', precision))
		case f.intMode:
			w = len(pyFormatFloat(v, 'f', 0)) + 1
		default:
			w = len(pyFormatFloat(v, 'f', precision))
		}
		f.maxWidth = max(f.maxWidth, w)
	}
	return f
}

func (f *elemFormatter) pad(s string) string {
	if n := f.maxWidth - len(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}

func (f *elemFormatter) formatInt(v int64) string { return f.pad(strconv.FormatInt(v, 10)) }

func (f *elemFormatter) formatFloat(v float64) string {
	var s string
	switch {
	case f.sciMode:
		s = pyFormatFloat(v, 'e', f.precision)
	case f.intMode:
		s = pyFormatFloat(v, 'f', 0)
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			s += "."
		}
	default:
		s = pyFormatFloat(v, 'f', f.precision)
	}
	return f.pad(s)
}

// pyFormatFloat formats v as Python's "{:.<prec>f}" or "{:.<prec>e}" does. Both Python and
// strconv round the exact binary value correctly, ties to even; only the names of the special
// values differ.
func pyFormatFloat(v float64, verb byte, prec int) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, verb, prec, 64)
}
