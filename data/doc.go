// Package data feeds a model: datasets, samplers that cut them into batches, and a Loader
// that fetches and collates the batches, on worker goroutines if asked, in a reproducible
// order. It needs only package tensor (for the batches Collate returns) and knows nothing
// about gradients.
//
// # Datasets
//
// A Dataset has a length and returns example i; implementations a Loader reads with
// workers must allow concurrent calls of At. Slice is an in-memory dataset over a Go slice,
// Func computes its examples, Subset selects examples by index, and RandomSplit splits a
// dataset at random with a seed, as torch.utils.data.random_split does.
//
// # Samplers and reproducibility
//
// A Sampler returns the batches of indices of one epoch. BatchSampler (what Options builds
// by default) takes the indices in order or shuffled; BucketSampler groups sequences of
// similar length so that padded batches carry little padding. Their random draws come from
// math/rand/v2's PCG seeded by the Seed and the epoch number: every epoch has its own order,
// and the same seed and epoch give the same batches on every run, platform and number of
// workers. PadFraction measures the padding a set of batches needs.
//
// # Loader
//
// A Loader ranges over an epoch with Go's range-over-func iterators:
//
//	loader := data.NewLoader(ds, data.Collate, data.Options{BatchSize: 64, Shuffle: true, Seed: 1, Workers: 2})
//	for epoch := range 10 {
//		for batch, err := range loader.Epoch(ctx, epoch) {
//			if err != nil {
//				return err
//			}
//			train(batch)
//		}
//	}
//
// With Workers > 0, worker goroutines make up to Prefetch batches ahead of the loop while
// the batches still arrive in the sampler's order. An error returned by the collate
// function, or a panic while fetching or collating (reported as a *PanicError), ends the
// epoch with that error. Breaking out of the loop or cancelling the context stops the
// workers, and every goroutine the epoch started has returned when the loop is over.
//
// # Collating
//
// Collate lays out a batch of Examples (token ids and a label) as int64 tensors: the ids
// [B, T] padded with zeros to the longest sequence in the batch, the lengths [B] and the
// labels [B]. Lengths are a tensor, as PyTorch's pack_padded_sequence takes them; call
// Int64s on it for a Go slice.
//
// # Errors
//
// Caller bugs (a negative batch size, an index out of range, lengths that do not match the
// dataset) panic with *tensor.Error; errors met while loading are returned by the Loader.
package data
