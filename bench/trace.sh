#!/usr/bin/env bash
# Cost of `vigil trace` collectors on a getppid loop vs the empty-program floor, in one run.
# Usage: bench/trace.sh [calls-per-run=2000000] [rounds=7]   (root)
source "$(dirname "$(readlink -f "$0")")/common.sh"
"${JAVA[@]}" dev.vigil.bench.TraceBench "$@"
