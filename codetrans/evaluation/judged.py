"""Judged truth at coverage: texts labelled by people who read the code, and what a run's answers score on them.

A label file (``docs/quality/labels.jsonl`` in the repository; rubric in ``docs/quality/RUBRIC.md``) holds one
JSON object per line: ``{"item": "<sub-task>:<digest of the model input>", "text": ..., "label": "correct" |
"vague" | "wrong", ...}``. Labels are keyed by item *and* text, so a text nobody has read is visibly
unlabelled: :func:`judge` counts it apart and lists it for reading. An answer is **written** (what
``--write``, the LSP and the hook would put in a file) when its confidence reaches the threshold; judged
precision is over the written answers, coverage is their share of all items.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError

LABELS = ("correct", "vague", "wrong")


def item_key(task: str, source: str) -> str:
    """The stable key of one evaluated unit: its sub-task and a digest of its model input."""
    return f"{task}:{hashlib.sha1(' '.join(source.split()).encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


def text_key(text: str) -> str:
    """Texts that differ only in spacing, case or final punctuation carry the same label."""
    return re.sub(r"\s+", " ", text.strip().lower()).rstrip(" .")


def load_labels(path: str | Path) -> dict[tuple[str, str], str]:
    """(item, text key) -> label, from a JSON-lines label file (the last label of a pair wins)."""
    out: dict[tuple[str, str], str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CodeTransError(f"cannot read the labels {path}: {exc.strerror or exc}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label = row["label"]
            key = (str(row["item"]), text_key(str(row["text"])))
        except (ValueError, KeyError, TypeError):
            raise CodeTransError(f"{path}:{n}: not a label line (item, text, label)") from None
        if label not in LABELS:
            raise CodeTransError(f"{path}:{n}: label must be one of {', '.join(LABELS)}, got {label!r}")
        out[key] = label
    return out


def judge(task: str, records: Sequence[dict], texts: Sequence[str], confidences: Sequence[float | None],
          labels: dict[tuple[str, str], str], threshold: float | None) -> tuple[dict[str, Any], list[dict]]:
    """Judged figures of one sub-task's answers, and the unlabelled (item, source, text) to read.

    With no threshold (no verifier: no confidence) every answer counts as written."""
    counts = {"all": {k: 0 for k in (*LABELS, "unlabelled")}, "written": {k: 0 for k in (*LABELS, "unlabelled")}}
    unlabelled: list[dict] = []
    written = 0
    for rec, text, conf in zip(records, texts, confidences):
        item = item_key(task, rec["source"])
        label = labels.get((item, text_key(text)), "unlabelled")
        wrote = threshold is None or (conf is not None and conf >= threshold)
        written += wrote
        counts["all"][label] += 1
        if wrote:
            counts["written"][label] += 1
        if label == "unlabelled":
            unlabelled.append({"item": item, "func_name": rec.get("func_name") or "", "repo": rec.get("repo") or "",
                               "path": rec.get("path") or "", "source": rec["source"], "text": text,
                               "confidence": conf, "reference": rec.get("target", "")})
    n = len(texts)

    def shares(c: dict[str, int]) -> dict[str, Any]:
        judged = sum(c[k] for k in LABELS)
        if not judged:
            return {"judged": 0, "unlabelled": c["unlabelled"]}
        return {"judged": judged, "unlabelled": c["unlabelled"],
                "correct": round(100 * c["correct"] / judged, 1),
                "correct_or_vague": round(100 * (c["correct"] + c["vague"]) / judged, 1),
                "wrong": round(100 * c["wrong"] / judged, 1)}

    figures = {"threshold": threshold, "items": n, "coverage": round(100 * written / n, 1) if n else 0.0,
               "written": shares(counts["written"]), "all": shares(counts["all"])}
    return figures, unlabelled


__all__ = ["LABELS", "item_key", "judge", "load_labels", "text_key"]
