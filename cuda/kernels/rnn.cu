// rnn.cu: the fused recurrent cell (device.RNNCellKernel), forward and backward, for the
// LSTM, the GRU and the plain RNNs: one thread per (row, unit) computes every gate and the
// state update, rounding each value to T where the CPU backend does (package cpu, rnn.go), so
// the two agree to the last bit wherever their float64 functions do. Each thread reads and
// writes only its own row and unit of every operand, so outputs may alias inputs.
#include "common.cuh"
#include "gomath.cuh"

enum RNNMode { M_RNN_TANH, M_RNN_RELU, M_LSTM, M_GRU };

// Mat is a [rows, cols] operand (a vector when rs is 0); p is 0 when it is absent.
struct Mat {
  u64 p;
  i64 off, rs, cs;
};

struct RNNArgs {
  i64 mode, b, H;
  Mat gi, gh, hprev, cprev, bhh;
  Mat act, h, c;
  Mat dh, dc;
  Mat dgi, dgh, dhprev, dcprev;
};

template <typename T> DEV T &at(const Mat &m, i64 r, i64 j) { return ptr<T>(m.p)[m.off + r * m.rs + j * m.cs]; }

DEV bool same_mat(const Mat &x, const Mat &y) { return x.p == y.p && x.off == y.off; }

template <typename T> DEV void cell_forward(const RNNArgs &a) {
  i64 H = a.H;
  for (i64 e = global_thread(); e < a.b * H; e += grid_threads()) {
    i64 r = e / H, j = e % H;
    switch (a.mode) {
    case M_LSTM: {
      // The pre-activations are summed in T, as the composed form does.
      double p0 = (double)(at<T>(a.gi, r, j) + at<T>(a.gh, r, j));
      double p1 = (double)(at<T>(a.gi, r, H + j) + at<T>(a.gh, r, H + j));
      double p2 = (double)(at<T>(a.gi, r, 2 * H + j) + at<T>(a.gh, r, 2 * H + j));
      double p3 = (double)(at<T>(a.gi, r, 3 * H + j) + at<T>(a.gh, r, 3 * H + j));
      T it = (T)go_sigmoid(p0), ft = (T)go_sigmoid(p1), gt = (T)go_tanh(p2), ot = (T)go_sigmoid(p3);
      T cp = at<T>(a.cprev, r, j);
      at<T>(a.act, r, j) = it;
      at<T>(a.act, r, H + j) = ft;
      at<T>(a.act, r, 2 * H + j) = gt;
      at<T>(a.act, r, 3 * H + j) = ot;
      T fc = ft * cp, ig = it * gt; // rounded apart, never fused
      T cn = fc + ig;
      at<T>(a.c, r, j) = cn;
      at<T>(a.h, r, j) = ot * (T)go_tanh((double)cn);
      break;
    }
    case M_GRU: {
      T b0 = 0, b1 = 0, b2 = 0;
      if (a.bhh.p) {
        b0 = at<T>(a.bhh, 0, j);
        b1 = at<T>(a.bhh, 0, H + j);
        b2 = at<T>(a.bhh, 0, 2 * H + j);
      }
      T gr = at<T>(a.gh, r, j) + b0;
      T gz = at<T>(a.gh, r, H + j) + b1;
      T hn = at<T>(a.gh, r, 2 * H + j) + b2;
      T rr = (T)go_sigmoid((double)(at<T>(a.gi, r, j) + gr));
      T z = (T)go_sigmoid((double)(at<T>(a.gi, r, H + j) + gz));
      T rh = rr * hn;
      T n = (T)go_tanh((double)(at<T>(a.gi, r, 2 * H + j) + rh));
      T hp = at<T>(a.hprev, r, j);
      at<T>(a.act, r, j) = rr;
      at<T>(a.act, r, H + j) = z;
      at<T>(a.act, r, 2 * H + j) = n;
      at<T>(a.act, r, 3 * H + j) = hn;
      T diff = hp - n;
      T zd = z * diff;
      at<T>(a.h, r, j) = n + zd;
      break;
    }
    default: {
      T p = at<T>(a.gi, r, j) + at<T>(a.gh, r, j);
      T v;
      if (a.mode == M_RNN_TANH)
        v = (T)go_tanh((double)p);
      else
        v = gomax(p, (T)0); // NaN stays NaN
      at<T>(a.act, r, j) = v;
      at<T>(a.h, r, j) = v;
    }
    }
  }
}

