"""The shape of codetrans.algolisp: modules import without cycles, functions and modules stay short, and
``interpreter`` / ``generator`` keep re-exporting the names other code imports from them."""

from __future__ import annotations

import ast
from pathlib import Path

import codetrans.algolisp

PACKAGE = Path(codetrans.algolisp.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every codetrans.algolisp module ``path`` imports, at any depth (lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("codetrans.algolisp."))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("codetrans.algolisp."):
            found.add(node.module)
    return found


def test_modules_import_without_cycles():
    graph = {f"codetrans.algolisp.{p.stem}": _imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    done: set[str] = set()

    def visit(mod: str, stack: tuple[str, ...]) -> None:
        assert mod not in stack, "import cycle: " + " -> ".join((*stack[stack.index(mod):], mod))
        if mod in done:
            return
        for dep in graph.get(mod, ()):
            visit(dep, (*stack, mod))
        done.add(mod)

    for mod in graph:
        visit(mod, ())


def test_functions_and_modules_stay_small():
    for path in sorted(PACKAGE.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 600, f"{path.name}: {len(text.splitlines())} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                assert n <= 80, f"{path.name}:{node.lineno} {node.name} has {n} lines"


def test_split_modules_keep_the_names_other_code_imports():
    from codetrans.algolisp import generator, interpreter

    for name in ("BUILTINS", "CONSTANTS", "DEFAULT_LIMITS", "Func", "LIBRARY", "LIBRARY_SOURCE", "Limits",
                 "Program", "_State", "compile_program", "import_value", "run", "values_equal"):
        assert hasattr(interpreter, name), name
    for name in ("SPLITS", "generate", "iter_problems", "split_of", "tokenize_text", "sample_input",
                 "draft_to_problem", "Draft", "FAMILIES"):
        assert hasattr(generator, name), name
