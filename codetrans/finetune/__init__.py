"""``codetrans finetune``: fine-tune a model on one repository, end to end, in one command.

    codetrans finetune --repo ~/src/myproject --base runs/quickstart/final --minutes 10

1. **Harvest** with the data layer (:mod:`codetrans.data`): documented functions of the working tree in
   every supported language (``document``; Java also ``comment`` and ``api``; Python functions under
   ``summarize`` when asked for by name) and the filtered commit history (``commit``). ``.gitignore``
   is respected; vendored, generated, binary, oversized and secret-looking files (``.env``, private
   keys, credential files) are skipped and counted; links leaving the repository are not followed;
   commits touching secret-looking files are dropped.
2. **Split without leakage**: documentation by *file* (every function of a file lands in one split,
   per language, by a salted hash of the path), commits by *time* (the newest ~10% are the test part),
   then exact and near duplicates are removed across splits (evaluation splits win). Counts are
   printed; ``--dry-run`` stops here.
3. **Fine-tune** the base model with the training engine (:func:`codetrans.train.train`, recipe
   ``training/finetune.yaml``), reusing the base model's tokenizer, within ``--steps`` or
   ``--minutes``. Work happens in a stable work dir beside ``--out`` (``.<name>.finetune-work``), so
   rerunning an interrupted command continues from the last checkpoint (``train.resume=auto``).
4. **Evaluate before and after** on the held-out part with the harness
   (:func:`codetrans.evaluation.evaluate`, greedy by default), print the before/after table, and move
   the finished model directory — weights, tokenizer, ``codetrans.json``, a generated model card
   (``README.md``), ``finetune.json`` and both evaluation records — into ``--out`` in one rename.
   The default ``--out`` is ``$CODETRANS_HOME/models/<id>``, so the model is usable by id at once.

Bad input (not a repository, an empty repository, no documented functions, no commits, an
incompatible base model, an existing ``--out``) raises a :class:`FinetuneError` before anything is
written to ``--out``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError, ConfigError, DataError

TASK_CHOICES = ("document", "comment", "summarize", "commit", "api", "all")
#: What ``--task all`` means. ``summarize`` relabels the Python documentation pairs (the repository
#: has no question titles), so it is only harvested when asked for by name.
ALL_TASKS = ("document", "comment", "commit", "api")
CODE_TASKS = ("document", "comment", "summarize", "api")
DEFAULT_MINUTES = 10.0
TEST_FRACTION = 0.10
VALIDATION_FRACTION = 0.05
EPOCH_CAP = 20  # --minutes on a small repository: stop after this many passes over its training part
SPLIT_SEED = "codetrans-finetune"
_PRIVATE_KEY_TEXT = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")


class FinetuneError(CodeTransError):
    """``codetrans finetune`` cannot go on; the message says why and what to do."""


class NotARepositoryError(FinetuneError):
    pass


class EmptyRepositoryError(FinetuneError):
    pass


class NoDocumentedFunctionsError(FinetuneError):
    pass


class NoCommitsError(FinetuneError):
    pass


class TooLittleDataError(FinetuneError):
    pass


class MissingBaseError(FinetuneError):
    pass


class IncompatibleBaseError(FinetuneError):
    pass


class OutputExistsError(FinetuneError):
    pass


# ------------------------------------------------------------------------------------ repository
def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True)


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


def head_commit(root: Path) -> str | None:
    proc = _git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def _listed_files(root: Path) -> int:
    proc = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return len([p for p in proc.stdout.split(b"\0") if p]) if proc.returncode == 0 else 0


def expand_tasks(task: str) -> list[str]:
    if task == "all":
        return list(ALL_TASKS)
    if task not in TASK_CHOICES:
        raise ConfigError(f"unknown --task {task!r}; choose from {', '.join(TASK_CHOICES)}")
    return [task]


# --------------------------------------------------------------------------------------- harvest
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
        """task -> lang -> split -> n (the shape :func:`codetrans.data.build.print_summary` takes)."""
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


def _record(**kw: Any) -> dict:
    from codetrans.data.build import COLUMNS

    row = {c: "" for c in COLUMNS}
    row["references"] = []
    for k, v in kw.items():
        if k in row:
            row[k] = v if k == "references" else ("" if v is None else str(v))
    return row


def _tree_rows(root: Path, name: str, task_types: list[str], progress: bool) -> tuple[list[dict], Any]:
    """Documented-function records of the working tree, through the data layer's corpus generator."""
    from tqdm.auto import tqdm

    from codetrans.data.build import REPORT_TASK, BuildConfig, generate
    from codetrans.data.report import SkipReport
    from codetrans.data.sources import SourceSpec

    tree_tasks = {"document" if t == "summarize" else t for t in task_types if t in CODE_TASKS}
    config = asdict(BuildConfig(tasks=tuple(sorted(tree_tasks))))
    spec = SourceSpec(root, name=re.sub(r"[,:]", "_", name))
    shards = [{"spec": spec.spec, "kind": "tree", "part": 0, "nparts": 1}]
    report = SkipReport(name)
    rows = []
    for row in tqdm(generate(shards, config), desc="harvest functions", unit="pair", disable=not progress,
                    mininterval=1, leave=False):
        if row["task"] == REPORT_TASK:
            report.merge(SkipReport.from_dict(json.loads(row["meta"])))
            continue
        if row["task"].startswith("code_documentation_generation_"):
            if "summarize" in task_types and row["lang"] == "python":
                rows.append({**row, "task": "source_code_summarization_python"})
            if "document" not in task_types:
                continue
        rows.append(row)
    return rows, report


