package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/checkpoint"
	"github.com/godl/godl/data"
	"github.com/godl/godl/nn"
	"github.com/godl/godl/optim"
	"github.com/godl/godl/tensor"
	"github.com/godl/godl/text/newsgroups"
)

// ErrInterrupted is returned by Train when its context ends: the run stopped after a batch
// and saved a checkpoint that -resume continues from.
var ErrInterrupted = errors.New("newsgroups: interrupted")

// EpochStats are the figures of one epoch.
type EpochStats struct {
	Epoch           int     `json:"epoch"`
	TrainLoss       float64 `json:"train_loss"` // mean cross-entropy over the epoch's training posts
	TestLoss        float64 `json:"test_loss"`
	TestAccuracy    float64 `json:"test_accuracy"` // fraction of test posts classified right
	TrainSeconds    float64 `json:"train_seconds"`
	EvalSeconds     float64 `json:"eval_seconds"`
	TokensPerSecond float64 `json:"tokens_per_second"` // real (unpadded) training tokens per second of training
}

// Progress is where a run stands: what a training checkpoint saves besides the model, the
// optimizer and the dropout generator.
type Progress struct {
	Epoch int `json:"epoch"` // epochs finished
	Batch int `json:"batch"` // batches of the next epoch already trained on
	// Sums over the batches of the unfinished epoch.
	LossSum float64 `json:"loss_sum"`
	Seen    int     `json:"seen"`
	Tokens  int     `json:"tokens"`
	Seconds float64 `json:"seconds"`

	History []EpochStats `json:"history"`
}

// Run is a training run: its settings, data, model, optimizer and progress.
type Run struct {
	Cfg        Config
	Categories []string
	Source     string // where the corpus came from
	Feat       *Featurizer
	TrainSet   Encoded
	TestSet    Encoded
	Model      Classifier
	Opt        *optim.Adam
	DropRNG    *tensor.RNG
	Dev        tensor.Device
	State      Progress

	Log io.Writer // per-epoch lines
	Bar io.Writer // progress bars; nil for none
	// OnBatch, when set, is called after every training batch with the epoch (from 0) and the
	// batches of it done.
	OnBatch func(epoch, batch int)

	lastPred []int
	mem      *memGovernor // nil: the limit is the runtime's own
}

// NewRun loads the corpus cfg names, builds the vocabulary, encodes the posts and makes a
// fresh model and optimizer. warn receives the line that says the embedded sample is used.
func NewRun(ctx context.Context, cfg Config, warn io.Writer) (*Run, error) {
	c, src, err := loadCorpus(ctx, cfg, warn)
	if err != nil {
		return nil, err
	}
	feat := newFeaturizer(cfg, newsgroups.Texts(c.Train))
	return newRunWith(cfg, c, src, feat)
}

func newRunWith(cfg Config, c *newsgroups.Corpus, src string, feat *Featurizer) (*Run, error) {
	dev, err := openDevice(cfg.Device)
	if err != nil {
		return nil, err
	}
	r := &Run{
		Cfg: cfg, Categories: c.Categories, Source: src, Feat: feat,
		TrainSet: feat.EncodeAll(c.Train), TestSet: feat.EncodeAll(c.Test),
		DropRNG: tensor.NewRNG(cfg.Seed + 1), Dev: dev, Log: io.Discard,
	}
	if r.Model, err = NewModel(cfg, feat.IDsSize(), len(c.Categories), r.DropRNG, dev); err != nil {
		return nil, err
	}
	if bag, ok := r.Model.(*BagClassifier); ok {
		idf := feat.IDF(r.TrainSet)
		bag.IDF.Data().CopyFrom(tensor.From(idf, len(idf)).To(dev))
	}
	o := optim.AdamDefaults()
	o.LR = cfg.LR
	r.Opt = optim.NewAdam(nn.Parameters(r.Model), o)
	return r, nil
}

// ResumeRun rebuilds the run saved in dir (its settings, vocabulary and checkpoint) to
// continue it; epochs > 0 replaces the number of epochs to train.
func ResumeRun(ctx context.Context, dir string, epochs int, warn io.Writer) (*Run, error) {
	s, err := readSettings(dir)
	if err != nil {
		return nil, err
	}
	v, err := loadVocab(dir)
	if err != nil {
		return nil, err
	}
	cfg := s.Config
	cfg.Out = dir
	if epochs > 0 {
		cfg.Epochs = epochs
	}
	c, src, err := loadCorpus(ctx, cfg, warn)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(c.Categories, s.Categories) {
		return nil, fmt.Errorf("newsgroups: the corpus of %s has other categories than the saved run", src)
	}
	r, err := newRunWith(cfg, c, src, featurizerFor(cfg, v))
	if err != nil {
		return nil, err
	}
	if err := r.loadCheckpoint(filepath.Join(dir, checkpointFile)); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Run) training() checkpoint.Training {
	return checkpoint.Training{Model: r.Model, Optimizer: r.Opt, RNGs: map[string]*tensor.RNG{"dropout": r.DropRNG}, Fields: &r.State}
}

