"""Choose decoding defaults per sub-task on validation data and store them with the model.

    python scripts/tune_decoding.py MODEL_DIR --data corpora/main [--per-task 100] [--out runs/tune]

For each sub-task, a small grid (greedy; beam 4; beam 4 + trigram blocking; and length penalties
0.6 / 1.4 around the best beam setting) is scored by the evaluation harness on the first
``--per-task`` validation items, with the task's own metric. ``max_new_tokens`` is the 99th percentile
of the sub-task's training targets in this model's tokens, plus a margin. The winners go into
``MODEL_DIR/codetrans.json`` under ``decoding`` (pipelines, CLI and demo read them from there), with the
grid's scores under ``decoding_tuning`` so the card can show how they were chosen.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

GRID = [
    {"num_beams": 1, "no_repeat_ngram_size": 0, "length_penalty": 1.0},
    {"num_beams": 4, "no_repeat_ngram_size": 0, "length_penalty": 1.0},
    {"num_beams": 4, "no_repeat_ngram_size": 3, "length_penalty": 1.0},
]
LENGTH_PENALTIES = (0.6, 1.4)


def max_new_tokens(data: str, tokenizer, tasks: list[str], cap: int = 256, sample: int = 2000) -> dict[str, int]:
    import datasets
    import numpy as np

    ds = datasets.load_from_disk(data)["train"].select_columns(["task", "target"])
    col = ds["task"]
    out = {}
    for t in tasks:
        idx = [i for i, x in enumerate(col) if x == t][:sample]
        lens = [len(ids) for ids in tokenizer(list(ds.select(idx)["target"]))["input_ids"]] if idx else [64]
        out[t] = int(min(cap, np.percentile(lens, 99) + 8))
    return out


def main() -> None:
    from codetrans.evaluation.predictors import DecodingOptions
    from codetrans.evaluation.runner import evaluate, load_split
    from codetrans.meta import ModelMeta
    from codetrans.train.tokenizer import load_tokenizer

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("--data", default="corpora/main")
    ap.add_argument("--per-task", type=int, default=100)
    ap.add_argument("--out", default=None, help="where the grid's predictions go (default MODEL/../tune)")
    ap.add_argument("--tasks", nargs="+", default=None)
    ap.add_argument("--backend", choices=["ct2", "torch"], default="ct2",
                    help="decode as users do (ct2: the CLI's default, int8) or with torch float32")
    args = ap.parse_args()
    model = Path(args.model)
    out = Path(args.out or model.parent / "tune_decoding")
    tasks = args.tasks or sorted(set(load_split(args.data, "validation")["task"]))
    lengths = max_new_tokens(args.data, load_tokenizer(model), tasks)

    def run(task: str, cfg: dict) -> float:
        tag = f"b{cfg['num_beams']}_nr{cfg['no_repeat_ngram_size']}_lp{cfg['length_penalty']}"
        dec = DecodingOptions(num_beams=cfg["num_beams"], no_repeat_ngram_size=cfg["no_repeat_ngram_size"],
                              length_penalty=cfg["length_penalty"], max_length=lengths[task])
        m = evaluate(str(model), args.data, out / tag, split="validation", tasks=[task], decoding=dec,
                     limit=args.per_task, progress=False, backend=args.backend)
        return float(m["results"][task]["score"])

    chosen, tuning = {}, {}
    for task in tasks:
        scores = {json.dumps(c, sort_keys=True): run(task, c) for c in GRID}
        best = json.loads(max(scores, key=scores.get))
        if best["num_beams"] > 1:
            for lp in LENGTH_PENALTIES:
                c = {**best, "length_penalty": lp}
                scores[json.dumps(c, sort_keys=True)] = run(task, c)
            best = json.loads(max(scores, key=scores.get))
        chosen[task] = {**best, "max_new_tokens": lengths[task]}
        tuning[task] = {"n": args.per_task, "backend": args.backend, "scores": {k: round(v, 3) for k, v in scores.items()}}
        print(f"{task}: {chosen[task]} (score {max(scores.values()):.2f})", flush=True)
    meta = ModelMeta.read(model)
    meta.decoding, meta.decoding_tuning = chosen, tuning
    meta.decoding_inherited_from = None  # tuned on this model now (the engine's stand-in is replaced)
    meta.write(model)
    print(json.dumps({"decoding": chosen}))


if __name__ == "__main__":
    main()
