"""`codetrans document --check / --fix`: undocumented functions of files, each with a suggestion.

What the pre-commit hook ``codetrans-docs`` runs (``.pre-commit-hooks.yaml`` at the repository root) on
the staged files: ``--check`` lists every undocumented function that the filters keep, with the text the
grounded path suggests and where it came from, and fails (exit 1) when there is any; ``--fix`` inserts
the suggestions with the ``--write`` writer (reparse check, atomic replace, no backup files in the
user's tree) and fails too when it changed a file, as pre-commit hooks that fix files do.

Filters (:class:`CheckOptions`): languages; private functions (a leading ``_`` or ``#``, a lower-case Go
name, Java/PHP ``private``); test functions (``test_*``/``Test*`` names, files under test folders or named
like tests); functions shorter than a number of lines.

Files it cannot judge never hide the others' findings (``lenient`` reading in
:func:`codetrans.apps.commands.prepare`, :func:`parse_problem`):

* a binary, oversized (over :data:`codetrans.safeio.MAX_INPUT_BYTES`), unreadable or non-regular file is
  reported on stderr as ``PATH: skipped: WHY`` and the other files are checked; it does not change the exit
  status (it is not source code the hook can document);
* a source file with syntax errors is reported as ``PATH:LINE: not checked: syntax error`` and makes the
  check fail (exit 1): its functions cannot be listed, and a hook that passed it would say it is fine;
* a file that does not exist is an error, as before (pre-commit never passes one; a typo should not pass).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

_TEST_NAME = re.compile(r"^(test_?|Test[A-Z0-9_])")
_TEST_FILE = re.compile(r"(^|[/\\])(tests?|spec|__tests__)([/\\])|(^|[/\\])(test_[^/\\]*|[^/\\]*_test\.\w+|"
                        r"[^/\\]*Test\.java|[^/\\]*\.(spec|test)\.js)$")


@dataclass(frozen=True)
class CheckOptions:
    langs: frozenset[str] | None = None  # None: every language the extractor knows
    skip_private: bool = False
    skip_tests: bool = False
    min_lines: int = 1


def is_private(func: dict, lang: str) -> bool:
    short = func["func_name"].rsplit(".", 1)[-1]
    if short.startswith(("_", "#")) and not (short.startswith("__") and short.endswith("__")):
        return True
    if lang == "go":
        return short[:1].islower()
    if lang in ("java", "php"):
        tokens = func.get("code_tokens") or []
        head = tokens[:tokens.index("(")] if "(" in tokens else tokens[:8]
        return "private" in head
    return False


def is_test(func: dict, path: str) -> bool:
    return bool(_TEST_NAME.match(func["func_name"].rsplit(".", 1)[-1]) or _TEST_FILE.search(PurePath(path).as_posix()))


def wanted(func: dict, lang: str, path: str, options: CheckOptions) -> bool:
    """Whether ``--check`` asks for documentation of this undocumented function."""
    if options.langs is not None and lang not in options.langs:
        return False
    if options.skip_private and is_private(func, lang):
        return False
    if options.skip_tests and is_test(func, path):
        return False
    return func["end_line"] - func["start_line"] + 1 >= options.min_lines


def to_check(text: str, lang: str, path: str, options: CheckOptions) -> list[dict]:
    """The undocumented functions of one file that the options keep (none for a file that does not parse)."""
    from codetrans.apps.docwriter import undocumented

    return [f for f in (undocumented(text, lang) or []) if wanted(f, lang, path, options)]


def parse_problem(text: str, lang: str) -> str | None:
    """``LINE: not checked: syntax error`` for a file the parser does not accept, else None."""
    from codetrans.lang.grammars import get_parser

    if not text.strip():
        return None
    root = get_parser(lang).parse(text.encode("utf-8", "surrogatepass")).root_node
    if not root.has_error:
        return None
    line = _first_error_line(root)
    return f"{line}: not checked: syntax error (the file does not parse as {lang})"


def _first_error_line(node) -> int:
    """1-based line of the first ERROR or MISSING node (iterative: a deep tree must not recurse)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            return n.start_point[0] + 1
        stack.extend(reversed([c for c in n.children if c.has_error or c.is_missing]))
    return node.start_point[0] + 1


def finding_line(path: str, func: dict, result: dict, threshold: float | None = None) -> str:
    """One finding: the function, its suggestion, where that came from and how sure the verifier is; under
    ``threshold`` the suggestion is "(not sure)" (and ``--fix`` leaves it out of the file)."""
    from codetrans.apps.docwriter import answer_tag, not_sure

    tag = answer_tag(result)
    return (f"{path}:{func['start_line']} {func['func_name']}: undocumented; suggested: "
            f"{'(not sure) ' if not_sure(result, threshold) else ''}{result['generated_text']}"
            + (f"  [{tag}]" if tag else ""))


__all__ = ["CheckOptions", "finding_line", "is_private", "is_test", "parse_problem", "to_check",
           "wanted"]
