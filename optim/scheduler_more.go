package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
)

// OneCycleOptions are the settings of OneCycleLR, with PyTorch's names; OneCycleDefaults
// fills in PyTorch's defaults.
type OneCycleOptions struct {
	// MaxLR is the peak learning rate: one value for every group, or one per group.
	MaxLR []float64
	// TotalSteps is the number of steps in the cycle.
	TotalSteps int
	// PctStart is the fraction of the cycle spent increasing the learning rate (0.3).
	PctStart float64
	// AnnealLinear anneals linearly instead of along a cosine (PyTorch's
	// anneal_strategy="linear").
	AnnealLinear bool
	// CycleMomentum cycles the momentum (β₁ for Adam) inversely to the learning rate,
	// between BaseMomentum (0.85) and MaxMomentum (0.95) (true).
	CycleMomentum             bool
	BaseMomentum, MaxMomentum float64
	// DivFactor sets the initial learning rate, MaxLR/DivFactor (25); FinalDivFactor the
	// final one, initial/FinalDivFactor (1e4).
	DivFactor, FinalDivFactor float64
	// ThreePhase adds a third phase that anneals to the final rate, after a second that
	// mirrors the first (false).
	ThreePhase bool
}

// OneCycleDefaults returns PyTorch's defaults for a cycle of totalSteps steps peaking at
// maxLR (one value, or one per group).
func OneCycleDefaults(totalSteps int, maxLR ...float64) OneCycleOptions {
	return OneCycleOptions{MaxLR: maxLR, TotalSteps: totalSteps, PctStart: 0.3, CycleMomentum: true,
		BaseMomentum: 0.85, MaxMomentum: 0.95, DivFactor: 25, FinalDivFactor: 1e4}
}

// OneCycleLR runs the 1cycle policy (Smith): the learning rate rises from MaxLR/DivFactor to
// MaxLR over the first PctStart of the steps, then falls to a minimum far below the start,
// while the momentum does the opposite, as torch.optim.lr_scheduler.OneCycleLR. It steps once
// per batch, TotalSteps times at most.
type OneCycleLR struct {
	sched
	p struct {
		TotalSteps    int      `json:"total_steps"`
		EndSteps      []jfloat `json:"end_steps"`
		ThreePhase    bool     `json:"three_phase"`
		AnnealLinear  bool     `json:"anneal_linear"`
		CycleMomentum bool     `json:"cycle_momentum"`
		MaxLRs        []jfloat `json:"max_lrs"`
		MinLRs        []jfloat `json:"min_lrs"`
		MaxMomentums  []jfloat `json:"max_momentums"`
		BaseMomentums []jfloat `json:"base_momentums"`
	}
	mom Momentum
}

// NewOneCycleLR returns a OneCycleLR over opt and takes its first step: it sets every group's
// initial learning rate to MaxLR/DivFactor and, with CycleMomentum, its momentum to
// MaxMomentum. It panics if TotalSteps is not positive, PctStart is outside [0, 1], MaxLR
// does not give one value or one per group, or CycleMomentum is set for an optimizer without
// momentum (Adagrad).
func NewOneCycleLR(opt Optimizer, o OneCycleOptions) *OneCycleLR {
	const op = "optim.NewOneCycleLR"
	if opt == nil {
		panicf(op, "nil optimizer")
	}
	if o.TotalSteps <= 0 {
		panicf(op, "total steps %d must be positive", o.TotalSteps)
	}
	if !(o.PctStart >= 0 && o.PctStart <= 1) {
		panicf(op, "pct_start %g must be in [0, 1]", o.PctStart)
	}
	n := opt.NumGroups()
	maxLRs := perGroup(op, "max_lr", o.MaxLR, n)
	s := &OneCycleLR{}
	s.p.TotalSteps, s.p.ThreePhase, s.p.AnnealLinear, s.p.CycleMomentum = o.TotalSteps, o.ThreePhase, o.AnnealLinear, o.CycleMomentum
	total := float64(o.TotalSteps)
	if o.ThreePhase {
		s.p.EndSteps = []jfloat{jfloat(o.PctStart*total) - 1, jfloat(2*o.PctStart*total) - 2, jfloat(total - 1)}
	} else {
		s.p.EndSteps = []jfloat{jfloat(o.PctStart*total) - 1, jfloat(total - 1)}
	}
	for i := range n {
		initial := maxLRs[i] / o.DivFactor
		opt.SetInitialLR(i, initial)
		s.p.MaxLRs = append(s.p.MaxLRs, jfloat(maxLRs[i]))
		s.p.MinLRs = append(s.p.MinLRs, jfloat(initial/o.FinalDivFactor))
	}
	if o.CycleMomentum {
		m, ok := opt.(Momentum)
		if !ok {
			panicf(op, "the optimizer %T has no momentum to cycle (set CycleMomentum to false)", opt)
		}
		s.mom = m
		for i := range n {
			m.SetMomentum(i, o.MaxMomentum)
			s.p.MaxMomentums = append(s.p.MaxMomentums, jfloat(o.MaxMomentum))
			s.p.BaseMomentums = append(s.p.BaseMomentums, jfloat(o.BaseMomentum))
		}
	}
	s.init("OneCycleLR", opt, s)
	return s
}

