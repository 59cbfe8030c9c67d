#!/usr/bin/env bash
# Installs what the PyTorch side of the benchmark needs, from Debian: PyTorch (CPU), numpy, and OpenBLAS.
# Without libopenblas0-pthread, Debian's torch falls back to the reference BLAS: a 4096^3 matmul took 27 s instead of
# 0.65 s here, and a style step 10.7 s instead of 0.94 s, which would flatter us.
set -euo pipefail
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null || ! ls /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy libopenblas0-pthread >/dev/null
fi
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
