package nn

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/godl/godl/autograd"
	"github.com/godl/godl/tensor"
)

// Module is a layer or a model: anything that lists its parameters, buffers and children.
// Layers in this package implement it; a struct of your own becomes a module by listing its
// members in one method, with the names PyTorch's state_dict would give them:
//
//	type Classifier struct {
//		Emb  *nn.Embedding
//		LSTM *nn.LSTM
//		FC   *nn.Linear
//	}
//
//	func (c *Classifier) Members() []nn.Member {
//		return []nn.Member{nn.Child("embedding", c.Emb), nn.Child("lstm", c.LSTM), nn.Child("fc", c.FC)}
//	}
//
// Everything that walks a model (Parameters, StateDict, LoadStateDict, Train, To) works from
// these listings; there is no reflection.
type Module interface {
	// Members lists the module's parameters, buffers and child modules in a stable order.
	// Entries whose value or module is nil (a layer without bias, say) are skipped.
	Members() []Member
}

// Layer is a module that maps one value to another, the kind Sequential chains.
type Layer interface {
	Module
	Forward(x *autograd.Value) *autograd.Value
}

// Kind says what a Member is.
type Kind uint8

// The kinds of member.
const (
	KindParam  Kind = iota // a trainable parameter
	KindBuffer             // state saved with the model but not trained (running statistics, tables)
	KindChild              // a child module
)

// Member is one entry of a module's listing: a parameter, a buffer or a child module, under
// the name it has in PyTorch's state_dict.
type Member struct {
	Name   string
	Kind   Kind
	Value  *autograd.Value // for parameters and buffers
	Module Module          // for children
}

// Param lists a trainable parameter.
func Param(name string, v *autograd.Value) Member {
	return Member{Name: name, Kind: KindParam, Value: v}
}

// Buffer lists a buffer: state saved and loaded with the model, moved by To, but not trained.
func Buffer(name string, v *autograd.Value) Member {
	return Member{Name: name, Kind: KindBuffer, Value: v}
}

// Child lists a child module; its members' names are prefixed with name and a dot.
func Child(name string, m Module) Member { return Member{Name: name, Kind: KindChild, Module: m} }

// Named is a parameter or buffer of a model with its full dotted name.
type Named struct {
	Name  string
	Kind  Kind // KindParam or KindBuffer
	Value *autograd.Value
}

// walk calls f for every parameter and buffer under m, depth first in listing order, with
// their dotted names; modules reached twice are walked twice.
func walk(m Module, prefix string, f func(n Named), seen map[Module]int) {
	if m == nil {
		return
	}
	if seen[m] > 64 { // a module containing itself
		panicf("nn.Walk", "module %T contains itself", m)
	}
	seen[m]++
	defer func() { seen[m]-- }()
	for _, mem := range m.Members() {
		name := prefix + mem.Name
		switch mem.Kind {
		case KindChild:
			if isNil(mem.Module) {
				continue
			}
			walk(mem.Module, name+".", f, seen)
		default:
			if mem.Value == nil {
				continue
			}
			f(Named{Name: name, Kind: mem.Kind, Value: mem.Value})
		}
	}
}

// isNil reports whether a module interface holds nil or a typed nil pointer.
func isNil(m Module) bool {
	if m == nil {
		return true
	}
	v := reflect.ValueOf(m)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// NamedValues returns every parameter and buffer of m with its dotted name, in listing order,
// each value once: a value shared by two modules (tied weights) is listed under the first
// name it is reached by, as PyTorch's named_parameters does.
func NamedValues(m Module) []Named {
	var out []Named
	seen := map[*autograd.Value]bool{}
	walk(m, "", func(n Named) {
		if !seen[n.Value] {
			seen[n.Value] = true
			out = append(out, n)
		}
	}, map[Module]int{})
	return out
}

// NamedParameters returns m's trainable parameters with their dotted names, each once.
func NamedParameters(m Module) []Named {
	var out []Named
	for _, n := range NamedValues(m) {
		if n.Kind == KindParam {
			out = append(out, n)
		}
	}
	return out
}

// Parameters returns m's trainable parameters, each once, in a stable order: what an
// optimizer updates.
func Parameters(m Module) []*autograd.Value {
	var out []*autograd.Value
	for _, n := range NamedParameters(m) {
		out = append(out, n.Value)
	}
	return out
}

// NumParams returns the number of scalar parameters of m (shared ones counted once).
func NumParams(m Module) int {
	total := 0
	for _, v := range Parameters(m) {
		total += v.Data().Numel()
	}
	return total
}

// StateDict returns the tensors of m's parameters and buffers under their dotted names, as
// PyTorch's state_dict does: a shared tensor appears under every name it has. The tensors are
// the module's own (not copies).
func StateDict(m Module) map[string]*tensor.Tensor {
	out := map[string]*tensor.Tensor{}
	walk(m, "", func(n Named) { out[n.Name] = n.Value.Data() }, map[Module]int{})
	return out
}

// StateDictKeys returns the names StateDict would use, in listing order.
func StateDictKeys(m Module) []string {
	var out []string
	walk(m, "", func(n Named) { out = append(out, n.Name) }, map[Module]int{})
	return out
}

// LoadError reports every problem LoadStateDict found, at once.
type LoadError struct {
	Missing    []string // names the model has and the state dict lacks
	Unexpected []string // names the state dict has and the model lacks
	Mismatched []string // names whose shape or dtype differ, with both
}

// Error lists the problems, each kind on one line.
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("nn: loading the state dict failed:")
	if len(e.Missing) > 0 {
		fmt.Fprintf(&b, "\n\tmissing: %s", strings.Join(e.Missing, ", "))
	}
	if len(e.Unexpected) > 0 {
		fmt.Fprintf(&b, "\n\tunexpected: %s", strings.Join(e.Unexpected, ", "))
	}
	if len(e.Mismatched) > 0 {
		fmt.Fprintf(&b, "\n\tmismatched: %s", strings.Join(e.Mismatched, "; "))
	}
	return b.String()
}

