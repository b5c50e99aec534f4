// emu.cpp: an emulated CUDA driver and cuBLAS, for testing godl's CUDA backend on machines
// without a GPU. It is built, together with the kernel sources (../kernels/*.cu compiled as
// C++ with GODL_EMU), into one shared library that the backend loads in place of libcuda.so.1
// and libcublas.so (cuda.OpenLibraries), through the same dlopen, the same C trampolines and
// the same calls as a real GPU. The tests build it with the host's C++ compiler
// (emulator_test.go).
//
// What it models, so that the backend's assumptions are tested and not taken for granted:
//
//   - Streams queue their work (kernels, copies, memsets, cuBLAS calls, event records) and
//     run it in order on a worker thread of their own only when the host synchronises
//     (cuStreamSynchronize, cuEventSynchronize): a host that reads device memory without
//     synchronising sees stale data, an event is not done before the host waits for it, and
//     runs do not depend on thread timing.
//   - Kernels run block by block; the threads of a block that synchronise (KERNEL_SYNC) run
//     as fibers that switch at every __syncthreads, so block-wide reductions run as on a GPU.
//     A kernel declared with KERNEL that calls __syncthreads aborts the process with a
//     message, as does a barrier that not every thread of a block reaches.
//   - Device memory is poisoned when allocated and when freed (0xFF bytes: NaN for floats,
//     -1 for integers), and fenced with guard bytes that are checked at every
//     synchronisation and free: a kernel writing out of bounds makes the stream fail with
//     CUDA_ERROR_ILLEGAL_ADDRESS, as a GPU would.
//   - Copies from pageable host memory are staged at the call; copies from pinned memory
//     (cuMemAllocHost) read it when the stream runs them, so reusing pinned memory too early
//     corrupts the copy, as on a GPU.
//   - cuBLAS checks its arguments (leading dimensions, sizes) as the real one does and
//     returns CUBLAS_STATUS_INVALID_VALUE for bad ones; with beta = 0 it never reads C.
//   - The device has GODL_EMU_MEMORY bytes (default 4 GiB) and GODL_EMU_SMS multiprocessors
//     (default 2); cuMemAlloc fails with CUDA_ERROR_OUT_OF_MEMORY beyond the memory.
#include "emu.h"

#include <ucontext.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#define EXPORT extern "C" __attribute__((visibility("default")))

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum {
  SUCCESS = 0,
  INVALID_VALUE = 1,
  OUT_OF_MEMORY = 2,
  INVALID_DEVICE = 101,
  INVALID_IMAGE = 200,
  INVALID_CONTEXT = 201,
  INVALID_HANDLE = 400,
  NOT_FOUND = 500,
  NOT_READY = 600,
  ILLEGAL_ADDRESS = 700,
  LAUNCH_FAILED = 719,
};

