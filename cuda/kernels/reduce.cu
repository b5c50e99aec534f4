// reduce.cu: reductions over trailing dimensions and the fused softmax.
//
// Sum and Prod accumulate in double for floats (as the CPU does) and in wrapping int64 for
// Int64. Max, Min, ArgMax and ArgMin keep a value and its index and combine pairs with an
// order that does not depend on how the work was split: a NaN beats any number (NaN
// propagates), a larger (smaller) value beats a smaller (larger) one, and between equals the
// lower index wins; that is the first-index semantics of device.ReduceOp whatever the
// grouping, so the result equals the CPU's sequential scan exactly.
#include "common.cuh"
#include "gomath.cuh"

// The reductions, in the order of device.ReduceOp.
enum ReduceOp { R_SUM, R_PROD, R_MAX, R_MIN, R_ARG_MAX, R_ARG_MIN };

// Part is a partial result: 32 bytes whatever T, as workspace.go assumes.
template <typename T> struct Part {
  typename Acc<T>::type acc; // Sum, Prod
  double val;                // Max, Min: the value (T widened exactly; Int64 as bits)
  i64 idx;                   // its flattened index
  i64 any;                   // whether val holds anything yet
};

template <typename T> DEV double widen(T x) {
  if constexpr (is_int<T>::v)
    return __builtin_bit_cast(double, x);
  else
    return (double)x;
}
template <typename T> DEV T narrow(double v) {
  if constexpr (is_int<T>::v)
    return __builtin_bit_cast(i64, v);
  else
    return (T)v;
}

template <typename T> DEV Part<T> part_init(int op) {
  Part<T> p;
  p.acc = op == R_PROD ? 1 : 0;
  p.val = 0;
  p.idx = 0;
  p.any = 0;
  return p;
}

// better reports whether (x, i) beats (y, j) for Max (max) or Min (!max).
template <typename T> DEV bool better(bool max, T x, i64 i, T y, i64 j) {
  if constexpr (!is_int<T>::v) {
    bool xn = x != x, yn = y != y;
    if (xn || yn) return xn && (!yn || i < j);
  }
  if (x == y) return i < j;
  return max ? x > y : x < y;
}

template <typename T> DEV void part_add(int op, Part<T> &p, T x, i64 i) {
  typedef typename Acc<T>::type A;
  switch (op) {
  case R_SUM:
    p.acc = add_<A>(p.acc, (A)x);
    return;
  case R_PROD:
    p.acc = mul_<A>(p.acc, (A)x);
    return;
  default:
    bool max = op == R_MAX || op == R_ARG_MAX;
    if (!p.any || better<T>(max, x, i, narrow<T>(p.val), p.idx)) {
      p.val = widen<T>(x);
      p.idx = i;
      p.any = 1;
    }
  }
}

template <typename T> DEV void part_merge(int op, Part<T> &p, const Part<T> &q) {
  typedef typename Acc<T>::type A;
  switch (op) {
  case R_SUM:
    p.acc = add_<A>(p.acc, q.acc);
    return;
  case R_PROD:
    p.acc = mul_<A>(p.acc, q.acc);
    return;
  default:
    if (q.any) part_add<T>(op, p, narrow<T>(q.val), q.idx);
  }
}

template <typename T> DEV void part_store(int op, u64 dst, i64 o, const Part<T> &p) {
  switch (op) {
  case R_SUM:
  case R_PROD:
    ptr<T>(dst)[o] = (T)p.acc;
    return;
  case R_MAX:
  case R_MIN:
    ptr<T>(dst)[o] = narrow<T>(p.val);
    return;
  default:
    ptr<i64>(dst)[o] = p.idx;
  }
}

struct ReduceArgs {
  Desc out; // over the outputs; ops 0: dst, 1: src's leading dimensions
  Desc in;  // over the reduced elements of one output; op 0: src's trailing dimensions
  i64 op;
  u64 dst, src;
  u64 part;    // split plan: the partial results, nchunks per output
  i64 chunk;   // split plan: reduced elements per partial
  i64 nchunks; // split plan: partials per output
};

