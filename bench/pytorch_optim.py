"""Times torch.optim.Adam's step over the flagship model's parameters (Embedding(20000, 100),
a 2-layer LSTM with hidden size 128, Linear(128, 20): 2,253,160 float32 values), for a
side-by-side comparison with `go test ./optim -run '^$' -bench AdamStep`. foreach=True is the
multi-tensor implementation (a few fused ops over all parameters at once), foreach=False the
loop over parameters. GB/s counts the 28 bytes per float a step must move (read the parameter,
gradient and moments, write the parameter and moments), as the Go benchmark does.

    ../shared/tools/pytorch --threads 1 bench/pytorch_optim.py --count 5
    ../shared/tools/pytorch --threads 2 bench/pytorch_optim.py --count 5

Result lines have the Go benchmark format, so benchstat reads them.
"""

import argparse
import os
import time

import torch

SHAPES = [(20000, 100), (512, 100), (512, 128), (512,), (512,), (512, 128), (512, 128), (512,), (512,), (20, 128), (20,)]


def timeit(fn, min_time):
    fn()
    n, total = 0, 0.0
    while total < min_time or n < 5:
        start = time.perf_counter()
        fn()
        total += time.perf_counter() - start
        n += 1
    return n, total / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=2.0)
    args = ap.parse_args()
    threads = int(os.environ["OMP_NUM_THREADS"])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    params = [torch.nn.Parameter(torch.randn(s) * 0.1) for s in SHAPES]
    for p in params:
        p.grad = torch.randn(p.shape) * 0.01
    n = sum(p.numel() for p in params)
    for _ in range(args.count):
        for foreach in (True, False):
            opt = torch.optim.Adam(params, lr=1e-3, foreach=foreach)
            opt.step()
            k, per = timeit(opt.step, args.min_time)
            name = "foreach" if foreach else "for-loop"
            print(f"BenchmarkAdamStep/torch-{name}/threads={threads}-{threads}\t{k}\t{per * 1e9:.0f} ns/op\t"
                  f"{28 * n / per / 1e9:.2f} GB/s\t{per * 1e3:.3f} ms/step", flush=True)


if __name__ == "__main__":
    main()
