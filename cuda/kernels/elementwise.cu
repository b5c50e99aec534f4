// elementwise.cu: Fill, Copy (with dtype conversion), Unary, Binary and Where over strided,
// broadcast operands. Each element is computed as the CPU backend computes it (package cpu,
// elementwise.go): float32 arithmetic in float32, functions in float64 rounded once.
#include "common.cuh"
#include "gomath.cuh"

// The unary ops, in the order of device.UnaryOp (kernels_test.go checks the names).
enum UnaryOp {
  OP_NEG,
  OP_ABS,
  OP_SIGN,
  OP_SQUARE,
  OP_SQRT,
  OP_RSQRT,
  OP_RECIP,
  OP_EXP,
  OP_LOG,
  OP_LOG1P,
  OP_SIN,
  OP_COS,
  OP_TANH,
  OP_SIGMOID,
  OP_RELU,
  OP_GELU,
  OP_GELU_GRAD,
  OP_FLOOR,
  OP_CEIL,
  OP_ROUND,
  OP_ADD_SCALAR,
  OP_MUL_SCALAR,
  OP_DIV_SCALAR,
  OP_RSUB_SCALAR,
  OP_RDIV_SCALAR,
  OP_POW_SCALAR,
  OP_RPOW_SCALAR,
  OP_CLAMP,
  OP_MAX_SCALAR,
  OP_MIN_SCALAR,
  OP_LEAKY_RELU,
  OP_EQ_SCALAR,
  OP_NE_SCALAR,
  OP_LT_SCALAR,
  OP_LE_SCALAR,
  OP_GT_SCALAR,
  OP_GE_SCALAR,
};

// The binary ops, in the order of device.BinaryOp.
enum BinaryOp {
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_DIV,
  OP_POW,
  OP_MAXIMUM,
  OP_MINIMUM,
  OP_EQ,
  OP_NE,
  OP_LT,
  OP_LE,
  OP_GT,
  OP_GE,
};

struct FillArgs {
  Desc d; // op 0: dst
  u64 dst;
  u64 bits; // the value, already converted to the dtype on the host
};

template <typename T> DEV void fill(const FillArgs &a) {
  T v = bitcast_from<T>(a.bits);
  for (i64 i = global_thread(); i < a.d.n; i += grid_threads()) {
    i64 o[1];
    offsets<1>(a.d, i, o);
    ptr<T>(a.dst)[o[0]] = v;
  }
}
KERNEL(fill_b32, FillArgs) { fill<u32>(a); }
KERNEL(fill_b64, FillArgs) { fill<u64>(a); }

struct CopyArgs {
  Desc d; // ops 0: dst, 1: src
  u64 dst, src;
};

template <typename D, typename S> DEV void copy(const CopyArgs &a) {
  for (i64 i = global_thread(); i < a.d.n; i += grid_threads()) {
    i64 o[2];
    offsets<2>(a.d, i, o);
    S x = ptr<S>(a.src)[o[1]];
    D v;
    if constexpr (is_int<D>::v && !is_int<S>::v)
      v = f2i((double)x);
    else
      v = (D)x;
    ptr<D>(a.dst)[o[0]] = v;
  }
}
KERNEL(copy_f32_f32, CopyArgs) { copy<float, float>(a); }
KERNEL(copy_f32_f64, CopyArgs) { copy<float, double>(a); }
KERNEL(copy_f32_i64, CopyArgs) { copy<float, i64>(a); }
KERNEL(copy_f64_f32, CopyArgs) { copy<double, float>(a); }
KERNEL(copy_f64_f64, CopyArgs) { copy<double, double>(a); }
KERNEL(copy_f64_i64, CopyArgs) { copy<double, i64>(a); }
KERNEL(copy_i64_f32, CopyArgs) { copy<i64, float>(a); }
KERNEL(copy_i64_f64, CopyArgs) { copy<i64, double>(a); }
KERNEL(copy_i64_i64, CopyArgs) { copy<i64, i64>(a); }

struct UnaryArgs {
  Desc d; // ops 0: dst, 1: src
  u64 dst, src;
  i64 op;
  double a, b;
};

