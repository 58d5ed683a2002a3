#!/bin/bash
# Round 46's measuring commands for one model, the JSON that rows.py reads.
#   policies/signals/experiments/r46/measure.sh OUT_DIR MODEL_DIR   (from the repository root)
# Round 44's baseline is the same with the shipped model (policies/signals/model).
set -eu
out=$1; mkdir -p "$out"
export CHARTER_SIGNALS_MODEL=$2
PY=.venv/bin/python
$PY -m bench.fresh_eval --json "$out/fresh.json" > "$out/fresh.log" 2>&1 &
.venv/bin/charter eval run policies/evals --json > "$out/evals.json" 2> "$out/evals.log"
$PY -m bench.external_eval --json "$out/external.json" > "$out/external.log" 2>&1 &
$PY -m bench.encodings_eval --json "$out/encodings.json" > "$out/encodings.log" 2>&1
wait
$PY -m bench.multilingual_eval --json "$out/multilingual.json" > "$out/multilingual.log" 2>&1 &
$PY -m bench.long_documents_eval --json "$out/long.json" > "$out/long.log" 2>&1
$PY -m bench.assistant_commands_eval --json "$out/assist.json" > "$out/assist.log" 2>&1
wait
