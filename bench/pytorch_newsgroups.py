"""Trains the reference model of examples/newsgroups with PyTorch, on exactly the inputs the Go
program trains on, and prints the same per-epoch figures.

The model: Embedding(vocab, 100, padding_idx=0) -> LSTM(hidden 128, 2 layers, dropout 0.5,
batch_first) -> the last layer's hidden state after each post's own last token ->
Linear(128, 20); cross-entropy; Adam (lr 1e-3).

Both start from the same weights: the script loads the Go program's initial ones from the
export's init.safetensors (--own-init draws PyTorch's own); only the dropout masks differ.

How the lengths reach the LSTM: by default the LSTM runs over the padded batch (posts are
padded at the end) and the model takes the last layer's output at each post's last real step,
which is exactly the final hidden state of a packed sequence (a step never sees the steps after
it), with the same gradients (nothing after that step reaches the loss). With --packed it uses
pack_padded_sequence as the PyTorch tutorial does; PyTorch 1.13's packed LSTM on the CPU is far
slower here (measured: 2-30 s per batch against 0.35 s padded, at 1 thread; its backward adds a
full-size gradient for every step's slice of the packed input, which grows with the square of
the length), so the padded form is the fair, fast peer. At start the script checks, in
evaluation mode on the first test batch, that both forms give the same logits. The vocabulary, the
encoded posts (cut to 200 tokens) and the batches of every epoch (the Go program's length
buckets) come from the Go program's -export:

    go run ./examples/newsgroups -data ../shared/data/20news-bydate.tar.gz -export /tmp/ng
    ../shared/tools/pytorch --threads 2 bench/pytorch_newsgroups.py /tmp/ng

(add -remove to the first command for the posts without headers, footers and quotes). Each
epoch prints its mean training loss, the test loss and accuracy, the seconds of training and
evaluation and the training tokens (real, unpadded ids) per second, in the Go program's
format; the final line is a JSON object with every figure.
"""

import argparse
import json
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence


def read_posts(path):
    labels, ids = [], []
    with open(path) as f:
        for line in f:
            label, rest = line.rstrip("\n").split("\t")
            labels.append(int(label))
            ids.append([int(x) for x in rest.split()])
    return ids, labels


def read_batches(path):
    epochs = {}
    with open(path) as f:
        for line in f:
            ep, rest = line.rstrip("\n").split("\t")
            epochs.setdefault(int(ep), []).append([int(x) for x in rest.split()])
    return epochs


