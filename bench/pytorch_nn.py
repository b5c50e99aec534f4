"""Times PyTorch on the workloads of nn/bench_test.go, for a side-by-side comparison:

  - FlagshipStep: Embedding(20000, 100) -> LSTM(hidden 128, 2 layers, dropout 0.5,
    batch_first) -> the last layer's final hidden state -> Linear(128, 20), cross-entropy,
    batch 64 of 200 tokens: forward, backward and an Adam (lr 1e-3) update;
  - FlagshipInference: the same model's forward pass in eval mode under torch.no_grad();
  - LSTMForward: the two-layer LSTM's forward pass alone, recording for backward;
  - MultiheadAttention/forward and /forward+backward: self-attention, embed 128, 4 heads,
    batch_first, a batch of 32 sequences of 128 positions (no weights returned).

Run it through the project's PyTorch wrapper (it sets OMP_NUM_THREADS and prints the OpenBLAS
kernel on stderr):

    ../shared/tools/pytorch --threads 1 bench/pytorch_nn.py
    ../shared/tools/pytorch --threads 2 bench/pytorch_nn.py --count 3

Result lines have the Go benchmark format (ms/step and tokens/s as extra metrics), so
benchstat can read them next to
`go test ./nn -run '^$' -bench 'Flagship|LSTMForward|MultiheadAttention'`.
"""

import argparse
import os
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
    fn()  # warm up
    n, total = 0, 0.0
    while total < min_time or n < 2:
        start = time.perf_counter()
        fn()
        total += time.perf_counter() - start
        n += 1
    return n, total / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--min-time", type=float, default=3.0)
    args = ap.parse_args()
    threads = int(os.environ["OMP_NUM_THREADS"])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Flagship()
    ids = torch.randint(0, VOCAB, (BATCH, LEN))
    y = torch.randint(0, CLASSES, (BATCH,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids), y)
        loss.backward()
        opt.step()

    def infer():
        with torch.no_grad():
            model(ids)

    x = torch.randn(BATCH, LEN, EMBED)

    def lstm_forward():
        model.lstm(x)

    mha = torch.nn.MultiheadAttention(128, 4, batch_first=True)
    xa = torch.randn(32, 128, 128, requires_grad=True)

    def attn_forward():
        mha(xa, xa, xa, need_weights=False)

    def attn_step():
        out, _ = mha(xa, xa, xa, need_weights=False)
        out.sum().backward()
        mha.zero_grad(set_to_none=True)
        xa.grad = None

    def run(name, fn, train):
        model.train(train)
        n, per = timeit(fn, args.min_time)
        toks = BATCH * LEN / per
        print(f"Benchmark{name}/threads={threads}-{threads}\t{n}\t{per * 1e9:.0f} ns/op\t{per * 1e3:.2f} ms/step\t{toks:.0f} tokens/s", flush=True)

    def run_attn(name, fn):
        n, per = timeit(fn, args.min_time)
        print(f"BenchmarkMultiheadAttention/{name}/threads={threads}-{threads}\t{n}\t{per * 1e9:.0f} ns/op\t{per * 1e3:.2f} ms/op", flush=True)

    for _ in range(args.count):
        run("FlagshipStep", step, True)
        run("FlagshipInference", infer, False)
        run("LSTMForward", lstm_forward, True)
        run_attn("forward", attn_forward)
        run_attn("forward+backward", attn_step)


if __name__ == "__main__":
    main()
