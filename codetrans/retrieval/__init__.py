"""Exemplar retrieval: pools of (input, target) pairs from a file, a working tree, a git history or a
shipped index; the project's one BM25 index; the exemplar-augmented input format.

Reads only :mod:`codetrans.lang` and :mod:`codetrans.data`; read by ``data`` (augmented training
pairs) and ``serving`` (context at inference). Names resolve lazily (no numpy/tree-sitter at import)::

    from codetrans.retrieval import repository_pool, nearest, format_input
    pool = repository_pool("path/to/repo")          # cached by content under $CODETRANS_HOME
    exs = nearest(pool, {"input": tokens, "path": "pkg/mod.py", "line": 12, "lang": "python"}, k=2)
    text = format_input("code_documentation_generation_python", tokens, exs, budget=512).text
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from codetrans.retrieval.format import FORMAT as FORMAT  # re-exported: the format version

_EXPORTS = {
    "BM25": "codetrans.retrieval.bm25",
    "code_terms": "codetrans.retrieval.bm25",
    "subtoken_terms": "codetrans.retrieval.bm25",
    "split_identifier": "codetrans.retrieval.bm25",
    "Exemplar": "codetrans.retrieval.pools",
    "Pool": "codetrans.retrieval.pools",
    "TreeOptions": "codetrans.retrieval.pools",
    "build_shipped_index": "codetrans.retrieval.index",
    "cache_dir": "codetrans.retrieval.pools",
    "content_key": "codetrans.retrieval.pools",
    "context_root": "codetrans.retrieval.pools",
    "file_pool": "codetrans.retrieval.pools",
    "history_pool": "codetrans.retrieval.pools",
    "load_shipped_index": "codetrans.retrieval.index",
    "pool_from_pairs": "codetrans.retrieval.pools",
    "pool_for_context": "codetrans.retrieval.pools",
    "repository_pool": "codetrans.retrieval.pools",
    "text_pool": "codetrans.retrieval.pools",
    "nearest": "codetrans.retrieval.exemplars",
    "Augmented": "codetrans.retrieval.augment",
    "format_input": "codetrans.retrieval.augment",
    "format_source": "codetrans.retrieval.augment",
    "parse_source": "codetrans.retrieval.augment",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from codetrans.retrieval.augment import Augmented, format_input, format_source, parse_source  # noqa: F401
    from codetrans.retrieval.bm25 import BM25, code_terms, split_identifier, subtoken_terms  # noqa: F401
    from codetrans.retrieval.exemplars import nearest  # noqa: F401
    from codetrans.retrieval.index import build_shipped_index, load_shipped_index  # noqa: F401
    from codetrans.retrieval.pools import (  # noqa: F401
        Exemplar,
        Pool,
        TreeOptions,
        cache_dir,
        content_key,
        context_root,
        file_pool,
        history_pool,
        pool_for_context,
        pool_from_pairs,
        repository_pool,
        text_pool,
    )


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'codetrans.retrieval' has no attribute {name!r}")
