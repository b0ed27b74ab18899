"""The two JSON records both named ``metrics.json``, each with its own schema name and owner.

- :data:`TRAINING` — what a training run measured (steps, tokens, losses, time): written by
  :func:`codetrans.train.finalize.run_metrics` into the run directory and beside the final weights; read by the
  model card (:mod:`codetrans.cards.card`) and ``codetrans finetune``.
- :data:`EVALUATION` — what ``codetrans evaluate`` scored (per sub-task results, the reproducibility record):
  written by :func:`codetrans.evaluation.runner.evaluate` into its output folder; read by result tables
  (:mod:`codetrans.metrics.table`) and the model card.

The file name stays ``metrics.json`` for both (folders written before the schemas had names still read); the
``schema`` field says which one a file is, so a reader handed the other kind says so instead of misreading it.
"""

from __future__ import annotations

from typing import Any

from codetrans.errors import CodeTransError

TRAINING = "codetrans.training-metrics/1"
EVALUATION = "codetrans.eval/1"
_NAMES = {TRAINING: "a training run's metrics (codetrans train)", EVALUATION: "an evaluation record (codetrans evaluate)"}


def schema_of(record: Any) -> str | None:
    """The schema of a parsed record: its ``schema`` field, or for files written before that field, the one its
    keys show; None for anything else."""
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("schema"), str):
        return record["schema"]
    if "results" in record:
        return EVALUATION
    if "strategy" in record and "step" in record:
        return TRAINING
    return None


def check_record(record: Any, schema: str, where: str) -> dict:
    """``record`` when it is of ``schema``; a one-line CodeTransError naming the file and what it holds otherwise."""
    found = schema_of(record)
    if found != schema:
        what = _NAMES.get(found or "", "no record CodeTrans writes")
        raise CodeTransError(f"{where} holds {what}, not {_NAMES[schema]}")
    return record


__all__ = ["EVALUATION", "TRAINING", "check_record", "schema_of"]