template <typename T> DEV T b2f(bool c) { return c ? (T)1 : (T)0; }

// fn is func(T) T of the op, as math.F(float64(x)) converted back to T.
#define FN(f) conv<T>(f((double)x))

template <typename T> DEV T unary(int op, T x, double a, double b) {
  T ta = conv<T>(a), tb = conv<T>(b);
  // Comparisons meet the scalar rounded to a float tensor's dtype, unrounded for Int64.
  double ca = same<T, float>::v ? (double)(float)a : a;
  switch (op) {
  case OP_NEG:
    return neg_(x);
  case OP_ABS:
    return x <= 0 ? sub_((T)0, x) : x; // |-0| = +0; NaN stays
  case OP_SIGN:
    if (x > 0) return 1;
    if (x < 0) return (T)-1;
    return x; // 0 or NaN
  case OP_SQUARE:
    return mul_(x, x);
  case OP_SQRT:
    return FN(__builtin_sqrt);
  case OP_RSQRT:
    return conv<T>(1 / __builtin_sqrt((double)x));
  case OP_RECIP:
    return conv<T>(1 / (double)x);
  case OP_EXP:
    return FN(go_exp);
  case OP_LOG:
    return FN(go_log);
  case OP_LOG1P:
    return FN(go_log1p);
  case OP_SIN:
    return FN(go_sin);
  case OP_COS:
    return FN(go_cos);
  case OP_TANH:
    return FN(go_tanh);
  case OP_SIGMOID:
    return FN(go_sigmoid);
  case OP_RELU:
    return x < 0 ? (T)0 : x; // relu(-0) = -0 and NaN stays, as on the CPU
  case OP_GELU:
    return FN(go_gelu);
  case OP_GELU_GRAD:
    return FN(go_gelu_grad);
  case OP_FLOOR:
    return FN(__builtin_floor);
  case OP_CEIL:
    return FN(__builtin_ceil);
  case OP_ROUND:
    return FN(__builtin_rint); // round half to even
  case OP_ADD_SCALAR:
    return add_(x, ta);
  case OP_MUL_SCALAR:
    return mul_(x, ta);
  case OP_DIV_SCALAR:
    if constexpr (is_int<T>::v) { // float-only: package tensor never sends Int64 here
      if (ta == 0) return 0;
      if (ta == -1) return neg_(x);
    }
    return x / ta;
  case OP_RSUB_SCALAR:
    return sub_(ta, x);
  case OP_RDIV_SCALAR:
    return conv<T>(a / (double)x);
  case OP_POW_SCALAR:
    if (is_int<T>::v && a >= 0 && a == __builtin_trunc(a)) return (T)int_power((i64)x, (i64)a);
    if (a == 2) return mul_(x, x);
    if (a == 0.5) return FN(__builtin_sqrt);
    return conv<T>(go_pow((double)x, a));
  case OP_RPOW_SCALAR:
    return conv<T>(go_pow(a, (double)x));
  case OP_CLAMP:
    return gomin(gomax(x, ta), tb);
  case OP_MAX_SCALAR:
    return gomax(x, ta);
  case OP_MIN_SCALAR:
    return gomin(x, ta);
  case OP_LEAKY_RELU:
    return x > 0 ? x : conv<T>(a * (double)x);
  case OP_EQ_SCALAR:
    return b2f<T>((double)x == ca);
  case OP_NE_SCALAR:
    return b2f<T>((double)x != ca);
  case OP_LT_SCALAR:
    return b2f<T>((double)x < ca);
  case OP_LE_SCALAR:
    return b2f<T>((double)x <= ca);
  case OP_GT_SCALAR:
    return b2f<T>((double)x > ca);
  case OP_GE_SCALAR:
    return b2f<T>((double)x >= ca);
  }
  return x; // unknown ops never get here: the host refuses them
}
#undef FN

