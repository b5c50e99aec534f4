package checkpoint

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/godl/godl/nn"
	"github.com/godl/godl/optim"
	"github.com/godl/godl/safetensors"
	"github.com/godl/godl/tensor"
)

// SaveModel writes the state dict of m (every parameter and buffer under its dotted name, as
// nn.StateDict lists them) to path as a safetensors file, atomically, with the given metadata
// (nil for none). PyTorch reads it with safetensors.torch.load_file and loads it into the
// same model with load_state_dict.
func SaveModel(path string, m nn.Module, metadata map[string]string) error {
	if err := safetensors.WriteFile(path, nn.StateDict(m), metadata); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// LoadModel loads the safetensors file at path into m by name, in place: every parameter and
// buffer keeps its *autograd.Value, its tensor and its device (the values are copied in,
// widened from F16 or BF16 for Float32 parameters). With strict, every name of m must be in
// the file and every tensor of the file in m; without it, those are skipped. A shape or
// dtype that differs is always an error. The file's header is checked against the model before
// anything is copied, and on error the *nn.LoadError (found with errors.As) names every
// missing, unexpected and mismatched tensor at once; nothing has changed then.
func LoadModel(path string, m nn.Module, strict bool) error {
	f, err := safetensors.Open(path)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	names := map[string]string{}
	for _, n := range f.Names() {
		names[n] = n
	}
	if err := loadModel(f, m, names, strict); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", path, err)
	}
	return nil
}

// modelPlan checks the tensors of f named by names (model name → file name) against m's
// state dict and returns the copies to make, or the *nn.LoadError.
func modelPlan(f *safetensors.File, m nn.Module, names map[string]string, strict bool) (map[string]*tensor.Tensor, error) {
	sd := nn.StateDict(m)
	var e nn.LoadError
	plan := map[string]*tensor.Tensor{}
	for _, name := range nn.StateDictKeys(m) {
		fname, ok := names[name]
		if !ok {
			if strict {
				e.Missing = append(e.Missing, name)
			}
			continue
		}
		info, _ := f.Info(fname)
		dst := sd[name]
		dt, ok := safetensors.TensorDType(info.DType)
		if !ok || dt != dst.DType() || !tensor.Shape(info.Shape).Equal(dst.Shape()) {
			e.Mismatched = append(e.Mismatched, fmt.Sprintf("%s is %s %v in the file, %s %v in the model", name, info.DType, info.Shape, dst.DType(), dst.Shape()))
			continue
		}
		plan[name] = dst
	}
	if strict {
		for name := range names {
			if _, ok := sd[name]; !ok {
				e.Unexpected = append(e.Unexpected, names[name])
			}
		}
		sort.Strings(e.Unexpected)
	}
	if len(e.Missing)+len(e.Unexpected)+len(e.Mismatched) > 0 {
		return nil, &e
	}
	return plan, nil
}

func loadModel(f *safetensors.File, m nn.Module, names map[string]string, strict bool) error {
	plan, err := modelPlan(f, m, names, strict)
	if err != nil {
		return err
	}
	return copyModel(f, plan, names)
}

// copyModel copies the planned tensors from the file, one at a time.
func copyModel(f *safetensors.File, plan map[string]*tensor.Tensor, names map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(plan)) {
		src, err := f.Tensor(names[name])
		if err != nil {
			return err
		}
		plan[name].CopyFrom(src)
		src.Release()
	}
	return nil
}

