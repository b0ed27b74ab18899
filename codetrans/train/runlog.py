"""The training log: ``logs/train.jsonl`` (and TensorBoard's ``logs/tb``) written by :class:`RunLog`,
read back by :func:`read_curve` (the one reader: the training curve, the model card's session table,
pilot comparisons).

One JSON object a line, appended by every session of a resumed run: ``start`` (step, params, threads,
``resumed_from``), ``train`` (window mean loss, lr, ``window_tokens``, ``window_s``), ``dev``
(``dev_loss``, ``input_gain``, ``exemplar_gain``) and ``end``.
"""

from __future__ import annotations

import json
from pathlib import Path


class RunLog:
    """JSON lines (``logs/train.jsonl``) and TensorBoard (``logs/tb``) on the main process."""

    def __init__(self, out: Path, enabled: bool, tensorboard: bool) -> None:
        self.enabled = enabled
        self.tb = None
        if not enabled:
            return
        (out / "logs").mkdir(parents=True, exist_ok=True)
        self.f = open(out / "logs" / "train.jsonl", "a", encoding="utf-8")
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.tb = SummaryWriter(str(out / "logs" / "tb"))
            except ImportError:  # tensorboard is an optional extra
                self.tb = None

    def write(self, record: dict) -> None:
        if not self.enabled:
            return
        self.f.write(json.dumps(record) + "\n")
        self.f.flush()
        if self.tb is not None:
            step = record.get("step", 0)
            for k, v in record.items():
                if k != "step" and isinstance(v, (int, float)):
                    self.tb.add_scalar(f"{record.get('event', 'train')}/{k}", v, step)

    def close(self) -> None:
        if self.enabled:
            self.f.close()
            if self.tb is not None:
                self.tb.close()



def read_curve(run: Path, threads: list[int], until_step: int | None = None) -> dict:
    """Train/dev points (core-hours, loss, step), tokens seen, core-hours and per-session figures
    (``sessions``: steps from/to, tokens, wall hours, last losses) of a run's log.

    Each session (a ``start`` event) counts its own torch threads: the event's ``threads`` when logged,
    else ``threads[i]`` for the i-th session (the last value repeats). A session that resumed from a
    checkpoint older than the previous session's last step rolled those steps back: their windows stay
    in core-hours (the CPU was spent) but leave the curve and the tokens seen (the model never kept them).
    ``run``: a run folder or its ``logs/train.jsonl`` (e.g. one kept under ``docs/zoo/results/``).
    ``until_step``: the run as it was at that step (e.g. a shipped checkpoint of a run that went on).
    """
    train, dev, sessions = [], [], []
    secs, core_s, session, n_threads, at_step = 0.0, 0.0, -1, threads[0], {0: 0.0}
    log = run if run.is_file() else run / "logs" / "train.jsonl"  # a run folder, or its log file itself
    for line in log.read_text().splitlines():
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
