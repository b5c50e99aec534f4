#!/usr/bin/env bash
# Runs the nn workloads (nn/bench_test.go: the flagship LSTM training step and inference,
# the LSTM's forward pass, MultiheadAttention forward and forward+backward) in godl and in
# PyTorch (bench/pytorch_nn.py, through the project's PyTorch wrapper) alternately, at 1
# and 2 threads, and prints every line of both in the Go benchmark format.
#
#   bench/nn_compare.sh [rounds]      # from the repository root; rounds defaults to 2
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/nn.test" ./nn
lscpu | grep -m1 'Model name' | sed 's/^/# /'
uptime | sed 's/^/# /'
for ((i = 1; i <= rounds; i++)); do
  "$out/nn.test" -test.run '^$' -test.bench 'Flagship|LSTMForward|MultiheadAttention' -test.benchtime 5x | grep '^Benchmark' | sed 's/^/godl    /'
  for t in 1 2; do
    ../shared/tools/pytorch --threads $t bench/pytorch_nn.py --min-time 1.5 2>>"$out/torch.err" | sed 's/^/pytorch /'
  done
done
grep -m1 'OpenBLAS core' "$out/torch.err" | sed 's/^/# /' || true
uptime | sed 's/^/# /'
