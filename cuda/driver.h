// driver.h: the parts of the CUDA driver API and of cuBLAS that the backend calls, declared
// here so that no CUDA header or toolkit is needed to build it. The libraries are loaded with
// dlopen at run time (driver.go) and every function is called through a pointer found with
// dlsym, by the small functions below. The types and constants are those of cuda.h and
// cublas_api.h (CUDA 11 and later; the _v2 entry points are the current ones).
#ifndef GODL_CUDA_DRIVER_H
#define GODL_CUDA_DRIVER_H

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef void *CUcontext;
typedef void *CUstream;
typedef void *CUmodule;
typedef void *CUfunction;
typedef void *CUevent;
typedef int cublasStatus_t;
typedef void *cublasHandle_t;

enum {
	GODL_CU_STREAM_NON_BLOCKING = 1,
	GODL_CU_EVENT_DISABLE_TIMING = 2,
	GODL_CU_ATTR_MULTIPROCESSOR_COUNT = 16,
	GODL_CU_ATTR_CC_MAJOR = 75,
	GODL_CU_ATTR_CC_MINOR = 76,
	GODL_CUBLAS_OP_N = 0,
	GODL_CUBLAS_OP_T = 1,
	GODL_CUBLAS_DEFAULT_MATH = 0,
};

// The functions, in the order of godl_symbols in driver.go.
enum {
	F_cuInit,
	F_cuDriverGetVersion,
	F_cuDeviceGetCount,
	F_cuDeviceGet,
	F_cuDeviceGetName,
	F_cuDeviceGetAttribute,
	F_cuDeviceTotalMem,
	F_cuDevicePrimaryCtxRetain,
	F_cuCtxSetCurrent,
	F_cuMemAlloc,
	F_cuMemFree,
	F_cuMemAllocHost,
	F_cuMemcpyHtoDAsync,
	F_cuMemcpyDtoHAsync,
	F_cuMemcpyDtoDAsync,
	F_cuMemsetD8Async,
	F_cuStreamCreate,
	F_cuStreamSynchronize,
	F_cuEventCreate,
	F_cuEventRecord,
	F_cuEventQuery,
	F_cuEventSynchronize,
	F_cuModuleLoadData,
	F_cuModuleGetFunction,
	F_cuLaunchKernel,
	F_cuGetErrorName,
	F_cuGetErrorString,
	F_cuMemGetInfo,
	F_NUM_DRIVER,
	F_cublasCreate = F_NUM_DRIVER,
	F_cublasSetStream,
	F_cublasSetMathMode,
	F_cublasSgemmStridedBatched,
	F_cublasDgemmStridedBatched,
	F_cublasGetVersion,
	F_NUM,
};

// godl_api holds the function pointers of one loaded driver and cuBLAS.
typedef struct {
	void *fn[F_NUM];
} godl_api;

static inline godl_api *godl_api_new(void) { return (godl_api *)calloc(1, sizeof(godl_api)); }
static inline void godl_api_set(godl_api *a, int i, void *f) { a->fn[i] = f; }

static inline void *godl_dlopen(const char *path, char **err) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	*err = h ? NULL : dlerror();
	return h;
}
static inline void *godl_dlsym(void *h, const char *name) { return dlsym(h, name); }

#define CALL(i, type) ((type)a->fn[i])

// ---- plain calls -------------------------------------------------------------------------

static inline CUresult godl_cuInit(godl_api *a) { return CALL(F_cuInit, CUresult (*)(unsigned))(0); }
static inline CUresult godl_cuDriverGetVersion(godl_api *a, int *v) {
	return CALL(F_cuDriverGetVersion, CUresult (*)(int *))(v);
}
static inline CUresult godl_cuDeviceGetCount(godl_api *a, int *n) {
	return CALL(F_cuDeviceGetCount, CUresult (*)(int *))(n);
}
static inline CUresult godl_cuDeviceGet(godl_api *a, CUdevice *d, int i) {
	return CALL(F_cuDeviceGet, CUresult (*)(CUdevice *, int))(d, i);
}
static inline CUresult godl_cuDeviceGetName(godl_api *a, char *name, int len, CUdevice d) {
	return CALL(F_cuDeviceGetName, CUresult (*)(char *, int, CUdevice))(name, len, d);
}
static inline CUresult godl_cuDeviceGetAttribute(godl_api *a, int *v, int attr, CUdevice d) {
	return CALL(F_cuDeviceGetAttribute, CUresult (*)(int *, int, CUdevice))(v, attr, d);
}
static inline CUresult godl_cuDeviceTotalMem(godl_api *a, size_t *b, CUdevice d) {
	return CALL(F_cuDeviceTotalMem, CUresult (*)(size_t *, CUdevice))(b, d);
}
static inline CUresult godl_cuDevicePrimaryCtxRetain(godl_api *a, CUcontext *c, CUdevice d) {
	return CALL(F_cuDevicePrimaryCtxRetain, CUresult (*)(CUcontext *, CUdevice))(c, d);
}
static inline CUresult godl_cuCtxSetCurrent(godl_api *a, CUcontext c) {
	return CALL(F_cuCtxSetCurrent, CUresult (*)(CUcontext))(c);
}
static inline const char *godl_cuGetErrorName(godl_api *a, CUresult r) {
	const char *s = NULL;
	if (!a->fn[F_cuGetErrorName] || CALL(F_cuGetErrorName, CUresult (*)(CUresult, const char **))(r, &s) != 0) return NULL;
	return s;
}
static inline const char *godl_cuGetErrorString(godl_api *a, CUresult r) {
	const char *s = NULL;
	if (!a->fn[F_cuGetErrorString] || CALL(F_cuGetErrorString, CUresult (*)(CUresult, const char **))(r, &s) != 0) return NULL;
	return s;
}