func (r *OneCycleLR) settings() any { return &r.p }

func (r *OneCycleLR) anneal(start, end, pct float64) float64 {
	if r.p.AnnealLinear {
		return (end-start)*pct + start
	}
	cosOut := math.Cos(math.Pi*pct) + 1
	return end + (start-end)/2.0*cosOut
}

func (r *OneCycleLR) get(s *sched) []float64 {
	step := s.lastEpoch
	if step > r.p.TotalSteps {
		panicf("optim.OneCycleLR.Step", "tried to step %d times; the cycle has %d steps", step+1, r.p.TotalSteps)
	}
	out := make([]float64, s.opt.NumGroups())
	for g := range out {
		initial, _ := s.opt.InitialLR(g)
		lrs := [3]float64{initial, float64(r.p.MaxLRs[g]), float64(r.p.MinLRs[g])}
		var moms [2]float64
		if r.p.CycleMomentum {
			moms = [2]float64{float64(r.p.MaxMomentums[g]), float64(r.p.BaseMomentums[g])}
		}
		// The phases: (start lr, end lr, start momentum, end momentum) as indices into lrs
		// and moms.
		phases := [][4]int{{0, 1, 0, 1}, {1, 2, 1, 0}}
		if r.p.ThreePhase {
			phases = [][4]int{{0, 1, 0, 1}, {1, 0, 1, 0}, {0, 2, 0, 0}}
		}
		start := 0.0
		for i, ph := range phases {
			end := float64(r.p.EndSteps[i])
			if float64(step) <= end || i == len(phases)-1 {
				pct := (float64(step) - start) / (end - start)
				out[g] = r.anneal(lrs[ph[0]], lrs[ph[1]], pct)
				if r.p.CycleMomentum {
					r.mom.SetMomentum(g, r.anneal(moms[ph[2]], moms[ph[3]], pct))
				}
				break
			}
			start = end
		}
	}
	return out
}

// SequentialLR runs schedulers one after the other, switching at the milestone epochs, as
// torch.optim.lr_scheduler.SequentialLR. The schedulers must be of this package and share the
// optimizer.
type SequentialLR struct {
	opt        Optimizer
	schedulers []*sched
	milestones []int
	lastEpoch  int
	lastLR     []float64
}

// NewSequentialLR returns a SequentialLR over opt running schedulers, the first until
// milestones[0], the second until milestones[1], and so on, and resets the learning rates
// to their initial values for the first. It panics if there is not one milestone fewer than
// schedulers, or a scheduler is not of this package or belongs to another optimizer.
func NewSequentialLR(opt Optimizer, schedulers []Scheduler, milestones []int) *SequentialLR {
	const op = "optim.NewSequentialLR"
	if len(schedulers) == 0 || len(milestones) != len(schedulers)-1 {
		panicf(op, "expected one milestone fewer than schedulers, got %d schedulers and %d milestones", len(schedulers), len(milestones))
	}
	s := &SequentialLR{opt: opt, milestones: slices.Clone(milestones), lastEpoch: 0}
	for i, sc := range schedulers {
		c, ok := sc.(corer)
		if !ok || sc == nil {
			panicf(op, "scheduler %d (%T) is not one of package optim's", i, sc)
		}
		if c.core().opt != opt {
			panicf(op, "scheduler %d belongs to another optimizer", i)
		}
		s.schedulers = append(s.schedulers, c.core())
	}
	for i := range opt.NumGroups() {
		if lr, ok := opt.InitialLR(i); ok {
			opt.SetLR(i, lr)
		}
	}
	for _, c := range s.schedulers {
		c.lastEpoch--
	}
	s.schedulers[0].initialStep()
	s.lastLR = s.schedulers[0].LastLR()
	return s
}

// Step advances the schedule: the scheduler of the current epoch steps, or starts from its
// epoch 0 at a milestone.
func (s *SequentialLR) Step() {
	s.lastEpoch++
	idx := sort.SearchInts(s.milestones, s.lastEpoch+1) // bisect_right
	sc := s.schedulers[idx]
	if idx > 0 && s.milestones[idx-1] == s.lastEpoch {
		sc.step(0, true)
	} else {
		sc.Step()
	}
	s.lastLR = sc.LastLR()
}

