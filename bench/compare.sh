#!/usr/bin/env bash
# Runs the SIMD workloads in godl (BenchmarkSIMD) and in PyTorch (bench/pytorch_simd.py,
# through the project's PyTorch wrapper) in one go, alternating, and prints each workload's
# best rate on both sides with the ratio godl / PyTorch (above 1: godl is faster).
#
#   bench/compare.sh [rounds] [filter]      # from the repository root; rounds defaults to 3
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
filter=${2:-}
out=$(mktemp -d)
go test -c -o "$out/tensor.test" ./tensor
lscpu | grep -m1 'Model name' | sed 's/^/# /'
for ((i = 1; i <= rounds; i++)); do
  "$out/tensor.test" -test.run '^$' -test.bench "BenchmarkSIMD/.*${filter}" -test.benchtime 0.5s >>"$out/godl.txt"
  for t in 1 2; do
    ../shared/tools/pytorch --threads $t bench/pytorch_simd.py --filter "$filter" >>"$out/torch.txt" 2>>"$out/torch.err"
  done
done
grep -m1 'OpenBLAS core' "$out/torch.err" | sed 's/^/# /' || true
awk '
  # Best value of the first metric after ns/op, per workload name (the -N suffix removed).
  function take(file, arr, unit,   line, f, name, i) {
    while ((getline line < file) > 0) {
      if (line !~ /^BenchmarkSIMD\//) continue
      n = split(line, f, /[ \t]+/)
      name = f[1]; sub(/-[0-9]+$/, "", name)
      for (i = 4; i < n; i++) if (f[i+1] == "GFLOP/s" || f[i+1] == "GB/s") {
        if (!(name in arr) || f[i] + 0 > arr[name]) { arr[name] = f[i] + 0; unit[name] = f[i+1] }
        break
      }
    }
  }
  BEGIN {
    take(ARGV[1], g, u); take(ARGV[2], p, u)
    printf "%-45s %10s %10s %7s\n", "workload", "godl", "pytorch", "ratio"
    for (k in g) names[++m] = k
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (names[j] < names[i]) { t = names[i]; names[i] = names[j]; names[j] = t }
    for (i = 1; i <= m; i++) {
      k = names[i]
      if (k in p) printf "%-45s %10.1f %10.1f %7.2f  %s\n", substr(k, 15), g[k], p[k], g[k] / p[k], u[k]
      else printf "%-45s %10.1f %10s\n", substr(k, 15), g[k], "-"
    }
  }' "$out/godl.txt" "$out/torch.txt"
grep 'peak-frac' "$out/godl.txt" | awk '{n=$1; sub(/-[0-9]+$/,"",n); for(i=1;i<NF;i++) if($(i+1)=="peak-frac" && $i+0>b[n]) b[n]=$i+0} END {for (k in b) printf "# %s peak-frac %.2f\n", substr(k,15), b[k]}' | sort
rm -rf "$out"
