"""A deterministic AlgoLisp interpreter with hard limits.

Semantics follow Polosukhin & Skidanov (2018), "Neural Program Search": the same builtin names and
argument orders (``reduce`` array init func, ``partial0`` value func, ``str_index`` idx string, ...),
Python-like integer arithmetic (``/`` on ints is floor division), ranges of more than 1,000 elements
refused. Deliberate differences, all in the direction of "fail clearly" or "scope lexically":

* Lambdas close over their definition scope (the original copied the caller's scope); programs of the
  dataset behave the same either way.
* Types are checked at each builtin: ``(+ true 1)`` is an error rather than Python's ``2``.
* Any integer literal is accepted (``3``, ``-5``), besides the original's constants; ``string`` and
  ``bool`` are type names next to ``int`` (for ``array-new`` / ``dict-new``).
* ``is_sorted`` is written with ``reduce`` instead of a recursive helper, so it is not bounded by
  the recursion limit on 1,000-element arrays.

Every run has a budget (:class:`Limits`): evaluation steps, call depth, sequence length, integer size
and wall time. Exceeding any of them raises :class:`LimitError`; other runtime failures raise
:class:`ExecutionError`, unknown names :class:`CompileError`.
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from codetrans.algolisp.errors import AlgoLispError, CompileError, ExecutionError, LimitError
from codetrans.algolisp.parser import Tree, as_tree, parse, to_str


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


# ---------------------------------------------------------------------------------------- values


class Func:
    """A function value. ``arity`` is None when any number of arguments is accepted."""

    __slots__ = ("name", "arity")

    def __init__(self, name: str, arity: int | None) -> None:
        self.name = name
        self.arity = arity

    def call(self, st: _State, args: tuple) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<function {self.name}>"


class Builtin(Func):
    __slots__ = ("impl",)

    def __init__(self, name: str, arity: int, impl: Callable[..., Any]) -> None:
        super().__init__(name, arity)
        self.impl = impl

    def call(self, st: _State, args: tuple) -> Any:
        return self.impl(st, *args)


class Closure(Func):
    """``lambda1`` / ``lambda2``: binds ``arg1`` (``arg2``) and ``self`` over its definition scope."""

    __slots__ = ("body", "env")

    def __init__(self, arity: int, body: Callable, env: dict) -> None:
        super().__init__(f"lambda{arity}", arity)
        self.body = body
        self.env = env

    def call(self, st: _State, args: tuple) -> Any:
        st.depth += 1
        if st.depth > st.limits.max_depth:
            raise LimitError(f"recursion depth limit exceeded ({st.limits.max_depth} nested calls)")
        env = dict(self.env)
        env["arg1"] = args[0]
        if self.arity == 2:
            env["arg2"] = args[1]
        env["self"] = self
        result = self.body(env, st)
        st.depth -= 1
        return result


_FALLBACK = object()  # a native fast path declines: run the AlgoLisp definition


class LibraryFunc(Func):
    """A library function written in AlgoLisp (``square``, ``is_prime``, ``digits``...).

    ``native`` is an optional Python fast path for plain integer inputs, returning exactly what the
    AlgoLisp ``body`` returns (checked by the tests); for anything else it returns ``_FALLBACK`` and
    the definition runs. Data generation spends most of its time in these functions.
    """

    __slots__ = ("params", "body", "native")

    def __init__(self, name: str, params: tuple[str, ...], body: Callable,
                 native: Callable[..., Any] | None = None) -> None:
        super().__init__(name, len(params))
        self.params = params
        self.body = body
        self.native = native

    def call(self, st: _State, args: tuple) -> Any:
        st.depth += 1
        if st.depth > st.limits.max_depth:
            raise LimitError(f"recursion depth limit exceeded ({st.limits.max_depth} nested calls)")
        result = _FALLBACK if self.native is None else self.native(st, *args)
        if result is _FALLBACK:
            result = self.body(dict(zip(self.params, args)), st)
        st.depth -= 1
        return result

    def call_definition(self, st: _State, args: tuple) -> Any:
        """Run the AlgoLisp definition only (no fast path)."""
        return self.body(dict(zip(self.params, args)), st)


class Partial(Func):
    """``partialN value f``: a function of the remaining arguments with ``value`` at position N."""

    __slots__ = ("index", "value", "func")

    def __init__(self, index: int, value: Any, func: Func) -> None:
        arity = None if func.arity is None else func.arity - 1
        super().__init__(f"partial{index}({func.name})", arity)
        self.index, self.value, self.func = index, value, func

    def call(self, st: _State, args: tuple) -> Any:
        if len(args) < self.index:
            raise ExecutionError(f"partial{self.index} needs at least {self.index} remaining arguments")
        return call_func(st, self.func, args[: self.index] + (self.value,) + args[self.index :])


class Combined(Func):
    """``combine f g``: calls g with the arguments, then f with g's result."""

    __slots__ = ("f", "g")

    def __init__(self, f: Func, g: Func) -> None:
        super().__init__(f"combine({f.name},{g.name})", g.arity)
        self.f, self.g = f, g

    def call(self, st: _State, args: tuple) -> Any:
        return call_func(st, self.f, (call_func(st, self.g, args),))


