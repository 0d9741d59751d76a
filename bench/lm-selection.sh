#!/usr/bin/env bash
# Held-out surprise of candidate syscall language models on ADFA-LD's training traces only
# (the normal-data criterion that picks a model; no attack trace is read into a model).
# Usage: bench/lm-selection.sh [ZIP_OR_DIR] [ngram gru:128:1 gru:256:1 gru:128:2 ...]
source "$(dirname "$(readlink -f "$0")")/common.sh"
data=${1:-${VIGIL_ADFA_LD:-$VIGIL_ROOT/../shared/datasets/adfa-ld/ADFA-LD.zip}}
shift || true
"${JAVA[@]}" dev.vigil.bench.LmSelection "$data" "$@"
