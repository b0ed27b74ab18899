"""Exemplar pools: (input, target, meta) pairs with a BM25 index over the inputs.

Where pools come from:

* :func:`file_pool` — the documented functions of one source file;
* :func:`repository_pool` — the documented functions of a working tree, read through the data layer's
  walker and extractor (:func:`codetrans.data.sources.iter_source_files`,
  :func:`codetrans.lang.extract_functions`), so ``.gitignore``-d, secret-looking, vendored, generated,
  binary and test files are skipped exactly as ``codetrans data build`` skips them; cached by content;
* :func:`history_pool` — (normalised diff, subject) pairs of a git history
  (:func:`codetrans.data.git.iter_commits`, same filters as the corpus); each carries its position in
  ``git rev-list --topo-order --reverse`` and its author time, so a query for a commit only sees
  commits before it (see :func:`codetrans.retrieval.exemplars.nearest`); cached by HEAD;
* :mod:`codetrans.retrieval.index`: a compact file of pools built from the
  training split of a saved corpus, for tasks with no repository (summarization, API sequences);
* :func:`pool_from_pairs` — a caller's own (input, target) pairs.

Inputs are in the model's input format (tree-sitter tokens joined by spaces; normalised diffs),
targets whitespace-collapsed. ``meta`` keys: ``id``, ``path`` (POSIX, relative to ``Pool.root``),
``line``, ``func_name``, ``lang``, ``signature`` for functions; ``sha``, ``date``, ``ts``, ``pos``
for commits; ``h`` (digest of the full input) where inputs are stored truncated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import lzma
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from codetrans.errors import DataError
from codetrans.fs import as_created
from codetrans.retrieval.bm25 import BM25, subtoken_terms

logger = logging.getLogger(__name__)  # progress and summary lines: shown by the CLI (codetrans.log)

#: Bumped whenever what a cached pool holds changes: old cache files then simply miss.
POOL_FORMAT = 3
_CACHE_KEEP = 64  # cache files kept (most recently used)


@dataclass(frozen=True)
class Exemplar:
    """One (input, target) pair of a pool; ``score`` is its BM25 score for the query that found it."""

    input: str
    target: str
    meta: dict = field(default_factory=dict)
    score: float = 0.0

    @property
    def pair(self) -> tuple[str, str]:
        return self.input, self.target


def input_key(text: str) -> str:
    """Digest of an input with whitespace collapsed: two inputs are duplicates when their keys match."""
    return hashlib.blake2b(" ".join(text.split()).encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


class Pool:
    """Exemplars plus a lazily built BM25 index over their inputs (identifier sub-token terms).

    ``kind``: ``file``, ``tree``, ``history``, ``shipped``, ``pairs`` or ``text``. An empty pool is valid (no
    documented functions, no usable commits): ``note`` then says why, for the caller to show.
    """

    def __init__(self, inputs: Sequence[str], targets: Sequence[str], metas: Sequence[dict] | None = None, *,
                 kind: str = "pairs", root: str = "", note: str = "",
                 terms: Callable[[str], list[str]] = subtoken_terms, index: BM25 | None = None):
        if len(inputs) != len(targets) or (metas is not None and len(metas) != len(inputs)):
            raise DataError("pool inputs, targets and metas differ in length")
        self.inputs = list(inputs)
        self.targets = list(targets)
        self.metas = [dict(m) for m in metas] if metas is not None else [{} for _ in self.inputs]
        self.kind, self.root, self.note, self.terms = kind, root, note, terms
        self.partial = False  # cut short by a time budget (never cached)
        self.skipped: dict[str, int] = {}  # entries a tree walk could not or would not read (DISCOVERY_SKIPS)
        self._bm25 = index
        self._keys: dict[str, list[int]] | None = None
        self._where: dict[tuple[str, int], list[int]] | None = None
        self._ids: dict[str, list[int]] | None = None
        self._arrays: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, i: int) -> Exemplar:
        return Exemplar(self.inputs[i], self.targets[i], self.metas[i])

    def __repr__(self) -> str:
        return f"Pool(kind={self.kind!r}, root={self.root!r}, n={len(self)})"

    @property
    def bm25(self) -> BM25 | None:
        """The index (None for an empty pool)."""
        if self._bm25 is None and self.inputs:
            self._bm25 = BM25(self.terms(s) for s in self.inputs)
        return self._bm25

    # ---- lookups used by nearest(): built once per pool, on first use
    def by_key(self, key: str) -> list[int]:
        if self._keys is None:
            self._keys = {}
            for i, (s, m) in enumerate(zip(self.inputs, self.metas)):
                self._keys.setdefault(m.get("h") or input_key(s), []).append(i)
        return self._keys.get(key, [])

    def by_place(self, path: str, line: int) -> list[int]:
        if self._where is None:
            self._where = {}
            for i, m in enumerate(self.metas):
                if m.get("path") and m.get("line") is not None:
                    self._where.setdefault((str(m["path"]), int(m["line"])), []).append(i)
        return self._where.get((path, int(line)), [])

    def by_id(self, ident: str) -> list[int]:
        if self._ids is None:
            self._ids = {}
            for i, m in enumerate(self.metas):
                for k in ("id", "sha"):
                    if m.get(k):
                        self._ids.setdefault(str(m[k]), []).append(i)
        return self._ids.get(ident, [])

    def column(self, key: str, default: Any = None, dtype: Any = object) -> np.ndarray:
        """``meta[key]`` of every exemplar as an array (cached)."""
        name = f"{key}:{np.dtype(dtype).str}"
        if name not in self._arrays:
            self._arrays[name] = np.asarray([m.get(key, default) for m in self.metas], dtype=dtype)
        return self._arrays[name]

    # ---- persistence (cache files and the shipped index share it)
    def _state(self) -> tuple[dict, dict[str, np.ndarray]]:
        doc = {"kind": self.kind, "root": self.root, "note": self.note, "inputs": self.inputs,
               "targets": self.targets, "metas": self.metas, "skipped": self.skipped}
        arrays: dict[str, np.ndarray] = {}
        if self.bm25 is not None:
            arrays = dict(self.bm25.arrays())
            doc["vocab"] = [str(t) for t in arrays.pop("vocab")]
        return doc, arrays

    @classmethod
    def _from_state(cls, doc: dict, arrays: Mapping[str, np.ndarray]) -> Pool:
        index = None
        if doc.get("vocab") is not None and "indptr" in arrays:
            index = BM25.from_arrays({"vocab": doc["vocab"], **{k: arrays[k] for k in
                                                                ("indptr", "post_gap", "post_tf", "doc_len")}})
        pool = cls(doc["inputs"], doc["targets"], None, kind=doc["kind"], root=doc.get("root", ""),
                   note=doc.get("note", ""), index=index)
        if len(doc["metas"]) != len(pool):
            raise DataError("pool file: metas and inputs differ in length")
        pool.metas = doc["metas"]  # freshly parsed: no defensive copy (it costs ms on the cached path)
        pool.skipped = dict(doc.get("skipped") or {})
        return pool


# ------------------------------------------------------------------------------------------- files
def save_pools(path: str | Path, pools: Mapping[str, Pool], *, compressed: bool | str = True,
               info: dict | None = None) -> Path:
    """Write named pools (with their indexes) to one ``.npz`` file, atomically (temp file + rename).

    ``compressed``: True deflates every array (numpy's ``savez_compressed``); ``"xz"`` stores each as an LZMA
    stream instead (about 30 % smaller for an index that ships inside the package, at a second more to load)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    docs, blobs = {}, {}
    for n, (name, pool) in enumerate(pools.items()):
        doc, arrays = pool._state()
        docs[name] = {"slot": n, **doc}
        blobs.update({f"{n}_{k}": v for k, v in arrays.items()})
    header = {"format": POOL_FORMAT, "info": info or {}, "pools": docs}
    blobs["header"] = np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8", "surrogatepass"),
                                    dtype=np.uint8)
    if compressed == "xz":
        shapes = {k: [v.dtype.str, list(v.shape)] for k, v in blobs.items() if k != "header"}
        blobs = {f"{k}{_XZ}": np.frombuffer(lzma.compress(np.ascontiguousarray(v).tobytes()), dtype=np.uint8)
                 for k, v in blobs.items()}
        blobs["shapes"] = np.frombuffer(json.dumps(shapes).encode(), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(prefix=".pool-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            (np.savez_compressed if compressed is True else np.savez)(fh, **blobs)
        os.replace(as_created(tmp), path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


_XZ = "__xz"  # an array stored as an LZMA stream (save_pools(compressed="xz")); "shapes" holds dtype and shape


def _npz_arrays(z: Any) -> dict[str, Any]:
    """Name -> array reader of an opened pool file, LZMA streams decoded on access."""
    if "header" + _XZ not in z.files:
        return {k: (lambda k=k: z[k]) for k in z.files}
    shapes = json.loads(bytes(z["shapes"]).decode())
    shapes["header"] = ["|u1", [-1]]

    def read(k: str) -> np.ndarray:
        dtype, shape = shapes[k]
        return np.frombuffer(lzma.decompress(bytes(z[k + _XZ])), dtype=np.dtype(dtype)).reshape(shape)
    return {k[:-len(_XZ)]: (lambda k=k: read(k[:-len(_XZ)])) for k in z.files if k.endswith(_XZ)}


def load_pools(path: str | Path) -> tuple[dict[str, Pool], dict]:
    """The pools of a :func:`save_pools` file and its ``info``; DataError when unreadable or stale."""
    try:
        with np.load(Path(path), allow_pickle=False) as z:
            arrays = _npz_arrays(z)
            header = json.loads(bytes(arrays["header"]()).decode("utf-8", "surrogatepass"))
            if header.get("format") != POOL_FORMAT:
                raise DataError(f"{path}: pool format {header.get('format')}, expected {POOL_FORMAT}")
            pools = {}
            for name, doc in header["pools"].items():
                n = doc["slot"]
                mine = {k[len(f"{n}_"):]: get() for k, get in arrays.items() if k.startswith(f"{n}_")}
                pools[name] = Pool._from_state(doc, mine)
    except (OSError, ValueError, KeyError, json.JSONDecodeError, EOFError, lzma.LZMAError) as exc:
        raise DataError(f"cannot read exemplar pools from {path}: {exc}") from exc
    return pools, header.get("info", {})


# ------------------------------------------------------------------------------------------- cache
def cache_dir() -> Path:
    """``$CODETRANS_HOME/cache/retrieval`` (CODETRANS_HOME defaults to ``~/.cache/codetrans``, resolved
    as :func:`codetrans.serving.zoo.home` does; not imported from there: retrieval reads only lang and data)."""
    home = Path(os.environ.get("CODETRANS_HOME") or Path.home() / ".cache" / "codetrans")
    return home / "cache" / "retrieval"


def _git_out(root: Path, *args: str) -> bytes | None:
    from codetrans.data.git import run_git
    from codetrans.errors import DataError

    try:
        return run_git(root, *args, timeout=120)
    except DataError:
        return None


def _stat_key(p: Path) -> str:
    try:
        st = p.stat()
    except OSError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _git_head(d: Path) -> tuple[bytes, bytes] | None:
    """(work tree root, HEAD tree hash or ``no-head``) of the repository holding ``d``; None outside git.
    One process for both: each git call costs ~10-15 ms on a busy machine, and the cache budget is 100."""
    out = _git_out(d, "rev-parse", "--show-toplevel", "HEAD^{tree}")
    if out is None:
        out = _git_out(d, "rev-parse", "--show-toplevel")
        out = out + b"no-head\n" if out is not None else None
    if out is None:
        return None
    top, tree = out.rstrip(b"\n").split(b"\n")[:2]
    return top, tree


def content_key(root: str | Path) -> str | None:
    """A digest that changes whenever a file the walker could read under ``root`` changes.

    In a git work tree: the HEAD tree hash, ``git status`` (untracked files listed one by one) and the
    size + mtime of every dirty or untracked file (so editing a dirty file again still changes the key).
    Elsewhere: path, size and mtime of every file outside skipped directories (None: over the budget).
    """
    root = Path(root).resolve()
    return _content_key(root, _git_head(root))


def _content_key(root: Path, head: tuple[bytes, bytes] | None, max_files: int | None = 200_000,
                 max_seconds: float | None = 60.0) -> str | None:
    h = hashlib.sha256(f"{POOL_FORMAT}\0{root}\0".encode("utf-8", "surrogatepass"))
    status = None
    if head is not None:
        status = _git_out(root, "status", "--porcelain=v1", "-z", "--untracked-files=all",
                          "--ignore-submodules=all", "--", ".")
    if status is not None:
        top, tree = head
        gtop = Path(top.decode("utf-8", "surrogateescape"))
        h.update(b"git\0" + tree + b"\0" + status)
        for entry in status.split(b"\0"):
            if len(entry) > 3:
                h.update(_stat_key(gtop / entry[3:].decode("utf-8", "surrogateescape")).encode() + b"\0")
        return h.hexdigest()
    from codetrans.data.sources import SKIP_DIRS

    h.update(b"dir\0")
    start, n = time.monotonic(), 0
    for dirpath, dirnames, filenames in os.walk(root):  # links not followed; unreadable folders left out
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        n += len(filenames)
        late = max_seconds is not None and time.monotonic() - start > max_seconds
        if late or (max_files is not None and n > max_files):
            return None  # too big to fingerprint: built each time, within its own budget
        for f in sorted(filenames):
            p = Path(dirpath, f)
            h.update(f"{p.relative_to(root)}\0{_stat_key(p)}\0".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _cached(kind: str, key_parts: dict, build: Callable[[], Pool], use_cache: bool) -> Pool:
    if not use_cache or any(v is None for v in key_parts.values()):
        return build()
    key = hashlib.sha256(json.dumps({"kind": kind, **key_parts}, sort_keys=True, default=str).encode()).hexdigest()
    path = cache_dir() / f"{kind}-{key[:32]}.npz"
    if path.exists():
        try:
            pools, _ = load_pools(path)
            os.utime(path)  # most recently used: kept by the pruning below
            return pools["pool"]
        except DataError:
            pass  # a corrupt or older file: rebuild over it
    pool = build()
    if pool.partial:
        return pool  # cut short by a budget in seconds: another run may get further
    try:
        # uncompressed: a cache file is read far more often than written, and inflating costs time
        save_pools(path, {"pool": pool}, compressed=False)
        _prune(path.parent)
    except OSError:
        pass  # a read-only or full home: the pool is still right, only the next call is slower
    return pool


def _prune(folder: Path, keep: int = _CACHE_KEEP) -> None:
    try:
        files = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


# --------------------------------------------------------------------------------------- functions
def _signature(code: str, tokens: Sequence[str], limit: int = 32) -> str:
    """The function's tokens up to the end of its first source line (its signature, mostly)."""
    first = "".join(code.split("\n", 1)[0].split())
    out, n = [], 0
    for t in tokens[:limit]:
        if n >= len(first):
            break
        out.append(t)
        n += len("".join(t.split()))
    return " ".join(out)


def _function_items(records: Iterable[dict]) -> tuple[list[str], list[str], list[dict]]:
    inputs, targets, metas = [], [], []
    for fn in records:
        source = " ".join(fn["code_tokens"])
        target = " ".join(str(fn.get("summary") or "").split())
        if not source or not target:
            continue
        inputs.append(source)
        targets.append(target)
        metas.append({"id": f"{fn['path']}:{fn['start_line']}", "path": fn["path"], "line": fn["start_line"],
                      "func_name": fn.get("func_name", ""), "lang": fn.get("language", ""),
                      "signature": _signature(fn.get("code", ""), fn["code_tokens"])})
    return inputs, targets, metas


@dataclass(frozen=True)
class TreeOptions:
    """What a repository pool reads; the defaults are those of ``codetrans data build``."""

    langs: tuple[str, ...] | None = None  # None: every language the extractor supports
    max_file_bytes: int = 1_000_000
    respect_gitignore: bool = True
    apply_filters: bool = True  # skip vendored, generated and test files, as the corpus does
    # the extractor's one-liner/accessor/short-doc/boilerplate filters: a corpus wants them, a user's pool
    # does not (a documented accessor is the best neighbour another accessor has)
    function_filters: bool = False
    # the walk's budget (files of a known language, seconds); a folder the user names gets EXPLICIT_TREE's
    max_files: int | None = 20_000
    max_seconds: float | None = 60.0


DISCOVERY_SKIPS = frozenset({"unreadable", "broken_symlink", "symlink_loop", "symlink_outside",  # a user hears
                             "not_a_regular_file", "budget_files", "budget_seconds"})  # of these (not the routine)
EXPLICIT_TREE = TreeOptions(max_files=200_000, max_seconds=600.0)  #: a folder the user named: further


def _extract_langs(langs: Sequence[str] | None) -> frozenset[str]:
    from codetrans.data.sources import EXT_LANG
    from codetrans.lang import EXTRACT_LANGUAGES

    usable = set(EXTRACT_LANGUAGES) & set(EXT_LANG.values())
    return frozenset(usable & set(langs) if langs else usable)


def file_pool(path: str | Path, lang: str | None = None, *, apply_filters: bool = True) -> Pool:
    """The documented functions of one file (paths in ``meta`` are the file name; ``root`` its
    folder). A secret-looking, binary or unsupported file gives an empty pool with a ``note``."""
    from codetrans.data.report import SkipReport
    from codetrans.data.sources import SourceSpec, WalkOptions, iter_source_files
    from codetrans.lang import extract_functions

    p = Path(path)
    report = SkipReport()
    opts = WalkOptions(langs=_extract_langs([lang] if lang else None))
    records: list[dict] = []
    for f in iter_source_files(SourceSpec(p, lang=None, name=p.name), opts, report):
        records.extend(extract_functions(f.text, f.lang, path=f.path, repo=f.source, apply_filters=apply_filters))
    inputs, targets, metas = _function_items(records)
    note = "" if inputs else (f"no documented functions in {p}"
                              + (f" (skipped: {', '.join(sorted(report.skipped))})" if report.skipped else ""))
    return Pool(inputs, targets, metas, kind="file", root=str(p.resolve().parent), note=note)


def text_pool(text: str, lang: str) -> Pool:
    """The documented functions of a pasted source text (the demo's context box); every documented
    function counts (no test/one-liner filters: the user chose them). Empty, with a ``note``, when none."""
    from codetrans.lang import extract_functions

    try:
        records = extract_functions(text, lang, path="<context>", apply_filters=False)
    except ValueError:  # a language without function extraction
        records = []
    inputs, targets, metas = _function_items(records)
    note = "" if inputs else f"no documented {lang} functions in the context"
    return Pool(inputs, targets, metas, kind="text", note=note)


def context_root(path: str | Path) -> Path:
    """The pool root for a file: its git work tree root, else its folder; a directory is its own root."""
    return _root_and_head(path)[0]


def _root_and_head(path: str | Path) -> tuple[Path, tuple[bytes, bytes] | None]:
    p = Path(path).resolve()
    d = p if p.is_dir() else p.parent
    head = _git_head(d)
    if p.is_dir():  # a folder named as the pool (a sub-project of a larger repository): just that folder
        return p, head
    return (Path(head[0].decode("utf-8", "surrogateescape")) if head else d), head


def _build_tree(root: Path, options: TreeOptions) -> Pool:
    from collections import Counter

    from codetrans.data.report import SkipReport
    from codetrans.data.sources import SourceSpec, WalkOptions, iter_source_files
    from codetrans.lang import extract_functions
    from codetrans.lang.extract import skip_file_reason

    t0 = time.monotonic()
    shown, budget = [t0], f"{options.max_files or 'any number of'} source files / {options.max_seconds} s"

    def progress(seen: int, elapsed: float) -> None:
        if time.monotonic() - shown[0] >= 5.0:  # one line every 5 s: alive, not noisy
            shown[0] = time.monotonic()
            logger.info("context: indexing %s: %d source files seen in %.0f s (budget %s)", root, seen, elapsed,
                        budget)

    walk = WalkOptions(options.max_file_bytes, respect_gitignore=options.respect_gitignore, progress=progress,
                       langs=_extract_langs(options.langs), max_files=options.max_files, max_seconds=options.max_seconds)
    report = SkipReport()
    stats: Counter = Counter()
    records: list[dict] = []
    files = 0
    # name= given: the walker would otherwise ask git for the remote, which a pool does not need
    for f in iter_source_files(SourceSpec(root, name=root.name), walk, report):
        files += 1
        if options.apply_filters and skip_file_reason(f.path, f.text[:2000]):
            report.skip("file_filtered", f.path)
            continue
        try:
            records.extend(extract_functions(f.text, f.lang, path=f.path, repo=f.source, stats=stats,
                                             apply_filters=options.function_filters))
        except Exception:  # noqa: BLE001 - a grammar crash on one file must not lose the pool (as in build)
            report.skip("extract_error", f.path)
    inputs, targets, metas = _function_items(records)
    pool = Pool(inputs, targets, metas, kind="tree", root=str(root),
                note="" if inputs else f"no documented functions found under {root}; generating without context")
    pool.partial = "budget_seconds" in report.skipped  # a time cut is not reproducible: never cached
    pool.skipped = {k: n for k, n in report.skipped.items() if k in DISCOVERY_SKIPS}  # the policy's line shows them
    took = time.monotonic() - t0
    logger.log(logging.INFO if took >= 5 else logging.DEBUG, "context: indexed %s: %d documented functions from "
               "%d source files in %.1f s", root, len(inputs), files, took)  # after progress lines: the end
    if {"budget_files", "budget_seconds"} & set(report.skipped):
        logger.warning("context: indexing %s stopped at the budget (%s): the index is partial", root, budget)
    return pool


def repository_pool(path: str | Path, options: TreeOptions | None = None, *, cache: bool = True) -> Pool:
    """The documented functions of the working tree containing ``path`` (git root, else the folder),
    cached under :func:`cache_dir` by :func:`content_key`, within ``options``' budget."""
    options = options or TreeOptions()
    root, head = _root_and_head(path)
    key = _content_key(root, head, options.max_files, options.max_seconds)
    return _cached("tree", {"root": str(root), "content": key, "options": asdict(options)},
                   lambda: _build_tree(root, options), cache)


def parse_time(date: str) -> float | None:
    """Seconds since the epoch of an ISO-8601 date (git's ``%aI``), None when absent or unparsable."""
    if not date:
        return None
    try:
        return datetime.fromisoformat(date.strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def history_pool(path: str | Path, *, max_commits: int | None = 500, filters: Any = None,
                 cache: bool = True) -> Pool:
    """(normalised diff, subject) pairs of the repository's history (the corpus' commit filters), the
    ``max_commits`` most recent kept ones; cached by HEAD (a new commit rebuilds it: ~2 git processes
    per examined commit, tens of ms each on a busy machine). DataError when ``path`` is no repository."""
    from codetrans.data.git import CommitFilters, iter_commits, repo_root

    root = repo_root(path)
    f = filters or CommitFilters(max_records=max_commits)
    head = _git_out(root, "rev-parse", "-q", "--verify", f"{f.rev}^{{commit}}")
    if head is None:
        return Pool([], [], kind="history", root=str(root), note=f"no commits in {root}; no history context")

    def build() -> Pool:
        from codetrans.lang import normalize_diff

        order = (_git_out(root, "rev-list", "--topo-order", "--reverse", f.rev) or b"").split()
        pos = {sha.decode(): i for i, sha in enumerate(order)}
        rows = list(iter_commits(root, f))
        rows.reverse()  # oldest first: pools read like history
        inputs = [normalize_diff(c["diff"]) for c in rows]
        targets = [" ".join(c["subject"].split()) for c in rows]
        metas = [{"sha": c["sha"], "date": c["date"], "ts": parse_time(c["date"]), "pos": pos.get(c["sha"], -1)}
                 for c in rows]
        note = "" if rows else f"no usable commits in {root}; no history context"
        return Pool(inputs, targets, metas, kind="history", root=str(root), note=note)

    return _cached("history", {"root": str(root), "head": head.decode().strip(), "filters": asdict(f)}, build, cache)


# -------------------------------------------------------------------------------------- pairs/shipped
def pool_from_pairs(pairs: Iterable[tuple[str, str]] | Iterable[Mapping[str, Any]]) -> Pool:
    """A pool of a caller's own pairs: ``(input, target)`` tuples or dicts with input/target(/meta)."""
    inputs, targets, metas = [], [], []
    for p in pairs:
        if isinstance(p, Mapping):
            inputs.append(str(p["input"]))
            targets.append(str(p["target"]))
            metas.append(dict(p.get("meta") or {}))
        else:
            a, b = p
            inputs.append(str(a))
            targets.append(str(b))
            metas.append({})
    return Pool(inputs, targets, metas, kind="pairs")


def pool_for_context(context: str | Path | Pool | Iterable[Any], *, history: bool = False,
                     explicit: bool = True) -> Pool:
    """What a ``context=`` argument means: a :class:`Pool` as is; a path -> its repository's pool
    (``history=True``: its git history, for commit messages); anything else -> (input, target) pairs.
    ``explicit``: the user named the path (the larger budget, :data:`EXPLICIT_TREE`)."""
    if isinstance(context, Pool):
        return context
    if isinstance(context, str | os.PathLike):
        return history_pool(context) if history else repository_pool(context, EXPLICIT_TREE if explicit
                                                                       else TreeOptions())
    return pool_from_pairs(context)


__all__ = ["Exemplar", "Pool", "TreeOptions", "cache_dir", "content_key", "context_root",
           "file_pool", "history_pool", "input_key", "load_pools", "parse_time",
           "pool_for_context", "pool_from_pairs", "repository_pool", "save_pools", "text_pool"]
