#!/usr/bin/env bash
# gpu-check.sh: runs the CUDA backend's tests and GPU benchmarks on a machine with an NVIDIA
# GPU, from test binaries built elsewhere (the GPU machine needs no Go, no compiler and no
# CUDA toolkit: only the driver and cuBLAS), and prints one summary. It finishes in under
# eight minutes: the time limits of its steps add up to eight minutes.
#
# 1. Build the test binaries, on any Linux/amd64 machine with Go and gcc:
#
#        scripts/gpu-check.sh -build
#
#    which runs, from the repository root,
#
#        go test -tags cuda -c -o devbin/cuda.test ./cuda
#        go test -tags cuda -c -o devbin/autograd.test ./autograd
#
# 2. On the GPU machine, from the repository root (with devbin/ copied beside the sources):
#
#        scripts/gpu-check.sh
#
#    If cuBLAS is not where the dynamic loader looks, set GODL_CUDA_LIBRARY_PATH to its folder;
#    otherwise the script looks for it (a CUDA install, a Python wheel's nvidia/cublas/lib).
#    With a CUDA build of PyTorch on the machine it also times PyTorch (cuDNN's LSTM) on the
#    same workloads (bench/pytorch_cuda.py). Logs go to $GPU_CHECK_LOGS (default
#    /tmp/gpu-check).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "-build" ]; then
  set -e
  mkdir -p devbin
  go test -tags cuda -c -o devbin/cuda.test ./cuda
  go test -tags cuda -c -o devbin/autograd.test ./autograd
  ls -l devbin
  exit 0
fi

root=$(pwd)
export GODL_CUDA_REQUIRE_GPU=1 # the tests fail, rather than fall back on the emulator, without a GPU
logs=${GPU_CHECK_LOGS:-/tmp/gpu-check}
mkdir -p "$logs"
start=$(date +%s)
stamp() { echo "== [$(($(date +%s) - start))s] $*"; }

for b in devbin/cuda.test devbin/autograd.test; do
  if [ ! -x "$b" ]; then
    echo "gpu-check: $b is missing: build it first with scripts/gpu-check.sh -build" >&2
    exit 2
  fi
done

# ---- the machine ----------------------------------------------------------------------------
stamp "the machine"
gpu="unknown GPU"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader | tee "$logs/gpu.txt"
  gpu=$(head -1 "$logs/gpu.txt" | cut -d, -f1)
else
  echo "nvidia-smi not found"
fi

# Find cuBLAS when the loader does not.
if [ -z "${GODL_CUDA_LIBRARY_PATH:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so'; then
  dir=""
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    if ls "$d"/libcublas.so.* >/dev/null 2>&1; then dir=$d; break; fi
  done
  if [ -z "$dir" ] && command -v python3 >/dev/null 2>&1; then
    dir=$(python3 -c 'import nvidia.cublas, os; print(os.path.join(list(nvidia.cublas.__path__)[0], "lib"))' 2>/dev/null || true)
  fi
  if [ -z "$dir" ]; then
    f=$(timeout 30 find / -xdev \( -path /proc -o -path /sys \) -prune -o -name 'libcublas.so.1[0-9]*' -print 2>/dev/null | head -1)
    [ -n "$f" ] && dir=$(dirname "$f")
  fi
  if [ -n "$dir" ]; then
    export GODL_CUDA_LIBRARY_PATH=$dir
    echo "cuBLAS found in $dir"
  else
    echo "cuBLAS not found: the device tests will fail to open cuda:0"
  fi
fi

# run NAME SECONDS DIR CMD...: runs CMD in DIR with a time limit, its output in $logs/NAME.log.
declare -A status
run() {
  local name=$1 secs=$2 dir=$3
  shift 3
  stamp "$name"
  (cd "$dir" && timeout "$secs" "$@") >"$logs/$name.log" 2>&1
  local rc=$?
  status[$name]=$rc
  if [ $rc = 124 ]; then echo "   timed out after ${secs}s"; elif [ $rc != 0 ]; then echo "   exit status $rc"; fi
  tail -3 "$logs/$name.log" | sed 's/^/   /'
}

# ---- tests ----------------------------------------------------------------------------------
# The cuda package: the unit tests, the conformance suite, the device tests, the recurrent
# cells, the optimizer updates and the flagship training step against the CPU, on cuda:0.
run cuda-tests 170 cuda "$root/devbin/cuda.test" -test.v -test.timeout 165s
# autograd's gradient checks, PyTorch fixtures and end-to-end models, on cuda:0 among others.
run autograd-tests 80 autograd "$root/devbin/autograd.test" -test.v -test.timeout 75s \
  -test.run 'TestE2E|TestGradCheckEveryOp|TestOpsTorchFixture'

# ---- benchmarks -----------------------------------------------------------------------------
run bench-kernels 50 cuda "$root/devbin/cuda.test" -test.run '^$' -test.bench 'SGEMM|Elementwise' -test.benchtime 20x
run bench-flagship 40 cuda "$root/devbin/cuda.test" -test.run '^$' -test.bench 'FlagshipStep$' -test.benchtime 30x
run bench-flagship-cpu 60 cuda "$root/devbin/cuda.test" -test.run '^$' -test.bench 'FlagshipStepCPU' -test.benchtime 3x
if command -v python3 >/dev/null 2>&1 && python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  run bench-pytorch 50 . python3 bench/pytorch_cuda.py --min-time 1
else
  echo "== PyTorch with CUDA not available here: no PyTorch comparison"
  : >"$logs/bench-pytorch.log"
fi

# ---- the summary ----------------------------------------------------------------------------
# metric LOG BENCH UNIT: the value of UNIT on the result line of BENCH.
metric() {
  awk -v b="$2" -v u="$3" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == u) v = $i } END { print v }' "$logs/$1.log"
}
tests() {
  local log=$logs/$1.log
  local pass fail skip
  pass=$(grep -c -- '--- PASS' "$log")
  fail=$(grep -c -- '--- FAIL' "$log")
  skip=$(grep -c -- '--- SKIP' "$log")
  printf '%-16s %5d passed, %d failed, %d skipped (exit %s)\n' "$1" "$pass" "$fail" "$skip" "${status[$1]}"
  grep -- '--- FAIL' "$log" | head -10 | sed 's/^ */      /'
}
peak=""
case "$gpu" in
*H200*) peak=4800 ;;
*H100*SXM* | *H100\ 80GB\ HBM3*) peak=3350 ;;
*H100*) peak=2000 ;;
*A100*80GB*) peak=2039 ;;
*A100*) peak=1555 ;;
esac
pct() { [ -n "$peak" ] && [ -n "$1" ] && awk -v g="$1" -v p="$peak" 'BEGIN { printf " (%.0f%% of %d GB/s)", 100 * g / p, p }'; }

