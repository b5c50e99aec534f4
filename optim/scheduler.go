package optim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
)

// Scheduler changes the learning rates of an optimizer's groups once per Step, as PyTorch's
// learning-rate schedulers do. Every scheduler of this package follows its PyTorch namesake
// step by step (the recursive "chainable" forms included, so that the rates equal PyTorch's
// and not just its closed forms), and saves its state with MarshalBinary for checkpoints.
//
// A scheduler takes its first step when it is made, as in PyTorch: it sets the learning
// rates for the first epoch (or batch). Call Step after the optimizer's Step:
//
//	sched := optim.NewStepLR(opt, 30, 0.1)
//	for epoch := range 100 {
//		train(opt)
//		sched.Step()
//	}
//
// Schedulers may be stacked on one optimizer (each multiplies the rate the other set, for the
// chainable ones) or run one after the other with SequentialLR. ReduceLROnPlateau, which steps
// with a metric, is not a Scheduler.
type Scheduler interface {
	// Step advances the schedule by one epoch (or batch) and sets the new learning rates.
	Step()
	// LastLR returns the learning rates the last step set, one per group.
	LastLR() []float64
	// MarshalBinary returns the scheduler's state (its counters and settings, not the
	// optimizer's).
	MarshalBinary() ([]byte, error)
	// UnmarshalBinary restores a state MarshalBinary returned, from a scheduler of the same
	// kind made over an optimizer with as many groups.
	UnmarshalBinary(data []byte) error
}

// lrRule is what a scheduler computes: its chainable form (PyTorch's get_lr), called after
// lastEpoch has advanced.
type lrRule interface {
	get(s *sched) []float64
	// settings returns a pointer to the scheduler's own fields, saved with its state.
	settings() any
}

// closedForm is implemented by rules with a closed form (PyTorch's _get_closed_form_lr),
// which SequentialLR uses when it switches to a scheduler.
type closedForm interface {
	closed(s *sched) []float64
}

// ownStep is implemented by rules that replace the whole step (CosineAnnealingWarmRestarts):
// explicit says the step goes to epoch rather than to the next one.
type ownStep interface {
	step(s *sched, epoch int, explicit bool)
}

// sched is the state every scheduler shares, PyTorch's _LRScheduler.
type sched struct {
	kind      string
	opt       Optimizer
	rule      lrRule
	baseLRs   []float64
	lastEpoch int
	stepCount int
	lastLR    []float64
}

// core gives SequentialLR access to the schedulers it runs.
func (s *sched) core() *sched { return s }

type corer interface{ core() *sched }

// init attaches the scheduler to opt and takes the first step, as PyTorch's constructor with
// last_epoch=-1: every group's initial_lr is set to its learning rate unless a scheduler set it
// before, and those are the base learning rates.
func (s *sched) init(kind string, opt Optimizer, rule lrRule) {
	if opt == nil {
		panicf("optim.New"+kind, "nil optimizer")
	}
	s.kind, s.opt, s.rule = kind, opt, rule
	s.baseLRs = make([]float64, opt.NumGroups())
	for i := range s.baseLRs {
		lr, ok := opt.InitialLR(i)
		if !ok {
			lr = opt.LR(i)
			opt.SetInitialLR(i, lr)
		}
		s.baseLRs[i] = lr
	}
	s.lastEpoch = -1
	s.initialStep()
}

func (s *sched) initialStep() {
	s.stepCount = 0
	s.step(0, false)
}

// Step advances the schedule by one and sets the new learning rates.
func (s *sched) Step() { s.step(0, false) }

func (s *sched) step(epoch int, explicit bool) {
	if o, ok := s.rule.(ownStep); ok {
		o.step(s, epoch, explicit)
		return
	}
	s.stepCount++
	var values []float64
	if !explicit {
		s.lastEpoch++
		values = s.rule.get(s)
	} else {
		s.lastEpoch = epoch
		if c, ok := s.rule.(closedForm); ok {
			values = c.closed(s)
		} else {
			values = s.rule.get(s)
		}
	}
	s.apply(values)
}

// apply sets the groups' learning rates and records them.
func (s *sched) apply(values []float64) {
	for i, lr := range values {
		if i < s.opt.NumGroups() {
			s.opt.SetLR(i, lr)
		}
	}
	s.lastLR = s.currentLRs()
}

