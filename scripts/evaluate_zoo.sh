#!/usr/bin/env bash
# The zoo's results table: a model beside the baselines on the test split (held out by repository/package),
# in the harness and with the decoding users get (the CLI's default: CTranslate2 int8, the model's tuned
# decoding), plus the same model in float32 (torch) to show what int8 costs.
#   bash scripts/evaluate_zoo.sh MODEL [CORPUS=corpora/main] [OUT=runs/eval/zoo] [LIMIT=300]
# LIMIT items per sub-task, evenly spaced over it (every sub-task has >= 300 test pairs). Writes
# OUT/{model,model_fp32,bm25,nngen,funcname}/ and the table OUT/results.md.
set -euo pipefail
model="${1:?usage: evaluate.sh MODEL [CORPUS] [OUT] [LIMIT]}"
data="${2:-corpora/main}"
out="${3:-runs/eval/zoo}"
limit="${4:-300}"
name="$(basename "$model")"
run() { codetrans evaluate --data "$data" --limit "$limit" --no-progress "$@"; }
run --model "$model" --out "$out/model" --backend ct2 --name "$name (int8, as shipped)"
run --model "$model" --out "$out/model_fp32" --backend torch --name "$name (float32)"
run --model baseline:bm25 --out "$out/bm25" --name "BM25 retrieval (train pool)"
run --model baseline:nngen --out "$out/nngen" --tasks commit_generation --name "NNGen (train pool)"
run --model baseline:funcname --out "$out/funcname" --name "function name"
codetrans evaluate --table "$out"/{model,model_fp32,bm25,nngen,funcname} --table-out "$out/results.md"
