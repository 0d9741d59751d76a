#!/usr/bin/env bash
# Events per second through the ring-buffer path and the share lost, before this change
# (sink in the upcall) and after it (bounded queue, then the sink), in one run (root).
# Usage: bench/ringbuf.sh [events=2000000] [rounds=5]
source "$(dirname "$(readlink -f "$0")")/common.sh"
"${JAVA[@]}" dev.vigil.bpf.RingBufferBench "$@"
