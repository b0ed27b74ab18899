"""The evaluation runner: a model or baseline, a dataset split, one or many sub-tasks -> scores.

For every sub-task it writes, under ``out_dir``:

* ``<task>.pred.txt`` — predictions, one per line, aligned with
* ``<task>.ref.txt`` — the first reference of each item (``<task>.refs.jsonl`` holds all of them,
  one JSON list per line, when any item has several);
* ``<task>.pred.meta.json`` — what produced the predictions (model hash, decoding, data hash).

and, for the run, ``metrics.json`` (scores plus the reproducibility record: model id and content
hash, dataset fingerprint, decoding settings, package versions, time) and ``results.md`` (the table).

Predictions are generated in chunks in the data's order (length-sorted batches inside a chunk) and
appended as each chunk finishes, so the predictions file is always a valid prefix: an interrupted
run started again with the same settings continues after the last complete line.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError, DataError
from codetrans.evaluation.context import attach_exemplars, check_context
from codetrans.evaluation.predictors import DecodingOptions, Predictor, make_predictor
from codetrans.metrics import Executor, score
from codetrans.metrics.table import column_label, render_table
from codetrans.records import EVALUATION
from codetrans.tasks import GLOBAL_POOL_TYPES, SUBTASKS, TASK_TYPES, get_subtask

SCHEMA = EVALUATION  # the record this module owns (codetrans.records)
_PACKAGES = ("codetrans", "torch", "transformers", "tokenizers", "sentencepiece", "datasets", "sacrebleu",
             "numpy")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def load_split(data: Any, split: str) -> Any:
    """A ``datasets.Dataset`` split from a DatasetDict directory (or object) with task/source/target."""
    import datasets

    if isinstance(data, str | os.PathLike):
        from codetrans.data.corpus import load_corpus

        data = load_corpus(data)
    if isinstance(data, datasets.DatasetDict):
        if split not in data:
            raise DataError(f"the dataset has no split {split!r}; it has: {', '.join(data) or 'none'}")
        data = data[split]
    elif not isinstance(data, datasets.Dataset):
        raise DataError(f"expected a dataset directory or datasets object, got {type(data).__name__}")
    missing = [c for c in ("task", "source", "target") if c not in data.column_names]
    if missing:
        raise DataError(f"split {split!r} lacks column(s) {', '.join(missing)} (need task/source/target)")
    return data


def select_tasks(available: Sequence[str], wanted: Sequence[str] | None) -> list[str]:
    """Sub-task ids to evaluate: all present (registry order), or those named (ids or task types)."""
    order = list(SUBTASKS)
    present = sorted(set(available), key=lambda t: (order.index(t) if t in order else len(order), t))
    if not wanted:
        return present
    out: list[str] = []
    for w in wanted:
        if w in TASK_TYPES or w.removeprefix("codetrans-") in TASK_TYPES:
            ttype = w.removeprefix("codetrans-")
            hits = [t for t in present if t in SUBTASKS and SUBTASKS[t].task_type == ttype]
            if not hits:
                raise DataError(f"the split has no {ttype!r} sub-task; it has: {', '.join(present)}")
            out += [h for h in hits if h not in out]
            continue
        task = w if w in SUBTASKS else get_subtask(*w.split(":", 1)).id  # also "document:python"
        if task not in present:
            raise DataError(f"the split has no items of {task!r}; it has: {', '.join(present)}")
        if task not in out:
            out.append(task)
    return out


def spread(n: int, limit: int | None) -> list[int]:
    """``limit`` positions evenly spaced over ``n`` (all when ``limit`` is None or >= n). Test splits are
    ordered by repository: the first N items would often be one repository, an evenly spaced N spans them."""
    if limit is None or limit >= n:
        return list(range(n))
    return [i * n // limit for i in range(limit)]


def _references(rec: dict) -> list[str]:
    refs = rec.get("references")
    if isinstance(refs, list | tuple) and any(isinstance(r, str) and r.strip() for r in refs):
        return [r for r in refs if isinstance(r, str)]
    return [rec["target"]]


def _content_hash(records: Sequence[dict]) -> str:
    h = hashlib.sha256()
    for r in records:
        h.update(json.dumps([r["source"], _references(r)], ensure_ascii=False).encode("utf-8", "replace"))
        h.update(b"\n")
    return h.hexdigest()


def record_kind(predictor: Predictor) -> str:
    return str(predictor.identity().get("kind", "model"))


def _read_done(path: Path, total: int) -> list[str]:
    """Complete prediction lines already written; a torn last line (no newline) is cut off."""
    if not path.exists():
        return []
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):
        raw = raw[: raw.rfind(b"\n") + 1]
        path.write_bytes(raw)
    lines = raw.decode("utf-8", errors="replace").split("\n")[:-1] if raw else []
    if len(lines) > total:
        raise CodeTransError(f"{path} has {len(lines)} predictions for {total} items: not from this data; "
                             "use --overwrite or another --out")
    return lines


def _write_lines(path: Path, lines: Sequence[str]) -> None:
    with open(path, "w", encoding="utf-8", errors="replace", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")


class _TrainSplit:
    """The split retrieval baselines search and global exemplar pools draw from, loaded on first need."""

    def __init__(self, data: Any, split: str):
        self._data, self._split, self._ds = data, split, None

    def of_task(self, task: str) -> Any:
        if self._ds is None:
            self._ds = load_split(self._data, self._split)
        return self._ds.select([i for i, t in enumerate(self._ds["task"]) if t == task])


@dataclass(frozen=True)
class _Settings:
    """What every sub-task of one :func:`evaluate` call shares."""

    out: Path
    split: str
    decoding: DecodingOptions
    limit: int | None
    context: str | None
    k: int
    overwrite: bool
    progress: bool
    executor: Executor | None
    labels: dict | None = None  # judged labels (codetrans.evaluation.judged): judged precision at coverage


def _context_for(predictor: Predictor, context: str | None, k: int) -> tuple[str | None, int]:
    """The exemplar pool and k a predictor runs with: some need exemplars whatever ``--context`` says."""
    if getattr(predictor, "name", "").startswith("baseline:repo-bm25") and context is None:
        context, k = "same-repo", 1  # it answers with the nearest exemplar: it needs them
    if getattr(predictor, "mode", None) in ("grounded", "oracle"):
        from codetrans.grounding.documentation import GROUND_K

        context, k = "same-repo", GROUND_K  # the grounded path always draws its neighbours
    return context, k


def _write_references(out: Path, task: str, refs: Sequence[list[str]]) -> None:
    _write_lines(out / f"{task}.ref.txt", [" ".join(r[0].split()) for r in refs])
    if any(len(r) > 1 for r in refs):
        _write_lines(out / f"{task}.refs.jsonl", [json.dumps(r, ensure_ascii=False) for r in refs])


def _prepare(predictor: Predictor, task: str, train: _TrainSplit) -> None:
    """Index the sub-task's training pool: retrieval baselines search it (the function-name one does not)."""
    train_records = None
    if getattr(predictor, "name", "").startswith("baseline:") and predictor.name != "baseline:funcname":
        train_records = train.of_task(task).to_list()
    predictor.prepare(task, train_records)


