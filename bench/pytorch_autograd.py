"""Times PyTorch's autograd on the workloads of autograd/bench_test.go, for a side-by-side
comparison with BenchmarkChain and BenchmarkMLPStep:

  - chain/grad: a 100-operation chain (Add, Mul, Tanh, MulScalar, Sigmoid, then Sum) on a
    [4, 4] float32 leaf, forward and backward: the per-operation overhead of recording and
    running a graph, where the arithmetic costs next to nothing;
  - chain/nograd: the same forward under torch.no_grad();
  - mlp/f32/b64: one training step's forward and backward of the fixture MLP
    (x [64, 5] -> Linear(5, 16) -> tanh -> Linear(16, 16) -> GELU -> Linear(16, 4) ->
    cross-entropy), gradients cleared first.

Run it through the project's PyTorch wrapper (it sets OMP_NUM_THREADS):

    ../shared/tools/pytorch --threads 1 bench/pytorch_autograd.py
    ../shared/tools/pytorch --threads 2 bench/pytorch_autograd.py --count 5

Result lines have the Go benchmark format, so benchstat can read them.
"""

import argparse
import os
import statistics
import time

import torch
import torch.nn.functional as F

CHAIN_LEN = 100


def chain(p, c):
    y = p
    for i in range(CHAIN_LEN - 1):
        k = i % 5
        if k == 0:
            y = y + p
        elif k == 1:
            y = y * c
        elif k == 2:
            y = torch.tanh(y)
        elif k == 3:
            y = y * 0.9
        else:
            y = torch.sigmoid(y)
    return y.sum()


def timeit(fn, min_time):
    fn()  # warm up
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return n, elapsed / n * 1e9
        n = max(n + 1, int(n * min_time / max(elapsed, 1e-9) * 1.2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5, help="runs per benchmark")
    parser.add_argument("--min-time", type=float, default=0.5, help="seconds per run")
    args = parser.parse_args()
    threads = int(os.environ["OMP_NUM_THREADS"])
    torch.set_num_threads(threads)
    torch.manual_seed(1)

    p = torch.randn(4, 4, requires_grad=True)
    c = torch.rand(4, 4) + 0.5

    def grad_step():
        p.grad = None
        chain(p, c).backward()

    def nograd_step():
        with torch.no_grad():
            chain(p, c)

    batch = 64
    x = torch.randn(batch, 5)
    y = torch.randint(0, 4, (batch,))
    w = [torch.empty(16, 5).uniform_(-0.45, 0.45), torch.empty(16).uniform_(-0.45, 0.45),
         torch.empty(16, 16).uniform_(-0.25, 0.25), torch.empty(16).uniform_(-0.25, 0.25),
         torch.empty(4, 16).uniform_(-0.25, 0.25), torch.empty(4).uniform_(-0.25, 0.25)]
    for t in w:
        t.requires_grad_(True)

    def mlp_step():
        for t in w:
            t.grad = None
        h = torch.tanh(F.linear(x, w[0], w[1]))
        h = F.gelu(F.linear(h, w[2], w[3]))
        F.cross_entropy(F.linear(h, w[4], w[5]), y).backward()

    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name, fn, per in [("Chain/grad", grad_step, CHAIN_LEN), ("Chain/nograd", nograd_step, CHAIN_LEN),
                          ("MLPStep/f32/b64", mlp_step, None)]:
        times = []
        for _ in range(args.count):
            n, ns = timeit(fn, args.min_time)
            times.append(ns)
            extra = f"\t{ns / per:.0f} ns/op-per-op" if per else f"\t{batch / ns * 1e9:.0f} examples/s"
            print(f"BenchmarkTorch{name}-{threads}thread\t{n}\t{ns:.0f} ns/op{extra}", flush=True)
        print(f"# {name} threads={threads}: median {statistics.median(times):.0f} ns/op")


if __name__ == "__main__":
    main()
