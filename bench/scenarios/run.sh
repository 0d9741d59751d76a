#!/usr/bin/env bash
# The live attack-scenario benchmark (issue 13): a real service in its own network namespace
# and cgroups, seeded normal traffic with a periodic job and a restart, vigil learning then
# watching (the agent's workload profiles and sequence detector, and vigil monitor with stide
# fitted on the learning period's recordings), false alarms over the normal period, an attack
# in steps (ground truth), the service's throughput with vigil off and on, the recordings
# evaluated offline (vigil evaluate --dataset folders); everything torn down. (root)
# Usage: bench/scenarios/run.sh SCENARIO|all [--learn S=120] [--normal S=300] [--seed N=42]
#                               [--period S=30] [--rounds N=3] [--out DIR]
#   scenarios: webapp redis postgres ssh jobs container (docs/scenarios.md; container needs podman)
# Writes OUT/result.json, timeline.png, alerts.jsonl, events.jsonl + agent.yaml (replay:
# vigil agent --config OUT/agent.yaml --replay-events OUT/events.jsonl), traces/, eval/.
source "$(dirname "$(readlink -f "$0")")/../common.sh"
vigil_install_packages nginx perl redis-server postgresql openssh-server openssh-client sshpass runc podman
"${JAVA[@]}" dev.vigil.bench.scenario.ScenarioBench "$@"
