package checkpoint

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/internal/atomicfile"
	"github.com/godl/godl/nn"
	"github.com/godl/godl/optim"
	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// classifier is a small cousin of the flagship model: Embedding → 2-layer LSTM with dropout
// between the layers → the last layer's final hidden state → Linear.
type classifier struct {
	Emb  *nn.Embedding
	LSTM *nn.LSTM
	FC   *nn.Linear
}

const (
	vocab, embed, hidden, classes = 40, 8, 12, 5
	batch, seqLen                 = 6, 7
)

func newClassifier(seed uint64, dropoutRNG *tensor.RNG) *classifier {
	in := nn.Init{RNG: tensor.NewRNG(seed)}
	return &classifier{
		Emb:  nn.NewEmbedding(vocab, embed, nn.EmbeddingOptions{Init: in}),
		LSTM: nn.NewLSTM(embed, hidden, nn.RNNOptions{Layers: 2, Dropout: 0.3, BatchFirst: true, DropoutRNG: dropoutRNG, Init: in}),
		FC:   nn.NewLinear(hidden, classes, nn.LinearOptions{Init: in}),
	}
}

func (m *classifier) Members() []nn.Member {
	return []nn.Member{nn.Child("embedding", m.Emb), nn.Child("lstm", m.LSTM), nn.Child("fc", m.FC)}
}

func (m *classifier) Forward(ids *autograd.Value) *autograd.Value {
	_, h, _ := m.LSTM.Forward(m.Emb.Forward(ids), nil, nil, nil)
	return m.FC.Forward(h.Select(0, -1))
}

// run is a training run: the model, Adam, a one-cycle schedule, the generators of the data
// and of the dropout masks, and the caller's own counters.
type run struct {
	model   *classifier
	opt     *optim.Adam
	sched   *optim.OneCycleLR
	data    *tensor.RNG
	dropout *tensor.RNG
	fields  progress
}

type progress struct {
	Step int     `json:"step"`
	Best float64 `json:"best"`
}

const totalSteps = 20

// newRun makes a run; seed changes every initial value, so that a run resumed from a
// checkpoint can only match the straight one by loading everything.
func newRun(seed uint64) *run {
	r := &run{data: tensor.NewRNG(seed + 100), dropout: tensor.NewRNG(seed + 200)}
	r.model = newClassifier(seed, r.dropout)
	o := optim.AdamDefaults()
	o.WeightDecay = 1e-3
	o.AMSGrad = true
	r.opt = optim.NewAdam(nn.Parameters(r.model), o)
	r.sched = optim.NewOneCycleLR(r.opt, optim.OneCycleDefaults(totalSteps, 0.05))
	r.fields.Best = math.Inf(1)
	return r
}

func (r *run) training() Training {
	return Training{Model: r.model, Optimizer: r.opt, Scheduler: r.sched,
		RNGs: map[string]*tensor.RNG{"data": r.data, "dropout": r.dropout}, Fields: &r.fields}
}

// step trains on one batch drawn from the data generator, with gradient clipping.
func (r *run) step() {
	ids := r.data.Integers(tensor.Shape{batch, seqLen}, 0, vocab)
	y := r.data.Integers(tensor.Shape{batch}, 0, classes)
	r.opt.ZeroGrad(true)
	loss := autograd.CrossEntropy(r.model.Forward(autograd.Const(ids)), y)
	loss.Backward()
	optim.ClipGradNorm(nn.Parameters(r.model), 1, 2)
	r.opt.Step()
	r.sched.Step()
	r.fields.Step++
	r.fields.Best = min(r.fields.Best, loss.Item())
}

func bitsOf(t *tensor.Tensor) []uint32 {
	v := t.Float32s()
	out := make([]uint32, len(v))
	for i, x := range v {
		out[i] = math.Float32bits(x)
	}
	return out
}

