"""The one exemplar-augmented input format.

A model input with context is the task's normal input, then up to k exemplar targets, each behind a
separator, optionally with the exemplar's signature before its target::

    <prefix><code tokens> <ex> <target 1> <ex> <target 2>
    <prefix><code tokens> <ex> <signature 1> <to> <target 1> <ex> <signature 2> <to> <target 2>

e.g. ``function documentation generation python: def load_user ( uid ) : ... <ex> Load a group by
its id . <ex> Save a user to the database .`` Exemplars come best first (the nearest is read first
and survives truncation longest).

Why these markers: ``<ex>`` and ``<to>`` are plain text, like the ``<nl>`` of the commit corpus. The
CodeTrans SentencePiece vocabulary (byte fallback, no normalisation of ``<``/``>``) encodes them as
a few ordinary pieces and decodes them back unchanged, so they need no new vocabulary entry (the
shipped model's embeddings stay as they are) and never collide with the ``<extra_id_N>`` sentinels of
span corruption. Tokenized code never contains them: tree-sitter tokens are joined by spaces, so
code reads ``< ex >``; the rare string literal holding ``<ex>``/``<to>`` is escaped the same way
(:func:`escape`), which keeps :func:`parse_source` exact.

The budget is shared: ``budget`` counts the prefix, the code and the exemplars together (in tokens of
the ``tokenizer`` passed, else in whitespace tokens, the proxy; special tokens such as ``</s>`` are
not counted; the prefix itself is never cut). When everything does not fit, the code keeps at least ``code_share`` of the budget
(all of it when shorter), exemplars fill what remains in rank order (the last one that fits partly is
cut, if ``min_exemplar_tokens`` of it fit), and room they leave goes back to the code. Code is cut at
its end, as the trainer's own truncation does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from codetrans.retrieval.format import FORMAT  # the format's version, see there
from codetrans.retrieval.pools import Exemplar

EXEMPLAR = "<ex>"
SIGNATURE_END = "<to>"
_MARKERS = re.compile(r"<(ex|to)>")
_SPLIT = re.compile(r"(?:^| )<ex>(?: |$)")


def escape(text: str) -> str:
    """Text with the format's markers spelled as tokenized code spells them (``<ex>`` -> ``< ex >``)."""
    return _MARKERS.sub(r"< \1 >", text)


@dataclass(frozen=True)
class Augmented:
    """A formatted input: ``text``; how many exemplars it holds; whether the code was cut; its length
    in the budget's unit."""

    text: str
    n_exemplars: int
    code_truncated: bool
    length: int


class _Lengths:
    """Lengths and prefixes of word lists, in tokenizer tokens or (no tokenizer) whitespace tokens."""

    def __init__(self, tokenizer: Any = None):
        self.tok = tokenizer

    def __call__(self, words: Sequence[str]) -> int:
        if self.tok is None or not words:
            return len(words)
        return len(self.tok(" ".join(words), add_special_tokens=False)["input_ids"])

    def head(self, words: list[str], n: int) -> list[str]:
        """The longest prefix of ``words`` whose length is at most ``n``."""
        if n <= 0:
            return []
        if self(words) <= n:
            return words
        if self.tok is None:
            return words[:n]
        lo, hi = 0, min(len(words), n)  # a word costs at least one token
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self(words[:mid]) <= n:
                lo = mid
            else:
                hi = mid - 1
        return words[:lo]


def _exemplar_words(ex: Exemplar | tuple[str, str] | str, signatures: bool) -> tuple[list[str], list[str]]:
    """(head words: marker + signature + ``<to>``, target words) of one exemplar."""
    if isinstance(ex, Exemplar):
        target, sig = ex.target, str(ex.meta.get("signature") or "") if signatures else ""
    elif isinstance(ex, tuple):
        target, sig = ex[1], ""
    else:
        target, sig = str(ex), ""
    head = [EXEMPLAR]
    if sig:
        head += escape(sig).split() + [SIGNATURE_END]
    return head, escape(target).split()


