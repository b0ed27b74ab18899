"""Exemplar-augmented training pairs from a saved corpus (issue #14, item 2).

``augment_corpus("corpus/", "corpus-ctx/", k=2)`` rewrites every ``source`` in the input format of
:mod:`codetrans.retrieval.augment` (code, then up to ``k`` exemplar targets behind ``<ex>``), with
exemplars drawn the way they will be at inference:

* documentation / comment pairs: the other documented functions of the same repository (``repo``,
  else ``group``) in the same split and sub-task, leave-one-out;
* commit messages: the same repository's commits dated strictly before this one (the date is in
  ``meta``, which corpora built since #14 carry; an undated commit gets no exemplars and is shown to
  none);
* summarization, API sequences, program synthesis (no repository at inference): the sub-task's
  training split, the pool the shipped index is built from (leave-one-out within train).

A ``drop_fraction`` of pairs (chosen by a salted hash, so the same every run) keeps its plain source,
so the model still works with no context. A new ``n_exemplars`` column says how many each got; every
other column is kept. Exemplars never include the pair itself or a pair with the same input.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codetrans.errors import DataError
from codetrans.tasks import GLOBAL_POOL_TYPES

#: Task types whose exemplars come from the training split of the sub-task, not from a repository.
GLOBAL_POOL_TASKS: tuple[str, ...] = GLOBAL_POOL_TYPES


@dataclass
class AugmentConfig:
    k: int = 2
    drop_fraction: float = 0.25  # pairs left without exemplars
    budget: int | None = 384  # shared by code and exemplars; whitespace tokens unless a tokenizer is given
    signatures: bool = False
    code_share: float = 0.5
    seed: str = "codetrans"
    vary_k: bool = False  # each pair gets 1..k exemplars (hash-chosen) instead of always k
    sample: int | None = None  # keep at most this many pairs per sub-task and split (pools still use all)
    # Curriculum (train split only): drop augmented pairs whose exemplars hold under this share of the
    # target's words, so most updates are ones where reading the exemplars pays (issue #22, item 1).
    min_copy: float = 0.0


def _dropped(seed: str, split: str, i: int, fraction: float) -> bool:
    if fraction <= 0:
        return False
    h = int.from_bytes(hashlib.sha1(f"{seed}\0{split}\0{i}".encode()).digest()[:8], "big")
    return h / 2 ** 64 < fraction


def _date(meta: str) -> str:
    if not meta:
        return ""
    try:
        obj = json.loads(meta)
    except json.JSONDecodeError:
        return ""
    return str(obj.get("date") or "") if isinstance(obj, dict) else ""


def _pool(rows: dict[str, list], idx: Sequence[int], split: str, kind: str):
    """A pool over rows ``idx`` of a split; meta ``id`` = ``split#row`` (what leave-one-out excludes)."""
    import numpy as np

    from codetrans.retrieval.augment import signature_of
    from codetrans.retrieval.pools import Pool, parse_time

    metas = [{"id": f"{split}#{i}", "lang": rows["lang"][i] if "lang" in rows else "",
              "signature": signature_of(rows["source"][i]),
              "func_name": rows["func_name"][i] if "func_name" in rows else ""} for i in idx]
    if kind == "history":
        ts = np.array([parse_time(_date(rows["meta"][i])) if "meta" in rows else None for i in idx], dtype=float)
        # topological order is gone in a corpus: rank by time, equal times share a rank (neither sees
        # the other), undated commits rank last
        _, rank = np.unique(np.where(np.isnan(ts), np.inf, ts), return_inverse=True)
        for m, t, r in zip(metas, ts, rank):
            m.update({"ts": None if np.isnan(t) else float(t), "pos": int(r)})
    return Pool([rows["source"][i] for i in idx], [rows["target"][i] for i in idx], metas, kind=kind)


def sample_rows(rows: dict[str, list], split: str, config: AugmentConfig) -> list[int] | None:
    """Rows kept when ``config.sample`` caps each sub-task (hash-chosen, the same every run), else None.

    A short training stage sees a few tens of thousands of pairs: retrieving exemplars for all ~300k
    would cost CPU-hours for nothing. Pools still hold every row, so exemplars are as good as without a cap.
    """
    if not config.sample:
        return None
    by_task: dict[str, list[tuple[bytes, int]]] = defaultdict(list)
    for i, task in enumerate(rows["task"]):
        by_task[task].append((hashlib.sha1(f"{config.seed}\0s\0{split}\0{i}".encode()).digest(), i))
    return sorted(i for items in by_task.values() for _, i in sorted(items)[: config.sample])


def _pair_k(config: AugmentConfig, split: str, i: int) -> int:
    """Exemplars for pair ``i``: ``k``, or with ``vary_k`` 1..k by a salted hash (the same every run), so
    one model learns to read any count up to k (evaluated at k = 1, 2, 4)."""
    if not config.vary_k or config.k <= 1:
        return config.k
    h = int.from_bytes(hashlib.sha1(f"{config.seed}\0k\0{split}\0{i}".encode()).digest()[:8], "big")
    return 1 + h % config.k


