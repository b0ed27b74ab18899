"""Unified diffs and commit messages -> the token format of commit-message models.

The cleaned Jiang/NNGen corpus (and the original CodeTrans commit model) reads diffs with file headers
rewritten as ``mmm a / path`` / ``ppp b / path``, every punctuation character a token, and newlines
written ``<nl>``::

    mmm a / . gitignore <nl> ppp b / . gitignore <nl> . DS_Store <nl> + * . hprof <nl>

:func:`normalize_diff` produces that from ``git diff`` / ``git show`` output; text already in that form
passes through unchanged.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[A-Za-z0-9_]+|[^\sA-Za-z0-9_]")
_DROP = re.compile(r"^(diff --git |index [0-9a-f]+\.\.[0-9a-f]+|@@ .* @@)")
NL = "<nl>"


def tokenize_message(text: str) -> str:
    """A commit message (or any text) in the corpus's token format: words and single punctuation marks."""
    return " ".join(_TOKEN.findall(text))


def normalize_diff(diff: str, max_lines: int | None = None) -> str:
    """NNGen-style tokens of a unified diff (see module doc); ``max_lines`` keeps only the first lines."""
    if "\n" not in diff.strip() and f" {NL}" in diff:
        return diff.strip()  # already normalized
    out: list[str] = []
    for line in diff.splitlines():
        if _DROP.match(line):
            continue
        if line.startswith("--- "):
            line = "mmm " + line[4:]
        elif line.startswith("+++ "):
            line = "ppp " + line[4:]
        elif line.startswith(" "):
            line = line[1:]  # context lines carry no marker in the corpus format
        tokens = _TOKEN.findall(line)
        if tokens:
            out.append(" ".join(tokens))
        if max_lines is not None and len(out) >= max_lines:
            break
    return "".join(f"{line} {NL} " for line in out).strip()