def _attach_context(records: list[dict], positions: Sequence[int], task_rows: dict[str, list], task: str,
                    train: _TrainSplit, s: _Settings) -> dict[str, float]:

    pool_rows = None
    if SUBTASKS[task].task_type in GLOBAL_POOL_TYPES:  # no repository: the training split is the pool
        pool_rows = train.of_task(task).to_dict()
    return attach_exemplars(records, positions, task_rows, s.split, s.k, pool_rows)


def _signature(predictor: Predictor, task: str, data_sha256: str, s: _Settings) -> dict:
    """What must match for a predictions file to be continued: model, training pool, decoding, data, context."""
    ident = predictor.identity()
    signature = {"model": {k: ident.get(k) for k in ("id", "sha256")},
                 "train_pool": (ident.get("train_pools") or {}).get(task),
                 # batch size is left out: resuming with a smaller batch after running out of memory is fine
                 "decoding": ({k: v for k, v in s.decoding.as_dict().items() if k != "batch_size"}
                              if ident.get("kind") == "model" else None),
                 "data_sha256": data_sha256}
    if s.context:
        signature["context"] = {"pool": s.context, "k": s.k}
    return signature


def _resume(pred_path: Path, meta_path: Path, total: int, signature: dict, overwrite: bool) -> int:
    """Predictions already written by the same settings (count); refuses a file another setting wrote."""
    if overwrite and pred_path.exists():
        pred_path.unlink()
        _conf_path(pred_path).unlink(missing_ok=True)
    done = _read_done(pred_path, total)
    if done and meta_path.exists():
        old = json.loads(meta_path.read_text(encoding="utf-8")).get("signature")
        if old != signature:
            raise CodeTransError(
                f"{pred_path} was written by a different model, data or decoding setting; "
                "use --overwrite to start again or choose another --out")
    meta_path.write_text(json.dumps({"signature": signature}, indent=2), encoding="utf-8")
    return len(done)


