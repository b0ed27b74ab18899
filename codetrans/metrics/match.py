"""Exact match: the share of predictions equal to one of their references (0-100)."""

from __future__ import annotations

from collections.abc import Sequence

from codetrans.metrics._inputs import check_pairs


def _norm(text: str, lowercase: bool) -> str:
    text = " ".join(text.split())  # runs of whitespace are not a difference worth failing on
    return text.lower() if lowercase else text


def exact_match_items(hypotheses: Sequence, references: Sequence, *, lowercase: bool = False) -> list[bool]:
    """Per item: does the prediction equal any reference (whitespace-normalised)?

    An empty prediction never matches (it scores 0, like every metric here).
    """
    hyps, refs = check_pairs(hypotheses, references)
    out = []
    for hyp, group in zip(hyps, refs):
        h = _norm(hyp, lowercase)
        out.append(bool(h) and any(h == _norm(r, lowercase) for r in group))
    return out


def exact_match(hypotheses: Sequence, references: Sequence, *, lowercase: bool = False) -> float:
    """Percentage (0-100) of predictions equal to one of their references."""
    items = exact_match_items(hypotheses, references, lowercase=lowercase)
    return 100.0 * sum(items) / len(items)


def distinct_outputs(hypotheses: Sequence) -> float:
    """Percentage (0-100) of predictions that differ from every other one (whitespace-normalised).

    Not a quality score: a diversity check. An undertrained model that ignores its input writes the
    same sentence for every item, which a generic sentence can still score a few BLEU points with;
    this figure shows it (100 = every output different, 1/n*100 = one output for all).
    """
    hyps = [_norm(str(h), False) for h in hypotheses]
    return 100.0 * len(set(hyps)) / len(hyps) if hyps else 0.0