// fold adds the reduced elements lo..hi-1 of the output whose source base offset is base.
template <typename T> DEV void fold(const ReduceArgs &a, Part<T> &p, i64 base, i64 lo, i64 hi, i64 step) {
  int op = (int)a.op;
  const T *s = ptr<T>(a.src);
  for (i64 j = lo; j < hi; j += step) {
    i64 o[1];
    offsets<1>(a.in, j, o);
    part_add<T>(op, p, s[base + o[0]], j);
  }
}

// block_merge combines the partials of a block's threads; thread 0 gets the result.
template <typename T> DEV Part<T> block_merge(int op, Part<T> p) {
  SHARED Part<T> sh[MAX_BLOCK];
  u32 t = threadIdx.x;
  sh[t] = p;
  SYNC();
  for (u32 s = blockDim.x / 2; s > 0; s >>= 1) {
    if (t < s) part_merge<T>(op, sh[t], sh[t + s]);
    SYNC();
  }
  Part<T> r = sh[0];
  SYNC();
  return r;
}

// One thread per output, walking its reduced elements in order.
template <typename T> DEV void reduce_thread(const ReduceArgs &a) {
  for (i64 i = global_thread(); i < a.out.n; i += grid_threads()) {
    i64 o[2];
    offsets<2>(a.out, i, o);
    Part<T> p = part_init<T>((int)a.op);
    fold<T>(a, p, o[1], 0, a.in.n, 1);
    part_store<T>((int)a.op, a.dst, o[0], p);
  }
}

// One block per output: the threads stride over the reduced elements, then merge.
template <typename T> DEV void reduce_block(const ReduceArgs &a) {
  int op = (int)a.op;
  for (i64 i = blockIdx.x; i < a.out.n; i += gridDim.x) {
    i64 o[2];
    offsets<2>(a.out, i, o);
    Part<T> p = part_init<T>(op);
    fold<T>(a, p, o[1], threadIdx.x, a.in.n, blockDim.x);
    p = block_merge<T>(op, p);
    if (threadIdx.x == 0) part_store<T>(op, a.dst, o[0], p);
  }
}

// Long reductions of few outputs, first pass: block b handles chunk b % nchunks of output
// b / nchunks and writes one partial.
template <typename T> DEV void reduce_split(const ReduceArgs &a) {
  int op = (int)a.op;
  Part<T> *parts = ptr<Part<T>>(a.part);
  for (i64 b = blockIdx.x; b < a.out.n * a.nchunks; b += gridDim.x) {
    i64 i = b / a.nchunks, c = b % a.nchunks;
    i64 o[2];
    offsets<2>(a.out, i, o);
    Part<T> p = part_init<T>(op);
    i64 lo = c * a.chunk, hi = lo + a.chunk < a.in.n ? lo + a.chunk : a.in.n;
    fold<T>(a, p, o[1], lo + threadIdx.x, hi, blockDim.x);
    p = block_merge<T>(op, p);
    if (threadIdx.x == 0) parts[b] = p;
  }
}

// Second pass: one block per output merges its partials.
template <typename T> DEV void reduce_finish(const ReduceArgs &a) {
  int op = (int)a.op;
  const Part<T> *parts = ptr<Part<T>>(a.part);
  for (i64 i = blockIdx.x; i < a.out.n; i += gridDim.x) {
    i64 o[2];
    offsets<2>(a.out, i, o);
    Part<T> p = part_init<T>(op);
    for (i64 c = threadIdx.x; c < a.nchunks; c += blockDim.x) part_merge<T>(op, p, parts[i * a.nchunks + c]);
    p = block_merge<T>(op, p);
    if (threadIdx.x == 0) part_store<T>(op, a.dst, o[0], p);
  }
}

