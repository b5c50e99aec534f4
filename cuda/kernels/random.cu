// random.cu: the Random primitive, exactly as device.RandomValue defines it. Each thread
// computes one Philox 4x32-10 block and the (up to four) elements it serves; Uniform and
// Bernoulli are exact, so they match the CPU bit for bit; Normal goes through Go's log, sqrt
// and cos as ported in gomath.cuh.
#include "common.cuh"
#include "gomath.cuh"

enum Distribution { D_UNIFORM, D_NORMAL, D_BERNOULLI };

struct RandomArgs {
  Desc d; // op 0: dst
  u64 dst;
  u64 seed, offset;
  i64 dist;
  i64 per_block; // elements per Philox block: dist.PerBlock(dtype)
  double a, b;
};

struct Block4 {
  u32 w[4];
};

// philox is device.Philox4x32 of the counter (b mod 2³², b div 2³², 0, 0) under the key seed.
DEV Block4 philox(u64 seed, u64 b) {
  u32 c0 = (u32)b, c1 = (u32)(b >> 32), c2 = 0, c3 = 0;
  u32 k0 = (u32)seed, k1 = (u32)(seed >> 32);
  for (int r = 0; r < 10; r++) {
    if (r > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    u32 hi0 = mulhi32(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    u32 hi1 = mulhi32(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
    u32 n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  Block4 r;
  r.w[0] = c0;
  r.w[1] = c1;
  r.w[2] = c2;
  r.w[3] = c3;
  return r;
}

// value is device.RandomValue.
template <typename T> DEV double value(int dist, const Block4 &w, int lane, double a, double b) {
  switch (dist) {
  case D_UNIFORM:
    if constexpr (same<T, double>::v) {
      double u = (double)((((u64)w.w[2 * lane] << 32) | w.w[2 * lane + 1]) >> 11) * 0x1p-53;
      double v = a + (b - a) * u;
      if (v >= b) v = go_nextafter(b, a);
      return v;
    } else {
      double u = (double)(w.w[lane] >> 8) * 0x1p-24;
      float v = (float)(a + (b - a) * u);
      if ((double)v >= b) v = go_nextafter32((float)b, (float)a);
      return (double)v;
    }
  case D_NORMAL: {
    double u1 = (double)(((((u64)w.w[0] << 32) | w.w[1]) >> 11) + 1) * 0x1p-53;
    double u2 = (double)((((u64)w.w[2] << 32) | w.w[3]) >> 11) * 0x1p-53;
    return a + b * __builtin_sqrt(-2 * go_log(u1)) * go_cos(2 * GO_PI * u2);
  }
  default: // D_BERNOULLI
    return (double)w.w[lane] * 0x1p-32 < a ? 1 : 0;
  }
}

template <typename T> DEV void random(const RandomArgs &a) {
  i64 k = a.per_block;
  i64 blocks = (a.d.n + k - 1) / k;
  for (i64 blk = global_thread(); blk < blocks; blk += grid_threads()) {
    Block4 w = philox(a.seed, a.offset + (u64)blk);
    for (int lane = 0; lane < k; lane++) {
      i64 i = blk * k + lane;
      if (i >= a.d.n) break;
      i64 o[1];
      offsets<1>(a.d, i, o);
      ptr<T>(a.dst)[o[0]] = conv<T>(value<T>((int)a.dist, w, lane, a.a, a.b));
    }
  }
}
KERNEL(random_f32, RandomArgs) { random<float>(a); }
KERNEL(random_f64, RandomArgs) { random<double>(a); }
KERNEL(random_i64, RandomArgs) { random<i64>(a); }
