// matmul.cu: the matrix product for Int64, which cuBLAS does not have: one thread per output
// element over any strides, with wrapping arithmetic as on the CPU. Float32 and Float64 go
// through cuBLAS (gemm.go).
#include "common.cuh"

struct MatMulArgs {
  Desc d; // over the outputs [batch..., m, n]; ops 0: dst, 1: x (n stride 0), 2: y (m stride 0)
  i64 k;
  i64 xk, yk; // x's stride along k (its columns), y's (its rows)
  u64 dst, x, y;
};

KERNEL(matmul_i64, MatMulArgs) {
  for (i64 i = global_thread(); i < a.d.n; i += grid_threads()) {
    i64 o[3];
    offsets<3>(a.d, i, o);
    const i64 *x = ptr<i64>(a.x) + o[1], *y = ptr<i64>(a.y) + o[2];
    u64 s = 0;
    for (i64 p = 0; p < a.k; p++) s += (u64)x[p * a.xk] * (u64)y[p * a.yk];
    ptr<i64>(a.dst)[o[0]] = (i64)s;
  }
}
