package optim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// Optimizer is what every optimizer of this package implements, and what the schedulers and
// package checkpoint work with.
type Optimizer interface {
	// Step updates every parameter that has a gradient, once.
	Step()
	// ZeroGrad clears the parameters' gradients: releases them (setToNone, the memory goes
	// back to the pool and the next backward pass allocates anew) or fills them with zeros
	// in place.
	ZeroGrad(setToNone bool)
	// NumGroups returns the number of parameter groups.
	NumGroups() int
	// LR returns the learning rate of a group.
	LR(group int) float64
	// SetLR sets the learning rate of a group (what schedulers do).
	SetLR(group int, lr float64)
	// InitialLR returns the learning rate a scheduler started a group from (PyTorch's
	// group["initial_lr"]), and whether one has been set.
	InitialLR(group int) (float64, bool)
	// SetInitialLR sets it.
	SetInitialLR(group int, lr float64)
	// StateDict returns the optimizer's state: its own tensors, not copies.
	StateDict() *State
	// LoadStateDict replaces the optimizer's state and group settings with copies of s's,
	// after checking all of it; on error nothing has changed.
	LoadStateDict(s *State) error
}

// Momentum is implemented by the optimizers that have a momentum OneCycleLR can cycle: SGD
// and RMSprop (their momentum) and Adam and AdamW (β₁).
type Momentum interface {
	Momentum(group int) float64
	SetMomentum(group int, m float64)
}

// State is an optimizer's state laid out as PyTorch's Optimizer.state_dict: the parameters
// are numbered in the order of the groups, then of the parameters within each group.
type State struct {
	// Groups holds each group's settings under PyTorch's names ("lr", "betas",
	// "weight_decay", ..., and "initial_lr" once a scheduler has set it), as encoding/json
	// decodes them (numbers are float64, betas a []any), and the numbers of its parameters.
	Groups []GroupState
	// Params holds the state of each parameter that has one (those updated at least once).
	Params map[int]ParamState
}

// GroupState is one parameter group of a State.
type GroupState struct {
	Options map[string]any
	Params  []int
}

// ParamState is the state of one parameter: its step count and its buffers under PyTorch's
// names ("exp_avg", "exp_avg_sq", "momentum_buffer", "square_avg", "sum", ...).
type ParamState struct {
	Step    int64
	Buffers map[string]*tensor.Tensor
}

// group is a parameter group.
type group[O any] struct {
	params     []*autograd.Value
	opts       O
	initialLR  float64
	hasInitial bool
}

// paramState is one parameter's state: the host-side step count and up to three buffers,
// in the slots the optimizer names.
type paramState struct {
	step int64
	buf  [3]*tensor.Tensor
}

// rules describes an optimizer to the machinery it shares with the others.
type rules[O any] struct {
	name  string                      // "optim.Adam", for panics
	slots [3]string                   // PyTorch's names of the state buffers, "" for unused slots
	lr    func(*O) *float64           // the learning rate field
	check func(o O) string            // what is wrong with the options, or ""
	uses  func(o O) [3]bool           // the slots a step with these options uses
	fill  func(o O, slot int) float64 // the initial value of a slot's buffer
}

// base is the part every optimizer shares: the groups, the state per parameter, and the state
// dict. The optimizers embed it.
type base[O any] struct {
	rules  *rules[O]
	groups []*group[O]
	state  map[*autograd.Value]*paramState
}

func newBase[O any](r *rules[O], params []*autograd.Value, o O) base[O] {
	if len(params) == 0 {
		panicf(r.name, "empty parameter list")
	}
	b := base[O]{rules: r, state: map[*autograd.Value]*paramState{}}
	b.AddParamGroup(params, o)
	return b
}

// AddParamGroup adds a group of parameters with their own options, as PyTorch's
// add_param_group does (for layers unfrozen during training, say). It panics if the options
// are not valid, or if a parameter is nil, not a float leaf, or already in a group.
func (b *base[O]) AddParamGroup(params []*autograd.Value, o O) {
	op := b.rules.name + ".AddParamGroup"
	if msg := b.rules.check(o); msg != "" {
		panicf(op, "%s", msg)
	}
	seen := map[*autograd.Value]bool{}
	for _, g := range b.groups {
		for _, p := range g.params {
			seen[p] = true
		}
	}
	for i, p := range params {
		if p == nil {
			panicf(op, "parameter %d is nil", i)
		}
		if !p.IsLeaf() {
			panicf(op, "parameter %d is not a leaf (it was computed by %s)", i, p.Op())
		}
		if !p.DType().IsFloat() {
			panicf(op, "parameter %d is %s; only float parameters can be optimized", i, p.DType())
		}
		if seen[p] {
			panicf(op, "parameter %d of shape %v appears twice among the groups", i, p.Shape())
		}
		seen[p] = true
	}
	b.groups = append(b.groups, &group[O]{params: slices.Clone(params), opts: o})
}

