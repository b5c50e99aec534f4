"""Times torch.matmul on float32 square matrices and prints GFLOP/s, as the Go benchmark
BenchmarkMatMul (tensor/matmul_bench_test.go) does, for a side-by-side comparison.

Run it through the project's PyTorch wrapper, which picks the thread count and exports it as
OMP_NUM_THREADS:

    ../shared/tools/pytorch --threads 1 bench/pytorch_matmul.py
    ../shared/tools/pytorch --threads 2 bench/pytorch_matmul.py --count 5

Each result line has the Go benchmark format, so benchstat reads it beside `go test -bench`
output; the last lines give the median and best of the runs.
"""

import argparse
import os
import statistics
import time

import torch


def gflops(size, threads, min_time):
    """Times torch.matmul(a, b) for size x size matrices; returns (iterations, ns/op, GFLOP/s)."""
    a = torch.randn(size, size, dtype=torch.float32)
    b = torch.randn(size, size, dtype=torch.float32)
    torch.matmul(a, b)  # warm up: thread pool, allocator, caches
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            torch.matmul(a, b)
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            break
        n = max(n + 1, int(n * min_time / max(elapsed, 1e-9) * 1.2))
    return n, elapsed / n * 1e9, 2.0 * size**3 * n / elapsed / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,128,256,512,1024", help="comma-separated matrix sizes")
    parser.add_argument("--count", type=int, default=5, help="runs per size")
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds per run")
    args = parser.parse_args()

    threads = int(os.environ["OMP_NUM_THREADS"])
    torch.set_num_threads(threads)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, float32")
    summary = []
    for size in sizes:
        rates = []
        for _ in range(args.count):
            n, ns, rate = gflops(size, threads, args.min_time)
            rates.append(rate)
            name = f"BenchmarkTorchMatMul/f32-{threads}thread/{size}x{size}x{size}"
            print(f"{name}\t{n}\t{ns:.0f} ns/op\t{rate:.3f} GFLOP/s", flush=True)
        summary.append((size, statistics.median(rates), max(rates)))
    for size, med, best in summary:
        print(f"# f32/{size}x{size}x{size} threads={threads}: median {med:.2f} GFLOP/s, best {best:.2f}")


if __name__ == "__main__":
    main()
