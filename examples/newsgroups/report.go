package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/godl/godl/nn"
)

// ClassStats are the figures of one category on the test split.
type ClassStats struct {
	Category  string  `json:"category"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Report is every figure of a run, written to metrics.json.
type Report struct {
	Settings    settings     `json:"settings"`
	Source      string       `json:"source"`
	TrainPosts  int          `json:"train_posts"`
	TestPosts   int          `json:"test_posts"`
	TrainTokens int          `json:"train_tokens"` // ids after truncation, every epoch
	TestTokens  int          `json:"test_tokens"`
	Parameters  int          `json:"parameters"`
	Threads     int          `json:"threads"`
	GoVersion   string       `json:"go_version"`
	Epochs      []EpochStats `json:"epochs"`
	Accuracy    float64      `json:"accuracy"` // after the last epoch
	MacroF1     float64      `json:"macro_f1"`
	Classes     []ClassStats `json:"classes"`
	// Confusion[i][j] counts the test posts of category i classified as j.
	Confusion    [][]int `json:"confusion"`
	TotalSeconds float64 `json:"total_seconds"` // training and evaluation, every epoch
	PeakRSSMiB   float64 `json:"peak_rss_mib"`  // the process's peak resident memory (Linux), 0 where unknown
}

// confusion counts the predictions by true and predicted category.
func confusion(pred []int, labels []int64, classes int) [][]int {
	m := make([][]int, classes)
	for i := range m {
		m[i] = make([]int, classes)
	}
	for i, p := range pred {
		m[labels[i]][p]++
	}
	return m
}

// classStats returns precision, recall and F1 per category, and their macro average F1.
func classStats(m [][]int, names []string) ([]ClassStats, float64) {
	out := make([]ClassStats, len(m))
	macro := 0.0
	for c := range m {
		tp, support, predicted := m[c][c], 0, 0
		for j := range m {
			support += m[c][j]
			predicted += m[j][c]
		}
		s := ClassStats{Category: names[c], Support: support}
		if predicted > 0 {
			s.Precision = float64(tp) / float64(predicted)
		}
		if support > 0 {
			s.Recall = float64(tp) / float64(support)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		macro += s.F1
		out[c] = s
	}
	return out, macro / float64(max(len(m), 1))
}

// Report gathers the run's figures.
func (r *Run) Report() Report {
	rep := Report{
		Settings:    settings{Config: r.Cfg, Categories: r.Categories, VocabLen: r.Feat.Vocab.Len()},
		Source:      r.Source,
		TrainPosts:  len(r.TrainSet.IDs),
		TestPosts:   len(r.TestSet.IDs),
		TrainTokens: r.TrainSet.Tokens(),
		TestTokens:  r.TestSet.Tokens(),
		Parameters:  nn.NumParams(r.Model),
		Threads:     r.Cfg.Threads,
		GoVersion:   runtime.Version(),
		Epochs:      r.State.History,
		PeakRSSMiB:  peakRSSMiB(),
	}
	for _, e := range r.State.History {
		rep.TotalSeconds += e.TrainSeconds + e.EvalSeconds
	}
	pred := r.lastPred
	if pred == nil {
		pred, _ = r.Evaluate(r.TestSet)
	}
	rep.Accuracy = accuracy(pred, r.TestSet.Labels)
	rep.Confusion = confusion(pred, r.TestSet.Labels, len(r.Categories))
	rep.Classes, rep.MacroF1 = classStats(rep.Confusion, r.Categories)
	return rep
}

// WriteTables prints the per-category table and the confusion matrix.
func (rep Report) WriteTables(w io.Writer) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\n%-26s %9s %9s %9s %8s\n", "category", "precision", "recall", "f1", "support")
	total := 0
	for _, c := range rep.Classes {
		fmt.Fprintf(&b, "%-26s %9.3f %9.3f %9.3f %8d\n", c.Category, c.Precision, c.Recall, c.F1, c.Support)
		total += c.Support
	}
	fmt.Fprintf(&b, "%-26s %9s %9s %9.3f %8d\n", "macro average", "", "", rep.MacroF1, total)
	fmt.Fprintf(&b, "%-26s %9s %9s %9.3f %8d\n", "accuracy", "", "", rep.Accuracy, total)
	fmt.Fprintf(&b, "\nconfusion matrix (rows: true category, columns: predicted, in the same order)\n")
	fmt.Fprintf(&b, "%-26s", "")
	for j := range rep.Confusion {
		fmt.Fprintf(&b, "%4d", j)
	}
	b.WriteByte('\n')
	for i, row := range rep.Confusion {
		fmt.Fprintf(&b, "%2d %-23s", i, rep.Classes[i].Category)
		for _, n := range row {
			fmt.Fprintf(&b, "%4d", n)
		}
		b.WriteByte('\n')
	}
	w.Write(b.Bytes())
}

// peakRSSMiB reads the process's peak resident set size (VmHWM) on Linux; 0 elsewhere.
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err == nil {
				return float64(kb) / 1024
			}
		}
	}
	return 0
}
