"""Runs the workloads of godl's BenchmarkSIMD (tensor/simd_bench_test.go) in PyTorch and prints
lines in the Go benchmark format under the same names, for bench/compare.sh.

    ../shared/tools/pytorch --threads 1 bench/pytorch_simd.py
    ../shared/tools/pytorch --threads 2 bench/pytorch_simd.py

float32 GEMM in GFLOP/s (square sizes, a recurrent step and its backward products, the input
projection, batched attention, one float64 size), elementwise kernels and reductions on 1M
elements and softmax over 256x1000 in GB/s (bytes read and written), as the Go side counts.
"""

import argparse
import os
import time

import torch


def timed(fn, min_time):
    """Returns (iterations, seconds per iteration) of fn, after a warm-up."""
    fn()
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return n, elapsed / n
        n = max(n + 1, int(n * min_time / max(elapsed, 1e-9) * 1.2))


def operand(batch, rows, cols, transposed, dtype):
    if transposed:
        x = torch.randn(batch, cols, rows, dtype=dtype).transpose(1, 2)
    else:
        x = torch.randn(batch, rows, cols, dtype=dtype)
    return x[0] if batch == 1 else x


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-time", type=float, default=0.5, help="seconds per workload")
    parser.add_argument("--filter", default="", help="only workloads whose name contains this")
    args = parser.parse_args()
    threads = int(os.environ["OMP_NUM_THREADS"])
    torch.set_num_threads(threads)
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads")

    def report(name, fn, metric):
        full = f"BenchmarkSIMD/{name}/t{threads}"
        if args.filter not in full:
            return
        n, sec = timed(fn, args.min_time)
        value, unit = metric(sec)
        print(f"{full}\t{n}\t{sec * 1e9:.0f} ns/op\t{value:.3f} {unit}", flush=True)

    mms = [(f"sgemm/{s}", 1, s, s, s, False, False, torch.float32) for s in (64, 128, 256, 512, 1024, 2048)]
    mms += [
        ("sgemm/rnn-step-64x512x128", 1, 64, 512, 128, False, False, torch.float32),
        ("sgemm/rnn-dW-128x512x64-At", 1, 128, 512, 64, True, False, torch.float32),
        ("sgemm/rnn-dX-64x128x512-Bt", 1, 64, 128, 512, False, True, torch.float32),
        ("sgemm/proj-12800x512x100", 1, 12800, 512, 100, False, False, torch.float32),
        ("sgemm/attn-16x128x128x32", 16, 128, 128, 32, False, False, torch.float32),
    ]
    mms += [(f"dgemm/{s}", 1, s, s, s, False, False, torch.float64) for s in (64, 128, 256, 512, 1024, 2048)]
    for name, batch, m, n, k, ta, tb, dt in mms:
        x, y = operand(batch, m, k, ta, dt), operand(batch, k, n, tb, dt)
        flops = 2.0 * batch * m * n * k
        report(name, lambda: torch.matmul(x, y), lambda s: (flops / s / 1e9, "GFLOP/s"))

    size = 1 << 20
    x, y = torch.randn(size), torch.randn(size)
    ew = [
        ("copy", 8, lambda: x.clone()),
        ("add", 12, lambda: x + y),
        ("mul", 12, lambda: x * y),
        ("mul-scalar", 8, lambda: x * 1.5),
        ("relu", 8, lambda: torch.relu(x)),
        ("exp", 8, lambda: torch.exp(x)),
        ("tanh", 8, lambda: torch.tanh(x)),
        ("sigmoid", 8, lambda: torch.sigmoid(x)),
        ("sum", 4, lambda: x.sum()),
        ("max", 4, lambda: x.max()),
    ]
    for name, per, fn in ew:
        report(f"ew/{name}-1M", fn, lambda s, per=per: (per * size / s / 1e9, "GB/s"))
    sm = torch.randn(256, 1000)
    report("ew/softmax-256x1000", lambda: torch.softmax(sm, 1), lambda s: (8 * 256 * 1000 / s / 1e9, "GB/s"))
    report("ew/log-softmax-256x1000", lambda: torch.log_softmax(sm, 1), lambda s: (8 * 256 * 1000 / s / 1e9, "GB/s"))


if __name__ == "__main__":
    main()
