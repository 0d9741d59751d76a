#!/usr/bin/env bash
# The cost of vigil to a real service, side by side in one run: nginx serving a small file
# to wrk on loopback with no probe, the empty-program floor, vigil watch, vigil agent
# (defaults), the agent's workload profiles alone, and those without every call (detectors.profiles.syscalls:
# false) (root; installs nginx and wrk).
# nginx on CPU 0, wrk and vigil on CPU 1, at least 5 interleaved rounds; a loss is claimed only outside
# the no-probe rounds' spread.
# Usage: bench/nginx.sh [seconds-per-round=10] [rounds=5]
source "$(dirname "$(readlink -f "$0")")/common.sh"
vigil_install_packages nginx wrk
"${JAVA[@]}" dev.vigil.bench.NginxBench "$@"
