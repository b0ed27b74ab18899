"""The training curve of a run: training and validation loss against CPU core-hours, as a PNG.

    python training/plot_curve.py RUN_DIR --out model_cards/curve.png [--threads 2]

Reads ``RUN_DIR/logs/train.jsonl`` (every session of a resumed run appends to it). Core-hours are the
summed wall time of the logged training windows times the torch threads the run used. Prints a JSON
summary (steps, tokens, core-hours, last losses) as its last line.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def read_curve(run: Path, threads: int) -> dict:
    train, dev = [], []
    secs, tokens, at_step = 0.0, 0, {0: 0.0}
    for line in (run / "logs" / "train.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec.get("event") == "train":
            secs += rec["window_s"]
            tokens += rec["window_tokens"]
            at_step[rec["step"]] = secs
            train.append((secs * threads / 3600, rec["loss"], rec["step"]))
        elif rec.get("event") == "dev":
            s = max(k for k in at_step if k <= rec["step"])
            dev.append((at_step[s] * threads / 3600, rec["dev_loss"], rec["step"]))
    return {"train": train, "dev": dev, "tokens": tokens, "core_hours": secs * threads / 3600}


def plot(curve: dict, out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    if curve["train"]:
        x, y, _ = zip(*curve["train"])
        ax.plot(x, y, lw=0.8, alpha=0.7, label="training loss (window mean)")
    if curve["dev"]:
        x, y, _ = zip(*curve["dev"])
        ax.plot(x, y, "o-", ms=3, label="validation loss")
    ax.set_xlabel("CPU core-hours")
    ax.set_ylabel("cross-entropy per target token")
    ax.set_title(f"{title} — {curve['tokens'] / 1e6:.1f}M target+source tokens seen")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run")
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="torch threads the run trained with (default: this machine's cores)")
    ap.add_argument("--title", default=None)
    args = ap.parse_args()
    run = Path(args.run)
    curve = read_curve(run, args.threads)
    plot(curve, Path(args.out), args.title or run.name)
    last = lambda xs: xs[-1] if xs else None  # noqa: E731
    print(json.dumps({"steps": (last(curve["train"]) or (0, 0, 0))[2], "tokens": curve["tokens"],
                      "core_hours": round(curve["core_hours"], 3), "last_train": last(curve["train"]),
                      "last_dev": last(curve["dev"]), "png": args.out}))


if __name__ == "__main__":
    main()
