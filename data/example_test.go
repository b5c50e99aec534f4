package data_test

import (
	"fmt"

	"github.com/godl/godl/data"
)

// RandomSplit splits a dataset at random, the same way for the same seed.
func ExampleRandomSplit() {
	ds := data.Slice[string]{"a", "b", "c", "d", "e"}
	parts := data.RandomSplit[string](ds, []int{3, 2}, 42)
	fmt.Println(parts[0].Len(), parts[1].Len())
	again := data.RandomSplit[string](ds, []int{3, 2}, 42)
	fmt.Println(fmt.Sprint(parts[0].Indices) == fmt.Sprint(again[0].Indices))
	// Output:
	// 3 2
	// true
}

// BucketSampler groups sequences of similar length, which cuts the padding of each batch.
func ExampleBucketSampler() {
	lengths := []int{1, 9, 2, 8, 3, 7, 4, 6}
	plain := data.BatchSampler{Size: 2}.Batches(len(lengths), 0)
	bucketed := data.BucketSampler{Lengths: lengths, Size: 2, Seed: 1}.Batches(len(lengths), 0)
	fmt.Printf("in order: %.2f padding\n", data.PadFraction(plain, lengths))
	fmt.Printf("bucketed: %.2f padding\n", data.PadFraction(bucketed, lengths))
	// Output:
	// in order: 0.33 padding
	// bucketed: 0.09 padding
}

// BatchSampler shuffles with a seed: each epoch has its own order, and an epoch replays.
func ExampleBatchSampler() {
	s := data.BatchSampler{Size: 3, Shuffle: true, Seed: 7}
	fmt.Println(len(s.Batches(10, 0)), len(data.BatchSampler{Size: 3, DropLast: true}.Batches(10, 0)))
	fmt.Println(fmt.Sprint(s.Batches(10, 0)) == fmt.Sprint(s.Batches(10, 0)))
	fmt.Println(fmt.Sprint(s.Batches(10, 0)) == fmt.Sprint(s.Batches(10, 1)))
	// Output:
	// 4 3
	// true
	// false
}
