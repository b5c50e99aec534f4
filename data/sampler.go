package data

import (
	"cmp"
	"slices"
)

// A Sampler cuts the indices [0, n) of a dataset into the batches of one epoch. Batches must
// return the same batches for the same n and epoch, so that an epoch can be replayed.
type Sampler interface {
	Batches(n, epoch int) [][]int
}

// BatchSampler makes batches of Size consecutive indices, in order or, with Shuffle, in a
// random order drawn from Seed and the epoch number: every epoch has its own order, and
// the same seed and epoch always give the same one. The zero value makes batches of 1 in
// order.
type BatchSampler struct {
	Size     int    // examples per batch; 0 means 1
	Shuffle  bool   // draw a new order every epoch
	Seed     uint64 // the seed of the orders
	DropLast bool   // leave out the last batch when it is smaller than Size
}

var _ Sampler = BatchSampler{}

// Batches returns the batches of epoch. It panics with *tensor.Error if Size or n is
// negative.
func (s BatchSampler) Batches(n, epoch int) [][]int {
	size := batchSize("data.BatchSampler", s.Size, n)
	var order []int
	if s.Shuffle {
		order = newRand(s.Seed, uint64(epoch)).Perm(n)
	} else {
		order = make([]int, n)
		for i := range order {
			order[i] = i
		}
	}
	return cut(order, size, s.DropLast)
}

func batchSize(op string, size, n int) int {
	if size < 0 || n < 0 {
		panicf(op, "batch size %d for %d examples: want sizes >= 0", size, n)
	}
	return max(size, 1)
}

// cut cuts order into batches of size (the last one smaller unless dropLast).
func cut(order []int, size int, dropLast bool) [][]int {
	var out [][]int
	for lo := 0; lo < len(order); lo += size {
		hi := min(lo+size, len(order))
		if hi-lo < size && dropLast {
			break
		}
		out = append(out, order[lo:hi:hi])
	}
	return out
}

// BucketSampler makes batches of sequences of similar length, so that padded batches carry
// little padding (the "bucket iterator" of torchtext). Every epoch it shuffles the indices,
// cuts them into pools of Pool batches, sorts each pool by length, cuts each pool into
// batches and shuffles the order of all the batches: the batches are random in membership
// (within a pool and across pools) and in order, yet nearly uniform in length. Seed and the
// epoch number fix the draws, as for BatchSampler.
type BucketSampler struct {
	Lengths  []int  // the length of every example of the dataset
	Size     int    // examples per batch; 0 means 1
	Pool     int    // batches per pool; 0 means 50
	Seed     uint64 // the seed of the draws
	DropLast bool   // leave out the batch smaller than Size (the pool's last, at the end)
}

var _ Sampler = BucketSampler{}

// Batches returns the batches of epoch. It panics with *tensor.Error if n differs from
// len(Lengths) or Size or Pool is negative.
func (s BucketSampler) Batches(n, epoch int) [][]int {
	size := batchSize("data.BucketSampler", s.Size, n)
	if n != len(s.Lengths) {
		panicf("data.BucketSampler", "%d lengths for a dataset of %d examples", len(s.Lengths), n)
	}
	if s.Pool < 0 {
		panicf("data.BucketSampler", "negative pool %d", s.Pool)
	}
	pool := s.Pool
	if pool == 0 {
		pool = 50
	}
	r := newRand(s.Seed, uint64(epoch))
	order := r.Perm(n)
	var out [][]int
	for lo := 0; lo < n; lo += pool * size {
		chunk := order[lo:min(lo+pool*size, n)]
		// Stable: equal lengths keep their random order.
		slices.SortStableFunc(chunk, func(a, b int) int { return cmp.Compare(s.Lengths[a], s.Lengths[b]) })
		out = append(out, cut(chunk, size, s.DropLast)...)
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// PadFraction returns the fraction of padding in the batches, each padded to its longest
// sequence: padded slots over all slots, where lengths[i] is the length of example i.
func PadFraction(batches [][]int, lengths []int) float64 {
	var pad, total int
	for _, b := range batches {
		longest := 0
		for _, i := range b {
			longest = max(longest, lengths[i])
		}
		for _, i := range b {
			pad += longest - lengths[i]
		}
		total += longest * len(b)
	}
	if total == 0 {
		return 0
	}
	return float64(pad) / float64(total)
}
