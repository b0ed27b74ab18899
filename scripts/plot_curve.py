"""The training curve of a run: training and validation loss against CPU core-hours, as a PNG.

    python scripts/plot_curve.py RUN_DIR --out runs/curve.png [--threads 2]

Reads ``RUN_DIR/logs/train.jsonl`` (every session of a resumed run appends to it) through
:func:`codetrans.train.runlog.read_curve`. Core-hours are the summed wall time of the logged training
windows times the torch threads the run used. Prints a JSON summary (steps, tokens, core-hours, last
losses) as its last line.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from codetrans.train.runlog import read_curve  # the one reader of training logs, beside their writer

__all__ = ["plot", "read_curve"]


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
    ap.add_argument("--threads", default=str(os.cpu_count() or 1),
                    help="torch threads of each session whose log does not say, comma-separated, the last "
                    "repeating (default: this machine's cores)")
    ap.add_argument("--title", default=None)
    args = ap.parse_args()
    run = Path(args.run)
    curve = read_curve(run, [int(t) for t in args.threads.split(",")])
    plot(curve, Path(args.out), args.title or run.name)
    last = lambda xs: xs[-1] if xs else None  # noqa: E731
    print(json.dumps({"steps": (last(curve["train"]) or (0, 0, 0))[2], "tokens": curve["tokens"],
                      "core_hours": round(curve["core_hours"], 3),
                      "wall_hours": round(curve["wall_hours"], 3), "last_train": last(curve["train"]),
                      "last_dev": last(curve["dev"]), "png": args.out}))


if __name__ == "__main__":
    main()