template <typename T> DEV void unary_kernel(const UnaryArgs &a) {
  int op = (int)a.op;
  for (i64 i = global_thread(); i < a.d.n; i += grid_threads()) {
    i64 o[2];
    offsets<2>(a.d, i, o);
    ptr<T>(a.dst)[o[0]] = unary<T>(op, ptr<T>(a.src)[o[1]], a.a, a.b);
  }
}
KERNEL(unary_f32, UnaryArgs) { unary_kernel<float>(a); }
KERNEL(unary_f64, UnaryArgs) { unary_kernel<double>(a); }
KERNEL(unary_i64, UnaryArgs) { unary_kernel<i64>(a); }

struct BinaryArgs {
  Desc d; // ops 0: dst, 1: x, 2: y
  u64 dst, x, y;
  u64 err; // the error flag, for Int64 division by zero and negative powers
  i64 op;
};

template <typename T> DEV T binary(int op, T x, T y, u64 err) {
  switch (op) {
  case OP_ADD:
    return add_(x, y);
  case OP_SUB:
    return sub_(x, y);
  case OP_MUL:
    return mul_(x, y);
  case OP_DIV:
    if constexpr (is_int<T>::v) {
      if (y == 0) {
        flag_error(err, ERR_DIV_ZERO, 0, 0);
        return 0;
      }
      return floor_div(x, y);
    } else {
      return x / y;
    }
  case OP_POW:
    if constexpr (is_int<T>::v) {
      if (y < 0) {
        flag_error(err, ERR_NEG_POW, y, 0);
        return 0;
      }
      return int_power(x, y);
    } else {
      return conv<T>(go_pow((double)x, (double)y));
    }
  case OP_MAXIMUM:
    return gomax(x, y);
  case OP_MINIMUM:
    return gomin(x, y);
  case OP_EQ:
    return b2f<T>(x == y);
  case OP_NE:
    return b2f<T>(x != y);
  case OP_LT:
    return b2f<T>(x < y);
  case OP_LE:
    return b2f<T>(x <= y);
  case OP_GT:
    return b2f<T>(x > y);
  case OP_GE:
    return b2f<T>(x >= y);
  }
  return x;
}

template <typename T> DEV void binary_kernel(const BinaryArgs &a) {
  int op = (int)a.op;
  for (i64 i = global_thread(); i < a.d.n; i += grid_threads()) {
    i64 o[3];
    offsets<3>(a.d, i, o);
    ptr<T>(a.dst)[o[0]] = binary<T>(op, ptr<T>(a.x)[o[1]], ptr<T>(a.y)[o[2]], a.err);
  }
}
KERNEL(binary_f32, BinaryArgs) { binary_kernel<float>(a); }
KERNEL(binary_f64, BinaryArgs) { binary_kernel<double>(a); }
KERNEL(binary_i64, BinaryArgs) { binary_kernel<i64>(a); }

struct WhereArgs {
  Desc d; // ops 0: dst, 1: cond, 2: x, 3: y
  u64 dst, cond, x, y;
};

template <typename T, typename C> DEV void where_kernel(const WhereArgs &a) {
  for (i64 i = global_thread(); i < a.d.n; i += grid_threads()) {
    i64 o[4];
    offsets<4>(a.d, i, o);
    ptr<T>(a.dst)[o[0]] = ptr<C>(a.cond)[o[1]] != 0 ? ptr<T>(a.x)[o[2]] : ptr<T>(a.y)[o[3]];
  }
}
KERNEL(where_f32_f32, WhereArgs) { where_kernel<float, float>(a); }
KERNEL(where_f32_f64, WhereArgs) { where_kernel<float, double>(a); }
KERNEL(where_f32_i64, WhereArgs) { where_kernel<float, i64>(a); }
KERNEL(where_f64_f32, WhereArgs) { where_kernel<double, float>(a); }
KERNEL(where_f64_f64, WhereArgs) { where_kernel<double, double>(a); }
KERNEL(where_f64_i64, WhereArgs) { where_kernel<double, i64>(a); }
KERNEL(where_i64_f32, WhereArgs) { where_kernel<i64, float>(a); }
KERNEL(where_i64_f64, WhereArgs) { where_kernel<i64, double>(a); }
KERNEL(where_i64_i64, WhereArgs) { where_kernel<i64, i64>(a); }
