"""What ``codetrans finetune`` shows and writes about a run: harvest counts, the plan, the before/after table
(rows for a terminal, Markdown for the card), the model directory and the model card section of a fine-tune.
Shown through a :class:`RunView`: lines on the logger here, tables at the command line."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from codetrans.data.repository import Harvest
from codetrans.finetune.options import FinetuneRun
from codetrans.tasks import COMMIT

logger = logging.getLogger("codetrans.finetune")


class RunView:
    """What a fine-tune shows as it runs. This one logs plain lines (logger ``codetrans.finetune``: library code
    never prints); ``codetrans finetune`` draws the same as tables (:class:`codetrans.cli.tables.FinetuneConsole`)."""

    def note(self, text: str) -> None:
        logger.info(text)

    def harvest(self, h: Harvest) -> None:
        """The harvest's pairs per sub-task, language and split, and its notes."""
        from codetrans.data.build import count_table

        for task, lang, tr, va, te in count_table(h.counts()):
            self.note(f"{task} {lang}: train {tr}, validation {va}, test {te}")
        for note in h.notes:
            self.note(f"note: {note}")

    def examples(self, h: Harvest) -> None:
        """One training pair per sub-task (:func:`example_rows`)."""
        for row in example_rows(h):
            self.note(" | ".join(row))

    def plan(self, rows: list[tuple[str, str]], title: str) -> None:
        self.note(title)
        for k, v in rows:
            self.note(f"  {k}: {v}")

    def finished(self, run: FinetuneRun, table: list[tuple], timings: dict, steps: int, in_home: bool) -> None:
        """The before/after table, the durations and where the model went."""
        self.note(markdown_before_after(table))
        for line in finished_lines(run, timings, steps, in_home):
            self.note(line)


EXAMPLE_COLUMNS = ("sub-task", "file / commit", "input (start)", "target")


def example_rows(h: Harvest, n: int = 1) -> list[tuple[str, str, str, str]]:
    """What the model will learn: ``n`` training pairs per sub-task, cut for a terminal (:data:`EXAMPLE_COLUMNS`)."""
    rows, shown = [], Counter()
    for r in h.rows:
        if r["split_hint"] == "train" and shown[r["task"]] < n:
            shown[r["task"]] += 1
            rows.append((r["task"], r["id"][:10] if r["task"] == COMMIT else r["path"], r["source"][:70],
                         r["target"][:70]))
    return rows


def before_after_table(h_counts: dict, before: dict, after: dict, metrics: dict,
                       grounded: dict | None = None) -> list[tuple]:
    """Rows (task, metric, test items, before, after, change, grounded): ``grounded`` is the fine-tuned model
    inside the repository (documentation and comments: neighbours edited and chosen, as `codetrans document`)."""
    rows = []
    for task in after:
        b, a = before.get(task), after[task]
        n = sum(v.get("test", 0) for v in h_counts.get(task, {}).values())
        rows.append((task, metrics.get(task, ""), n, b, a, None if b is None else round(a - b, 2) + 0.0,
                     (grounded or {}).get(task)))
    return rows


def cell(v: float | None, signed: bool = False) -> str:
    return "-" if v is None else (f"{v:+.2f}" if signed else f"{v:.2f}")


def before_after_cells(row: tuple) -> tuple[str, ...]:
    """One row of :func:`before_after_table` as the terminal table shows it."""
    task, metric, n, b, a, d, g = row
    return task, metric, str(n), cell(b), f"{a:.2f}", cell(d, signed=True), cell(g)


