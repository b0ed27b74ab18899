"""The chooser: a linear estimate of each candidate's sentence BLEU, fit on the training repositories.

Documentation falls back to it when the model ships no verifier (``codetrans chooser fit`` writes one;
the default model's ``chooser.json`` sits in its folder); commit subjects have their own features and
rules (:mod:`codetrans.grounding.commit`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.fs import PACKAGE_MODELS
from codetrans.grounding.candidate import Candidate
from codetrans.tasks import DOC_LANGUAGES

KINDS = ("neighbour", "generated")
BASE_FEATURES = ("bias", "log_bm25", "bm25_ratio", "rank0", "rank", "name_overlap", "code_overlap", "same_arity",
         "edited", "log_words", "consensus", "agrees_generated", "mentions_name", "top_log_bm25",
         "top_name_overlap", *(f"lang_{x}" for x in DOC_LANGUAGES))
#: Products with "edited" and "rank0": how much an edit or the top rank is worth depends on the other
#: features (on the validation repositories the chosen answer went from 57.2 to 58.2 smoothed BLEU on Java
#: documentation and from 40.1 to 42.1 on Ruby with them, measured this way before shipping the chooser).
CROSSED = BASE_FEATURES[1:15]
FEATURES = (*BASE_FEATURES, *(f"{n}*edited" for n in CROSSED), *(f"{n}*rank0" for n in CROSSED))
#: Fit for the default model, in its folder; a model without its own chooser.json uses it.
DEFAULT_CHOOSER = PACKAGE_MODELS / "codetrans-t5-tiny-multitask" / "chooser.json"


@dataclass
class Chooser:
    """A linear estimate of each candidate's sentence BLEU, one weight vector per kind; the candidate
    with the highest estimate wins. ``fit`` says what it was fit on (shown in the card and the README)."""

    weights: dict[str, list[float]]
    mean: list[float]
    scale: list[float]
    fit_info: dict = field(default_factory=dict)
    features: tuple[str, ...] = FEATURES  # what each weight multiplies (commit messages have their own)

    def estimate(self, cand: Candidate) -> float:
        w = self.weights.get(cand.kind)
        if w is None:
            return float("-inf")
        return sum(wi * ((x - m) / s if i else x) for i, (wi, x, m, s) in
                   enumerate(zip(w, cand.features, self.mean, self.scale)))

    def choose(self, cands: Sequence[Candidate]) -> Candidate | None:
        return max(cands, key=self.estimate, default=None)

    def as_json(self) -> dict[str, Any]:
        return {"format": 1, "features": list(self.features), "weights": self.weights, "mean": self.mean,
                "scale": self.scale, "fit": self.fit_info}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], features: Sequence[str] = FEATURES) -> Chooser:
        if doc.get("format") != 1 or list(doc.get("features") or []) != list(features):
            raise CodeTransError("the chooser file was made for other features; refit it (codetrans chooser fit)")
        return cls({k: [float(x) for x in v] for k, v in doc["weights"].items()}, [float(x) for x in doc["mean"]],
                   [float(x) for x in doc["scale"]], dict(doc.get("fit") or {}), tuple(features))

    @classmethod
    def load(cls, path: str | Path | None = None, features: Sequence[str] = FEATURES) -> Chooser:
        path = Path(path) if path else DEFAULT_CHOOSER
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")), features)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CodeTransError(f"cannot read the chooser {path}: {exc}") from None


def load_chooser(model_dir: str | Path | None = None) -> Chooser:
    """The model's own ``chooser.json`` when it has one, else the package's (fit for the shipped model),
    else :func:`rule_chooser`."""
    own = Path(model_dir) / "chooser.json" if model_dir else None
    if own is not None and own.is_file():
        return Chooser.load(own)
    return Chooser.load(DEFAULT_CHOOSER) if DEFAULT_CHOOSER.is_file() else rule_chooser()


def rule_chooser() -> Chooser:
    """No fitted file: the nearest neighbour, edited (the measured top-1 baseline), else the model."""
    n = len(FEATURES)
    neighbour = [0.0] * n
    neighbour[FEATURES.index("bias")] = 1.0
    neighbour[FEATURES.index("rank0")] = 1.0
    neighbour[FEATURES.index("edited")] = 0.5  # the nearest, edited when the edit applies
    return Chooser({"neighbour": neighbour, "generated": [0.5] + [0.0] * (n - 1)}, [0.0] * n, [1.0] * n,
                   {"rule": "top-1 edited"})


def fit_chooser(groups: Sequence[tuple[Any, ...]], *, ridge: float = 30.0, info: dict | None = None,
                features: Sequence[str] = FEATURES, kinds: Sequence[str] = KINDS) -> Chooser:
    """Least squares (ridge) of each candidate's sentence BLEU on its features, per kind.
    ``groups``: (candidates of one function, their BLEU against its reference, ...)."""
    import numpy as np

    rows = [(c.kind, c.features, y) for cands, ys, *_ in groups for c, y in zip(cands, ys)]
    if not rows:
        raise CodeTransError("no candidates to fit the chooser on")
    x_all = np.array([f for _, f, _ in rows], dtype=float)
    mean = x_all.mean(axis=0)
    scale = x_all.std(axis=0)
    scale[scale < 1e-6] = 1.0
    mean[0], scale[0] = 0.0, 1.0
    weights = {}
    for kind in kinds:
        sel = [(f, y) for k, f, y in rows if k == kind]
        if not sel:
            continue
        x = (np.array([f for f, _ in sel]) - mean) / scale
        x[:, 0] = 1.0
        y = np.array([y for _, y in sel])
        reg = ridge * np.eye(x.shape[1])
        reg[0, 0] = 0.0  # the bias is not shrunk
        weights[kind] = np.linalg.solve(x.T @ x + reg, x.T @ y).round(6).tolist()
    return Chooser(weights, mean.round(6).tolist(), scale.round(6).tolist(),
                   {**(info or {}), "candidates": len(rows), "functions": len(groups), "ridge": ridge},
                   tuple(features))


__all__ = ["BASE_FEATURES", "CROSSED", "Chooser", "DEFAULT_CHOOSER", "FEATURES", "KINDS", "fit_chooser", "load_chooser", "rule_chooser"]