// Stateful is state that saves itself as bytes: the schedulers of package optim and
// *tensor.RNG implement it.
type Stateful interface {
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// Training is what a training checkpoint holds: every field but Model is optional.
type Training struct {
	// Model's parameters and buffers, saved under "model." and their dotted names.
	Model nn.Module
	// Optimizer's state: its groups' settings, and each parameter's step count and buffers.
	Optimizer optim.Optimizer
	// Scheduler's state (an optim.Scheduler or optim.ReduceLROnPlateau).
	Scheduler Stateful
	// RNGs are the generators the run draws from (data shuffling, dropout), by name.
	RNGs map[string]*tensor.RNG
	// Fields are the caller's own (an epoch, the best score so far): a value that
	// encoding/json encodes on Save, and a pointer it decodes into on Load.
	Fields any
}

const (
	formatKey     = "godl.checkpoint"
	formatVersion = "1"
	modelPrefix   = "model."
	optimPrefix   = "optimizer."
)

// optimMeta is the optimizer's state without its tensors, as the metadata holds it.
type optimMeta struct {
	ParamGroups []map[string]any     `json:"param_groups"`
	State       map[string]paramMeta `json:"state"`
}

type paramMeta struct {
	Step    int64    `json:"step"`
	Buffers []string `json:"buffers"`
}

// Save writes a training checkpoint to path as one safetensors file, atomically (an
// interrupted save leaves the previous file as it was): the model's tensors under "model.",
// the optimizer's buffers under "optimizer.<parameter number>.<buffer name>", and in the
// metadata the optimizer's group settings and step counts (as PyTorch's state_dict lays them
// out), the scheduler's and the RNGs' states and the caller's fields. Loading it with Load
// into objects made the same way resumes the run exactly: the parameters after further steps
// are bit for bit those of a run that never stopped.
func Save(path string, c Training) error {
	if c.Model == nil {
		panic(&tensor.Error{Op: "checkpoint.Save", Msg: "nil model"})
	}
	tensors := map[string]*tensor.Tensor{}
	for name, t := range nn.StateDict(c.Model) {
		tensors[modelPrefix+name] = t
	}
	meta := map[string]string{formatKey: formatVersion}
	if c.Optimizer != nil {
		s := c.Optimizer.StateDict()
		om := optimMeta{State: map[string]paramMeta{}}
		for _, g := range s.Groups {
			opts := maps.Clone(g.Options)
			opts["params"] = g.Params
			om.ParamGroups = append(om.ParamGroups, opts)
		}
		for id, ps := range s.Params {
			pm := paramMeta{Step: ps.Step, Buffers: slices.Sorted(maps.Keys(ps.Buffers))}
			for name, t := range ps.Buffers {
				tensors[optimPrefix+strconv.Itoa(id)+"."+name] = t
			}
			om.State[strconv.Itoa(id)] = pm
		}
		b, err := json.Marshal(om)
		if err != nil {
			return fmt.Errorf("checkpoint: encoding the optimizer's state: %w", err)
		}
		meta["optimizer"] = string(b)
	}
	if c.Scheduler != nil {
		b, err := c.Scheduler.MarshalBinary()
		if err != nil {
			return fmt.Errorf("checkpoint: saving the scheduler: %w", err)
		}
		meta["scheduler"] = base64.StdEncoding.EncodeToString(b)
	}
	for name, r := range c.RNGs {
		if r == nil {
			panic(&tensor.Error{Op: "checkpoint.Save", Msg: fmt.Sprintf("nil RNG %q", name)})
		}
		b, err := r.MarshalBinary()
		if err != nil {
			return fmt.Errorf("checkpoint: saving RNG %q: %w", name, err)
		}
		meta["rng."+name] = base64.StdEncoding.EncodeToString(b)
	}
	if c.Fields != nil {
		b, err := json.Marshal(c.Fields)
		if err != nil {
			return fmt.Errorf("checkpoint: encoding the fields: %w", err)
		}
		meta["fields"] = string(b)
	}
	if err := safetensors.WriteFile(path, tensors, meta); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Load restores a training checkpoint Save wrote into c's objects, which must be made as the
// saved ones were (the same model, an optimizer of the same kind over its parameters in the
// same groups, a scheduler of the same kind, the same RNG names). The model is loaded
// strictly and in place, as LoadModel does; the optimizer's buffers are copied onto its
// parameters' devices. Every part of the file is read and checked against c before anything
// changes, and a part that still fails to apply rolls back the ones applied before it, so an
// error leaves c as it was. Parts that c leaves nil are not loaded.
func Load(path string, c Training) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("checkpoint: %s: %w", path, err)
		}
	}()
	if c.Model == nil {
		panic(&tensor.Error{Op: "checkpoint.Load", Msg: "nil model"})
	}
	f, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	meta := f.Metadata()
	if v := meta[formatKey]; v != formatVersion {
		return fmt.Errorf("not a godl training checkpoint (metadata %s is %q, want %q)", formatKey, v, formatVersion)
	}
	// The model: checked against the header.
	names := map[string]string{}
	var optimNames []string
	for _, n := range f.Names() {
		switch {
		case strings.HasPrefix(n, modelPrefix):
			names[strings.TrimPrefix(n, modelPrefix)] = n
		case strings.HasPrefix(n, optimPrefix):
			optimNames = append(optimNames, n)
		default:
			return fmt.Errorf("unexpected tensor %q", n)
		}
	}
	plan, err := modelPlan(f, c.Model, names, true)
	if err != nil {
		return err
	}
	// The optimizer's state, with its buffers loaded.
	var state *optim.State
	if c.Optimizer != nil {
		if state, err = readOptimizer(f, meta["optimizer"], optimNames); err != nil {
			return err
		}
	}
	// The scheduler's state, the RNGs and the fields, decoded apart first.
	var sched []byte
	if c.Scheduler != nil {
		if sched, err = decode64(meta, "scheduler"); err != nil {
			return err
		}
	}
	rngs := map[string]*tensor.RNG{}
	for name := range c.RNGs {
		b, err := decode64(meta, "rng."+name)
		if err != nil {
			return err
		}
		r := tensor.NewRNG(0)
		if err := r.UnmarshalBinary(b); err != nil {
			return fmt.Errorf("RNG %q: %w", name, err)
		}
		rngs[name] = r
	}
	var fields reflect.Value
	if c.Fields != nil {
		pv := reflect.ValueOf(c.Fields)
		if pv.Kind() != reflect.Pointer || pv.IsNil() {
			panic(&tensor.Error{Op: "checkpoint.Load", Msg: fmt.Sprintf("Fields must be a non-nil pointer, got %T", c.Fields)})
		}
		raw, ok := meta["fields"]
		if !ok {
			return errors.New("the checkpoint has no fields")
		}
		fields = reflect.New(pv.Elem().Type())
		if err := json.Unmarshal([]byte(raw), fields.Interface()); err != nil {
			return fmt.Errorf("fields: %w", err)
		}
	}
	// Apply, rolling back on failure.
	if c.Scheduler != nil {
		old, merr := c.Scheduler.MarshalBinary()
		if merr != nil {
			return fmt.Errorf("scheduler: %w", merr)
		}
		if uerr := c.Scheduler.UnmarshalBinary(sched); uerr != nil {
			return fmt.Errorf("scheduler: %w", uerr)
		}
		defer func() {
			if err != nil { // a later part failed: put the scheduler back
				_ = c.Scheduler.UnmarshalBinary(old)
			}
		}()
	}
	if c.Optimizer != nil {
		old := c.Optimizer.StateDict()
		if lerr := c.Optimizer.LoadStateDict(state); lerr != nil {
			return lerr
		}
		defer func() {
			if err != nil { // the model failed to load: put the optimizer back
				_ = c.Optimizer.LoadStateDict(old)
			}
		}()
	}
	if cerr := copyModel(f, plan, names); cerr != nil {
		return cerr
	}
	for name, r := range rngs {
		b, _ := r.MarshalBinary()
		if err := c.RNGs[name].UnmarshalBinary(b); err != nil {
			return fmt.Errorf("RNG %q: %w", name, err)
		}
	}
	if c.Fields != nil {
		reflect.ValueOf(c.Fields).Elem().Set(fields.Elem())
	}
	return nil
}

