"""Compiles AlgoLisp trees into nested Python closures (``Node``: env, state -> value).

Names are resolved at compile time (special forms, builtins, library functions, constants, literals,
arguments), and calls of builtins get closures specialised by arity: with the step accounting, this
is the hot path of every run. The library definitions are compiled here once, at import.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from codetrans.algolisp.builtin_ops import BUILTINS, CONSTANTS, SPECIAL_FORMS
from codetrans.algolisp.errors import CompileError, ExecutionError
from codetrans.algolisp.library import _NATIVE, LIBRARY_SOURCE
from codetrans.algolisp.limits import _State
from codetrans.algolisp.parser import Tree, parse, to_str
from codetrans.algolisp.values import Closure, LibraryFunc, _describe, _typename, call_func

Node = Callable[[dict, _State], Any]
_INT_LITERAL = re.compile(r"-?\d+\Z")

# Compiled library functions, filled by _load_library() at import. Compiled code looks them up here
# at run time, so library functions can call each other (and themselves) in any definition order.
LIBRARY: dict[str, LibraryFunc] = {}


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