// TestResumeIsBitIdentical trains 20 steps straight, and 10 steps, a save, a load into fresh
// objects made from other seeds, and 10 more steps; every parameter, every optimizer buffer,
// the learning rate and β₁, the generators and the caller's fields must then agree bit for bit.
func TestResumeIsBitIdentical(t *testing.T) {
	straight := newRun(1)
	for range totalSteps {
		straight.step()
	}

	first := newRun(1)
	for range totalSteps / 2 {
		first.step()
	}
	path := filepath.Join(t.TempDir(), "run.ckpt")
	require.NoError(t, Save(path, first.training()))

	resumed := newRun(7) // other weights, data and dropout streams until the load
	require.NoError(t, Load(path, resumed.training()))
	assert.Equal(t, first.fields, resumed.fields)
	for range totalSteps / 2 {
		resumed.step()
	}

	want, got := nn.NamedParameters(straight.model), nn.NamedParameters(resumed.model)
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i].Name, got[i].Name)
		require.Equal(t, bitsOf(want[i].Value.Data()), bitsOf(got[i].Value.Data()), "parameter %s", want[i].Name)
	}
	ws, gs := straight.opt.StateDict(), resumed.opt.StateDict()
	require.Len(t, gs.Params, len(ws.Params))
	for id, p := range ws.Params {
		assert.Equal(t, p.Step, gs.Params[id].Step)
		for name, buf := range p.Buffers {
			require.Equal(t, bitsOf(buf), bitsOf(gs.Params[id].Buffers[name]), "parameter %d %s", id, name)
		}
	}
	assert.Equal(t, ws.Groups, gs.Groups, "learning rate, β₁ and the other settings")
	assert.Equal(t, straight.sched.LastLR(), resumed.sched.LastLR())
	assert.Equal(t, straight.fields, resumed.fields)
	assert.Equal(t, straight.data.Float64(), resumed.data.Float64())
	assert.Equal(t, straight.dropout.Uniform(tensor.Shape{4}, 0, 1).Float32s(), resumed.dropout.Uniform(tensor.Shape{4}, 0, 1).Float32s())
	// The parameters kept their identity through the load.
	for i, p := range nn.Parameters(resumed.model) {
		assert.Same(t, p, resumed.opt.Params(0)[i])
	}
}

// TestInterruptedSaveKeepsTheOldCheckpoint saves a checkpoint, then fails a second save midway
// (the disk fails after some bytes, and, separately, the caller's fields fail to encode): the
// first checkpoint stays whole and loads, and no temporary file is left behind.
func TestInterruptedSaveKeepsTheOldCheckpoint(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.ckpt")
	r := newRun(1)
	r.step()
	require.NoError(t, Save(path, r.training()))
	good, err := os.ReadFile(path)
	require.NoError(t, err)

	r.step()
	diskFull := errors.New("no space left on device")
	for _, n := range []int64{0, 100, int64(len(good) / 2), int64(len(good) - 1)} {
		restore := atomicfile.SetWriterHook(func(w io.Writer) io.Writer { return atomicfile.FailAfter(w, n, diskFull) })
		err := Save(path, r.training())
		restore()
		require.ErrorIs(t, err, diskFull, "failing after %d bytes", n)
	}
	bad := r.training()
	bad.Fields = math.NaN()
	require.ErrorContains(t, Save(path, bad), "checkpoint: encoding the fields: json: unsupported value: NaN")

	now, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, good, now)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)

	fresh := newRun(3)
	require.NoError(t, Load(path, fresh.training()))
	assert.Equal(t, 1, fresh.fields.Step)
}

