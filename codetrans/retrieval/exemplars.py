"""The k nearest exemplars of a unit (a function, a diff, a query) in a pool."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import numpy as np

from codetrans.retrieval.bm25 import code_terms
from codetrans.retrieval.pools import Exemplar, Pool, input_key, parse_time

#: An exemplar whose code holds this share of the unit's words (in order-free counts) holds the unit itself.
_CONTAINS = 0.97

#: What :func:`nearest` accepts as a unit: its input text, an :class:`Exemplar`, or a mapping with
#: ``input`` (or ``source``) and optional ``id``/``sha``, ``path`` + ``line``, ``date``, ``lang``
#: (top level or under ``meta``).
Unit = str | Exemplar | Mapping[str, Any]


def _unit(unit: Unit) -> tuple[str, dict]:
    if isinstance(unit, str):
        return unit, {}
    if isinstance(unit, Exemplar):
        return unit.input, dict(unit.meta)
    meta = dict(unit.get("meta") or {}) if isinstance(unit.get("meta"), Mapping) else {}
    meta.update({k: v for k, v in unit.items() if k not in ("input", "source", "target", "meta")})
    return str(unit.get("input", unit.get("source", ""))), meta


def _contains(unit_terms: Counter, text: str) -> bool:
    """Whether ``text`` (raw code or model tokens, with or without a docstring) holds the unit's code: the
    caller's pairs may be raw functions, or whole files, that include the function being documented."""
    if sum(unit_terms.values()) < 4:
        return False
    theirs = Counter(code_terms(text))
    return sum((unit_terms & theirs).values()) >= _CONTAINS * sum(unit_terms.values())


def _history_mask(pool: Pool, meta: dict) -> np.ndarray | None:
    """Commits a commit may see: those before it. In the pool: earlier in topological order (parents
    first, or time rank in a corpus) and not dated after it. Not in the pool but dated: strictly earlier author time. Neither
    (a change not committed yet): the whole history."""
    ts = pool.column("ts", np.nan, float)
    sha = str(meta.get("sha") or meta.get("id") or "")
    hits = pool.by_id(sha) if sha else []
    if hits:
        me = hits[0]
        if np.isnan(ts[me]):
            return np.zeros(len(pool), dtype=bool)  # an undated commit: nothing is known to precede it
        pos = pool.column("pos", -1, np.int64)
        # NaN times compare False in both: an undated exemplar is never shown
        return (pos < pos[me]) & (ts <= ts[me])
    t = meta.get("ts")
    t = parse_time(str(meta.get("date") or "")) if t is None else float(t)
    if t is not None:
        return ts < t  # NaN compares False: undated commits are never shown to a dated query
    return None


def nearest(pool: Pool, unit: Unit, k: int = 4, *, same_lang: bool = True, distinct_targets: bool = True,
            history: bool | None = None, same_input: bool = False) -> list[Exemplar]:
    """The ``k`` BM25-nearest exemplars of ``unit`` in ``pool``, best first (earliest on ties).

    Never returned: the unit itself (same ``id``/``sha``, or same ``path`` + ``line``), exemplars whose
    input duplicates the unit's (whitespace aside) or holds it (raw code, a whole file: :func:`_contains`), exemplars sharing no term with it, and — for
    history pools (``history=None`` decides by ``pool.kind``) — commits not before the unit. With
    ``same_lang`` a unit with a ``lang`` only sees exemplars of that language (or of none recorded);
    with ``distinct_targets`` a target already chosen is not repeated. ``same_input``: a query over other
    people's pairs (an API description), not code that may sit in the pool: an exemplar with the very same
    input is the best answer, not the unit itself (only ``id``/place still exclude).
    """
    if k <= 0 or len(pool) == 0 or pool.bm25 is None:
        return []
    text, meta = _unit(unit)
    exclude: list[int] = [] if same_input else list(pool.by_key(input_key(text)))
    ident = str(meta.get("id") or "")
    if ident:
        exclude += pool.by_id(ident)
    if meta.get("path") and meta.get("line") is not None:
        exclude += pool.by_place(str(meta["path"]), int(meta["line"]))
    allowed = None
    if history if history is not None else pool.kind == "history":
        allowed = _history_mask(pool, meta)
        if allowed is not None and not allowed.any():
            return []
    if same_lang and meta.get("lang"):
        langs = pool.column("lang", "", object)
        ok = (langs == meta["lang"]) | (langs == "")
        allowed = ok if allowed is None else allowed & ok
    # a few spare candidates: distinct_targets may pass over some
    hits = pool.bm25.top_k(pool.terms(text), 4 * k + 8 if distinct_targets else k,
                           exclude=np.asarray(exclude, dtype=np.int64), allowed=allowed)
    out: list[Exemplar] = []
    seen: set[str] = set()
    mine = Counter(code_terms(text)) if pool.kind != "history" and not same_input else None
    for i, score in hits:
        t = pool.targets[i]
        if mine is not None and _contains(mine, pool.inputs[i]):
            continue  # the unit itself in another form (its input_key could not match)
        if distinct_targets:
            if t in seen:
                continue
            seen.add(t)
        out.append(Exemplar(pool.inputs[i], t, pool.metas[i], score))
        if len(out) == k:
            break
    return out


__all__ = ["Unit", "nearest"]
