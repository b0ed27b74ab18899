"""Stale documentation: existing docstrings that the verifier says do not describe their function.

A function changes, its docstring does not; or a docstring was copied from a neighbour and never fitted.
:func:`stale_docstrings` scores every documented function's summary against its code with the model's
verifier (:mod:`codetrans.grounding.verifier`) and returns those under the threshold, with the best candidate
the grounded path offers instead (when it is confident). ``codetrans document --check`` lists them; the LSP
publishes them as diagnostics with a code action.
"""

from __future__ import annotations

from typing import Any


def stale_docstrings(text: str, lang: str, verifier: Any, threshold: float | None = None) -> list[dict]:
    """``{func_name, start_line, end_line, summary, confidence}`` of each documented function whose summary
    the verifier gives a probability under ``threshold`` (default: the verifier's ``stale_below``, chosen on the
    synthetic stale check of docs/quality/README.md)."""
    from codetrans.lang.extract import EXTRACT_LANGUAGES, extract_functions

    if verifier is None or lang not in EXTRACT_LANGUAGES:
        return []
    threshold = verifier.serving("stale_below") if threshold is None else threshold
    out = []
    for f in extract_functions(text, lang, apply_filters=False):
        summary = (f.get("summary") or "").strip()
        if not summary:
            continue
        p = verifier.probability(" ".join(f["code_tokens"]), summary, name=f["func_name"])
        if p < threshold:
            out.append({"func_name": f["func_name"], "start_line": f["start_line"], "end_line": f["end_line"],
                        "summary": summary, "confidence": round(p, 3)})
    return out


__all__ = ["stale_docstrings"]
