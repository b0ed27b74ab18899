"""Evaluation with repository context: exemplars for a split's records, drawn as at training time.

``--context same-repo`` gives every evaluated record the exemplars :func:`codetrans.data.augment.split_exemplars`
draws (the protocol the context model was trained with, so the figures measure what users get):

* documentation and comments: the other documented functions of the same repository (``repo``, else
  ``group``) in the evaluated split and sub-task, leave-one-out;
* commit messages: the same repository's commits dated strictly before this one (undated: none);
* summarization, API sequences, program synthesis: the sub-task's training split (the shipped-index pool).

The exemplars travel with each record (``_exemplars``, best first); :class:`ModelPredictor` formats them
with :func:`codetrans.serving.context.augment_source` (the pipelines' own formatting) and the
``baseline:repo-bm25`` predictor answers with the nearest one's target. :func:`context_suite` runs the
whole comparison: no context, same-repo retrieval, the context model at each k; one table.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError

#: The pools ``--context`` knows (one for now: the evaluated record's own repository / history).
CONTEXT_POOLS = ("same-repo",)
EXEMPLARS_KEY = "_exemplars"


def check_context(context: str | None) -> str | None:
    if context is not None and context not in CONTEXT_POOLS:
        raise CodeTransError(f"unknown --context {context!r}; choose from {', '.join(CONTEXT_POOLS)}")
    return context


def parse_ks(text: str | Sequence[int]) -> list[int]:
    """``"1,2,4"`` -> ``[1, 2, 4]`` (each 1..16)."""
    from codetrans.serving.context import check_k

    items = text.split(",") if isinstance(text, str) else list(text)
    try:
        ks = [check_k(int(str(x).strip())) for x in items if str(x).strip()]
    except ValueError:
        raise CodeTransError(f"--k takes whole numbers separated by commas, got {text!r}") from None
    if not ks or min(ks) < 1:
        raise CodeTransError("--k needs at least one count of 1 or more")
    return sorted(set(ks))


def attach_exemplars(records: list[dict], positions: Sequence[int], task_rows: dict[str, list], split: str, k: int,
                     train_rows: dict[str, list] | None) -> dict[str, float]:
    """Put up to ``k`` exemplars (``(input, target)`` pairs) on each of ``records`` — rows ``positions``
    of ``task_rows``, every row of the sub-task in the split (the pool holds them all, even under
    ``--limit``). Returns coverage figures for the metrics record."""
    from codetrans.data.augment import AugmentConfig, split_exemplars

    found = split_exemplars(task_rows, split, AugmentConfig(k=k, drop_fraction=0.0), train_rows=train_rows,
                            only=positions)
    counts = []
    for rec, exs in zip(records, (found[p] for p in positions)):
        # (input, target, BM25 score, {func_name}): the grounded path edits and weighs each by them
        rec[EXEMPLARS_KEY] = [(e.input, e.target, e.score, {"func_name": e.meta.get("func_name") or ""}) for e in exs]
        counts.append(len(exs))
    n = max(1, len(counts))
    return {"k": k, "mean_exemplars": round(sum(counts) / n, 3),
            "with_exemplars": round(sum(1 for c in counts if c) / n, 4)}


def context_suite(model: str | os.PathLike, data: Any, out_dir: str | os.PathLike, ks: Sequence[int],
                  **kw: Any) -> tuple[list[dict], str, list[str]]:
    """The comparison of the grounded path, each in a folder of ``out_dir``: ``model`` without context
    (``no-context``), same-repository top-1 retrieval (``repo-bm25``) and the same edited to the function
    (``repo-bm25-edited``), the grounded path (``grounded``: edited neighbours and the model's text, one
    chosen; :mod:`codetrans.evaluation.grounded`), the oracle of its candidates (``oracle``), and — for a
    model that declares context (``codetrans.json``) — the model with exemplars at each k (``k1``, ...).
    Returns (records, the markdown table, notes)."""
    from codetrans.evaluation.grounded import GroundedPredictor
    from codetrans.evaluation.predictors import make_predictor
    from codetrans.evaluation.runner import evaluate
    from codetrans.metrics.table import render_context_table
    from codetrans.serving.context import context_spec

    out = Path(out_dir)
    predictor = make_predictor(model, device=kw.pop("device", None), backend=kw.pop("backend", "torch"))
    kw.pop("name", None)
    grounded = GroundedPredictor("grounded", predictor)
    oracle = GroundedPredictor("oracle", predictor)
    oracle._memo = grounded._memo  # one model run serves both
    records = [evaluate(predictor, data, out / "no-context", name="no context", **kw),
               evaluate("baseline:repo-bm25", data, out / "repo-bm25", name="same-repo top-1",
                        context="same-repo", k=1, **kw),
               evaluate("baseline:repo-bm25-edited", data, out / "repo-bm25-edited", name="top-1 edited",
                        context="same-repo", k=1, **kw)]
    notes = []
    gkw = dict(kw)
    if kw.get("tasks"):  # the grounded path serves documentation and comments: only those of the tasks named
        from codetrans.evaluation.runner import load_split, select_tasks

        named = select_tasks(load_split(data, kw.get("split", "test"))["task"], kw["tasks"])
        gkw["tasks"] = [t for t in named if grounded.applies_to(t)]
    try:
        if kw.get("tasks") and not gkw["tasks"]:
            raise CodeTransError("no documentation or comment sub-task among those named")
        records.append(evaluate(grounded, data, out / "grounded", name="grounded", **gkw))
        records.append(evaluate(oracle, data, out / "oracle", name="oracle of candidates", **gkw))
    except CodeTransError as exc:  # no documentation sub-task among those evaluated
        if "applies to none" not in str(exc) and "among those named" not in str(exc):
            raise
        notes.append(f"grounded columns left out: {exc}")
    if context_spec(getattr(predictor, "path", None)) is None:
        notes.append(f"{model} was not trained with exemplars (no 'context' in its codetrans.json): "
                     "no context-k columns (its grounded candidate is its text without exemplars)")
    else:
        for k in ks:
            records.append(evaluate(predictor, data, out / f"k{k}", name=f"context k={k}", context="same-repo",
                                    k=k, **kw))
    table = render_context_table(records)
    from codetrans.safeio import safe_write

    safe_write(out / "context.md", table)
    return records, table, notes


__all__ = ["CONTEXT_POOLS", "EXEMPLARS_KEY", "attach_exemplars", "check_context", "context_suite", "parse_ks"]
