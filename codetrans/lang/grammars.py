"""Tree-sitter grammars, loaded from their PyPI wheels (no downloads), and per-language facts.

Everything language-specific that the tokenizer and the extractors need — file extensions, which
node types are string literals (kept whole) or comments (dropped) — lives here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from codetrans.errors import CodeTransError
from codetrans.tasks import CODE_LANGUAGES, LANGUAGE_EXTENSIONS, normalize_lang
from codetrans.tasks import EXTENSIONS as EXTENSIONS  # re-exported: extension -> language lives in tasks.py


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    module: str  # the grammar wheel's module
    entry: str  # function returning the language pointer
    extensions: tuple[str, ...]
    strings: frozenset[str]  # node types emitted as one token (literals, PHP $variables)
    comments: frozenset[str]  # node types dropped


_COMMENTS = frozenset({"comment", "line_comment", "block_comment"})

SPECS: dict[str, LanguageSpec] = {
    s.name: s
    for s in (
        LanguageSpec("python", "tree_sitter_python", "language", LANGUAGE_EXTENSIONS["python"],
                     frozenset({"string", "concatenated_string"}), _COMMENTS),
        LanguageSpec("java", "tree_sitter_java", "language", LANGUAGE_EXTENSIONS["java"],
                     frozenset({"string_literal", "character_literal", "text_block"}), _COMMENTS),
        LanguageSpec("go", "tree_sitter_go", "language", LANGUAGE_EXTENSIONS["go"],
                     frozenset({"interpreted_string_literal", "raw_string_literal", "rune_literal"}), _COMMENTS),
        LanguageSpec("javascript", "tree_sitter_javascript", "language", LANGUAGE_EXTENSIONS["javascript"],
                     frozenset({"string", "template_string", "regex"}), _COMMENTS),
        LanguageSpec("php", "tree_sitter_php", "language_php", LANGUAGE_EXTENSIONS["php"],
                     frozenset({"string", "encapsed_string", "heredoc", "nowdoc", "shell_command_expression",
                                "variable_name"}),
                     _COMMENTS),
        LanguageSpec("ruby", "tree_sitter_ruby", "language", LANGUAGE_EXTENSIONS["ruby"],
                     frozenset({"string", "heredoc_body", "regex", "subshell", "character", "delimited_symbol",
                                "string_array", "symbol_array"}), _COMMENTS),
        LanguageSpec("c_sharp", "tree_sitter_c_sharp", "language", LANGUAGE_EXTENSIONS["c_sharp"],
                     frozenset({"string_literal", "verbatim_string_literal", "raw_string_literal",
                                "interpolated_string_expression", "character_literal"}), _COMMENTS),
        LanguageSpec("sql", "tree_sitter_sql", "language", LANGUAGE_EXTENSIONS["sql"],
                     frozenset({"literal"}), frozenset({"comment", "marginalia"})),
    )
}
assert set(SPECS) == set(CODE_LANGUAGES)



def get_spec(lang: str) -> LanguageSpec:
    """The spec of a language by any spelling the task registry accepts."""
    name = normalize_lang(lang)
    if name not in SPECS:
        raise CodeTransError(f"unsupported language {lang!r}; supported: {', '.join(SPECS)}")
    return SPECS[name]


@cache
def get_language(lang: str):
    """The tree_sitter.Language for a language (loaded once)."""
    import tree_sitter

    spec = get_spec(lang)
    try:
        module = importlib.import_module(spec.module)
    except ImportError as exc:  # the wheel is a hard dependency; say which one is missing
        pip_name = spec.module.replace("_", "-")
        raise CodeTransError(f"the {spec.name} grammar is not installed: pip install {pip_name}") from exc
    return tree_sitter.Language(getattr(module, spec.entry)())


def get_parser(lang: str):
    """A fresh tree_sitter.Parser for a language (parsers are cheap; not thread-safe, so not shared)."""
    import tree_sitter

    return tree_sitter.Parser(get_language(lang))
