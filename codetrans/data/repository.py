"""One git repository -> supervised records split without leakage (what ``codetrans finetune`` learns from).

1. **Harvest** with the corpus generator of :mod:`codetrans.data.build`: documented functions of the
   working tree in every supported language (``document``; Java also ``comment`` and ``api``; Python
   functions under ``summarize`` when asked for by name) and the filtered commit history (``commit``,
   :func:`codetrans.data.git.iter_commits`, which drops commits touching secret-looking files).
   ``.gitignore`` is respected; vendored, generated, binary, oversized and secret-looking files are
   skipped and counted; links leaving the repository are not followed.
2. **Split without leakage**: documentation by *file* (every function of a file lands in one split,
   per language, by a salted hash of the path), commits by *time* (the newest ~10% are the test part),
   then exact and near duplicates are removed across splits (evaluation splits win).

Bad input (not a repository, an empty repository, no documented functions, no commits, too little data
to hold out a test part) raises a :class:`RepositoryDataError` subclass with a message saying what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from codetrans.data.build import make_row
from codetrans.data.corpus import COLUMNS, SPLITS
from codetrans.errors import DataError
from codetrans.tasks import CODE_TASK_TYPES, COMMIT, SUBTASKS, summarize_subtask

TEST_FRACTION = 0.10
VALIDATION_FRACTION = 0.05
SPLIT_SEED = "codetrans-finetune"


class RepositoryDataError(DataError):
    """A repository gives nothing to learn from; the message says why and what to do."""


class NotARepositoryError(RepositoryDataError):
    pass


class EmptyRepositoryError(RepositoryDataError):
    pass


class NoDocumentedFunctionsError(RepositoryDataError):
    pass


class NoCommitsError(RepositoryDataError):
    pass


class TooLittleDataError(RepositoryDataError):
    pass


def find_repository(path: str | os.PathLike) -> Path:
    """The work tree root of the git repository at ``path`` (NotARepositoryError otherwise)."""
    from codetrans.data.git import repo_root

    p = Path(path).expanduser()
    if not p.is_dir():
        raise NotARepositoryError(f"--repo {p} is not a directory")
    try:
        root = repo_root(p)
    except DataError:
        raise NotARepositoryError(f"--repo {p} is not a git repository (run `git init` and commit your code, "
                                  "or point --repo at a checkout)") from None
    return root


@dataclass
class Harvest:
    """Records of one repository with their split, and what was skipped and why."""

    repo: str
    root: str
    head: str | None
    task_types: list[str]
    rows: list[dict]  # COLUMNS of codetrans.data.build, split in "split_hint"
    skipped: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)
    dedup: Counter = field(default_factory=Counter)
    files_read: int = 0
    commits_kept: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def split_rows(self, split: str) -> list[dict]:
        return [r for r in self.rows if r["split_hint"] == split]

    def counts(self) -> dict:
        """task -> lang -> split -> n (the shape :func:`codetrans.data.build.count_table` reads)."""
        c: dict = defaultdict(lambda: defaultdict(Counter))
        for r in self.rows:
            c[r["task"]][r["lang"]][r["split_hint"]] += 1
        return {t: {lang: dict(v) for lang, v in d.items()} for t, d in c.items()}

    def tasks_in(self, split: str) -> list[str]:
        from codetrans.tasks import SUBTASKS

        present = {r["task"] for r in self.rows if r["split_hint"] == split}
        return [t for t in SUBTASKS if t in present]

    def summary(self) -> dict:
        return {"repo": self.repo, "root": self.root, "head": self.head, "task_types": self.task_types,
                "counts": self.counts(), "skipped": dict(self.skipped), "examples": self.examples,
                "dedup": dict(self.dedup), "files_read": self.files_read, "commits_kept": self.commits_kept,
                "notes": self.notes, "seconds": round(self.seconds, 1)}


def _tree_rows(root: Path, name: str, task_types: list[str], progress: bool) -> tuple[list[dict], Any]:
    """Documented-function records of the working tree, through the data layer's corpus generator."""
    from codetrans.data.build import REPORT_TASK, BuildConfig, generate
    from codetrans.data.report import SkipReport
    from codetrans.data.sources import SourceSpec
    from codetrans.log import progress_bar

    tree_tasks = {"document" if t == "summarize" else t for t in task_types if t in CODE_TASK_TYPES}
    config = asdict(BuildConfig(tasks=tuple(sorted(tree_tasks))))
    spec = SourceSpec(root, name=re.sub(r"[,:]", "_", name))
    shards = [{"spec": spec.spec, "kind": "tree", "part": 0, "nparts": 1}]
    report = SkipReport(name)
    rows = []
    for row in progress_bar(generate(shards, config), desc="harvest functions", unit="pair", disable=not progress,
                    mininterval=1, leave=False):
        if row["task"] == REPORT_TASK:
            report.merge(SkipReport.from_dict(json.loads(row["meta"])))
            continue
        if SUBTASKS[row["task"]].task_type == "document":
            if "summarize" in task_types and row["lang"] == "python":
                rows.append({**row, "task": summarize_subtask("python")})
            if "document" not in task_types:
                continue
        rows.append(row)
    return rows, report