func (s *sched) currentLRs() []float64 {
	out := make([]float64, s.opt.NumGroups())
	for i := range out {
		out[i] = s.opt.LR(i)
	}
	return out
}

// LastLR returns the learning rates the last step set, one per group.
func (s *sched) LastLR() []float64 { return slices.Clone(s.lastLR) }

// groupLRs returns the groups' current learning rates, each through f.
func (s *sched) mapLRs(f func(i int, lr float64) float64) []float64 {
	out := make([]float64, s.opt.NumGroups())
	for i := range out {
		out[i] = f(i, s.opt.LR(i))
	}
	return out
}

func (s *sched) mapBase(f func(base float64) float64) []float64 {
	out := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		out[i] = f(b)
	}
	return out
}

// schedState is the saved form of a scheduler.
type schedState struct {
	Kind      string          `json:"kind"`
	BaseLRs   []jfloat        `json:"base_lrs"`
	LastEpoch int             `json:"last_epoch"`
	StepCount int             `json:"step_count"`
	LastLR    []jfloat        `json:"last_lr"`
	Settings  json.RawMessage `json:"settings"`
}

// MarshalBinary returns the scheduler's state as JSON: its kind, base learning rates,
// counters and settings (PyTorch's state_dict, without the lambdas of LambdaLR).
func (s *sched) MarshalBinary() ([]byte, error) {
	set, err := json.Marshal(s.rule.settings())
	if err != nil {
		return nil, fmt.Errorf("optim: saving %s: %w", s.kind, err)
	}
	return json.Marshal(schedState{Kind: s.kind, BaseLRs: jfloats(s.baseLRs), LastEpoch: s.lastEpoch,
		StepCount: s.stepCount, LastLR: jfloats(s.lastLR), Settings: set})
}

// UnmarshalBinary restores a state MarshalBinary returned. It checks the kind and the number
// of groups, and changes nothing on error.
func (s *sched) UnmarshalBinary(data []byte) error {
	var st schedState
	if err := strictJSON(data, &st); err != nil {
		return fmt.Errorf("optim: loading %s: %w", s.kind, err)
	}
	if st.Kind != s.kind {
		return fmt.Errorf("optim: loading %s: the state is of a %s", s.kind, st.Kind)
	}
	if len(st.BaseLRs) != len(s.baseLRs) || len(st.LastLR) != len(s.baseLRs) {
		return fmt.Errorf("optim: loading %s: the state has %d groups, the scheduler %d", s.kind, len(st.BaseLRs), len(s.baseLRs))
	}
	// Decode the settings into a copy of the current ones, so that an error changes nothing.
	cur, err := json.Marshal(s.rule.settings())
	if err != nil {
		return fmt.Errorf("optim: loading %s: %w", s.kind, err)
	}
	if err := strictJSON(st.Settings, s.rule.settings()); err != nil {
		_ = json.Unmarshal(cur, s.rule.settings())
		return fmt.Errorf("optim: loading %s settings: %w", s.kind, err)
	}
	s.baseLRs, s.lastEpoch, s.stepCount, s.lastLR = floats(st.BaseLRs), st.LastEpoch, st.StepCount, floats(st.LastLR)
	return nil
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// jfloat is a float64 that JSON carries exactly, infinities and NaN included (as strings).
type jfloat float64

// MarshalJSON writes the number exactly, or "inf", "-inf", "nan".
func (f jfloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"nan"`), nil
	case math.IsInf(v, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (f *jfloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"nan"`:
		*f = jfloat(math.NaN())
	case `"inf"`:
		*f = jfloat(math.Inf(1))
	case `"-inf"`:
		*f = jfloat(math.Inf(-1))
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = jfloat(v)
	}
	return nil
}

func jfloats(v []float64) []jfloat {
	out := make([]jfloat, len(v))
	for i, x := range v {
		out[i] = jfloat(x)
	}
	return out
}

func floats(v []jfloat) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// perGroup returns vals for each of n groups: one value for all, or one each. It panics
// otherwise.
func perGroup(op, what string, vals []float64, n int) []float64 {
	switch len(vals) {
	case 1:
		out := make([]float64, n)
		for i := range out {
			out[i] = vals[0]
		}
		return out
	case n:
		return slices.Clone(vals)
	}
	panicf(op, "expected 1 or %d values for %s, got %d", n, what, len(vals))
	return nil
}

