package device

// Option chooses the dtype or device of a new tensor, for package tensor's constructors
// (tensor.Zeros(shape, tensor.Float64, tensor.On(dev))): a DType is an Option, and so is
// On(dev). The set is closed.
type Option interface{ option() }

func (DType) option() {}

// OnDevice is the Option On returns: place the new tensor on Device.
type OnDevice struct{ Device Device }

func (OnDevice) option() {}

// On returns an Option that places a new tensor on device d.
func On(d Device) Option { return OnDevice{d} }
