package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/godl/godl/checkpoint"
	"github.com/godl/godl/nn"
	"github.com/godl/godl/tensor"
	"github.com/godl/godl/text/newsgroups"
)

// small is a reference-shaped LSTM run shrunk to test size, on the embedded sample.
func small(dir string) Config {
	c := defaults()
	c.Data, c.Out, c.Quiet = SampleData, dir, true
	c.Vocab, c.MaxLen, c.Embed, c.Hidden, c.Batch, c.Epochs = 2000, 24, 16, 16, 32, 2
	return c
}

func readReport(t *testing.T, dir string) Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, metricsFile))
	require.NoError(t, err)
	var rep Report
	require.NoError(t, json.Unmarshal(b, &rep))
	return rep
}

// The program end to end on the embedded sample with the bag model (fast): the loss falls,
// test accuracy is far above chance (5%), and every file is written.
func TestTrainSample(t *testing.T) {
	dir := t.TempDir()
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"-data", "sample", "-model", "bag", "-epochs", "4", "-lr", "0.01", "-quiet", "-out", dir}, nil, &out, &errs)
	require.NoError(t, err, errs.String())
	t.Log(out.String())
	rep := readReport(t, dir)
	require.Len(t, rep.Epochs, 4)
	assert.Equal(t, 2000, rep.TrainPosts)
	assert.Equal(t, 800, rep.TestPosts)
	assert.Less(t, rep.Epochs[3].TrainLoss, 0.5*rep.Epochs[0].TrainLoss, "training loss falls")
	assert.Less(t, rep.Epochs[3].TestLoss, rep.Epochs[0].TestLoss, "test loss falls")
	assert.Greater(t, rep.Accuracy, 0.45, "test accuracy far above chance (0.05)")
	assert.InDelta(t, rep.Epochs[3].TestAccuracy, rep.Accuracy, 1e-12)
	assert.Len(t, rep.Classes, 20)
	assert.Len(t, rep.Confusion, 20)
	n := 0
	for _, row := range rep.Confusion {
		for _, v := range row {
			n += v
		}
	}
	assert.Equal(t, 800, n)
	for _, f := range []string{modelFile, vocabFile, settingsFile, checkpointFile, lossPlot, accuracyPlot, confusionPlot} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Greater(t, st.Size(), int64(100), f)
	}
	png, err := os.ReadFile(filepath.Join(dir, confusionPlot))
	require.NoError(t, err)
	assert.Equal(t, []byte("\x89PNG"), png[:4])
	assert.Contains(t, out.String(), "precision")
	assert.Contains(t, out.String(), "confusion matrix")
	assert.Contains(t, out.String(), "epoch  4/4")

	// -predict loads what the run saved, and agrees with the run's own model on a test post.
	c, err := sampleCorpus(0)
	require.NoError(t, err)
	p, err := LoadPredictor(dir)
	require.NoError(t, err)
	doc := c.Test[0]
	got := p.Predict(doc.Text)
	require.Len(t, got, 20)
	sum := 0.0
	for i, g := range got {
		sum += g.Probability
		if i > 0 {
			assert.GreaterOrEqual(t, got[i-1].Probability, g.Probability)
		}
	}
	assert.InDelta(t, 1, sum, 1e-5)

	out.Reset()
	require.NoError(t, run(context.Background(), []string{"-predict", "-", "-top", "3", "-out", dir}, strings.NewReader(doc.Text), &out, &errs))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3, out.String())
	assert.Contains(t, lines[0], got[0].Category)
	pct, err := strconv.ParseFloat(strings.TrimSpace(strings.SplitN(lines[0], "%", 2)[0]), 64)
	require.NoError(t, err)
	assert.InDelta(t, 100*got[0].Probability, pct, 0.006)
}

// The prediction of -predict is the one of the model in evaluation mode over the same ids.
func TestPredictMatchesEvaluate(t *testing.T) {
	dir := t.TempDir()
	cfg := small(dir)
	cfg.Epochs = 1
	r, err := NewRun(context.Background(), cfg, t.Output())
	require.NoError(t, err)
	require.NoError(t, r.Save())
	require.NoError(t, r.Train(context.Background()))
	require.NoError(t, r.SaveModel())
	pred, _ := r.Evaluate(r.TestSet)
	p, err := LoadPredictor(dir)
	require.NoError(t, err)
	c, err := sampleCorpus(0)
	require.NoError(t, err)
	for i := 0; i < len(c.Test); i += 97 {
		got := p.Predict(c.Test[i].Text)
		assert.Equal(t, r.Categories[pred[i]], got[0].Category, "post %d", i)
	}
}

