"""Documented functions extracted per second from a real tree (default: the Python standard library).

Prints a table, then as its last line one JSON object. The baseline, measured in the same run on the
same files, is the standard library's own `ast` module doing the least comparable work (parse, find
functions with docstrings) in one process; tree-sitter extraction additionally tokenizes, cleans the
summary and applies the skip rules.

    python benchmarks/harvest.py [--root DIR] [--workers N]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sysconfig
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor


def python_files(root: str) -> list[str]:
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in ("site-packages", "dist-packages", "__pycache__"))
        out.extend(os.path.join(d, f) for f in sorted(files) if f.endswith(".py"))
    return out


def _extract_chunk(args: tuple[str, list[str]]) -> tuple[list[dict], Counter]:
    from codetrans.lang.extract import extract_functions

    root, paths = args
    stats: Counter = Counter()
    records = []
    for path in paths:
        try:
            with open(path, "rb") as fh:
                code = fh.read()
        except OSError:
            stats["unreadable"] += 1
            continue
        records.extend(extract_functions(code, "python", path=os.path.relpath(path, root), repo="stdlib",
                                         stats=stats))
    return records, stats


def run_codetrans(root: str, files: list[str], workers: int) -> tuple[int, float, Counter]:
    chunks = [files[i::workers * 8] for i in range(workers * 8)]
    stats: Counter = Counter()
    n = 0
    start = time.perf_counter()
    if workers == 1:
        results = map(_extract_chunk, [(root, c) for c in chunks])
        for records, st in results:
            n += len(records)
            stats.update(st)
    else:
        with ProcessPoolExecutor(workers) as pool:
            for records, st in pool.map(_extract_chunk, [(root, c) for c in chunks]):
                n += len(records)
                stats.update(st)
    return n, time.perf_counter() - start, stats


def run_ast_baseline(files: list[str]) -> tuple[int, float]:
    n = 0
    start = time.perf_counter()
    for path in files:
        try:
            with open(path, "rb") as fh:
                tree = ast.parse(fh.read())
        except (SyntaxError, ValueError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and ast.get_docstring(node):
                n += 1
    return n, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    files = python_files(args.root)
    _extract_chunk((args.root, files[:20]))  # warm grammar loading outside the timing
    n, seconds, stats = run_codetrans(args.root, files, args.workers)
    n1, seconds1, _ = run_codetrans(args.root, files, 1)
    base_n, base_s = run_ast_baseline(files)
    result = {
        "root": args.root,
        "files": len(files),
        "workers": args.workers,
        "functions": n,
        "seconds": round(seconds, 3),
        "functions_per_s": round(n / seconds, 1),
        "functions_per_s_1_worker": round(n1 / seconds1, 1),
        "baseline_ast_docstring_functions": base_n,
        "baseline_ast_functions_per_s": round(base_n / base_s, 1),
        "ratio_vs_ast": round((n / seconds) / (base_n / base_s), 3),
        "skipped": {k: v for k, v in sorted(stats.items()) if k not in ("extracted", "functions")},
        "goal_functions_per_s": 3000,
    }
    print(f"{'files':<28}{len(files)}")
    print(f"{'documented functions kept':<28}{n}  (ast sees {base_n} with any docstring, before skip rules)")
    print(f"{'functions/s, ' + str(args.workers) + ' workers':<28}{result['functions_per_s']}")
    print(f"{'functions/s, 1 worker':<28}{result['functions_per_s_1_worker']}")
    print(f"{'ast baseline functions/s':<28}{result['baseline_ast_functions_per_s']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
