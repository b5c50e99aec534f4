package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"sort"
	"sync"
	"unicode/utf8"

	"github.com/godl/godl/tensor"
)

// MaxHeaderSize is the largest header a file may declare (100 MB, the limit of the reference
// implementation); a larger claim is refused before anything is allocated.
const MaxHeaderSize = 100_000_000

// chunkSize is how much a streamed read decodes at a time.
const chunkSize = 1 << 20

// Info describes one tensor of a file, as its header does.
type Info struct {
	// DType is the format's name of the element type: "F32", "BF16", "I64", ...
	DType string
	// Shape is the tensor's shape (empty for a scalar).
	Shape []int
	// Begin and End are the tensor's byte offsets in the data section (after the header).
	Begin, End int64
}

// File is an open safetensors file: its header, parsed and checked, and access to its data,
// memory-mapped where the system allows it (Open) or read through an io.ReaderAt (Read). A
// File is safe for concurrent use.
type File struct {
	infos   map[string]Info
	names   []string
	meta    map[string]string
	dataOff int64 // where the data section starts
	dataLen int64

	mu     sync.RWMutex
	mapped []byte      // the whole file, when memory-mapped
	r      io.ReaderAt // otherwise
	closer func() error
	closed bool
}

// Open opens the safetensors file at path and checks its header. The data is memory-mapped
// where the system allows it, so that loading a tensor copies it once from the page cache, and
// read in chunks otherwise; either way a large file is never read whole into memory. Close
// the File when done. (A file truncated by another process while it is mapped can crash the
// reader, as with any memory map.)
func Open(path string) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	size := st.Size()
	if data, unmap, ok := mmapFile(osf, size); ok {
		osf.Close()
		f, err := parse(bytes.NewReader(data), size)
		if err != nil {
			unmap()
			return nil, fmt.Errorf("safetensors: %s: %w", path, err)
		}
		f.mapped, f.closer = data, unmap
		return f, nil
	}
	f, err := parse(osf, size)
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	f.r, f.closer = osf, osf.Close
	return f, nil
}

// Read reads the header of a safetensors file of size bytes from r and checks it; tensors are
// read from r when asked for. It never reads or allocates more than size justifies.
func Read(r io.ReaderAt, size int64) (*File, error) {
	f, err := parse(r, size)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f.r = r
	return f, nil
}

// Close releases the file (its memory map, or the file Open opened). Tensors already loaded
// stay valid; loading more fails.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	f.mapped = nil
	if f.closer != nil {
		if err := f.closer(); err != nil {
			return fmt.Errorf("safetensors: %w", err)
		}
	}
	return nil
}

// Names returns the names of the file's tensors, sorted.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Info returns the description of the named tensor, and whether the file has it.
func (f *File) Info(name string) (Info, bool) {
	in, ok := f.infos[name]
	in.Shape = slices.Clone(in.Shape)
	return in, ok
}

// Metadata returns a copy of the header's free-form metadata ("__metadata__"), empty when it
// has none.
func (f *File) Metadata() map[string]string {
	out := make(map[string]string, len(f.meta))
	for k, v := range f.meta {
		out[k] = v
	}
	return out
}

