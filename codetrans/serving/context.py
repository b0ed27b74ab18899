"""Repository context at inference: which models take exemplars, and how an input gets them.

A model trained on exemplar-augmented pairs declares it in its ``codetrans.json``::

    "context": {"format": 1, "k": 2, "budget": 512}

``format``: the version of :mod:`codetrans.retrieval.augment`'s input format the model read; ``k``: the
exemplars per input it was trained with (the default at inference); ``budget``: the model tokens the
prefix, code and exemplars share (its training ``max_source_length``). The training engine writes the key
when the training split has exemplars (an ``n_exemplars`` column, see :mod:`codetrans.retrieval.corpus`).

The policy, in one place (:func:`context_spec`): a model without the key, or with a format this version
does not know, generates **without** exemplars even when the caller passes ``context=`` — a model never
trained on ``<ex>`` markers reads them as code and writes garbage. The pipelines then log one note.

Both backends use :func:`augment_source` through :class:`codetrans.serving.logic.TaskLogic`; the
evaluation harness uses it too, so evaluation formats inputs exactly as users' calls do.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.meta import ModelMeta
from codetrans.retrieval import FORMAT

logger = logging.getLogger(__name__)

#: The input format version this package writes and reads (see codetrans.retrieval.augment).
CONTEXT_FORMAT = FORMAT


@dataclass(frozen=True)
class ContextSpec:
    """What a context-trained model declares: exemplars per input and the shared token budget."""

    k: int = 2
    budget: int = 512
    format: int = CONTEXT_FORMAT

    def as_json(self) -> dict[str, int]:
        return {"format": self.format, "k": self.k, "budget": self.budget}


def parse_context(value: Any) -> ContextSpec | None:
    """A ``codetrans.json`` ``context`` value -> a spec; None when absent, malformed or of another format."""
    if not isinstance(value, dict) or value.get("format") != CONTEXT_FORMAT:
        return None
    try:
        k, budget = int(value.get("k", 2)), int(value.get("budget", 512))
    except (TypeError, ValueError):
        return None
    if k < 1 or budget < 8:
        return None
    return ContextSpec(k=k, budget=budget)


def model_meta(model_dir: str | os.PathLike | None) -> ModelMeta:
    """The model's ``codetrans.json`` (empty when there is none or it is unreadable: serving never fails
    a model over its description; the reader warns)."""
    return ModelMeta.read(model_dir, strict=False) if model_dir else ModelMeta()


def read_model_meta(model_dir: str | os.PathLike | None) -> dict:
    """The model's ``codetrans.json`` as a dict (``{}`` when there is none or it is unreadable)."""
    return model_meta(model_dir).to_dict() if model_dir else {}


def context_spec(model_dir: str | os.PathLike | None) -> ContextSpec | None:
    """The model's context declaration, or None: then it must be given no exemplars (the policy above)."""
    return parse_context(model_meta(model_dir).context)


#: A context-trained model may ship this index of its training pairs beside its weights: the pool of the
#: tasks that have no repository to draw from (summaries, API sequences, programs); ``context=True``.
INDEX_FILE = "context_index.npz"


def model_index(model_dir: str | os.PathLike | None) -> dict[str, Any] | None:
    """Sub-task id -> pool of the model's :data:`INDEX_FILE`, or None when it has none."""
    path = Path(model_dir) / INDEX_FILE if model_dir else None
    if path is None or not path.is_file():
        return None
    from codetrans.retrieval.index import load_shipped_index

    try:
        return load_shipped_index(path)
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("ignoring %s: %s", path, exc)
        return None


def resolve_pool(context: Any, task_type: str, *, explicit: bool = True) -> Any:
    """A ``context=`` argument -> a :class:`~codetrans.retrieval.Pool`: a Pool as is; a path -> its
    repository's documented functions, or for commit messages its git history; else (input, target) pairs.
    ``explicit=False``: a root found on its own, not named by the user (the smaller walk budget)."""
    from codetrans.retrieval.pools import pool_for_context

    if isinstance(context, str | os.PathLike) and not os.path.exists(context):
        raise CodeTransError(f"context path {context} does not exist")
    return pool_for_context(_checked_context(context), history=task_type == "commit", explicit=explicit)


_CONTEXT_KINDS = "a path, a Pool, or (input, target) pairs of strings"


def _checked_context(context: Any) -> Any:
    """``context=`` as given, after checking its shape: a path or Pool as is; pairs listed, each an
    (input, target) pair of strings or a mapping with "input" and "target" (else one clear error)."""
    from codetrans.retrieval.pools import Pool

    if isinstance(context, Pool | str | os.PathLike):
        return context
    if isinstance(context, Mapping) or isinstance(context, bytes | bytearray) or not isinstance(context, Iterable):
        raise CodeTransError(f"context= takes {_CONTEXT_KINDS}, got {type(context).__name__}")
    pairs = list(context)
    for i, p in enumerate(pairs):
        if isinstance(p, Mapping):
            ok = isinstance(p.get("input"), str) and isinstance(p.get("target"), str)
        else:
            ok = isinstance(p, tuple | list) and len(p) == 2 and all(isinstance(x, str) for x in p)
        if not ok:
            shown = f"a {len(p)}-tuple" if isinstance(p, tuple | list) else f"{type(p).__name__} {p!r:.60}"
            raise CodeTransError(f"context= takes {_CONTEXT_KINDS}; item {i} is {shown}")
    return pairs


def augment_source(subtask: Any, source: str, exemplars: Sequence[Any], *, k: int, budget: int,
                   tokenizer: Any = None) -> tuple[str, int]:
    """(model input with prefix, exemplars kept): the sub-task's prefix, the code and up to ``k``
    exemplars within ``budget`` tokens of ``tokenizer`` (the ``</s>`` not counted)."""
    from codetrans.retrieval.augment import format_input

    sid = subtask if isinstance(subtask, str) else subtask.id
    aug = format_input(sid, source, list(exemplars)[:k], k=k, budget=budget, tokenizer=tokenizer)
    return aug.text, aug.n_exemplars


def find_exemplars(pool: Any, source: str, lang: str | None, k: int, *, query: bool = False) -> list[Any]:
    """The ``k`` nearest exemplars of a model-format ``source`` (a unit not in the pool: an uncommitted
    diff sees the whole history; a function never sees a pool entry with the same code). ``query``: a
    description looked up among training pairs, where the same description is the best match."""
    from codetrans.retrieval.exemplars import nearest

    unit: dict[str, Any] = {"input": source}
    if lang:
        unit["lang"] = lang
    return nearest(pool, unit, k, same_input=query)


__all__ = ["CONTEXT_FORMAT", "INDEX_FILE", "ContextSpec", "augment_source", "model_index", "context_spec", "find_exemplars",
           "parse_context", "read_model_meta", "resolve_pool"]