def read_safetensors(path):
    """The tensors of a safetensors file (8-byte little-endian header length, JSON header, data)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[lo:hi]), dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return out


class Classifier(torch.nn.Module):
    def __init__(self, vocab, embed, hidden, layers, dropout, classes):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, embed, padding_idx=0)
        self.lstm = torch.nn.LSTM(embed, hidden, num_layers=layers, dropout=dropout, batch_first=True)
        self.fc = torch.nn.Linear(hidden, classes)

    def forward(self, ids, lengths, packed=False):
        x = self.embedding(ids)
        if packed:
            _, (h, _) = self.lstm(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            return self.fc(h[-1])
        out, _ = self.lstm(x)  # [B, T, H]: the last layer's output at every step
        last = out[torch.arange(len(lengths)), lengths - 1]  # after each post's last real token
        return self.fc(last)


def collate(posts, labels, idx):
    lengths = torch.tensor([len(posts[i]) for i in idx], dtype=torch.int64)
    ids = torch.zeros(len(idx), int(lengths.max()), dtype=torch.int64)
    for k, i in enumerate(idx):
        ids[k, : len(posts[i])] = torch.tensor(posts[i], dtype=torch.int64)
    return ids, lengths, torch.tensor([labels[i] for i in idx], dtype=torch.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("export", help="the folder the Go program's -export wrote")
    ap.add_argument("--epochs", type=int, default=0, help="epochs (default: the exported run's)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-batches", type=int, default=0, help="train on the first N batches of each epoch only (0: all) and skip the evaluation, to time a slow run")
    ap.add_argument("--progress", type=int, default=20, help="print the time every N batches on stderr (0: never)")
    ap.add_argument("--evaluate", metavar="MODEL", help="load a model.safetensors the Go program saved, print its test accuracy and exit")
    ap.add_argument("--own-init", action="store_true", help="draw the initial weights with PyTorch's initializers instead of loading the Go program's (init.safetensors)")
    ap.add_argument("--packed", action="store_true", help="run the LSTM over pack_padded_sequence (slow in PyTorch 1.13 on the CPU) instead of the padded batch")
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    torch.manual_seed(args.seed)

    with open(os.path.join(args.export, "settings.json")) as f:
        s = json.load(f)
    cfg = s["config"]
    train, train_y = read_posts(os.path.join(args.export, "train.txt"))
    test, test_y = read_posts(os.path.join(args.export, "test.txt"))
    batches = read_batches(os.path.join(args.export, "batches.txt"))
    epochs = args.epochs or cfg["epochs"]
    model = Classifier(s["vocab_len"], cfg["embed"], cfg["hidden"], cfg["layers"], cfg["dropout"], len(s["categories"]))
    init = os.path.join(args.export, "init.safetensors")
    if not args.own_init and os.path.exists(init):
        model.load_state_dict(read_safetensors(init), strict=True)
        print("initial weights: the Go program's (init.safetensors)", flush=True)
    else:
        print("initial weights: PyTorch's own initializers", flush=True)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads: {len(train)} training and {len(test)} test posts, "
          f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)

    # The test split in batches of the training size, posts sorted by length, as the Go program evaluates.
    order = sorted(range(len(test)), key=lambda i: len(test[i]))
    size = cfg["batch"]
    test_batches = [collate(test, test_y, order[lo : lo + size]) for lo in range(0, len(order), size)]

    if args.evaluate:
        model.load_state_dict(read_safetensors(args.evaluate), strict=True)
        model.eval()
        right = 0
        with torch.no_grad():
            for ids, lengths, y in test_batches:
                right += int((model(ids, lengths).argmax(1) == y).sum())
        print(f"{args.evaluate}: test accuracy {100 * right / len(test):.2f}%")
        return

    # The padded form and the packed one compute the same function.
    model.eval()
    with torch.no_grad():
        ids, lengths, _ = collate(test, test_y, order[:: max(1, len(order) // 64)])  # lengths of the whole range
        diff = (model(ids, lengths) - model(ids, lengths, packed=True)).abs().max().item()
    print(f"padded and packed logits differ by at most {diff:.2e} on a test batch of {len(lengths)} posts "
          f"of {int(lengths.min())}-{int(lengths.max())} tokens", flush=True)
    if diff > 1e-4:
        sys.exit("padded and packed forms disagree")

    history = []
    for ep in range(epochs):
        model.train()
        loss_sum, seen, tokens = 0.0, 0, 0
        start = time.perf_counter()
        epoch_batches = batches[ep % len(batches)]
        if args.max_batches:
            epoch_batches = epoch_batches[: args.max_batches]
        for n, idx in enumerate(epoch_batches):
            if args.progress and n and n % args.progress == 0:
                el = time.perf_counter() - start
                print(f"  epoch {ep + 1} batch {n}/{len(epoch_batches)}: {el:.1f}s, {tokens / el:.0f} tokens/s, "
                      f"loss {loss_sum / seen:.4f}", file=sys.stderr, flush=True)
            ids, lengths, y = collate(train, train_y, idx)
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(ids, lengths, args.packed), y)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            seen += len(idx)
            tokens += int(lengths.sum())
        train_s = time.perf_counter() - start

        model.eval()
        start = time.perf_counter()
        right, test_loss = 0, 0.0
        with torch.no_grad():
            for ids, lengths, y in test_batches if not args.max_batches else []:
                logits = model(ids, lengths, args.packed)
                test_loss += F.cross_entropy(logits, y, reduction="sum").item()
                right += int((logits.argmax(1) == y).sum())
        eval_s = time.perf_counter() - start
        st = dict(epoch=ep + 1, batches=len(epoch_batches), tokens=tokens, train_loss=loss_sum / seen, test_loss=test_loss / len(test),
                  test_accuracy=right / len(test), train_seconds=train_s, eval_seconds=eval_s,
                  tokens_per_second=tokens / train_s)
        history.append(st)
        print(f"epoch {ep + 1:2d}/{epochs}  train loss {st['train_loss']:.4f}  test loss {st['test_loss']:.4f}  "
              f"test accuracy {100 * st['test_accuracy']:6.2f}%  train {train_s:6.1f}s ({st['tokens_per_second']:6.0f} tokens/s)  "
              f"eval {eval_s:5.1f}s", flush=True)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "packed": args.packed, "epochs": history}))


if __name__ == "__main__":
    main()