func (r *Run) saveCheckpoint(path string) error {
	t := r.training()
	t.Fields = r.State
	if err := checkpoint.Save(path, t); err != nil {
		return fmt.Errorf("newsgroups: saving the checkpoint: %w", err)
	}
	return nil
}

func (r *Run) loadCheckpoint(path string) error {
	if err := checkpoint.Load(path, r.training()); err != nil {
		return fmt.Errorf("newsgroups: cannot resume from %s: %w", path, err)
	}
	return nil
}

// Save writes the settings and vocabulary into the output folder (what -predict and -resume
// read besides the weights).
func (r *Run) Save() error {
	if err := os.MkdirAll(r.Cfg.Out, 0o755); err != nil {
		return err
	}
	s := settings{Config: r.Cfg, Categories: r.Categories, VocabLen: r.Feat.Vocab.Len()}
	if err := writeJSON(filepath.Join(r.Cfg.Out, settingsFile), s); err != nil {
		return err
	}
	return saveVocab(r.Cfg.Out, r.Feat.Vocab)
}

// SaveModel writes the model's weights to model.safetensors in the output folder.
func (r *Run) SaveModel() error {
	meta := map[string]string{"model": r.Cfg.Model, "categories": fmt.Sprint(len(r.Categories))}
	if err := checkpoint.SaveModel(filepath.Join(r.Cfg.Out, modelFile), r.Model, meta); err != nil {
		return fmt.Errorf("newsgroups: saving the model: %w", err)
	}
	return nil
}

// sampler makes the training batches: bucketed by length for recurrent models by default.
func (r *Run) sampler() data.Sampler {
	if r.Cfg.Bucket {
		return data.BucketSampler{Lengths: r.TrainSet.Lens(), Size: r.Cfg.Batch, Seed: r.Cfg.Seed}
	}
	return data.BatchSampler{Size: r.Cfg.Batch, Shuffle: true, Seed: r.Cfg.Seed}
}

// skipSampler leaves out the first Skip batches of an epoch: the ones a resumed run has
// trained on already.
type skipSampler struct {
	data.Sampler
	Skip int
}

func (s skipSampler) Batches(n, epoch int) [][]int {
	b := s.Sampler.Batches(n, epoch)
	return b[min(s.Skip, len(b)):]
}

// makeBatch lays out the posts idx of e as a Batch on dev.
func makeBatch(e Encoded, idx []int, bag bool, dev tensor.Device) *Batch {
	b := &Batch{Index: idx, Lens: make([]int, len(idx))}
	labels := make([]int64, len(idx))
	lens := make([]int64, len(idx))
	for k, i := range idx {
		b.Lens[k] = len(e.IDs[i])
		lens[k] = int64(b.Lens[k])
		labels[k] = e.Labels[i]
		b.Tokens += b.Lens[k]
	}
	if bag {
		flat := make([]int64, 0, b.Tokens)
		b.tf = make([]float32, 0, b.Tokens)
		offsets := make([]int64, len(idx))
		for k, i := range idx {
			offsets[k] = int64(len(flat))
			for _, id := range e.IDs[i] {
				flat = append(flat, int64(id))
			}
			b.tf = append(b.tf, e.TF[i]...)
		}
		b.IDs, b.Offsets = tensor.From(flat, len(flat)), tensor.From(offsets, len(offsets))
	} else {
		ex := make([]data.Example, len(idx))
		for k, i := range idx {
			ex[k] = data.Example{IDs: widen(e.IDs[i]), Label: e.Labels[i]}
		}
		c, _ := data.Collate(ex)
		b.IDs = c.IDs
	}
	b.Lengths, b.Labels = tensor.From(lens, len(lens)), tensor.From(labels, len(labels))
	if dev != tensor.CPU {
		b.IDs, b.Lengths, b.Labels = b.IDs.To(dev), b.Lengths.To(dev), b.Labels.To(dev)
		if b.Offsets != nil {
			b.Offsets = b.Offsets.To(dev)
		}
	}
	return b
}

// Step trains on one batch and returns its mean loss.
func (r *Run) Step(b *Batch) float64 {
	r.Opt.ZeroGrad(true)
	logits := r.Model.Forward(b, true)
	loss := nn.CrossEntropyLoss(logits, autograd.Const(b.Labels), nn.CrossEntropyOptions{})
	loss.Backward()
	r.Opt.Step()
	return loss.Data().Item()
}

