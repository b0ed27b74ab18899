"""Core-hours, tokens and steps of every training stage whose log is kept (the zoo README's table).

    python scripts/core_hours.py docs/zoo/results/*_train.jsonl [runs/zoo/synth/logs/train.jsonl ...]

A log is a run's ``logs/train.jsonl``; sessions that logged no thread count are taken as 2 threads
(the CPU sessions' setting). Prints a markdown table, then the total.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from codetrans.train.runlog import read_curve


def stage_name(log: Path) -> str:
    """``docs/zoo/results/mttf_api_train.jsonl`` -> ``mttf_api``; ``runs/zoo/synth/logs/train.jsonl`` -> ``synth``."""
    return log.parent.parent.name if log.name == "train.jsonl" else log.name.removesuffix("_train.jsonl")


def stage_row(log: Path) -> dict:
    curve = read_curve(log, [2])
    sessions = [s for s in curve["sessions"] if s["tokens"]]
    return {"stage": stage_name(log), "sessions": len(sessions), "steps": sessions[-1]["to"] if sessions else 0,
            "tokens": curve["tokens"], "core_hours": curve["core_hours"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("logs", nargs="+", type=Path)
    rows = [stage_row(p) for p in parser.parse_args().logs]
    print("| stage | sessions | last step | tokens | core-hours |\n|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['stage']} | {r['sessions']} | {r['steps']:,} | {r['tokens'] / 1e6:.1f}M | {r['core_hours']:.2f} |")
    print(f"| **all** | {sum(r['sessions'] for r in rows)} | | {sum(r['tokens'] for r in rows) / 1e6:.1f}M | "
          f"**{sum(r['core_hours'] for r in rows):.1f}** |")


if __name__ == "__main__":
    main()
