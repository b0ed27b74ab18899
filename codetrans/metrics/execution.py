"""Execution accuracy with a pluggable executor.

An :data:`Executor` decides whether a predicted program is correct for a record (for AlgoLisp: it
runs on the record's tests and gives the expected outputs). Executors are looked up by sub-task
*lazily*, so importing the metrics never imports an interpreter; the program-synthesis helper's
``codetrans.algolisp.scoring.execute_matches`` is the default for ``program_synthese``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from codetrans.errors import CodeTransError
from codetrans.metrics._inputs import as_text
from codetrans.tasks import SYNTHESIS

#: ``executor(prediction, record) -> bool``: True when the predicted program is correct.
Executor = Callable[[str, dict], bool]

# sub-task -> "module:function"; resolved on first use.
_EXECUTORS: dict[str, str | Executor] = {
    SYNTHESIS: "codetrans.algolisp.scoring:execute_matches",
}


def register_executor(task: str, executor: Executor | str) -> None:
    """Make ``executor`` (a callable or ``"module:function"``) score sub-task ``task``."""
    _EXECUTORS[task] = executor


def has_executor(task: str) -> bool:
    """Whether a sub-task is scored by execution."""
    return task in _EXECUTORS


def get_executor(task: str) -> Executor:
    """The executor for a sub-task, importing its module on first use."""
    entry = _EXECUTORS.get(task)
    if entry is None:
        raise CodeTransError(f"no program executor is registered for sub-task {task!r}")
    if callable(entry):
        return entry
    module_name, _, attr = entry.partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise CodeTransError(
            f"the executor for {task!r} ({entry}) is not available in this installation: {exc}") from exc
    _EXECUTORS[task] = fn
    return fn


def execution_items(predictions: Sequence, records: Sequence[dict], executor: Executor) -> tuple[list[bool], int]:
    """(per-item correctness, number of executor errors). A crashing executor counts as wrong."""
    if len(predictions) != len(records):
        raise CodeTransError(f"{len(predictions)} predictions but {len(records)} records: they must be aligned")
    out, errors = [], 0
    for pred, record in zip(predictions, records):
        text = as_text(pred)
        if not text.strip():  # empty prediction scores 0 without running anything
            out.append(False)
            continue
        try:
            out.append(bool(executor(text, record)))
        except Exception:  # noqa: BLE001 - a broken program or executor must not end the run
            errors += 1
            out.append(False)
    return out, errors


def execution_accuracy(predictions: Sequence, records: Sequence[dict], executor: Executor | None = None,
                       *, task: str = SYNTHESIS) -> float:
    """Percentage (0-100) of predictions the executor accepts (default: the sub-task's executor)."""
    if not predictions:
        raise CodeTransError("nothing to score: no predictions given")
    items, _ = execution_items(predictions, records, executor or get_executor(task))
    return 100.0 * sum(items) / len(items)