def _commit_rows(root: Path, progress: bool) -> tuple[list[dict], Any]:
    """Commit-message records of the history, through the data layer's commit filters (secrets included)."""
    from codetrans.data.git import CommitFilters, iter_commits
    from codetrans.data.loaders import commit_record
    from codetrans.data.report import SkipReport

    report = SkipReport("git")
    rows = []
    for i, c in enumerate(iter_commits(root, CommitFilters(), report, progress=progress)):
        rows.append(make_row(**commit_record(c), group=c["repo"], path=c["files"][0] if c["files"] else "",
                             meta=json.dumps({"date": c["date"], "order": i})))
    return rows, report


def _unit_hash(key: str) -> str:
    return hashlib.sha1(f"{SPLIT_SEED}\0{key}".encode("utf-8", "surrogatepass")).hexdigest()


def split_units(sizes: dict[str, int], order: list[str] | None = None, test: float = TEST_FRACTION,
                validation: float = VALIDATION_FRACTION) -> dict[str, str]:
    """Assign whole units (files, or commits) to splits: the first units of ``order`` (default: a salted
    hash order) fill the test part up to ``test`` of the items, the next ones validation, the rest
    train. Test needs two units, validation four; train always keeps at least one."""
    units = order if order is not None else sorted(sizes, key=_unit_hash)
    total = sum(sizes[u] for u in units)
    out = {u: "train" for u in units}
    if len(units) < 2:
        return out
    i = 0
    for split, frac, min_units in (("test", test, 2), ("validation", validation, 4)):
        if len(units) < min_units:
            continue
        got = 0
        while i < len(units) - 1 and (got == 0 or got < frac * total):
            out[units[i]] = split
            got += sizes[units[i]]
            i += 1
    return out


def assign_splits(rows: list[dict]) -> None:
    """Documentation by file (per language), commits by time (newest as test); sets ``split_hint``."""
    files: dict[str, Counter] = defaultdict(Counter)
    commits = []
    for r in rows:
        if r["task"] == COMMIT:
            commits.append(r)
        else:
            files[r["lang"]][r["path"]] += 1
    for lang, sizes in files.items():
        by_file = split_units(dict(sizes))
        for r in rows:
            if r["task"] != COMMIT and r["lang"] == lang:
                r["split_hint"] = by_file[r["path"]]

    def when(r: dict) -> tuple:
        meta = json.loads(r["meta"])
        try:
            t = datetime.fromisoformat(meta["date"]).timestamp()
        except (ValueError, KeyError):
            t = 0.0
        return (t, -meta.get("order", 0))  # same second: git log order (newest first) breaks the tie

    newest_first = [r["id"] for r in sorted(commits, key=when, reverse=True)]
    by_time = split_units({sha: 1 for sha in newest_first}, order=newest_first)
    for r in commits:
        r["split_hint"] = by_time[r["id"]]


