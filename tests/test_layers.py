"""The one-way flow of ARCHITECTURE.md, read from the code: every ``codetrans`` import (at module level and
inside functions, and modules named in strings for ``importlib``) goes to the same layer or one to its left,
no modules import each other in a circle, facts of ``tasks.py`` are not copied, and library modules show
progress only through ``codetrans.log``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "codetrans"

#: Layer of each top-level module or sub-package, left to right (ARCHITECTURE.md, "Layers").
LAYERS: dict[str, int] = {
    "errors": 0, "version": 0, "log": 0,
    "fs": 1, "safeio": 1, "generation": 1, "tasks": 1,
    "meta": 2,  # codetrans.json, written through safeio
    "records": 2,  # the schemas of the two metrics.json records
    "lang": 3, "algolisp": 3,
    "metrics": 4,  # execution accuracy names algolisp's executor (a string import, resolved lazily)
    "data": 4,
    "retrieval": 5,
    "grounding": 6,  # choosing an answer among candidates: edits, the verifier, the grounders
    "train": 7,
    "serving": 8,
    "apps": 9,  # what users run beside the CLI: LSP, demo, doc writer and check, git hook
    "cards": 9,  # model cards and their template
    "evaluation": 10,
    "finetune": 11,
    "cli": 12,
    "": 13,  # codetrans/__init__.py: the public facade (pipeline(), verify(), the pipeline registration hook)
}


#: A function named in a string ("codetrans.algolisp.scoring:execute_matches"), imported later by importlib.
_NAMED_FUNCTION = re.compile(r"^(codetrans(?:\.[a-z_0-9]+)+):[A-Za-z_]\w*$")


def _named_module(node: ast.AST) -> str | None:
    """The module a string imports: a "module:function" entry point, or importlib.import_module("module")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        m = _NAMED_FUNCTION.match(node.value)
        return m.group(1) if m else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
            and node.args[0].value.startswith("codetrans.")):
        return node.args[0].value
    return None


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        if "recipes" in path.relative_to(PACKAGE).parts:
            continue  # recipe files are data, not code of the package
        parts = ["codetrans", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int]]:
    """(imported codetrans module, line) for every import statement of a module, nested ones included."""

    def resolve(target: str) -> str:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        named = _named_module(node)
        if named:
            found.append((resolve(named), node.lineno))
        elif isinstance(node, ast.Import):
            found += [(resolve(a.name), node.lineno) for a in node.names if a.name.split(".")[0] == "codetrans"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            if base.split(".")[0] != "codetrans":
                continue
            for alias in node.names:  # `from codetrans.x import y` may name the module x.y
                full = f"{base}.{alias.name}"
                found.append((full if full in modules else resolve(base), node.lineno))
    return found


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _graph() -> dict[str, list[tuple[str, int]]]:
    modules = _modules()
    return {name: [(t, line) for t, line in _imports(name, path, modules) if t and t != name]
            for name, path in modules.items()}


def test_every_module_has_a_layer():
    unknown = sorted({_layer(m) for m in _modules()} - set(LAYERS))
    assert not unknown, f"add these to LAYERS (and ARCHITECTURE.md): {unknown}"


def test_no_import_goes_up_a_layer():
    upward = [f"{src} (line {line}) imports {dst}: layer {_layer(src) or 'codetrans'} -> {_layer(dst) or 'codetrans'}"
              for src, edges in _graph().items() for dst, line in edges
              if LAYERS[_layer(dst)] > LAYERS[_layer(src)]]
    assert not upward, "\n".join(upward)


def test_layers_of_equal_rank_do_not_import_each_other():
    sideways = [f"{src} (line {line}) imports {dst}"
                for src, edges in _graph().items() for dst, line in edges
                if _layer(src) != _layer(dst) and LAYERS[_layer(dst)] == LAYERS[_layer(src)]]
    assert not sideways, "\n".join(sideways)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_cycles():
    graph = {m: {t for t, _ in edges} for m, edges in _graph().items()}
    assert not _cycles(graph)


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_modules_and_functions_stay_small():
    """No module over 600 lines, no function over 80 (ARCHITECTURE.md), anywhere in the package."""
    too_big = []
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 600:
            too_big.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80:
                too_big.append(f"{name}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not too_big, "\n".join(too_big)


def _code_strings(path: Path) -> list[tuple[str, int]]:
    """String constants of a module's code, docstrings left out (examples in prose are not facts)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.value, n.lineno) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_task_facts_are_not_copied_outside_tasks_py():
    """Sub-task ids and the documentation languages are spelled once, in tasks.py; everyone imports them."""
    from codetrans.tasks import DOC_LANGUAGES, SUBTASKS

    copied = []
    for name, path in _modules().items():
        if name == "codetrans.tasks":
            continue
        copied += [f"{name}:{line} spells the sub-task id {text!r}" for text, line in _code_strings(path)
                   if text in SUBTASKS]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) >= 4 and all(
                    isinstance(e, ast.Constant) and e.value in DOC_LANGUAGES for e in node.elts):
                copied.append(f"{name}:{node.lineno} lists documentation languages")
    assert not copied, "\n".join(copied)


def test_library_modules_show_progress_only_through_log():
    """tqdm/rich output in library code bypasses the logging rules (tests/test_log.py): only ``codetrans.log``
    (``progress_bar``) and the command line (tables: ``cli/tables.py``) may draw it."""
    drawing = []
    for name, path in _modules().items():
        if name in ("codetrans.log",) or name.startswith("codetrans.cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import)
                    else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            drawing += [f"{name}:{node.lineno} imports {m}" for m in mods if m.split(".")[0] == "tqdm"
                        or m.split(".")[0] == "rich"]
    assert not drawing, "\n".join(drawing)


def test_codetrans_document_hands_its_arguments_down_the_layers():
    """Issue #35's route: the command builds one request and calls the library once; the request then goes
    down through the layers, returning to a layer it had left at most 4 times (scripts/route.py prints it)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("_route", PACKAGE.parent / "scripts" / "route.py")
    route = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # its dataclasses look it up there
    spec.loader.exec_module(route)
    found = route.route("codetrans/cli/document.py:run:args")
    layers = [s["layer"] for s in found["stops"]]
    assert len(found["stops"]) > 20 and min(layers) <= 3  # followed down to the languages, not lost at the CLI
    assert found["returns_to_an_earlier_layer"] <= 4, found["returns"]
    left_cli = next(i for i, s in enumerate(found["stops"]) if not s["module"].startswith("codetrans.cli"))
    assert all(not s["module"].startswith("codetrans.cli") for s in found["stops"][left_cli:])