// Padding never changes a result: a post classified alone or in a padded batch beside longer
// ones gives the same logits.
func TestPaddingChangesNothing(t *testing.T) {
	for _, model := range []string{ModelLSTM, ModelBiLSTM, ModelTransformer, ModelBag} {
		t.Run(model, func(t *testing.T) {
			cfg := small(t.TempDir())
			cfg.Model, cfg.MaxLen = model, 300
			if model == ModelTransformer {
				cfg.Heads = 2
			}
			r, err := newRunWith(cfg, mustSample(t), "sample", newFeaturizer(cfg, newsgroups.Texts(mustSample(t).Train)))
			require.NoError(t, err)
			nn.Eval(r.Model)
			// A short post, batched with the longest ones.
			short, long := -1, 0
			for i, ids := range r.TestSet.IDs {
				if short < 0 && len(ids) < cfg.MaxLen/3 {
					short = i
				}
				if len(ids) > len(r.TestSet.IDs[long]) {
					long = i
				}
			}
			require.GreaterOrEqual(t, short, 0)
			require.Greater(t, len(r.TestSet.IDs[long]), 2*len(r.TestSet.IDs[short]))
			alone := r.Model.Forward(makeBatch(r.TestSet, []int{short}, model == ModelBag, r.Dev), false).Data().Float32s()
			batch := r.Model.Forward(makeBatch(r.TestSet, []int{long, short, 2, long}, model == ModelBag, r.Dev), false).Data().Float32s()
			require.Len(t, batch, 4*20)
			assert.InDeltaSlice(t, toF64(alone), toF64(batch[20:40]), 1e-5)
		})
	}
}

func toF64(xs []float32) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

func mustSample(t *testing.T) *newsgroups.Corpus {
	c, err := sampleCorpus(0)
	require.NoError(t, err)
	return c
}

// A run interrupted in the middle of an epoch and resumed in fresh objects ends with the bits
// of a run that never stopped: weights, optimizer state and every figure.
func TestResumeBitExact(t *testing.T) {
	t.Run(ModelLSTM, func(t *testing.T) { testResumeBitExact(t, small) })
	// The bag model draws its word dropout from the checkpointed generator.
	t.Run(ModelBag, func(t *testing.T) {
		testResumeBitExact(t, func(dir string) Config {
			c := small(dir)
			c.Model, c.Dropout, c.LR = ModelBag, 0.3, 0.01
			return c
		})
	})
}

func testResumeBitExact(t *testing.T, small func(string) Config) {
	straight := t.TempDir()
	a, err := NewRun(context.Background(), small(straight), t.Output())
	require.NoError(t, err)
	require.NoError(t, a.Save())
	require.NoError(t, a.Train(context.Background()))

	stopped := t.TempDir()
	b, err := NewRun(context.Background(), small(stopped), t.Output())
	require.NoError(t, err)
	require.NoError(t, b.Save())
	ctx, cancel := context.WithCancel(context.Background())
	b.OnBatch = func(epoch, batch int) {
		if epoch == 1 && batch == 20 { // in the middle of the second epoch (63 batches)
			cancel()
		}
	}
	require.ErrorIs(t, b.Train(ctx), ErrInterrupted)
	assert.Equal(t, Progress{Epoch: 1, Batch: 20}, Progress{Epoch: b.State.Epoch, Batch: b.State.Batch})

	c, err := ResumeRun(context.Background(), stopped, 0, t.Output())
	require.NoError(t, err)
	assert.Equal(t, 1, c.State.Epoch)
	assert.Equal(t, 20, c.State.Batch)
	require.NoError(t, c.Train(context.Background()))

	want, got := nn.StateDict(a.Model), nn.StateDict(c.Model)
	require.Equal(t, len(want), len(got))
	for name, w := range want {
		assert.Equal(t, bitsOf(w.Float32s()), bitsOf(got[name].Float32s()), name)
	}
	wo, go_ := a.Opt.StateDict(), c.Opt.StateDict()
	require.Equal(t, len(wo.Params), len(go_.Params))
	for i, ps := range wo.Params {
		assert.Equal(t, ps.Step, go_.Params[i].Step)
		for name, w := range ps.Buffers {
			assert.Equal(t, bitsOf(w.Float32s()), bitsOf(go_.Params[i].Buffers[name].Float32s()), "optimizer %d %s", i, name)
		}
	}
	require.Len(t, c.State.History, 2)
	for i := range a.State.History {
		assert.Equal(t, a.State.History[i].TrainLoss, c.State.History[i].TrainLoss)
		assert.Equal(t, a.State.History[i].TestLoss, c.State.History[i].TestLoss)
		assert.Equal(t, a.State.History[i].TestAccuracy, c.State.History[i].TestAccuracy)
	}
}