def _commit_rows(root: Path, progress: bool) -> tuple[list[dict], Any]:
    """Commit-message records of the history (the data layer's filters), minus commits touching secrets."""
    from codetrans.data.git import CommitFilters, iter_commits
    from codetrans.data.loaders import commit_record
    from codetrans.data.report import SkipReport
    from codetrans.data.sources import looks_secret

    report = SkipReport("git")
    rows = []
    for i, c in enumerate(iter_commits(root, CommitFilters(), report, progress=progress)):
        secret = next((f for f in c["files"] if looks_secret(f)), None)
        if secret or _PRIVATE_KEY_TEXT.search(c["diff"]):
            report.kept -= 1  # iter_commits counted it as kept
            report.skip("secret", f"{c['sha'][:10]} ({secret or 'private key in the diff'})")
            continue
        rec = commit_record(c)
        rows.append(_record(**rec, group=c["repo"], path=c["files"][0] if c["files"] else "",
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
        if r["task"] == "commit_generation":
            commits.append(r)
        else:
            files[r["lang"]][r["path"]] += 1
    for lang, sizes in files.items():
        by_file = split_units(dict(sizes))
        for r in rows:
            if r["task"] != "commit_generation" and r["lang"] == lang:
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


def harvest(repo: str | os.PathLike, task_types: list[str], progress: bool = True) -> Harvest:
    """Harvest, split and deduplicate the records of ``repo`` for ``task_types`` (see module doc)."""
    from codetrans.data.build import COLUMNS, BuildConfig, assign_and_dedup
    from codetrans.data.git import repo_name

    t0 = time.perf_counter()
    root = find_repository(repo)
    head = head_commit(root)
    if head is None and _listed_files(root) == 0:
        raise EmptyRepositoryError(f"the repository {root} is empty: no commits and no files; add your code "
                                   "and commit it, then run finetune again")
    name = repo_name(root)
    h = Harvest(repo=name, root=str(root), head=head, task_types=list(task_types), rows=[])
    asked_alone = len(task_types) == 1
    if any(t in CODE_TASKS for t in task_types):
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


def save_dataset(h: Harvest, out: Path) -> None:
    """The harvested records as a DatasetDict (train/validation/test), written atomically."""
    import datasets

    from codetrans.data.build import COLUMNS, features

    cols = [c for c in COLUMNS if c != "split_hint"]
    feats = features()
    del feats["split_hint"]
    dd = datasets.DatasetDict({s: datasets.Dataset.from_dict({c: [r[c] for r in h.split_rows(s)] for c in cols},
                                                             features=feats)
                               for s in ("train", "validation", "test")})
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    dd.save_to_disk(str(tmp), num_shards={s: 1 for s in dd})  # one shard each: empty splits stay loadable
    (tmp / "harvest.json").write_text(json.dumps(h.summary(), indent=1), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)


# ------------------------------------------------------------------------------------ base model
@dataclass
class BaseModel:
    ref: str  # what the user passed (or the default's id)
    path: Path
    size: str  # a modeling.SIZES name, or "custom"
    vocab_size: int
    tokenizer_size: int


def _weights_present(path: Path) -> bool:
    return any((path / f).is_file() for f in ("model.safetensors", "model.safetensors.index.json",
                                                "pytorch_model.bin", "pytorch_model.bin.index.json"))


def _guess_size(path: Path, cfg: dict) -> str:
    from codetrans.train.modeling import SIZES

    for name in ("codetrans.json", "metrics.json"):
        try:
            size = json.loads((path / name).read_text(encoding="utf-8")).get("size")
        except (OSError, ValueError, AttributeError):
            continue
        if size in SIZES:
            return size
    for size, fields in SIZES.items():
        if all(cfg.get(k) == v for k, v in fields.items() if k in ("d_model", "d_ff", "num_layers", "num_heads")):
            return size
    return "custom"


def check_base(base: str | None, task_types: list[str]) -> BaseModel:
    """Resolve ``--base`` (a directory or a zoo id) and check it can be fine-tuned with its own tokenizer."""
    from codetrans.serving import zoo
    from codetrans.train.tokenizer import load_tokenizer

    if base is None:
        entry = next((e for t in task_types if (e := zoo.default_model(t)) is not None), None)
        if entry is None:
            raise MissingBaseError(
                "no base model: CodeTrans ships no default model yet, so pass --base DIR (a trained model "
                "directory, e.g. runs/quickstart/final from `codetrans train training/quickstart.yaml`, see "
                "README) or --base ID (a model from `codetrans zoo list --local`)")
        base = entry.location
    try:
        loc = zoo.resolve(base)
    except CodeTransError as exc:
        raise IncompatibleBaseError(f"base model {base!r}: {exc}") from None
    path = Path(loc)
    if not path.is_dir():
        raise IncompatibleBaseError(f"base model {base!r} is not on this machine ({loc}); fine-tuning needs a "
                                    "local model directory: download it elsewhere and pass its directory")
    try:
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IncompatibleBaseError(f"base model {path}: unreadable config.json ({exc})") from None
    if cfg.get("model_type") != "t5" or not cfg.get("is_encoder_decoder", True):
        raise IncompatibleBaseError(f"base model {path} is a {cfg.get('model_type') or 'unknown'!r} model; "
                                    "codetrans fine-tunes T5 encoder-decoder models (CodeTrans checkpoints)")
    if not _weights_present(path):
        raise IncompatibleBaseError(f"base model {path} has no weights (model.safetensors / pytorch_model.bin)")
    try:
        tok = load_tokenizer(path)
    except (ConfigError, OSError, ValueError) as exc:
        raise IncompatibleBaseError(f"base model {path} has no usable tokenizer ({exc}); fine-tuning reuses "
                                    "the tokenizer the model was trained with, saved beside its weights") from None
    vocab, n_tok = int(cfg.get("vocab_size", 0)), len(tok)
    if n_tok > vocab:
        raise IncompatibleBaseError(f"base model {path}: its tokenizer has {n_tok} ids but the model's vocabulary "
                                    f"only {vocab}: the tokenizer beside the weights is not the one the model was "
                                    "trained with")
    for what, tid, mid in (("pad", tok.pad_token_id, cfg.get("pad_token_id")),
                           ("eos", tok.eos_token_id, cfg.get("eos_token_id"))):
        if mid is not None and tid != mid:
            raise IncompatibleBaseError(f"base model {path}: tokenizer {what} id {tid} differs from the model's "
                                        f"{mid}: the tokenizer is not the model's own")
    return BaseModel(str(base), path.resolve(), _guess_size(path, cfg), vocab, n_tok)


# ------------------------------------------------------------------------------------- the command
@dataclass
class FinetuneResult:
    out: Path | None
    model_id: str
    harvest: Harvest
    before: dict = field(default_factory=dict)  # sub-task -> score
    after: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    steps: int | None = None


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "repo"


def default_model_id(repo_name: str, task: str) -> str:
    return f"{_slug(repo_name.split('/')[-1])}-{task}-finetuned"


def work_dir_for(out: Path) -> Path:
    """The stable work dir of a run writing ``out``: beside it (same filesystem: the final move is one rename)."""
    return out.parent / f".{out.name}.finetune-work"


def resolve_deepspeed(value: str | None) -> str | None:
    if not value:
        return None
    from codetrans.train.recipe import training_dir

    for cand in (Path(value), training_dir() / "deepspeed" / value, training_dir() / "deepspeed" / f"{value}.json"):
        if cand.is_file():
            return str(cand.resolve())
    raise ConfigError(f"--deepspeed {value!r} not found (a JSON file, or a name in {training_dir() / 'deepspeed'}: "
                      + ", ".join(p.stem for p in sorted((training_dir() / "deepspeed").glob("*.json"))) + ")")


def parse_sets(items: list[str] | None) -> dict:
    """``--set section.key=value`` items -> {dotted key: value}, parsed like `codetrans train` overrides."""
    from codetrans.train.recipe import override_pairs

    return dict(override_pairs(items or []))


def _console() -> Any:
    from rich.console import Console

    return Console(file=sys.stdout, width=140)


def print_harvest(h: Harvest) -> None:
    from codetrans.data.build import print_summary

    print_summary(h.counts(), h.skipped, h.examples, h.dedup, h.seconds)
    con = _console()
    for note in h.notes:
        con.print(f"note: {note}")


def print_examples(h: Harvest, n: int = 1) -> None:
    from rich.table import Table

    t = Table(title="what the model will learn (one training pair per sub-task)")
    for col in ("sub-task", "file / commit", "input (start)", "target"):
        t.add_column(col, overflow="fold")
    shown: Counter = Counter()
    for r in h.rows:
        if r["split_hint"] == "train" and shown[r["task"]] < n:
            shown[r["task"]] += 1
            where = r["id"][:10] if r["task"] == "commit_generation" else r["path"]
            t.add_row(r["task"], where, r["source"][:70], r["target"][:70])
    _console().print(t)


def print_plan(rows: list[tuple[str, str]], title: str) -> None:
    from rich.table import Table

    t = Table(title=title, show_header=False)
    t.add_column("what")
    t.add_column("value", overflow="fold")
    for k, v in rows:
        t.add_row(k, v)
    _console().print(t)


def before_after_table(h_counts: dict, before: dict, after: dict, metrics: dict) -> list[tuple]:
    rows = []
    for task in after:
        b, a = before.get(task), after[task]
        n = sum(v.get("test", 0) for v in h_counts.get(task, {}).values())
        rows.append((task, metrics.get(task, ""), n, b, a, None if b is None else round(a - b, 2) + 0.0))
    return rows


def print_before_after(rows: list[tuple], base_ref: str) -> None:
    from rich.table import Table

    t = Table(title="before/after fine-tuning, on the held-out test part", caption=f"before = the base model {base_ref}")
    for col, j in (("sub-task", "left"), ("metric", "left"), ("test items", "right"), ("before", "right"),
                   ("after", "right"), ("change", "right")):
        t.add_column(col, justify=j)
    for task, metric, n, b, a, d in rows:
        t.add_row(task, metric, str(n), "-" if b is None else f"{b:.2f}", f"{a:.2f}",
                  "-" if d is None else f"{d:+.2f}")
    _console().print(t)


def _markdown_before_after(rows: list[tuple]) -> str:
    lines = ["| sub-task | metric | test items | before | after | change |", "|---|---|---:|---:|---:|---:|"]
    for task, metric, n, b, a, d in rows:
        lines.append(f"| {task} | {metric} | {n} | {'-' if b is None else f'{b:.2f}'} | {a:.2f} | "
                     f"{'-' if d is None else f'{d:+.2f}'} |")
    return "\n".join(lines)


def _signature(root: Path, task_types: list[str], base: BaseModel) -> dict:
    weights = next((base.path / f for f in ("model.safetensors", "pytorch_model.bin") if (base.path / f).is_file()),
                   base.path / "config.json")
    st = weights.stat()
    return {"repo": str(root), "task_types": task_types, "base": str(base.path),
            "base_weights": [weights.name, st.st_size, int(st.st_mtime)]}


def finetune(repo: str | os.PathLike, task: str = "all", base: str | None = None, out: str | os.PathLike | None = None,
             minutes: float | None = None, steps: int | None = None, deepspeed: str | None = None,
             dry_run: bool = False, force: bool = False, model_id: str | None = None, beams: int = 1,
             eval_limit: int | None = 200, threads: int = 0, sets: dict | None = None,
             progress: bool = True, argv: list[str] | None = None) -> FinetuneResult:
    """Harvest ``repo``, fine-tune ``base`` on it, evaluate before/after and write the model to ``out``."""
    t_start = time.perf_counter()
    if minutes is not None and steps is not None:
        raise ConfigError("give --minutes or --steps, not both")
    if minutes is not None and minutes <= 0 or steps is not None and steps < 1:
        raise ConfigError("--minutes and --steps must be positive")
    if beams < 1:
        raise ConfigError("--beams must be >= 1")
    if minutes is None and steps is None:
        minutes = DEFAULT_MINUTES
    task_types = expand_tasks(task)
    root = find_repository(repo)
    from codetrans.data.git import repo_name
    from codetrans.serving import zoo

    model_id = model_id or default_model_id(repo_name(root), task)
    out_dir = Path(out).expanduser() if out else zoo.home() / "models" / model_id
    out_dir = out_dir.absolute()
    if out_dir.exists() and not dry_run and not force:
        raise OutputExistsError(f"--out {out_dir} already exists; choose another --out (or --id), or pass --force "
                                "to replace it once the new model is ready")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputExistsError(f"--out {out_dir} exists and is not a directory")
    if out_dir.resolve() == root.resolve() or root.resolve() in out_dir.resolve().parents:
        raise ConfigError(f"--out {out_dir} is inside the repository being harvested; choose a directory outside it")
    base_model = check_base(base, task_types) if (base is not None or not dry_run) else None
    ds_path = resolve_deepspeed(deepspeed)
    sets = dict(sets or {})
    work = work_dir_for(out_dir)
    data_dir = work / "data"
    con = _console()

    # A work dir left by an interrupted run of the same command is continued; one of other settings is not.
    sig = _signature(root, task_types, base_model) if base_model else None
    resumed = False
    if not dry_run and work.is_dir():
        try:
            old = json.loads((work / "signature.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if old == sig and (data_dir / "harvest.json").is_file():
            resumed = True
            con.print(f"continuing the unfinished run in {work} (delete it to start over)")
        else:
            con.print(f"note: discarding {work}: it was left by a run with other settings")
            shutil.rmtree(work)

    t0 = time.perf_counter()
    if resumed:
        h = Harvest(**{k: v for k, v in json.loads((data_dir / "harvest.json").read_text(encoding="utf-8")).items()
                       if k not in ("counts",)}, rows=_load_rows(data_dir))
        h.skipped, h.dedup = Counter(h.skipped), Counter(h.dedup)
    else:
        h = harvest(root, task_types, progress=progress)
    harvest_s = time.perf_counter() - t0
    print_harvest(h)
    train_tasks, eval_tasks = h.tasks_in("train"), h.tasks_in("test")
    has_dev = bool(set(h.tasks_in("validation")) & set(train_tasks))
    n_train = len(h.split_rows("train"))
    batch = int(sets.get("train.batch_size", 16))
    cap = max(50, math.ceil(EPOCH_CAP * n_train / batch))
    budget = f"{steps} steps" if steps else f"{minutes:g} minutes of training (at most {cap} steps = {EPOCH_CAP} epochs)"
    plan = [("repository", f"{root} ({h.repo}, HEAD {h.head[:10] if h.head else 'none'})"),
            ("base model", f"{base_model.path} (size {base_model.size}, vocab {base_model.vocab_size})" if base_model
             else "none given: --base DIR or ID is required to train"),
            ("train on", ", ".join(train_tasks)), ("evaluate on", ", ".join(eval_tasks) + f" (test part, at most "
                                                                             f"{eval_limit} items each, "
                                                                             f"{'greedy' if beams == 1 else f'beam {beams}'})"),
            ("budget", budget), ("deepspeed", ds_path or "no"), ("work dir", str(work)),
            ("model id", model_id), ("output", str(out_dir) + (" (replaced at the end: --force)" if out_dir.exists() else ""))]
    if dry_run:
        print_examples(h)
        print_plan(plan, "dry run: what finetune would use (nothing was written)")
        return FinetuneResult(None, model_id, h, timings={"harvest_s": round(harvest_s, 1)})
    assert base_model is not None and sig is not None
    print_plan(plan, "fine-tuning plan")

    work.mkdir(parents=True, exist_ok=True)
    if not resumed:
        save_dataset(h, data_dir)
        (work / "signature.json").write_text(json.dumps(sig, indent=1), encoding="utf-8")

    from codetrans.evaluation import DecodingOptions, evaluate
    from codetrans.train import train
    from codetrans.train.recipe import load_recipe, training_dir

    recipe_path = training_dir() / "finetune.yaml"
    base_recipe = load_recipe(recipe_path)
    max_src = int(sets.get("data.max_source_length", base_recipe.data.max_source_length))
    max_tgt = int(sets.get("data.max_target_length", base_recipe.data.max_target_length))
    decoding = DecodingOptions(num_beams=beams, max_length=max_tgt, max_source_length=max_src, batch_size=16)

    con.print(f"[b]evaluating the base model[/b] on {', '.join(eval_tasks)}")
    t0 = time.perf_counter()
    before_rec = evaluate(str(base_model.path), str(data_dir), work / "eval-before", split="test", tasks=eval_tasks,
                          decoding=decoding, name=f"before: {base_model.ref}", limit=eval_limit, progress=progress)
    before_s = time.perf_counter() - t0

    overrides: dict[str, Any] = {
        "name": _slug(model_id), "strategy": "tf" if len(train_tasks) == 1 else "mt",
        "model.init_from": str(base_model.path), "model.size": base_model.size if base_model.size != "custom" else "tiny",
        "data.path": str(data_dir), "data.tasks": train_tasks,
        "data.dev_split": "validation" if has_dev else None,
        "train.output_dir": str(work / "run"), "train.resume": "auto",
        "train.steps": steps or cap, "train.time_budget_min": None if steps else minutes,
        "train.early_stopping_patience": 4 if has_dev else 0,
        "train.deepspeed": ds_path, "train.threads": threads, "train.progress": progress,
    }
    overrides.update(sets)
    con.print(f"[b]fine-tuning[/b] ({budget}); interrupted? rerun the same command to continue")
    t0 = time.perf_counter()
    final = train(recipe_path, overrides)
    if final.name != "final":
        # The time budget ended the run: close it at the step reached (a checkpoint was just saved there).
        reached = int(json.loads((work / "run" / "metrics.json").read_text(encoding="utf-8"))["step"])
        final = train(recipe_path, {**overrides, "train.steps": reached, "train.time_budget_min": None})
    train_s = time.perf_counter() - t0
    training = json.loads((final / "metrics.json").read_text(encoding="utf-8"))

    con.print(f"[b]evaluating the fine-tuned model[/b] on {', '.join(eval_tasks)}")
    t0 = time.perf_counter()
    after_rec = evaluate(str(final), str(data_dir), work / "eval-after", split="test", tasks=eval_tasks,
                         decoding=decoding, name=f"after: {model_id}", limit=eval_limit, progress=progress,
                         overwrite=True)
    after_s = time.perf_counter() - t0

    before = {t: float(r["score"]) for t, r in before_rec["results"].items()}
    after = {t: float(r["score"]) for t, r in after_rec["results"].items()}
    metric_of = {t: r["metric"] for t, r in after_rec["results"].items()}
    table = before_after_table(h.counts(), before, after, metric_of)
    timings = {"harvest_s": round(harvest_s, 1), "eval_before_s": round(before_s, 1), "train_s": round(train_s, 1),
               "eval_after_s": round(after_s, 1)}

    # Assemble the model directory inside the work dir, then move it into place in one rename.
    model_dir = work / "model"
    shutil.rmtree(model_dir, ignore_errors=True)
    shutil.copytree(final, model_dir)
    # The work dir goes away: the copied records name the data by repository and commit instead.
    data_name = f"{h.repo}@{(h.head or 'worktree')[:10]} held-out test part"
    for name, rec, rec_dir in (("before", before_rec, work / "eval-before"), ("after", after_rec, work / "eval-after")):
        dest = model_dir / "eval" / name
        dest.mkdir(parents=True, exist_ok=True)
        rec["dataset"]["path"] = data_name
        (dest / "metrics.json").write_text(json.dumps(rec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for f in [rec_dir / "results.md", *rec_dir.glob("*.pred.txt"), *rec_dir.glob("*.ref.txt")]:
            if f.is_file():  # predictions beside references: what the figures were computed from
                shutil.copy2(f, dest / f.name)
    meta = {"id": model_id, "tasks": train_tasks, "size": base_model.size, "strategy": "finetune",
            "metrics": {t: {"metric": metric_of[t], "score": round(after[t], 4),
                            "before": None if t not in before else round(before[t], 4),
                            "n": after_rec["results"][t]["n"], "split": f"{h.repo} held-out test part"}
                        for t in after},
            "base": base_model.ref, "repo": h.repo, "head": h.head}
    (model_dir / "codetrans.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    report = {"id": model_id, "command": argv, "repo": h.summary(), "base": {**asdict(base_model), "path": str(base_model.path)},
              "train_tasks": train_tasks, "eval_tasks": eval_tasks, "steps": training.get("step"),
              "decoding": decoding.as_dict(), "before": before, "after": after, "timings": timings,
              "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    (model_dir / "finetune.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _write_card(model_dir, model_id, train_tasks, base_model, h, table, training, argv)

    if out_dir.exists():  # --force: the old model goes only now that the new one is complete
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        out_dir.rename(old)
        model_dir.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        model_dir.rename(out_dir)
    shutil.rmtree(work, ignore_errors=True)
    timings["total_s"] = round(time.perf_counter() - t_start, 1)

    print_before_after(table, base_model.ref)
    con.print("time: " + ", ".join(f"{k[:-2].replace('_', ' ')} {v:.0f} s" for k, v in timings.items())
              + f"; {training.get('step')} steps")
    in_home = out_dir.parent == (zoo.home() / "models").absolute()
    ref = model_id if in_home else str(out_dir)
    first = _cli_task(train_tasks[0])
    con.print(f"saved [b]{out_dir}[/b]" + (f" (id {model_id})" if in_home else "")
              + f"; try: codetrans {first} --model {ref} {'FILE' if first != 'commit' else '< DIFF'}")
    return FinetuneResult(out_dir, model_id, h, before, after, timings, training.get("step"))


def _cli_task(subtask: str) -> str:
    from codetrans.tasks import SUBTASKS

    return SUBTASKS[subtask].task


def _load_rows(data_dir: Path) -> list[dict]:
    import datasets

    dd = datasets.load_from_disk(str(data_dir))
    rows = []
    for split in ("train", "validation", "test"):
        for r in dd[split].to_list():
            rows.append({**r, "split_hint": split})
    return rows


def _write_card(model_dir: Path, model_id: str, tasks: list[str], base: BaseModel, h: Harvest, table: list[tuple],
                training: dict, argv: list[str] | None) -> None:
    from codetrans.serving.cards import card_from_dirs

    card = card_from_dirs(model_dir, [model_dir / "eval" / "after" / "metrics.json"], model_id=model_id, tasks=tasks)
    card.size = base.size
    card.strategy = f"fine-tuned on one repository ({training.get('strategy', '?')})"
    card.datasets = [f"{h.repo} (documented functions and commits of one repository)"]
    counts = h.counts()
    data_rows = "\n".join(f"| {t} | {sum(v.get('train', 0) for v in d.values())} | "
                          f"{sum(v.get('validation', 0) for v in d.values())} | {sum(v.get('test', 0) for v in d.values())} |"
                          for t, d in sorted(counts.items()))
    cmd = " ".join(argv) if argv else "codetrans finetune"
    extra = (f"\n\n## Fine-tuning on {h.repo}\n\n"
             f"Base model: `{base.ref}`. Repository `{h.repo}` at `{h.head or 'no commit'}`, harvested by "
             f"`{cmd}`. Documentation pairs are split by file, commits by time (the newest are the test part); "
             f"duplicates across splits were removed.\n\n"
             "| sub-task | train | validation | test |\n|---|---:|---:|---:|\n" + data_rows +
             "\n\nHeld-out test part, the base model before and this model after fine-tuning:\n\n"
             + _markdown_before_after(table) + "\n")
    card.reproduce = f"`{cmd}` (see below)"  # a fine-tune is reproduced by the command, not the bare recipe
    text = card.render()
    marker = "\n## Limitations"
    text = text.replace(marker, extra + marker, 1) if marker in text else text + extra
    (model_dir / "README.md").write_text(text, encoding="utf-8")
