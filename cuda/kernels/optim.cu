// optim.cu: the fused optimizer updates (device.OptimizerKernel): one step of SGD, Adam
// (AdamW), RMSprop or Adagrad for one parameter, one thread per element over contiguous
// operands (the host copies a strided operand into a contiguous temporary and back). Each
// operation is the one device.SGDArgs and its siblings define, rounded to T on its own as the
// CPU backend rounds it (package cpu, optim.go): every product and quotient is a statement of
// its own, and build.sh compiles with -ffp-contract=off, so no multiplication is fused into
// the addition that follows it. The square roots are taken in float64 and rounded to T, as
// the CPU takes them (for float32 that is the correctly rounded float32 root).
//
// The scalars come from the host as float64, computed there as the CPU computes them (1 -
// Beta1, -LR, ...), and are rounded to T here, as Go's T(x) rounds them. A buffer absent on
// the host (no momentum, no AMSGrad, not centered) has the address 0. Each thread reads every
// operand of its element before it writes one, so an operand may be the same elements as
// another it is read with.
#include "common.cuh"

// root is T(math.Sqrt(float64(x))).
template <typename T> DEV T root(T x) { return (T)__builtin_sqrt((double)x); }

// eff_grad returns the gradient g of parameter p with maximize and weight decay applied.
template <typename T> DEV T eff_grad(T g, T p, T wd, bool maximize) {
  if (maximize) g = -g;
  if (wd != 0) {
    T d = wd * p;
    g = g + d;
  }
  return g;
}

struct SGDStepArgs {
  i64 n;
  u64 p, g, buf;
  double lr_neg, wd, mom, damp1; // -LR, WeightDecay, Momentum, 1 - Dampening
  i64 nesterov, maximize, first;
};

template <typename T> DEV void sgd(const SGDStepArgs &a) {
  T *p = ptr<T>(a.p), *g = ptr<T>(a.g), *buf = ptr<T>(a.buf);
  const T lr = (T)a.lr_neg, wd = (T)a.wd, mom = (T)a.mom, damp1 = (T)a.damp1;
  const bool nesterov = a.nesterov != 0, maximize = a.maximize != 0, first = a.first != 0;
  for (i64 i = global_thread(); i < a.n; i += grid_threads()) {
    T pi = p[i];
    T d = eff_grad(g[i], pi, wd, maximize);
    if (buf) {
      T b = d;
      if (!first) {
        T x = buf[i] * mom, y = damp1 * d;
        b = x + y;
      }
      buf[i] = b;
      if (nesterov) {
        T x = mom * b;
        d = d + x;
      } else {
        d = b;
      }
    }
    T u = lr * d;
    p[i] = pi + u;
  }
}

struct AdamStepArgs {
  i64 n;
  u64 p, g, m, v, vmax; // vmax: AMSGrad's running maximum
  double wd, b1, om1, b2, om2, eps, bc2;
  double step_neg; // -StepSize
  double decay;    // 1 - LR·WeightDecay (AdamW)
  i64 decoupled, maximize;
};

template <typename T> DEV void adam(const AdamStepArgs &a) {
  T *p = ptr<T>(a.p), *g = ptr<T>(a.g), *m = ptr<T>(a.m), *v = ptr<T>(a.v), *vmax = ptr<T>(a.vmax);
  const T wd = (T)a.wd, b1 = (T)a.b1, om1 = (T)a.om1, b2 = (T)a.b2, om2 = (T)a.om2;
  const T eps = (T)a.eps, bc2 = (T)a.bc2, step_neg = (T)a.step_neg, decay = (T)a.decay;
  const bool decoupled = a.decoupled != 0, maximize = a.maximize != 0;
  for (i64 i = global_thread(); i < a.n; i += grid_threads()) {
    T gi = g[i], pi = p[i], mi = m[i], vi = v[i];
    T mx = vmax ? vmax[i] : (T)0;
    if (maximize) gi = -gi;
    if (decoupled) {
      pi = pi * decay;
    } else if (wd != 0) {
      T x = wd * pi;
      gi = gi + x;
    }
    T m1 = mi * b1, m2 = om1 * gi;
    mi = m1 + m2;
    T v1 = vi * b2, v2 = om2 * gi, v3 = v2 * gi;
    vi = v1 + v3;
    m[i] = mi;
    v[i] = vi;
    if (vmax) {
      vi = gomax(mx, vi);
      vmax[i] = vi;
    }
    T r = root(vi), q = r / bc2;
    T denom = q + eps;
    T s = step_neg * mi, u = s / denom;
    p[i] = pi + u;
  }
}