func bitsOf(xs []float32) []uint32 {
	out := make([]uint32, len(xs))
	for i, x := range xs {
		out[i] = math.Float32bits(x)
	}
	return out
}

// A missing, corrupt or mismatched saved model gives an error that names the file; nothing
// panics.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := small(dir)
	cfg.Epochs = 1
	r, err := NewRun(context.Background(), cfg, t.Output())
	require.NoError(t, err)
	require.NoError(t, r.Save())
	require.NoError(t, r.SaveModel())
	_, err = LoadPredictor(dir)
	require.NoError(t, err)

	copyDir := func(t *testing.T) string {
		d := t.TempDir()
		for _, f := range []string{modelFile, vocabFile, settingsFile} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(d, f), b, 0o644))
		}
		return d
	}
	t.Run("no run", func(t *testing.T) {
		_, err := LoadPredictor(t.TempDir())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no saved run")
	})
	t.Run("corrupt model", func(t *testing.T) {
		d := copyDir(t)
		require.NoError(t, os.WriteFile(filepath.Join(d, modelFile), []byte("this is not a safetensors file"), 0o644))
		_, err := LoadPredictor(d)
		require.Error(t, err)
		assert.Contains(t, err.Error(), modelFile)
	})
	t.Run("truncated model", func(t *testing.T) {
		d := copyDir(t)
		path := filepath.Join(d, modelFile)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, b[:len(b)/2], 0o644))
		_, err = LoadPredictor(d)
		require.Error(t, err)
		assert.Contains(t, err.Error(), modelFile)
	})
	t.Run("other hidden size", func(t *testing.T) {
		d := copyDir(t)
		s, err := readSettings(d)
		require.NoError(t, err)
		s.Config.Hidden = 24
		require.NoError(t, writeJSON(filepath.Join(d, settingsFile), s))
		_, err = LoadPredictor(d)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "lstm.weight_hh_l0")
		assert.Contains(t, err.Error(), modelFile)
	})
	t.Run("sizes no memory holds", func(t *testing.T) {
		d := copyDir(t)
		s, err := readSettings(d)
		require.NoError(t, err)
		s.Config.Embed = 1 << 40
		require.NoError(t, writeJSON(filepath.Join(d, settingsFile), s))
		_, err = LoadPredictor(d)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cannot be built")
	})
	t.Run("other model", func(t *testing.T) {
		d := copyDir(t)
		s, err := readSettings(d)
		require.NoError(t, err)
		s.Config.Model = ModelBag
		require.NoError(t, writeJSON(filepath.Join(d, settingsFile), s))
		_, err = LoadPredictor(d)
		require.Error(t, err)
		assert.Contains(t, err.Error(), modelFile)
	})
	t.Run("vocabulary of another run", func(t *testing.T) {
		d := copyDir(t)
		require.NoError(t, os.WriteFile(filepath.Join(d, vocabFile), []byte("<pad>\n<unk>\nthe\n"), 0o644))
		_, err := LoadPredictor(d)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "different runs")
	})
	t.Run("corrupt checkpoint", func(t *testing.T) {
		d := copyDir(t)
		require.NoError(t, os.WriteFile(filepath.Join(d, checkpointFile), []byte{0, 1, 2}, 0o644))
		_, err := ResumeRun(context.Background(), d, 0, t.Output())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cannot resume")
	})
}

