#!/usr/bin/env bash
# The red-team bench (issue 21): the agent with its defaults (a learning period scaled to
# minutes) guards the scenario benchmark's web service while each evasion technique is
# performed for real, most of them through the service's command-injection flaw and hidden
# from its command line; each is judged named / coverage / missed. (root; about 6 minutes)
# Usage: bench/evasion/run.sh [--learn S=120] [--out DIR=evasion] [--vigil LAUNCHER]
#   --vigil: another build's launcher (an older checkout's ./vigil), for a before/after table
# Writes OUT/table.md, OUT/evasion.json, OUT/alerts.jsonl, OUT/agent.log.
source "$(dirname "$(readlink -f "$0")")/../common.sh"
vigil_install_packages nginx perl
"${JAVA[@]}" dev.vigil.bench.scenario.EvasionBench "$@"