// StepLR multiplies the learning rates by Gamma every StepSize epochs, as
// torch.optim.lr_scheduler.StepLR.
type StepLR struct {
	sched
	p struct {
		StepSize int    `json:"step_size"`
		Gamma    jfloat `json:"gamma"`
	}
}

// NewStepLR returns a StepLR over opt and takes its first step. It panics if stepSize is not
// positive.
func NewStepLR(opt Optimizer, stepSize int, gamma float64) *StepLR {
	if stepSize <= 0 {
		panicf("optim.NewStepLR", "step size %d must be positive", stepSize)
	}
	s := &StepLR{}
	s.p.StepSize, s.p.Gamma = stepSize, jfloat(gamma)
	s.init("StepLR", opt, s)
	return s
}

func (r *StepLR) settings() any { return &r.p }

func (r *StepLR) get(s *sched) []float64 {
	if s.lastEpoch == 0 || s.lastEpoch%r.p.StepSize != 0 {
		return s.currentLRs()
	}
	return s.mapLRs(func(_ int, lr float64) float64 { return lr * float64(r.p.Gamma) })
}

func (r *StepLR) closed(s *sched) []float64 {
	return s.mapBase(func(b float64) float64 {
		return b * math.Pow(float64(r.p.Gamma), float64(floorDiv(s.lastEpoch, r.p.StepSize)))
	})
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// MultiStepLR multiplies the learning rates by Gamma at each milestone epoch (by Gamma^k at a
// milestone listed k times), as torch.optim.lr_scheduler.MultiStepLR.
type MultiStepLR struct {
	sched
	p struct {
		Milestones []int  `json:"milestones"`
		Gamma      jfloat `json:"gamma"`
	}
}

// NewMultiStepLR returns a MultiStepLR over opt and takes its first step.
func NewMultiStepLR(opt Optimizer, milestones []int, gamma float64) *MultiStepLR {
	s := &MultiStepLR{}
	s.p.Milestones, s.p.Gamma = slices.Sorted(slices.Values(milestones)), jfloat(gamma)
	s.init("MultiStepLR", opt, s)
	return s
}

func (r *MultiStepLR) settings() any { return &r.p }

func (r *MultiStepLR) get(s *sched) []float64 {
	count := 0
	for _, m := range r.p.Milestones {
		if m == s.lastEpoch {
			count++
		}
	}
	if count == 0 {
		return s.currentLRs()
	}
	f := math.Pow(float64(r.p.Gamma), float64(count))
	return s.mapLRs(func(_ int, lr float64) float64 { return lr * f })
}

func (r *MultiStepLR) closed(s *sched) []float64 {
	k := sort.SearchInts(r.p.Milestones, s.lastEpoch+1) // bisect_right
	return s.mapBase(func(b float64) float64 { return b * math.Pow(float64(r.p.Gamma), float64(k)) })
}

// ExponentialLR multiplies the learning rates by Gamma every epoch, as
// torch.optim.lr_scheduler.ExponentialLR.
type ExponentialLR struct {
	sched
	p struct {
		Gamma jfloat `json:"gamma"`
	}
}

// NewExponentialLR returns an ExponentialLR over opt and takes its first step.
func NewExponentialLR(opt Optimizer, gamma float64) *ExponentialLR {
	s := &ExponentialLR{}
	s.p.Gamma = jfloat(gamma)
	s.init("ExponentialLR", opt, s)
	return s
}

func (r *ExponentialLR) settings() any { return &r.p }

func (r *ExponentialLR) get(s *sched) []float64 {
	if s.lastEpoch == 0 {
		return s.currentLRs()
	}
	return s.mapLRs(func(_ int, lr float64) float64 { return lr * float64(r.p.Gamma) })
}

func (r *ExponentialLR) closed(s *sched) []float64 {
	return s.mapBase(func(b float64) float64 { return b * math.Pow(float64(r.p.Gamma), float64(s.lastEpoch)) })
}

// CosineAnnealingLR anneals the learning rates from their initial values to EtaMin along a
// half cosine over TMax epochs (and back up over the next TMax, and so on), as
// torch.optim.lr_scheduler.CosineAnnealingLR with its recursive form.
type CosineAnnealingLR struct {
	sched
	p struct {
		TMax   int    `json:"T_max"`
		EtaMin jfloat `json:"eta_min"`
	}
}

// NewCosineAnnealingLR returns a CosineAnnealingLR over opt and takes its first step. It
// panics if tMax is not positive.
func NewCosineAnnealingLR(opt Optimizer, tMax int, etaMin float64) *CosineAnnealingLR {
	if tMax <= 0 {
		panicf("optim.NewCosineAnnealingLR", "T_max %d must be positive", tMax)
	}
	s := &CosineAnnealingLR{}
	s.p.TMax, s.p.EtaMin = tMax, jfloat(etaMin)
	s.init("CosineAnnealingLR", opt, s)
	return s
}

func (r *CosineAnnealingLR) settings() any { return &r.p }

func (r *CosineAnnealingLR) get(s *sched) []float64 {
	e, T, eta := s.lastEpoch, r.p.TMax, float64(r.p.EtaMin)
	switch {
	case e == 0:
		return s.currentLRs()
	case s.stepCount == 1 && e > 0:
		return s.mapBase(func(b float64) float64 {
			return eta + (b-eta)*(1+math.Cos(float64(e)*math.Pi/float64(T)))/2
		})
	case (e-1-T)%(2*T) == 0:
		return s.mapLRs(func(i int, lr float64) float64 {
			return lr + (s.baseLRs[i]-eta)*(1-math.Cos(math.Pi/float64(T)))/2
		})
	}
	return s.mapLRs(func(_ int, lr float64) float64 {
		return (1+math.Cos(math.Pi*float64(e)/float64(T)))/(1+math.Cos(math.Pi*float64(e-1)/float64(T)))*(lr-eta) + eta
	})
}

func (r *CosineAnnealingLR) closed(s *sched) []float64 {
	eta := float64(r.p.EtaMin)
	return s.mapBase(func(b float64) float64 {
		return eta + (b-eta)*(1+math.Cos(math.Pi*float64(s.lastEpoch)/float64(r.p.TMax)))/2
	})
}

// CosineAnnealingWarmRestarts anneals the learning rates along a half cosine from their
// initial values to EtaMin over T0 epochs, then restarts, each period TMult times longer than
// the one before (SGDR), as torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.
type CosineAnnealingWarmRestarts struct {
	sched
	p struct {
		T0     int    `json:"T_0"`
		TMult  int    `json:"T_mult"`
		EtaMin jfloat `json:"eta_min"`
		TI     int    `json:"T_i"`
		TCur   int    `json:"T_cur"`
	}
}

// NewCosineAnnealingWarmRestarts returns a CosineAnnealingWarmRestarts over opt and takes its
// first step. It panics if t0 is not positive or tMult is below 1.
func NewCosineAnnealingWarmRestarts(opt Optimizer, t0, tMult int, etaMin float64) *CosineAnnealingWarmRestarts {
	if t0 <= 0 || tMult < 1 {
		panicf("optim.NewCosineAnnealingWarmRestarts", "T_0 %d must be positive and T_mult %d at least 1", t0, tMult)
	}
	s := &CosineAnnealingWarmRestarts{}
	s.p.T0, s.p.TMult, s.p.EtaMin, s.p.TI, s.p.TCur = t0, tMult, jfloat(etaMin), t0, -1
	s.init("CosineAnnealingWarmRestarts", opt, s)
	return s
}

func (r *CosineAnnealingWarmRestarts) settings() any { return &r.p }

func (r *CosineAnnealingWarmRestarts) get(s *sched) []float64 {
	eta := float64(r.p.EtaMin)
	return s.mapBase(func(b float64) float64 {
		return eta + (b-eta)*(1+math.Cos(math.Pi*float64(r.p.TCur)/float64(r.p.TI)))/2
	})
}

// step is PyTorch's own step of this scheduler (it does not count steps).
func (r *CosineAnnealingWarmRestarts) step(s *sched, epoch int, explicit bool) {
	if !explicit && s.lastEpoch < 0 {
		epoch, explicit = 0, true
	}
	if !explicit {
		epoch = s.lastEpoch + 1
		r.p.TCur++
		if r.p.TCur >= r.p.TI {
			r.p.TCur -= r.p.TI
			r.p.TI *= r.p.TMult
		}
	} else {
		if epoch < 0 {
			panicf("optim.CosineAnnealingWarmRestarts", "negative epoch %d", epoch)
		}
		if epoch >= r.p.T0 {
			if r.p.TMult == 1 {
				r.p.TCur = epoch % r.p.T0
			} else {
				n := int(math.Log(float64(epoch)/float64(r.p.T0)*float64(r.p.TMult-1)+1) / math.Log(float64(r.p.TMult)))
				pow := int(math.Pow(float64(r.p.TMult), float64(n)))
				r.p.TCur = epoch - r.p.T0*(pow-1)/(r.p.TMult-1)
				r.p.TI = r.p.T0 * pow
			}
		} else {
			r.p.TI, r.p.TCur = r.p.T0, epoch
		}
	}
	s.lastEpoch = epoch
	s.apply(r.get(s))
}

// LinearLR multiplies the learning rates by a factor that goes linearly from StartFactor to
// EndFactor over TotalIters epochs (a warm-up, typically), as
// torch.optim.lr_scheduler.LinearLR.
type LinearLR struct {
	sched
	p struct {
		StartFactor jfloat `json:"start_factor"`
		EndFactor   jfloat `json:"end_factor"`
		TotalIters  int    `json:"total_iters"`
	}
}

// NewLinearLR returns a LinearLR over opt and takes its first step (PyTorch's defaults are
// 1/3, 1 and 5). It panics if a factor is outside [0, 1] or the start factor is 0 (the
// recursive form divides by it), or totalIters is not positive.
func NewLinearLR(opt Optimizer, startFactor, endFactor float64, totalIters int) *LinearLR {
	if !(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1) || totalIters <= 0 {
		panicf("optim.NewLinearLR", "factors %g and %g must be in (0, 1] and [0, 1], and total_iters %d positive", startFactor, endFactor, totalIters)
	}
	s := &LinearLR{}
	s.p.StartFactor, s.p.EndFactor, s.p.TotalIters = jfloat(startFactor), jfloat(endFactor), totalIters
	s.init("LinearLR", opt, s)
	return s
}

func (r *LinearLR) settings() any { return &r.p }

func (r *LinearLR) get(s *sched) []float64 {
	sf, ef, T := float64(r.p.StartFactor), float64(r.p.EndFactor), r.p.TotalIters
	switch {
	case s.lastEpoch == 0:
		return s.mapLRs(func(_ int, lr float64) float64 { return lr * sf })
	case s.lastEpoch > T:
		return s.currentLRs()
	}
	f := 1. + (ef-sf)/(float64(T)*sf+float64(s.lastEpoch-1)*(ef-sf))
	return s.mapLRs(func(_ int, lr float64) float64 { return lr * f })
}

func (r *LinearLR) closed(s *sched) []float64 {
	sf, ef, T := float64(r.p.StartFactor), float64(r.p.EndFactor), r.p.TotalIters
	return s.mapBase(func(b float64) float64 {
		return b * (sf + (ef-sf)*float64(min(T, s.lastEpoch))/float64(T))
	})
}

// LambdaLR sets each group's learning rate to its initial one times a function of the epoch,
// as torch.optim.lr_scheduler.LambdaLR. Its functions are not saved with its state.
type LambdaLR struct {
	sched
	fns []func(epoch int) float64
}

// NewLambdaLR returns a LambdaLR over opt and takes its first step: one function for every
// group, or one per group. It panics if the number of functions fits neither, or one is nil.
func NewLambdaLR(opt Optimizer, fns ...func(epoch int) float64) *LambdaLR {
	if opt == nil {
		panicf("optim.NewLambdaLR", "nil optimizer")
	}
	n := opt.NumGroups()
	switch len(fns) {
	case 1:
		fns = slices.Repeat(fns, n)
	case n:
		fns = slices.Clone(fns)
	default:
		panicf("optim.NewLambdaLR", "expected 1 or %d functions, got %d", n, len(fns))
	}
	for i, f := range fns {
		if f == nil {
			panicf("optim.NewLambdaLR", "function %d is nil", i)
		}
	}
	s := &LambdaLR{fns: fns}
	s.init("LambdaLR", opt, s)
	return s
}

func (r *LambdaLR) settings() any { return &struct{}{} }

func (r *LambdaLR) get(s *sched) []float64 {
	out := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		out[i] = b * r.fns[i](s.lastEpoch)
	}
	return out
}

var (
	_ Scheduler = (*StepLR)(nil)
	_ Scheduler = (*MultiStepLR)(nil)
	_ Scheduler = (*ExponentialLR)(nil)
	_ Scheduler = (*CosineAnnealingLR)(nil)
	_ Scheduler = (*CosineAnnealingWarmRestarts)(nil)
	_ Scheduler = (*LinearLR)(nil)
	_ Scheduler = (*LambdaLR)(nil)
)