func (b *base[O]) group(op string, i int) *group[O] {
	if i < 0 || i >= len(b.groups) {
		panicf(b.rules.name+"."+op, "group %d out of range [0, %d)", i, len(b.groups))
	}
	return b.groups[i]
}

// NumGroups returns the number of parameter groups.
func (b *base[O]) NumGroups() int { return len(b.groups) }

// Params returns the parameters of group i. It panics if i is out of range.
func (b *base[O]) Params(i int) []*autograd.Value { return slices.Clone(b.group("Params", i).params) }

// Options returns the options of group i. It panics if i is out of range.
func (b *base[O]) Options(i int) O { return b.group("Options", i).opts }

// SetOptions replaces the options of group i. It panics if i is out of range or the options
// are not valid.
func (b *base[O]) SetOptions(i int, o O) {
	g := b.group("SetOptions", i)
	if msg := b.rules.check(o); msg != "" {
		panicf(b.rules.name+".SetOptions", "%s", msg)
	}
	g.opts = o
}

// LR returns the learning rate of group i. It panics if i is out of range.
func (b *base[O]) LR(i int) float64 { return *b.rules.lr(&b.group("LR", i).opts) }

// SetLR sets the learning rate of group i. Like PyTorch, it takes any number but NaN: a
// schedule may step past its end (OneCycleLR's last linear step goes below zero). It panics
// if i is out of range or lr is NaN.
func (b *base[O]) SetLR(i int, lr float64) {
	g := b.group("SetLR", i)
	if math.IsNaN(lr) {
		panicf(b.rules.name+".SetLR", "invalid learning rate %g", lr)
	}
	*b.rules.lr(&g.opts) = lr
}

// InitialLR returns the learning rate a scheduler started group i from, and whether one was
// set. It panics if i is out of range.
func (b *base[O]) InitialLR(i int) (float64, bool) {
	g := b.group("InitialLR", i)
	return g.initialLR, g.hasInitial
}

// SetInitialLR records the learning rate a scheduler starts group i from. It panics if i is
// out of range.
func (b *base[O]) SetInitialLR(i int, lr float64) {
	g := b.group("SetInitialLR", i)
	g.initialLR, g.hasInitial = lr, true
}

// ZeroGrad clears the gradients of every parameter: releases them when setToNone (PyTorch's
// zero_grad(set_to_none=True)), fills them with zeros in place otherwise.
func (b *base[O]) ZeroGrad(setToNone bool) {
	for _, g := range b.groups {
		for _, p := range g.params {
			if setToNone {
				p.ZeroGrad()
			} else if gr := p.Grad(); gr != nil {
				gr.Zero()
			}
		}
	}
}

// prepare returns p's state with the buffers o uses, made on p's first step with them; fresh
// reports whether slot 0 was just made.
func (b *base[O]) prepare(p *autograd.Value, o O) (st *paramState, fresh [3]bool) {
	st = b.state[p]
	if st == nil {
		st = &paramState{}
		b.state[p] = st
	}
	uses := b.rules.uses(o)
	for k, u := range uses {
		if u && st.buf[k] == nil {
			st.buf[k] = tensor.FullLike(p.Data(), b.rules.fill(o, k))
			fresh[k] = true
		}
	}
	return st, fresh
}

// slot returns buffer k when o uses it, nil otherwise.
func (st *paramState) slot(uses [3]bool, k int) *tensor.Tensor {
	if !uses[k] {
		return nil
	}
	return st.buf[k]
}

// StateDict returns the optimizer's state as PyTorch lays it out (see State). The buffers are
// the optimizer's own tensors, not copies.
func (b *base[O]) StateDict() *State {
	s := &State{Params: map[int]ParamState{}}
	idx := 0
	for _, g := range b.groups {
		gs := GroupState{Options: optionsMap(g.opts)}
		if g.hasInitial {
			gs.Options["initial_lr"] = g.initialLR
		}
		for _, p := range g.params {
			gs.Params = append(gs.Params, idx)
			if st := b.state[p]; st != nil {
				ps := ParamState{Step: st.step, Buffers: map[string]*tensor.Tensor{}}
				for k, t := range st.buf {
					if t != nil {
						ps.Buffers[b.rules.slots[k]] = t
					}
				}
				s.Params[idx] = ps
			}
			idx++
		}
		s.Groups = append(s.Groups, gs)
	}
	return s
}

func optionsMap(o any) map[string]any {
	raw, err := json.Marshal(o)
	if err != nil {
		panic(&tensor.Error{Op: "optim.StateDict", Msg: err.Error()}) // not a caller bug: options are plain numbers
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(&tensor.Error{Op: "optim.StateDict", Msg: err.Error()}) // not a caller bug: see above
	}
	return m
}