func decode64(meta map[string]string, key string) ([]byte, error) {
	s, ok := meta[key]
	if !ok {
		return nil, fmt.Errorf("the checkpoint has no %s", key)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return b, nil
}

// readOptimizer rebuilds the optimizer's State from the metadata and the file's
// "optimizer." tensors.
func readOptimizer(f *safetensors.File, raw string, names []string) (*optim.State, error) {
	if raw == "" {
		return nil, errors.New("the checkpoint has no optimizer state")
	}
	var om optimMeta
	if err := json.Unmarshal([]byte(raw), &om); err != nil {
		return nil, fmt.Errorf("optimizer state: %w", err)
	}
	s := &optim.State{Params: map[int]optim.ParamState{}}
	for i, g := range om.ParamGroups {
		gs := optim.GroupState{Options: map[string]any{}}
		for k, v := range g {
			if k != "params" {
				gs.Options[k] = v
				continue
			}
			ids, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("optimizer group %d: params is %T, not a list", i, v)
			}
			for _, id := range ids {
				n, ok := id.(float64)
				if !ok || n != float64(int(n)) || n < 0 {
					return nil, fmt.Errorf("optimizer group %d: bad parameter number %v", i, id)
				}
				gs.Params = append(gs.Params, int(n))
			}
		}
		s.Groups = append(s.Groups, gs)
	}
	want := map[string]bool{}
	for key, pm := range om.State {
		id, err := strconv.Atoi(key)
		if err != nil || id < 0 {
			return nil, fmt.Errorf("optimizer state: bad parameter number %q", key)
		}
		ps := optim.ParamState{Step: pm.Step, Buffers: map[string]*tensor.Tensor{}}
		for _, b := range pm.Buffers {
			name := optimPrefix + key + "." + b
			if _, ok := f.Info(name); !ok {
				return nil, fmt.Errorf("optimizer state: tensor %q is missing", name)
			}
			t, err := f.Tensor(name)
			if err != nil {
				return nil, err
			}
			ps.Buffers[b] = t
			want[name] = true
		}
		s.Params[id] = ps
	}
	for _, n := range names {
		if !want[n] {
			return nil, fmt.Errorf("unexpected tensor %q", n)
		}
	}
	return s, nil
}
