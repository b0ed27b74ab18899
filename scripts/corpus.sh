#!/usr/bin/env bash
# The model zoo's corpus in one command (resumable: finished downloads and the AlgoLisp set are kept):
#   bash scripts/corpus.sh [OUT_DIR=corpora] [SHARED_DATA=../shared/data]
# 1. harvest real source packages (PyPI wheels, Debian source packages incl. the JDK, npm), refusing
#    every project reserved for independent evaluation (codetrans/data/reserved.tsv) by name;
# 2. generate the AlgoLisp program-synthesis set (seeded; test compositions unseen in train);
# 3. build one DatasetDict over all 13 sub-tasks (+ CODE-NN, NNGen and the commits of SHARED_DATA),
#    split by package/repository with >= 300 validation and test pairs per sub-task where data allows.
# Result: OUT_DIR/main (the `data.path` of training/zoo/*.yaml), with build_report.json beside it.
set -euo pipefail
out="${1:-corpora}"
shared="${2:-../shared/data}"
[ -d "$shared" ] || { echo "corpus.sh: research data folder not found: $shared" >&2; exit 2; }
codetrans data harvest --out "$out/harvest"
if [ ! -s "$out/algolisp/test.jsonl" ]; then
  codetrans algolisp generate --out "$out/algolisp" --train 50000 --dev 2000 --test 2000 --seed 0
fi
codetrans data build @"$out/harvest/sources.txt" "$shared" "$out/algolisp" --out "$out/main"
