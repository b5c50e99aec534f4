#!/usr/bin/env bash
# Compiles every kernel source (*.cu) to PTX with clang's NVPTX back end: no CUDA toolkit,
# no CUDA headers. The PTX is checked in beside its source and embedded in the cuda package
# (kernels.go), which loads it with cuModuleLoadData; the driver JIT-compiles it for the GPU
# at hand (sm_80 and newer).
#
#   ./build.sh          rewrite the .ptx files (go generate ./cuda runs this)
#   ./build.sh -check   compile into a temporary folder and fail if a .ptx file is stale
#
# It also fails when a kernel calls a function that is not defined in its module (a libm call
# that would need libdevice): the driver could not load such PTX.
set -euo pipefail
cd "$(dirname "$0")"

CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
  for c in clang-19 clang; do
    if command -v "$c" >/dev/null 2>&1; then CLANG=$c; break; fi
  done
fi
if [ -z "$CLANG" ]; then
  echo "build.sh: clang-19 not found (apt-get install clang-19)" >&2
  exit 1
fi

FLAGS=(-x cuda --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch=sm_80 -O3 -std=c++17
  -ffp-contract=off -fno-exceptions -Wall -Werror -S)

check=0
if [ "${1:-}" = "-check" ]; then check=1; fi
out=.
if [ $check = 1 ]; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi

status=0
for src in *.cu; do
  ptx="${src%.cu}.ptx"
  "$CLANG" "${FLAGS[@]}" "$src" -o "$out/$ptx"
  if grep -q '^\.extern' "$out/$ptx"; then
    echo "build.sh: $src calls functions that are not defined in it:" >&2
    grep '^\.extern' "$out/$ptx" >&2
    status=1
  fi
  if [ $check = 1 ] && ! cmp -s "$out/$ptx" "$ptx"; then
    echo "build.sh: cuda/kernels/$ptx is stale; run go generate ./cuda and commit it" >&2
    status=1
  fi
done
exit $status
