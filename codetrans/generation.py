"""Generation options, checked in one place for every backend and every entry point.

:func:`check_generate_options` is called by the pipelines' ``_sanitize_parameters`` (torch and
CTranslate2 alike) and so by the CLI, the demo and the evaluation harness: a bad value is a one-line
:class:`~codetrans.errors.CodeTransError` before any work, never a ``ZeroDivisionError`` or a backend
``TypeError`` that prints the whole tokenized input. Lengths above :data:`MAX_NEW_TOKENS_CEILING` are
capped (with a warning): T5's relative attention accepts any length, so nothing else would stop a
``max_new_tokens=10**9`` request from running for minutes.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from codetrans.errors import CodeTransError

logger = logging.getLogger("codetrans.generation")

#: The longest output any CodeTrans task needs (the models were trained with targets of at most 512
#: tokens; the longest task default is 128). Requests beyond it are capped with a warning.
MAX_NEW_TOKENS_CEILING = 512
#: Beam sizes beyond this only cost time and memory.
MAX_BEAMS = 64
MAX_BATCH_SIZE = 4096


def check_int(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int of at least ``minimum`` (bools, NaN, fractions and strings refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            isinstance(value, float) and (not math.isfinite(value) or value != int(value))):
        raise CodeTransError(f"{name} must be a whole number, got {value!r}")
    value = int(value)
    if value < minimum:
        raise CodeTransError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(name: str, value: Any, low: float | None = None, high: float | None = None,
           low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CodeTransError(f"{name} must be a finite number, got {value!r}")
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise CodeTransError(f"{name} must be {'above' if low_open else 'at least'} {low:g}, got {value:g}")
    if high is not None and value > high:
        raise CodeTransError(f"{name} must be at most {high:g}, got {value:g}")
    return value


def check_batch_size(value: Any) -> int:
    return min(check_int("batch_size", value, 1), MAX_BATCH_SIZE)


def check_k(k: Any) -> int:
    """Exemplars per input: 0 to 16 (what the ``<ex>`` format and the models were trained with)."""
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= 16:
        raise CodeTransError(f"k (exemplars per input) must be a whole number from 0 to 16, got {k!r}")
    return k


def check_generate_options(options: dict[str, Any], ceiling: int = MAX_NEW_TOKENS_CEILING) -> dict[str, Any]:
    """Validated (and capped) copy of ``generate`` keyword arguments; CodeTransError for a bad value."""
    out = dict(options)
    for name in ("num_beams", "num_return_sequences"):
        if out.get(name) is not None:
            out[name] = check_int(name, out[name], 1)
            if out[name] > MAX_BEAMS:
                raise CodeTransError(f"{name} must be at most {MAX_BEAMS}, got {out[name]}")
    for name in ("max_new_tokens", "max_length"):
        if out.get(name) is not None:
            value = check_int(name, out[name], 1 if name == "max_new_tokens" else 2)
            limit = ceiling + (1 if name == "max_length" else 0)
            if value > limit:
                logger.warning("%s=%d capped at %d: the models never need longer outputs", name, value, limit)
                value = limit
            out[name] = value
    for name in ("min_new_tokens", "min_length", "no_repeat_ngram_size", "top_k"):
        if out.get(name) is not None:
            out[name] = check_int(name, out[name], 0)
    if out.get("min_new_tokens") and out["min_new_tokens"] > ceiling:
        out["min_new_tokens"] = ceiling
    if out.get("temperature") is not None:
        out["temperature"] = _float("temperature", out["temperature"], 0.0, 100.0, low_open=True)
    if out.get("top_p") is not None:
        out["top_p"] = _float("top_p", out["top_p"], 0.0, 1.0, low_open=True)
    if out.get("repetition_penalty") is not None:
        out["repetition_penalty"] = _float("repetition_penalty", out["repetition_penalty"], 0.0, 100.0,
                                           low_open=True)
    if out.get("length_penalty") is not None:
        out["length_penalty"] = _float("length_penalty", out["length_penalty"], -100.0, 100.0)
    if "do_sample" in out and out["do_sample"] is not None and not isinstance(out["do_sample"], bool):
        raise CodeTransError(f"do_sample must be true or false, got {out['do_sample']!r}")
    beams = out.get("num_beams") or 1
    if (out.get("num_return_sequences") or 1) > beams and not out.get("do_sample"):
        raise CodeTransError("num_return_sequences cannot exceed num_beams")
    return out
