"""Times PyTorch on the GPU on the workloads of the cuda package's benchmarks, for the
side-by-side comparison in cuda/README.md:

  - FlagshipStep: the flagship model of nn/bench_test.go (Embedding(20000, 100) -> LSTM(hidden
    128, 2 layers, dropout 0.5, batch_first) -> Linear(128, 20), cross-entropy, batch 64 of 200
    tokens) trained with plain SGD, its LSTM run by cuDNN;
  - SGEMM: square float32 matrix products (TF32 off, as in godl), TFLOP/s;
  - Elementwise: Add of 2^26 float32 elements, GB/s.

It needs a PyTorch built with CUDA and a GPU; scripts/gpu-check.sh runs it when both are
there. Every timing synchronises the GPU before the clock stops. Result lines have the Go
benchmark format, so benchstat reads them next to `cuda.test -test.bench .`.

    python3 bench/pytorch_cuda.py [--min-time 2]
"""

import argparse
import time

import torch
import torch.nn.functional as F

VOCAB, EMBED, HIDDEN, CLASSES = 20000, 100, 128, 20
BATCH, LEN = 64, 200


class Flagship(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(VOCAB, EMBED)
        self.lstm = torch.nn.LSTM(EMBED, HIDDEN, num_layers=2, dropout=0.5, batch_first=True)
        self.fc = torch.nn.Linear(HIDDEN, CLASSES)

    def forward(self, ids):
        _, (h, _) = self.lstm(self.embedding(ids))
        return self.fc(h[-1])


def timeit(fn, min_time):
    fn()  # warm up: cuDNN and cuBLAS pick their algorithms
    torch.cuda.synchronize()
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        if n >= 3:
            torch.cuda.synchronize()
            total = time.perf_counter() - start
            if total >= min_time:
                return n, total / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-time", type=float, default=2.0)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("pytorch_cuda.py: PyTorch sees no CUDA GPU")
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(1)
    print(f"# {torch.cuda.get_device_name(0)}, PyTorch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}", flush=True)

    model = Flagship().to(dev)
    ids = torch.randint(0, VOCAB, (BATCH, LEN), device=dev)
    y = torch.randint(0, CLASSES, (BATCH,), device=dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids), y)
        loss.backward()
        opt.step()
        loss.item()  # as godl's benchmark, the host waits for each step

    model.train(True)
    n, per = timeit(step, args.min_time)
    print(f"BenchmarkTorchFlagshipStep\t{n}\t{per * 1e9:.0f} ns/op\t{per * 1e3:.3f} ms/step\t{BATCH * LEN / per:.0f} tokens/s", flush=True)

    for size in (1024, 2048, 4096, 8192):
        a = torch.rand(size, size, device=dev) * 2 - 1
        b = torch.rand(size, size, device=dev) * 2 - 1
        n, per = timeit(lambda: torch.matmul(a, b), args.min_time / 2)
        print(f"BenchmarkTorchSGEMM/f32/{size}\t{n}\t{per * 1e9:.0f} ns/op\t{2 * size ** 3 / per / 1e12:.2f} TFLOP/s", flush=True)

    m = 1 << 26
    x = torch.rand(m, device=dev)
    z = torch.rand(m, device=dev)
    out = torch.zeros(m, device=dev)
    n, per = timeit(lambda: out.add_(z), args.min_time / 2)
    print(f"BenchmarkTorchElementwise/f32/AddInPlace\t{n}\t{per * 1e9:.0f} ns/op\t{12 * m / per / 1e9:.1f} GB/s", flush=True)
    n, per = timeit(lambda: torch.add(x, z), args.min_time / 2)
    print(f"BenchmarkTorchElementwise/f32/Add\t{n}\t{per * 1e9:.0f} ns/op\t{12 * m / per / 1e9:.1f} GB/s", flush=True)


if __name__ == "__main__":
    main()