def harvest_repository(repo: str | os.PathLike, task_types: list[str], progress: bool = True) -> Harvest:
    """Harvest, split and deduplicate the records of ``repo`` for ``task_types`` (see the module doc)."""
    from codetrans.data.build import BuildConfig, assign_and_dedup
    from codetrans.data.git import head_commit, listed_files, repo_name

    t0 = time.perf_counter()
    root = find_repository(repo)
    head = head_commit(root)
    if head is None and not listed_files(root):
        raise EmptyRepositoryError(f"the repository {root} is empty: no commits and no files; add your code "
                                   "and commit it, then run finetune again")
    name = repo_name(root)
    h = Harvest(repo=name, root=str(root), head=head, task_types=list(task_types), rows=[])
    asked_alone = len(task_types) == 1
    if any(t in CODE_TASK_TYPES for t in task_types):
        rows, rep = _tree_rows(root, name, task_types, progress)
        h.rows += rows
        h.files_read = rep.kept
        h.skipped.update(rep.skipped)
        for k, v in rep.examples.items():
            h.examples.setdefault(k, v)
        if not rows:
            reasons = ", ".join(f"{r} {n}" for r, n in rep.skipped.most_common(6)) or "none"
            what = {"api": "Java methods with a Javadoc sentence and API calls",
                    "comment": "Java methods with a Javadoc comment"}.get(task_types[0] if asked_alone else "",
                                                                        "documented functions")
            msg = (f"no {what} found in {root} ({rep.kept} source files read; skipped: {reasons}); "
                   "finetune learns from functions that already have documentation")
            if asked_alone or "commit" not in task_types:
                raise NoDocumentedFunctionsError(msg)
            h.notes.append(msg)
    if "commit" in task_types:
        if head is None:
            msg = f"the repository {root} has no commits yet; commit your work first (or use --task document)"
            if asked_alone:
                raise NoCommitsError(msg)
            h.notes.append(msg)
        else:
            rows, rep = _commit_rows(root, progress)
            h.rows += rows
            h.commits_kept = len(rows)
            h.skipped.update({f"commit_{k}": v for k, v in rep.skipped.items()})
            for k, v in rep.examples.items():
                h.examples.setdefault(f"commit_{k}", v)
            if not rows:
                reasons = ", ".join(f"{r} {n}" for r, n in rep.skipped.most_common(6)) or "none"
                msg = f"no usable commits in {root} (filtered: {reasons})"
                if asked_alone:
                    raise NoCommitsError(msg)
                h.notes.append(msg)
    if not h.rows:
        raise NoDocumentedFunctionsError(f"nothing to learn from in {root}: " + "; ".join(h.notes))
    assign_splits(h.rows)
    cols = {c: [r[c] for r in h.rows] for c in COLUMNS}
    keep, h.dedup = assign_and_dedup(cols, BuildConfig(), progress=False)
    h.rows = [h.rows[i] for s in ("train", "validation", "test") for i in keep[s]]
    for task in sorted({r["task"] for r in h.rows}):
        n = Counter(r["split_hint"] for r in h.rows if r["task"] == task)
        if not n["test"]:
            h.notes.append(f"{task}: too few files/commits to hold out a test part; trained on, not evaluated")
        if not n["train"]:
            h.notes.append(f"{task}: nothing left for training after the split; evaluated only")
    if not h.tasks_in("test") or not h.tasks_in("train"):
        unit = "commits" if task_types == ["commit"] else "files with documented functions (or commits)"
        raise TooLittleDataError(f"too little data in {root} to hold out a test part: need at least two "
                                 f"{unit}; found {len(h.rows)} pairs")
    h.seconds = time.perf_counter() - t0
    return h


def save_harvest(h: Harvest, out: Path) -> Path:
    """The harvested records as a corpus (train/validation/test) with ``harvest.json`` beside them."""
    from codetrans.data.corpus import save_corpus

    columns = {s: {c: [r[c] for r in h.split_rows(s)] for c in COLUMNS} for s in SPLITS}
    return save_corpus(columns, out, {"harvest.json": json.dumps(h.summary(), indent=1)})


def load_harvest(data_dir: Path) -> Harvest:
    """A harvest saved by :func:`save_harvest`, records and counts included."""
    from codetrans.data.corpus import load_corpus

    dd = load_corpus(data_dir)
    rows = [{**r, "split_hint": s} for s in SPLITS for r in dd[s].to_list()]
    fields = json.loads((data_dir / "harvest.json").read_text(encoding="utf-8"))
    h = Harvest(**{k: v for k, v in fields.items() if k != "counts"}, rows=rows)
    h.skipped, h.dedup = Counter(h.skipped), Counter(h.dedup)
    return h
