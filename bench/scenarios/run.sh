#!/usr/bin/env bash
# The live attack-scenario benchmark: a real service in its own network namespace and
# cgroups, seeded normal traffic, vigil's workload profiles learning then watching, a normal
# period (false alarms) and an attack in steps (ground truth), then everything torn down.
# Writes OUT/result.json, OUT/alerts.jsonl and OUT/events.jsonl (replay: vigil agent
# --replay-events). (root; installs nginx)
# Usage: bench/scenarios/run.sh SCENARIO [--learn S=120] [--normal S=300] [--seed N=42] [--out DIR]
#   scenarios: webapp (nginx in front of a C web application with a command-injection flaw)
source "$(dirname "$(readlink -f "$0")")/../common.sh"
vigil_install_packages nginx perl
"${JAVA[@]}" dev.vigil.bench.scenario.ScenarioBench "$@"
