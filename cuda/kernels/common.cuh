// common.cuh: what every kernel source of godl's CUDA backend shares. The sources compile two
// ways, and this header hides the difference:
//
//   - for the GPU, by clang's NVPTX back end, with no CUDA toolkit and no CUDA headers
//     (clang -x cuda --cuda-device-only -nocudainc -nocudalib); build.sh does it;
//   - for the host, as plain C++ with GODL_EMU defined, linked into the emulated driver of
//     ../emu, which runs each kernel's threads as fibers, so that the Go tests run every
//     kernel without a GPU.
//
// Kernels take exactly one parameter, a struct of 8-byte fields (pointers as u64, integers as
// i64, floats as double) that the Go side packs word by word in the same order (args.go).
// A kernel is defined with KERNEL(name, Args) { body }, or KERNEL_SYNC when its threads wait
// for each other with SYNC() (the emulator runs only those as cooperating fibers).
#pragma once

typedef long long i64;
typedef unsigned long long u64;
typedef unsigned int u32;

#ifdef GODL_EMU
#include "../emu/emu.h"
#define DEV static inline
#define DEVFN __attribute__((unused)) static
#define DEVCONST static const
#define SHARED static thread_local
#define SYNC() godl_emu::syncthreads()
#define GODL_KERNEL(name, Args, sync)                                                      \
  static void name(const Args &a);                                                         \
  static const godl_emu::Registrar name##_registrar(                                       \
      #name, sizeof(Args), sync, [](const void *p) { name(*static_cast<const Args *>(p)); }); \
  static void name(const Args &a)