// TestLoadErrors checks that a checkpoint that does not fit the objects, or a damaged one,
// gives an error naming the problem, and changes nothing.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.ckpt")
	r := newRun(1)
	r.step()
	require.NoError(t, Save(path, r.training()))

	// Another model: every problem at once, as an *nn.LoadError.
	other := newRun(2)
	other.model.FC = nn.NewLinear(hidden, classes+1, nn.LinearOptions{})
	before := bitsOf(other.model.Emb.Weight.Data())
	err := Load(path, Training{Model: other.model})
	var le *nn.LoadError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, []string{"fc.weight is F32 [5 12] in the file, float32 [6 12] in the model", "fc.bias is F32 [5] in the file, float32 [6] in the model"}, le.Mismatched)
	assert.Equal(t, before, bitsOf(other.model.Emb.Weight.Data()), "nothing loaded")

	// An optimizer of another kind: the error names the setting, and nothing changes.
	fresh := newRun(2)
	before = bitsOf(fresh.model.Emb.Weight.Data())
	err = Load(path, Training{Model: fresh.model, Optimizer: optim.NewRMSprop(nn.Parameters(fresh.model), optim.RMSpropDefaults())})
	require.ErrorContains(t, err, "optim: group 0 settings: json: unknown field")
	assert.Equal(t, before, bitsOf(fresh.model.Emb.Weight.Data()))

	// A scheduler of another kind: rolled back, with the rest.
	step := optim.NewStepLR(fresh.opt, 2, 0.5)
	lr := fresh.opt.LR(0)
	err = Load(path, Training{Model: fresh.model, Optimizer: fresh.opt, Scheduler: step})
	require.ErrorContains(t, err, "scheduler: optim: loading StepLR: the state is of a OneCycleLR")
	assert.Equal(t, lr, fresh.opt.LR(0))

	// Missing parts.
	require.ErrorContains(t, Load(path, Training{Model: fresh.model, RNGs: map[string]*tensor.RNG{"other": tensor.NewRNG(1)}}), "the checkpoint has no rng.other")
	var wrong struct{ Step string }
	require.ErrorContains(t, Load(path, Training{Model: fresh.model, Fields: &wrong}), "fields: json: cannot unmarshal number")

	// A model file is not a training checkpoint, and a damaged file is refused.
	model := filepath.Join(dir, "model.safetensors")
	require.NoError(t, SaveModel(model, r.model, nil))
	require.ErrorContains(t, Load(model, Training{Model: fresh.model}), "not a godl training checkpoint")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b[:len(b)/2], 0o644))
	require.ErrorContains(t, Load(path, r.training()), "safetensors: ")
	require.ErrorContains(t, Load(filepath.Join(dir, "missing"), r.training()), "no such file")
}

// TestModelRoundTrip saves a model, loads it into another (strictly, then without strict into
// a model with an extra layer), keeping every parameter's identity.
func TestModelRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	a := newClassifier(1, nil)
	require.NoError(t, SaveModel(path, a, map[string]string{"note": "x"}))
	b := newClassifier(2, nil)
	w := b.FC.Weight
	require.NoError(t, LoadModel(path, b, true))
	assert.Same(t, w, b.FC.Weight)
	for k, v := range nn.StateDict(a) {
		assert.Equal(t, bitsOf(v), bitsOf(nn.StateDict(b)[k]), k)
	}
	// A model with more, and fewer, tensors: strict loading lists them, non-strict loads the rest.
	bigger := nn.NewSequential(nn.NewLinear(3, 3, nn.LinearOptions{}))
	err := LoadModel(path, bigger, true)
	var le *nn.LoadError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, []string{"0.weight", "0.bias"}, le.Missing)
	assert.Len(t, le.Unexpected, len(nn.StateDictKeys(a)))
	c := newClassifier(3, nil)
	require.NoError(t, LoadModel(path, struct{ *classifier }{c}, false))
}

// TestLoadsPyTorchModel loads the weights PyTorch saved (float32, and rounded to bfloat16)
// into godl's model and compares its outputs in evaluation mode with PyTorch's.
func TestLoadsPyTorchModel(t *testing.T) {
	var fx struct {
		TorchVersion string `json:"torch_version"`
		IDs          struct {
			Shape []int     `json:"shape"`
			Data  []float64 `json:"data"`
		} `json:"ids"`
		Logits struct {
			Shape []int     `json:"shape"`
			Data  []float64 `json:"data"`
		} `json:"logits"`
		LogitsBF16 struct {
			Data []float64 `json:"data"`
		} `json:"logits_bf16"`
	}
	raw, err := os.ReadFile("testdata/model.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &fx))
	require.True(t, strings.HasPrefix(fx.TorchVersion, "1.13"))
	ids := make([]int64, len(fx.IDs.Data))
	for i, v := range fx.IDs.Data {
		ids[i] = int64(v)
	}
	x := autograd.Const(tensor.From(ids, fx.IDs.Shape...)).NoGrad()
	for file, want := range map[string][]float64{"model.safetensors": fx.Logits.Data, "model_bf16.safetensors": fx.LogitsBF16.Data} {
		m := nn.Eval(newClassifier(9, nil))
		require.NoError(t, LoadModel(filepath.Join("testdata", file), m, true), file)
		got := m.Forward(x).Data()
		require.Equal(t, tensor.Shape(fx.Logits.Shape), got.Shape())
		require.Len(t, want, got.Numel())
		// float32 forward passes of a few hundred operations, each a few ulp apart.
		assert.InDeltaSlice(t, want, got.Float64s(), 2e-6, file)
	}
}