// ---- calls in a context ------------------------------------------------------------------
// Go moves goroutines between OS threads, and a CUDA context is current per thread, so every
// call that needs the context makes it current first (a cheap, thread-local store).

#define IN_CTX(c)                                                       \
	do {                                                            \
		CUresult r_ = CALL(F_cuCtxSetCurrent, CUresult (*)(CUcontext))(c); \
		if (r_) return r_;                                      \
	} while (0)

static inline CUresult godl_cuMemGetInfo(godl_api *a, CUcontext c, size_t *free_, size_t *total) {
	IN_CTX(c);
	return CALL(F_cuMemGetInfo, CUresult (*)(size_t *, size_t *))(free_, total);
}
static inline CUresult godl_cuMemAlloc(godl_api *a, CUcontext c, CUdeviceptr *p, size_t n) {
	IN_CTX(c);
	return CALL(F_cuMemAlloc, CUresult (*)(CUdeviceptr *, size_t))(p, n);
}
static inline CUresult godl_cuMemFree(godl_api *a, CUcontext c, CUdeviceptr p) {
	IN_CTX(c);
	return CALL(F_cuMemFree, CUresult (*)(CUdeviceptr))(p);
}
static inline CUresult godl_cuMemAllocHost(godl_api *a, CUcontext c, void **p, size_t n) {
	IN_CTX(c);
	return CALL(F_cuMemAllocHost, CUresult (*)(void **, size_t))(p, n);
}
static inline CUresult godl_cuStreamCreate(godl_api *a, CUcontext c, CUstream *s) {
	IN_CTX(c);
	return CALL(F_cuStreamCreate, CUresult (*)(CUstream *, unsigned))(s, GODL_CU_STREAM_NON_BLOCKING);
}
static inline CUresult godl_cuStreamSynchronize(godl_api *a, CUcontext c, CUstream s) {
	IN_CTX(c);
	return CALL(F_cuStreamSynchronize, CUresult (*)(CUstream))(s);
}
static inline CUresult godl_cuEventCreate(godl_api *a, CUcontext c, CUevent *e) {
	IN_CTX(c);
	return CALL(F_cuEventCreate, CUresult (*)(CUevent *, unsigned))(e, GODL_CU_EVENT_DISABLE_TIMING);
}
static inline CUresult godl_cuEventRecord(godl_api *a, CUcontext c, CUevent e, CUstream s) {
	IN_CTX(c);
	return CALL(F_cuEventRecord, CUresult (*)(CUevent, CUstream))(e, s);
}
static inline CUresult godl_cuEventQuery(godl_api *a, CUcontext c, CUevent e) {
	IN_CTX(c);
	return CALL(F_cuEventQuery, CUresult (*)(CUevent))(e);
}
static inline CUresult godl_cuEventSynchronize(godl_api *a, CUcontext c, CUevent e) {
	IN_CTX(c);
	return CALL(F_cuEventSynchronize, CUresult (*)(CUevent))(e);
}
static inline CUresult godl_cuModuleLoadData(godl_api *a, CUcontext c, CUmodule *m, const void *image) {
	IN_CTX(c);
	return CALL(F_cuModuleLoadData, CUresult (*)(CUmodule *, const void *))(m, image);
}
static inline CUresult godl_cuModuleGetFunction(godl_api *a, CUcontext c, CUfunction *f, CUmodule m, const char *name) {
	IN_CTX(c);
	return CALL(F_cuModuleGetFunction, CUresult (*)(CUfunction *, CUmodule, const char *))(f, m, name);
}
static inline CUresult godl_memsetAsync(godl_api *a, CUcontext c, CUdeviceptr p, size_t n, CUstream s) {
	IN_CTX(c);
	return CALL(F_cuMemsetD8Async, CUresult (*)(CUdeviceptr, unsigned char, size_t, CUstream))(p, 0, n, s);
}