class TypeName:
    """A type symbol (``int``) as used by ``array-new`` and ``dict-new``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


def call_func(st: _State, f: Any, args: tuple) -> Any:
    if not isinstance(f, Func):
        raise ExecutionError(f"cannot call {_describe(f)}: not a function")
    if f.arity is not None and f.arity != len(args):
        raise ExecutionError(f"{f.name} takes {f.arity} argument(s), got {len(args)}")
    st.steps += 1
    if st.steps > st.next_check:
        st.check()
    return f.call(st, args)


def _describe(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


def _typename(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "dict"
    if isinstance(v, Func):
        return "function"
    return type(v).__name__


# ------------------------------------------------------------------------------------- builtins


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

LIBRARY: dict[str, LibraryFunc] = {}


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

# ------------------------------------------------------------------------------------- compiler

Node = Callable[[dict, _State], Any]
_INT_LITERAL = re.compile(r"-?\d+\Z")


def _global(name: str) -> Func | None:
    return BUILTINS.get(name) or LIBRARY.get(name)


def _is_global_name(name: str) -> bool:
    return name in BUILTINS or name in LIBRARY or name in LIBRARY_SOURCE


def _const(value: Any) -> Node:
    def node(env, st):
        st.steps += 1
        if st.steps > st.next_check:
            st.check()
        return value

    return node


def _compile(tree: Tree, scope: frozenset[str]) -> Node:
    if isinstance(tree, str):
        return _compile_atom(tree, scope)
    head, args = tree[0], tree[1:]
    if isinstance(head, str) and head not in scope:
        if head == "if":
            return _compile_if(args, scope)
        if head in ("lambda1", "lambda2"):
            return _compile_lambda(int(head[-1]), args, scope)
        if _is_global_name(head):
            arity = BUILTINS[head].arity if head in BUILTINS else len(LIBRARY_SOURCE[head][0])
            if len(args) != arity:
                raise CompileError(f"{head} takes {arity} argument(s), got {len(args)}: {to_str(tree)}")
            return _compile_static_call(head, [_compile(a, scope) for a in args])
        if head in CONSTANTS or _INT_LITERAL.match(head) or head.startswith('"'):
            raise CompileError(f"{head} is not a function: {to_str(tree)}")
        raise CompileError(f"unknown function {head!r}")
    fn_node = _compile(head, scope)
    arg_nodes = [_compile(a, scope) for a in args]

    def dyn_call(env, st):
        f = fn_node(env, st)
        return call_func(st, f, tuple([n(env, st) for n in arg_nodes]))

    return dyn_call


def _compile_atom(name: str, scope: frozenset[str]) -> Node:
    if name in scope:
        def var(env, st):
            st.steps += 1
            if st.steps > st.next_check:
                st.check()
            return env[name]

        return var
    if name in CONSTANTS:
        return _const(CONSTANTS[name])
    if _INT_LITERAL.match(name):
        if len(name) > 40:
            raise CompileError(f"integer literal too long: {name[:20]}...")
        return _const(int(name))
    if name.startswith('"'):
        if len(name) < 2 or not name.endswith('"'):
            raise CompileError(f"bad string literal {name}")
        return _const(name[1:-1].replace('\\"', '"').replace("\\\\", "\\"))
    if name in BUILTINS:
        return _const(BUILTINS[name])
    if name in LIBRARY_SOURCE:
        def lib(env, st):  # looked up at run time so library functions can refer to each other
            st.steps += 1
            return LIBRARY[name]

        return lib
    if name in SPECIAL_FORMS:
        raise CompileError(f"{name} must be called, it is not a value")
    if name in ("arg1", "arg2", "self"):
        raise CompileError(f"{name} used outside a lambda")
    raise CompileError(f"unknown symbol {name!r}")


def _compile_if(args: list, scope: frozenset[str]) -> Node:
    if len(args) != 3:
        raise CompileError(f"if takes 3 arguments (condition, then, else), got {len(args)}")
    c, t, e = (_compile(a, scope) for a in args)

    def node(env, st):
        cond = c(env, st)
        if cond is True:
            return t(env, st)
        if cond is False:
            return e(env, st)
        raise ExecutionError(f"if condition must be a boolean, got {_typename(cond)} {_describe(cond)}")

    return node


def _compile_lambda(arity: int, args: list, scope: frozenset[str]) -> Node:
    if len(args) != 1:
        raise CompileError(f"lambda{arity} takes one body expression, got {len(args)}")
    names = {"arg1", "self"} if arity == 1 else {"arg1", "arg2", "self"}
    body = _compile(args[0], scope | names)

    def node(env, st):
        st.steps += 1
        return Closure(arity, body, env)

    return node


def _compile_static_call(name: str, arg_nodes: list[Node]) -> Node:
    if name in BUILTINS:
        impl = BUILTINS[name].impl
        if len(arg_nodes) == 1:
            (a,) = arg_nodes

            def call1(env, st):
                st.steps += 1
                if st.steps > st.next_check:
                    st.check()
                return impl(st, a(env, st))

            return call1
        if len(arg_nodes) == 2:
            a, b = arg_nodes

            def call2(env, st):
                st.steps += 1
                if st.steps > st.next_check:
                    st.check()
                return impl(st, a(env, st), b(env, st))

            return call2

        def calln(env, st):
            st.steps += 1
            if st.steps > st.next_check:
                st.check()
            return impl(st, *[n(env, st) for n in arg_nodes])

        return calln

    def libcall(env, st):
        st.steps += 1
        if st.steps > st.next_check:
            st.check()
        return LIBRARY[name].call(st, tuple([n(env, st) for n in arg_nodes]))

    return libcall


def _load_library() -> None:
    for name, (params, source) in LIBRARY_SOURCE.items():
        LIBRARY[name] = LibraryFunc(name, params, _compile(parse(source), frozenset(params)), _NATIVE.get(name))


_load_library()

# ------------------------------------------------------------------------------------- public API


class Program:
    """A compiled AlgoLisp program with named arguments; call :meth:`run` with argument values."""

    def __init__(self, tree: Tree, arg_names: tuple[str, ...]) -> None:
        self.tree = tree
        self.arg_names = arg_names
        self.source = to_str(tree)
        self._node = _compile(tree, frozenset(arg_names))

    def run(self, args: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> Any:
        missing = [n for n in self.arg_names if n not in args]
        if missing:
            raise ExecutionError(f"missing argument(s): {', '.join(missing)}")
        env = {n: import_value(args[n], n) for n in self.arg_names}
        st = _State(limits)
        old_limit = sys.getrecursionlimit()
        # Each AlgoLisp call costs a few Python frames per nesting level of its body.
        sys.setrecursionlimit(max(old_limit, 8_000))
        try:
            return _check_result(self._node(env, st), limits)
        except AlgoLispError:
            raise
        except RecursionError:
            raise LimitError("recursion limit exceeded") from None
        except MemoryError:
            raise LimitError("memory exhausted") from None
        except (TypeError, ValueError, ArithmeticError, IndexError, KeyError) as exc:
            raise ExecutionError(f"{type(exc).__name__}: {exc}") from None
        finally:
            sys.setrecursionlimit(old_limit)


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


@lru_cache(maxsize=4096)
def _compile_cached(source: str, arg_names: tuple[str, ...]) -> Program:
    return Program(parse(source), arg_names)


def compile_program(program: str | list, arg_names: tuple[str, ...] | list[str] = ()) -> Program:
    """Parse and compile ``program`` (text or ``short_tree`` list) for the given argument names."""
    names = tuple(arg_names)
    for n in names:
        if not isinstance(n, str) or not n or _is_global_name(n) or n in SPECIAL_FORMS:
            raise CompileError(f"invalid argument name {n!r}")
    if isinstance(program, str):
        return _compile_cached(program, names)
    return Program(as_tree(program), names)


def run(program: str | list, args: Mapping[str, Any] | None = None, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Run an AlgoLisp program on named arguments and return its value.

    >>> run("(reduce (map a square) 0 +)", {"a": [1, 2, 3]})
    14
    """
    args = dict(args or {})
    return compile_program(program, tuple(sorted(args))).run(args, limits)


def import_value(v: Any, where: str = "argument") -> Any:
    """Check an input value is an AlgoLisp value (number, bool, string, array, dict); copy containers."""
    if isinstance(v, (bool, int, float, str)):
        if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > DEFAULT_LIMITS.max_int_bits:
            raise LimitError(f"{where}: integer too large")
        if isinstance(v, str) and len(v) > DEFAULT_LIMITS.max_len:
            raise LimitError(f"{where}: string longer than {DEFAULT_LIMITS.max_len}")
        return v
    if isinstance(v, (list, tuple)):
        if len(v) > DEFAULT_LIMITS.max_len:
            raise LimitError(f"{where}: array longer than {DEFAULT_LIMITS.max_len}")
        return [import_value(x, where) for x in v]
    if isinstance(v, dict):
        return {import_value(k, where): import_value(x, where) for k, x in v.items()}
    raise ExecutionError(f"{where}: unsupported value of type {type(v).__name__}")


def values_equal(a: Any, b: Any) -> bool:
    """Equality for test outputs: numbers by value (3 == 3.0) but booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b