// Tensor loads the named tensor into a new CPU tensor of the dtype TensorDType gives (F16 and
// BF16 widened to Float32 exactly). It returns an error if the file has no such tensor, its
// dtype does not load, the file is closed, or reading fails.
func (f *File) Tensor(name string) (*tensor.Tensor, error) {
	in, ok := f.infos[name]
	if !ok {
		return nil, fmt.Errorf("safetensors: no tensor %q in the file", name)
	}
	dt, ok := TensorDType(in.DType)
	if !ok {
		return nil, fmt.Errorf("safetensors: tensor %q has dtype %s, which godl does not load", name, in.DType)
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed {
		return nil, fmt.Errorf("safetensors: tensor %q: the file is closed", name)
	}
	n := 1
	for _, d := range in.Shape {
		n *= d // checked when the header was parsed
	}
	shape := append(make([]int, 0, len(in.Shape)), in.Shape...)
	size := dtypeSizes[in.DType]
	var err error
	switch dt {
	case tensor.Float32:
		out := make([]float32, n)
		dec := decodeF32
		if in.DType == "F16" {
			dec = decodeF16
		} else if in.DType == "BF16" {
			dec = decodeBF16
		}
		err = f.decode(in, size, n, func(lo, hi int, b []byte) { dec(out[lo:hi], b) })
		if err == nil {
			return tensor.From(out, shape...), nil
		}
	case tensor.Float64:
		out := make([]float64, n)
		err = f.decode(in, size, n, func(lo, hi int, b []byte) { decodeF64(out[lo:hi], b) })
		if err == nil {
			return tensor.From(out, shape...), nil
		}
	default:
		out := make([]int64, n)
		dec := decodeInt(in.DType)
		err = f.decode(in, size, n, func(lo, hi int, b []byte) { dec(out[lo:hi], b) })
		if err == nil {
			return tensor.From(out, shape...), nil
		}
	}
	return nil, fmt.Errorf("safetensors: reading tensor %q: %w", name, err)
}

// decode hands the tensor's n elements of size bytes to put in chunks: straight from the
// memory map, or read into a buffer of at most chunkSize bytes.
func (f *File) decode(in Info, size, n int, put func(lo, hi int, b []byte)) error {
	start := f.dataOff + in.Begin
	if f.mapped != nil {
		put(0, n, f.mapped[start:start+int64(n*size)])
		return nil
	}
	per := max(chunkSize/size, 1)
	buf := make([]byte, min(n, per)*size)
	for lo := 0; lo < n; lo += per {
		hi := min(lo+per, n)
		b := buf[:(hi-lo)*size]
		if _, err := f.r.ReadAt(b, start+int64(lo*size)); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		put(lo, hi, b)
	}
	return nil
}

// Load reads every tensor of the file at path and its metadata.
func Load(path string) (map[string]*tensor.Tensor, map[string]string, error) {
	f, err := Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	out := make(map[string]*tensor.Tensor, len(f.names))
	for _, name := range f.names {
		t, err := f.Tensor(name)
		if err != nil {
			return nil, nil, err
		}
		out[name] = t
	}
	return out, f.Metadata(), nil
}

// headerEntry is one tensor's entry in the header.
type headerEntry struct {
	DType   *string `json:"dtype"`
	Shape   []int64 `json:"shape"`
	Offsets []int64 `json:"data_offsets"`
}

// parse reads and checks the header of a file of size bytes: an 8-byte little-endian header
// length N, N bytes of JSON, then the data section, which the tensors must tile exactly.
func parse(r io.ReaderAt, size int64) (*File, error) {
	if size < 8 {
		return nil, fmt.Errorf("file of %d bytes is too short for a header length", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("reading the header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("header length %d is larger than the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, fmt.Errorf("header length %d runs past the end of the %d-byte file (truncated?)", n, size)
	}
	if n < 2 {
		return nil, fmt.Errorf("header length %d is too short for a JSON object", n)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	if header[0] != '{' {
		return nil, fmt.Errorf("header does not start with a JSON object")
	}
	if !utf8.Valid(header) {
		return nil, fmt.Errorf("header is not valid UTF-8")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, fmt.Errorf("header is not valid JSON: %w", err)
	}
	f := &File{infos: map[string]Info{}, meta: map[string]string{}, dataOff: 8 + int64(n), dataLen: size - 8 - int64(n)}
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.meta); err != nil {
				return nil, fmt.Errorf("metadata is not an object of strings: %w", err)
			}
			continue
		}
		in, err := checkEntry(msg, f.dataLen)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		f.infos[name] = in
		f.names = append(f.names, name)
	}
	sort.Strings(f.names)
	// The tensors must tile the data section: no gap, no overlap, nothing after the last.
	byOffset := slices.Clone(f.names)
	sort.SliceStable(byOffset, func(i, j int) bool {
		a, b := f.infos[byOffset[i]], f.infos[byOffset[j]]
		return a.Begin < b.Begin || (a.Begin == b.Begin && a.End < b.End)
	})
	end := int64(0)
	for _, name := range byOffset {
		in := f.infos[name]
		if in.Begin != end {
			return nil, fmt.Errorf("tensor %q starts at data offset %d, not at %d where the previous one ends (a gap or an overlap)", name, in.Begin, end)
		}
		end = in.End
	}
	if end != f.dataLen {
		return nil, fmt.Errorf("the tensors end at data offset %d, but the data section holds %d bytes", end, f.dataLen)
	}
	return f, nil
}

// checkEntry checks one tensor's entry against a data section of dataLen bytes.
func checkEntry(msg json.RawMessage, dataLen int64) (Info, error) {
	var e headerEntry
	if err := json.Unmarshal(msg, &e); err != nil {
		return Info{}, fmt.Errorf("bad entry: %w", err)
	}
	if e.DType == nil || e.Shape == nil || e.Offsets == nil {
		return Info{}, fmt.Errorf("entry lacks dtype, shape or data_offsets")
	}
	size, ok := dtypeSizes[*e.DType]
	if !ok {
		return Info{}, fmt.Errorf("unknown dtype %q", *e.DType)
	}
	if len(e.Offsets) != 2 {
		return Info{}, fmt.Errorf("data_offsets has %d values, not 2", len(e.Offsets))
	}
	in := Info{DType: *e.DType, Shape: make([]int, len(e.Shape)), Begin: e.Offsets[0], End: e.Offsets[1]}
	// numel must fit, and so must the product of the sizes counting zeros as one (godl's rule
	// for valid shapes), so that every loaded shape is one package tensor accepts.
	numel, span := uint64(1), uint64(1)
	for i, d := range e.Shape {
		if d < 0 {
			return Info{}, fmt.Errorf("shape %v has a negative size", e.Shape)
		}
		in.Shape[i] = int(d)
		var hi uint64
		hi, numel = bits.Mul64(numel, uint64(d))
		over := hi != 0
		hi, span = bits.Mul64(span, uint64(max(d, 1)))
		if over || hi != 0 || span > math.MaxInt {
			return Info{}, fmt.Errorf("shape %v is too large", e.Shape)
		}
	}
	hi, nbytes := bits.Mul64(numel, uint64(size))
	if hi != 0 || nbytes > math.MaxInt64 {
		return Info{}, fmt.Errorf("shape %v of %s is too large", e.Shape, in.DType)
	}
	if in.Begin < 0 || in.End < in.Begin || in.End > dataLen {
		return Info{}, fmt.Errorf("data_offsets [%d, %d] outside the %d-byte data section", in.Begin, in.End, dataLen)
	}
	if uint64(in.End-in.Begin) != nbytes {
		return Info{}, fmt.Errorf("data_offsets [%d, %d] hold %d bytes, but shape %v of %s needs %d", in.Begin, in.End, in.End-in.Begin, e.Shape, in.DType, nbytes)
	}
	return in, nil
}
