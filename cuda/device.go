//go:build cuda && cgo

package cuda

/*
#include "driver.h"
*/
import "C"

import (
	"embed"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/godl/godl/tensor/device"
)

//go:embed kernels/*.ptx
var ptxFiles embed.FS

// Compiled reports whether CUDA support is compiled in: true in this build.
func Compiled() bool { return true }

// Device is an open CUDA device: one GPU, its primary context, one stream, a cuBLAS handle,
// the kernels loaded from the embedded PTX, a caching allocator and pinned staging memory.
// It implements device.Device and the optional device.Syncer, device.SoftmaxKernel,
// device.RNNCellKernel, device.OptimizerKernel and device.Transferer. It is safe for
// concurrent use (tensors freed by the garbage collector's cleanups arrive from other
// goroutines).
type Device struct {
	mu     sync.Mutex
	drv    *driver
	api    *C.godl_api
	ctx    C.CUcontext
	stream C.CUstream
	blas   C.cublasHandle_t
	funcs  map[string]C.CUfunction
	info   Info
	name   string

	alloc *allocator
	stage *stager

	flag     C.CUdeviceptr  // the kernels' error flag: 32 bytes of device memory
	flagHost unsafe.Pointer // its pinned host copy
	events   []C.CUevent    // the staging chunks' events, by the index the stager knows them by
	syncs    int            // synchronising calls so far, for tests
}

var (
	_ device.Device          = (*Device)(nil)
	_ device.Syncer          = (*Device)(nil)
	_ device.SoftmaxKernel   = (*Device)(nil)
	_ device.RNNCellKernel   = (*Device)(nil)
	_ device.OptimizerKernel = (*Device)(nil)
	_ device.Transferer      = (*Device)(nil)
)

var (
	openMu sync.Mutex
	opened = map[Libraries]map[int]*Device{}
)

// Open opens CUDA device index (cuda:index) with the usual library search (see the package
// documentation); tensor.GetDevice("cuda:1") calls it. Opening the same device again returns
// the same Device. The error names the CUDA status and the operation that failed, or lists
// the library paths tried.
func Open(index int) (device.Device, error) { return OpenLibraries(Libraries{}, index) }

// OpenLibraries opens CUDA device index with the driver and cuBLAS at the given paths (an
// empty path: the usual search).
func OpenLibraries(libs Libraries, index int) (device.Device, error) {
	openMu.Lock()
	defer openMu.Unlock()
	if d := opened[libs][index]; d != nil {
		return d, nil
	}
	drv, err := loadDriver(libs)
	if err != nil {
		return nil, err
	}
	d, err := openDevice(drv, index)
	if err != nil {
		return nil, err
	}
	if opened[libs] == nil {
		opened[libs] = map[int]*Device{}
	}
	opened[libs][index] = d
	return d, nil
}

