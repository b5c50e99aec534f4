// Package safetensors reads and writes the safetensors format, the file format in which
// Hugging Face and PyTorch users exchange weights: an 8-byte little-endian header length, a
// JSON header naming each tensor's dtype, shape and byte offsets (and free-form string
// metadata), then the raw little-endian data. It depends only on package tensor; package
// checkpoint builds models' and training runs' files on it.
//
// # Reading
//
// Open maps the file into memory where the system allows it (and reads it in chunks
// elsewhere), checks the whole header, and loads tensors one at a time on demand, so a large
// file is never read whole into memory, nor twice. Read does the same from any io.ReaderAt.
// Tensors load as the dtype TensorDType names: F32, F64 and I64 as they are; F16 and BF16
// widened exactly to Float32; the smaller integers and BOOL to Int64.
//
// A file from outside is not trusted. A truncated, corrupt or hostile file gives an error that
// names what is wrong (the tensor, the offsets, the shape), never a panic; the header is
// refused before anything is allocated when it claims more bytes than the file has (or more
// than MaxHeaderSize), and a tensor must fill exactly the bytes its shape needs, the tensors
// together tiling the data section without gap or overlap, so that nothing loaded is larger
// than the bytes it came from. FuzzRead exercises all of this.
//
// # Writing
//
// Write writes tensors (Float32 as F32, Float64 as F64, Int64 as I64) and metadata, the header
// padded so that each tensor is aligned to its element size, the layout the reference
// implementation writes. WriteFile writes a file atomically: to a temporary file in the same
// folder, synced, then renamed over the destination, so that an interrupted save never leaves
// a broken file where a good one was.
//
// The tests check a file written by PyTorch's layout (testdata/gen_safetensors.py writes it,
// every dtype included) and a file written by godl, which the same script reads back in
// PyTorch.
package safetensors