// LoadStateDict copies the tensors of sd into m's parameters and buffers by name, in place:
// every *autograd.Value keeps its identity (optimizer state and references stay valid) and
// its device; a tensor on another device is copied across. With strict, every name of m must
// be in sd and every name of sd in m; without it, missing and unexpected names are skipped.
// A shape or dtype that differs is always an error. On error nothing is changed and the
// *LoadError names every culprit.
func LoadStateDict(m Module, sd map[string]*tensor.Tensor, strict bool) error {
	var e LoadError
	type pair struct {
		dst *autograd.Value
		src *tensor.Tensor
	}
	var copies []pair
	known := map[string]bool{}
	walk(m, "", func(n Named) {
		known[n.Name] = true
		src, ok := sd[n.Name]
		if !ok || src == nil {
			if strict {
				e.Missing = append(e.Missing, n.Name)
			}
			return
		}
		d := n.Value.Data()
		if !src.Shape().Equal(d.Shape()) || src.DType() != d.DType() {
			e.Mismatched = append(e.Mismatched, fmt.Sprintf("%s is %s %v in the state dict, %s %v in the model", n.Name, src.DType(), src.Shape(), d.DType(), d.Shape()))
			return
		}
		copies = append(copies, pair{n.Value, src})
	}, map[Module]int{})
	if strict {
		for name := range sd {
			if !known[name] {
				e.Unexpected = append(e.Unexpected, name)
			}
		}
		sort.Strings(e.Unexpected)
	}
	if len(e.Missing)+len(e.Unexpected)+len(e.Mismatched) > 0 {
		return &e
	}
	for _, c := range copies {
		c.dst.Data().CopyFrom(c.src)
	}
	return nil
}

// trainable is implemented by modules whose behaviour depends on the mode (Dropout, the
// recurrent layers' dropout between layers, ...).
type trainable interface {
	SetTraining(on bool)
}

// Train puts m and every module under it in training mode (on) or evaluation mode (off), like
// PyTorch's module.train(on). It returns m.
func Train[M Module](m M, on bool) M {
	walkModules(m, func(x Module) {
		if t, ok := x.(trainable); ok {
			t.SetTraining(on)
		}
	}, map[Module]bool{})
	return m
}

// Eval is Train(m, false).
func Eval[M Module](m M) M { return Train(m, false) }

func walkModules(m Module, f func(Module), seen map[Module]bool) {
	if isNil(m) || seen[m] {
		return
	}
	seen[m] = true
	f(m)
	for _, mem := range m.Members() {
		if mem.Kind == KindChild {
			walkModules(mem.Module, f, seen)
		}
	}
}

// To moves every parameter and buffer of m to device dev in place (each keeps its
// *autograd.Value, and a gradient moves along) and returns m.
func To[M Module](m M, dev tensor.Device) M {
	if dev == nil {
		panicf("nn.To", "nil device")
	}
	for _, n := range NamedValues(m) {
		if n.Value.Data().Device() != dev {
			n.Value.SetData(n.Value.Data().To(dev))
		}
	}
	return m
}

// ZeroGrad clears the gradients of m's parameters (PyTorch's zero_grad(set_to_none=True)).
func ZeroGrad(m Module) {
	for _, p := range Parameters(m) {
		p.ZeroGrad()
	}
}

// Sequential chains layers: the output of each is the input of the next. Its members are its
// layers, named "0", "1", ..., as in PyTorch.
type Sequential struct {
	Layers []Layer
}

// NewSequential returns a Sequential of the given layers.
func NewSequential(layers ...Layer) *Sequential {
	return &Sequential{Layers: slices.Clone(layers)}
}

// Members lists the layers as children "0", "1", ....
func (s *Sequential) Members() []Member {
	out := make([]Member, len(s.Layers))
	for i, l := range s.Layers {
		out[i] = Child(fmt.Sprint(i), l)
	}
	return out
}

// Forward runs the layers in order.
func (s *Sequential) Forward(x *autograd.Value) *autograd.Value {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return x
}