#define KERNEL(name, Args) GODL_KERNEL(name, Args, false)
#define KERNEL_SYNC(name, Args) GODL_KERNEL(name, Args, true)
DEV float atomic_add(float *p, float v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
DEV double atomic_add(double *p, double v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
DEV i64 atomic_add(i64 *p, i64 v) {
  return (i64)__atomic_fetch_add((u64 *)p, (u64)v, __ATOMIC_RELAXED);
}
DEV i64 atomic_cas(i64 *p, i64 cmp, i64 v) {
  __atomic_compare_exchange_n(p, &cmp, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return cmp;
}
DEV u64 mulhi64(u64 a, u64 b) { return (u64)(((unsigned __int128)a * b) >> 64); }
DEV u32 mulhi32(u32 a, u32 b) { return (u32)(((u64)a * b) >> 32); }
#else
#include "__clang_cuda_builtin_vars.h"
#define DEV __attribute__((device)) static inline
// DEVFN marks the large math functions: called, not inlined at every use, so that a kernel
// that switches over many ops stays small and the driver's JIT stays quick.
#define DEVFN __attribute__((device, noinline, unused)) static
#define DEVCONST __attribute__((device)) static const
#define SHARED __attribute__((shared))
#define SYNC() __syncthreads()
#define KERNEL(name, Args) extern "C" __attribute__((global)) void name(const Args a)
#define KERNEL_SYNC(name, Args) KERNEL(name, Args)
DEV float atomic_add(float *p, float v) { return __nvvm_atom_add_gen_f(p, v); }
DEV double atomic_add(double *p, double v) { return __nvvm_atom_add_gen_d(p, v); }
DEV i64 atomic_add(i64 *p, i64 v) { return __nvvm_atom_add_gen_ll(p, v); }
DEV i64 atomic_cas(i64 *p, i64 cmp, i64 v) { return __nvvm_atom_cas_gen_ll(p, cmp, v); }
DEV u64 mulhi64(u64 a, u64 b) { return __nvvm_mulhi_ull(a, b); }
DEV u32 mulhi32(u32 a, u32 b) { return __nvvm_mulhi_ui(a, b); }
#endif

// Blocks have at most this many threads (a power of two); launch.go agrees.
#define MAX_BLOCK 256

// ---------------------------------------------------------------------------------------
// Iteration spaces.

// MAXD is the most dimensions a descriptor holds after coalescing; layout.go splits the
// outer dimensions of a larger space over several launches.
#define MAXD 8
#define MAXOPS 4

// Desc is a coalesced iteration space shared by up to four operands: element i (row-major
// over shape) of operand k lives at off[k] + Σ idx_d·stride[k][d], counted in elements.
struct Desc {
  i64 n;    // number of elements
  i64 ndim; // 1..MAXD
  i64 shape[MAXD];
  i64 stride[MAXOPS][MAXD];
  i64 off[MAXOPS];
};

// offsets sets o[k] to operand k's element offset of the i-th element of d.
template <int NOPS> DEV void offsets(const Desc &d, i64 i, i64 *o) {
  for (int k = 0; k < NOPS; k++) o[k] = d.off[k];
  if (d.ndim == 1) {
    for (int k = 0; k < NOPS; k++) o[k] += i * d.stride[k][0];
    return;
  }
  if (d.n <= 0x7fffffff) { // 32-bit division is several times cheaper on the GPU
    u32 r = (u32)i;
    for (int dd = (int)d.ndim - 1; dd >= 0; dd--) {
      u32 s = (u32)d.shape[dd];
      u32 q = r / s;
      i64 idx = (i64)(r - q * s);
      r = q;
      for (int k = 0; k < NOPS; k++) o[k] += idx * d.stride[k][dd];
    }
    return;
  }
  for (int dd = (int)d.ndim - 1; dd >= 0; dd--) {
    i64 s = d.shape[dd];
    i64 q = i / s;
    i64 idx = i - q * s;
    i = q;
    for (int k = 0; k < NOPS; k++) o[k] += idx * d.stride[k][dd];
  }
}

DEV i64 global_thread() { return (i64)blockIdx.x * blockDim.x + threadIdx.x; }
DEV i64 grid_threads() { return (i64)blockDim.x * gridDim.x; }

// ---------------------------------------------------------------------------------------
// Errors found in the data: the first one is kept in a small block of device memory that the
// host reads at its next synchronising call (errors.go has the same codes).

#define ERR_INDEX_SELECT 1
#define ERR_GATHER 2
#define ERR_SCATTER_ADD 3
#define ERR_INDEX_ADD 4
#define ERR_DIV_ZERO 5
#define ERR_NEG_POW 6

struct ErrFlag {
  i64 code;
  i64 value;
  i64 limit;
  i64 pad;
};

DEV void flag_error(u64 flag, i64 code, i64 value, i64 limit) {
  ErrFlag *e = (ErrFlag *)flag;
  if (atomic_cas(&e->code, 0, code) == 0) {
    e->value = value;
    e->limit = limit;
  }
}

// ---------------------------------------------------------------------------------------
// Go's semantics, which the CPU backend (the reference) has.

template <typename A, typename B> struct same {
  static const bool v = false;
};
template <typename A> struct same<A, A> {
  static const bool v = true;
};
template <typename T> struct is_int {
  static const bool v = same<T, i64>::v;
};

// bitcast_from returns the T whose bits are the low bits of v.
template <typename T> DEV T bitcast_from(u64 v) {
  if constexpr (same<T, float>::v)
    return __builtin_bit_cast(float, (u32)v);
  else if constexpr (same<T, double>::v)
    return __builtin_bit_cast(double, v);
  else
    return (i64)v;
}

DEV u64 f64bits(double x) { return __builtin_bit_cast(u64, x); }
DEV double f64from(u64 b) { return __builtin_bit_cast(double, b); }
DEV u32 f32bits(float x) { return __builtin_bit_cast(u32, x); }
DEV float f32from(u32 b) { return __builtin_bit_cast(float, b); }

DEV bool isnan_(double x) { return x != x; }
DEV bool signbit_(double x) { return (f64bits(x) >> 63) != 0; }

// f2i converts a float to int64 as Go does on amd64: truncation toward zero, and the minimum
// int64 for NaN and values out of range.
DEV i64 f2i(double x) {
  if (x >= -9223372036854775808.0 && x < 9223372036854775808.0) return (i64)x;
  return (i64)0x8000000000000000ULL;
}

// conv converts a double to T as Go's T(x) does.
template <typename T> DEV T conv(double x) {
  if constexpr (is_int<T>::v)
    return f2i(x);
  else
    return (T)x;
}

// Integer arithmetic wraps around, as in Go.
DEV i64 wadd(i64 x, i64 y) { return (i64)((u64)x + (u64)y); }
DEV i64 wsub(i64 x, i64 y) { return (i64)((u64)x - (u64)y); }
DEV i64 wmul(i64 x, i64 y) { return (i64)((u64)x * (u64)y); }

template <typename T> DEV T add_(T x, T y) {
  if constexpr (is_int<T>::v)
    return wadd(x, y);
  else
    return x + y;
}
template <typename T> DEV T sub_(T x, T y) {
  if constexpr (is_int<T>::v)
    return wsub(x, y);
  else
    return x - y;
}
template <typename T> DEV T mul_(T x, T y) {
  if constexpr (is_int<T>::v)
    return wmul(x, y);
  else
    return x * y;
}
template <typename T> DEV T neg_(T x) {
  if constexpr (is_int<T>::v)
    return wsub(0, x);
  else
    return -x;
}

// gomax and gomin are Go's max and min builtins: NaN propagates, max(-0, +0) = +0 and
// min(-0, +0) = -0.
template <typename T> DEV T gomax(T x, T y) {
  if constexpr (!is_int<T>::v) {
    if (x != x) return x;
    if (y != y) return y;
    if (x == y && x == 0) return signbit_((double)x) ? y : x;
  }
  return x > y ? x : y;
}
template <typename T> DEV T gomin(T x, T y) {
  if constexpr (!is_int<T>::v) {
    if (x != x) return x;
    if (y != y) return y;
    if (x == y && x == 0) return signbit_((double)x) ? x : y;
  }
  return x < y ? x : y;
}

// int_power is x**y for y >= 0 in wrapping arithmetic, by squaring (exact, as torch).
DEV i64 int_power(i64 x, i64 y) {
  u64 r = 1, b = (u64)x;
  for (; y > 0; y >>= 1) {
    if (y & 1) r *= b;
    b *= b;
  }
  return (i64)r;
}

// floor_div divides rounding toward negative infinity, like Python's //; y is not zero.
DEV i64 floor_div(i64 x, i64 y) {
  if (y == -1) return wsub(0, x); // Go: the minimum int64 / -1 wraps
  i64 q = x / y;
  if (x % y != 0 && ((x < 0) != (y < 0))) q--;
  return q;
}

// Acc is the accumulator of sums and products: double for floats (as the CPU), int64 for
// integers.
template <typename T> struct Acc {
  typedef double type;
};
template <> struct Acc<i64> {
  typedef i64 type;
};

template <typename T> DEV T *ptr(u64 p) { return (T *)p; }