namespace godl_emu {

thread_local uint3 tid, bid;
thread_local dim3 bdim, gdim;

struct Kernel {
  std::string name;
  size_t args;
  bool sync;
  void (*run)(const void *);
};

static std::map<std::string, Kernel> &registry() {
  static std::map<std::string, Kernel> r;
  return r;
}

Registrar::Registrar(const char *name, size_t args, bool sync, void (*run)(const void *)) {
  registry()[name] = Kernel{name, args, sync, run};
}

static void die(const char *fmt, const char *arg) {
  fprintf(stderr, "godl CUDA emulator: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n");
  abort();
}

// ---- the threads of a block ---------------------------------------------------------------
// The threads of a KERNEL_SYNC block are fibers on the worker's thread: each runs until it
// reaches __syncthreads or returns, then the next one runs. On x86-64 a fiber switch is a
// few instructions (godl_emu_switch below); elsewhere it is swapcontext, which also saves the
// signal mask with a system call and is many times slower.

static const size_t kStack = 64 << 10;

#if defined(__x86_64__)
// godl_emu_switch saves the callee-saved registers on the current stack, stores the stack
// pointer in *from, switches to the stack to and restores the registers saved there.
extern "C" void godl_emu_switch(void **from, void *to);
asm(R"(
	.text
	.p2align 4
	.hidden godl_emu_switch
	.type godl_emu_switch,@function
godl_emu_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size godl_emu_switch, .-godl_emu_switch
)");
#define FAST_FIBERS 1
#endif

struct Fiber {
  char *stack = nullptr;
  bool done = false;
#ifdef FAST_FIBERS
  void *sp = nullptr;
#else
  ucontext_t ctx;
#endif
};

// The fiber scheduler of a stream's worker thread.
struct Sched {
#ifdef FAST_FIBERS
  void *main_sp = nullptr;
#else
  ucontext_t main;
#endif
  std::vector<Fiber> fibers;
  const Kernel *k = nullptr;
  const void *args = nullptr;
  int cur = -1;                 // the running fiber, or -1 outside fibers
  const char *direct = nullptr; // the kernel running without fibers, for the message
};
static thread_local Sched sched;

static void to_main(Fiber &f) {
#ifdef FAST_FIBERS
  godl_emu_switch(&f.sp, sched.main_sp);
#else
  swapcontext(&f.ctx, &sched.main);
#endif
}

static void to_fiber(Fiber &f) {
#ifdef FAST_FIBERS
  godl_emu_switch(&sched.main_sp, f.sp);
#else
  swapcontext(&sched.main, &f.ctx);
#endif
}

static void fiber_main() {
  sched.k->run(sched.args);
  Fiber &f = sched.fibers[sched.cur];
  f.done = true;
  to_main(f); // never resumed
  die("a finished fiber of kernel %s was resumed", sched.k->name.c_str());
}

static void fiber_init(Fiber &f) {
  if (!f.stack) f.stack = (char *)malloc(kStack);
  f.done = false;
#ifdef FAST_FIBERS
  // The stack as godl_emu_switch leaves it: six registers, then fiber_main as the return
  // address, entered with the stack aligned as after a call.
  uintptr_t top = ((uintptr_t)f.stack + kStack) & ~(uintptr_t)15;
  void **sp = (void **)top;
  *--sp = nullptr;               // fiber_main's own return address: it never returns
  *--sp = (void *)&fiber_main;   // where the first switch returns to
  for (int i = 0; i < 6; i++) *--sp = nullptr; // rbp, rbx, r12-r15
  f.sp = sp;
#else
  getcontext(&f.ctx);
  f.ctx.uc_stack.ss_sp = f.stack;
  f.ctx.uc_stack.ss_size = kStack;
  f.ctx.uc_link = &sched.main;
  makecontext(&f.ctx, fiber_main, 0);
#endif
}

void syncthreads() {
  if (sched.direct) die("kernel %s calls __syncthreads but is not declared with KERNEL_SYNC", sched.direct);
  to_main(sched.fibers[sched.cur]);
}

// run_block runs every thread of one block of a launch of k.
static void run_block(const Kernel &k, const void *args, unsigned threads) {
  if (!k.sync) {
    sched.direct = k.name.c_str();
    for (unsigned t = 0; t < threads; t++) {
      tid = uint3{t, 0, 0};
      k.run(args);
    }
    sched.direct = nullptr;
    return;
  }
  if (sched.fibers.size() < threads) sched.fibers.resize(threads);
  sched.k = &k;
  sched.args = args;
  for (unsigned t = 0; t < threads; t++) fiber_init(sched.fibers[t]);
  for (;;) {
    unsigned alive = 0, finished = 0;
    for (unsigned t = 0; t < threads; t++) {
      if (sched.fibers[t].done) continue;
      sched.cur = (int)t;
      tid = uint3{t, 0, 0};
      to_fiber(sched.fibers[t]);
      if (sched.fibers[t].done)
        finished++;
      else
        alive++;
    }
    if (alive == 0) break;
    if (finished > 0) die("kernel %s: some threads of a block returned while others wait at __syncthreads", k.name.c_str());
  }
  sched.cur = -1;
}

static void run_kernel(const Kernel &k, const std::vector<char> &args, unsigned grid, unsigned block) {
  gdim = dim3{grid, 1, 1};
  bdim = dim3{block, 1, 1};
  for (unsigned b = 0; b < grid; b++) {
    bid = uint3{b, 0, 0};
    run_block(k, args.data(), block);
  }
}

// ---- memory ------------------------------------------------------------------------------

static const size_t kGuard = 256;
static const unsigned char kGuardByte = 0xCD, kPoison = 0xFF;

struct Block {
  char *base; // malloc'd: guard, body, guard
  size_t size;
  bool pinned;
};

static std::mutex mem_mu;
static std::map<uintptr_t, Block> blocks; // by the address handed out
static size_t mem_used = 0;
static std::atomic<int> sticky{0}; // the first asynchronous error

static size_t env_size(const char *name, size_t def) {
  const char *v = getenv(name);
  return v && *v ? (size_t)strtoull(v, nullptr, 10) : def;
}
static size_t mem_limit() { return env_size("GODL_EMU_MEMORY", (size_t)4 << 30); }

static void *new_block(size_t n, bool pinned) {
  char *base = (char *)malloc(n + 2 * kGuard);
  if (!base) return nullptr;
  memset(base, kGuardByte, kGuard);
  memset(base + kGuard, kPoison, n);
  memset(base + kGuard + n, kGuardByte, kGuard);
  void *p = base + kGuard;
  blocks[(uintptr_t)p] = Block{base, n, pinned};
  return p;
}

static bool guards_ok(const Block &b) {
  for (size_t i = 0; i < kGuard; i++)
    if ((unsigned char)b.base[i] != kGuardByte || (unsigned char)b.base[kGuard + b.size + i] != kGuardByte) return false;
  return true;
}

// check_guards makes the stream fail, as a GPU would, when a kernel wrote out of bounds.
static void check_guards() {
  std::lock_guard<std::mutex> l(mem_mu);
  for (auto &kv : blocks)
    if (!kv.second.pinned && !guards_ok(kv.second)) {
      fprintf(stderr, "godl CUDA emulator: a kernel wrote outside the %zu-byte block at %p\n", kv.second.size,
              (void *)kv.first);
      int zero = 0;
      sticky.compare_exchange_strong(zero, ILLEGAL_ADDRESS);
      memset(kv.second.base, kGuardByte, kGuard); // report it once
      memset(kv.second.base + kGuard + kv.second.size, kGuardByte, kGuard);
    }
}

// in_block reports whether [p, p+n) lies in one live block (pinned or not, as asked).
static bool in_block(uintptr_t p, size_t n, bool pinned) {
  std::lock_guard<std::mutex> l(mem_mu);
  auto it = blocks.upper_bound(p);
  if (it == blocks.begin()) return false;
  --it;
  return it->second.pinned == pinned && p >= it->first && p + n <= it->first + it->second.size;
}

// ---- streams -----------------------------------------------------------------------------

// A stream queues its work and runs it on a worker thread of its own, in order, only when
// the host synchronises: the host never sees the results of work it did not wait for, and
// a run does not depend on thread timing.
struct Stream {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> q;
  bool run = false; // the host waits for the queue to empty
  std::thread worker;

