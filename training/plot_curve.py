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


def read_curve(run: Path, threads: list[int], until_step: int | None = None) -> dict:
    """Train/dev points (core-hours, loss, step), tokens seen, core-hours and per-session figures
    (``sessions``: steps from/to, tokens, wall hours, last losses) of a run's log.

    Each session (a ``start`` event) counts its own torch threads: the event's ``threads`` when logged,
    else ``threads[i]`` for the i-th session (the last value repeats). A session that resumed from a
    checkpoint older than the previous session's last step rolled those steps back: their windows stay
    in core-hours (the CPU was spent) but leave the curve and the tokens seen (the model never kept them).
    ``until_step``: the run as it was at that step (e.g. a shipped checkpoint of a run that went on).
    """
    train, dev, sessions = [], [], []
    secs, core_s, session, n_threads, at_step = 0.0, 0.0, -1, threads[0], {0: 0.0}
    for line in (run / "logs" / "train.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if until_step is not None and rec.get("event") in ("train", "dev") and rec["step"] > until_step:
            continue
        if rec.get("event") == "start":
            session += 1
            n_threads = rec.get("threads") or threads[min(session, len(threads) - 1)]
            train = [p for p in train if p[2] <= rec["step"]]
            dev = [p for p in dev if p[2] <= rec["step"]]
            sessions.append({"from": rec["step"], "to": rec["step"], "tokens": 0, "wall_hours": 0.0,
                             "loss": None, "dev": None})
        elif rec.get("event") == "train":
            if sessions:
                sessions[-1].update(to=rec["step"], loss=rec["loss"])
                sessions[-1]["tokens"] += rec["window_tokens"]
                sessions[-1]["wall_hours"] += rec["window_s"] / 3600
            secs += rec["window_s"]
            core_s += rec["window_s"] * n_threads
            at_step[rec["step"]] = core_s
            train.append((core_s / 3600, rec["loss"], rec["step"], rec["window_tokens"]))
        elif rec.get("event") == "dev":
            s = max(k for k in at_step if k <= rec["step"])
            dev.append((at_step[s] / 3600, rec["dev_loss"], rec["step"]))
            if sessions:
                sessions[-1]["dev"] = rec["dev_loss"]
    tokens = sum(p[3] for p in train)
    return {"train": [p[:3] for p in train], "dev": dev, "tokens": tokens, "core_hours": core_s / 3600,
            "wall_hours": secs / 3600, "sessions": sessions}


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