func openDevice(drv *driver, index int) (*Device, error) {
	a := drv.api
	var count C.int
	if r := C.godl_cuDeviceGetCount(a, &count); r != 0 {
		return nil, drv.err("cuda.DeviceGetCount", r, "")
	}
	if index < 0 || index >= int(count) {
		return nil, statusError("cuda.Open", cudaErrorName(cudaErrInvalidDevice), "",
			fmt.Sprintf("cuda:%d: the machine has %d CUDA devices", index, int(count)))
	}
	var dev C.CUdevice
	if r := C.godl_cuDeviceGet(a, &dev, C.int(index)); r != 0 {
		return nil, drv.err("cuda.DeviceGet", r, "")
	}
	d := &Device{drv: drv, api: a, name: fmt.Sprintf("cuda:%d", index), funcs: map[string]C.CUfunction{}}
	var nameBuf [256]C.char
	if r := C.godl_cuDeviceGetName(a, &nameBuf[0], C.int(len(nameBuf)), dev); r != 0 {
		return nil, drv.err("cuda.DeviceGetName", r, "")
	}
	var sms, major, minor C.int
	var total C.size_t
	for _, q := range []struct {
		v    *C.int
		attr C.int
	}{{&sms, C.GODL_CU_ATTR_MULTIPROCESSOR_COUNT}, {&major, C.GODL_CU_ATTR_CC_MAJOR}, {&minor, C.GODL_CU_ATTR_CC_MINOR}} {
		if r := C.godl_cuDeviceGetAttribute(a, q.v, q.attr, dev); r != 0 {
			return nil, drv.err("cuda.DeviceGetAttribute", r, "")
		}
	}
	if r := C.godl_cuDeviceTotalMem(a, &total, dev); r != 0 {
		return nil, drv.err("cuda.DeviceTotalMem", r, "")
	}
	d.info = Info{Name: C.GoString(&nameBuf[0]), Index: index, ComputeCapability: [2]int{int(major), int(minor)},
		Multiprocessors: int(sms), TotalMemory: int64(total), DriverVersion: drv.version, Libraries: drv.libs}
	if int(major) < 8 {
		return nil, &device.Error{Op: "cuda.Open", Msg: fmt.Sprintf("%s: %s has compute capability %d.%d; godl's kernels need 8.0 or later",
			d.name, d.info.Name, int(major), int(minor))}
	}
	if r := C.godl_cuDevicePrimaryCtxRetain(a, &d.ctx, dev); r != 0 {
		return nil, drv.err("cuda.DevicePrimaryCtxRetain", r, "")
	}
	if r := C.godl_cuStreamCreate(a, d.ctx, &d.stream); r != 0 {
		return nil, drv.err("cuda.StreamCreate", r, "")
	}
	if err := d.loadKernels(); err != nil {
		return nil, err
	}
	if r := C.godl_cublasCreate(a, d.ctx, &d.blas, d.stream); r != 0 {
		return nil, blasErr("cuda.cublasCreate", r, "")
	}
	if r := C.godl_cuMemAlloc(a, d.ctx, &d.flag, 32); r != 0 {
		return nil, drv.err("cuda.MemAlloc", r, "allocating the error flag")
	}
	if r := C.godl_memsetAsync(a, d.ctx, d.flag, 32, d.stream); r != 0 {
		return nil, drv.err("cuda.MemsetAsync", r, "")
	}
	if r := C.godl_cuMemAllocHost(a, d.ctx, &d.flagHost, 32); r != 0 {
		return nil, drv.err("cuda.MemAllocHost", r, "")
	}
	d.alloc = newAllocator(deviceMem{d})
	d.stage = newStager(pinnedStaging{d}, stagingChunk, stagingChunks)
	return d, nil
}

var entryRE = regexp.MustCompile(`(?m)^\.visible \.entry (\w+)\(`)

// loadKernels loads every embedded PTX module and looks up each kernel of kernelTable.
func (d *Device) loadKernels() error {
	files, err := ptxFiles.ReadDir("kernels")
	if err != nil {
		return &device.Error{Op: "cuda.Open", Msg: "reading the embedded PTX: " + err.Error()}
	}
	table := kernelTable()
	for _, f := range files {
		src, err := ptxFiles.ReadFile("kernels/" + f.Name())
		if err != nil {
			return &device.Error{Op: "cuda.Open", Msg: "reading the embedded PTX: " + err.Error()}
		}
		img := C.CString(string(src))
		var mod C.CUmodule
		r := C.godl_cuModuleLoadData(d.api, d.ctx, &mod, unsafe.Pointer(img))
		C.free(unsafe.Pointer(img))
		if r != 0 {
			return d.drv.err("cuda.ModuleLoadData", r, "loading kernels/"+f.Name())
		}
		for _, m := range entryRE.FindAllStringSubmatch(string(src), -1) {
			name := m[1]
			if _, ok := table[name]; !ok {
				continue
			}
			cn := C.CString(name)
			var fn C.CUfunction
			r := C.godl_cuModuleGetFunction(d.api, d.ctx, &fn, mod, cn)
			C.free(unsafe.Pointer(cn))
			if r != 0 {
				return d.drv.err("cuda.ModuleGetFunction", r, name)
			}
			d.funcs[name] = fn
		}
	}
	var missing []string
	for name := range table {
		if d.funcs[name] == nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return &device.Error{Op: "cuda.Open", Msg: "kernels missing from the embedded PTX: " + strings.Join(missing, ", ")}
	}
	return nil
}

