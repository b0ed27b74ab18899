"""Development figures of the baselines on splits made from ../shared/data, through the harness.

Splits (deterministic, nothing random about them):

* commit messages — the 2,511 NNGen pairs (``nngen/cleaned.valid.{diff,msg}``): an item is dev when
  ``sha256(diff) % 10 < 2`` (~20 %), the rest is the retrieval pool. Hashing the diff text keeps
  duplicate diffs on one side, so no dev diff has a copy in the pool.
* summarisation — CODE-NN per language: the pool is ``valid.txt``, dev is ``dev/dev.txt`` (C# with
  the three references per item of ``dev/ref.txt``). No dev id occurs in the pools (checked here).

Each baseline runs through :func:`codetrans.evaluation.evaluate` (the same code that scores models),
against a *random neighbour* (a seeded random pool item's target) measured in the same run: the
ratios (on smoothed BLEU-4, defined even where corpus BLEU is 0) say what the retrieval signal is worth. Prints a markdown table, and one JSON object as
the last line.

    python benchmarks/eval_baselines.py [--data ../shared/data] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class RandomNeighbour:
    """The floor: the target of a random pool item (seeded per sub-task)."""

    name = "baseline:random"

    def __init__(self, seed: int = 0):
        self.seed = seed
        self.targets: list[str] = []

    def identity(self) -> dict:
        return {"kind": "baseline", "id": self.name, "seed": self.seed}

    def prepare(self, task, train) -> None:
        self.targets = [r["target"] for r in train]
        self.rng = random.Random(f"{self.seed}:{task}")

    def predict(self, task, records, options, advance) -> list[str]:
        advance(len(records))
        return [self.rng.choice(self.targets) for _ in records]


def build_splits(data: Path, work: Path) -> dict[str, str]:
    import datasets

    from codetrans.data.loaders import load_codenn, load_nngen

    out: dict[str, str] = {}
    pairs = load_nngen(data / "nngen" / "cleaned.valid")
    is_dev = [int(hashlib.sha256(r["source"].encode()).hexdigest(), 16) % 10 < 2 for r in pairs]
    dd = datasets.DatasetDict(
        train=datasets.Dataset.from_list([r for r, d in zip(pairs, is_dev) if not d]),
        test=datasets.Dataset.from_list([r for r, d in zip(pairs, is_dev) if d]))
    dd.save_to_disk(str(work / "nngen"))
    out["nngen"] = str(work / "nngen")
    for lang in ("python", "sql", "csharp"):
        pool = load_codenn(data / "codenn" / lang / "valid.txt")
        dev = load_codenn(data / "codenn" / lang / "dev" / "dev.txt")
        leaked = {r["id"] for r in pool} & {r["id"] for r in dev}
        if leaked:
            raise SystemExit(f"CODE-NN {lang}: {len(leaked)} dev ids are in the pool")
        keep = ("task", "source", "target", "id")
        dd = datasets.DatasetDict(
            train=datasets.Dataset.from_list([{k: r[k] for k in keep} for r in pool]),
            test=datasets.Dataset.from_list([{**{k: r[k] for k in keep}, "references": r["references"]}
                                             for r in dev]))
        dd.save_to_disk(str(work / f"codenn_{lang}"))
        out[f"codenn_{lang}"] = str(work / f"codenn_{lang}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", help="keep predictions and metrics here (default: a temporary folder)")
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not (data / "nngen").is_dir() or not (data / "codenn").is_dir():
        print(f"no shared data at {data} (need nngen/ and codenn/)", file=sys.stderr)
        return 2

    import datasets

    datasets.disable_progress_bars()
    from codetrans.evaluation import evaluate, render_table

    tmp = tempfile.TemporaryDirectory()
    work = Path(args.out) if args.out else Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    splits = build_splits(data, work / "data")
    t_data = time.perf_counter() - t0
    plan = [("nngen", ["baseline:nngen", "baseline:bm25"]),
            ("codenn_python", ["baseline:bm25", "baseline:nngen"]),
            ("codenn_sql", ["baseline:bm25", "baseline:nngen"]),
            ("codenn_csharp", ["baseline:bm25", "baseline:nngen"])]
    records: dict[str, dict] = {}
    figures: dict[str, dict] = {}
    for split_name, models in plan:
        for model in [*models, "random"]:
            predictor = RandomNeighbour() if model == "random" else model
            label = {"baseline:nngen": "NNGen", "baseline:bm25": "BM25 retrieval",
                     "random": "random neighbour"}[model]
            t = time.perf_counter()
            rec = evaluate(predictor, splits[split_name], work / "runs" / split_name / label.replace(" ", "_"),
                           name=label, progress=False, overwrite=True)
            secs = time.perf_counter() - t
            records.setdefault(label, {"name": label, "results": {}})["results"].update(rec["results"])
            for task, res in rec["results"].items():
                figures.setdefault(task, {"n": res["n"], "metric": res["metric"],
                                          "split": split_name})[label] = {
                    "score": round(res["score"], 3), "smoothed_bleu": round(res["smoothed_bleu"], 3),
                    "corpus_bleu": round(res["corpus_bleu"], 3), "exact_match": round(res["exact_match"], 3),
                    "seconds": round(secs, 2)}
    rows = [records[k] for k in ("NNGen", "BM25 retrieval", "random neighbour")]
    print("## Baselines on development splits (headline metric per column)\n")
    print(render_table(rows))
    print("## Same runs, smoothed BLEU-4 everywhere\n")
    print(render_table(rows, metric="smoothed_bleu"))
    # ratios on smoothed BLEU: defined everywhere (the random floor's corpus BLEU is often exactly 0)
    ratios = {}
    for task, f in figures.items():
        base = f["random neighbour"]["smoothed_bleu"]
        ratios[task] = {k: round(v["smoothed_bleu"] / base, 2) if base else None
                        for k, v in f.items() if isinstance(v, dict) and k != "random neighbour"}
        ratios[task]["NNGen/BM25"] = round(f["NNGen"]["score"] / f["BM25 retrieval"]["score"], 3)
    sizes = {name: {s: datasets.load_from_disk(p)[s].num_rows for s in ("train", "test")}
             for name, p in splits.items()}
    print(json.dumps({"benchmark": "eval_baselines", "split_sizes": sizes, "figures": figures,
                      "smoothed_bleu_ratio_vs_random_neighbour": ratios, "data_seconds": round(t_data, 2),
                      "total_seconds": round(time.perf_counter() - t0, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
