"""The route of one argument through the package (issue #35): the functions that receive it, or a value made
from it, in the order the code is written, each with its layer (the ranks of ARCHITECTURE.md, kept in
tests/test_layers.py); and how often the route returns to a layer of the flow it had already left for a lower
one (the shared foundation, ranks 0-2, is shown but not counted as a layer the route passes through).

    python scripts/route.py [codetrans/cli/document.py:run:args] [--root CHECKOUT] [--json]

Read from the source alone, nothing is run. Every branch is followed in the order it is written (so one
route covers all the command's modes); the value follows assignments, loops and calls whose arguments name it
(where a call passes several values made from it, the route goes on with the first; the others travel beside it);
a call is followed where its target can be named statically (functions and classes of the package, imported
modules' functions, ``self.method``), not through an object whose type only the running program knows.
A function already followed with the same parameters counts as a stop but is not walked again.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


#: Ranks 0-2 (errors, version, log, fs, safeio, generation, tasks, meta, records): shared by all layers
#: (ARCHITECTURE.md). A lookup in the task registry or a read through safeio is shown on the route, but coming
#: back from it is not a return to an earlier layer of the flow.
FOUNDATION = 2


def _layers(root: Path) -> dict[str, int]:
    spec = importlib.util.spec_from_file_location("_test_layers", root / "tests" / "test_layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LAYERS


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)  # "f" and "Class.f"
    classes: dict[str, ast.ClassDef] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # local name -> "codetrans.x" or "codetrans.x:name"


def _load(package: Path) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if "recipes" in rel.parts:
            continue
        parts = ["codetrans", *rel.with_suffix("").parts]
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8")))
    for m in modules.values():
        package = m.name if m.path.name == "__init__.py" else m.name.rpartition(".")[0]
        for node in m.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                m.functions[node.name] = node
            elif isinstance(node, ast.ClassDef):
                m.classes[node.name] = node
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        m.functions[f"{node.name}.{item.name}"] = item
        for node in ast.walk(m.tree):  # imports anywhere, function-level ones included
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                if base.split(".")[0] == "codetrans":
                    for a in node.names:
                        full = f"{base}.{a.name}"
                        m.imports[a.asname or a.name] = full if full in modules else f"{base}:{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] == "codetrans" and a.asname:
                        m.imports[a.asname] = a.name
    return modules


def _names(node: ast.AST) -> set[str]:
    """The plain names an expression reads (``args.files[0]`` reads ``args``)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _targets(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _in_evaluation_order(node: ast.AST, calls: list[ast.Call]) -> None:
    """The calls of an expression in the order Python makes them: a call's arguments before the call."""
    if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return  # its body runs later, if at all
    for child in ast.iter_child_nodes(node):
        _in_evaluation_order(child, calls)
    if isinstance(node, ast.Call):
        calls.append(node)


class Router:
    def __init__(self, modules: dict[str, Module], layers: dict[str, int]) -> None:
        self.modules, self.layers = modules, layers
        self.events: list[tuple[str, str, str]] = []  # (module, function, parameter)
        self.seen: set[tuple[str, str, frozenset]] = set()

    def layer(self, module: str) -> int:
        parts = module.split(".")
        return self.layers[parts[1] if len(parts) > 1 else ""]

    def _symbol(self, module: str, name: str, depth: int = 0) -> tuple[str, str] | None:
        """(module, function key) that ``name`` means in ``module`` (re-exports followed)."""
        m = self.modules.get(module)
        if m is None or depth > 5:
            return None
        if name in m.functions and "." not in name:
            return module, name
        if name in m.classes:
            return (module, f"{name}.__init__") if f"{name}.__init__" in m.functions else None
        target = m.imports.get(name)
        if target and ":" in target:
            mod, _, attr = target.partition(":")
            return self._symbol(mod, attr, depth + 1)
        return None

    def resolve(self, module: str, cls: str | None, local: dict[str, ast.FunctionDef],
                func: ast.expr) -> tuple[str, str] | None:
        if isinstance(func, ast.Name):
            if func.id in local:
                return module, f"<local>{func.id}"
            return self._symbol(module, func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = func.value.id
            if owner == "self" and cls and f"{cls}.{func.attr}" in self.modules[module].functions:
                return module, f"{cls}.{func.attr}"
            target = self.modules[module].imports.get(owner)
            if target and ":" not in target:  # an imported module
                return self._symbol(target, func.attr)
        return None

    def follow(self, module: str, key: str, params: set[str], node: ast.FunctionDef | None = None) -> None:
        m = self.modules[module]
        node = node or m.functions[key]
        self.events.append((module, key.replace("<local>", ""), ", ".join(sorted(params))))
        mark = (module, key, frozenset(params))
        if mark in self.seen:
            return
        self.seen.add(mark)
        cls = key.split(".")[0] if "." in key else None
        self._body(module, cls, node.body, set(params), {})

    def _body(self, module: str, cls: str | None, body: list[ast.stmt], tainted: set[str],
              local: dict[str, ast.FunctionDef]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                local[stmt.name] = stmt  # a closure: walked where it is called
                continue
            if isinstance(stmt, ast.ClassDef):
                continue
            self._calls(module, cls, stmt, tainted, local)
            if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and stmt.value is not None:
                if _names(stmt.value) & tainted:
                    for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]):
                        tainted |= _targets(t)
            elif isinstance(stmt, (ast.For, ast.AsyncFor)) and _names(stmt.iter) & tainted:
                tainted |= _targets(stmt.target)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    if item.optional_vars is not None and _names(item.context_expr) & tainted:
                        tainted |= _targets(item.optional_vars)
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, name, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    self._body(module, cls, inner, tainted, local)
            for handler in getattr(stmt, "handlers", []):
                self._body(module, cls, handler.body, tainted, local)

    def _calls(self, module: str, cls: str | None, stmt: ast.stmt, tainted: set[str],
               local: dict[str, ast.FunctionDef]) -> None:
        """Calls of one statement (its own expressions, not nested blocks), in the order they are written."""
        own = [stmt] if not hasattr(stmt, "body") else [getattr(stmt, a) for a in ("test", "iter", "items", "subject")
                                                         if getattr(stmt, a, None) is not None]
        calls: list[ast.Call] = []
        for part in own:
            for node in part if isinstance(part, list) else [part]:
                _in_evaluation_order(node, calls)
        for call in calls:
            passed = self._passed(call, tainted)
            if not passed:
                continue
            target = self.resolve(module, cls, local, call.func)
            if target is None:
                continue
            tmod, tkey = target
            fn = local[tkey[7:]] if tkey.startswith("<local>") else self.modules[tmod].functions[tkey]
            params = self._params(fn, passed[:1], method="." in tkey)  # one value: the first passed
            if params:
                self.follow(tmod, tkey, params, fn)

    @staticmethod
    def _passed(call: ast.Call, tainted: set[str]) -> list[tuple[int | str, bool]]:
        out: list[tuple[int | str, bool]] = []
        for i, a in enumerate(call.args):
            if _names(a) & tainted:
                out.append(("*" if isinstance(a, ast.Starred) else i, True))
        for kw in call.keywords:
            if _names(kw.value) & tainted:
                out.append((kw.arg or "**", True))
        return out

    @staticmethod
    def _params(fn: ast.FunctionDef, passed: list[tuple[int | str, bool]], method: bool) -> set[str]:
        a = fn.args
        positional = [p.arg for p in a.posonlyargs + a.args]
        if method and positional and positional[0] in ("self", "cls"):
            positional = positional[1:]
        names = set(positional) | {p.arg for p in a.kwonlyargs}
        out = set()
        for where, _ in passed:
            if isinstance(where, int):
                if where < len(positional):
                    out.add(positional[where])
                elif a.vararg:
                    out.add(a.vararg.arg)
            elif where in names:
                out.add(where)
            elif a.kwarg:
                out.add(a.kwarg.arg)
        return out


def route(start: str, root: Path = ROOT) -> dict:
    """``FILE:FUNCTION:PARAM`` (FILE relative to ``root``) -> the stops of its route and the returns to an
    earlier layer."""
    file, func, param = start.split(":")
    parts = ["codetrans", *Path(file).with_suffix("").parts[1:]]
    module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    router = Router(_load(root / "codetrans"), _layers(root))
    if module not in router.modules or func not in router.modules[module].functions:
        raise SystemExit(f"route.py: no function {func} in {file} of {root}")
    router.follow(module, func, {param})
    stops: list[dict] = []
    for mod, fn, p in router.events:  # consecutive calls within one module are one stop
        if stops and stops[-1]["module"] == mod:
            stops[-1]["functions"].append(fn)
            continue
        stops.append({"module": mod, "layer": router.layer(mod), "functions": [fn], "as": p})
    flow = []  # the stops in the layers of the flow (the foundation left out), one per module in a row
    for stop in stops:
        if stop["layer"] > FOUNDATION and not (flow and flow[-1]["module"] == stop["module"]):
            flow.append(stop)
    visited: set[str] = set()
    for i, stop in enumerate(stops):
        stop["back_up"] = i > 0 and stop["layer"] > stops[i - 1]["layer"]
        stop["again"] = stop["module"] in visited
        visited.add(stop["module"])
    back = [f"{a['module']} -> {b['module']}" for a, b in zip(flow, flow[1:]) if b["layer"] > a["layer"]]
    return {"start": start, "stops": stops, "modules": len(visited), "returns_to_an_earlier_layer": len(back),
            "returns": back, "returns_with_the_foundation": sum(s["back_up"] for s in stops),
            "module_revisits": sum(s["again"] for s in stops)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("start", nargs="?", default="codetrans/cli/document.py:run:args",
                        help="FILE:FUNCTION:PARAM (default: %(default)s)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to read (default: this one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = route(args.start, args.root.resolve())
    if args.json:
        print(json.dumps(result, indent=1))
        return
    for i, s in enumerate(result["stops"], 1):
        mark = "back up" if s["back_up"] else ""
        mark = "(shared)" if s["layer"] <= FOUNDATION else mark
        print(f"{i:3d}  layer {s['layer']:2d}  {s['module']:40s} {mark:8s} {', '.join(dict.fromkeys(s['functions']))}"
              f"  ({s['as']})")
    print(f"{len(result['stops'])} stops in {result['modules']} modules; returns to an earlier layer of the flow: "
          f"{result['returns_to_an_earlier_layer']} ({'; '.join(result['returns']) or 'none'}); counting the "
          f"shared foundation as layers too: {result['returns_with_the_foundation']}; returns to a module already "
          f"left: {result['module_revisits']}")


if __name__ == "__main__":
    main()
