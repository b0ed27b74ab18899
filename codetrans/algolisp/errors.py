"""AlgoLisp errors. All derive from :class:`codetrans.errors.CodeTransError` so the CLI prints one line."""

from __future__ import annotations

from codetrans.errors import CodeTransError


class AlgoLispError(CodeTransError):
    """Any problem with an AlgoLisp program: syntax, unknown names, runtime failure, exceeded limits."""


class ParseError(AlgoLispError):
    """The text is not a well-formed S-expression (unbalanced parentheses, empty list, too deep)."""


class CompileError(AlgoLispError):
    """The program parses but names an unknown symbol or calls a builtin with the wrong arity."""


class ExecutionError(AlgoLispError):
    """The program failed while running (type mismatch, head of an empty array, division by zero...)."""


class LimitError(ExecutionError):
    """The program exceeded a hard limit (steps, recursion depth, value size, range length, time)."""
