"""Input checks shared by every metric: one place decides what bad input means.

References for an item may be a single string or a list of strings (multi-reference sets such as
CODE-NN's C# dev set). Hypotheses and references may be ``bytes`` (e.g. read from a file in a
foreign encoding); they are decoded as UTF-8 with U+FFFD for invalid bytes, so scoring never crashes
on them. Lone surrogates (from ``surrogateescape`` decoding) are replaced the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from codetrans.errors import CodeTransError

#: One item's references: a string or a sequence of strings.
RefItem = "str | bytes | Sequence[str | bytes]"


def as_text(value: str | bytes | None) -> str:
    """Text for scoring: bytes decoded as UTF-8 (invalid bytes -> U+FFFD), None -> empty string."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if not isinstance(value, str):
        raise CodeTransError(f"expected text, got {type(value).__name__}: {value!r:.60}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: make them printable and scoreable
        value = value.encode("utf-8", errors="replace").decode("utf-8")
    return value


def check_pairs(hypotheses: Sequence, references: Sequence) -> tuple[list[str], list[list[str]]]:
    """Validate and normalise (hypotheses, references) into (list[str], list[list[str]]).

    Raises :class:`CodeTransError` for mismatched lengths, an empty corpus, or an item with an
    empty reference list. Empty *strings* are allowed (an empty prediction is scored, see each metric).
    """
    if isinstance(hypotheses, str | bytes):
        raise CodeTransError("hypotheses must be a list of strings, not a single string")
    if isinstance(references, str | bytes):
        raise CodeTransError("references must be a list (one entry per hypothesis), not a single string")
    hyps = [as_text(h) for h in hypotheses]
    refs_in = list(references)
    if len(hyps) != len(refs_in):
        raise CodeTransError(
            f"{len(hyps)} hypotheses but {len(refs_in)} references: they must be aligned one-to-one")
    if not hyps:
        raise CodeTransError("nothing to score: no hypotheses given")
    refs: list[list[str]] = []
    for i, item in enumerate(refs_in):
        if isinstance(item, str | bytes | bytearray):
            refs.append([as_text(item)])
            continue
        if item is None:
            raise CodeTransError(f"item {i} has no references (None)")
        group = [as_text(r) for r in item]
        if not group:
            raise CodeTransError(f"item {i} has an empty reference list: every item needs at least one reference")
        refs.append(group)
    return hyps, refs