echo
echo "================================ gpu-check summary ================================"
echo "GPU:            $gpu"
echo "time:           $(($(date +%s) - start)) s"
tests cuda-tests
tests autograd-tests
echo "SGEMM (TFLOP/s):"
for s in 1024 2048 4096 8192; do
  printf '  f32 %-5s  godl %-8s PyTorch %s\n' "$s" "$(metric bench-kernels "BenchmarkSGEMM/f32/$s" TFLOP/s)" \
    "$(metric bench-pytorch "BenchmarkTorchSGEMM/f32/$s" TFLOP/s)"
done
printf '  f64 4096   godl %s\n' "$(metric bench-kernels BenchmarkSGEMM/f64/4096 TFLOP/s)"
printf '  batch 256x128²  godl %s\n' "$(metric bench-kernels BenchmarkSGEMM/f32-batch/256x128 TFLOP/s)"
echo "Elementwise, 2^26 float32 (GB/s):"
for k in AddInPlace Add MulScalarInPlace Exp Tanh Contiguous/transposed Sum Softmax/rows1024; do
  g=$(metric bench-kernels "BenchmarkElementwise/f32/$k" GB/s)
  printf '  %-22s %s%s\n' "$k" "$g" "$(pct "$g")"
done
printf '  %-22s %s (PyTorch)\n' "AddInPlace" "$(metric bench-pytorch BenchmarkTorchElementwise/f32/AddInPlace GB/s)"
gs=$(metric bench-flagship BenchmarkFlagshipStep ms/step)
cs=$(metric bench-flagship-cpu BenchmarkFlagshipStepCPU ms/step)
ts=$(metric bench-pytorch BenchmarkTorchFlagshipStep ms/step)
echo "Flagship training step (batch 64 x 200 tokens, 2-layer LSTM 128), ms/step:"
printf '  godl on the GPU   %s\n' "${gs:-?}"
printf '  godl on the CPU   %s\n' "${cs:-?}"
printf '  PyTorch (cuDNN)   %s\n' "${ts:-not run}"
if [ -n "$gs" ] && [ -n "$cs" ]; then
  awk -v g="$gs" -v c="$cs" 'BEGIN { printf "  GPU speed-up over the CPU: %.1fx (target: at least 10x)\n", c / g }'
fi
if [ -n "$gs" ] && [ -n "$ts" ]; then
  awk -v g="$gs" -v t="$ts" 'BEGIN { printf "  godl / PyTorch: %.2fx the time (target: at most 2x)\n", g / t }'
fi
echo "logs:           $logs"
echo "=================================================================================="
fail=0
for k in cuda-tests autograd-tests; do [ "${status[$k]}" = 0 ] || fail=1; done
exit $fail
