package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

// Config is the settings of a run: what the flags set, saved as settings.json beside the
// model so that -predict and -resume rebuild the same model and inputs.
type Config struct {
	Data    string  `json:"data"`    // archive or folder of the corpus; "" for the cache, "sample" for the embedded sample
	Model   string  `json:"model"`   // lstm, bilstm, bag or transformer
	Vocab   int     `json:"vocab"`   // the most frequent training tokens kept (besides <pad> and <unk>)
	MaxLen  int     `json:"max_len"` // tokens kept from the start of each post
	Buckets int     `json:"buckets"` // hashed bigram (and out-of-vocabulary word) ids of the bag model
	Epochs  int     `json:"epochs"`
	Batch   int     `json:"batch"`
	Embed   int     `json:"embed"`  // embedding size (LSTMs and bag)
	Hidden  int     `json:"hidden"` // LSTM hidden size, Transformer model size
	Layers  int     `json:"layers"`
	Heads   int     `json:"heads"` // Transformer attention heads
	Dropout float64 `json:"dropout"`
	LR      float64 `json:"lr"`
	Seed    uint64  `json:"seed"`
	Remove  bool    `json:"remove"` // remove headers, footers and quotes
	Bucket  bool    `json:"bucket"` // batches of similar lengths (data.BucketSampler)

	// Not part of the saved settings' meaning: how and where this process runs.
	Threads int    `json:"threads"`
	Device  string `json:"device"`
	Out     string `json:"-"`
	Quiet   bool   `json:"-"`
}

// defaults returns the settings of the reference run.
func defaults() Config {
	return Config{
		Model: ModelLSTM, Vocab: 20000, MaxLen: 200, Buckets: 50000, Epochs: 10, Batch: 64,
		Embed: 100, Hidden: 128, Layers: 2, Heads: 4, Dropout: 0.5, LR: 1e-3, Seed: 1,
		Bucket: true, Threads: runtime.NumCPU(), Device: "cpu", Out: "newsgroups-run",
	}
}

// modelDefaults are the settings each model changes from the reference ones, unless the
// flag is given.
var modelDefaults = map[string]map[string]string{
	ModelLSTM:        {},
	ModelBiLSTM:      {},
	ModelBag:         {"vocab": "100000", "maxlen": "1000", "lr": "0.002", "dropout": "0", "bucket": "false"},
	ModelTransformer: {"hidden": "128", "layers": "2", "dropout": "0.1", "lr": "0.0005", "bucket": "true"},
}

// options holds what the command line asks beside the run's settings.
type options struct {
	cfg     Config
	predict string // text to classify, "-" for stdin
	resume  bool
	export  string
	top     int
	gcPct   int             // the collector's GOGC for this run
	mem     memLimit        // the runtime's soft memory limit
	cpuProf string          // file for a CPU profile of the run
	set     map[string]bool // flags given on the command line
}