struct RMSpropStepArgs {
  i64 n;
  u64 p, g, sq, ga, buf; // ga: centered only; buf: momentum only
  double lr_neg, alpha, om_alpha, eps, wd, mom;
  i64 maximize;
};

template <typename T> DEV void rmsprop(const RMSpropStepArgs &a) {
  T *p = ptr<T>(a.p), *g = ptr<T>(a.g), *sq = ptr<T>(a.sq), *ga = ptr<T>(a.ga), *buf = ptr<T>(a.buf);
  const T lr = (T)a.lr_neg, alpha = (T)a.alpha, om_alpha = (T)a.om_alpha, eps = (T)a.eps;
  const T wd = (T)a.wd, mom = (T)a.mom;
  const bool maximize = a.maximize != 0;
  for (i64 i = global_thread(); i < a.n; i += grid_threads()) {
    T pi = p[i], si = sq[i];
    T ai = ga ? ga[i] : (T)0, bi = buf ? buf[i] : (T)0;
    T gi = eff_grad(g[i], pi, wd, maximize);
    T s1 = si * alpha, s2 = om_alpha * gi, s3 = s2 * gi;
    si = s1 + s3;
    sq[i] = si;
    T avg;
    if (ga) {
      T a1 = ai * alpha, a2 = om_alpha * gi;
      ai = a1 + a2;
      ga[i] = ai;
      T na = -ai, sq_a = na * ai;
      avg = root(si + sq_a);
    } else {
      avg = root(si);
    }
    avg = avg + eps;
    if (buf) {
      T b1 = bi * mom, b2 = gi / avg;
      bi = b1 + b2;
      buf[i] = bi;
      T u = lr * bi;
      p[i] = pi + u;
    } else {
      T x = lr * gi, u = x / avg;
      p[i] = pi + u;
    }
  }
}

struct AdagradStepArgs {
  i64 n;
  u64 p, g, sum;
  double clr_neg, eps, wd; // -CLR, Eps, WeightDecay
  i64 maximize;
};

template <typename T> DEV void adagrad(const AdagradStepArgs &a) {
  T *p = ptr<T>(a.p), *g = ptr<T>(a.g), *sum = ptr<T>(a.sum);
  const T clr = (T)a.clr_neg, eps = (T)a.eps, wd = (T)a.wd;
  const bool maximize = a.maximize != 0;
  for (i64 i = global_thread(); i < a.n; i += grid_threads()) {
    T pi = p[i], si = sum[i];
    T gi = eff_grad(g[i], pi, wd, maximize);
    T gg = gi * gi;
    si = si + gg;
    sum[i] = si;
    T std = root(si) + eps;
    T x = clr * gi, u = x / std;
    p[i] = pi + u;
  }
}

KERNEL(optim_sgd_f32, SGDStepArgs) { sgd<float>(a); }
KERNEL(optim_sgd_f64, SGDStepArgs) { sgd<double>(a); }
KERNEL(optim_adam_f32, AdamStepArgs) { adam<float>(a); }
KERNEL(optim_adam_f64, AdamStepArgs) { adam<double>(a); }
KERNEL(optim_rmsprop_f32, RMSpropStepArgs) { rmsprop<float>(a); }
KERNEL(optim_rmsprop_f64, RMSpropStepArgs) { rmsprop<double>(a); }
KERNEL(optim_adagrad_f32, AdagradStepArgs) { adagrad<float>(a); }
KERNEL(optim_adagrad_f64, AdagradStepArgs) { adagrad<double>(a); }
