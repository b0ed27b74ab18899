"""Reading and writing corpora: one ``datasets.DatasetDict`` (train/validation/test) directory format.

Every layer that saves or loads a corpus goes through :func:`save_corpus` and :func:`load_corpus`, so
the on-disk rules (explicit shard counts, atomic replacement, one error message for a bad directory)
live in one place.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from codetrans.errors import DataError
from codetrans.fs import staged

SPLITS = ("train", "validation", "test")


#: The columns of every corpus split (``split_hint`` only while building: not saved).
COLUMNS = ("task", "source", "target", "lang", "repo", "path", "func_name", "id", "group", "split_hint",
           "references", "meta")


def features():
    from datasets import Features, Sequence, Value

    cols = {c: Value("string") for c in COLUMNS}
    cols["references"] = Sequence(Value("string"))
    return Features(cols)


def save_corpus(columns: dict[str, dict[str, list]], out: str | os.PathLike,
                extra_files: dict[str, str] | None = None) -> Path:
    """Write ``{split: {column: values}}`` (every split of :data:`SPLITS`) as a DatasetDict at ``out``.

    The corpus is written beside ``out`` and renamed into place, so a crash never leaves half a corpus;
    ``extra_files`` (name -> text) are written into it first (reports that describe the data).
    """
    import datasets

    out = Path(out)
    cols = [c for c in COLUMNS if c != "split_hint"]
    feats = features()
    del feats["split_hint"]
    dd = datasets.DatasetDict({s: datasets.Dataset.from_dict({c: list(columns.get(s, {}).get(c, [])) for c in cols},
                                                             features=feats) for s in SPLITS})
    with staged(out) as tmp:
        # Explicit shard counts: datasets writes no file for an empty split otherwise, and cannot load it back.
        dd.save_to_disk(str(tmp), num_shards={s: 1 + dd[s].data.nbytes // 400_000_000 for s in SPLITS})
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
    return out


def load_corpus(path: str | os.PathLike, hint: str = "") -> Any:
    """The ``datasets.DatasetDict`` (or Dataset) saved at ``path``; DataError when there is none."""
    import datasets

    path = Path(path)
    if not path.exists():
        raise DataError(f"dataset {path} does not exist{hint}")
    try:
        return datasets.load_from_disk(str(path))
    except Exception as exc:  # datasets raises FileNotFoundError / ValueError variants
        raise DataError(f"{path} is not a dataset saved with save_to_disk: {exc}") from exc
