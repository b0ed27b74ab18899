"""The API pool corpus (#38): per-project harvested pairs -> deduplicated, split by project, saved.

Input: a folder of JSON-lines files as ``data api-harvest`` writes them (corpus-shaped records, one project
or more per file; a record's ``repo`` names its project). Steps:

1. projects are taken in name order (case-insensitive), so "the first" of duplicates is well defined;
2. **exact duplicates**: the same normalised description (:func:`api_harvest.normalize_query`) and the same
   call sequence (whitespace-collapsed) as an earlier pair are dropped, within or across projects;
3. **near duplicates across projects**: MinHash (``data/dedup.py``) over description + sequence; a pair
   whose estimated Jaccard similarity to a pair kept from an *earlier project* reaches the threshold is
   dropped. Near duplicates inside one project stay: they never cross a split, since splits hold whole
   projects, and overloads documented alike are what real code looks like;
4. **split by project**: projects in the order of a hash of their name fill test, then validation, up to
   ``max(share * pairs, min_pairs)`` each (a project that would take a split past 1.5 times its target is
   passed over); everything else is train. The split is a function of the set of projects: adding projects
   can move a boundary project, so compare models only on one corpus build.

The corpus is saved with :func:`corpus.save_corpus`; ``api_pool_report.json`` beside it holds the counts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from codetrans.data.api_harvest import name_refusal, normalize_query
from codetrans.data.corpus import COLUMNS, SPLITS, save_corpus
from codetrans.errors import DataError
from codetrans.safeio import InputError, read_bytes
from codetrans.tasks import API

log = logging.getLogger(__name__)

REPORT = "api_pool_report.json"
MAX_JSONL_BYTES = 1 << 30  # one project's pairs are a few MB; this only stops a runaway file


@dataclass
class PoolConfig:
    validation: float = 0.05
    test: float = 0.05
    min_pairs: int = 300  # each evaluation split gets at least this many pairs when the pool allows it
    near_dup: float = 0.8  # MinHash Jaccard threshold; 0 = exact duplicates only
    num_perm: int = 64
    shingle: int = 3
    seed: str = "codetrans-api-pool"
    #: project -> "validation" / "test": exactly these projects are evaluated, every other one is train
    #: (a build that adds projects keeps the evaluation splits of an earlier one; see :func:`read_splits`)
    fixed: dict[str, str] | None = None


@dataclass
class PoolResult:
    out: Path
    counts: Counter = field(default_factory=Counter)
    splits: dict[str, dict] = field(default_factory=dict)  # split -> pairs, projects (names)
    projects: dict[str, dict] = field(default_factory=dict)  # name -> read, exact, near, kept, split
    examples: dict[str, list] = field(default_factory=dict)  # kind -> the first dropped pairs, for reading
    seconds: float = 0.0

    def report(self) -> dict:
        c = self.counts
        read = max(1, c["read"])
        return {
            "counts": dict(sorted(c.items())),
            "rates": {"exact_dup": round(c["exact_dup"] / read, 4),
                      "near_dup": round(c["near_dup"] / read, 4),
                      "kept": round(c["kept"] / read, 4)},
            "splits": self.splits, "projects": self.projects, "examples": self.examples,
            "seconds": round(self.seconds, 1)}

    def summary(self) -> str:
        c, s = self.counts, self.splits
        read = max(1, c["read"])
        parts = ", ".join(f"{k} {s[k]['pairs']:,} pairs / {len(s[k]['projects'])} projects" for k in SPLITS)
        return (f"{c['read']:,} pairs of {c['projects']} projects; dropped {c['exact_dup']:,} exact "
                f"({100 * c['exact_dup'] / read:.1f} %) and {c['near_dup']:,} near duplicates "
                f"({100 * c['near_dup'] / read:.1f} %); {parts}; {self.seconds:.1f} s")


def _project_of(path: Path) -> str:
    return path.stem.replace("__", "/", 1)  # the harvest's file naming: owner__name.jsonl


def read_pool(folder: str | os.PathLike) -> dict[str, list[dict]]:
    """Records per project from every ``*.jsonl`` in ``folder``; DataError for a bad folder or line."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a directory (api-pool reads the per-project JSONL files of api-harvest)")
    files = sorted(p for p in folder.iterdir() if p.suffix == ".jsonl" and p.is_file() and not p.is_symlink())
    if not files:
        raise DataError(f"{folder} holds no .jsonl files (write them with `codetrans data api-harvest`)")
    by_project: dict[str, list[dict]] = defaultdict(list)
    source_file: dict[str, Path] = {}
    for path in files:
        try:
            text = read_bytes(path, MAX_JSONL_BYTES).decode("utf-8")
        except (InputError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: {exc}") from exc
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{n}: not JSON ({exc.msg})") from None
            if not isinstance(rec, dict) or not isinstance(rec.get("source"), str) \
                    or not isinstance(rec.get("target"), str):
                raise DataError(f"{path}:{n}: not a pair record (needs string 'source' and 'target')")
            name = str(rec.get("repo") or _project_of(path))
            # One project in two files would count its pairs twice and could not be split whole.
            if source_file.setdefault(name, path) != path:
                raise DataError(f"project {name} appears in {source_file[name].name} and {path.name}")
            by_project[name].append(rec)
    for name in by_project:
        why = name_refusal(name)
        if why:
            raise DataError(f"refused: {why}")
    return dict(by_project)


def _row(rec: dict, project: str, source: str, target: str) -> dict:
    row = {c: rec.get(c, "") for c in COLUMNS if c != "split_hint"}
    row.update(task=API, source=source, target=target, lang="java", repo=project, group=project,
               references=[str(x) for x in rec.get("references") or []])
    for c in ("path", "func_name", "id", "meta"):
        if not isinstance(row[c], str):
            row[c] = json.dumps(row[c], ensure_ascii=False) if row[c] is not None else ""
    return row


def _example(res: PoolResult, kind: str, project: str, source: str, target: str, keep: int = 10) -> None:
    ex = res.examples.setdefault(kind, [])
    if len(ex) < keep:
        ex.append({"project": project, "source": source, "target": target})


def _unit(name: str, seed: str) -> int:
    return int.from_bytes(hashlib.sha1(f"{seed}\0{name}".encode()).digest()[:8], "big")


def read_splits(path: str | os.PathLike) -> dict[str, str]:
    """Project -> evaluation split from a JSON file: ``{"validation": [names], "test": [names]}``, or an earlier
    build's ``api_pool_report.json`` (its ``splits``)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not a readable JSON file of splits ({exc})") from None
    data = data.get("splits", data) if isinstance(data, dict) else data
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected {{\"validation\": [...], \"test\": [...]}}")
    fixed: dict[str, str] = {}
    for s in ("validation", "test"):
        names = data.get(s, [])
        names = names.get("projects", []) if isinstance(names, dict) else names
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise DataError(f"{path}: {s!r} must be a list of project names")
        for n in names:
            if fixed.setdefault(n, s) != s:
                raise DataError(f"{path}: project {n} is in both validation and test")
    return fixed


def assign_projects(sizes: dict[str, int], config: PoolConfig) -> dict[str, str]:
    """Project -> split: in name-hash order, test then validation fill to their targets; the rest is train.
    With ``config.fixed`` exactly its projects are evaluated (in the split it names) and the rest is train."""
    if config.fixed is not None:
        return {name: config.fixed.get(name, "train") for name in sizes}
    total = sum(sizes.values())
    split = {name: "train" for name in sizes}
    order = sorted(sizes, key=lambda n: (_unit(n, config.seed), n))
    for s, share in (("test", config.test), ("validation", config.validation)):
        target = max(share * total, config.min_pairs) if share > 0 else 0
        have = 0
        for name in order:
            if have >= target:
                break
            if split[name] != "train" or not sizes[name]:
                continue
            if have + sizes[name] > 1.5 * target and have:  # overshooting: try a smaller project next
                continue
            # Train always keeps a project: a pool too small for its targets still trains on something.
            if sum(1 for n in order if split[n] == "train" and sizes[n]) <= 1:
                break
            split[name] = s
            have += sizes[name]
    return split


def build_api_pool(folder: str | os.PathLike, out: str | os.PathLike, config: PoolConfig | None = None
                   ) -> PoolResult:
    """Read, deduplicate, split by project and save the pool; the report is written into the corpus."""
    from codetrans.data.dedup import MinHasher, NearDupIndex, exact_key

    config = config or PoolConfig()
    if not (0 <= config.validation and 0 <= config.test and config.validation + config.test < 1):
        raise DataError("validation and test shares must be >= 0 and sum to under 1")
    if not 0 <= config.near_dup <= 1:
        raise DataError("the near-duplicate threshold must be in [0, 1]")
    t0 = time.perf_counter()
    by_project = read_pool(folder)
    if len(by_project) < 3:
        raise DataError(f"{len(by_project)} project(s) in {folder}: a split by project needs at least 3")
    res = PoolResult(out=Path(out))
    c = res.counts
    c["projects"] = len(by_project)
    seen: set[bytes] = set()
    hasher = MinHasher(config.num_perm, config.shingle) if config.near_dup else None
    index = NearDupIndex(hasher, config.near_dup) if hasher else None
    kept: dict[str, list[dict]] = {}
    for name in sorted(by_project, key=lambda n: (n.lower(), n)):
        p = Counter()
        rows, sigs = [], []
        for rec in by_project[name]:
            p["read"] += 1
            source = normalize_query(rec["source"])  # idempotent on harvested text, normalises anything else
            target = " ".join(rec["target"].split())
            if not source or not target:
                p["empty"] += 1
                continue
            text = f"{source} \u2016 {target}"
            key = exact_key(API, text)
            if key in seen:
                p["exact_dup"] += 1
                _example(res, "exact_dup", name, source, target)
                continue
            seen.add(key)
            if index is not None:
                sig = hasher.signature(text)
                if index.query(sig):  # the index holds earlier projects only
                    p["near_dup"] += 1
                    _example(res, "near_dup", name, source, target)
                    continue
                sigs.append(sig)
            rows.append(_row(rec, name, source, target))
        if index is not None:
            for sig in sigs:
                index.add(sig)
        p["kept"] = len(rows)
        kept[name] = rows
        res.projects[name] = {k: p[k] for k in ("read", "empty", "exact_dup", "near_dup", "kept")}
        c.update(p)
    split = assign_projects({n: len(r) for n, r in kept.items()}, config)
    columns: dict[str, dict[str, list]] = {s: defaultdict(list) for s in SPLITS}
    for s in SPLITS:
        names = sorted((n for n in kept if split[n] == s), key=lambda n: (n.lower(), n))
        res.splits[s] = {"pairs": sum(len(kept[n]) for n in names), "projects": names}
        for n in names:
            res.projects[n]["split"] = s
            for row in kept[n]:
                for col, v in row.items():
                    columns[s][col].append(v)
    res.seconds = time.perf_counter() - t0
    report = res.report()
    report["config"] = {k: getattr(config, k) for k in config.__dataclass_fields__}
    report["input"] = str(Path(folder).resolve())
    save_corpus(columns, out, extra_files={REPORT: json.dumps(report, indent=1, ensure_ascii=False) + "\n"})
    res.seconds = time.perf_counter() - t0
    log.info("api-pool: %s -> %s", res.summary(), out)
    return res
