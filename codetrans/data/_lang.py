"""Lazy access to :mod:`codetrans.lang` with small fallbacks.

The data layer needs tree-sitter tokenization (``tokenize_code``) and diff normalisation
(``normalize_diff``) from :mod:`codetrans.lang`. Importing it lazily keeps ``codetrans data --help``
fast, and the regex fallbacks keep the loaders usable where the lang layer is unavailable (they are
reported through :func:`using_fallback`, never silently).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Lexical fallback: string literals whole, identifiers/numbers, then any other single symbol.
_TOKEN_RE = re.compile(
    r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|`[^`]*`|[A-Za-z_$@][\w$]*|\d[\w.]*|==|!=|<=|>=|->|=>|::|&&|\|\||\S',
)


@lru_cache(maxsize=1)
def _lang():
    try:
        import codetrans.lang as lang
    except ImportError:
        return None
    if not hasattr(lang, "tokenize_code"):
        return None
    return lang


def using_fallback() -> bool:
    """True when :mod:`codetrans.lang` could not be imported and regex fallbacks are in use."""
    return _lang() is None


def tokenize(code: str, lang: str | None = None, path: str | None = None) -> tuple[str, bool]:
    """(space-joined tokens, partial) of ``code``; tree-sitter when available, else a regex lexer."""
    mod = _lang()
    if mod is not None:
        tok = mod.tokenize_code(code, lang=lang, path=path)
        return tok.text, bool(tok.partial)
    return " ".join(_TOKEN_RE.findall(code)), True


def normalize_diff(diff: str) -> str:
    """NNGen-style diff text (space-tokenized, ``<nl>`` for newlines, ``mmm a/``/``ppp b/`` headers)."""
    mod = _lang()
    if mod is not None and hasattr(mod, "normalize_diff"):
        return mod.normalize_diff(diff)
    out = []
    for line in diff.splitlines():
        if line.startswith(("diff --git", "index ", "@@")):
            continue
        if line.startswith("--- "):
            line = "mmm " + line[4:]
        elif line.startswith("+++ "):
            line = "ppp " + line[4:]
        out.append(" ".join(_TOKEN_RE.findall(line)))
    return " <nl> ".join(out) + (" <nl>" if out else "")


def extract_functions(code: str, lang: str, path: str = "", repo: str = "", **kw) -> list[dict]:
    from codetrans.lang import extract_functions as f

    return f(code, lang, path=path, repo=repo, **kw)


def extract_api_sequences(code: str, path: str = "", repo: str = "", **kw) -> list[dict]:
    from codetrans.lang import extract_api_sequences as f

    return f(code, path=path, repo=repo, **kw)


def detect_language(path: str | None = None, code: str | None = None) -> str | None:
    mod = _lang()
    if mod is None or not hasattr(mod, "detect_language"):
        return None
    try:
        return mod.detect_language(path=path, code=code)
    except Exception:  # unknown extension/content: the caller skips the file with a reason
        return None
