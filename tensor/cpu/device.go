package cpu

import (
	"fmt"
	"unsafe"
	"weak"

	"github.com/godl/godl/tensor/device"
)

// Device is the CPU, the reference backend (package tensor calls it tensor.CPU). It registers
// the device family "cpu" (one device, "cpu" or "cpu:0").
var Device device.Device = cpuDevice{}

func init() {
	device.Register("cpu", func(index int) (device.Device, error) {
		if index != 0 {
			return nil, fmt.Errorf("there is one cpu device, cpu:0, not cpu:%d", index)
		}
		return Device, nil
	})
}

type cpuDevice struct{}

// cpuBuffer holds a Go slice of n elements of dtype dt, cut from an allocation of its size
// class's capacity. The slice is kept as a pointer so that reading it back (cpuData) costs no
// allocation or type switch; the struct fits the 32-byte allocation class.
type cpuBuffer struct {
	ptr   unsafe.Pointer // the first element; keeps the allocation alive
	n     int
	self  weak.Pointer[cpuBuffer] // made once, the first time the buffer is pooled
	dt    device.DType
	class uint8 // the pool size class, whose capacity the allocation has
}

func (b *cpuBuffer) DType() device.DType { return b.dt }
func (b *cpuBuffer) Len() int            { return b.n }

// Data returns the Go slice behind a buffer of the CPU device, its Len elements, without
// copying: package tensor reads and writes CPU tensors through it. It panics if b is not a
// CPU buffer or T is not its dtype.
func Data[T device.Element](b device.Buffer) []T {
	cb, ok := b.(*cpuBuffer)
	if !ok {
		device.Panicf("tensor.cpu", "buffer %T does not belong to the cpu device", b)
	}
	return cpuData[T](cb)
}

// cpuData returns the slice behind a CPU buffer. It panics if T is not the buffer's dtype.
func cpuData[T device.Element](b device.Buffer) []T {
	cb := b.(*cpuBuffer)
	if device.DTypeOf[T]() != cb.dt {
		device.Panicf("tensor.cpu", "buffer of %v read as %v", cb.dt, device.DTypeOf[T]())
	}
	return unsafe.Slice((*T)(cb.ptr), cb.n)
}

func (cpuDevice) Name() string { return "cpu" }

func (cpuDevice) Alloc(dt device.DType, n int) device.Buffer {
	if n < 0 || !dt.Valid() {
		device.Panicf("tensor.Alloc", "cpu Alloc(%v, %d): invalid dtype or negative size", dt, n)
	}
	checkHostCapacity(dt, n)
	class, capacity := sizeClass(n)
	if b := cpuPoolGet(dt, class); b != nil {
		b.n = n
		return b
	}
	b := &cpuBuffer{dt: dt, n: n, class: uint8(class)}
	switch dt {
	case device.Float32:
		b.ptr = unsafe.Pointer(unsafe.SliceData(make([]float32, capacity)))
	case device.Float64:
		b.ptr = unsafe.Pointer(unsafe.SliceData(make([]float64, capacity)))
	case device.Int64:
		b.ptr = unsafe.Pointer(unsafe.SliceData(make([]int64, capacity)))
	}
	return b
}

func (cpuDevice) Free(buf device.Buffer) {
	cpuPoolPut(buf.(*cpuBuffer))
}

// checkHostCapacity panics with *Error when n elements of dt cannot fit in this machine's
// memory, instead of letting the runtime kill the process.
func checkHostCapacity(dt device.DType, n int) {
	limit := hostMemory()
	if size := int64(dt.Size()); int64(n) > limit/size {
		device.Panicf("tensor.Alloc", "%d %s elements (%s) exceed the %s of memory this machine has",
			n, dt, formatBytes(float64(n)*float64(size)), formatBytes(float64(limit)))
	}
}

// formatBytes prints a byte count with a binary unit: 4.0 TiB.
func formatBytes(b float64) string {
	const units = "KMGTPE"
	if b < 1024 {
		return fmt.Sprintf("%.0f B", b)
	}
	i := -1
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", b, units[i])
}

func (cpuDevice) Write(b device.Buffer, off int, src any) {
	switch s := src.(type) {
	case []float32:
		copy(cpuData[float32](b)[off:], s)
	case []float64:
		copy(cpuData[float64](b)[off:], s)
	case []int64:
		copy(cpuData[int64](b)[off:], s)
	default:
		device.Panicf("tensor.cpu", "Write of %T", src)
	}
}

func (cpuDevice) Read(b device.Buffer, off int, dst any) {
	switch d := dst.(type) {
	case []float32:
		copy(d, cpuData[float32](b)[off:])
	case []float64:
		copy(d, cpuData[float64](b)[off:])
	case []int64:
		copy(d, cpuData[int64](b)[off:])
	default:
		device.Panicf("tensor.cpu", "Read into %T", dst)
	}
}
