"""The library functions that AlgoLisp defines in itself (``LIBRARY_SOURCE``: ``square``,
``is_prime``, ``digits``...) and their native Python fast paths (``_NATIVE``).

A fast path answers only for plain integer inputs, with exactly what the definition returns (the tests
check this), and otherwise returns ``_FALLBACK`` so the definition runs: data generation spends most
of its time in these functions. :mod:`codetrans.algolisp.compiler` compiles them into ``LIBRARY``.
"""

from __future__ import annotations

import math
from typing import Any

from codetrans.algolisp.builtin_ops import _mul
from codetrans.algolisp.values import _FALLBACK

# Library functions defined in AlgoLisp itself: name -> (parameters, body).
LIBRARY_SOURCE: dict[str, tuple[tuple[str, ...], str]] = {
    "square": (("x",), "(* x x)"),
    "is_prime": (("x",), "(if (<= x 1) false (! (reduce (map (map (range 2 (+ 1 (sqrt x))) "
                         "(partial0 x %)) (partial0 0 ==)) false ||)))"),
    "min": (("x", "y"), "(if (<= x y) x y)"),
    "max": (("x", "y"), "(if (<= x y) y x)"),
    "str_min": (("x", "y"), "(if (<= x y) x y)"),
    "str_max": (("x", "y"), "(if (<= x y) y x)"),
    "contains": (("arr", "x"), "(reduce (map arr (partial0 x ==)) false ||)"),
    "abs": (("a",), "(if (> a 0) a (- 0 a))"),
    "digits": (("a",), "(if (< (abs a) 10) (append (array-new int) (abs a)) "
                       "(append (digits (/ (abs a) 10)) (% (abs a) 10)))"),
    "is_sorted": (("arr",), "(reduce (map (range 1 (len arr)) "
                            "(lambda1 (<= (deref arr (- arg1 1)) (deref arr arg1)))) true &&)"),
    "is_odd": (("x",), "(== (% x 2) 1)"),
    "is_even": (("x",), "(== (% x 2) 0)"),
}


def _is_int(v: Any) -> bool:
    return type(v) is int


def _native_square(st, x):
    return _mul(st, x, x) if _is_int(x) else _FALLBACK


def _native_is_prime(st, x):
    if not _is_int(x):
        return _FALLBACK
    if x <= 1:
        return False
    hi = 1 + math.sqrt(x)
    if hi - 2 > st.limits.max_range:  # the definition's (range 2 (+ 1 (sqrt x))) refuses it too
        return _FALLBACK
    n = int(hi)
    st.charge(4 * max(0, n - 2))
    return all(x % i for i in range(2, n))


def _native_min(st, x, y):
    return (x if x <= y else y) if _is_int(x) and _is_int(y) else _FALLBACK


def _native_max(st, x, y):
    return (y if x <= y else x) if _is_int(x) and _is_int(y) else _FALLBACK


def _native_abs(st, a):
    return abs(a) if _is_int(a) else _FALLBACK


def _native_contains(st, arr, x):
    if not (isinstance(arr, list) and _is_int(x) and all(_is_int(v) for v in arr)):
        return _FALLBACK
    st.charge(2 * len(arr))
    return x in arr


def _native_digits(st, a):
    if not _is_int(a):
        return _FALLBACK
    ds = [int(c) for c in str(abs(a))]
    if st.depth + len(ds) - 1 > st.limits.max_depth:
        return _FALLBACK  # the recursive definition raises the depth error
    st.charge(6 * len(ds))
    return ds


def _native_is_sorted(st, arr):
    if not (isinstance(arr, list) and all(_is_int(v) for v in arr)) or len(arr) - 1 > st.limits.max_range:
        return _FALLBACK
    st.charge(4 * len(arr))
    return all(arr[i - 1] <= arr[i] for i in range(1, len(arr)))


def _native_is_odd(st, x):
    return x % 2 == 1 if _is_int(x) else _FALLBACK


def _native_is_even(st, x):
    return x % 2 == 0 if _is_int(x) else _FALLBACK


_NATIVE = {
    "square": _native_square, "is_prime": _native_is_prime, "min": _native_min, "max": _native_max,
    "abs": _native_abs, "contains": _native_contains, "digits": _native_digits,
    "is_sorted": _native_is_sorted, "is_odd": _native_is_odd, "is_even": _native_is_even,
}
