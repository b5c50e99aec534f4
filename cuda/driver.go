//go:build cuda && cgo

package cuda

/*
#cgo LDFLAGS: -ldl
#include "driver.h"
*/
import "C"

import (
	"errors"
	"sync"
	"unsafe"

	"github.com/godl/godl/tensor/device"
)

// The symbols of the driver and cuBLAS, in the order of the F_ constants of driver.h. The
// versioned names (_v2) are the current entry points of functions whose first versions took
// 32-bit sizes.
var driverSymbols = []string{
	"cuInit", "cuDriverGetVersion", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetName",
	"cuDeviceGetAttribute", "cuDeviceTotalMem_v2", "cuDevicePrimaryCtxRetain", "cuCtxSetCurrent",
	"cuMemAlloc_v2", "cuMemFree_v2", "cuMemAllocHost_v2", "cuMemcpyHtoDAsync_v2",
	"cuMemcpyDtoHAsync_v2", "cuMemcpyDtoDAsync_v2", "cuMemsetD8Async", "cuStreamCreate",
	"cuStreamSynchronize", "cuEventCreate", "cuEventRecord", "cuEventQuery", "cuEventSynchronize",
	"cuModuleLoadData", "cuModuleGetFunction", "cuLaunchKernel", "cuGetErrorName",
	"cuGetErrorString", "cuMemGetInfo_v2",
}

var blasSymbols = []string{
	"cublasCreate_v2", "cublasSetStream_v2", "cublasSetMathMode", "cublasSgemmStridedBatched",
	"cublasDgemmStridedBatched", "cublasGetVersion_v2",
}

// driver is a loaded CUDA driver and cuBLAS: the function pointers every device of theirs
// calls through.
type driver struct {
	api     *C.godl_api
	libs    Libraries // the paths that loaded
	version int
}

var (
	driversMu sync.Mutex
	drivers   = map[Libraries]*driver{}
)

// loadDriver loads the libraries libs names (an empty field: the usual search) and
// initialises the driver, once per set of libraries.
func loadDriver(libs Libraries) (*driver, error) {
	driversMu.Lock()
	defer driversMu.Unlock()
	if d := drivers[libs]; d != nil {
		return d, nil
	}
	dlopen := func(path string) (unsafe.Pointer, error) {
		cp := C.CString(path)
		defer C.free(unsafe.Pointer(cp))
		var cerr *C.char
		h := C.godl_dlopen(cp, &cerr)
		if h == nil {
			return nil, errors.New(C.GoString(cerr))
		}
		return h, nil
	}
	d := &driver{api: C.godl_api_new()}
	dh, dpath, err := openFirst(driverLibrary, libs.Driver, dlopen)
	if err != nil {
		return nil, err
	}
	if err := d.bind(dh, dpath, driverSymbols, 0); err != nil {
		return nil, err
	}
	if r := C.godl_cuInit(d.api); r != 0 {
		return nil, d.err("cuda.Init", r, "initialising the driver loaded from "+dpath)
	}
	var v C.int
	if r := C.godl_cuDriverGetVersion(d.api, &v); r != 0 {
		return nil, d.err("cuda.DriverGetVersion", r, "")
	}
	d.version = int(v)
	bh, bpath, err := openFirst(blasLibrary, libs.BLAS, dlopen)
	if err != nil {
		return nil, err
	}
	if err := d.bind(bh, bpath, blasSymbols, int(C.F_NUM_DRIVER)); err != nil {
		return nil, err
	}
	d.libs = Libraries{Driver: dpath, BLAS: bpath}
	drivers[libs] = d
	return d, nil
}

// bind looks up names in the library at handle h (loaded from path) into the function
// pointers from index first on.
func (d *driver) bind(h unsafe.Pointer, path string, names []string, first int) error {
	for i, name := range names {
		cn := C.CString(name)
		f := C.godl_dlsym(h, cn)
		C.free(unsafe.Pointer(cn))
		if f == nil {
			return &device.Error{Op: "cuda.Open", Msg: path + " has no function " + name + " (a CUDA older than 11?)"}
		}
		C.godl_api_set(d.api, C.int(first+i), f)
	}
	return nil
}

// err returns the *tensor.Error of a driver call that returned r, named by the driver itself
// when it can, by the package's table otherwise.
func (d *driver) err(op string, r C.CUresult, detail string) *device.Error {
	name := cudaErrorName(int(r))
	if s := C.godl_cuGetErrorName(d.api, r); s != nil {
		name = C.GoString(s)
	}
	desc := ""
	if s := C.godl_cuGetErrorString(d.api, r); s != nil {
		desc = C.GoString(s)
	}
	return statusError(op, name, desc, detail)
}

// blasErr returns the *tensor.Error of a cuBLAS call that returned r.
func blasErr(op string, r C.cublasStatus_t, detail string) *device.Error {
	return statusError(op, cublasStatusName(int(r)), "", detail)
}
