"""Evaluation with repository context: exemplars for a split's records, drawn as at training time.

``--context same-repo`` gives every evaluated record the exemplars :func:`codetrans.retrieval.corpus.split_exemplars`
draws (the protocol the context model was trained with, so the figures measure what users get):

* documentation and comments: the other documented functions of the same repository (``repo``, else
  ``group``) in the evaluated split and sub-task, leave-one-out;
* commit messages: the same repository's commits dated strictly before this one (undated: none);
* summarization, API sequences, program synthesis: the sub-task's training split (the shipped-index pool).

The exemplars travel with each record (``_exemplars``, best first); :class:`ModelPredictor` formats them
with :func:`codetrans.serving.context.augment_source` (the pipelines' own formatting) and the
``baseline:repo-bm25`` predictor answers with the nearest one's target.
:func:`codetrans.evaluation.grounded.context_suite` runs the whole comparison: no context, same-repo
retrieval, the context model at each k; one table. This module imports no other evaluation module: the
predictors, the runner and the comparison all read it.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    from codetrans.generation import check_k

    items = text.split(",") if isinstance(text, str) else list(text)
    try:
        ks = [check_k(int(str(x).strip())) for x in items if str(x).strip()]
    except CodeTransError:  # out of range: check_k's own message (a CodeTransError is a ValueError too)
        raise
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
    from codetrans.retrieval.corpus import AugmentConfig, split_exemplars

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


__all__ = ["CONTEXT_POOLS", "EXEMPLARS_KEY", "attach_exemplars", "check_context", "parse_ks"]