def _predict_rest(predictor: Predictor, task: str, records: list[dict], pred_path: Path, resumed_from: int,
                  s: _Settings) -> None:
    """Predict from ``resumed_from`` on, appending chunk by chunk so the file stays a valid prefix."""
    from codetrans.log import progress_bar

    bar = progress_bar(total=len(records), initial=resumed_from, desc=column_label(task), unit="item",
               disable=not s.progress, dynamic_ncols=True)
    chunk = max(64, s.decoding.batch_size * 8)
    try:
        with open(pred_path, "a", encoding="utf-8", errors="replace", newline="\n") as fh:
            for start in range(resumed_from, len(records), chunk):
                part = records[start:start + chunk]
                preds = predictor.predict(task, part, s.decoding, bar.update)
                if len(preds) != len(part):
                    raise CodeTransError(f"{predictor.name} returned {len(preds)} predictions for {len(part)}")
                confidence = getattr(predictor, "confidences", None)
                if confidence is not None:  # before the predictions: a prefix of them always has its confidences
                    with open(_conf_path(pred_path), "a", encoding="utf-8") as cf:
                        cf.write("".join(f"{c if c is not None else ''}\n" for c in confidence(task, part, preds)))
                fh.write("".join(p + "\n" for p in preds))
                fh.flush()
    finally:
        bar.close()


def _evaluate_task(predictor: Predictor, ds: Any, task_col: Sequence[str], task: str, train: _TrainSplit,
                   dataset_info: dict[str, Any], s: _Settings) -> dict:
    """Predict (or continue predicting) one sub-task and score it: its entry of the metrics ``results``."""
    all_indices = [i for i, t in enumerate(task_col) if t == task]
    positions = spread(len(all_indices), s.limit)
    records = ds.select([all_indices[p] for p in positions]).to_list()
    refs = [_references(r) for r in records]
    dataset_info["tasks"][task] = {"n": len(records), "sha256": _content_hash(records)}
    _write_references(s.out, task, refs)
    _prepare(predictor, task, train)
    context_info = None
    if s.context:
        context_info = _attach_context(records, positions, ds.select(all_indices).to_dict(), task, train, s)

    pred_path, meta_path = s.out / f"{task}.pred.txt", s.out / f"{task}.pred.meta.json"
    signature = _signature(predictor, task, dataset_info["tasks"][task]["sha256"], s)
    resumed_from = _resume(pred_path, meta_path, len(records), signature, s.overwrite)
    _predict_rest(predictor, task, records, pred_path, resumed_from, s)
    predictions = _read_done(pred_path, len(records))
    res = score(task, predictions, refs, records, executor=s.executor)
    effective = getattr(predictor, "effective_decoding", None)
    if effective is not None:  # the decoding users get: options given + the model's/task's defaults
        res["decoding"] = effective(task, s.decoding)
    if context_info is not None:
        res["context"] = context_info
    sources = getattr(predictor, "sources", {}).get(task)
    if sources and not resumed_from:  # where the grounded answers came from (all of them: none resumed)
        res["sources"] = dict(sorted(sources.items()))
    res["resumed_from"] = resumed_from
    res["multi_reference"] = any(len(r) > 1 for r in refs)
    confs = _read_confidences(_conf_path(pred_path), len(predictions))
    if any(c is not None for c in confs):
        res["confidence"] = {"mean": round(sum(c for c in confs if c is not None) / len(confs), 4),
                             "threshold": _threshold_for(predictor, task)}
    if s.labels is not None:
        from codetrans.evaluation.judged import judge

        threshold = _threshold_for(predictor, task)
        res["judged"], unlabelled = judge(task, records, predictions, confs, s.labels,
                                          threshold if any(c is not None for c in confs) else None)
        _write_lines(s.out / f"{task}.unlabelled.jsonl", [json.dumps(u, ensure_ascii=False) for u in unlabelled])
    return res


def _threshold_for(predictor: Predictor, task: str) -> float | None:
    """The predictor's write threshold for ``task``'s type (None: it gives no confidences)."""
    from codetrans.evaluation.predictors import write_threshold_of

    return write_threshold_of(getattr(predictor, "verifier", None), get_subtask(task).task_type)


def _conf_path(pred_path: Path) -> Path:
    """``<task>.conf.txt`` beside ``<task>.pred.txt``: one confidence per prediction."""
    return pred_path.with_name(pred_path.name.replace(".pred.txt", ".conf.txt"))


def _read_confidences(path: Path, n: int) -> list[float | None]:
    """The confidence of each prediction (None where the predictor gave none or the file is short)."""
    lines = path.read_text(encoding="utf-8").splitlines()[:n] if path.exists() else []
    out = [float(x) if x.strip() else None for x in lines]
    return out + [None] * (n - len(out))


