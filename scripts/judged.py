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
    parser.add_argument("action", choices=["items", "table"])
    parser.add_argument("runs", nargs="+", help="NAME=RUN_DIR")
    parser.add_argument("--data", required=True)
    parser.add_argument("--split", default="validation")
    parser.add_argument("--labels", required=True)
    parser.add_argument("--threshold", type=float, default=None, help="confidence threshold of runs with confidences")
    parser.add_argument("--out", default=None, help="items: the JSON-lines file of texts to read")
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
    table: dict[str, dict[str, dict]] = {}
    for name, run in runs.items():
        for task, (records, preds, confs) in run_records(args.data, args.split, run).items():
            threshold = args.threshold if any(c is not None for c in confs) else None
            figures, _ = judge(task, records, preds, confs, labels, threshold)
            table.setdefault(name, {})[task] = figures
    print(render_judged_table(table), end="")


if __name__ == "__main__":
    main()
