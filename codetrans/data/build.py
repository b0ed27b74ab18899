"""Corpus building: sources -> a ``datasets.DatasetDict`` of supervised records saved to disk.

``build_corpus(["~/src/flask", "jdk-src.zip::lang=java,group=dir", "../shared/data"], out)``:

1. Every source (see :mod:`codetrans.data.sources` for specs) becomes one or more *shards*: directory
   trees and archives (their files spread over shards by a hash of the path), git histories (a
   directory that is a git work tree also yields its commits), research files/folders (CODE-NN, NNGen,
   commits JSONL, CodeSearchNet JSONL, AlgoLisp). ``datasets.Dataset.from_generator(num_proc=...)``
   runs the shards in parallel, with progress bars.
2. Per documented function (``codetrans.lang.extract_functions``): a ``document`` record (source =
   tokenized code, target = summary); for Java also ``comment`` (same pair) and ``api`` (source =
   Javadoc first sentence, target = the ``Type.method`` sequence). Commits -> ``commit`` (source =
   ``normalize_diff(diff)``, target = subject); CODE-NN -> ``summarize``; AlgoLisp -> ``synthesize``.
3. Splits by repository or package, never by function: groups (the repository/package, or with
   ``group=dir`` its directory) are visited in the order of a salted hash and go to validation or test
   while a sub-task still lacks pairs there (at least ``min_eval`` pairs, or the ``validation``/``test``
   share if larger), so small sub-tasks get usable evaluation splits; research dev files go to
   validation. Projects reserved for independent evaluation are refused (:mod:`codetrans.data.reserved`).
4. Duplicates removed across and within splits: exact (normalised text) and near (MinHash Jaccard on
   token shingles >= ``near_dup_threshold``); the evaluation splits win, train copies go.
5. ``build_report.json`` beside the saved dataset and a :class:`BuildResult`: counts per task, language and
   split (:func:`count_table`), skipped items by reason (the command line draws them as tables).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from codetrans.data.corpus import COLUMNS, SPLITS, features, load_corpus, save_corpus
from codetrans.data.git import CommitFilters, iter_commits
from codetrans.data.loaders import (
    commit_record,
    load_algolisp,
    load_codenn,
    load_codesearchnet,
    load_commits,
    load_nngen,
)
from codetrans.data.report import SkipReport
from codetrans.data.reserved import reserved
from codetrans.data.sources import (
    SourceSpec,
    WalkOptions,
    is_archive,
    iter_source_files,
    parse_spec,
    source_name,
)
from codetrans.errors import DataError
from codetrans.lang import extract_api_sequences, extract_functions
from codetrans.tasks import (
    API,
    COMMENT_JAVA,
    COMMIT,
    DOC_LANGUAGES,
    SUBTASKS,
    SYNTHESIS,
    TASK_TYPES,
    doc_subtask,
)

REPORT_TASK = "__report__"


@dataclass
class BuildConfig:
    """Settings of a corpus build (all serialisable, they travel to worker processes)."""

    tasks: tuple[str, ...] = tuple(TASK_TYPES)  # task types: document, comment, api, commit, summarize, synthesize
    validation: float = 0.05
    test: float = 0.05
    seed: str = "codetrans"  # salt of the split hash; change it to draw other splits
    min_eval: int = 300  # pairs per sub-task in validation and in test, where the data allows
    max_eval_share: float = 0.15  # ... but never more than this share of a sub-task per evaluation split
    num_proc: int = 1
    near_dup_threshold: float | None = 0.8  # None: exact duplicates only
    num_perm: int = 64
    shingle: int = 3
    max_file_bytes: int = 1_000_000
    respect_gitignore: bool = True
    commit_filters: dict = field(default_factory=dict)  # CommitFilters fields
    api_jdk_only: bool = False


def make_row(**kw: object) -> dict:
    """A corpus record with every column of :data:`COLUMNS` (strings; ``references`` a list)."""
    row = {c: "" for c in COLUMNS}
    row["references"] = []
    row.update({k: v for k, v in kw.items() if k in row})
    for c in COLUMNS:
        if c != "references" and not isinstance(row[c], str):
            row[c] = "" if row[c] is None else str(row[c])
    return row


# ------------------------------------------------------------------------------------------ shards
def _research_kind(path: Path) -> bool:
    name = path.name.lower()
    if path.is_file():
        return name.endswith((".jsonl", ".jsonl.gz", ".json", ".diff", ".msg")) or (
            name.endswith(".txt") and "codenn" in [p.lower() for p in path.parts])
    if "codenn" in [p.lower() for p in path.parts] or name in ("nngen", "commits", "algolisp"):
        return True
    if any((path / d).exists() for d in ("codenn", "nngen", "commits")):
        return True
    # A folder of JSONL files (CodeSearchNet, AlgoLisp) with no source code next to them.
    return any(path.glob("*.jsonl")) or any(path.glob("*.jsonl.gz"))


def _is_git_root(path: Path) -> bool:
    return path.is_dir() and (path / ".git").exists()


def plan_shards(specs: list[SourceSpec], config: BuildConfig) -> list[dict]:
    """The units of parallel work: (spec, kind, part, nparts)."""
    shards = []
    tree_parts = max(1, config.num_proc)
    for spec in specs:
        kind = spec.kind or ("research" if _research_kind(spec.path) else "tree")
        if kind == "research":
            shards.append({"spec": spec.spec, "kind": "research", "part": 0, "nparts": 1})
            continue
        if kind in ("tree", "git") and _is_git_root(spec.path) and "commit" in config.tasks:
            shards.append({"spec": spec.spec, "kind": "git", "part": 0, "nparts": 1})
        if kind == "git":
            continue
        big = spec.path.is_dir() or (is_archive(spec.path) and spec.path.stat().st_size > 2_000_000)
        n = tree_parts if big else 1
        shards.extend({"spec": spec.spec, "kind": "tree", "part": i, "nparts": n} for i in range(n))
    # datasets hands each worker a contiguous slice of the list: order by part so the halves of big
    # sources land on different workers.
    shards.sort(key=lambda s: s["part"])
    return shards


def _wants(config: dict, task_type: str) -> bool:
    return task_type in config["tasks"]


def _tree_records(spec: SourceSpec, shard: dict, config: dict, report: SkipReport):
    from collections import Counter as _C

    langs = set()
    if _wants(config, "document"):
        langs.update(DOC_LANGUAGES)
    if _wants(config, "comment") or _wants(config, "api"):
        langs.add("java")
    if spec.lang:
        langs &= {spec.lang}
    if not langs:
        return
    options = WalkOptions(max_bytes=config["max_file_bytes"], respect_gitignore=config["respect_gitignore"],
                          langs=frozenset(langs))
    part, nparts = shard["part"], shard["nparts"]
    stats: _C = _C()
    # Every part walks the whole source; only part 0 counts the file-level skips, so none is counted twice.
    walk_report = report if part == 0 else SkipReport()
    for f in iter_source_files(spec, options, walk_report):
        if nparts > 1 and zlib.crc32(f.path.encode("utf-8", "surrogateescape")) % nparts != part:
            continue
        from codetrans.data.secrets import redact

        text, n_secrets = redact(f.text)  # hard-coded keys never reach a record
        if n_secrets:
            report.skip("secret_redacted", f"{f.source}/{f.path}")
        try:
            funcs = extract_functions(text, f.lang, path=f.path, repo=f.source, stats=stats)
            apis = (extract_api_sequences(text, path=f.path, repo=f.source,
                                                jdk_only=config["api_jdk_only"], stats=stats)
                    if f.lang == "java" and _wants(config, "api") else [])
        except Exception as exc:  # a grammar crash on one file must not end the build
            report.skip("extract_error", f"{f.source}/{f.path}: {type(exc).__name__}")
            continue
        report.keep()
        for fn in funcs:
            source = " ".join(fn["code_tokens"])
            target = " ".join(str(fn.get("summary") or "").split())
            if not source or not target:
                continue
            base = dict(source=source, target=target, lang=f.lang, repo=f.source, path=f.path,
                        func_name=fn.get("func_name", ""), id=f"{f.source}/{f.path}:{fn.get('start_line', '')}",
                        group=f.group)
            if _wants(config, "document"):
                yield make_row(task=doc_subtask(f.lang), **base)
            if f.lang == "java" and _wants(config, "comment"):
                yield make_row(task=COMMENT_JAVA, **base)
        for a in apis:
            seq = a.get("api_seq") or []
            if a.get("query") and seq:
                yield make_row(task=API, source=" ".join(str(a["query"]).split()), target=" ".join(seq),
                           lang="java", repo=f.source, path=f.path, func_name=a.get("func_name", ""),
                           id=f"{f.source}/{f.path}:{a.get('func_name', '')}", group=f.group)
    # Function-level filters of the extractor, so the summary can say what was left out and why.
    for reason, n in stats.items():
        if n and not reason.endswith(("functions", "extracted")):
            report.skip(f"function_{reason}" if not reason.startswith("file_") else reason, n=n)


def _git_records(spec: SourceSpec, config: dict, report: SkipReport):
    filters = CommitFilters(**config["commit_filters"])
    for c in iter_commits(spec.path, filters, report):
        rec = commit_record(c)
        # the date rides in meta: exemplars for a commit may only come from earlier ones (retrieval)
        yield make_row(**rec, group=c["repo"], path=c["files"][0] if c["files"] else "",
                       meta=json.dumps({"date": c["date"]}) if c.get("date") else "")


def _research_records(spec: SourceSpec, config: dict, report: SkipReport):
    p = spec.path
    loads = []
    if p.is_dir():
        from codetrans.data.loaders import load_research_folder

        loads = load_research_folder(p)
    else:
        n = p.name.lower()
        if n.endswith((".diff", ".msg")):
            loads = [load_nngen(p)]
        elif n.endswith(".txt"):
            loads = [load_codenn(p, spec.lang)]
        elif "algolisp" in str(p).lower():
            loads = [load_algolisp(p)]
        else:
            keys = _first_keys(p)
            loads = [load_commits(p) if {"diff", "subject"} <= keys
                     else load_algolisp(p) if "short_tree" in keys else load_codesearchnet(p, spec.lang)]
    refused = reserved()
    for recs in loads:
        report.merge(recs.report, prefix="")
        fname = Path(recs.report.source).name.lower()
        for r in recs:
            if r.get("repo") and refused.source(r["repo"]):
                report.skip("reserved", r["repo"])
                continue
            task_type = SUBTASKS[r["task"]].task_type if r["task"] in SUBTASKS else ""
            if not _wants(config, task_type):
                continue
            # a folder of research files: each record's own file names its split (train/dev/test.jsonl)
            hint = split_hint(str(r.get("file") or fname).lower(), task_type)
            group = r.get("repo") or f"{r['task']}:{r.get('post_id') or r.get('id', '')}"
            meta = {k: r[k] for k in ("args", "tests", "return_type", "tags", "score", "post_id") if k in r}
            if r.get("date"):  # commits: exemplars may only come from earlier ones (retrieval)
                meta["date"] = r["date"]
            yield make_row(**{k: v for k, v in r.items() if k in COLUMNS and k != "meta"}, group=group,
                       split_hint=hint, meta=json.dumps(meta) if meta else "")


_HINTS = (("validation", re.compile(r"(^|[._-])(dev|valid|validation)([._-]|$)")),
          ("test", re.compile(r"(^|[._-])test([._-]|$)")), ("train", re.compile(r"(^|[._-])train([._-]|$)")))


def split_hint(file_name: str, task_type: str = "") -> str:
    """The split a research file's name gives (``python_test_0.jsonl.gz`` -> test, ``dev.txt`` ->
    validation), "" for none. CODE-NN's ``valid.txt`` is the training material of the shared data (its
    ``dev/dev.txt`` is the dev set), so it is split by hash like any other source."""
    name = file_name.lower()
    if task_type == "summarize" and name.startswith("valid"):
        return ""
    if task_type == "commit" and not name.endswith((".diff", ".msg")):
        return ""  # commits files are named owner__repo: a repository called *-dev is no dev set
    for split, rx in _HINTS:
        if rx.search(name):
            return split
    return ""


def _first_keys(path: Path) -> set[str]:
    """Keys of the first JSON object of a JSONL file (to tell commits, AlgoLisp and CodeSearchNet apart)."""
    from codetrans.data.loaders import _iter_json

    for _, obj in _iter_json(path, SkipReport()):
        return set(obj)
    return set()


def _scrub_secrets(rows, report: SkipReport):
    """Every record of every source through the data layer's secret filter: private-key material in a
    commit is dropped (``secret``), other secrets are redacted (``secret_redacted``)."""
    from codetrans.data.secrets import has_private_key, scrub_record

    for row in rows:
        if row.get("task", "").startswith("commit") and has_private_key(row.get("source", "")):
            report.skip("secret", row.get("id") or row.get("repo", ""))
            continue
        if scrub_record(row):
            report.skip("secret_redacted", row.get("id") or row.get("path", ""))
        yield row


def generate(shards: list[dict], config: dict):
    """``Dataset.from_generator`` body: the records of each shard, then one report row per shard."""
    for shard in shards:
        report = SkipReport(shard["spec"].split("::")[0])
        try:
            spec = parse_spec(shard["spec"])
            name = spec.name or source_name(spec.path)
            if shard["kind"] != "research" and reserved().source(name):
                # Counted once per source, not once per parallel part of it.
                if shard["part"] == 0:
                    report.skip("reserved", f"{name} ({shard['spec']})")
                yield make_row(task=REPORT_TASK, meta=json.dumps(report.to_dict()))
                continue
            if shard["kind"] == "research":
                rows = _research_records(spec, config, report)
            elif shard["kind"] == "git":
                rows = _git_records(spec, config, report)
            else:
                rows = _tree_records(spec, shard, config, report)
            yield from _scrub_secrets(rows, report)
        except DataError as exc:
            reason = "repo_without_commits" if "no commits" in str(exc) else f"{shard['kind']}_source_error"
            report.skip(reason, f"{shard['spec']}: {exc}")
        except Exception as exc:  # never lose the whole build to one bad source
            report.skip("source_crash", f"{shard['spec']}: {type(exc).__name__}: {exc}")
        if shard["kind"] == "git":
            report.source = f"git:{report.source}"
        yield make_row(task=REPORT_TASK, meta=json.dumps(report.to_dict()))


# ------------------------------------------------------------------------------------ split, dedup
def assign_splits(rows: dict[str, list], config: BuildConfig) -> list[str]:
    """The split of every row: research hints first, then whole groups in salted-hash order.

    A group goes to validation or test while one of its sub-tasks still lacks pairs there (target:
    ``max(min_eval, share * total)``, capped at ``max_eval_share * total``) and it does not overshoot
    a target by more than the target itself (so one huge package cannot become a whole test set);
    everything else trains. The same corpus and seed always give the same splits."""
    n = len(rows["task"])
    split = list(rows["split_hint"][:n])
    groups: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    have = {"validation": Counter(), "test": Counter()}
    for i in range(n):
        task = rows["task"][i]
        totals[task] += 1
        if split[i]:
            if split[i] in have:
                have[split[i]][task] += 1
        else:
            groups[rows["group"][i]][task] += 1
    share = {"validation": config.validation, "test": config.test}
    target = {s: {t: (min(max(config.min_eval, share[s] * n_t), config.max_eval_share * n_t) if share[s] else 0)
                  for t, n_t in totals.items()} for s in have}

    def rank(g: str) -> int:
        return int.from_bytes(hashlib.sha1(f"{config.seed}\0{g}".encode("utf-8", "surrogatepass")).digest()[:8],
                              "big")

    chosen: dict[str, str] = {}
    for g in sorted(groups, key=rank):
        counts = groups[g]
        # Fill the split that is furthest behind first, so validation and test grow together.
        order = sorted(have, key=lambda s: max((have[s][t] / target[s][t] for t in counts if target[s][t]),
                                               default=1.0))
        for s in order:
            needed = any(have[s][t] < target[s][t] for t in counts)
            fits = all(have[s][t] + c <= 2 * target[s][t] for t, c in counts.items() if target[s][t])
            if needed and fits:
                chosen[g] = s
                have[s].update(counts)
                break
    return [split[i] or chosen.get(rows["group"][i], "train") for i in range(n)]


def _dedup_text(task: str, source: str, target: str) -> str:
    # For text-to-code tasks the input alone is not the item: the same query may have other answers.
    # Commits: the (diff, subject) pair, as the commits corpus' own duplicate filter does.
    return (source + " \u2016 " + target if task in (API, SYNTHESIS, COMMIT)
            else source)


@dataclass
class BuildResult:
    out: Path
    counts: dict  # task -> lang -> split -> n
    skipped: Counter
    examples: dict
    dedup: Counter
    seconds: float
    sources: list[dict]

    def to_dict(self) -> dict:
        return {"out": str(self.out), "counts": self.counts, "skipped": dict(self.skipped),
                "examples": self.examples, "dedup": dict(self.dedup), "seconds": round(self.seconds, 1),
                "sources": self.sources}


def assign_and_dedup(rows: dict[str, list], config: BuildConfig, progress: bool = True
                     ) -> tuple[dict[str, list[int]], Counter]:
    """Indices per split after dropping exact and near duplicates (evaluation splits win)."""
    from codetrans.data.dedup import MinHasher, NearDupIndex, exact_key
    from codetrans.log import progress_bar

    n = len(rows["task"])
    split = assign_splits(rows, config)
    order = sorted(range(n), key=lambda i: (SPLITS.index(split[i]) * -1, i))  # test, validation, train
    seen: dict[bytes, str] = {}
    stats: Counter = Counter()
    keep: dict[str, list[int]] = {s: [] for s in SPLITS}
    hasher = MinHasher(config.num_perm, config.shingle) if config.near_dup_threshold else None
    indexes: dict[str, NearDupIndex] = {}
    for i in progress_bar(order, desc="dedup", unit="rec", disable=not progress, mininterval=2):
        task, s = rows["task"][i], split[i]
        text = _dedup_text(task, rows["source"][i], rows["target"][i])
        key = exact_key(task, text)
        if key in seen:
            stats[f"exact_dup_{'within' if seen[key] == s else 'across'}_splits"] += 1
            continue
        seen[key] = s
        if hasher is not None:
            idx = indexes.get(task)
            if s != "train" or idx is not None:
                sig = hasher.signature(text)
                if idx is not None and idx.query(sig):
                    stats["near_dup_across_splits"] += 1
                    continue
                if s != "train":  # only evaluation items are indexed: near-dups inside train may stay
                    if idx is None:
                        idx = indexes[task] = NearDupIndex(hasher, config.near_dup_threshold)
                    idx.add(sig)
        keep[s].append(i)
    for s in SPLITS:
        keep[s].sort()
    return keep, stats


# ------------------------------------------------------------------------------------------ tables
def count_table(counts: dict) -> list[tuple[str, str, int, int, int]]:
    rows = []
    for task in sorted(counts):
        for lang in sorted(counts[task]):
            c = counts[task][lang]
            rows.append((task, lang, c.get("train", 0), c.get("validation", 0), c.get("test", 0)))
    return rows


# ------------------------------------------------------------------------------------------- build
def build_corpus(sources: list[str | SourceSpec], out: str | Path, config: BuildConfig | None = None,
                 progress: bool = True) -> BuildResult:
    """Build and save a ``DatasetDict`` (train/validation/test) from ``sources`` into ``out``."""
    import datasets

    config = config or BuildConfig()
    unknown = [t for t in config.tasks if t not in TASK_TYPES]
    if unknown:
        raise DataError(f"unknown task(s) {', '.join(unknown)}; choose from {', '.join(TASK_TYPES)}")
    if not sources:
        raise DataError("no sources given")
    specs = [s if isinstance(s, SourceSpec) else parse_spec(str(s)) for s in sources]
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "dataset_dict.json").exists():
        raise DataError(f"output directory {out} exists and is not a corpus; choose an empty or new one")
    t0 = time.time()
    shards = plan_shards(specs, config)
    cfg = asdict(config)
    num_proc = max(1, min(config.num_proc, len(shards)))
    if not progress:
        datasets.disable_progress_bars()
    tmp = Path(tempfile.mkdtemp(prefix="codetrans-build-"))
    try:
        ds = datasets.Dataset.from_generator(
            generate, features=features(), gen_kwargs={"shards": shards, "config": cfg},
            num_proc=num_proc if num_proc > 1 else None, cache_dir=str(tmp), keep_in_memory=True)
        rows = ds.to_dict()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    skipped: Counter = Counter()
    examples: dict = {}
    per_source: dict[str, SkipReport] = {}
    data_idx = []
    for i, task in enumerate(rows["task"]):
        if task == REPORT_TASK:
            rep = SkipReport.from_dict(json.loads(rows["meta"][i]))
            per_source.setdefault(rep.source, SkipReport(rep.source)).merge(rep)
        else:
            data_idx.append(i)
    for rep in per_source.values():
        skipped.update(rep.skipped)
        for reason, ex in rep.examples.items():
            examples.setdefault(reason, []).extend(ex[: max(0, 3 - len(examples.get(reason, [])))])
    rows = {c: [rows[c][i] for i in data_idx] for c in COLUMNS}
    if not rows["task"]:
        raise DataError("no records came out of the sources; the skipped reasons were: "
                        + (", ".join(f"{r} {n}" for r, n in skipped.most_common(8)) or "none"))
    keep, dedup = assign_and_dedup(rows, config, progress=progress)
    save_corpus({s: {c: [rows[c][i] for i in keep[s]] for c in COLUMNS} for s in SPLITS}, out)
    counts: dict = defaultdict(lambda: defaultdict(Counter))
    for s in SPLITS:
        for i in keep[s]:
            counts[rows["task"][i]][rows["lang"][i]][s] += 1
    counts = {t: {lang: dict(c) for lang, c in d.items()} for t, d in counts.items()}
    result = BuildResult(out, counts, skipped, examples, dedup, time.time() - t0,
                         [{"source": k, **v.to_dict()} for k, v in sorted(per_source.items())])
    report = result.to_dict()
    report["config"] = cfg
    report["specs"] = [s.spec for s in specs]
    from codetrans.safeio import safe_write

    safe_write(out / "build_report.json", json.dumps(report, indent=1))
    return result


def corpus_stats(path: str | Path) -> dict:
    """Counts per task / language / split of a saved corpus, plus mean source/target lengths (tokens)."""

    p = Path(path)
    if not (p / "dataset_dict.json").exists():
        raise DataError(f"not a saved corpus (no dataset_dict.json): {p}")
    dd = load_corpus(p)
    counts: dict = defaultdict(lambda: defaultdict(Counter))
    lengths: dict = defaultdict(lambda: [0, 0, 0])
    for s, ds in dd.items():
        cols = ds.select_columns([c for c in ("task", "lang", "source", "target") if c in ds.column_names])
        for batch in cols.iter(batch_size=10_000):
            for i, task in enumerate(batch["task"]):
                lang = batch["lang"][i] if "lang" in batch else ""
                counts[task][lang][s] += 1
                ln = lengths[task]
                ln[0] += 1
                ln[1] += len(batch["source"][i].split())
                ln[2] += len(batch["target"][i].split())
    return {"counts": {t: {lang: dict(c) for lang, c in d.items()} for t, d in counts.items()},
            "mean_tokens": {t: {"source": round(v[1] / v[0], 1), "target": round(v[2] / v[0], 1)}
                            for t, v in lengths.items()}}


def default_num_proc() -> int:
    return max(1, min(4, (os.cpu_count() or 1)))


__all__ = ["BuildConfig", "BuildResult", "build_corpus", "corpus_stats", "count_table",
           "assign_splits", "source_name"]
