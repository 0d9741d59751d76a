#!/usr/bin/env bash
# Cost of `vigil record` on a getppid loop vs the empty-program floor and vs strace, in one run.
# Usage: bench/record.sh [calls-per-run=1000000] [rounds=5]   (root)
source "$(dirname "$(readlink -f "$0")")/common.sh"
if ! command -v strace >/dev/null; then vigil_say "installing strace (apt-get install strace) ..."; apt-get install -y -qq strace >&2; fi
"${JAVA[@]}" dev.vigil.bench.RecordBench "$@"