// LoadStateDict replaces the optimizer's group settings and per-parameter state with s's:
// the groups must match in number and size, and each buffer the dtype and shape of its
// parameter; the buffers are copied onto the parameters' devices. Parameters are matched by
// position, as PyTorch does. Everything is checked before anything changes; an error names
// the first problem.
func (b *base[O]) LoadStateDict(s *State) error {
	if s == nil {
		return fmt.Errorf("optim: nil state")
	}
	if len(s.Groups) != len(b.groups) {
		return fmt.Errorf("optim: the state has %d parameter groups, the optimizer %d", len(s.Groups), len(b.groups))
	}
	type loaded struct {
		opts       O
		initialLR  float64
		hasInitial bool
	}
	groups := make([]loaded, len(b.groups))
	byID := map[int]*autograd.Value{}
	usesOf := map[*autograd.Value][3]bool{}
	for i, gs := range s.Groups {
		g := b.groups[i]
		if len(gs.Params) != len(g.params) {
			return fmt.Errorf("optim: group %d of the state has %d parameters, the optimizer's %d", i, len(gs.Params), len(g.params))
		}
		opts := maps.Clone(gs.Options)
		if v, ok := opts["initial_lr"]; ok {
			f, ok := v.(float64)
			if !ok {
				return fmt.Errorf("optim: group %d: initial_lr is %T, not a number", i, v)
			}
			groups[i].initialLR, groups[i].hasInitial = f, true
			delete(opts, "initial_lr")
		}
		raw, err := json.Marshal(opts)
		if err != nil {
			return fmt.Errorf("optim: group %d: %w", i, err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&groups[i].opts); err != nil {
			return fmt.Errorf("optim: group %d settings: %w", i, err)
		}
		if msg := b.rules.check(groups[i].opts); msg != "" {
			return fmt.Errorf("optim: group %d: %s", i, msg)
		}
		for j, id := range gs.Params {
			if _, dup := byID[id]; dup {
				return fmt.Errorf("optim: parameter number %d appears twice in the state's groups", id)
			}
			byID[id] = g.params[j]
			usesOf[g.params[j]] = b.rules.uses(groups[i].opts)
		}
	}
	ids := slices.Sorted(maps.Keys(s.Params))
	for _, id := range ids {
		ps := s.Params[id]
		p, ok := byID[id]
		if !ok {
			return fmt.Errorf("optim: the state has parameter number %d, which no group lists", id)
		}
		if ps.Step < 0 {
			return fmt.Errorf("optim: parameter %d: negative step count %d", id, ps.Step)
		}
		uses := usesOf[p]
		names := slices.Sorted(maps.Keys(ps.Buffers))
		for _, name := range names {
			k := slices.Index(b.rules.slots[:], name)
			if name == "" || k < 0 {
				return fmt.Errorf("optim: parameter %d: unknown state buffer %q for %s", id, name, b.rules.name)
			}
			t := ps.Buffers[name]
			if t == nil || t.Released() {
				return fmt.Errorf("optim: parameter %d: state buffer %q is nil or released", id, name)
			}
			d := p.Data()
			if t.DType() != d.DType() || !t.Shape().Equal(d.Shape()) {
				return fmt.Errorf("optim: parameter %d: state buffer %q is %s %v, the parameter %s %v", id, name, t.DType(), t.Shape(), d.DType(), d.Shape())
			}
		}
		for k, u := range uses {
			// A momentum buffer may be missing: a step makes it as on a first step (SGD's
			// buffer takes the gradient, RMSprop's starts from zero, as in PyTorch).
			if u && ps.Buffers[b.rules.slots[k]] == nil && b.rules.slots[k] != "momentum_buffer" {
				return fmt.Errorf("optim: parameter %d: state buffer %q is missing", id, b.rules.slots[k])
			}
		}
	}
	// Everything checked: replace.
	for i, g := range b.groups {
		g.opts, g.initialLR, g.hasInitial = groups[i].opts, groups[i].initialLR, groups[i].hasInitial
	}
	state := map[*autograd.Value]*paramState{}
	for _, id := range ids {
		ps := s.Params[id]
		p := byID[id]
		st := &paramState{step: ps.Step}
		for name, t := range ps.Buffers {
			k := slices.Index(b.rules.slots[:], name)
			st.buf[k] = tensor.EmptyLike(p.Data()).CopyFrom(t)
		}
		state[p] = st
	}
	b.state = state
	return nil
}

// checkNonNeg returns a problem unless v is finite and not negative: the check PyTorch makes of
// most options.
func checkNonNeg(name string, v float64) string {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Sprintf("invalid %s %g (must be finite and >= 0)", name, v)
	}
	return ""
}

func firstProblem(msgs ...string) string {
	for _, m := range msgs {
		if m != "" {
			return m
		}
	}
	return ""
}

func panicf(op, format string, args ...any) {
	panic(&tensor.Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

func checkFinite(name string, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Sprintf("invalid %s %g (must be finite)", name, v)
	}
	return ""
}

var (
	_ Optimizer = (*SGD)(nil)
	_ Optimizer = (*Adam)(nil)
	_ Optimizer = (*RMSprop)(nil)
	_ Optimizer = (*Adagrad)(nil)
	_ Momentum  = (*SGD)(nil)
	_ Momentum  = (*Adam)(nil)
	_ Momentum  = (*RMSprop)(nil)
)
