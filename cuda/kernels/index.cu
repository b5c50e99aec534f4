// index.cu: IndexSelect, Gather, ScatterAdd and IndexAdd.
//
// An index out of range is flagged (the first one wins) and its element skipped, so a bad
// index never reaches memory outside a buffer; the host reports it at its next synchronising
// call. ScatterAdd and IndexAdd add with atomics: when several sources meet one destination
// element, floating-point sums may differ in their last bits from run to run.
#include "common.cuh"

// IndexCheckArgs checks every element of a 1-D index operand against [0, limit).
struct IndexCheckArgs {
  Desc d; // op 0: idx
  u64 idx;
  i64 limit;
  i64 code;
  u64 err;
};

KERNEL(index_check, IndexCheckArgs) {
  for (i64 i = global_thread(); i < a.d.n; i += grid_threads()) {
    i64 o[1];
    offsets<1>(a.d, i, o);
    i64 v = ptr<i64>(a.idx)[o[0]];
    if (v < 0 || v >= a.limit) flag_error(a.err, a.code, v, a.limit);
  }
}

// IndexArgs serve the four kernels. The descriptor walks the elements of one operand (dst for
// IndexSelect and Gather, src for ScatterAdd and IndexAdd) and gives, for each, the offsets
// of the other data operand with a zero stride along the axis (the index adds that
// coordinate) and of its index.
struct IndexArgs {
  Desc d;    // ops 0: the walked operand, 1: idx, 2: the other operand (axis stride 0)
  u64 walk;  // the walked operand's buffer
  u64 idx;   // Int64 indices
  u64 other; // the other operand's buffer
  i64 axis_stride; // the other operand's stride along the axis
  i64 limit;       // the other operand's size along the axis
  i64 code;        // the error code to flag, 0 when an index check ran before
  u64 err;
};

// index_at returns the index of walked element o, or -1 after flagging one out of range.
DEV i64 index_at(const IndexArgs &a, const i64 *o) {
  i64 v = ptr<i64>(a.idx)[o[1]];
  if (v < 0 || v >= a.limit) {
    if (a.code) flag_error(a.err, a.code, v, a.limit);
    return -1;
  }
  return v;
}

// Gathers: dst (walked) = other[..., idx, ...].
template <typename T> DEV void gather(const IndexArgs &a) {
  for (i64 i = global_thread(); i < a.d.n; i += grid_threads()) {
    i64 o[3];
    offsets<3>(a.d, i, o);
    i64 v = index_at(a, o);
    if (v >= 0) ptr<T>(a.walk)[o[0]] = ptr<T>(a.other)[o[2] + v * a.axis_stride];
  }
}

// Scatters: other[..., idx, ...] += src (walked).
template <typename T> DEV void scatter(const IndexArgs &a) {
  for (i64 i = global_thread(); i < a.d.n; i += grid_threads()) {
    i64 o[3];
    offsets<3>(a.d, i, o);
    i64 v = index_at(a, o);
    if (v >= 0) atomic_add(&ptr<T>(a.other)[o[2] + v * a.axis_stride], ptr<T>(a.walk)[o[0]]);
  }
}

KERNEL(gather_f32, IndexArgs) { gather<float>(a); }
KERNEL(gather_f64, IndexArgs) { gather<double>(a); }
KERNEL(gather_i64, IndexArgs) { gather<i64>(a); }
KERNEL(scatter_f32, IndexArgs) { scatter<float>(a); }
KERNEL(scatter_f64, IndexArgs) { scatter<double>(a); }
KERNEL(scatter_i64, IndexArgs) { scatter<i64>(a); }
