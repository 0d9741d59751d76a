#!/usr/bin/env bash
# Per-syscall cost of vigil's histogram probe vs no probe and the empty-program floor, in one run.
# Usage: bench/kernel-overhead.sh [calls-per-run=2000000] [rounds=7]   (root)
source "$(dirname "$(readlink -f "$0")")/common.sh"
"${JAVA[@]}" dev.vigil.bench.KernelOverheadBench "$@"
