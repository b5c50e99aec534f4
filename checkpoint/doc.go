// Package checkpoint saves and loads models and training runs as safetensors files, the
// format PyTorch and Hugging Face users exchange weights in. It builds on packages nn, optim
// and safetensors.
//
// # Models
//
// SaveModel writes a model's state dict (its parameters and buffers under PyTorch's dotted
// names) to a file PyTorch loads with safetensors.torch.load_file and load_state_dict;
// LoadModel loads such a file, written by PyTorch or by godl, into a model by name. Loading is
// strict or not, checks every name, shape and dtype against the file's header before it copies
// anything, reports every problem at once in an *nn.LoadError, and copies into the existing
// tensors, so that every parameter keeps its *autograd.Value (and an optimizer's state keyed
// by it stays valid). Float32 models load F16 and BF16 files.
//
// # Training runs
//
// Save writes a training checkpoint, one safetensors file with everything needed to resume a
// run exactly: the model; the optimizer's buffers and, in the metadata, its step counts and
// the settings of every parameter group; the scheduler's state; the state of every named
// random generator (the data order, the dropout masks); and the caller's own fields (the
// epoch, the best score so far). Load restores all of it into objects made as the saved ones
// were, and the run goes on as if it had never stopped: the parameters after further steps
// are bit for bit those of an uninterrupted run (TestResumeIsBitIdentical checks it).
//
// # Safety
//
// Every write is atomic: the file is written beside its destination, synced to the disk and
// renamed over it, so an interrupted save never leaves a broken checkpoint where a good one
// was. Files from outside are not trusted: a truncated, corrupt or mismatched file gives an
// error naming the problem, never a panic, and Load checks every part of a checkpoint against
// the objects before it changes any of them.
package checkpoint
