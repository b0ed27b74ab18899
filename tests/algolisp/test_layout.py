"""``interpreter`` / ``generator`` keep re-exporting the names other code imports from them (cycles and sizes:
tests/test_layers.py, for the whole package)."""

from __future__ import annotations


def test_split_modules_keep_the_names_other_code_imports():
    from codetrans.algolisp import generator, interpreter

    for name in ("BUILTINS", "CONSTANTS", "DEFAULT_LIMITS", "Func", "LIBRARY", "LIBRARY_SOURCE", "Limits",
                 "Program", "_State", "compile_program", "import_value", "run", "values_equal"):
        assert hasattr(interpreter, name), name
    for name in ("SPLITS", "generate", "iter_problems", "split_of", "tokenize_text", "sample_input",
                 "draft_to_problem", "Draft", "FAMILIES"):
        assert hasattr(generator, name), name