// LastLR returns the learning rates the last step set.
func (s *SequentialLR) LastLR() []float64 { return slices.Clone(s.lastLR) }

type sequentialState struct {
	Kind       string            `json:"kind"`
	LastEpoch  int               `json:"last_epoch"`
	Milestones []int             `json:"milestones"`
	LastLR     []jfloat          `json:"last_lr"`
	Schedulers []json.RawMessage `json:"schedulers"`
}

// MarshalBinary returns the state of the sequence and of every scheduler in it.
func (s *SequentialLR) MarshalBinary() ([]byte, error) {
	st := sequentialState{Kind: "SequentialLR", LastEpoch: s.lastEpoch, Milestones: s.milestones, LastLR: jfloats(s.lastLR)}
	for _, c := range s.schedulers {
		b, err := c.MarshalBinary()
		if err != nil {
			return nil, err
		}
		st.Schedulers = append(st.Schedulers, b)
	}
	return json.Marshal(st)
}

// UnmarshalBinary restores a state MarshalBinary returned into a sequence of schedulers of the
// same kinds.
func (s *SequentialLR) UnmarshalBinary(data []byte) error {
	var st sequentialState
	if err := strictJSON(data, &st); err != nil {
		return fmt.Errorf("optim: loading SequentialLR: %w", err)
	}
	if st.Kind != "SequentialLR" || len(st.Schedulers) != len(s.schedulers) || len(st.Milestones) != len(s.milestones) {
		return fmt.Errorf("optim: loading SequentialLR: the state is of a %s of %d schedulers, not of %d", st.Kind, len(st.Schedulers), len(s.schedulers))
	}
	// Check every scheduler's state on a copy first, so that an error changes nothing.
	saved := make([][]byte, len(s.schedulers))
	for i, c := range s.schedulers {
		b, err := c.MarshalBinary()
		if err != nil {
			return err
		}
		saved[i] = b
	}
	for i, c := range s.schedulers {
		if err := c.UnmarshalBinary(st.Schedulers[i]); err != nil {
			for j := range i {
				_ = s.schedulers[j].UnmarshalBinary(saved[j])
			}
			return err
		}
	}
	s.lastEpoch, s.milestones, s.lastLR = st.LastEpoch, st.Milestones, floats(st.LastLR)
	return nil
}

// PlateauOptions are the settings of ReduceLROnPlateau; PlateauDefaults returns PyTorch's.
type PlateauOptions struct {
	// Max watches a metric that should increase (PyTorch's mode="max"), instead of decrease.
	Max bool
	// Factor multiplies the learning rate at a reduction (0.1); it must be below 1.
	Factor float64
	// Patience is the number of epochs without improvement tolerated before a reduction (10).
	Patience int
	// Threshold is the least improvement that counts (1e-4), relative to the best value
	// (rel), or absolute with AbsThreshold.
	Threshold    float64
	AbsThreshold bool
	// Cooldown is the number of epochs after a reduction during which bad epochs are not
	// counted (0).
	Cooldown int
	// MinLR bounds the learning rates from below: one value for every group, or one per
	// group (0).
	MinLR []float64
	// Eps is the smallest change of a learning rate that is made (1e-8).
	Eps float64
}

// PlateauDefaults returns PyTorch's defaults for ReduceLROnPlateau.
func PlateauDefaults() PlateauOptions {
	return PlateauOptions{Factor: 0.1, Patience: 10, Threshold: 1e-4, MinLR: []float64{0}, Eps: 1e-8}
}

// ReduceLROnPlateau multiplies the learning rates by Factor when a metric (a validation loss,
// say) has stopped improving for Patience epochs, as
// torch.optim.lr_scheduler.ReduceLROnPlateau. It steps with the metric.
type ReduceLROnPlateau struct {
	opt Optimizer
	p   struct {
		Max             bool     `json:"max"`
		Factor          jfloat   `json:"factor"`
		Patience        int      `json:"patience"`
		Threshold       jfloat   `json:"threshold"`
		AbsThreshold    bool     `json:"abs_threshold"`
		Cooldown        int      `json:"cooldown"`
		MinLRs          []jfloat `json:"min_lrs"`
		Eps             jfloat   `json:"eps"`
		Best            jfloat   `json:"best"`
		NumBadEpochs    int      `json:"num_bad_epochs"`
		CooldownCounter int      `json:"cooldown_counter"`
		LastEpoch       int      `json:"last_epoch"`
		LastLR          []jfloat `json:"last_lr"`
	}
}