  Stream() : worker([this] { loop(); }) { worker.detach(); }

  void loop() {
    std::unique_lock<std::mutex> l(mu);
    for (;;) {
      cv.wait(l, [this] { return run; });
      while (!q.empty()) {
        auto f = std::move(q.front());
        q.pop_front();
        l.unlock();
        f();
        l.lock();
      }
      run = false;
      cv.notify_all();
    }
  }

  void push(std::function<void()> f) {
    std::lock_guard<std::mutex> l(mu);
    q.push_back(std::move(f));
  }

  // drain runs everything queued so far and waits for it.
  void drain() {
    std::unique_lock<std::mutex> l(mu);
    if (q.empty()) return;
    run = true;
    cv.notify_all();
    cv.wait(l, [this] { return !run; });
  }
};

// The legacy default stream (a null CUstream): run at once.
static void submit(Stream *s, std::function<void()> f) {
  if (s)
    s->push(std::move(f));
  else
    f();
}

struct Event {
  std::atomic<bool> done{true};
  Stream *stream = nullptr;
};

struct Module {
  std::set<std::string> entries;
};

static int context_token; // the one context's handle

} // namespace godl_emu

using namespace godl_emu;

// ---- the driver API ----------------------------------------------------------------------

EXPORT CUresult cuInit(unsigned) { return SUCCESS; }
EXPORT CUresult cuDriverGetVersion(int *v) {
  *v = 12040;
  return SUCCESS;
}
EXPORT CUresult cuDeviceGetCount(int *n) {
  *n = 1;
  return SUCCESS;
}
EXPORT CUresult cuDeviceGet(int *d, int i) {
  if (i != 0) return INVALID_DEVICE;
  *d = 0;
  return SUCCESS;
}
EXPORT CUresult cuDeviceGetName(char *name, int len, int) {
  snprintf(name, (size_t)len, "godl CUDA emulator");
  return SUCCESS;
}
EXPORT CUresult cuDeviceGetAttribute(int *v, int attr, int) {
  switch (attr) {
  case 16: // multiprocessors
    *v = (int)env_size("GODL_EMU_SMS", 2);
    return SUCCESS;
  case 75:
    *v = 8;
    return SUCCESS;
  case 76:
    *v = 0;
    return SUCCESS;
  }
  return INVALID_VALUE;
}
EXPORT CUresult cuDeviceTotalMem_v2(size_t *b, int) {
  *b = mem_limit();
  return SUCCESS;
}
EXPORT CUresult cuDevicePrimaryCtxRetain(void **c, int) {
  *c = &context_token;
  return SUCCESS;
}
EXPORT CUresult cuCtxSetCurrent(void *c) { return c == &context_token ? SUCCESS : INVALID_CONTEXT; }
EXPORT CUresult cuMemGetInfo_v2(size_t *free_, size_t *total) {
  std::lock_guard<std::mutex> l(mem_mu);
  *total = mem_limit();
  *free_ = *total - mem_used;
  return SUCCESS;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
  if (int e = sticky.load()) return e;
  std::lock_guard<std::mutex> l(mem_mu);
  if (n == 0) return INVALID_VALUE;
  if (mem_used + n > mem_limit()) return OUT_OF_MEMORY;
  void *q = new_block(n, false);
  if (!q) return OUT_OF_MEMORY;
  mem_used += n;
  *p = (CUdeviceptr)q;
  return SUCCESS;
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr p) {
  if (int e = sticky.load()) return e;
  check_guards();
  std::lock_guard<std::mutex> l(mem_mu);
  auto it = blocks.find((uintptr_t)p);
  if (it == blocks.end() || it->second.pinned) return INVALID_VALUE;
  memset(it->second.base + kGuard, kPoison, it->second.size);
  mem_used -= it->second.size;
  free(it->second.base);
  blocks.erase(it);
  return sticky.load();
}

