"""S-expressions in AlgoLisp's ``short_tree`` notation.

A tree is either an atom (``str``) or a non-empty ``list`` of trees. String literals stay atoms with
their quotes (``'" "'``), as in the original dataset's JSON ``short_tree`` lists. ``to_str(parse(s))``
is the canonical spelling of ``s`` (single spaces, no space inside parentheses), and
``parse(to_str(t)) == t``. Flat token sequences (``"( map a square )"``, a model's typical output)
parse the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from codetrans.algolisp.errors import ParseError

Tree = str | list

MAX_PROGRAM_CHARS = 100_000
MAX_NESTING = 64  # deeper programs are refused: they are never useful and would stress the evaluator

_TOKEN = re.compile(r'\s*(?:(\()|(\))|("(?:[^"\\]|\\.)*")|([^\s()"]+)|(\S))')


def tokenize(text: str) -> list[str]:
    """Split program text into ``(``, ``)``, string literals and atoms."""
    if not isinstance(text, str):
        raise ParseError(f"program must be a string, got {type(text).__name__}")
    if len(text) > MAX_PROGRAM_CHARS:
        raise ParseError(f"program is too long ({len(text)} characters, limit {MAX_PROGRAM_CHARS})")
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # only trailing whitespace can fail to match, and it was stripped
            break
        if m.group(5) is not None:
            raise ParseError(f"unterminated string literal at character {m.start(5)}")
        tokens.append(m.group(1) or m.group(2) or m.group(3) or m.group(4))
        pos = m.end()
    return tokens


def parse_tokens(tokens: Sequence[str]) -> Tree:
    """Build a tree from a token sequence; exactly one expression must be present."""
    if not tokens:
        raise ParseError("empty program")
    stack: list[list] = []
    result: Tree | None = None
    for i, tok in enumerate(tokens):
        if result is not None:
            raise ParseError(f"unexpected {tok!r} after the end of the expression (token {i})")
        if tok == "(":
            if len(stack) >= MAX_NESTING:
                raise ParseError(f"program is nested deeper than {MAX_NESTING} levels")
            stack.append([])
        elif tok == ")":
            if not stack:
                raise ParseError(f"unbalanced ')' at token {i}")
            node = stack.pop()
            if not node:
                raise ParseError("empty expression '()'")
            if stack:
                stack[-1].append(node)
            else:
                result = node
        else:
            if stack:
                stack[-1].append(tok)
            else:
                result = tok
    if stack:
        raise ParseError(f"unbalanced '(': {len(stack)} not closed")
    assert result is not None
    return result


def parse(text: str) -> Tree:
    """Parse one AlgoLisp expression, e.g. ``"(reduce (map a square) 0 +)"``."""
    return parse_tokens(tokenize(text))


def as_tree(program: str | list | int | float) -> Tree:
    """Accept program text, a JSON ``short_tree`` list (numbers allowed) or a flat token list."""
    if isinstance(program, str):
        return parse(program)
    if isinstance(program, list) and program and all(isinstance(t, str) for t in program) and program[0] == "(":
        return parse_tokens(program)  # flattened code tokens, as the original models emit
    return _from_json(program, 0)


def _from_json(node: object, depth: int) -> Tree:
    if depth > MAX_NESTING:
        raise ParseError(f"program is nested deeper than {MAX_NESTING} levels")
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, (int, float)):
        return str(node)
    if isinstance(node, str):
        if not node or node in "()" or (any(c.isspace() for c in node) and not node.startswith('"')):
            raise ParseError(f"invalid atom {node!r}")
        return node
    if isinstance(node, list):
        if not node:
            raise ParseError("empty expression '()'")
        return [_from_json(x, depth + 1) for x in node]
    raise ParseError(f"a short_tree holds strings and lists, not {type(node).__name__}")


def to_str(tree: Tree) -> str:
    """Canonical text of a tree: ``(reduce (map a square) 0 +)``."""
    if isinstance(tree, str):
        return tree
    return "(" + " ".join(to_str(t) for t in tree) + ")"


def flatten(tree: Tree) -> list[str]:
    """Flat code tokens with parentheses, the original models' output vocabulary."""
    if isinstance(tree, str):
        return [tree]
    out = ["("]
    for t in tree:
        out.extend(flatten(t))
    out.append(")")
    return out


def depth(tree: Tree) -> int:
    """Nesting depth: an atom is 0, ``(f x)`` is 1."""
    if isinstance(tree, str):
        return 0
    return 1 + max(depth(t) for t in tree)


def normalize(program: str | list) -> str:
    """Canonical spelling of a program; raises :class:`ParseError` if it does not parse."""
    return to_str(as_tree(program))