// NewReduceLROnPlateau returns a ReduceLROnPlateau over opt. It panics if Factor is not below
// 1, or MinLR does not give one value or one per group.
func NewReduceLROnPlateau(opt Optimizer, o PlateauOptions) *ReduceLROnPlateau {
	const op = "optim.NewReduceLROnPlateau"
	if opt == nil {
		panicf(op, "nil optimizer")
	}
	if !(o.Factor < 1) {
		panicf(op, "factor %g should be < 1", o.Factor)
	}
	if len(o.MinLR) == 0 {
		o.MinLR = []float64{0}
	}
	s := &ReduceLROnPlateau{opt: opt}
	s.p.Max, s.p.Factor, s.p.Patience, s.p.Threshold = o.Max, jfloat(o.Factor), o.Patience, jfloat(o.Threshold)
	s.p.AbsThreshold, s.p.Cooldown, s.p.Eps = o.AbsThreshold, o.Cooldown, jfloat(o.Eps)
	s.p.MinLRs = jfloats(perGroup(op, "min_lr", o.MinLR, opt.NumGroups()))
	s.p.Best = jfloat(s.worst())
	return s
}

func (s *ReduceLROnPlateau) worst() float64 {
	if s.p.Max {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

func (s *ReduceLROnPlateau) better(a, best float64) bool {
	th := float64(s.p.Threshold)
	switch {
	case !s.p.Max && !s.p.AbsThreshold:
		return a < best*(1.-th)
	case !s.p.Max:
		return a < best-th
	case !s.p.AbsThreshold:
		return a > best*(th+1.)
	}
	return a > best+th
}

// Step records the metric of an epoch and reduces the learning rates if it has not improved
// for long enough.
func (s *ReduceLROnPlateau) Step(metric float64) {
	s.p.LastEpoch++
	if s.better(metric, float64(s.p.Best)) {
		s.p.Best = jfloat(metric)
		s.p.NumBadEpochs = 0
	} else {
		s.p.NumBadEpochs++
	}
	if s.p.CooldownCounter > 0 {
		s.p.CooldownCounter--
		s.p.NumBadEpochs = 0
	}
	if s.p.NumBadEpochs > s.p.Patience {
		for i := range s.opt.NumGroups() {
			old := s.opt.LR(i)
			lr := max(old*float64(s.p.Factor), float64(s.p.MinLRs[min(i, len(s.p.MinLRs)-1)]))
			if old-lr > float64(s.p.Eps) {
				s.opt.SetLR(i, lr)
			}
		}
		s.p.CooldownCounter = s.p.Cooldown
		s.p.NumBadEpochs = 0
	}
	s.p.LastLR = s.p.LastLR[:0]
	for i := range s.opt.NumGroups() {
		s.p.LastLR = append(s.p.LastLR, jfloat(s.opt.LR(i)))
	}
}

// LastLR returns the learning rates after the last step (the current ones before the first).
func (s *ReduceLROnPlateau) LastLR() []float64 {
	if s.p.LastLR == nil {
		out := make([]float64, s.opt.NumGroups())
		for i := range out {
			out[i] = s.opt.LR(i)
		}
		return out
	}
	return floats(s.p.LastLR)
}

// MarshalBinary returns the scheduler's state: its settings, the best metric so far and its
// counters.
func (s *ReduceLROnPlateau) MarshalBinary() ([]byte, error) {
	return json.Marshal(struct {
		Kind  string `json:"kind"`
		State any    `json:"state"`
	}{"ReduceLROnPlateau", &s.p})
}

// UnmarshalBinary restores a state MarshalBinary returned; it changes nothing on error.
func (s *ReduceLROnPlateau) UnmarshalBinary(data []byte) error {
	var st struct {
		Kind  string          `json:"kind"`
		State json.RawMessage `json:"state"`
	}
	if err := strictJSON(data, &st); err != nil {
		return fmt.Errorf("optim: loading ReduceLROnPlateau: %w", err)
	}
	if st.Kind != "ReduceLROnPlateau" {
		return fmt.Errorf("optim: loading ReduceLROnPlateau: the state is of a %s", st.Kind)
	}
	p := s.p
	if err := strictJSON(st.State, &p); err != nil {
		return fmt.Errorf("optim: loading ReduceLROnPlateau: %w", err)
	}
	if len(p.MinLRs) != s.opt.NumGroups() {
		return fmt.Errorf("optim: loading ReduceLROnPlateau: the state has %d groups, the optimizer %d", len(p.MinLRs), s.opt.NumGroups())
	}
	s.p = p
	return nil
}

var (
	_ Scheduler = (*OneCycleLR)(nil)
	_ Scheduler = (*SequentialLR)(nil)
)