EXPORT CUresult cuMemAllocHost_v2(void **p, size_t n) {
  std::lock_guard<std::mutex> l(mem_mu);
  void *q = new_block(n, true);
  if (!q) return OUT_OF_MEMORY;
  *p = q;
  return SUCCESS;
}

EXPORT CUresult cuStreamCreate(void **s, unsigned) {
  *s = new Stream();
  return SUCCESS;
}

EXPORT CUresult cuStreamSynchronize(void *s) {
  if (s) ((Stream *)s)->drain();
  check_guards();
  return sticky.load();
}

EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n, void *s) {
  if (int e = sticky.load()) return e;
  if (!in_block(dst, n, false)) return INVALID_VALUE;
  if (in_block((uintptr_t)src, n, true)) {
    // Pinned: read when the stream gets there.
    submit((Stream *)s, [=] { memcpy((void *)dst, src, n); });
  } else {
    std::vector<char> staged((const char *)src, (const char *)src + n);
    submit((Stream *)s, [=] { memcpy((void *)dst, staged.data(), n); });
  }
  return SUCCESS;
}

EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, void *s) {
  if (int e = sticky.load()) return e;
  if (!in_block(src, n, false)) return INVALID_VALUE;
  submit((Stream *)s, [=] { memcpy(dst, (const void *)src, n); });
  return SUCCESS;
}

EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, void *s) {
  if (int e = sticky.load()) return e;
  if (!in_block(dst, n, false) || !in_block(src, n, false)) return INVALID_VALUE;
  submit((Stream *)s, [=] { memmove((void *)dst, (const void *)src, n); });
  return SUCCESS;
}

EXPORT CUresult cuMemsetD8Async(CUdeviceptr p, unsigned char v, size_t n, void *s) {
  if (int e = sticky.load()) return e;
  if (!in_block(p, n, false)) return INVALID_VALUE;
  submit((Stream *)s, [=] { memset((void *)p, v, n); });
  return SUCCESS;
}

EXPORT CUresult cuEventCreate(void **e, unsigned) {
  *e = new Event();
  return SUCCESS;
}
EXPORT CUresult cuEventRecord(void *e, void *s) {
  Event *ev = (Event *)e;
  ev->done = false;
  ev->stream = (Stream *)s;
  submit((Stream *)s, [ev] { ev->done = true; });
  return SUCCESS;
}
EXPORT CUresult cuEventQuery(void *e) { return ((Event *)e)->done ? SUCCESS : NOT_READY; }
EXPORT CUresult cuEventSynchronize(void *e) {
  Event *ev = (Event *)e;
  if (!ev->done && ev->stream) ev->stream->drain();
  check_guards();
  return sticky.load();
}

EXPORT CUresult cuModuleLoadData(void **m, const void *image) {
  const char *src = (const char *)image;
  if (strncmp(src, "//", 2) != 0 || !strstr(src, ".target sm_")) return INVALID_IMAGE;
  Module *mod = new Module();
  const char *key = ".visible .entry ";
  for (const char *p = strstr(src, key); p; p = strstr(p, key)) {
    p += strlen(key);
    const char *e = strchr(p, '(');
    if (!e) return INVALID_IMAGE;
    mod->entries.insert(std::string(p, e));
  }
  *m = mod;
  return SUCCESS;
}

EXPORT CUresult cuModuleGetFunction(void **f, void *m, const char *name) {
  Module *mod = (Module *)m;
  auto it = registry().find(name);
  if (!mod->entries.count(name) || it == registry().end()) return NOT_FOUND;
  *f = (void *)&it->second;
  return SUCCESS;
}

EXPORT CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                               unsigned shmem, void *s, void **params, void **extra) {
  if (int e = sticky.load()) return e;
  const Kernel *k = (const Kernel *)f;
  if (!k || gx == 0 || gy != 1 || gz != 1 || bx == 0 || bx > 1024 || by != 1 || bz != 1 || shmem != 0 || extra ||
      !params)
    return INVALID_VALUE;
  if ((bx & (bx - 1)) != 0 && k->sync) return INVALID_VALUE; // block reductions need powers of two
  std::vector<char> args((const char *)params[0], (const char *)params[0] + k->args); // copied now, as the driver does
  submit((Stream *)s, [=] { run_kernel(*k, args, gx, bx); });
  return SUCCESS;
}

EXPORT CUresult cuGetErrorName(CUresult r, const char **s) {
  switch (r) {
  case SUCCESS:
    *s = "CUDA_SUCCESS";
    return SUCCESS;
  case INVALID_VALUE:
    *s = "CUDA_ERROR_INVALID_VALUE";
    return SUCCESS;
  case OUT_OF_MEMORY:
    *s = "CUDA_ERROR_OUT_OF_MEMORY";
    return SUCCESS;
  case INVALID_DEVICE:
    *s = "CUDA_ERROR_INVALID_DEVICE";
    return SUCCESS;
  case NOT_FOUND:
    *s = "CUDA_ERROR_NOT_FOUND";
    return SUCCESS;
  case ILLEGAL_ADDRESS:
    *s = "CUDA_ERROR_ILLEGAL_ADDRESS";
    return SUCCESS;
  }
  *s = nullptr;
  return INVALID_VALUE;
}