// parseFlags reads the command line into options.
func parseFlags(args []string) (options, error) {
	o := options{cfg: defaults()}
	c := &o.cfg
	fs := flag.NewFlagSet("newsgroups", flag.ContinueOnError)
	fs.StringVar(&c.Data, "data", "", "the corpus: 20news-bydate.tar.gz or the folder it was extracted to; \"sample\" for the embedded sample (default: the user's cache, downloaded once)")
	fs.StringVar(&c.Model, "model", c.Model, "lstm (the reference), bilstm (bidirectional, max-pooled), bag (fastText-style n-grams) or transformer")
	fs.IntVar(&c.Vocab, "vocab", c.Vocab, "vocabulary size: the most frequent training tokens (plus <pad> and <unk>; bag: 100000)")
	fs.IntVar(&c.MaxLen, "maxlen", c.MaxLen, "tokens kept from the start of each post (bag: 1000)")
	fs.IntVar(&c.Buckets, "buckets", c.Buckets, "hash buckets of the bag model's bigrams and out-of-vocabulary words")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "training epochs")
	fs.IntVar(&c.Batch, "batch", c.Batch, "batch size")
	fs.IntVar(&c.Embed, "embed", c.Embed, "embedding size (lstm, bilstm, bag)")
	fs.IntVar(&c.Hidden, "hidden", c.Hidden, "hidden size (LSTM) or model size (transformer)")
	fs.IntVar(&c.Layers, "layers", c.Layers, "LSTM or Transformer layers")
	fs.IntVar(&c.Heads, "heads", c.Heads, "attention heads (transformer)")
	fs.Float64Var(&c.Dropout, "dropout", c.Dropout, "dropout between LSTM layers (transformer: 0.1; bag: the probability of leaving out each distinct word or bigram of a training post, default 0)")
	fs.Float64Var(&c.LR, "lr", c.LR, "Adam learning rate (transformer: 0.0005, bag: 0.002)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the initialization, shuffling and dropout")
	fs.BoolVar(&c.Remove, "remove", false, "remove headers, footers and quotes from the posts (scikit-learn's remove=('headers', 'footers', 'quotes'))")
	fs.BoolVar(&c.Bucket, "bucket", c.Bucket, "batch posts of similar length together (bag: false)")
	fs.IntVar(&c.Threads, "threads", c.Threads, "CPU threads")
	fs.StringVar(&c.Device, "device", c.Device, "device: cpu, or cuda (cuda:N) in a build with -tags cuda")
	fs.StringVar(&c.Out, "out", c.Out, "output folder: model, vocabulary, settings, checkpoint, metrics and plots")
	fs.BoolVar(&c.Quiet, "quiet", false, "no progress bar")
	fs.StringVar(&o.predict, "predict", "", "classify this text with the model saved in -out (\"-\" reads the text from stdin) and exit")
	fs.IntVar(&o.top, "top", 5, "categories -predict prints")
	fs.IntVar(&o.gcPct, "gogc", defaultGCPercent(), "the garbage collector's target heap growth in percent (as GOGC; default 25, or GOGC from the environment): the heap is mostly large pointer-free tensors, so collecting more often costs little time and keeps the peak memory near the live data")
	memFlag := fs.String("memlimit", defaultMemLimit(), "the Go runtime's soft memory limit: auto (30% and 32 MiB above the largest live heap seen so far, raised as it grows), off, or a size such as 300MiB (default auto, or GOMEMLIMIT from the environment)")
	fs.StringVar(&o.cpuProf, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof reads it)")
	fs.BoolVar(&o.resume, "resume", false, "continue the interrupted run saved in -out")
	fs.StringVar(&o.export, "export", "", "write the vocabulary, encoded posts, batches and initial weights to this folder for bench/pytorch_newsgroups.py, and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./examples/newsgroups [flags]\n\nTrains a text classifier on 20 Newsgroups. Flags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	mem, err := parseMemLimit(*memFlag)
	if err != nil {
		return o, err
	}
	o.mem = mem
	if fs.NArg() > 0 {
		return o, fmt.Errorf("newsgroups: unexpected arguments %q (text to classify goes after -predict, quoted)", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o.set = set
	md, ok := modelDefaults[c.Model]
	if !ok {
		return o, fmt.Errorf("newsgroups: unknown model %q (want lstm, bilstm, bag or transformer)", c.Model)
	}
	for name, v := range md {
		if !set[name] {
			if err := fs.Set(name, v); err != nil {
				return o, err
			}
		}
	}
	return o, c.check()
}

// check reports settings that cannot work.
func (c Config) check() error {
	var errs []error
	pos := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("-%s must be positive, not %d", name, v))
		}
	}
	pos("vocab", c.Vocab)
	pos("epochs", c.Epochs)
	pos("batch", c.Batch)
	pos("embed", c.Embed)
	pos("hidden", c.Hidden)
	pos("layers", c.Layers)
	pos("threads", c.Threads)
	pos("maxlen", c.MaxLen)
	if c.Model == ModelBag {
		pos("buckets", c.Buckets)
	}
	if c.Model == ModelTransformer {
		pos("heads", c.Heads)
	}
	if int64(c.Vocab)+2+int64(max(c.Buckets, 0)) >= math.MaxInt32 {
		errs = append(errs, fmt.Errorf("-vocab %d and -buckets %d make more than 2³¹ ids", c.Vocab, c.Buckets))
	}
	if c.LR <= 0 {
		errs = append(errs, fmt.Errorf("-lr must be positive, not %g", c.LR))
	}
	if c.Dropout < 0 || c.Dropout >= 1 {
		errs = append(errs, fmt.Errorf("-dropout must be in [0, 1), not %g", c.Dropout))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("newsgroups: %w", err)
	}
	return nil
}

// Files of the output folder.
const (
	settingsFile   = "settings.json"
	vocabFile      = "vocab.txt"
	modelFile      = "model.safetensors"
	checkpointFile = "checkpoint.safetensors"
	metricsFile    = "metrics.json"
)

// settings is what settings.json holds: the run's settings and what the model needs to be
// rebuilt and used.
type settings struct {
	Config     Config   `json:"config"`
	Categories []string `json:"categories"`
	VocabLen   int      `json:"vocab_len"` // ids of the vocabulary, <pad> and <unk> included
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func readSettings(dir string) (settings, error) {
	var s settings
	path := filepath.Join(dir, settingsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("newsgroups: no saved run in %s (train one first, or name its folder with -out): %w", dir, err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("newsgroups: %s is not valid settings: %w", path, err)
	}
	if err := s.Config.check(); err != nil {
		return s, fmt.Errorf("newsgroups: %s: %w", path, err)
	}
	if len(s.Categories) < 2 || s.VocabLen < 3 {
		return s, fmt.Errorf("newsgroups: %s: %d categories and %d vocabulary ids make no model", path, len(s.Categories), s.VocabLen)
	}
	return s, nil
}

// defaultGCPercent is GOGC from the environment when it is a number, and otherwise 25: a
// training step's heap is mostly tensor buffers without pointers, which the collector frees
// without scanning, so a quarter of headroom instead of Go's default doubling costs little
// time and keeps the peak resident memory close to what a step really holds.
func defaultGCPercent() int {
	if v, err := strconv.Atoi(os.Getenv("GOGC")); err == nil {
		return v
	}
	return 25
}
