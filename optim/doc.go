// Package optim holds the optimizers that update a model's parameters from their gradients
// (SGD, Adam, AdamW, RMSprop, Adagrad), gradient clipping (ClipGradNorm, ClipGradValue) and
// the learning-rate schedulers (StepLR, CosineAnnealingLR, OneCycleLR, ReduceLROnPlateau,
// ...), with PyTorch 1.13's names, defaults and update formulas: ten steps of every optimizer
// follow torch.optim's trajectory (the tests compare them with fixtures PyTorch wrote), and
// every scheduler gives PyTorch's learning rate at every step. The schedulers live in this
// package rather than a subpackage, so a training loop imports one package.
//
// # Optimizers
//
// An optimizer is made over a list of parameters (nn.Parameters(model)) with its options, and
// updates them in place, each *autograd.Value keeping its identity:
//
//	opt := optim.NewAdam(nn.Parameters(model), optim.AdamDefaults())
//	for ... {
//		opt.ZeroGrad(true)
//		loss := autograd.CrossEntropy(model.Forward(x), y)
//		loss.Backward()
//		opt.Step()
//	}
//
// The options are plain structs whose fields carry PyTorch's names in their JSON tags. Start
// from the Defaults functions (AdamDefaults, RMSpropDefaults, ...): a zero field means zero.
// SGD has no default learning rate, as in PyTorch, and zero is the default of its other
// fields.
//
// Parameter groups: AddParamGroup adds parameters with options of their own (a learning rate,
// weight decay or betas per group), at construction or later, as PyTorch's add_param_group.
// Options and SetOptions read and change a group's options; LR and SetLR its learning rate.
//
// Parameters without a gradient (frozen, or unused by the last backward pass) are skipped.
// ZeroGrad(true) releases the gradients, returning their memory to the pool (PyTorch's
// set_to_none=True); ZeroGrad(false) fills them with zeros in place.
//
// # The update
//
// Each parameter is updated by one call of tensor.SGDStep, AdamStep, RMSpropStep or
// AdagradStep: a single fused pass over the parameter, its gradient and its state buffers on
// devices with a fused kernel (the CPU has one), the same arithmetic composed from tensor
// primitives elsewhere. Nothing is read back to the host: the step counts and the bias
// corrections computed from them live on the host. The state buffers are made on a
// parameter's first step; after that a step allocates nothing.
//
// # State
//
// StateDict returns an optimizer's state laid out as PyTorch's state_dict (parameters
// numbered in group order, each with its step count and named buffers, and every group's
// settings under PyTorch's names); LoadStateDict restores it into an optimizer made over the
// same parameters, after checking every group, name, shape and dtype. Package checkpoint saves
// it with the model. The schedulers save their state with MarshalBinary and restore it with
// UnmarshalBinary.
//
// # Gradient clipping
//
// ClipGradNorm scales the gradients so that their total norm is at most a bound, computing
// the norm, the factor and the scaling on the device; it returns the norm as a 0-d tensor
// without reading it. ClipGradNormChecked refuses a non-finite norm, which means reading it
// (it waits for the device). ClipGradValue clamps every element.
//
// # Errors
//
// Caller bugs (an empty parameter list, an option out of range, a group index out of range)
// panic with a *tensor.Error, as in packages tensor, autograd and nn. Loading a state that
// does not fit returns an error.
package optim