def split_exemplars(rows: dict[str, list], split: str, config: AugmentConfig, *,
                    train_rows: dict[str, list] | None = None, progress: bool = False,
                    only: Sequence[int] | None = None) -> list[list]:
    """The exemplars of every row of one split (column lists; ``only``: just these rows, the others get
    none), best first, drawn by the protocol of the module doc (dropped rows get none). Shared by
    :func:`augment_split` and the evaluation harness, so a model is evaluated with exemplars drawn exactly
    as it was trained with them."""
    from codetrans.retrieval.exemplars import nearest
    from codetrans.tasks import SUBTASKS

    n = len(rows["task"])
    train_rows = train_rows if train_rows is not None else rows
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    repo_col, group_col = rows.get("repo") or [""] * n, rows.get("group") or [""] * n
    for i in range(n):
        task = rows["task"][i]
        ttype = SUBTASKS[task].task_type if task in SUBTASKS else ""
        if ttype in GLOBAL_POOL_TASKS:
            continue
        key = repo_col[i] or group_col[i]
        if key:
            groups[(task, key)].append(i)
    global_idx: dict[str, list[int]] = defaultdict(list)
    for i, task in enumerate(train_rows["task"]):
        if task in SUBTASKS and SUBTASKS[task].task_type in GLOBAL_POOL_TASKS:
            global_idx[task].append(i)
    pools: dict[Any, Any] = {}
    where: dict[int, Any] = {}
    for (task, repo), idx in groups.items():
        if len(idx) > 1:
            pools[(task, repo)] = _pool(rows, idx, split, SUBTASKS[task].type.pool)
            where.update((i, (task, repo)) for i in idx)
    out: list[list] = [[] for _ in range(n)]
    it = range(n) if only is None else only
    if progress:
        from codetrans.log import progress_bar

        it = progress_bar(it, desc=f"augment {split}", unit="pair", mininterval=2)
    for i in it:
        if _dropped(config.seed, split, i, config.drop_fraction):
            continue
        task = rows["task"][i]
        key = where.get(i)
        if key is None and task in global_idx:
            key = ("global", task)
            if key not in pools:
                pools[key] = _pool(train_rows, global_idx[task], "train", "tree")
        if key is None:
            continue
        unit = {"input": rows["source"][i], "id": f"{split}#{i}", "lang": rows["lang"][i] if "lang" in rows else ""}
        # a held-out API description may equal a training one: served, that pair is the best match (so here too)
        query = split != "train" and key[0] == "global" and SUBTASKS[task].task_type == "api"
        out[i] = nearest(pools[key], unit, _pair_k(config, split, i), same_input=query)
    return out


def augment_split(rows: dict[str, list], split: str, config: AugmentConfig, *, tokenizer: Any = None,
                  train_rows: dict[str, list] | None = None, progress: bool = False,
                  only: Sequence[int] | None = None) -> tuple[list[str], list[int]]:
    """(augmented sources, exemplar counts) for the rows of one split (column lists; ``only``: see
    :func:`split_exemplars`)."""
    from codetrans.retrieval.augment import format_source

    sources = list(rows["source"])
    counts = [0] * len(sources)
    exemplars = split_exemplars(rows, split, config, train_rows=train_rows, progress=progress, only=only)
    for i, exs in enumerate(exemplars):
        if not exs:
            continue
        aug = format_source(rows["source"][i], exs, k=len(exs), budget=config.budget, tokenizer=tokenizer,
                            signatures=config.signatures, code_share=config.code_share)
        sources[i], counts[i] = aug.text, aug.n_exemplars
    return sources, counts


def copy_share(source: str, target: str) -> float:
    """The share of the target's words (lower-cased) that occur in the source's exemplar targets."""
    from codetrans.retrieval.augment import parse_source

    words = target.lower().split()
    if not words:
        return 0.0
    seen = {w for _, ex in parse_source(source)[1] for w in ex.lower().split()}
    return sum(w in seen for w in words) / len(words)


def augment_corpus(corpus: str | Path | Any, out: str | Path | None = None, config: AugmentConfig | None = None,
                   *, tokenizer: Any = None, progress: bool = True) -> Any:
    """The corpus (a saved ``DatasetDict`` path or object) with augmented sources and an
    ``n_exemplars`` column; saved to ``out`` when given. See the module doc for the pools."""
    import datasets

    config = config or AugmentConfig()
    dd = datasets.load_from_disk(str(corpus)) if isinstance(corpus, str | Path) else corpus
    for s, ds in dd.items():
        missing = {"task", "source", "target"} - set(ds.column_names)
        if missing:
            raise DataError(f"split {s!r} lacks column(s) {', '.join(sorted(missing))}")
    data = {s: ds.to_dict() for s, ds in dd.items()}
    train = data.get("train")
    new = {}
    for s, rows in data.items():
        keep = sample_rows(rows, s, config)
        sources, counts = augment_split(rows, s, config, tokenizer=tokenizer, train_rows=train, progress=progress,
                                        only=keep)
        ds = dd[s].remove_columns([c for c in ("source", "n_exemplars") if c in dd[s].column_names])
        if keep is None:
            keep = list(range(len(sources)))
        if s == "train" and config.min_copy > 0:  # plain (dropped) pairs stay: the model must still work alone
            keep = [i for i in keep if not counts[i] or copy_share(sources[i], rows["target"][i]) >= config.min_copy]
        ds, sources, counts = ds.select(keep), [sources[i] for i in keep], [counts[i] for i in keep]
        ds = ds.add_column("source", sources).add_column("n_exemplars", counts)
        new[s] = ds.select_columns(["task", "source", *[c for c in ds.column_names if c not in ("task", "source")]])
    result = datasets.DatasetDict(new)
    if out is not None:
        result.save_to_disk(str(out), num_shards={s: 1 for s in result})
    return result


__all__ = ["AugmentConfig", "GLOBAL_POOL_TASKS", "augment_corpus", "copy_share", "augment_split", "sample_rows", "split_exemplars"]
