"""``codetrans.json``: what a model directory says about itself, read and written in one place.

Training writes it beside the weights (sub-tasks, size, strategy, exemplar ``context``, inherited
``decoding``), ``scripts/tune_decoding.py`` adds the tuned ``decoding``, ``codetrans finetune`` and
``scripts/ship.py`` add provenance (id, license, metrics, training figures); the zoo, the pipelines
and the cards read it. :class:`ModelMeta` types the fields those readers use and keeps every other key
in ``extra``, so a file written by another version round-trips without losing anything.

Files written before the ``version`` field existed have none: they are version 1, the same layout.
A known field of the wrong type (say ``decoding`` as a list) is left at its default with a warning and
kept in ``extra`` unchanged, so a rewrite does not destroy it either.

No torch, no transformers: ``import codetrans`` stays cheap.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.safeio import read_bytes, safe_write

logger = logging.getLogger(__name__)

#: The file's name inside a model directory.
FILE = "codetrans.json"
#: The layout written now. Files without a ``version`` are read as 1 (the layout before the field).
VERSION = 1
#: A model description is a few kB; anything near this is not one.
MAX_BYTES = 20_000_000


class ModelMetaError(CodeTransError):
    """A ``codetrans.json`` that cannot be read (not JSON, not an object, not a regular file)."""


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_version(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


#: The JSON type each known field must have (checked on read; a mismatch stays in ``extra``).
_CHECKS: dict[str, Any] = {
    "version": _is_version, "tasks": _is_str_list,
    **{k: lambda v: isinstance(v, str) for k in ("id", "size", "strategy", "license", "decoding_inherited_from",
                                                 "weights", "base", "repo", "head")},
    **{k: lambda v: isinstance(v, dict) for k in ("context", "decoding", "decoding_tuning", "metrics", "training")},
}


def _load(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``, or a one-line :class:`ModelMetaError`."""
    try:
        data = json.loads(read_bytes(path, MAX_BYTES).decode("utf-8"))
    except CodeTransError as exc:  # safeio: not a regular file, too large, unreadable (names the path)
        raise ModelMetaError(str(exc)) from None
    except OSError as exc:
        raise ModelMetaError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # JSON or UTF-8
        raise ModelMetaError(f"{path} is not valid JSON: {' '.join(str(exc).split())[:200]}") from None
    if not isinstance(data, dict):
        raise ModelMetaError(f"{path} is not a JSON object (a JSON {type(data).__name__})")
    return data


@dataclass
class ModelMeta:
    """The fields of ``codetrans.json``; None means absent (not written)."""

    version: int = VERSION
    id: str | None = None  # absent: the folder's name
    tasks: list[str] | None = None  # sub-task ids (codetrans.tasks.SUBTASKS)
    size: str | None = None  # a modeling.SIZES name, or "custom"
    strategy: str | None = None  # st, mt, tf, mt-tf, finetune, ...
    license: str | None = None
    context: dict[str, Any] | None = None  # exemplars it was trained with (serving.context.parse_context)
    decoding: dict[str, dict[str, Any]] | None = None  # sub-task -> generate options (tune_decoding.py)
    decoding_inherited_from: str | None = None  # the base model whose tuned decoding a stage kept
    decoding_tuning: dict[str, Any] | None = None  # the grid's scores behind ``decoding``
    metrics: dict[str, Any] | None = None  # sub-task -> {metric, score, ...} (finetune)
    training: dict[str, Any] | None = None  # steps, tokens, core-hours of a shipped model (ship.py)
    weights: str | None = None  # how the shipped weights are stored
    base: str | None = None  # finetune: the base model, the repository and its commit
    repo: str | None = None
    head: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # every other key, kept as read

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = FILE) -> ModelMeta:
        """A meta from a parsed ``codetrans.json`` object (``source`` names it in warnings)."""
        known, extra = {}, {}
        for key, value in data.items():
            check = _CHECKS.get(key)
            if check is None:
                extra[key] = value
            elif value is None and key != "version":
                continue  # null: absent
            elif check(value):
                known[key] = value
            else:
                logger.warning("%s: ignoring %r (%s is not of the expected type)", source, key, type(value).__name__)
                extra[key] = value
        return cls(**known, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: ``version`` first, the set fields, then ``extra`` (a set field wins over a key
        of the same name there)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name != "extra" and value is not None:
                out[f.name] = value
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    @classmethod
    def read(cls, model_dir: str | os.PathLike, *, strict: bool = True) -> ModelMeta:
        """The meta of ``model_dir``; an empty one when it has no ``codetrans.json``.

        A file that is unreadable, not JSON or not a JSON object: :class:`ModelMetaError` (one line), or,
        with ``strict=False``, a warning and an empty meta (for readers that must never fail a model over
        its description: the zoo listing, serving, a later stage inheriting decoding)."""
        path = Path(model_dir) / FILE
        if not path.is_file():
            return cls()
        try:
            data = _load(path)
        except ModelMetaError as exc:
            if strict:
                raise
            logger.warning("ignoring %s", exc)
            return cls()
        return cls.from_dict(data, str(path))

    def write(self, model_dir: str | os.PathLike) -> Path:
        """Write ``model_dir/codetrans.json`` atomically (a temporary file beside it, then a rename:
        readers see the old file or the new one, never half of one). Returns its path."""
        path = Path(model_dir) / FILE
        safe_write(path, json.dumps(self.to_dict(), indent=2) + "\n")
        return path