EXPORT CUresult cuGetErrorString(CUresult r, const char **s) {
  switch (r) {
  case OUT_OF_MEMORY:
    *s = "out of memory";
    return SUCCESS;
  case ILLEGAL_ADDRESS:
    *s = "an illegal memory access was encountered";
    return SUCCESS;
  }
  *s = nullptr;
  return INVALID_VALUE;
}

// ---- cuBLAS ------------------------------------------------------------------------------

enum { BLAS_SUCCESS = 0, BLAS_NOT_INITIALIZED = 1, BLAS_INVALID_VALUE = 7 };

struct BlasHandle {
  Stream *stream = nullptr;
};

EXPORT int cublasCreate_v2(void **h) {
  *h = new BlasHandle();
  return BLAS_SUCCESS;
}
EXPORT int cublasSetStream_v2(void *h, void *s) {
  if (!h) return BLAS_NOT_INITIALIZED;
  ((BlasHandle *)h)->stream = (Stream *)s;
  return BLAS_SUCCESS;
}
EXPORT int cublasSetMathMode(void *h, int mode) { return h && mode == 0 ? BLAS_SUCCESS : BLAS_INVALID_VALUE; }
EXPORT int cublasGetVersion_v2(void *, int *v) {
  *v = 120400;
  return BLAS_SUCCESS;
}

// gemm is cuBLAS's strided-batched GEMM, column-major: C = alpha·op(A)·op(B) + beta·C.
template <typename T>
static int gemm(void *h, int ta, int tb, int m, int n, int k, const T *alpha, const T *A, int lda, long long sa,
                const T *B, int ldb, long long sb, const T *beta, T *C, int ldc, long long sc, int count) {
  if (!h) return BLAS_NOT_INITIALIZED;
  if ((ta != 0 && ta != 1) || (tb != 0 && tb != 1) || m < 0 || n < 0 || k < 0 || count < 0) return BLAS_INVALID_VALUE;
  int arows = ta ? k : m, brows = tb ? n : k;
  if (lda < (arows > 1 ? arows : 1) || ldb < (brows > 1 ? brows : 1) || ldc < (m > 1 ? m : 1)) return BLAS_INVALID_VALUE;
  if (m == 0 || n == 0 || count == 0) return BLAS_SUCCESS;
  T al = *alpha, be = *beta;
  submit(((BlasHandle *)h)->stream, [=] {
    for (int b = 0; b < count; b++) {
      const T *a = A + b * sa, *bb = B + b * sb;
      T *c = C + b * sc;
      for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
          T s = 0;
          for (int l = 0; l < k; l++) {
            T x = ta ? a[l + (long long)i * lda] : a[i + (long long)l * lda];
            T y = tb ? bb[j + (long long)l * ldb] : bb[l + (long long)j * ldb];
            s += x * y;
          }
          T &out = c[i + (long long)j * ldc];
          out = be == 0 ? al * s : al * s + be * out;
        }
    }
  });
  return BLAS_SUCCESS;
}

EXPORT int cublasSgemmStridedBatched(void *h, int ta, int tb, int m, int n, int k, const float *alpha, const float *A,
                                     int lda, long long sa, const float *B, int ldb, long long sb, const float *beta,
                                     float *C, int ldc, long long sc, int count) {
  return gemm<float>(h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, count);
}

EXPORT int cublasDgemmStridedBatched(void *h, int ta, int tb, int m, int n, int k, const double *alpha,
                                     const double *A, int lda, long long sa, const double *B, int ldb, long long sb,
                                     const double *beta, double *C, int ldc, long long sc, int count) {
  return gemm<double>(h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, count);
}
