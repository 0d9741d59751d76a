#!/usr/bin/env bash
# Samples scored per second by run's model (JMH), then training seconds per epoch for
# 10,000 samples at batch 16 and 256.   Usage: bench/scoring.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"
"${JAVA[@]}" org.openjdk.jmh.Main ScoringBench -foe true
"${JAVA[@]}" dev.vigil.bench.TrainingBench "$@"