def markdown_before_after(rows: list[tuple]) -> str:
    lines = ["| sub-task | metric | test items | before | after | change | after, grounded in the repository |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for task, metric, n, b, a, d, g in rows:
        lines.append(f"| {task} | {metric} | {n} | {cell(b)} | {a:.2f} | {cell(d, signed=True)} | {cell(g)} |")
    return "\n".join(lines)


def write_card(run: FinetuneRun, model_dir: Path, table: list[tuple], training: dict) -> None:
    """The fine-tuned model's card: the template's sections, and one of its own on the repository's data and
    the before/after table."""
    from codetrans.cards.card import card_from_dirs

    h, base, argv = run.harvest, run.base, run.options.argv
    card = card_from_dirs(model_dir, [model_dir / "eval" / "after" / "metrics.json"], model_id=run.model_id,
                          tasks=run.train_tasks)
    card.size = base.size
    card.strategy = f"fine-tuned on one repository ({training.get('strategy', '?')})"
    card.datasets = [f"{h.repo} (documented functions and commits of one repository)"]
    counts = h.counts()
    data_rows = "\n".join(f"| {t} | {sum(v.get('train', 0) for v in d.values())} | "
                          f"{sum(v.get('validation', 0) for v in d.values())} | {sum(v.get('test', 0) for v in d.values())} |"
                          for t, d in sorted(counts.items()))
    cmd = " ".join(argv) if argv else "codetrans finetune"
    card.sections = [(f"Fine-tuning on {h.repo}",
                      f"Base model: `{base.ref}`. Repository `{h.repo}` at `{h.head or 'no commit'}`, harvested by "
                      f"`{cmd}`. Documentation pairs are split by file, commits by time (the newest are the test part); "
                      f"duplicates across splits were removed.\n\n"
                      "| sub-task | train | validation | test |\n|---|---:|---:|---:|\n" + data_rows +
                      "\n\nHeld-out test part, the base model before and this model after fine-tuning:\n\n"
                      + markdown_before_after(table))]
    card.reproduce = f"`{cmd}` (see below)"  # a fine-tune is reproduced by the command, not the bare recipe
    text = card.render()
    (model_dir / "README.md").write_text(text, encoding="utf-8")


def write_model_dir(run: FinetuneRun, model_dir: Path, final: Path, records: dict[str, dict], report: dict,
                    training: dict) -> list[tuple]:
    """Assemble the fine-tuned model directory in the work dir: weights, both evaluation records (with the
    predictions they were computed from), ``codetrans.json``, ``finetune.json`` and the card. Returns the
    before/after table."""
    import json
    import shutil

    from codetrans.meta import ModelMeta

    h, base, work = run.harvest, run.base, run.work

    before = {t: float(r["score"]) for t, r in records["before"]["results"].items()}
    after = {t: float(r["score"]) for t, r in records["after"]["results"].items()}
    metric_of = {t: r["metric"] for t, r in records["after"]["results"].items()}
    shutil.rmtree(model_dir, ignore_errors=True)
    shutil.copytree(final, model_dir)
    # The work dir goes away: the copied records name the data by repository and commit instead.
    data_name = f"{h.repo}@{(h.head or 'worktree')[:10]} held-out test part"
    for name, rec in records.items():
        rec_dir, dest = work / f"eval-{name}", model_dir / "eval" / name
        dest.mkdir(parents=True, exist_ok=True)
        rec["dataset"]["path"] = data_name
        (dest / "metrics.json").write_text(json.dumps(rec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for f in [rec_dir / "results.md", *rec_dir.glob("*.pred.txt"), *rec_dir.glob("*.ref.txt")]:
            if f.is_file():  # predictions beside references: what the figures were computed from
                shutil.copy2(f, dest / f.name)
    meta = ModelMeta(id=run.model_id, tasks=run.train_tasks, size=base.size, strategy="finetune",
                     metrics={t: {"metric": metric_of[t], "score": round(after[t], 4),
                                  "before": None if t not in before else round(before[t], 4),
                                  "n": records["after"]["results"][t]["n"], "split": f"{h.repo} held-out test part"}
                              for t in after},
                     base=base.ref, repo=h.repo, head=h.head, license=run.options.license)
    # trained on exemplar-augmented pairs: it takes repository context
    meta.context = ModelMeta.read(final).context or None
    meta.write(model_dir)
    report = {**report, "before": before, "after": after}
    (model_dir / "finetune.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    grounded = {t: float(r["score"]) for t, r in records["grounded"]["results"].items()} if "grounded" in records \
        else None
    if grounded:
        report["grounded"] = grounded
        (model_dir / "finetune.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = before_after_table(h.counts(), before, after, metric_of, grounded)
    write_card(run, model_dir, table, training)
    return table


def plan_rows(run: FinetuneRun) -> list[tuple[str, str]]:
    h, base, o = run.harvest, run.base, run.options
    return [("repository", f"{run.root} ({h.repo}, HEAD {h.head[:10] if h.head else 'none'})"),
            ("base model", f"{base.path} (size {base.size}, vocab {base.vocab_size})" if base
             else "none given and none shipped: --base DIR or ID is required to train"),
            ("train on", ", ".join(run.train_tasks)),
            ("evaluate on", ", ".join(run.eval_tasks) + f" (test part, at most {o.eval_limit} items each, "
                                                        f"{'greedy' if o.beams == 1 else f'beam {o.beams}'})"),
            ("budget", run.budget), ("deepspeed", run.deepspeed or "no"), ("work dir", str(run.work)),
            ("model id", run.model_id),
            ("output", str(run.out_dir) + (" (replaced at the end: --force)" if run.out_dir.exists() else ""))]


def finished_lines(run: FinetuneRun, timings: dict, steps: int, in_home: bool) -> list[str]:
    """The durations and where the model went, with a command to try it."""
    from codetrans.tasks import SUBTASKS

    ref = run.model_id if in_home else str(run.out_dir)
    first = SUBTASKS[run.train_tasks[0]].task_type
    return ["time: " + ", ".join(f"{k[:-2].replace('_', ' ')} {v:.0f} s" for k, v in timings.items()) + f"; {steps} steps",
            f"saved {run.out_dir}" + (f" (id {run.model_id})" if in_home else "")
            + f"; try: codetrans {first} --model {ref} {'FILE' if first != 'commit' else '< DIFF'}"]