// With no -data, no cached archive and no download, the program says so in one line, naming
// the place for the file and the flag, and trains on the embedded sample.
func TestFallbackToSample(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	old := downloadURL
	downloadURL = srv.URL
	defer func() { downloadURL = old }()
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)

	var warn bytes.Buffer
	cfg := defaults()
	c, src, err := loadCorpus(context.Background(), cfg, &warn)
	require.NoError(t, err)
	assert.Equal(t, "the embedded sample", src)
	assert.Len(t, c.Categories, 20)
	assert.Len(t, c.Train, 2000)
	assert.Len(t, c.Test, 800)
	msg := warn.String()
	assert.Equal(t, 1, strings.Count(msg, "\n"), msg)
	assert.Contains(t, msg, filepath.Join(cache, "godl", newsgroups.ArchiveName))
	assert.Contains(t, msg, "-data")
}

// Every category is in both splits of the sample, with the posts the maker script chose.
func TestSample(t *testing.T) {
	c := mustSample(t)
	assert.LessOrEqual(t, len(sampleArchive), 2<<20)
	train, test := map[int]int{}, map[int]int{}
	for _, d := range c.Train {
		train[d.Label]++
	}
	for _, d := range c.Test {
		test[d.Label]++
	}
	for k := range 20 {
		assert.Equal(t, 100, train[k], c.Categories[k])
		assert.Equal(t, 40, test[k], c.Categories[k])
	}
	rm, err := sampleCorpus(newsgroups.All)
	require.NoError(t, err)
	assert.Less(t, len(rm.Train[0].Text), len(c.Train[0].Text))
}

// -export writes the posts, vocabulary and batches the PyTorch script reads.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-data", "sample", "-epochs", "2", "-export", dir}, nil, &out, &out))
	b, err := os.ReadFile(filepath.Join(dir, "train.txt"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	require.Len(t, lines, 2000)
	label, ids, ok := strings.Cut(lines[0], "\t")
	require.True(t, ok)
	assert.Equal(t, "0", label)
	assert.LessOrEqual(t, len(strings.Fields(ids)), 200)
	b, err = os.ReadFile(filepath.Join(dir, "batches.txt"))
	require.NoError(t, err)
	seen := map[string]int{}
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		ep, idx, _ := strings.Cut(l, "\t")
		seen[ep] += len(strings.Fields(idx))
	}
	assert.Equal(t, map[string]int{"0": 2000, "1": 2000}, seen)
	v, err := loadVocab(dir)
	require.NoError(t, err)
	assert.Equal(t, 20002, v.Len())
	// The initial weights are the ones a fresh run of the same settings draws.
	cfg := defaults()
	cfg.Data = SampleData
	r, err := NewRun(context.Background(), cfg, io.Discard)
	require.NoError(t, err)
	m, err := NewModel(r.Cfg, r.Feat.IDsSize(), len(r.Categories), tensor.NewRNG(0), tensor.CPU)
	require.NoError(t, err)
	require.NoError(t, checkpoint.LoadModel(filepath.Join(dir, "init.safetensors"), m, true))
	want := nn.StateDict(r.Model)
	for name, w := range nn.StateDict(m) {
		assert.Equal(t, want[name].Float32s(), w.Float32s(), name)
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags([]string{"-model", "bag"})
	require.NoError(t, err)
	assert.Equal(t, 1000, o.cfg.MaxLen)
	assert.Equal(t, 100000, o.cfg.Vocab)
	assert.Equal(t, 0.002, o.cfg.LR)
	assert.False(t, o.cfg.Bucket)
	o, err = parseFlags([]string{"-model", "bag", "-maxlen", "300"})
	require.NoError(t, err)
	assert.Equal(t, 300, o.cfg.MaxLen)
	o, err = parseFlags(nil)
	require.NoError(t, err)
	assert.Equal(t, defaults().MaxLen, o.cfg.MaxLen)
	assert.True(t, o.cfg.Bucket)
	_, err = parseFlags([]string{"-model", "gru"})
	assert.ErrorContains(t, err, `unknown model "gru"`)
	_, err = parseFlags([]string{"-epochs", "0", "-lr", "-1"})
	assert.ErrorContains(t, err, "-epochs must be positive")
	assert.ErrorContains(t, err, "-lr must be positive")
	_, err = parseFlags([]string{"-model", "bag", "-vocab", "2147000000", "-buckets", "1000000"})
	assert.ErrorContains(t, err, "make more than 2³¹ ids")
	_, err = parseFlags([]string{"some", "text"})
	assert.ErrorContains(t, err, "unexpected arguments")
	_, err = openDevice("cuda")
	if err != nil {
		assert.Contains(t, err.Error(), "-device cuda")
	}
}
