package data

import (
	"github.com/godl/godl/tensor"
)

// Example is one labelled sequence of token ids, what a text classifier eats.
type Example struct {
	IDs   []int64
	Label int64
}

// Batch is a batch of Examples laid out for a model.
type Batch struct {
	// IDs is an int64 tensor [B, T]: row i holds example i's ids and then zeros (the id of
	// <pad> in package text), where T is the length of the longest sequence in the batch.
	IDs *tensor.Tensor
	// Lengths is an int64 tensor [B]: the length of each row without its padding, the form
	// PyTorch's pack_padded_sequence takes.
	Lengths *tensor.Tensor
	// Labels is an int64 tensor [B].
	Labels *tensor.Tensor
}

// Collate pads the examples to the longest sequence among them and returns them as a Batch
// of CPU tensors; it is the collate function of a Loader of Examples. It returns no error:
// its signature is the one NewLoader takes.
func Collate(examples []Example) (Batch, error) {
	longest := 0
	for _, e := range examples {
		longest = max(longest, len(e.IDs))
	}
	ids := make([]int64, len(examples)*longest) // padded with 0
	lengths := make([]int64, len(examples))
	labels := make([]int64, len(examples))
	for i, e := range examples {
		copy(ids[i*longest:], e.IDs)
		lengths[i] = int64(len(e.IDs))
		labels[i] = e.Label
	}
	return Batch{
		IDs:     tensor.From(ids, len(examples), longest),
		Lengths: tensor.From(lengths),
		Labels:  tensor.From(labels),
	}, nil
}
