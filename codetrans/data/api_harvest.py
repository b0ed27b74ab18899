"""(Javadoc first sentence -> JDK-only call sequence) pairs from the source tree of a Java project.

The JDK-source pool (``data build --api-jdk-only`` on openjdk) pairs descriptions with code that
*implements* the JDK; queries come from code that *uses* it (issue #38). This harvester walks an
application's tree and keeps, for every documented method, the calls its body makes on JDK types:

- files: ``*.java`` under the root; tests, generated, vendored and build-output folders, symbolic links
  that leave the root and files over ``max_file_bytes`` are skipped (counted in ``skipped``);
- calls: ``Type.method`` / ``Type.new`` as :func:`codetrans.lang.api.extract_api_sequences` reads them,
  kept only when ``Type`` resolves to ``java.*`` / ``javax.*`` through the file's explicit imports, then
  ``java.lang``, then a ``java.*`` wildcard import (only when no other wildcard could supply the name and
  the project declares no type of that name); anything else is dropped, never guessed;
- descriptions: the Javadoc's first sentence, lower-cased and tokenised like benchmark queries
  (:func:`normalize_query`);
- pairs with no JDK call are dropped; exact (description, sequence) duplicates are kept once.

Projects reserved for independent evaluation (:mod:`codetrans.data.reserved`) are refused by name.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codetrans.data.corpus import COLUMNS
from codetrans.data.reserved import reserved
from codetrans.errors import DataError
from codetrans.lang.docstrings import normalize_query
from codetrans.safeio import InputError, read_bytes, safe_write
from codetrans.tasks import API, VENDORED_DIRS

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000
# Build outputs and generated sources: not what a developer wrote (VENDORED_DIRS adds third-party code).
_SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".idea", ".gradle", ".mvn", "target", "build", "out", "bin", "generated",
    "generated-sources", "generated-test-sources", "gen", "test", "tests", "testing", "testdata", "test-data",
    "integration-test", "integrationtest", "testfixtures", "jmh",
}) | VENDORED_DIRS
_SKIP_PATHS = re.compile(r"(^|/)src/(it|test|testFixtures|jmh)/")  # Maven/Gradle test source sets
_IMPORT = re.compile(rb"^\s*import\s+(static\s+)?([\w.]+?)(\.\*)?\s*;", re.M)
_PACKAGE = re.compile(rb"^\s*package\s+([\w.]+)\s*;", re.M)
_DECLARED = re.compile(rb"\b(?:class|interface|enum|record)\s+([A-Z]\w*)")
_TYPE_PARAM = re.compile(rb"[<,]\s*([A-Z]\w*)\s+extends\b")
_TYPE_VAR = re.compile(r"^[A-Z][A-Z0-9]?$")  # T, K, V, E1: type variables, never JDK classes
_JDK = ("java.", "javax.")


@dataclass
class ApiHarvest:
    """What one harvest produced: corpus-shaped records and the counts of every step."""

    records: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    projects: dict[str, dict] = field(default_factory=dict)  # name -> files, methods, pairs, kept, seconds

    def summary(self) -> str:
        c = self.counts
        return (f"{c['files']:,} files, {c['methods']:,} documented methods, {c['pairs']:,} pairs, "
                f"{c['kept']:,} kept after dedup ({c['duplicates']:,} duplicates), {c['seconds']:.1f} s")


def project_name(root: str | os.PathLike, name: str | None = None) -> str:
    """The name a project is recorded (and checked against the reserved list) under."""
    return (name or Path(root).resolve().name).strip()


def name_refusal(name: str) -> str | None:
    """Why a project name may not be used (reserved for evaluation), or None: the name part of :func:`refusal`."""
    r = reserved()
    bare = name.lower().replace("__", "/").rsplit("/", 1)[-1]
    if r.source(name) or r.package(bare) or any(repo.rsplit("/", 1)[-1] == bare for repo in r.repos):
        return f"{name} is reserved for independent evaluation (codetrans/data/reserved.tsv)"
    return None


def refusal(root: str | os.PathLike, name: str) -> str | None:
    """Why a project may not be harvested (reserved for evaluation), or None.

    The name is checked as a package or ``owner/name`` and, since an exported tree has lost its owner, a
    bare name that equals a reserved repository's name is refused too; a root ``pom.xml`` is checked as
    ``groupId:artifactId`` (the Maven column of the list).
    """
    why = name_refusal(name)
    if why:
        return why
    r = reserved()
    pom = Path(root) / "pom.xml"
    if pom.is_file() and not pom.is_symlink():
        try:
            head = read_bytes(pom, MAX_FILE_BYTES).decode("utf-8", "replace")
        except InputError:
            return None
        # The project's own ids come before its dependencies, build and modules (which name other projects).
        head = re.split(r"<(?:dependencies|dependencyManagement|build|modules|profiles|properties)>", head)[0]
        parent = re.search(r"<parent>(.*?)</parent>", head, flags=re.S)
        own = re.sub(r"<parent>.*?</parent>", "", head, flags=re.S)
        group = re.search(r"<groupId>\s*([^<\s]+)\s*</groupId>", own) or (
            re.search(r"<groupId>\s*([^<\s]+)\s*</groupId>", parent.group(1)) if parent else None)
        artifact = re.search(r"<artifactId>\s*([^<\s]+)\s*</artifactId>", own)
        if group and artifact and r.package(f"{group.group(1)}:{artifact.group(1)}"):
            return f"{name} is {group.group(1)}:{artifact.group(1)}, reserved for independent evaluation"
    return None


def iter_java_files(root: Path, counts: Counter, max_file_bytes: int = MAX_FILE_BYTES) -> Iterator[tuple[Path, str]]:
    """(path, path relative to root) of the Java sources worth reading, in a stable order."""
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        kept_dirs = []
        for d in sorted(dirnames):
            if d.lower() in _SKIP_DIRS or d.startswith(".") or _SKIP_PATHS.search(
                    Path(dirpath, d).relative_to(root).as_posix() + "/"):
                counts["skipped_dirs"] += 1
            else:
                kept_dirs.append(d)
        dirnames[:] = kept_dirs
        for fname in sorted(filenames):
            if not fname.endswith(".java"):
                continue
            path = Path(dirpath) / fname
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(real_root):
                    counts["skipped_symlink_out"] += 1
                    continue
            try:
                size = path.stat().st_size
            except OSError:
                counts["skipped_unreadable"] += 1
                continue
            if size > max_file_bytes:
                counts["skipped_large"] += 1
                continue
            yield path, rel


@dataclass
class _Resolver:
    """Simple type name -> fully qualified JDK name, or None, for one file."""

    explicit: dict[str, str]
    wildcards: list[str]
    package: str
    local_types: frozenset[str]

    @classmethod
    def of(cls, src: bytes, project_types: frozenset[str]) -> _Resolver:
        explicit, wildcards = {}, []
        for m in _IMPORT.finditer(src):
            full = m.group(2).decode("ascii", "replace")
            if m.group(3):
                wildcards.append(full)
            elif not m.group(1) or full.rsplit(".", 1)[-1][:1].isupper():
                explicit[full.rsplit(".", 1)[-1]] = full  # a static import of a nested type is a type too
        pkg = _PACKAGE.search(src)
        local = {m.group(1).decode("ascii", "replace") for m in _DECLARED.finditer(src)}
        local |= {m.group(1).decode("ascii", "replace") for m in _TYPE_PARAM.finditer(src)}
        return cls(explicit, wildcards, pkg.group(1).decode("ascii", "replace") if pkg else "",
                   frozenset(local) | project_types)

    def resolve(self, simple: str) -> str | None:
        from codetrans.lang.api import JAVA_LANG

        full = self.explicit.get(simple)
        if full is not None:
            return full if full.startswith(_JDK) else None
        if self.package.startswith(_JDK):
            return f"{self.package}.{simple}"
        if simple in self.local_types or _TYPE_VAR.match(simple):
            return None  # the project's own class (or a type variable) shadows java.lang and wildcards
        if simple in JAVA_LANG:
            return f"java.lang.{simple}"
        jdk_wild = [w for w in self.wildcards if w.startswith(_JDK)]
        if jdk_wild and len(jdk_wild) == len(self.wildcards):
            return f"{jdk_wild[0]}.{simple}" if len(jdk_wild) == 1 else f"java.*.{simple}"
        return None


def _project_types(files: list[tuple[Path, str]], counts: Counter) -> frozenset[str]:
    """Every type name the project declares (file names and declarations): they are never JDK types."""
    names = {p.stem for p, _ in files}
    for path, _ in files:
        try:
            names |= {m.group(1).decode("ascii", "replace") for m in _DECLARED.finditer(read_bytes(path))}
        except InputError:
            continue
    return frozenset(names)


def _row(**kw: str) -> dict:
    row = {c: "" for c in COLUMNS if c != "split_hint"}
    row["references"] = []
    row.update(kw)
    return row


def harvest_project(root: str | os.PathLike, name: str | None = None, result: ApiHarvest | None = None,
                    max_file_bytes: int = MAX_FILE_BYTES, seen: set[tuple[str, str]] | None = None) -> ApiHarvest:
    """Add one project's pairs to ``result`` (a new one by default); DataError for a reserved project."""
    from codetrans.lang.api import extract_api_sequences
    from codetrans.lang.extract import skip_file_reason

    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root} is not a directory (api-harvest reads a Java project's source tree)")
    name = project_name(root, name)
    why = refusal(root, name)
    if why:
        raise DataError(f"refused: {why}")
    result = result if result is not None else ApiHarvest()
    seen = seen if seen is not None else set()
    t0 = time.perf_counter()
    c = Counter()
    files = list(iter_java_files(root, c, max_file_bytes))
    types = _project_types(files, c)
    ids: Counter = Counter()
    for path, rel in files:
        try:
            src = read_bytes(path, max_file_bytes)
        except InputError as exc:
            c["skipped_unreadable"] += 1
            log.debug("api-harvest: %s", exc)
            continue
        why_skip = skip_file_reason(rel, src[:2000].decode("utf-8", "replace"))
        if why_skip:
            c[f"skipped_{why_skip}"] += 1
            continue
        c["files"] += 1
        stats: Counter = Counter()
        try:
            recs = extract_api_sequences(src, path=rel, repo=name, stats=stats, apply_filters=False)
        except (ValueError, RecursionError) as exc:  # a file tree-sitter cannot take: skip it, keep going
            c["skipped_unparsable"] += 1
            log.debug("api-harvest: %s: %s", rel, exc)
            continue
        c["methods"] += stats["api_extracted"] + stats["api_no_calls"]
        resolver = _Resolver.of(src, types)
        for rec in recs:
            calls = [call for call in rec["api_seq"] if resolver.resolve(call.split(".", 1)[0])]
            query = normalize_query(rec["query"])
            if not query:
                c["dropped_empty_description"] += 1
                continue
            if not calls:
                c["dropped_no_jdk_call"] += 1
                continue
            c["pairs"] += 1
            target = " ".join(calls)
            if (query, target) in seen:
                c["duplicates"] += 1
                continue
            seen.add((query, target))
            func = rec["func_name"] or ""
            rid = f"{name}/{rel}:{func}"
            ids[rid] += 1
            if ids[rid] > 1:  # overloads share a name
                rid += f"#{ids[rid]}"
            result.records.append(_row(task=API, source=query, target=target, lang="java", repo=name, path=rel,
                                       func_name=func, id=rid, group=name,
                                       meta=json.dumps({"description": rec["query"]}, ensure_ascii=False)))
            c["kept"] += 1
    c["seconds"] = round(time.perf_counter() - t0, 3)
    result.projects[name] = {"files": c["files"], "methods": c["methods"], "pairs": c["pairs"], "kept": c["kept"],
                             "seconds": c["seconds"]}
    result.counts.update(c)
    log.info("api-harvest %s: %s", name, {k: c[k] for k in ("files", "methods", "pairs", "kept")})
    return result


def harvest_api_pairs(roots: Sequence[str | os.PathLike], names: Sequence[str] | None = None,
                      max_file_bytes: int = MAX_FILE_BYTES) -> ApiHarvest:
    """Harvest several project trees (deduplicated across all of them); every project is checked first."""
    names = list(names or [])
    if len(names) > len(roots):
        raise DataError(f"{len(names)} names for {len(roots)} directories")
    named = [(r, names[i] if i < len(names) else None) for i, r in enumerate(roots)]
    for root, name in named:  # refuse before anything is read, so a reserved project leaves no partial output
        if not Path(root).is_dir():
            raise DataError(f"{root} is not a directory (api-harvest reads a Java project's source tree)")
        why = refusal(root, project_name(root, name))
        if why:
            raise DataError(f"refused: {why}")
    result, seen = ApiHarvest(), set()
    t0 = time.perf_counter()
    for root, name in named:
        harvest_project(root, name, result, max_file_bytes, seen)
    result.counts["seconds"] = round(time.perf_counter() - t0, 3)
    return result


def write_jsonl(result: ApiHarvest, out: str | os.PathLike) -> Path:
    """The records as JSON lines, written atomically (never through a symbolic link)."""
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in result.records)
    safe_write(out, text)
    return Path(out)
