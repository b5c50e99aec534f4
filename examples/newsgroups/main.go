// Command newsgroups trains a text classifier on the 20 Newsgroups corpus, end to end, and
// reports how well it does: the demo of godl.
//
//	go run ./examples/newsgroups                      # the reference LSTM, 10 epochs
//	go run ./examples/newsgroups -model bag           # fastText-style n-grams: fast
//	go run ./examples/newsgroups -remove              # without headers, footers and quotes
//	go run ./examples/newsgroups -predict "The Pope lives in the Vatican"
//	echo "my GPU driver crashes" | go run ./examples/newsgroups -predict -
//	go run ./examples/newsgroups -resume              # continue an interrupted run
//
// The reference model is PyTorch's classic tutorial model: Embedding(20000+2, 100) → LSTM
// (hidden 128, 2 layers, dropout 0.5, batch first, each post run over its own length) → the
// last layer's final hidden state → Linear(128, 20), cross-entropy, Adam (lr 1e-3), batches
// of 64 posts of similar length, 10 epochs, posts cut to 200 tokens. -model picks another:
// bilstm (bidirectional, max-pooled over time), bag (the TF-IDF weighted sum of the
// embeddings of a post's words and hashed bigrams, fastText-style) or transformer (a small
// encoder, mean-pooled).
//
// The corpus comes from -data (the official 20news-bydate.tar.gz or the folder it was
// extracted to), or from the user's cache, where it is downloaded once. When neither works,
// the program says so in one line and trains on a small stratified sample embedded in it
// (100 training and 40 test posts per category), so that the first run always shows the whole
// program at work; -data sample picks the sample on purpose.
//
// A progress bar shows each epoch's loss, tokens per second and time left; each epoch prints
// its training loss, test accuracy and time. At the end the program prints a per-category
// precision/recall/F1 table and the confusion matrix, and writes into -out (newsgroups-run):
//
//	model.safetensors       the weights, by PyTorch's state_dict names
//	vocab.txt, settings.json what -predict and -resume need besides the weights
//	checkpoint.safetensors  model, Adam state, dropout generator and position in the epoch
//	metrics.json            every figure of the run
//	loss.png, accuracy.png, confusion.png
//
// -predict "text" classifies the text with the model saved in -out and prints the most
// probable categories; -predict - reads the text from stdin. Ctrl-C stops training after the
// current batch and saves a checkpoint; -resume continues from it, bit for bit as if never
// stopped. -export dir writes the vocabulary, the encoded posts and the batches of every
// epoch for bench/pytorch_newsgroups.py, which trains the same model on the same inputs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"

	_ "github.com/godl/godl/cuda" // registers the "cuda" device (a stub without -tags cuda)
	"github.com/godl/godl/nn"
	"github.com/godl/godl/tensor"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the program at once
		fmt.Fprintln(os.Stderr, "\nnewsgroups: stopping after this batch to save a checkpoint (Ctrl-C again to quit now)")
	}()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run is the program: it parses args and trains, predicts, resumes or exports.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	cfg := o.cfg
	tensor.SetNumThreads(cfg.Threads)
	runtime.GOMAXPROCS(max(cfg.Threads, 2))
	debug.SetGCPercent(o.gcPct)
	if o.cpuProf != "" {
		f, err := os.Create(o.cpuProf)
		if err != nil {
			return fmt.Errorf("newsgroups: -cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("newsgroups: -cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if !o.mem.auto {
		debug.SetMemoryLimit(o.mem.bytes)
	}

	if o.predict != "" {
		txt, err := readText(o.predict, stdin)
		if err != nil {
			return err
		}
		p, err := LoadPredictor(cfg.Out)
		if err != nil {
			return err
		}
		for i, pr := range p.Predict(txt) {
			if i == o.top {
				break
			}
			fmt.Fprintf(stdout, "%6.2f%%  %s\n", 100*pr.Probability, pr.Category)
		}
		return nil
	}

	start := time.Now()
	var r *Run
	if o.resume {
		epochs := 0
		if o.set["epochs"] {
			epochs = cfg.Epochs
		}
		r, err = ResumeRun(ctx, cfg.Out, epochs, stderr)
		if err == nil {
			r.Cfg.Threads, r.Cfg.Quiet = cfg.Threads, cfg.Quiet
		}
	} else {
		r, err = NewRun(ctx, cfg, stderr)
	}
	if err != nil {
		return err
	}
	r.Log = stdout
	if o.mem.auto {
		r.mem = newMemGovernor()
	}
	if !r.Cfg.Quiet {
		r.Bar = stderr
	}
	fmt.Fprintf(stdout, "20 Newsgroups from %s%s: %d training and %d test posts (%d and %d tokens), %d categories\n",
		r.Source, map[bool]string{true: ", headers, footers and quotes removed"}[r.Cfg.Remove],
		len(r.TrainSet.IDs), len(r.TestSet.IDs), r.TrainSet.Tokens(), r.TestSet.Tokens(), len(r.Categories))
	fmt.Fprintf(stdout, "model %s: %d parameters; vocabulary %d; posts cut to %d tokens; batch %d; Adam lr %g; %d threads on %s (prepared in %.1fs)\n",
		r.Cfg.Model, nn.NumParams(r.Model), r.Feat.Vocab.Len(), r.Cfg.MaxLen, r.Cfg.Batch, r.Cfg.LR, r.Cfg.Threads, r.Cfg.Device, time.Since(start).Seconds())
	if o.export != "" {
		if err := r.Export(o.export); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "exported the vocabulary, posts and batches to %s\n", o.export)
		return nil
	}
	if o.resume {
		fmt.Fprintf(stdout, "resuming at epoch %d, batch %d\n", r.State.Epoch+1, r.State.Batch)
	}
	if err := r.Save(); err != nil {
		return err
	}
	err = r.Train(ctx)
	if errors.Is(err, ErrInterrupted) {
		if err := r.SaveModel(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "interrupted in epoch %d after batch %d: saved %s and %s in %s; continue with -resume -out %s\n",
			r.State.Epoch+1, r.State.Batch, checkpointFile, modelFile, r.Cfg.Out, r.Cfg.Out)
		return nil
	}
	if err != nil {
		return err
	}
	if err := r.SaveModel(); err != nil {
		return err
	}
	rep := r.Report()
	rep.WriteTables(stdout)
	if err := writeJSON(filepath.Join(r.Cfg.Out, metricsFile), rep); err != nil {
		return err
	}
	if err := rep.WritePlots(r.Cfg.Out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nsaved the model, vocabulary, settings, metrics and plots in %s (peak memory %.0f MiB)\n", r.Cfg.Out, rep.PeakRSSMiB)
	return nil
}