// Evaluate classifies the posts of e in evaluation mode and returns the predicted labels and
// the mean loss.
func (r *Run) Evaluate(e Encoded) (pred []int, loss float64) {
	nn.Eval(r.Model)
	defer nn.Train(r.Model, true)
	order := make([]int, len(e.IDs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(e.IDs[a]) - len(e.IDs[b]) })
	pred = make([]int, len(e.IDs))
	size := max(r.Cfg.Batch, 1) // batches of training size: the peak memory stays the training step's
	for lo := 0; lo < len(order); lo += size {
		b := makeBatch(e, order[lo:min(lo+size, len(order))], r.Cfg.Model == ModelBag, r.Dev)
		logits := r.Model.Forward(b, false)
		l := nn.CrossEntropyLoss(logits, autograd.Const(b.Labels).NoGrad(), nn.CrossEntropyOptions{Reduction: nn.ReductionSum})
		loss += l.Data().Item()
		for k, p := range logits.Data().ArgMax(1, false).Int64s() {
			pred[b.Index[k]] = int(p)
		}
	}
	return pred, loss / float64(max(len(order), 1))
}

func accuracy(pred []int, labels []int64) float64 {
	right := 0
	for i, p := range pred {
		if int64(p) == labels[i] {
			right++
		}
	}
	return float64(right) / float64(max(len(pred), 1))
}

// Train trains until the configured number of epochs, evaluating on the test split after each
// and saving a checkpoint. When ctx ends it stops after the current batch, saves a checkpoint
// and returns ErrInterrupted.
func (r *Run) Train(ctx context.Context) error {
	ds := data.Func[int]{N: len(r.TrainSet.IDs), Fn: func(i int) int { return i }}
	bag := r.Cfg.Model == ModelBag
	collate := func(idx []int) (*Batch, error) { return makeBatch(r.TrainSet, idx, bag, r.Dev), nil }
	ckpt := filepath.Join(r.Cfg.Out, checkpointFile)
	for r.State.Epoch < r.Cfg.Epochs {
		ep := r.State.Epoch
		s := r.sampler()
		total := len(s.Batches(ds.N, ep))
		loader := data.NewLoader(ds, collate, data.Options{Sampler: skipSampler{s, r.State.Batch}, Workers: 1})
		bar := r.newBar(total, ep)
		start, base := time.Now(), r.State.Seconds
		for b, err := range loader.Epoch(context.Background(), ep) {
			if err != nil {
				return err
			}
			l := r.Step(b)
			if r.mem != nil {
				r.mem.update()
			}
			r.State.LossSum += l * float64(len(b.Index))
			r.State.Seen += len(b.Index)
			r.State.Tokens += b.Tokens
			r.State.Batch++
			r.State.Seconds = base + time.Since(start).Seconds()
			if bar != nil {
				bar.Describe(fmt.Sprintf("epoch %d/%d  loss %.4f  %6.0f tokens/s", ep+1, r.Cfg.Epochs, r.State.LossSum/float64(r.State.Seen), float64(r.State.Tokens)/r.State.Seconds))
				_ = bar.Set(r.State.Batch)
			}
			if r.OnBatch != nil {
				r.OnBatch(ep, r.State.Batch)
			}
			if ctx.Err() != nil && r.State.Batch < total {
				if bar != nil {
					_ = bar.Exit()
					fmt.Fprintln(r.Bar)
				}
				if err := r.saveCheckpoint(ckpt); err != nil {
					return err
				}
				return ErrInterrupted
			}
		}
		if bar != nil {
			_ = bar.Finish()
		}
		evalStart := time.Now()
		pred, testLoss := r.Evaluate(r.TestSet)
		r.lastPred = pred
		st := EpochStats{
			Epoch:           ep + 1,
			TrainLoss:       r.State.LossSum / float64(max(r.State.Seen, 1)),
			TestLoss:        testLoss,
			TestAccuracy:    accuracy(pred, r.TestSet.Labels),
			TrainSeconds:    r.State.Seconds,
			EvalSeconds:     time.Since(evalStart).Seconds(),
			TokensPerSecond: float64(r.State.Tokens) / max(r.State.Seconds, 1e-9),
		}
		r.State = Progress{Epoch: ep + 1, History: append(r.State.History, st)}
		fmt.Fprintf(r.Log, "epoch %2d/%d  train loss %.4f  test loss %.4f  test accuracy %6.2f%%  train %6.1fs (%6.0f tokens/s)  eval %5.1fs\n",
			st.Epoch, r.Cfg.Epochs, st.TrainLoss, st.TestLoss, 100*st.TestAccuracy, st.TrainSeconds, st.TokensPerSecond, st.EvalSeconds)
		if err := r.saveCheckpoint(ckpt); err != nil {
			return err
		}
		if ctx.Err() != nil && r.State.Epoch < r.Cfg.Epochs {
			return ErrInterrupted
		}
	}
	return nil
}

func (r *Run) newBar(total, ep int) *progressbar.ProgressBar {
	if r.Bar == nil {
		return nil
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(r.Bar),
		progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", ep+1, r.Cfg.Epochs)),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(20),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	_ = bar.Set(r.State.Batch)
	return bar
}

// openDevice opens the device -device names.
func openDevice(name string) (tensor.Device, error) {
	if name == "" || name == "cpu" {
		return tensor.CPU, nil
	}
	d, err := tensor.GetDevice(name)
	if err != nil {
		return nil, fmt.Errorf("newsgroups: -device %s: %w", name, err)
	}
	return d, nil
}
