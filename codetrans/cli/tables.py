"""The tables the commands draw (rich, on stdout): a corpus's pairs and what was skipped, AlgoLisp statistics,
a fine-tune as it runs. The library hands rows and lines; only the command line draws."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from codetrans.finetune.report import (
    EXAMPLE_COLUMNS,
    RunView,
    before_after_cells,
    example_rows,
    finished_lines,
)


def console() -> Any:
    from rich.console import Console

    return Console(file=sys.stdout, width=140)


def table(title: str, columns: list[str] | tuple[str, ...], rows: list, *, right: tuple[str, ...] = (),
          caption: str | None = None, show_header: bool = True, fold: bool = False) -> Any:
    """A rich Table: ``right`` names the right-aligned columns, ``fold`` wraps long cells."""
    from rich.table import Table

    t = Table(title=title, caption=caption, show_header=show_header)
    for col in columns:
        t.add_column(col, justify="right" if col in right else "left", overflow="fold" if fold else "ellipsis")
    for row in rows:
        t.add_row(*row)
    return t


def corpus_summary(counts: dict, skipped: Counter, examples: dict, dedup: Counter, seconds: float | None = None) -> None:
    """A corpus's pairs per task and language (:func:`codetrans.data.build.count_table`), its duplicates, what
    was skipped and why."""
    from codetrans.data.build import count_table

    rows, total = [], Counter()
    for task, lang, tr, va, te in count_table(counts):
        rows.append((task, lang, f"{tr:,}", f"{va:,}", f"{te:,}", f"{tr + va + te:,}"))
        total.update({"train": tr, "validation": va, "test": te})
    rows.append(("[b]all[/b]", "", f"{total['train']:,}", f"{total['validation']:,}", f"{total['test']:,}",
                 f"{sum(total.values()):,}"))
    con = console()
    con.print(table("corpus: pairs per task and language", ("task", "lang", "train", "validation", "test", "total"),
                    rows, right=("train", "validation", "test", "total")))
    if dedup:
        con.print("duplicates removed: " + ", ".join(f"{k} {v:,}" for k, v in dedup.most_common()))
    if skipped:
        con.print(table("skipped, by reason", ("reason", "count", "e.g."), [
            (reason, f"{n:,}", "; ".join(examples.get(reason, [])[:1])[:70]) for reason, n in skipped.most_common()],
            right=("count",)))
    if seconds is not None:
        con.print(f"built in {seconds:.1f} s")


class FinetuneConsole(RunView):
    """A fine-tune as ``codetrans finetune`` shows it: notes and tables on stdout."""

    def note(self, text: str) -> None:
        console().print(text, markup=False, highlight=False)

    def harvest(self, h: Any) -> None:
        corpus_summary(h.counts(), h.skipped, h.examples, h.dedup, h.seconds)
        for note in h.notes:
            self.note(f"note: {note}")

    def examples(self, h: Any) -> None:
        console().print(table("what the model will learn (one training pair per sub-task)", EXAMPLE_COLUMNS,
                              example_rows(h), fold=True))

    def plan(self, rows: list[tuple[str, str]], title: str) -> None:
        console().print(table(title, ("what", "value"), rows, show_header=False, fold=True))

    def finished(self, run: Any, rows: list[tuple], timings: dict, steps: int, in_home: bool) -> None:
        columns = ("sub-task", "metric", "test items", "before", "after", "change", "after, grounded")
        console().print(table("before/after fine-tuning, on the held-out test part", columns,
                              [before_after_cells(r) for r in rows], right=columns[2:],
                              caption=f"before = the base model {run.base.ref}"))
        for line in finished_lines(run, timings, steps, in_home):
            self.note(line)