KERNEL(reduce_thread_f32, ReduceArgs) { reduce_thread<float>(a); }
KERNEL(reduce_thread_f64, ReduceArgs) { reduce_thread<double>(a); }
KERNEL(reduce_thread_i64, ReduceArgs) { reduce_thread<i64>(a); }
KERNEL_SYNC(reduce_block_f32, ReduceArgs) { reduce_block<float>(a); }
KERNEL_SYNC(reduce_block_f64, ReduceArgs) { reduce_block<double>(a); }
KERNEL_SYNC(reduce_block_i64, ReduceArgs) { reduce_block<i64>(a); }
KERNEL_SYNC(reduce_split_f32, ReduceArgs) { reduce_split<float>(a); }
KERNEL_SYNC(reduce_split_f64, ReduceArgs) { reduce_split<double>(a); }
KERNEL_SYNC(reduce_split_i64, ReduceArgs) { reduce_split<i64>(a); }
KERNEL_SYNC(reduce_finish_f32, ReduceArgs) { reduce_finish<float>(a); }
KERNEL_SYNC(reduce_finish_f64, ReduceArgs) { reduce_finish<double>(a); }
KERNEL_SYNC(reduce_finish_i64, ReduceArgs) { reduce_finish<i64>(a); }

// ---------------------------------------------------------------------------------------
// Softmax and log-softmax along one axis, one block per row, in double as the CPU computes
// them: m = max (NaN propagates; a row of -Inf uses 0), s = Σ exp(x - m), then
// exp(x - m) rounded to T and scaled by 1/s, or x - (m + log s).

struct SoftmaxArgs {
  Desc rows; // over every position but the axis; ops 0: dst, 1: src
  i64 n;     // the axis' length
  i64 dstride, sstride;
  i64 log;
  u64 dst, src;
};

DEV double block_max(double v) {
  SHARED double sh[MAX_BLOCK];
  u32 t = threadIdx.x;
  sh[t] = v;
  SYNC();
  for (u32 s = blockDim.x / 2; s > 0; s >>= 1) {
    if (t < s) sh[t] = gomax(sh[t], sh[t + s]);
    SYNC();
  }
  double r = sh[0];
  SYNC();
  return r;
}

DEV double block_sum(double v) {
  SHARED double sh[MAX_BLOCK];
  u32 t = threadIdx.x;
  sh[t] = v;
  SYNC();
  for (u32 s = blockDim.x / 2; s > 0; s >>= 1) {
    if (t < s) sh[t] = sh[t] + sh[t + s];
    SYNC();
  }
  double r = sh[0];
  SYNC();
  return r;
}

template <typename T> DEV void softmax(const SoftmaxArgs &a) {
  const T *s = ptr<T>(a.src);
  T *d = ptr<T>(a.dst);
  for (i64 r = blockIdx.x; r < a.rows.n; r += gridDim.x) {
    i64 o[2];
    offsets<2>(a.rows, r, o);
    double m = go_inf(-1);
    for (i64 i = threadIdx.x; i < a.n; i += blockDim.x) m = gomax(m, (double)s[o[1] + i * a.sstride]);
    m = block_max(m);
    if (go_isinf(m, -1)) m = 0; // a row of -Inf: every exp is 0, the sum 0, the result NaN
    double sum = 0;
    for (i64 i = threadIdx.x; i < a.n; i += blockDim.x) sum += go_exp((double)s[o[1] + i * a.sstride] - m);
    sum = block_sum(sum);
    if (a.log) {
      double lse = m + go_log(sum);
      for (i64 i = threadIdx.x; i < a.n; i += blockDim.x)
        d[o[0] + i * a.dstride] = (T)((double)s[o[1] + i * a.sstride] - lse);
    } else {
      double inv = 1 / sum;
      for (i64 i = threadIdx.x; i < a.n; i += blockDim.x) {
        T e = (T)go_exp((double)s[o[1] + i * a.sstride] - m);
        d[o[0] + i * a.dstride] = (T)((double)e * inv);
      }
    }
  }
}
KERNEL_SYNC(softmax_f32, SoftmaxArgs) { softmax<float>(a); }
KERNEL_SYNC(softmax_f64, SoftmaxArgs) { softmax<double>(a); }
