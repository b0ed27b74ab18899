"""Source code -> tokens, the way CodeTrans models read code.

The original CodeTrans fed documentation models tree-sitter leaf tokens joined by spaces, string
literals kept whole and comments dropped: ``def e(message, exit_code=None):`` becomes
``def e ( message , exit_code = None ) :``. :func:`tokenize_code` reproduces that for every supported
language. Code that does not parse still yields every token: text that tree-sitter's error recovery
skipped is tokenized lexically, and the result is marked ``partial``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codetrans.errors import CodeTransError
from codetrans.lang.grammars import EXTENSIONS, SPECS, get_parser, get_spec
from codetrans.tasks import normalize_lang

# Lexical fallback: string literals, identifiers/numbers, then any other single character.
_LEXICAL = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|`[^`]*`'
    r"|[A-Za-z_$@][\w$]*|\d[\w.]*|==|!=|<=|>=|->|=>|::|&&|\|\||\+\+|--|\*\*|<<|>>|\S"
)
_PY_DOC_PARENTS = frozenset({"function_definition", "class_definition"})


@dataclass(frozen=True)
class Tokenized:
    """Tokens of a piece of code. ``partial`` is True when the parser had to recover from errors."""

    tokens: list[str]
    lang: str | None
    partial: bool

    @property
    def text(self) -> str:
        """The tokens joined by single spaces: the model input format."""
        return " ".join(self.tokens)

    def __str__(self) -> str:
        return self.text


def lexical_tokens(code: str) -> list[str]:
    """Language-agnostic tokens (strings whole, words, operators): the fallback when parsing cannot help."""
    return _LEXICAL.findall(code)


def is_python_doc_literal(node) -> bool:
    """Whether a ``string`` / ``concatenated_string`` node is one Python keeps as ``__doc__``: an f-string is
    evaluated and bytes are not text, so ``f\"\"\"...\"\"\"`` or ``b\"\"\"...\"\"\"`` first leaves ``__doc__`` None."""
    parts = node.named_children if node.type == "concatenated_string" else [node]
    for part in parts:
        if part.type != "string":
            return False
        head = part.text or b""
        prefix = head[:len(head) - len(head.lstrip(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
        if set(prefix.lower()) & set(b"fbt"):  # f-, b-, t-strings (and rb, fr...): not a docstring
            return False
    return bool(parts)


def _is_python_docstring(node) -> bool:
    # expression_statement holding only a plain string, first statement of a def/class body
    if node.named_child_count != 1 or node.named_children[0].type not in ("string", "concatenated_string"):
        return False
    if not is_python_doc_literal(node.named_children[0]):
        return False
    if node.prev_named_sibling is not None:
        return False
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "module":
        return True
    return parent.type == "block" and parent.parent is not None and parent.parent.type in _PY_DOC_PARENTS


def tokens_from_tree(src: bytes, root, lang: str, drop_docstrings: bool = False) -> tuple[list[str], bool]:
    """Tokens of the code spanned by ``root`` (a tree or any node of it); returns (tokens, filled_gaps).

    Text between spans that is not whitespace (skipped by error recovery) is tokenized lexically, so
    no code is ever lost; ``filled_gaps`` says that happened. This is the hot loop of corpus harvesting,
    hence the inlined walk instead of consuming :func:`iter_spans`.
    """
    spec = SPECS[lang]
    strings, comments = spec.strings, spec.comments
    check_doc = drop_docstrings and lang == "python"
    tokens: list[str] = []
    append = tokens.append
    pos = root.start_byte
    filled = False
    cursor = root.walk()
    while True:
        node = cursor.node
        ntype = node.type
        if ntype in strings or ntype in comments or node.child_count == 0 or (
                check_doc and ntype == "expression_statement" and _is_python_docstring(node)):
            s, e = node.start_byte, node.end_byte
            if s > pos:
                gap = src[pos:s]
                if not gap.isspace():
                    tokens.extend(lexical_tokens(gap.decode("utf-8", "replace")))
                    filled = True
            if e > s and ntype not in comments and ntype != "expression_statement":
                tok = src[s:e].decode("utf-8", "replace")
                if not tok.isspace():
                    append(tok)
            if e > pos:
                pos = e
        elif cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                end = root.end_byte
                if pos < end and not src[pos:end].isspace():
                    tokens.extend(lexical_tokens(src[pos:end].decode("utf-8", "replace")))
                    filled = True
                return tokens, filled


def tokenize_code(code: str | bytes, lang: str | None = None, path: str | None = None,
                  drop_docstrings: bool = False) -> Tokenized:
    """Tokenize code as the original CodeTrans did for documentation generation.

    The language comes by name (``lang``), else from ``path``'s extension, else by detection. Comments
    are dropped, string literals kept whole; ``drop_docstrings`` also drops Python docstrings (the model
    must not see the documentation it is asked to write). Unknown languages fall back to lexical tokens.
    """
    if isinstance(code, str):
        src = code.encode("utf-8", "surrogatepass")
    else:
        src = code
        code = src.decode("utf-8", "replace")
    if lang is None:
        lang = detect_language(path=path, code=code)
    else:
        lang = get_spec(lang).name
    if lang is None:
        return Tokenized(lexical_tokens(code), None, True)
    tree = get_parser(lang).parse(src)
    tokens, filled = tokens_from_tree(src, tree.root_node, lang, drop_docstrings)
    return Tokenized(tokens, lang, bool(tree.root_node.has_error or filled))


# Content signatures for detection: (language, pattern, weight).
_SIGNATURES: list[tuple[str, re.Pattern, float]] = [
    (lang, re.compile(p, re.M), w)
    for lang, p, w in [
        ("php", r"<\?php", 10), ("php", r"\$[A-Za-z_]\w*\s*(=|->)", 2), ("php", r"\bfunction\s+\w+\s*\(\s*\$", 4),
        ("python", r"^\s*def \w+\(.*\)\s*(->\s*[^:]+)?:\s*$", 4), ("python", r"^\s*(from \S+ )?import \w", 1),
        ("python", r"\bself\.", 1), ("python", r"^\s*(elif|except)\b.*:\s*$", 3), ("python", r"\bNone\b|\bTrue\b", 1),
        ("ruby", r"^\s*def \w+[?!]?(\(.*\))?\s*$", 3), ("ruby", r"^\s*end\s*$", 2), ("ruby", r"\bputs\b|\battr_\w+\b", 2),
        ("ruby", r"\bdo\s*\|\w+", 3), ("ruby", r"^\s*require ['\"]", 2),
        ("go", r"^package \w+", 6), ("go", r"\bfunc\s+(\(\w+ \*?\w+\)\s*)?\w+\(", 5), ("go", r":=", 2),
        ("go", r"\bfmt\.\w+", 3),
        ("java", r"\b(public|private|protected)\s+(static\s+)?(final\s+)?[\w<>\[\]]+\s+\w+\s*\(", 3),
        ("java", r"\bSystem\.out\.", 4), ("java", r"^import java\.", 6), ("java", r"@Override", 3),
        ("java", r"\bString\[\]", 2),
        ("c_sharp", r"^using System", 6), ("c_sharp", r"\bnamespace\s+[\w.]+", 3), ("c_sharp", r"\bConsole\.Write", 4),
        ("c_sharp", r"\b(public|private)\s+(static\s+)?(async\s+)?(void|string|int|bool|Task)\s+[A-Z]\w*\s*\(", 2),
        ("c_sharp", r"\{\s*get;\s*(set;)?\s*\}", 4), ("c_sharp", r"\bvar\s+\w+\s*=\s*new\b", 1),
        ("javascript", r"\bfunction\s*\w*\s*\((?!\s*\$)", 2), ("javascript", r"\b(const|let)\s+\w+\s*=", 2),
        ("javascript", r"=>", 1), ("javascript", r"\bconsole\.\w+|\brequire\(|module\.exports|document\.", 4),
        ("sql", r"(?i)^\s*select\b[\s\S]*\bfrom\b", 6), ("sql", r"(?i)\b(insert\s+into|create\s+table|update\s+\w+\s+set)\b", 6),
        ("sql", r"(?i)\b(inner|left|right)\s+join\b|\bgroup\s+by\b", 3),
    ]
]


def detect_language(path: str | None = None, code: str | None = None) -> str | None:
    """Guess the language from a file extension, else from the code's content; None if unsure."""
    if path:
        dot = path.rfind(".")
        if dot >= 0 and path[dot:].lower() in EXTENSIONS:
            return EXTENSIONS[path[dot:].lower()]
    if not code or not code.strip():
        return None
    sample = code[:20000]
    scores: dict[str, float] = {}
    for lang, pattern, weight in _SIGNATURES:
        if pattern.search(sample):
            scores[lang] = scores.get(lang, 0.0) + weight
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])[:3]
    # Break close calls by which grammar parses the code without errors.
    best, best_score = None, float("-inf")
    src = sample.encode("utf-8", "replace")
    for lang, score in ranked:
        if get_parser(lang).parse(src).root_node.has_error:
            score -= 3
        if score > best_score:
            best, best_score = lang, score
    return best


def language_of(lang: str | None = None, path: str | None = None, code: str | None = None) -> str:
    """Resolve a language from a name, a path or content; raise a clear error when none works."""
    if lang:
        return get_spec(normalize_lang(lang)).name
    found = detect_language(path, code)
    if found is None:
        raise CodeTransError("could not tell the language of the input; pass it explicitly "
                             f"(one of: {', '.join(SPECS)})")
    return found
