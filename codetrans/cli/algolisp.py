"""``codetrans algolisp``: run AlgoLisp programs, generate and inspect synthesis datasets.

    codetrans algolisp run "(reduce (map a square) 0 +)" --arg a=[1,2,3]
    codetrans algolisp generate --out /tmp/algolisp --train 50000 --dev 2000 --test 2000 --seed 0
    codetrans algolisp stats /tmp/algolisp/test.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError, ConfigError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="{run,generate,stats}")
    p = sub.add_parser("run", help="run a program and print its value as JSON")
    p.add_argument("program", help='program text, e.g. "(reduce (map a square) 0 +)"')
    p.add_argument("--arg", action="append", default=[], metavar="NAME=VALUE",
                   help="an argument; VALUE is JSON ([1,2,3], 5, \"text\") or else taken as a string")
    p.add_argument("--max-steps", type=int, default=None, help="step limit (default 250000)")
    p.add_argument("--timeout", type=float, default=None, help="wall-clock limit in seconds (default 1)")

    g = sub.add_parser("generate", help="generate train/dev/test JSONL files in the original schema")
    g.add_argument("--out", required=True, help="output directory (train.jsonl, dev.jsonl, test.jsonl)")
    g.add_argument("--train", type=int, default=50_000)
    g.add_argument("--dev", type=int, default=2_000)
    g.add_argument("--test", type=int, default=2_000)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="processes (default: up to 2); the output does not depend on it")
    g.add_argument("--stats-json", action="store_true", help="also print the statistics as one JSON line")

    s = sub.add_parser("stats", help="print statistics of AlgoLisp JSONL files")
    s.add_argument("files", nargs="+")


def parse_arg(spec: str) -> tuple[str, Any]:
    name, sep, raw = spec.partition("=")
    if not sep or not name:
        raise ConfigError(f"--arg expects NAME=VALUE, got {spec!r}")
    from codetrans.algolisp.guided import parse_arg_value

    try:
        return name.strip(), parse_arg_value(name.strip(), raw)
    except CodeTransError as exc:
        raise ConfigError(str(exc)) from None


def _run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from codetrans.algolisp.interpreter import DEFAULT_LIMITS, Func, run

    limits = DEFAULT_LIMITS
    if args.max_steps is not None:
        limits = replace(limits, max_steps=args.max_steps)
    if args.timeout is not None:
        limits = replace(limits, timeout_s=args.timeout)
    values = dict(parse_arg(a) for a in args.arg)
    result = run(args.program, values, limits)
    print(repr(result) if isinstance(result, Func) else json.dumps(result))
    return 0


def _print_stats(splits: dict[str, list[dict]], as_json: bool = False) -> None:
    from codetrans.algolisp.dataset import statistics_table
    from codetrans.cli.tables import console, table

    columns, rows, stats = statistics_table(splits)
    console().print(table("AlgoLisp dataset", columns, rows, right=tuple(columns[1:])))
    if as_json:
        print(json.dumps({k: {n: v for n, v in s.items() if not n.startswith("_")} for k, s in stats.items()}))


def _generate(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from codetrans.algolisp.dataset import write_jsonl
    from codetrans.algolisp.generator import generate

    for name in ("train", "dev", "test"):
        if getattr(args, name) < 0:
            raise ConfigError(f"--{name} must be >= 0")
    from codetrans.safeio import check_out_dir

    out = check_out_dir(args.out)
    start = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=False) as progress:
        tasks = {n: progress.add_task(f"generating {n}", total=getattr(args, n)) for n in ("train", "dev", "test")}
        splits = generate(args.train, args.dev, args.test, seed=args.seed, workers=max(1, args.workers),
                          progress=lambda split, k: progress.advance(tasks[split], k))
    for name, problems in splits.items():
        write_jsonl(problems, out / f"{name}.jsonl")
    print(f"wrote {', '.join(f'{len(p)} {n}' for n, p in splits.items())} problems to {out} "
          f"in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    _print_stats(splits, args.stats_json)
    return 0


def _stats(args: argparse.Namespace) -> int:
    from codetrans.algolisp.dataset import load_jsonl

    splits = {}
    for f in args.files:
        result = load_jsonl(f)
        if result.n_skipped:
            reasons = ", ".join(f"{n} {r}" for r, n in result.skipped.most_common())
            print(f"{f}: skipped {result.n_skipped} malformed line(s): {reasons}", file=sys.stderr)
        splits[Path(f).stem] = result.problems
    _print_stats(splits)
    return 0


def run(args: argparse.Namespace) -> int:
    return {"run": _run, "generate": _generate, "stats": _stats}[args.action](args)
