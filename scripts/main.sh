#!/usr/bin/env bash
# The main job: set up, then the headline PTQ experiment on the committed FM-ViT and the full Fashion-MNIST test set.
# Prints the results table; writes report/ (executed notebooks, results.jsonl, accuracy.html, summary.md, speed.json).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
workbench-headline --out "${1:-report}"
