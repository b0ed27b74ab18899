"""Metrics of the CodeTrans evaluation harness, matching the literature's scripts.

* :func:`smoothed_bleu` — CodeXGLUE code-to-text smoothed BLEU-4 (sentence-level, averaged, 0-100).
* :func:`corpus_bleu` — corpus BLEU-4 equal to Moses ``multi-bleu.perl``; :func:`sacrebleu_corpus`.
* :func:`exact_match`, :func:`execution_accuracy` (with a pluggable :data:`Executor`).
* :func:`distinct_outputs` — how many predictions differ (a collapse check, not a quality score).

Every metric takes ``references[i]`` as a string or a list of strings (multi-reference).
:func:`score` computes a sub-task's whole metric set for the evaluation runner.
"""

from __future__ import annotations

from collections.abc import Sequence

from codetrans.metrics.bleu import (
    BleuStats,
    codexglue_tokens,
    corpus_bleu,
    corpus_bleu_stats,
    sacrebleu_corpus,
    sentence_smoothed_bleu,
    smoothed_bleu,
    smoothed_bleu_items,
)
from codetrans.metrics.execution import (
    Executor,
    execution_accuracy,
    execution_items,
    get_executor,
    has_executor,
    register_executor,
)
from codetrans.metrics.match import distinct_outputs, exact_match, exact_match_items

__all__ = [
    "BleuStats", "Executor", "codexglue_tokens", "corpus_bleu", "corpus_bleu_stats", "distinct_outputs", "exact_match",
    "exact_match_items", "execution_accuracy", "execution_items", "get_executor", "has_executor",
    "register_executor", "sacrebleu_corpus", "score", "sentence_smoothed_bleu", "smoothed_bleu",
    "smoothed_bleu_items",
]


def score(task: str, predictions: Sequence[str], references: Sequence, records: Sequence[dict] | None = None,
          executor: Executor | None = None) -> dict:
    """All metrics for one sub-task's predictions, plus ``metric``/``score`` for its headline metric.

    Text metrics are always computed (so any table can show any of them); execution accuracy only
    for sub-tasks scored by execution (records are then required; the executor is looked up lazily
    when not given).
    """
    from codetrans.tasks import SUBTASKS

    stats = corpus_bleu_stats(predictions, references)
    out: dict = {
        "n": len(predictions),
        "smoothed_bleu": smoothed_bleu(predictions, references),
        "corpus_bleu": stats.score,
        "corpus_bleu_detail": stats.as_dict(),
        "exact_match": exact_match(predictions, references),
        "empty_predictions": sum(1 for p in predictions if not str(p).strip()),
        "distinct_outputs": distinct_outputs(predictions),
    }
    headline = SUBTASKS[task].metric if task in SUBTASKS else "smoothed_bleu"
    if headline == "execution_accuracy" or (executor is not None):
        items, errors = execution_items(predictions, list(records or []), executor or get_executor(task))
        out["execution_accuracy"] = 100.0 * sum(items) / len(items)
        out["executor_errors"] = errors
    out["metric"] = headline
    out["score"] = out[headline]
    return out