template <typename T> DEV void cell_backward(const RNNArgs &a) {
  i64 H = a.H;
  bool copy_dgh = !same_mat(a.dgh, a.dgi);
  for (i64 e = global_thread(); e < a.b * H; e += grid_threads()) {
    i64 r = e / H, j = e % H;
    switch (a.mode) {
    case M_LSTM: {
      T i = at<T>(a.act, r, j), f = at<T>(a.act, r, H + j);
      T g = at<T>(a.act, r, 2 * H + j), o = at<T>(a.act, r, 3 * H + j);
      T d = at<T>(a.dh, r, j);
      T tc = (T)go_tanh((double)at<T>(a.c, r, j));
      T dout = d * tc;
      T dO = d * o, tc2 = tc * tc, omt = 1 - tc2, dtc = dO * omt;
      T dcT = at<T>(a.dc, r, j) + dtc;
      T cp = at<T>(a.cprev, r, j);
      T v0 = dcT * g, v0i = v0 * i, g0 = v0i * (1 - i);
      T v1 = dcT * cp, v1f = v1 * f, g1 = v1f * (1 - f);
      T v2 = dcT * i, gg = g * g, g2 = v2 * (1 - gg);
      T v3 = dout * o, g3 = v3 * (1 - o);
      at<T>(a.dgi, r, j) = g0;
      at<T>(a.dgi, r, H + j) = g1;
      at<T>(a.dgi, r, 2 * H + j) = g2;
      at<T>(a.dgi, r, 3 * H + j) = g3;
      at<T>(a.dcprev, r, j) = dcT * f;
      if (copy_dgh) {
        at<T>(a.dgh, r, j) = g0;
        at<T>(a.dgh, r, H + j) = g1;
        at<T>(a.dgh, r, 2 * H + j) = g2;
        at<T>(a.dgh, r, 3 * H + j) = g3;
      }
      break;
    }
    case M_GRU: {
      T rr = at<T>(a.act, r, j), z = at<T>(a.act, r, H + j);
      T n = at<T>(a.act, r, 2 * H + j), hn = at<T>(a.act, r, 3 * H + j);
      T d = at<T>(a.dh, r, j);
      T dn = d * (1 - z);
      T dz = d * (at<T>(a.hprev, r, j) - n);
      T nn = n * n, dnPre = dn * (1 - nn);
      T t1 = dnPre * hn, t2 = t1 * rr, drPre = t2 * (1 - rr);
      T t3 = dz * z, dzPre = t3 * (1 - z);
      at<T>(a.dgi, r, j) = drPre;
      at<T>(a.dgi, r, H + j) = dzPre;
      at<T>(a.dgi, r, 2 * H + j) = dnPre;
      at<T>(a.dgh, r, j) = drPre;
      at<T>(a.dgh, r, H + j) = dzPre;
      at<T>(a.dgh, r, 2 * H + j) = dnPre * rr;
      at<T>(a.dhprev, r, j) = d * z;
      break;
    }
    default: {
      T y = at<T>(a.act, r, j), d = at<T>(a.dh, r, j);
      T v = 0;
      if (a.mode == M_RNN_TANH) {
        T yy = y * y;
        v = d * (1 - yy);
      } else if (y > 0) {
        v = d;
      }
      at<T>(a.dgi, r, j) = v;
      if (copy_dgh) at<T>(a.dgh, r, j) = v;
    }
    }
  }
}

KERNEL(rnn_forward_f32, RNNArgs) { cell_forward<float>(a); }
KERNEL(rnn_forward_f64, RNNArgs) { cell_forward<double>(a); }
KERNEL(rnn_backward_f32, RNNArgs) { cell_backward<float>(a); }
KERNEL(rnn_backward_f64, RNNArgs) { cell_backward<double>(a); }
