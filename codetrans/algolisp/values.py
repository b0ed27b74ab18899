"""AlgoLisp run-time values: function objects (builtins, lambdas, library functions, partial
applications, compositions) and type names, calling a function value, and the checks at the boundary
with Python: :func:`import_value` for inputs, :func:`values_equal` for comparing outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codetrans.algolisp.errors import ExecutionError, LimitError
from codetrans.algolisp.limits import DEFAULT_LIMITS, _State


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
