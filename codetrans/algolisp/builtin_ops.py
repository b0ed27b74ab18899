"""The AlgoLisp builtins under their original names and argument orders (``BUILTINS``), the
constants and type names (``CONSTANTS``) and the names of the special forms.

Every implementation takes the run's ``_State`` first and checks its argument types, so that
``(+ true 1)`` fails instead of computing Python's ``2``; whatever builds a sequence or a big integer
is checked against the limits (and charged steps) before it is returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from codetrans.algolisp.errors import ExecutionError, LimitError
from codetrans.algolisp.limits import _State
from codetrans.algolisp.values import (
    Builtin,
    Combined,
    Func,
    Partial,
    TypeName,
    _describe,
    _typename,
    call_func,
)


def _num(op: str, *vals: Any) -> None:
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ExecutionError(f"{op} expects numbers, got {_typename(v)} {_describe(v)}")


def _arr(op: str, v: Any) -> list:
    if not isinstance(v, list):
        raise ExecutionError(f"{op} expects an array, got {_typename(v)} {_describe(v)}")
    return v


def _str(op: str, v: Any) -> str:
    if not isinstance(v, str):
        raise ExecutionError(f"{op} expects a string, got {_typename(v)} {_describe(v)}")
    return v


def _bool(op: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise ExecutionError(f"{op} expects a boolean, got {_typename(v)} {_describe(v)}")
    return v


def _int(op: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, float) and v.is_integer():
            return int(v)
        raise ExecutionError(f"{op} expects an integer, got {_typename(v)} {_describe(v)}")
    return v


def _fn(op: str, v: Any) -> Func:
    if not isinstance(v, Func):
        raise ExecutionError(f"{op} expects a function, got {_typename(v)} {_describe(v)}")
    return v


def _big(st: _State, v: Any) -> Any:
    if isinstance(v, int) and v.bit_length() > st.limits.max_int_bits:
        raise LimitError(f"integer too large (more than {st.limits.max_int_bits} bits)")
    return v


def _seq(st: _State, op: str, v: Any) -> Any:
    """Check a freshly built sequence against the size limit and charge for the copy."""
    n = len(v)
    if n > st.limits.max_len:
        raise LimitError(f"{op} built a value of {n} elements (limit {st.limits.max_len})")
    st.charge(n >> 3)
    return v


def _add(st, x, y):
    _num("+", x, y)
    return _big(st, x + y)


def _sub(st, x, y):
    _num("-", x, y)
    return _big(st, x - y)


def _mul(st, x, y):
    _num("*", x, y)
    if isinstance(x, int) and isinstance(y, int):
        if x.bit_length() + y.bit_length() > st.limits.max_int_bits + 1:
            raise LimitError(f"integer too large (more than {st.limits.max_int_bits} bits)")
    return _big(st, x * y)


def _div(st, x, y):
    _num("/", x, y)
    if y == 0:
        raise ExecutionError("division by zero")
    if isinstance(x, int) and isinstance(y, int):
        return x // y
    return x / y


def _mod(st, x, y):
    _num("%", x, y)
    if y == 0:
        raise ExecutionError("modulo by zero")
    return x % y


def _pow(st, x, y):
    _num("pow", x, y)
    if isinstance(x, int) and isinstance(y, int) and y > 0 and abs(x) > 1:
        if (x.bit_length() - 1) * y > st.limits.max_int_bits:
            raise LimitError(f"integer too large (more than {st.limits.max_int_bits} bits)")
    if x == 0 and y < 0:
        raise ExecutionError("zero raised to a negative power")
    try:
        r = x**y
    except OverflowError as exc:
        raise ExecutionError(f"pow overflow: {exc}") from None
    if isinstance(r, complex):
        raise ExecutionError("pow of a negative number to a fractional power")
    return _big(st, r)


def _sqrt(st, x):
    _num("sqrt", x)
    if x < 0:
        raise ExecutionError(f"sqrt of a negative number {x}")
    try:
        return math.sqrt(x)
    except OverflowError:
        raise ExecutionError("sqrt argument too large") from None


def _floor(st, x):
    _num("floor", x)
    if isinstance(x, int):
        return x
    if math.isinf(x) or math.isnan(x):
        raise ExecutionError(f"floor of {x}")
    return int(x)


def _not(st, x):
    return not _bool("!", x)


def _or(st, x, y):
    return _bool("||", x) or _bool("||", y)


def _and(st, x, y):
    return _bool("&&", x) and _bool("&&", y)


def _comparable(op: str, x: Any, y: Any) -> None:
    num_x = isinstance(x, (int, float)) and not isinstance(x, bool)
    num_y = isinstance(y, (int, float)) and not isinstance(y, bool)
    if num_x and num_y:
        return
    if type(x) is type(y) and isinstance(x, (str, list, bool)):
        return
    raise ExecutionError(f"{op} cannot compare {_typename(x)} with {_typename(y)}")


def _cmp(op: str, fn: Callable[[Any, Any], bool]) -> Callable:
    def impl(st, x, y):
        _comparable(op, x, y)
        try:
            return fn(x, y)
        except TypeError as exc:
            raise ExecutionError(f"{op}: {exc}") from None

    return impl


def _eq(st, x, y):
    return x == y


def _ne(st, x, y):
    return x != y


def _reduce(st, arr, init, f):
    _arr("reduce", arr)
    _fn("reduce", f)
    acc = init
    for v in arr:
        acc = call_func(st, f, (acc, v))
    return acc


def _map(st, arr, f):
    _arr("map", arr)
    _fn("map", f)
    return [call_func(st, f, (v,)) for v in arr]


def _filter(st, arr, f):
    _arr("filter", arr)
    _fn("filter", f)
    out = []
    for v in arr:
        keep = call_func(st, f, (v,))
        if not isinstance(keep, bool):
            raise ExecutionError(f"filter predicate returned {_typename(keep)}, not a boolean")
        if keep:
            out.append(v)
    return out


def _range(st, lo, hi):
    _num("range", lo, hi)
    if hi - lo > st.limits.max_range:
        raise LimitError(f"range over more than {st.limits.max_range} elements refused ({lo}..{hi})")
    lo_i, hi_i = int(lo), int(hi)
    st.charge(max(0, hi_i - lo_i) >> 3)
    return list(range(lo_i, hi_i))


def _invoke1(st, f, x):
    return call_func(st, _fn("invoke1", f), (x,))


def _combine(st, f, g):
    return Combined(_fn("combine", f), _fn("combine", g))


def _partial(index: int) -> Callable:
    def impl(st, value, f):
        f = _fn(f"partial{index}", f)
        if f.arity is not None and f.arity <= index:
            raise ExecutionError(f"partial{index} needs a function of more than {index} argument(s), got {f.name}")
        return Partial(index, value, f)

    return impl


def _array_new(st, t):
    if not isinstance(t, TypeName):
        raise ExecutionError(f"array-new expects a type name such as int, got {_describe(t)}")
    return []


def _len(st, a):
    return len(_arr("len", a))


def _head(st, a):
    if not _arr("head", a):
        raise ExecutionError("head of an empty array")
    return a[0]


def _tail(st, a):
    return _seq(st, "tail", _arr("tail", a)[1:])


def _deref(op: str) -> Callable:
    def impl(st, a, idx):
        _arr(op, a)
        i = _int(op, idx)
        if i < 0 or i >= len(a):
            raise ExecutionError(f"{op}: index {i} out of bounds (array length is {len(a)})")
        return a[i]

    return impl


def _slice(st, a, lo, hi):
    _arr("slice", a)
    return _seq(st, "slice", a[max(0, _int("slice", lo)) : _int("slice", hi)])


def _append(st, a, v):
    return _seq(st, "append", _arr("append", a) + [v])


def _sort(st, a):
    _arr("sort", a)
    for v in a[1:]:
        _comparable("sort", a[0], v)
    st.charge(len(a) * max(1, len(a).bit_length()) >> 3)
    try:
        return sorted(a)
    except TypeError as exc:
        raise ExecutionError(f"sort: {exc}") from None


def _reverse(st, a):
    return _seq(st, "reverse", _arr("reverse", a)[::-1])


def _strlen(st, s):
    return len(_str("strlen", s))


def _str_index(st, idx, s):
    _str("str_index", s)
    i = _int("str_index", idx)
    if i < -len(s) or i >= len(s):
        raise ExecutionError(f"str_index: index {i} out of bounds (string length is {len(s)})")
    return s[i]


def _str_concat(st, a, b):
    return _seq(st, "str_concat", _str("str_concat", a) + _str("str_concat", b))


def _str_split(st, s, delim):
    _str("str_split", s)
    if not _str("str_split", delim):
        raise ExecutionError("str_split with an empty delimiter")
    return _seq(st, "str_split", [x for x in s.split(delim) if x])


def _dict_new(st, kt, vt):
    for t in (kt, vt):
        if not isinstance(t, TypeName):
            raise ExecutionError(f"dict-new expects type names such as int, got {_describe(t)}")
    return {}


def _dict_insert(st, d, k, v):
    # Mutates and returns the dict, as the original did (reduce builds dicts this way).
    if not isinstance(d, dict):
        raise ExecutionError(f"dict-insert expects a dict, got {_typename(d)}")
    if isinstance(k, (list, dict, Func)):
        raise ExecutionError(f"dict-insert: a {_typename(k)} cannot be a key")
    d[k] = v
    if len(d) > st.limits.max_len:
        raise LimitError(f"dict grew past {st.limits.max_len} entries")
    return d


def _dict_keys(st, d):
    if not isinstance(d, dict):
        raise ExecutionError(f"dict-keys expects a dict, got {_typename(d)}")
    keys = list(d)
    for k in keys[1:]:
        _comparable("dict-keys", keys[0], k)
    return sorted(keys)


_BUILTIN_IMPLS: dict[str, tuple[int, Callable]] = {
    "+": (2, _add), "-": (2, _sub), "*": (2, _mul), "/": (2, _div), "%": (2, _mod),
    "pow": (2, _pow), "sqrt": (1, _sqrt), "floor": (1, _floor),
    "!": (1, _not), "||": (2, _or), "&&": (2, _and),
    "<": (2, _cmp("<", lambda x, y: x < y)), ">": (2, _cmp(">", lambda x, y: x > y)),
    "<=": (2, _cmp("<=", lambda x, y: x <= y)), ">=": (2, _cmp(">=", lambda x, y: x >= y)),
    "==": (2, _eq), "!=": (2, _ne),
    "reduce": (3, _reduce), "map": (2, _map), "filter": (2, _filter), "range": (2, _range),
    "invoke1": (2, _invoke1), "combine": (2, _combine),
    "partial0": (2, _partial(0)), "partial1": (2, _partial(1)), "partial2": (2, _partial(2)),
    "array-new": (1, _array_new), "len": (1, _len), "head": (1, _head), "tail": (1, _tail),
    "deref": (2, _deref("deref")), "int-deref": (2, _deref("int-deref")), "slice": (3, _slice),
    "append": (2, _append), "sort": (1, _sort), "reverse": (1, _reverse),
    "strlen": (1, _strlen), "str_index": (2, _str_index), "str_concat": (2, _str_concat),
    "str_split": (2, _str_split),
    "dict-new": (2, _dict_new), "dict-insert": (3, _dict_insert), "dict-keys": (1, _dict_keys),
}

BUILTINS: dict[str, Builtin] = {n: Builtin(n, a, f) for n, (a, f) in _BUILTIN_IMPLS.items()}

# Constants of the original, plus type names. Any other integer literal is accepted too.
CONSTANTS: dict[str, Any] = {
    "0": 0, "1": 1, "2": 2, "10": 10, "40": 40, "1000000000": 1000000000, "inf": math.inf,
    "true": True, "false": False, '""': "", '" "': " ", '"z"': "z",
    "int": TypeName("int"), "string": TypeName("string"), "bool": TypeName("bool"),
}

SPECIAL_FORMS = ("if", "lambda1", "lambda2")
