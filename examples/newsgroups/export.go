package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/godl/godl/checkpoint"
)

// Export writes what bench/pytorch_newsgroups.py needs to train on exactly the inputs this
// program trains on, into dir:
//
//   - settings.json: the run's settings and the category names;
//   - vocab.txt: the vocabulary, one token per line, in id order;
//   - train.txt and test.txt: one post per line, its label, a tab, and its ids separated by
//     spaces (already cut to -maxlen);
//   - batches.txt: the training batches of every epoch, one per line: the epoch (from 0), a
//     tab, and the indices (lines of train.txt, from 0) separated by spaces;
//   - init.safetensors: the model's initial weights, by PyTorch's state_dict names, so that
//     both start from the same point.
func (r *Run) Export(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := checkpoint.SaveModel(filepath.Join(dir, "init.safetensors"), r.Model, map[string]string{"model": r.Cfg.Model}); err != nil {
		return fmt.Errorf("newsgroups: exporting the initial weights: %w", err)
	}
	s := settings{Config: r.Cfg, Categories: r.Categories, VocabLen: r.Feat.Vocab.Len()}
	if err := writeJSON(filepath.Join(dir, settingsFile), s); err != nil {
		return err
	}
	if err := saveVocab(dir, r.Feat.Vocab); err != nil {
		return err
	}
	write := func(name string, f func(w *bufio.Writer)) error {
		path := filepath.Join(dir, name)
		file, err := os.Create(path)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(file)
		f(w)
		if err := w.Flush(); err != nil {
			file.Close()
			return fmt.Errorf("newsgroups: %s: %w", path, err)
		}
		return file.Close()
	}
	ints := func(w *bufio.Writer, xs []int64) {
		for k, x := range xs {
			if k > 0 {
				w.WriteByte(' ')
			}
			w.WriteString(strconv.FormatInt(x, 10))
		}
	}
	for name, e := range map[string]Encoded{"train.txt": r.TrainSet, "test.txt": r.TestSet} {
		if err := write(name, func(w *bufio.Writer) {
			for i, ids := range e.IDs {
				fmt.Fprintf(w, "%d\t", e.Labels[i])
				ints(w, widen(ids))
				w.WriteByte('\n')
			}
		}); err != nil {
			return err
		}
	}
	return write("batches.txt", func(w *bufio.Writer) {
		s := r.sampler()
		for ep := range r.Cfg.Epochs {
			for _, b := range s.Batches(len(r.TrainSet.IDs), ep) {
				fmt.Fprintf(w, "%d\t", ep)
				xs := make([]int64, len(b))
				for k, i := range b {
					xs[k] = int64(i)
				}
				ints(w, xs)
				w.WriteByte('\n')
			}
		}
	})
}
