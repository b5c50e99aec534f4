// Package nn holds the layers, losses and containers that models are built from, with
// PyTorch's names, defaults, shapes and state_dict keys, so that weights move between godl
// and PyTorch unchanged. It builds on packages autograd and tensor.
//
// # Modules
//
// A layer is a plain struct made by a constructor (NewLinear, NewEmbedding, NewLSTM, ...)
// whose options embed Init: the generator that draws the initial parameters (the package
// default, reseeded by Seed, when nil), and their dtype and device. Construction calls the
// layer's Reset, PyTorch's reset_parameters, which draws them again from a generator.
//
// Every module lists its parameters, buffers and children in one method, Members, under the
// names PyTorch's state_dict uses ("weight", "bias", "weight_ih_l0"); a struct of your own
// becomes a module the same way (see the Module example). Everything that walks a model works
// from these listings: Parameters and NamedParameters (a parameter shared by two modules is
// listed once), StateDict and LoadStateDict (strict loading reports every missing,
// unexpected and mismatched name at once, and never replaces a parameter: each keeps its
// *autograd.Value), Train and Eval (reaching every child), To (moving parameters in place)
// and ZeroGrad.
//
// # Inference
//
// There is no global switch: a forward pass records no graph when its input is in no-grad mode
// (x.NoGrad(), or autograd.Const(ids).NoGrad() for token ids), whatever the mode of the
// parameters it meets, and the layers create the states they need (an LSTM's initial state)
// in the mode of their input. Put the model in evaluation mode (Eval) so that dropout is the
// identity. Evaluation of one model may then run in many goroutines at once, while another
// goroutine trains another model.
//
// # Losses
//
// The losses are functions, as in torch.nn.functional: CrossEntropyLoss, NLLLoss, MSELoss,
// L1Loss, SmoothL1Loss, BCEWithLogitsLoss and KLDivLoss, named after PyTorch's loss modules
// and computing what they compute. Each takes the input and the target as values and an
// options struct whose zero value holds PyTorch's defaults (the mean reduction, ignore index
// -100, beta 1, ...), so a literal names only what differs:
//
//	loss := nn.CrossEntropyLoss(logits, autograd.Const(labels), nn.CrossEntropyOptions{LabelSmoothing: 0.1})
//
// Labels (Int64 class indices) are wrapped with autograd.Const; a float target may be a value
// that requires a gradient (a teacher's outputs), and receives one. Class weights and other
// constants are tensors in the options. Shapes must match exactly where torch would only
// warn and broadcast. A loss records no graph when its input or its target is in no-grad
// mode, and nothing in it reads values back from the device: a class index out of range is
// found by the device's gather, at the next synchronizing call on a device that queues its
// work. There are no loss modules: a loss holds no parameters, and its weights are the
// caller's tensors.
//
// # Errors
//
// Caller bugs (shapes that do not fit, a nil input, ids that are not Int64) panic with a
// *tensor.Error naming the layer and the shapes, as in packages tensor and autograd; loading a
// state dict returns a *LoadError.
package nn
