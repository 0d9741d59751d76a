#!/usr/bin/env bash
# Workload profiles' costs in one run: ns added per call by workload.bpf.c vs the empty
# tp_btf floors (getppid loop and open+close loop, interleaved rounds), or the user-space
# cost of one new item against the size of its dimension.
# Usage: bench/profiles.sh overhead [calls-per-run=2000000] [rounds=7]   (root)
#        bench/profiles.sh items [sizes=100 1000 10000]
#        bench/profiles.sh exec [starts-per-round=2000] [rounds=5]   (root: a program start's cost, BPF statistics per program)
source "$(dirname "$(readlink -f "$0")")/common.sh"
"${JAVA[@]}" dev.vigil.bench.ProfileBench "$@"
