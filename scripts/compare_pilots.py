"""Compare size pilots on equal terms: validation loss in bits per target character.

Per-token losses of models with different vocabularies are not comparable (an 8k vocabulary cuts a
summary into more, easier tokens than a 16k one), so every pilot is scored on the same fixed sample of
validation pairs (``--per-task`` per sub-task, seed 0) as summed target NLL / target characters.
Each pilot is read at its latest checkpoint; its CPU seconds and tokens come from its training log.

    cd /work && python main/scripts/compare_pilots.py main/training/zoo/pilots/*.yaml --data corpora/main

Prints a markdown table and, as its last line, JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path


def sample_pairs(data: str, per_task: int, seed: int = 0) -> dict[str, list[tuple[str, str]]]:
    import datasets

    ds = datasets.load_from_disk(data)["validation"].select_columns(["task", "source", "target"])
    by_task: dict[str, list[int]] = {}
    for i, t in enumerate(ds["task"]):
        by_task.setdefault(t, []).append(i)
    rng = random.Random(seed)
    out = {}
    for t, idx in sorted(by_task.items()):
        pick = sorted(rng.sample(idx, min(per_task, len(idx))))
        rows = ds.select(pick)
        out[t] = list(zip(rows["source"], rows["target"]))
    return out


def bits_per_char(model, tokenizer, pairs: list[tuple[str, str, str]], max_source: int, batch: int = 16) -> float:
    import torch

    from codetrans.tasks import format_input

    nll, chars = 0.0, 0
    for i in range(0, len(pairs), batch):
        part = pairs[i:i + batch]
        enc = tokenizer([format_input(task, s) for task, s, _ in part], max_length=max_source, truncation=True,
                        padding=True, return_tensors="pt")
        lab = tokenizer([y for _, _, y in part], max_length=512, truncation=True, padding=True,
                        return_tensors="pt")["input_ids"]
        lab[lab == tokenizer.pad_token_id] = -100
        with torch.no_grad():
            logits = model(**enc, labels=lab).logits
        nll += torch.nn.functional.cross_entropy(logits.flatten(0, 1).float(), lab.flatten(), ignore_index=-100,
                                                 reduction="sum").item()
        chars += sum(len(y) + 1 for _, _, y in part)  # + 1: the end of the text is predicted too (EOS)
    return nll / chars / math.log(2)


def pilot_log(out: Path) -> dict:
    """Training seconds (1 thread), steps and real tokens seen, from logs/train.jsonl (all sessions)."""
    from plot_curve import read_curve  # the one reader of training logs (scripts/plot_curve.py)

    curve = read_curve(out, threads=[1]) if (out / "logs" / "train.jsonl").exists() else None
    if curve is None:
        return {"train_seconds": 0.0, "tokens": 0, "step": 0, "dev_loss_per_token": None}
    return {"train_seconds": round(curve["core_hours"] * 3600, 1), "tokens": curve["tokens"],
            "step": curve["train"][-1][2] if curve["train"] else 0,
            "dev_loss_per_token": curve["dev"][-1][1] if curve["dev"] else None}


def main() -> None:
    import torch

    from codetrans.train import load_recipe
    from codetrans.train.checkpoint import list_checkpoints
    from codetrans.train.engine import get_model
    from codetrans.train.modeling import count_parameters
    from codetrans.train.tokenizer import load_tokenizer

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("recipes", nargs="+")
    ap.add_argument("--data", default="corpora/main")
    ap.add_argument("--per-task", type=int, default=40)
    args = ap.parse_args()
    samples = sample_pairs(args.data, args.per_task)
    rows = []
    for path in args.recipes:
        r = load_recipe(path)
        ckpts = list_checkpoints(r.output_dir / "checkpoints")
        if not ckpts:
            print(f"{path}: no checkpoint yet in {r.output_dir}")
            continue
        tok = load_tokenizer(r.tokenizer.path)
        model = get_model(r, tok)
        model.load_state_dict(torch.load(ckpts[-1] / "state.pt", map_location="cpu", weights_only=False)["model"])
        model.eval()
        per = {t: round(bits_per_char(model, tok, [(t, s, y) for s, y in pairs], r.data.max_source_length), 4)
               for t, pairs in samples.items()}
        rows.append({"pilot": r.name, "size": r.model.size, "vocab": len(tok), "params": count_parameters(model),
                     "checkpoint": ckpts[-1].name, **pilot_log(r.output_dir),
                     "bits_per_char": round(sum(per.values()) / len(per), 4), "per_task": per})
    print("| pilot | params | vocab | CPU-min | steps | tokens | dev bits/char (macro over sub-tasks) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for x in rows:
        print(f"| {x['pilot']} | {x['params'] / 1e6:.1f}M | {x['vocab']:,} | {x['train_seconds'] / 60:.0f} | "
              f"{x['step']:,} | {x['tokens'] / 1e6:.2f}M | {x['bits_per_char']:.3f} |")
    print(json.dumps({"per_task_sample": args.per_task, "pilots": rows}))


if __name__ == "__main__":
    main()
