"""The index a model ships of its training pairs (``context_index.npz``): the pool of the tasks that have
no repository to draw from (summaries, API sequences, programs), built from saved corpora."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codetrans.errors import DataError
from codetrans.retrieval.pools import Pool, input_key, load_pools, save_pools


def build_shipped_index(corpus: str | Path | Any | Sequence[str | Path | Any], out: str | Path,
                        tasks: Sequence[str] = ("summarize", "api"), *, split: str = "train",
                        max_per_subtask: int | None = 50_000, max_input_tokens: int = 64) -> Path:
    """A compact index (``.npz``, compressed) of the ``split`` pairs of saved corpora (paths or
    ``DatasetDict``s; several are read in order into one pool per sub-task), one pool per sub-task of
    ``tasks`` (task types or sub-task ids).

    The BM25 index covers whole inputs; the stored inputs are cut to ``max_input_tokens`` (exemplars
    contribute their targets and signatures, not their code) with a digest ``h`` of the full input so
    exact duplicates are still recognised. The first ``max_per_subtask`` rows of each sub-task are kept
    (API sequences: all of them, the pool *is* their answer). API descriptions are stored as the
    pipeline reads a query (:func:`codetrans.lang.docstrings.api_query`), so both meet on the same words;
    a query's equal is its best match (no digest), and a pair is named ``project:method`` (its provenance).
    """
    import datasets

    from codetrans.lang.docstrings import api_query
    from codetrans.tasks import API, SUBTASKS

    corpora = list(corpus) if isinstance(corpus, list | tuple) else [corpus]
    wanted = {s for s, st in SUBTASKS.items() if s in tasks or st.task_type in tasks}
    if not wanted:
        raise DataError(f"no sub-task matches {', '.join(tasks)}")
    rows: dict[str, list[tuple[str, str, str]]] = {}
    seen: set[tuple[str, str]] = set()  # the same API pair from two corpora is one pair
    for one in corpora:
        dd = datasets.load_from_disk(str(one)) if isinstance(one, str | Path) else one
        if split not in dd:
            raise DataError(f"corpus has no {split!r} split (has {', '.join(dd)})")
        cols = [c for c in ("task", "source", "target", "id", "repo", "func_name") if c in dd[split].column_names]
        for batch in dd[split].select_columns(cols).iter(batch_size=10_000):
            for i, task in enumerate(batch["task"]):
                if task not in wanted:
                    continue
                bucket = rows.setdefault(task, [])
                source, target = batch["source"][i], " ".join(batch["target"][i].split())
                ident = batch["id"][i] if "id" in batch else ""
                if task == API:
                    source = api_query(source) or source
                    if (source, target) in seen:
                        continue
                    seen.add((source, target))
                    if batch.get("repo") and batch["repo"][i] and batch.get("func_name") and batch["func_name"][i]:
                        ident = f"{batch['repo'][i]}:{batch['func_name'][i]}"  # what the answer cites
                elif max_per_subtask is not None and len(bucket) >= max_per_subtask:
                    continue
                bucket.append((source, target, ident))
    pools = {}
    for task, items in sorted(rows.items()):
        full = Pool([s for s, _, _ in items], [t for _, t, _ in items])
        index = full.bm25
        inputs = [" ".join(s.split()[:max_input_tokens]) for s, _, _ in items]
        digest = task != API  # code inputs: the unit itself is recognised by its digest; a query has none
        metas = [{**({"h": input_key(s)} if digest else {}), **({"id": ident} if ident else {})}
                 for s, _, ident in items]
        pools[task] = Pool(inputs, full.targets, metas, kind="shipped", index=index)
    info = {"split": split, "built": time.strftime("%Y-%m-%d"), "sizes": {t: len(p) for t, p in pools.items()}}
    return save_pools(out, pools, compressed="xz", info=info)  # it ships inside the package: every MB counts


def load_shipped_index(path: str | Path) -> dict[str, Pool]:
    """Sub-task id -> pool, from a :func:`build_shipped_index` file."""
    return load_pools(path)[0]


__all__ = ["build_shipped_index", "load_shipped_index"]