// Name returns "cuda:n".
func (d *Device) Name() string { return d.name }

// String returns the device's name and GPU, for messages.
func (d *Device) String() string { return d.name + " (" + d.info.Name + ")" }

// check panics with the *tensor.Error of a driver call that failed.
func (d *Device) check(op string, r C.CUresult, detail string) {
	if r != 0 {
		raise(op, d.drv.err(op, r, detail))
	}
}

// ---- memory ------------------------------------------------------------------------------

// buffer is a block of device memory holding n elements of dtype dt.
type buffer struct {
	dev   *Device
	ptr   uint64 // the device address of element 0 (0 for an empty buffer)
	n     int
	dt    device.DType
	blk   block
	freed bool
}

func (b *buffer) DType() device.DType { return b.dt }
func (b *buffer) Len() int            { return b.n }

// deviceMem is the allocator's memBackend: cuMemAlloc and cuMemFree of the device's context.
type deviceMem struct{ d *Device }

func (m deviceMem) malloc(bytes int) (uint64, error) {
	var p C.CUdeviceptr
	r := C.godl_cuMemAlloc(m.d.api, m.d.ctx, &p, C.size_t(bytes))
	if r == cudaErrOutOfMemory {
		return 0, outOfMemory{m.d.drv.err("cuda.MemAlloc", r, "allocating "+formatBytes(int64(bytes)))}
	}
	if r != 0 {
		return 0, m.d.drv.err("cuda.MemAlloc", r, "allocating "+formatBytes(int64(bytes)))
	}
	return uint64(p), nil
}

func (m deviceMem) free(p uint64) error {
	if r := C.godl_cuMemFree(m.d.api, m.d.ctx, C.CUdeviceptr(p)); r != 0 {
		return m.d.drv.err("cuda.MemFree", r, "")
	}
	return nil
}

func (m deviceMem) drain() error {
	if r := C.godl_cuStreamSynchronize(m.d.api, m.d.ctx, m.d.stream); r != 0 {
		return m.d.drv.err("cuda.StreamSynchronize", r, "")
	}
	return nil
}

// pinnedStaging is the stager's backend: pinned host memory and events of the device (which
// the stager knows by their index in d.events).
type pinnedStaging struct{ d *Device }

func (s pinnedStaging) allocPinned(bytes int) (unsafe.Pointer, error) {
	var p unsafe.Pointer
	if r := C.godl_cuMemAllocHost(s.d.api, s.d.ctx, &p, C.size_t(bytes)); r != 0 {
		return nil, s.d.drv.err("cuda.MemAllocHost", r, "allocating "+formatBytes(int64(bytes))+" of pinned staging memory")
	}
	return p, nil
}

func (s pinnedStaging) newEvent() (uintptr, error) {
	var e C.CUevent
	if r := C.godl_cuEventCreate(s.d.api, s.d.ctx, &e); r != 0 {
		return 0, s.d.drv.err("cuda.EventCreate", r, "")
	}
	s.d.events = append(s.d.events, e)
	return uintptr(len(s.d.events) - 1), nil
}

func (s pinnedStaging) record(ev uintptr) error {
	if r := C.godl_cuEventRecord(s.d.api, s.d.ctx, s.d.events[ev], s.d.stream); r != 0 {
		return s.d.drv.err("cuda.EventRecord", r, "")
	}
	return nil
}

func (s pinnedStaging) done(ev uintptr) (bool, error) {
	switch r := C.godl_cuEventQuery(s.d.api, s.d.ctx, s.d.events[ev]); r {
	case 0:
		return true, nil
	case cudaErrNotReady:
		return false, nil
	default:
		return false, s.d.drv.err("cuda.EventQuery", r, "")
	}
}

func (s pinnedStaging) wait(ev uintptr) error {
	if r := C.godl_cuEventSynchronize(s.d.api, s.d.ctx, s.d.events[ev]); r != 0 {
		return s.d.drv.err("cuda.EventSynchronize", r, "")
	}
	return nil
}