// godl_launch queues kernel f with its one argument struct, which the driver copies.
static inline CUresult godl_launch(godl_api *a, CUcontext c, CUfunction f, unsigned grid, unsigned block, CUstream s, void *args) {
	IN_CTX(c);
	void *params[1] = {args};
	return CALL(F_cuLaunchKernel, CUresult (*)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
						  unsigned, unsigned, CUstream, void **, void **))(
		f, grid, 1, 1, block, 1, 1, 0, s, params, NULL);
}

// godl_htod queues a copy from pinned host memory to the device.
static inline CUresult godl_htod(godl_api *a, CUcontext c, CUdeviceptr dst, const void *src, size_t n, CUstream s) {
	IN_CTX(c);
	return CALL(F_cuMemcpyHtoDAsync, CUresult (*)(CUdeviceptr, const void *, size_t, CUstream))(dst, src, n, s);
}

// godl_dtod queues a copy between device buffers.
static inline CUresult godl_dtod(godl_api *a, CUcontext c, CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s) {
	IN_CTX(c);
	return CALL(F_cuMemcpyDtoDAsync, CUresult (*)(CUdeviceptr, CUdeviceptr, size_t, CUstream))(dst, src, n, s);
}

// godl_sync waits for the stream, and reads and clears the kernels' error flag (flag, 32
// bytes of device memory) into flag_host (pinned) on the way. With n > 0 it also copies n
// bytes from src to dst, host memory that the call holds only until it returns: the copy is
// finished when the stream has synchronised.
static inline CUresult godl_sync(godl_api *a, CUcontext c, CUstream s, CUdeviceptr flag, void *flag_host,
				 void *dst, CUdeviceptr src, size_t n) {
	IN_CTX(c);
	typedef CUresult (*dtoh_t)(void *, CUdeviceptr, size_t, CUstream);
	CUresult r = CALL(F_cuMemcpyDtoHAsync, dtoh_t)(flag_host, flag, 32, s);
	if (r) return r;
	r = CALL(F_cuMemsetD8Async, CUresult (*)(CUdeviceptr, unsigned char, size_t, CUstream))(flag, 0, 32, s);
	if (r) return r;
	if (n > 0) {
		r = CALL(F_cuMemcpyDtoHAsync, dtoh_t)(dst, src, n, s);
		if (r) return r;
	}
	return CALL(F_cuStreamSynchronize, CUresult (*)(CUstream))(s);
}

// ---- cuBLAS ------------------------------------------------------------------------------

static inline cublasStatus_t godl_cublasCreate(godl_api *a, CUcontext c, cublasHandle_t *h, CUstream s) {
	IN_CTX(c);
	cublasStatus_t r = CALL(F_cublasCreate, cublasStatus_t (*)(cublasHandle_t *))(h);
	if (r) return r;
	r = CALL(F_cublasSetStream, cublasStatus_t (*)(cublasHandle_t, CUstream))(*h, s);
	if (r) return r;
	return CALL(F_cublasSetMathMode, cublasStatus_t (*)(cublasHandle_t, int))(*h, GODL_CUBLAS_DEFAULT_MATH);
}

static inline cublasStatus_t godl_cublasGetVersion(godl_api *a, CUcontext c, cublasHandle_t h, int *v) {
	IN_CTX(c);
	return CALL(F_cublasGetVersion, cublasStatus_t (*)(cublasHandle_t, int *))(h, v);
}

// godl_gemm is C = op(A)·op(B) for count matrices at the given strides (in elements), in
// float32 (f64 = 0) or float64, with alpha = 1 and beta = 0. The pointers are device
// addresses.
static inline cublasStatus_t godl_gemm(godl_api *a, CUcontext c, cublasHandle_t h, int f64, int ta, int tb, int m, int n,
				       int k, CUdeviceptr A, int lda, long long sa, CUdeviceptr B, int ldb, long long sb,
				       CUdeviceptr C, int ldc, long long sc, int count) {
	IN_CTX(c);
	int opa = ta ? GODL_CUBLAS_OP_T : GODL_CUBLAS_OP_N, opb = tb ? GODL_CUBLAS_OP_T : GODL_CUBLAS_OP_N;
	if (f64) {
		double one = 1, zero = 0;
		return CALL(F_cublasDgemmStridedBatched,
			    cublasStatus_t (*)(cublasHandle_t, int, int, int, int, int, const double *, const double *, int,
					       long long, const double *, int, long long, const double *, double *, int,
					       long long, int))(h, opa, opb, m, n, k, &one, (const double *)A, lda, sa,
								(const double *)B, ldb, sb, &zero, (double *)C, ldc, sc,
								count);
	}
	float one = 1, zero = 0;
	return CALL(F_cublasSgemmStridedBatched,
		    cublasStatus_t (*)(cublasHandle_t, int, int, int, int, int, const float *, const float *, int,
				       long long, const float *, int, long long, const float *, float *, int, long long,
				       int))(h, opa, opb, m, n, k, &one, (const float *)A, lda, sa, (const float *)B, ldb,
					     sb, &zero, (float *)C, ldc, sc, count);
}

#undef IN_CTX
#undef CALL
#endif
