"""The grounded documentation path in the harness: its comparison, and the data its chooser is fit on.

The predictors — ``grounded:MODEL`` (the record's same-repository exemplars, edited, and the model's text,
one chosen by the chooser, as :func:`codetrans.grounding.documentation.ground` answers a user) and ``oracle:MODEL``
(the candidate closest to the reference) — live in :mod:`codetrans.evaluation.predictors`, so that
:func:`~codetrans.evaluation.predictors.make_predictor` builds them without importing this module; they are
re-exported here.

:func:`context_suite` runs the whole comparison: no context, same-repo retrieval (plain and edited), the
grounded path and its oracle, the context model at each k; one table. :func:`chooser_groups` builds what
:func:`codetrans.grounding.chooser.fit_chooser` learns from: the candidates of functions of the **training**
split (exemplars from their own repository, leave-one-out, as at test time) with each candidate's sentence
BLEU against the reference.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.evaluation.context import EXEMPLARS_KEY, attach_exemplars
from codetrans.evaluation.predictors import (
    GROUNDED_MODES,
    GROUNDED_TYPES,
    DecodingOptions,
    GroundedPredictor,
    ModelPredictor,
    make_predictor,
)
from codetrans.evaluation.predictors import grounded_applies as applies
from codetrans.evaluation.runner import evaluate, load_split, select_tasks, spread
from codetrans.tasks import SUBTASKS, get_subtask


def context_suite(model: str | os.PathLike, data: Any, out_dir: str | os.PathLike, ks: Sequence[int],
                  **kw: Any) -> tuple[list[dict], str, list[str]]:
    """The comparison of the grounded path, each in a folder of ``out_dir``: ``model`` without context
    (``no-context``), same-repository top-1 retrieval (``repo-bm25``) and the same edited to the function
    (``repo-bm25-edited``), the grounded path (``grounded``: edited neighbours and the model's text, one
    chosen; :class:`GroundedPredictor`), the oracle of its candidates (``oracle``), and — for a
    model that declares context (``codetrans.json``) — the model with exemplars at each k (``k1``, ...).
    Returns (records, the markdown table, notes)."""
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
    if kw.get("tasks"):  # the grounded path serves documentation, comments, commits and API: only those named
        named = select_tasks(load_split(data, kw.get("split", "test"))["task"], kw["tasks"])
        gkw["tasks"] = [t for t in named if grounded.applies_to(t)]
    try:
        if kw.get("tasks") and not gkw["tasks"]:
            raise CodeTransError("no grounded sub-task (documentation, comment, commit, API) among those named")
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


def chooser_groups(data: Any, model: str | os.PathLike | ModelPredictor, *, split: str = "train",
                   per_task: int = 400, backend: str = "ct2", tasks: Sequence[str] | None = None,
                   progress: bool = True, commit: bool = False) -> tuple[list[tuple[list, list[float], str, dict]], dict]:
    """(candidate groups with their BLEU, sub-task and unit, a summary) for fitting the chooser on ``split``: of the
    documentation and comment sub-tasks, or (``commit``) of commit messages."""
    from codetrans.grounding import grounder
    from codetrans.log import progress_bar
    from codetrans.metrics.bleu import smoothed_bleu_items

    ds = load_split(data, split)
    col = ds["task"]
    chosen = [t for t in dict.fromkeys(col) if t in SUBTASKS and applies(t)
              and SUBTASKS[t].type.verifier_kind == ("commit" if commit else "doc")]
    if tasks:
        chosen = [t for t in chosen if t in tasks]
    predictor = GroundedPredictor("oracle", model, backend=backend)
    groups: list[tuple[list, list[float], str]] = []
    summary: dict[str, int] = {}
    for task in progress_bar(chosen, desc="chooser data", disable=not progress):
        idx = [i for i, t in enumerate(col) if t == task]
        rows = ds.select(idx).to_dict()
        positions = spread(len(idx), per_task * 3)  # many have no repository neighbour: sample wider
        records = ds.select([idx[p] for p in positions]).to_list()
        grounding = grounder(SUBTASKS[task].task_type)
        attach_exemplars(records, positions, rows, split, grounding.k(), None)
        records = [r for r in records if r.get(EXEMPLARS_KEY)][:per_task]
        gens = predictor.generated(task, records, DecodingOptions())
        lang = get_subtask(task).lang or ""
        for r, gen in zip(records, gens):
            cands = grounding.candidates(r["source"], lang, r[EXEMPLARS_KEY], gen, name=str(r.get("func_name") or ""))
            refs = r.get("references") or [r["target"]]
            groups.append((cands, smoothed_bleu_items([c.text for c in cands], [refs] * len(cands)), task,
                           {"source": r["source"], "func_name": str(r.get("func_name") or "")}))
        summary[task] = len(records)
    return groups, {"split": split, "per_task": summary, "model": predictor.model.identity().get("id")}


def check_chooser(chooser: Any, groups: Sequence[tuple[list, list[float], str]], *, split: str) -> dict:
    """Mean sentence BLEU of the top-1 neighbour as retrieved, the generated text, the chooser's pick and the oracle over
    ``groups`` (held-out functions), per sub-task language: how much choosing adds before any test."""
    from collections import defaultdict

    from codetrans.metrics.table import column_label

    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
    for cands, ys, task, *_ in groups:
        s = sums[column_label(task)]
        pick = max(range(len(cands)), key=lambda i: chooser.estimate(cands[i]))
        gen = [y for c, y in zip(cands, ys) if c.kind == "generated"]
        top1 = [y for c, y in zip(cands, ys) if c.kind in ("neighbour", "history") and c.rank == 0 and not c.changes]
        s[0] += top1[0] if top1 else 0.0
        s[1] += gen[0] if gen else 0.0
        s[2] += ys[pick]
        s[3] += max(ys)
        s[4] += 1
    return {"split": split, **{col: {"top1": round(s[0] / s[4], 2), "generated": round(s[1] / s[4], 2),
                                      "chosen": round(s[2] / s[4], 2), "oracle": round(s[3] / s[4], 2), "n": int(s[4])}
                               for col, s in sums.items()}}


__all__ = ["GROUNDED_MODES", "GROUNDED_TYPES", "GroundedPredictor", "applies", "check_chooser", "chooser_groups",
           "context_suite"]
