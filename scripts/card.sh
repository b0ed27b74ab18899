#!/usr/bin/env bash
# Re-measure everything the default model's card shows, then re-render the card from those results only
# (weights and exports untouched). Run from the folder holding corpora/ and the checkout (main/), after
# `bash main/scripts/corpus.sh corpora shared/data`:
#   bash main/scripts/card.sh [CORPUS=corpora/main] [OUT=runs/eval/card] [LIMIT=300]
#   RENDER_ONLY=1 bash main/scripts/card.sh ...     # re-render from the results already in OUT
# About 40 minutes on 2 cores: the model in int8 and float32 and the baselines (evaluate_zoo.sh), what the
# commands serve (grounded in the repository; API by the consensus of the training pool; programs with the
# problems' tests too); then scripts/ship.py --card-only with the training log kept in docs/zoo/results/ and the
# judged-truth figures of docs/quality/results.json. SYNTH=DIR adds an AlgoLisp specialist trained by
# training/zoo/synth_specialist.yaml as a stage (not shipped: only the default model is in the package).
set -euo pipefail
data="${1:-corpora/main}"
out="${2:-runs/eval/card}"
limit="${3:-300}"
main="$(cd "$(dirname "$0")/.." && pwd)"
model="$main/codetrans/models/codetrans-t5-tiny-multitask"
synth="${SYNTH:-}"
if [ -z "${RENDER_ONLY:-}" ]; then
bash "$main/scripts/evaluate_zoo.sh" "$model" "$data" "$out/zoo" "$limit"
codetrans evaluate --model "$model" --data "$data" --out "$out/grounded" --context same-repo --limit "$limit" \
    --backend ct2 --no-progress --tasks document comment commit api
codetrans evaluate --model "examples:$model" --data "$data" --tasks program_synthese --limit "$limit" --backend ct2 \
    --no-progress --out "$out/served_tests"
if [ -n "$synth" ]; then
codetrans evaluate --model "$synth" --data "$data" --tasks program_synthese --limit "$limit" --backend ct2 \
    --no-progress --out "$out/synth_spec"
codetrans evaluate --model "examples:$synth" --data "$data" --tasks program_synthese --limit "$limit" --backend ct2 \
    --no-progress --out "$out/synth_spec_tests"
fi
fi
id="codetrans-t5-tiny-multitask"
python "$main/scripts/ship.py" --card-only --run "$main/docs/zoo/results/mt_all_train.jsonl" --threads 2 \
    --out "$model" --notes "$main/docs/zoo/results/pilots.md" --grounded "$out/grounded" \
    --quality "$main/docs/quality/results.json" --eval \
    "$id (int8, as shipped)=$out/zoo/model" "$id (float32)=$out/zoo/model_fp32" \
    "shipped now: what the commands serve=$out/zoo/model" "shipped now: what the commands serve=$out/grounded/grounded" \
    "what synthesize serves given the problems' tests (--example)=$out/served_tests" \
    ${synth:+"stage: AlgoLisp specialist (recipe, not shipped)=$out/synth_spec"} \
    ${synth:+"stage: AlgoLisp specialist given the tests (recipe, not shipped)=$out/synth_spec_tests"} \
    "$out/zoo/bm25" "$out/zoo/nngen" "$out/zoo/funcname" \
    "same-repository top-1 (commits: history)=$out/grounded/repo-bm25"
