#!/usr/bin/env bash
# How many profile events one `vigil fleet` instance merges a second, with simulated agents:
# an in-process KRaft broker on loopback, HOSTS hosts x WORKLOADS workloads x ITEMS items
# produced up front, then one fleet instance consumes, merges and publishes signed profiles.
# Prints the rate, the CPU, and on paper what 10,000 hosts need. (no root)
# Usage: bench/fleet.sh [hosts=1000] [workloads=20] [items=50]
source "$(dirname "$(readlink -f "$0")")/common.sh"
"${JAVA[@]}" dev.vigil.bench.FleetBench "$@"