@dataclass(frozen=True)
class EvaluateOptions:
    """How :func:`evaluate` runs; the command line builds one from its flags (``codetrans evaluate --help``)."""

    split: str = "test"  #: the split evaluated
    tasks: Sequence[str] | None = None  #: sub-task ids or task types (default: every sub-task the data holds)
    decoding: DecodingOptions | None = None  #: beams, lengths, batch size (default: the model's tuned decoding)
    name: str | None = None  #: the row's name in tables (default: the predictor's)
    train_split: str = "train"  #: the pool retrieval baselines search
    limit: int | None = None  #: items per sub-task, evenly spaced
    device: str | None = None
    overwrite: bool = False  #: recompute instead of resuming from earlier predictions
    progress: bool = True
    executor: Executor | None = None  #: scores programs by running them (AlgoLisp's by default)
    train_data: Any = None  #: a corpus other than ``data`` for the training pool
    backend: str = "torch"  #: "torch" or "ct2" (a CTranslate2 export made beside the model)
    context: str | None = None  #: "same-repo": each record gets up to ``k`` exemplars of its repository
    k: int = 2
    labels: str | os.PathLike | None = None  #: a judged label file: judged precision at coverage


def evaluate(model: str | os.PathLike | Predictor, data: Any, out_dir: str | os.PathLike,
             options: EvaluateOptions | None = None, **fields: Any) -> dict:
    """Evaluate ``model`` (directory, zoo id, ``baseline:*`` or a Predictor) on ``data[options.split]``.

    ``options`` (:class:`EvaluateOptions`), or any of its fields as keywords, which replace the options' own
    (``evaluate(m, d, out, split="validation", limit=50)``). Returns the metrics record also written to
    ``out_dir/metrics.json``. ``baseline:repo-bm25`` always runs with ``context="same-repo"`` (k = 1); with
    ``labels`` each sub-task also reports judged precision at coverage (:mod:`codetrans.evaluation.judged`) and
    lists its unlabelled texts in ``<task>.unlabelled.jsonl``.
    """
    o = replace(options or EvaluateOptions(), **fields)  # keywords: a call in code names only what it changes
    split, tasks, limit, progress, executor = o.split, o.tasks, o.limit, o.progress, o.executor
    decoding = o.decoding or DecodingOptions()
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    ds = load_split(data, split)
    task_col = ds["task"]
    chosen = select_tasks(task_col, tasks)
    predictor = make_predictor(model, device=o.device, backend=o.backend)
    context, k = _context_for(predictor, check_context(o.context), o.k)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    train = _TrainSplit(o.train_data if o.train_data is not None else data, o.train_split)
    judged_labels = None
    if o.labels is not None:
        from codetrans.evaluation.judged import load_labels

        judged_labels = load_labels(o.labels)
    settings = _Settings(out, split, decoding, limit, context, k, o.overwrite, progress, executor, judged_labels)
    dataset_info: dict[str, Any] = {
        "path": str(Path(data).resolve()) if isinstance(data, str | os.PathLike) else None,
        "split": split, "num_rows": ds.num_rows, "fingerprint": getattr(ds, "_fingerprint", None),
        "tasks": {}}
    results: dict[str, dict] = {}
    skipped: list[str] = []
    for task in chosen:
        applies = getattr(predictor, "applies_to", None)
        if applies is not None and not applies(task):
            if tasks:
                raise CodeTransError(f"{predictor.name} does not apply to {task!r}")
            skipped.append(task)  # e.g. the function-name baseline on diffs: no column rather than 0
            continue
        results[task] = _evaluate_task(predictor, ds, task_col, task, train, dataset_info, settings)

    record = {
        "schema": SCHEMA,
        "name": o.name or (predictor.name if hasattr(predictor, "name") else str(model)),
        "model": predictor.identity(),
        "dataset": dataset_info,
        # baselines do not decode: a null here keeps tables from implying a beam setting
        "decoding": decoding.as_dict() if record_kind(predictor) == "model" else None,
        "versions": package_versions(),
        "time": {"started": started.isoformat(timespec="seconds"),
                 "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "seconds": round(time.perf_counter() - t0, 3)},
        "results": results,
        "skipped_tasks": skipped,
    }
    if context:
        record["context"] = {"pool": context, "k": k}
    if not results:
        raise CodeTransError(f"{record['name']} applies to none of the sub-tasks {', '.join(chosen)}")
    from codetrans.safeio import safe_write

    safe_write(out / "metrics.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    safe_write(out / "results.md", render_table([record]))
    return record
