"""Code understanding with tree-sitter: tokens, documented functions, API sequences, diffs.

Names resolve lazily so ``import codetrans.lang`` does not load grammars until they are used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    "Tokenized": "codetrans.lang.tokenize",
    "tokenize_code": "codetrans.lang.tokenize",
    "detect_language": "codetrans.lang.tokenize",
    "language_of": "codetrans.lang.tokenize",
    "lexical_tokens": "codetrans.lang.tokenize",
    "extract_functions": "codetrans.lang.extract",
    "list_functions": "codetrans.lang.extract",
    "skip_file_reason": "codetrans.lang.extract",
    "EXTRACT_LANGUAGES": "codetrans.lang.extract",
    "extract_api_sequences": "codetrans.lang.api",
    "api_sequence": "codetrans.lang.api",
    "normalize_diff": "codetrans.lang.diff",
    "tokenize_message": "codetrans.lang.diff",
    "summarize_doc": "codetrans.lang.docstrings",
    "SPECS": "codetrans.lang.grammars",
    "EXTENSIONS": "codetrans.lang.grammars",
}
__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from codetrans.lang.api import api_sequence, extract_api_sequences  # noqa: F401
    from codetrans.lang.diff import normalize_diff, tokenize_message  # noqa: F401
    from codetrans.lang.docstrings import summarize_doc  # noqa: F401
    from codetrans.lang.extract import (  # noqa: F401
        EXTRACT_LANGUAGES,
        extract_functions,
        list_functions,
        skip_file_reason,
    )
    from codetrans.lang.grammars import EXTENSIONS, SPECS  # noqa: F401
    from codetrans.lang.tokenize import Tokenized, detect_language, language_of, lexical_tokens, tokenize_code  # noqa: F401


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'codetrans.lang' has no attribute {name!r}")
