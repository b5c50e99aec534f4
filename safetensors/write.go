package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/godl/godl/internal/atomicfile"
	"github.com/godl/godl/tensor"
)

// Write writes tensors and metadata to w in the safetensors format: the header (padded with
// spaces to a multiple of 8 bytes, so that every tensor is aligned), then each tensor's
// elements in row-major order, little-endian, the widest dtypes first and by name within a
// dtype. Tensors on other devices are copied to the host one at a time (which waits for
// their device). It returns the first error of w.
//
// It panics with a *tensor.Error if a tensor is nil or released, or a name is
// "__metadata__" (the header's key for the metadata): those are caller bugs.
func Write(w io.Writer, tensors map[string]*tensor.Tensor, metadata map[string]string) error {
	if err := write(w, tensors, metadata); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

func write(w io.Writer, tensors map[string]*tensor.Tensor, metadata map[string]string) error {
	type entry struct {
		DType   string   `json:"dtype"`
		Shape   []int    `json:"shape"`
		Offsets [2]int64 `json:"data_offsets"`
	}
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		if name == "__metadata__" {
			panic(&tensor.Error{Op: "safetensors.Write", Msg: fmt.Sprintf("invalid tensor name %q", name)})
		}
		if t.Released() {
			panic(&tensor.Error{Op: "safetensors.Write", Msg: fmt.Sprintf("tensor %q is nil or released", name)})
		}
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := tensors[names[i]].DType().Size(), tensors[names[j]].DType().Size()
		return a > b || (a == b && names[i] < names[j])
	})
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	off := int64(0)
	for _, name := range names {
		t := tensors[name]
		n := int64(t.Numel()) * int64(t.DType().Size())
		shape := t.Shape()
		header[name] = entry{DType: fileDType(t.DType()), Shape: shape, Offsets: [2]int64{off, off + n}}
		off += n
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("encoding the header: %w", err)
	}
	for len(hb)%8 != 0 {
		hb = append(hb, ' ')
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hb)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(hb); err != nil {
		return err
	}
	buf := make([]byte, 0, chunkSize)
	for _, name := range names {
		if err := writeData(w, tensors[name], buf); err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
	}
	return nil
}

// writeData writes t's elements through buf, one chunk at a time.
func writeData(w io.Writer, t *tensor.Tensor, buf []byte) error {
	flush := func() error {
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	var err error
	switch t.DType() {
	case tensor.Float32:
		for _, v := range t.Float32s() {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if err = flush(); err != nil {
					return err
				}
			}
		}
	case tensor.Float64:
		for _, v := range t.Float64s() {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			if len(buf) == cap(buf) {
				if err = flush(); err != nil {
					return err
				}
			}
		}
	default:
		for _, v := range t.Int64s() {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
			if len(buf) == cap(buf) {
				if err = flush(); err != nil {
					return err
				}
			}
		}
	}
	if len(buf) > 0 {
		return flush()
	}
	return nil
}

// WriteFile writes tensors and metadata to the file at path, atomically: into a temporary
// file in the same folder, synced to the disk, then renamed over path. An error (a full disk,
// say) leaves whatever was at path untouched. It panics as Write does.
func WriteFile(path string, tensors map[string]*tensor.Tensor, metadata map[string]string) error {
	err := atomicfile.Write(path, func(w io.Writer) error { return write(w, tensors, metadata) })
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}
