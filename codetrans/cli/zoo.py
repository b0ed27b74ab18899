"""`codetrans zoo list`: the models CodeTrans knows, with tasks, size, strategy and location."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["list"], nargs="?", default="list")
    parser.add_argument("--task", help="only models for this task type (document, summarize, ...)")
    parser.add_argument("--local", action="store_true", help="hide the original SEBIS hub checkpoints")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from codetrans.serving import zoo
    from codetrans.tasks import SUBTASKS, get_task_type

    entries = zoo.list_models(include_hub=not args.local)
    if args.task:
        ttype = get_task_type(args.task).name
        entries = [e for e in entries if any(SUBTASKS[t].task_type == ttype for t in e.tasks if t in SUBTASKS)]
    if args.json:
        for e in entries:
            print(json.dumps(e.to_dict()))
        return 0
    table = Table(title=f"CodeTrans models ({len(entries)}); cache: {zoo.home() / 'models'}")
    for col in ("id", "tasks", "size", "strategy", "source", "location"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(e.id, ", ".join(e.tasks), e.size, e.strategy, e.source, e.location)
    Console().print(table)
    return 0
