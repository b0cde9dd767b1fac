#!/bin/sh
# Regenerates the bundled demo dataset from the deterministic generator.
# The answer key lists the findings the planted problems must produce.
# usage: examples/demo/regenerate.sh [build-dir]   (from the repository root)
set -eu
BUILD=${1:-build}
"$BUILD/crmgov-gen" --seed 1 --plant --records 220 --days 60 \
  --answer-key examples/demo/answer-key.json -o examples/demo/events.jsonl
ls -l examples/demo/events.jsonl
