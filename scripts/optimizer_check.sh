#!/usr/bin/env bash
# AdamW vs AdamWScale from the same init at equal steps (docs/zoo/README.md, "Optimizer"): on 3 real
# sub-tasks, and on a copy task that only a model reading its input can learn. Each pair runs side by side,
# one core each (~10 minutes a pair on this machine). From the folder holding corpora/ and runs/:
#   bash scripts/optimizer_check.sh [OUT=runs/optimizer_check] [CORPUS=corpora/main]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-runs/optimizer_check}"
corpus="${2:-corpora/main}"
mkdir -p "$out"

python - "$out/copy_ds" <<'EOF'
import random, sys
import datasets
rng = random.Random(0)
words = ("user name value list item file path data index count size key node page text line time date type "
         "code order group table field event").split()
def row():
    seq = [rng.choice(words) for _ in range(rng.randint(4, 10))]
    return {"task": "code_documentation_generation_python", "source": "def f ( " + " , ".join(seq) + " ) : pass",
            "target": " ".join(seq)}
datasets.DatasetDict({s: datasets.Dataset.from_list([row() for _ in range(n)])
                      for s, n in (("train", 20000), ("validation", 500), ("test", 500))}).save_to_disk(sys.argv[1])
EOF

common=(train.steps=300 optim.warmup_steps=100 train.batch_tokens=4096 train.eval_every=100
        train.checkpoint_every=300 train.threads=1 train.resume=never)
pair() {  # $1 name, rest: extra overrides
  local name="$1"; shift
  taskset -c 0 codetrans train "$here/mt_all.yaml" "${common[@]}" "$@" optim.name=adamw optim.lr=0.001 \
      train.output_dir="$out/$name-adamw" > "$out/$name-adamw.log" 2>&1 &
  taskset -c 1 codetrans train "$here/mt_all.yaml" "${common[@]}" "$@" optim.name=adamwscale optim.lr=0.02 \
      train.output_dir="$out/$name-adamwscale" > "$out/$name-adamwscale.log" 2>&1 &
  wait
}
pair real data.path="$corpus" \
    "data.tasks=[code_documentation_generation_python,code_documentation_generation_java,program_synthese]"
pair copy data.path="$out/copy_ds" data.tasks=[]
for run in "$out"/*-adamw "$out"/*-adamwscale; do
  echo "$(basename "$run"): $(grep '"event": "dev"' "$run/logs/train.jsonl" | python -c \
      'import json,sys; print(" ".join(f"{r[\"step\"]}:{r[\"dev_loss\"]:.3f}" for r in map(json.loads, sys.stdin)))')"
done