// Alloc returns a buffer of n elements from the caching allocator. It panics with a
// *tensor.Error naming the CUDA status when the device is out of memory even after giving
// its cache back.
func (d *Device) Alloc(dt device.DType, n int) device.Buffer {
	if n < 0 || !dt.Valid() {
		device.Panicf("tensor.Alloc", "%s Alloc(%v, %d): invalid dtype or negative size", d.name, dt, n)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	blk, err := d.alloc.alloc(n * dt.Size())
	if err != nil {
		var e *device.Error
		if !errors.As(err, &e) {
			raise("cuda.MemAlloc", err)
		}
		panic(&device.Error{Op: e.Op, Msg: fmt.Sprintf("%s for %d %s elements on %s (%s in use, %s cached)", e.Msg, n, dt, d,
			formatBytes(d.alloc.stats.InUse), formatBytes(d.alloc.stats.Cached))})
	}
	return &buffer{dev: d, ptr: blk.ptr, n: n, dt: dt, blk: blk}
}

// Free gives a buffer back to the cache. Kernels queued before that still use it run first:
// see the package documentation.
func (d *Device) Free(b device.Buffer) {
	cb := d.buf("tensor.Free", b)
	d.mu.Lock()
	defer d.mu.Unlock()
	cb.freed = true
	d.alloc.put(cb.blk)
}

// buf returns b as a live buffer of d.
func (d *Device) buf(op string, b device.Buffer) *buffer {
	cb, ok := b.(*buffer)
	if !ok || cb.dev != d {
		device.Panicf(op, "buffer %T does not belong to %s", b, d.name)
	}
	if cb.freed {
		device.Panicf(op, "use of a freed buffer of %s", d.name)
	}
	return cb
}

// hostBytes returns the bytes of a []float32, []float64 or []int64 that matches dt.
func hostBytes(op string, dt device.DType, s any) []byte {
	var p unsafe.Pointer
	var n int
	switch v := s.(type) {
	case []float32:
		p, n = unsafe.Pointer(unsafe.SliceData(v)), len(v)*4
		if dt != device.Float32 {
			device.Panicf(op, "a []float32 for a buffer of %s", dt)
		}
	case []float64:
		p, n = unsafe.Pointer(unsafe.SliceData(v)), len(v)*8
		if dt != device.Float64 {
			device.Panicf(op, "a []float64 for a buffer of %s", dt)
		}
	case []int64:
		p, n = unsafe.Pointer(unsafe.SliceData(v)), len(v)*8
		if dt != device.Int64 {
			device.Panicf(op, "a []int64 for a buffer of %s", dt)
		}
	default:
		device.Panicf(op, "host data of type %T", s)
	}
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(p), n)
}

