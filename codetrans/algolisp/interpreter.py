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

The implementation is split by concern: :mod:`~codetrans.algolisp.limits` (budgets),
:mod:`~codetrans.algolisp.values` (function values, input checks), :mod:`~codetrans.algolisp.builtin_ops`
(builtins and constants), :mod:`~codetrans.algolisp.library` (library functions written in AlgoLisp)
and :mod:`~codetrans.algolisp.compiler`; this module is the public entry point and re-exports their
public names.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from codetrans.algolisp.builtin_ops import BUILTINS, CONSTANTS, SPECIAL_FORMS
from codetrans.algolisp.compiler import LIBRARY, Node, _compile, _is_global_name
from codetrans.algolisp.errors import AlgoLispError, CompileError, ExecutionError, LimitError
from codetrans.algolisp.library import LIBRARY_SOURCE
from codetrans.algolisp.limits import (
    DEFAULT_LIMITS,
    MAX_RESULT_ELEMENTS,
    MAX_RESULT_NESTING,
    Limits,
    _check_result,
    _State,  # also imported from here by tests/algolisp/test_builtins.py
)
from codetrans.algolisp.parser import Tree, as_tree, parse, to_str
from codetrans.algolisp.values import (
    Builtin,
    Closure,
    Combined,
    Func,
    LibraryFunc,
    Partial,
    TypeName,
    call_func,
    import_value,
    values_equal,
)

__all__ = [
    "BUILTINS", "Builtin", "CONSTANTS", "Closure", "Combined", "DEFAULT_LIMITS", "Func", "LIBRARY",
    "LIBRARY_SOURCE", "LibraryFunc", "Limits", "MAX_RESULT_ELEMENTS", "MAX_RESULT_NESTING", "Node",
    "Partial", "Program", "SPECIAL_FORMS", "TypeName", "call_func", "compile_program", "import_value",
    "run", "values_equal",
]


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
