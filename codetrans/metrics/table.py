"""Markdown tables in the paper's layout: one row per model/strategy, one column per sub-task."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from codetrans.errors import CodeTransError
from codetrans.tasks import SUBTASKS

_TYPE_LABEL = {"document": "Doc", "summarize": "Sum", "comment": "Comment", "commit": "Commit",
               "api": "API", "synthesize": "AlgoLisp"}
_LANG_LABEL = {"python": "Python", "java": "Java", "go": "Go", "php": "PHP", "ruby": "Ruby",
               "javascript": "JS", "sql": "SQL", "c_sharp": "C#"}
_METRIC_LABEL = {"smoothed_bleu": "smoothed BLEU-4 (CodeXGLUE)", "corpus_bleu": "corpus BLEU-4 (multi-bleu)",
                 "execution_accuracy": "execution accuracy %", "exact_match": "exact match %",
                 "distinct_outputs": "distinct outputs %"}


def column_label(task: str) -> str:
    """``code_documentation_generation_python`` -> ``Doc Python``; unknown ids stay as they are."""
    st = SUBTASKS.get(task)
    if st is None:
        return task
    if st.task_type in ("commit", "api", "synthesize"):
        return _TYPE_LABEL[st.task_type]
    return f"{_TYPE_LABEL[st.task_type]} {_LANG_LABEL.get(st.lang, st.lang)}"


def load_results(paths: Iterable[str | Path]) -> list[dict]:
    """Metrics records from JSON files (or evaluation output folders holding metrics.json).

    ``LABEL=PATH`` names the record's row ``LABEL``: several results under one label make one row (what
    a command serves per sub-task), a later one's sub-tasks replacing an earlier one's."""
    out = []
    for p in paths:
        path, label = Path(p), None
        if not path.exists() and "=" in str(p):
            label, _, rest = str(p).partition("=")
            path = Path(rest)
        if path.is_dir():
            path = path / "metrics.json"
        from codetrans.safeio import InputError, read_bytes

        if not path.exists():
            raise CodeTransError(f"no results file at {path}")
        try:
            rec = json.loads(read_bytes(path, 200_000_000).decode("utf-8"))
        except InputError:
            raise
        except (ValueError, RecursionError) as exc:  # JSON or UTF-8
            raise CodeTransError(f"{path} is not a metrics JSON: {' '.join(str(exc).split())[:200]}") from None
        from codetrans.records import EVALUATION, check_record

        check_record(rec, EVALUATION, str(path))
        if label:
            rec = {**rec, "name": label}
        out.append(rec)
    return out


def render_table(records: Sequence[dict], metric: str = "score", digits: int = 2) -> str:
    """A markdown table of ``metric`` (default each sub-task's headline ``score``) for the records.

    Records with the same ``name`` share a row (a model evaluated one sub-task at a time); rows keep
    first-seen order, columns follow the task registry's order (unknown sub-tasks last).
    """
    rows: dict[str, dict[str, float]] = {}
    for rec in records:
        row = rows.setdefault(str(rec.get("name", "?")), {})
        for task, res in rec.get("results", {}).items():
            if metric in res and res[metric] is not None:
                row[task] = float(res[metric])
    order = list(SUBTASKS)
    tasks = sorted({t for r in rows.values() for t in r},
                   key=lambda t: (order.index(t) if t in order else len(order), t))
    if not tasks:
        raise CodeTransError(f"no results for metric {metric!r} in the given records")
    lines = ["| Model | " + " | ".join(column_label(t) for t in tasks) + " |",
             "|---|" + "---:|" * len(tasks)]
    for name, row in rows.items():
        cells = [f"{row[t]:.{digits}f}" if t in row else "–" for t in tasks]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\nScores: {_score_note(tasks, metric, 'column')}.\n"


def _score_note(tasks: Sequence[str], metric: str, where: str) -> str:
    """Which metric each sub-task's figure is (``score`` is each sub-task's headline metric)."""
    if metric != "score":
        return f"{_METRIC_LABEL.get(metric, metric)} for every {where}"
    used: dict[str, list[str]] = {}
    for t in tasks:
        m = SUBTASKS[t].metric if t in SUBTASKS else "smoothed_bleu"
        used.setdefault(m, []).append(column_label(t))
    return "; ".join(f"{_METRIC_LABEL.get(m, m)}: {', '.join(cols)}" for m, cols in used.items())


def render_context_table(records: Sequence[dict], metric: str = "score", digits: int = 2) -> str:
    """The context comparison: one row per sub-task, one column per record (in the order given: e.g. no
    context, same-repo retrieval, context k = 1/2/4), each column headed by its record's ``name``."""
    cols = [str(rec.get("name", "?")) for rec in records]
    order = list(SUBTASKS)
    tasks = sorted({t for rec in records for t, res in rec.get("results", {}).items() if res.get(metric) is not None},
                   key=lambda t: (order.index(t) if t in order else len(order), t))
    if not tasks:
        raise CodeTransError(f"no results for metric {metric!r} in the given records")
    lines = ["| Sub-task | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for t in tasks:
        cells = []
        for rec in records:
            res = rec.get("results", {}).get(t, {})
            cells.append(f"{float(res[metric]):.{digits}f}" if res.get(metric) is not None else "–")
        lines.append(f"| {column_label(t)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\nScores: {_score_note(tasks, metric, 'row')}.\n"


def merge_tables(paths: Iterable[str | Path], metric: str = "score") -> str:
    """One table from several metrics JSONs (files or evaluation output folders)."""
    return render_table(load_results(paths), metric=metric)

def render_judged_table(runs: dict[str, dict[str, dict]]) -> str:
    """Judged truth at coverage: per run (a label -> {sub-task: judge() figures}) and sub-task, the written
    answers' precision — correct, correct or vague, wrong (% of those judged) — and coverage (% written)."""
    lines = ["| Run | Sub-task | correct | correct+vague | wrong | coverage | judged / unlabelled |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for name, per_task in runs.items():
        for task, j in per_task.items():
            w = j.get("written", {})
            cells = [f"{w[k]:.1f}" if k in w else "–" for k in ("correct", "correct_or_vague", "wrong")]
            lines.append(f"| {name} | {column_label(task)} | {' | '.join(cells)} | {j.get('coverage', 0):.1f} | "
                         f"{w.get('judged', 0)} / {w.get('unlabelled', 0)} |")
    return "\n".join(lines) + "\n"