// Write copies src into b from element off on: through pinned staging memory, queued on the
// stream, so it returns without waiting for the kernels before it.
func (d *Device) Write(b device.Buffer, off int, src any) {
	cb := d.buf("tensor.Write", b)
	data := hostBytes("tensor.Write", cb.dt, src)
	if off < 0 || off*cb.dt.Size()+len(data) > cb.n*cb.dt.Size() {
		device.Panicf("tensor.Write", "%d elements at %d past the end of a buffer of %d", len(data)/cb.dt.Size(), off, cb.n)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	dst := cb.ptr + uint64(off*cb.dt.Size())
	for len(data) > 0 {
		n := min(len(data), stagingChunk)
		p, err := d.stage.reserve(n)
		if err != nil {
			raise("cuda.Write", err)
		}
		copy(unsafe.Slice((*byte)(p), n), data[:n])
		d.check("cuda.MemcpyHtoDAsync", C.godl_htod(d.api, d.ctx, C.CUdeviceptr(dst), p, C.size_t(n), d.stream), "")
		data, dst = data[n:], dst+uint64(n)
	}
}

// Read waits for the queued work and copies elements of b from off on into dst. It panics with
// the error of a kernel that found bad data since the last synchronising call.
func (d *Device) Read(b device.Buffer, off int, dst any) {
	cb := d.buf("tensor.Read", b)
	data := hostBytes("tensor.Read", cb.dt, dst)
	if off < 0 || off*cb.dt.Size()+len(data) > cb.n*cb.dt.Size() {
		device.Panicf("tensor.Read", "%d elements at %d past the end of a buffer of %d", len(data)/cb.dt.Size(), off, cb.n)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	d.sync(p, cb.ptr+uint64(off*cb.dt.Size()), len(data))
}

// Sync waits until everything queued has run, and panics with the error of a kernel that
// found bad data since the last synchronising call.
func (d *Device) Sync() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sync(nil, 0, 0)
}

// sync synchronises the stream, copying n bytes from src to dst on the way, and reports the
// kernels' error flag. The caller holds d.mu.
func (d *Device) sync(dst unsafe.Pointer, src uint64, n int) {
	d.syncs++
	d.check("cuda.StreamSynchronize", C.godl_sync(d.api, d.ctx, d.stream, d.flag, d.flagHost, dst, C.CUdeviceptr(src), C.size_t(n)), "")
	f := (*[4]int64)(d.flagHost)
	if code := f[0]; code != 0 {
		value, limit := f[1], f[2]
		*f = [4]int64{}
		e := flagError(code, value, limit)
		panic(&device.Error{Op: e.Op, Msg: e.Msg})
	}
}

// Transfer copies between buffers of CUDA devices of the same driver on one GPU, device to
// device on the stream; it declines other pairs, which tensor.To stages through the host.
func (d *Device) Transfer(dst device.Buffer, dstOff int, from device.Device, src device.Buffer, srcOff, n int) bool {
	fd, ok := from.(*Device)
	if !ok || fd != d {
		return false
	}
	db, sb := d.buf("tensor.To", dst), d.buf("tensor.To", src)
	size := db.dt.Size()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.check("cuda.MemcpyDtoDAsync", C.godl_dtod(d.api, d.ctx, C.CUdeviceptr(db.ptr+uint64(dstOff*size)),
		C.CUdeviceptr(sb.ptr+uint64(srcOff*size)), C.size_t(n*size), d.stream), "")
	return true
}

// temp allocates a buffer for the duration of one operation; the caller frees it after
// queuing its last use (stream order keeps that safe). The caller holds d.mu.
func (d *Device) temp(dt device.DType, n int) *buffer {
	blk, err := d.alloc.alloc(n * dt.Size())
	if err != nil {
		raise("cuda.MemAlloc", err)
	}
	return &buffer{dev: d, ptr: blk.ptr, n: n, dt: dt, blk: blk}
}

func (d *Device) freeTemp(b *buffer) { d.alloc.put(b.blk) }

// launch queues kernel name over l with the argument struct w. The caller holds d.mu.
func (d *Device) launch(name string, l launch, w argWords) {
	if l.grid == 0 {
		return
	}
	f := d.funcs[name]
	if f == nil {
		device.Panicf("cuda.LaunchKernel", "no kernel %s", name)
	}
	d.check("cuda.LaunchKernel", C.godl_launch(d.api, d.ctx, f, C.uint(l.grid), C.uint(l.block), d.stream, unsafe.Pointer(&w[0])), name)
}

// MemoryStats returns the counters of a CUDA device's caching allocator; ok is false for
// other devices.
func MemoryStats(dev device.Device) (s MemStats, ok bool) {
	d, ok := dev.(*Device)
	if !ok {
		return MemStats{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.alloc.stats, true
}

// EmptyCache waits for a CUDA device's stream and gives its cached device memory back to the
// driver; it reports false for other devices. It panics with a *tensor.Error if the driver
// fails.
func EmptyCache(dev device.Device) bool {
	d, ok := dev.(*Device)
	if !ok {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.alloc.release(); err != nil {
		raise("cuda.EmptyCache", err)
	}
	return true
}

// DeviceInfo describes a CUDA device; ok is false for other devices.
func DeviceInfo(dev device.Device) (i Info, ok bool) {
	d, ok := dev.(*Device)
	if !ok {
		return Info{}, false
	}
	return d.info, true
}