def format_source(code: str, exemplars: Sequence[Exemplar | tuple[str, str] | str] = (), *, k: int = 4,
                  budget: int | None = None, tokenizer: Any = None, signatures: bool = False,
                  prefix: str = "", code_share: float = 0.5, min_exemplar_tokens: int = 4) -> Augmented:
    """``prefix`` + code + up to ``k`` exemplars (pairs, :class:`Exemplar`, or bare targets) in the
    format above, within ``budget``. With no exemplars this is exactly ``prefix + code`` (cut to the
    budget), so a model trained on both sees the plain input unchanged."""
    count = _Lengths(tokenizer)
    code_words = escape(code).split()
    items = [_exemplar_words(e, signatures) for e in list(exemplars)[:k]]
    items = [(h, t) for h, t in items if t]
    if budget is None:
        words = code_words + [w for h, t in items for w in h + t]
        text = prefix + " ".join(words)
        return Augmented(text, len(items), False, count(prefix.split()) + count(words))
    room = max(0, budget - (count(prefix.split()) if prefix else 0))
    n_code = count(code_words)
    ex_total = sum(count(h + t) for h, t in items)
    code_room = n_code if n_code + ex_total <= room else min(n_code, max(room - ex_total, int(code_share * room)))
    left = room - code_room
    chosen: list[list[str]] = []
    for head, target in items:
        need = count(head + target)
        if need <= left:
            chosen.append(head + target)
            left -= need
            continue
        cut = count.head(head + target, left)
        if len(cut) - len(head) >= min_exemplar_tokens and count(cut) <= left:
            chosen.append(cut)
            left -= count(cut)
        break
    ex_words = [w for c in chosen for w in c]
    code_cut = count.head(code_words, room - count(ex_words))
    # token counts of joined text are not exactly additive: shave the code until the whole text fits
    # (prefix words + the rest joined by spaces is the text itself: prefixes end in one space)
    head = prefix.split()
    while code_cut and count(head + code_cut + ex_words) > max(budget, count(head)):
        code_cut = code_cut[:-1]
    text = prefix + " ".join(code_cut + ex_words)
    return Augmented(text, len(chosen), len(code_cut) < len(code_words), count(head + code_cut + ex_words))


def format_input(subtask: str, code: str, exemplars: Sequence[Exemplar | tuple[str, str] | str] = (),
                 **kw: Any) -> Augmented:
    """:func:`format_source` behind the sub-task's prefix (the budget counts the prefix too)."""
    from codetrans.tasks import get_subtask

    return format_source(code, exemplars, prefix=get_subtask(subtask).prefix, **kw)


def parse_source(source: str) -> tuple[str, list[tuple[str, str]]]:
    """(code, [(signature or "", target), ...]) of a formatted source (prefix already removed)."""
    parts = _SPLIT.split(source)
    out = []
    for chunk in parts[1:]:
        sig, sep, target = chunk.partition(f" {SIGNATURE_END} ")
        out.append((sig, target) if sep else ("", chunk))
    return parts[0], out


def signature_of(tokens: str, limit: int = 24) -> str:
    """A signature from tokenized code when the original text is gone (corpus rows): the tokens up
    to the first ``:`` or ``{`` that closes the parameter list, at most ``limit`` of them."""
    words = tokens.split()[:limit]
    depth = 0
    for i, w in enumerate(words):
        if w in ("(", "["):
            depth += 1
        elif w in (")", "]"):
            depth -= 1
        if depth == 0 and w in (":", "{", "=>") and i > 0:
            return " ".join(words[:i + 1])
    return " ".join(words)


__all__ = ["EXEMPLAR", "FORMAT", "SIGNATURE_END", "Augmented", "escape", "format_input", "format_source", "parse_source",
           "signature_of"]
