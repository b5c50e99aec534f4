package autograd

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/godl/godl/tensor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ccModel is a two-layer MLP: tanh(x·W1 + b1)·W2.
type ccModel struct{ w1, b1, w2 *Value }

func ccNewModel(seed uint64) *ccModel {
	r := tensor.NewRNG(seed)
	return &ccModel{
		w1: Param(r.Uniform(tensor.Shape{8, 32}, -0.35, 0.35)),
		b1: Param(tensor.Zeros(tensor.Shape{32})),
		w2: Param(r.Uniform(tensor.Shape{32, 5}, -0.18, 0.18)),
	}
}

func (m *ccModel) forward(x *Value) *Value {
	return MatMul(MatMul(x, m.w1).Add(m.b1).Tanh(), m.w2)
}

func (m *ccModel) params() []*Value { return []*Value{m.w1, m.b1, m.w2} }

// ccTrain runs steps of plain SGD on a fixed batch, calling between() after each step.
func ccTrain(m *ccModel, steps int, between func()) {
	r := tensor.NewRNG(11)
	x := Const(r.Normal(tensor.Shape{64, 8}, 0, 1))
	y := r.Integers(tensor.Shape{64}, 0, 5)
	for range steps {
		loss := CrossEntropy(m.forward(x), y)
		loss.Backward()
		for _, p := range m.params() {
			p.Data().AddScaledInPlace(-0.1, p.Grad())
			p.ZeroGrad()
		}
		between()
	}
}

// TestTrainingWhileAnotherGoroutineInfers trains a model in one goroutine while another runs
// inference in a loop, and checks that the trained weights equal, bit for bit, those of the
// same training run alone: the inference's no-grad mode belongs to its own values and cannot
// switch off the recording of the training step. Run it under -race.
func TestTrainingWhileAnotherGoroutineInfers(t *testing.T) {
	steps := 300
	if testing.Short() {
		steps = 60
	}
	alone := ccNewModel(5)
	ccTrain(alone, steps, func() {})

	trained := ccNewModel(5)
	served := ccNewModel(6) // the model an inference server holds
	in := tensor.NewRNG(12).Normal(tensor.Shape{16, 8}, 0, 1)
	want := served.forward(Const(in).NoGrad()).Data().Float64s()

	var stop atomic.Bool
	var inferences atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan string, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			out := served.forward(Const(in).NoGrad())
			if !out.IsNoGrad() || out.RequiresGrad() || out.Op() != "" {
				errs <- "inference recorded a graph"
				return
			}
			got := out.Data().Float64s()
			for i := range got {
				if got[i] != want[i] {
					errs <- "inference changed its result"
					return
				}
			}
			inferences.Add(1)
		}
	}()
	ccTrain(trained, steps, func() {
		// Let the inference goroutine run between the steps too.
		for n := inferences.Load(); inferences.Load() == n && len(errs) == 0; {
			runtime.Gosched()
		}
	})
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		require.Fail(t, e)
	}
	assert.GreaterOrEqual(t, inferences.Load(), int64(steps), "inference ran alongside every step")
	for i, p := range trained.params() {
		assert.Equal(t, alone.params()[i].Data().Float32s(), p.Data().Float32s(), "parameter %d", i)
	}
	for _, p := range served.params() {
		assert.Nil(t, p.Grad(), "inference accumulated no gradient")
	}
}
