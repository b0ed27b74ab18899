"""The layout's figures (issue #35's before/after): the route of ``codetrans document``'s arguments
(scripts/route.py), lines per package, the longest functions, the widest signatures, the pipeline classes.
Prints JSON; run it on two checkouts to compare.

    python scripts/layout_report.py [ROOT=.] [--top 8]
"""

from __future__ import annotations

import argparse
import ast
import json
from collections import Counter
from pathlib import Path


def report(root: Path, top: int) -> dict:
    pkg = root / "codetrans"
    lines: Counter = Counter()
    functions, signatures, pipeline_classes = [], [], []
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg)
        if "recipes" in rel.parts:
            continue
        text = path.read_text(encoding="utf-8")
        lines[rel.parts[0] if len(rel.parts) > 1 else rel.stem] += len(text.splitlines())
        module = ".".join(("codetrans", *rel.with_suffix("").parts))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                a = node.args
                n = len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) - (a.args[:1] != [] and a.args[0].arg in
                                                                             ("self", "cls"))
                functions.append((node.end_lineno - node.lineno + 1, f"{module}.{node.name}"))
                signatures.append((n, f"{module}.{node.name}"))
            elif isinstance(node, ast.ClassDef) and module.startswith("codetrans.serving") and (
                    node.name.endswith("Pipeline") or any("Pipeline" in ast.unparse(b) for b in node.bases)):
                pipeline_classes.append(f"{module}.{node.name}")  # a pipeline class, whatever it derives from
    return {"root": str(root), "document_route": _document_route(root),
            "lines_per_package": dict(sorted(lines.items(), key=lambda kv: -kv[1])),
            "longest_functions": [f"{name}: {n}" for n, name in sorted(functions, reverse=True)[:top]],
            "widest_signatures": [f"{name}: {n}" for n, name in sorted(signatures, reverse=True)[:top]],
            "pipeline_classes": len(pipeline_classes), "pipeline_class_names": sorted(pipeline_classes)}


def _document_route(root: Path) -> dict:
    """``codetrans document``'s arguments through the layers (scripts/route.py), wherever the checkout runs it."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("_route", Path(__file__).with_name("route.py"))
    route = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(route)
    start = next(f"{f}:run:args" for f in ("codetrans/cli/document.py", "codetrans/cli/generate.py")
                 if (root / f).is_file() and "def run(" in (root / f).read_text(encoding="utf-8"))
    found = route.route(start, root.resolve())
    return {"start": start, "stops": len(found["stops"]), "returns_to_an_earlier_layer": found["returns_to_an_earlier_layer"],
            "returns_with_the_foundation": found["returns_with_the_foundation"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", default=".")
    ap.add_argument("--top", type=int, default=8)
    args = ap.parse_args()
    print(json.dumps(report(Path(args.root), args.top), indent=1))


if __name__ == "__main__":
    main()
