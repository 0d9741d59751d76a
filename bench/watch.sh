#!/usr/bin/env bash
# Cost of `vigil watch` vs the empty-program floor on the same hook, and kernel memory of its maps, in one run.
# Usage: bench/watch.sh overhead [calls-per-run=2000000] [rounds=7]   |   bench/watch.sh memory [profiles=100 1000]   (root)
source "$(dirname "$(readlink -f "$0")")/common.sh"
"${JAVA[@]}" dev.vigil.bench.WatchBench "$@"
