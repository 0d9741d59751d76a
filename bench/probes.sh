#!/usr/bin/env bash
# Cost per hit of a custom probe (uprobe, uprobe+uretprobe, USDT) vs no probe and an empty uprobe, in one run.
# Usage: bench/probes.sh [calls-per-run=500000] [rounds=5]   (root; 2 CPUs: the loop on CPU 1, vigil's reader on CPU 0)
source "$(dirname "$(readlink -f "$0")")/common.sh"
vigil_say "custom probes: interleaved rounds, medians (takes about a minute) ..."
taskset -c 0 "${JAVA[@]}" dev.vigil.bench.ProbeBench "$@"
