"""Budgets of one AlgoLisp run: the hard :class:`Limits`, the mutable step/depth counter that every
evaluation closure is handed (``_State``), and the size check on results.

Exceeding any of them raises :class:`LimitError`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from codetrans.algolisp.errors import LimitError


@dataclass(frozen=True)
class Limits:
    """Hard limits of one run. The defaults stop hostile programs well within a second."""

    max_steps: int = 250_000  # evaluation steps, plus charges for per-element work
    max_depth: int = 100  # nested function calls (lambda, self recursion, library functions)
    max_len: int = 10_000  # elements of an array / dict, characters of a string
    max_range: int = 1_000  # `range` refuses more elements, as the original did
    max_int_bits: int = 4_096  # integers beyond +-2**4096 are refused (exponential blow-up)
    timeout_s: float = 1.0  # wall-clock safety net behind the deterministic step limit


DEFAULT_LIMITS = Limits()
_CHECK_EVERY = 2048  # steps between wall-clock checks


class _State:
    """Mutable budget of one run, passed to every evaluation closure."""

    __slots__ = ("steps", "next_check", "depth", "limits", "deadline")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps = 0
        self.depth = 0
        self.deadline = time.perf_counter() + limits.timeout_s
        self.next_check = min(_CHECK_EVERY, limits.max_steps)

    def check(self) -> None:
        if self.steps > self.limits.max_steps:
            raise LimitError(f"step limit exceeded ({self.limits.max_steps} steps)")
        if time.perf_counter() > self.deadline:
            raise LimitError(f"time limit exceeded ({self.limits.timeout_s:g} s)")
        self.next_check = min(self.steps + _CHECK_EVERY, self.limits.max_steps)

    def charge(self, n: int) -> None:
        self.steps += n
        if self.steps > self.next_check:
            self.check()


MAX_RESULT_NESTING = 100
MAX_RESULT_ELEMENTS = 100_000


def _check_result(value: Any, limits: Limits) -> Any:
    """Refuse results too deep or too big to compare, print or serialise safely (shared sub-arrays
    can make a small program return millions of elements)."""
    if not isinstance(value, (list, dict)):
        return value
    stack = [(value, 1)]
    seen = 0
    while stack:
        v, level = stack.pop()
        if level > MAX_RESULT_NESTING:
            raise LimitError(f"result nested deeper than {MAX_RESULT_NESTING} levels")
        items = v.values() if isinstance(v, dict) else v
        seen += len(v)
        if seen > MAX_RESULT_ELEMENTS:
            raise LimitError(f"result has more than {MAX_RESULT_ELEMENTS} elements")
        stack.extend((x, level + 1) for x in items if isinstance(x, (list, dict)))
    return value
