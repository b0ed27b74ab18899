"""The judged validation set: texts to read, and the judged table of several runs side by side.

    # 1. what each run answered, as (item, code, text) to read — labelled ones left out
    python scripts/judged.py items --data corpora/main --split validation --labels docs/quality/labels.jsonl \
        "served before=runs/judged/before" "served now=runs/judged/now" "model alone=runs/judged/model" \
        --out runs/judged/to_label.jsonl
    # 2. after reading and labelling (docs/quality/RUBRIC.md): precision at coverage per run and sub-task
    python scripts/judged.py table --data corpora/main --split validation --labels docs/quality/labels.jsonl \
        "served before=runs/judged/before" "served now=runs/judged/now" "model alone=runs/judged/model"

A run is an ``codetrans evaluate --out`` folder: its ``<task>.pred.txt`` (and ``<task>.conf.txt`` when the
model has a verifier); items are chosen exactly as the harness chose them (``--limit`` evenly spaced).
A run without confidences counts every answer as written (what it served: it wrote everything).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from codetrans.evaluation.judged import item_key, judge, load_labels, text_key
from codetrans.evaluation.runner import load_split, spread
from codetrans.metrics.table import render_judged_table


def run_records(data: str, split: str, run: Path) -> dict[str, tuple[list[dict], list[str], list[float | None]]]:
    """Per sub-task of a run: (records as the harness chose them, predictions, confidences)."""
    ds = load_split(data, split)
    col = ds["task"]
    out = {}
    for pred in sorted(run.glob("*.pred.txt")):
        task = pred.name.removesuffix(".pred.txt")
        preds = pred.read_text(encoding="utf-8").splitlines()
        idx = [i for i, t in enumerate(col) if t == task]
        positions = spread(len(idx), len(preds))
        records = ds.select([idx[p] for p in positions]).to_list()
        conf_path = run / f"{task}.conf.txt"
        confs = ([float(x) if x.strip() else None for x in conf_path.read_text().splitlines()]
                 if conf_path.exists() else [None] * len(preds))
        out[task] = (records, preds, confs + [None] * (len(preds) - len(confs)))
    return out


def _runs(specs: list[str]) -> dict[str, Path]:
    out = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        out[name if sep else Path(spec).name] = Path(path if sep else spec)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["items", "table", "reliability"])
    parser.add_argument("runs", nargs="+", help="NAME=RUN_DIR")
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--labels", required=True)
    parser.add_argument("--threshold", type=float, default=None, help="confidence threshold of runs with confidences")
    parser.add_argument("--out", default=None, help="items: the JSON-lines file of texts to read; reliability: the PNG")
    args = parser.parse_args()
    labels = load_labels(args.labels) if Path(args.labels).exists() else {}
    runs = _runs(args.runs)
    if args.action == "items":
        todo: dict[tuple[str, str], dict] = {}
        for name, run in runs.items():
            for task, (records, preds, _) in run_records(args.data, args.split, run).items():
                for r, text in zip(records, preds):
                    key = (item_key(task, r["source"]), text_key(text))
                    if key in labels:
                        continue
                    row = todo.setdefault(key, {"item": key[0], "task": task, "func_name": r.get("func_name") or "",
                                                "repo": r.get("repo") or "", "path": r.get("path") or "",
                                                "code": r["source"], "text": text, "systems": []})
                    row["systems"].append(name)
        lines = [json.dumps(v, ensure_ascii=False) for v in todo.values()]
        Path(args.out).write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
        print(f"{len(lines)} texts to read -> {args.out}")
        return
    if args.action == "reliability":
        reliability(runs, args.data, args.split, labels, Path(args.out))
        return
    table: dict[str, dict[str, dict]] = {}
    for name, run in runs.items():
        for task, (records, preds, confs) in run_records(args.data, args.split, run).items():
            threshold = args.threshold if any(c is not None for c in confs) else None
            figures, _ = judge(task, records, preds, confs, labels, threshold)
            table.setdefault(name, {})[task] = figures
    print(render_judged_table(table), end="")


def reliability(runs: dict[str, Path], data: str, split: str, labels: dict, out: Path) -> None:
    """Confidence against the judged share of correct (and of not-wrong) answers, in ten bins: the
    reliability plot of the card. Prints the bins as JSON."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.2), dpi=110)
    ax.plot([0, 1], [0, 1], color="#999", lw=1, ls="--", label="perfectly calibrated")
    bins_out = {}
    for name, run in runs.items():
        pts = []
        for task, (records, preds, confs) in run_records(data, split, run).items():
            for r, text, conf in zip(records, preds, confs):
                label = labels.get((item_key(task, r["source"]), text_key(text)))
                if conf is not None and label:
                    pts.append((conf, label))
        bins = []
        for b in range(10):
            lo, hi = b / 10, (b + 1) / 10
            sel = [lab for c, lab in pts if lo <= c < hi or (b == 9 and c == 1.0)]
            if sel:
                bins.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(sel), "mean_confidence": round(
                    sum(c for c, _ in pts if lo <= c < hi or (b == 9 and c == 1.0)) / len(sel), 3),
                             "correct": round(sum(x == "correct" for x in sel) / len(sel), 3),
                             "not_wrong": round(sum(x != "wrong" for x in sel) / len(sel), 3)})
        bins_out[name] = bins
        xs = [b["mean_confidence"] for b in bins]
        ax.plot(xs, [b["correct"] for b in bins], marker="o", label=f"{name}: judged correct")
        ax.plot(xs, [b["not_wrong"] for b in bins], marker="s", ls=":", label=f"{name}: correct or vague")
        for b, x in zip(bins, xs):
            ax.annotate(str(b["n"]), (x, b["correct"]), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlabel("confidence (the verifier's)")
    ax.set_ylabel("share of answers (judged by reading)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title("Reliability of confidence, validation repositories", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(out)
    print(json.dumps(bins_out, indent=1))


if __name__ == "__main__":
    main()
