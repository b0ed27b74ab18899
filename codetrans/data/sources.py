"""Source files from directory trees and archives, with every skipped file counted.

A *source* is a directory (a checkout, an installed library, a standard library), an archive (``.zip``
such as a JDK ``src.zip``, ``.whl``/``.jar``, ``.tar.gz``/``.tgz``/``.tar.xz``/``.tar.bz2``/``.tar``,
a Debian ``.deb``) or a research file/folder. A *spec* names one on the command line, optionally with
options after ``::``::

    /usr/lib/python3.11::lang=python,group=dir,name=python-stdlib
    cache/apt/golang-1.19-src_1.19.8-2_all.deb::lang=go,group=dir

``lang`` keeps only that language's files; ``name`` is the package/repository name (default: from the
git remote, the ``.deb``/npm/wheel file name, or the directory name); ``group=dir`` splits by the
file's directory (= Java/Go/Python package) instead of by the whole source, for big umbrella trees.

Skipped, with a counted reason: vendored/generated/build directories (node_modules, vendor,
third_party, build, dist, .git ...), git-ignored files (inside a git work tree), files of no known
language, binaries (NUL bytes), undecodable text, oversized and empty files, minified JavaScript,
symlink loops, links pointing outside the tree and broken links, unreadable files, and files that look
like secrets (``.env``, private keys, credential files, PEM private-key content: reason ``secret``),
which are never read into a dataset.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import subprocess
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from codetrans.data.report import SkipReport
from codetrans.data.secrets import looks_like_private_key, looks_secret
from codetrans.errors import DataError
from codetrans.tasks import EXTENSIONS, VENDORED_DIRS, normalize_lang

#: File extension -> language (the task registry's one map).
EXT_LANG: dict[str, str] = EXTENSIONS
#: Directory names never descended into: vendored code, generated files, build output, VCS, caches.
SKIP_DIRS: frozenset[str] = VENDORED_DIRS | frozenset({
    "build", "dist", "out", "target", ".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".venv", "venv",
    ".mypy_cache", ".pytest_cache", "site-packages", "dist-packages", ".eggs", "generated", "gen",
    "min", "coverage", ".idea", ".vscode", ".gradle", ".next", ".cache",
})
ARCHIVE_SUFFIXES = (".zip", ".whl", ".jar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar",
                    ".deb")


@dataclass
class WalkOptions:
    """What counts as a usable source file, and how much of a directory tree to walk."""

    max_bytes: int = 1_000_000  # larger files are almost always generated or data
    skip_dirs: frozenset[str] = SKIP_DIRS
    respect_gitignore: bool = True
    langs: frozenset[str] | None = None  # None: every language in EXT_LANG
    # A budget for directory trees (None: none): the walk stops after this many files of a known language or
    # seconds, counting ``budget_files`` / ``budget_seconds`` in the report, so that a folder such as ``/``
    # or a site-packages cannot hold a caller for minutes.
    max_files: int | None = None
    max_seconds: float | None = None
    # called about every second of a directory walk with (files of a known language seen, seconds)
    progress: Callable[[int, float], None] | None = None


@dataclass
class SourceSpec:
    path: Path
    lang: str | None = None
    name: str | None = None
    group: str = "source"  # "source" or "dir"
    kind: str | None = None  # tree, archive, git, research (None: detect)
    options: dict = field(default_factory=dict)

    @property
    def spec(self) -> str:
        opts = {"lang": self.lang, "name": self.name, "kind": self.kind, **self.options}
        if self.group != "source":
            opts["group"] = self.group
        tail = ",".join(f"{k}={v}" for k, v in opts.items() if v)
        return f"{self.path}::{tail}" if tail else str(self.path)


@dataclass
class SourceFile:
    """One decoded source file."""

    source: str  # package / repository name
    path: str  # path inside the source, POSIX style
    lang: str
    text: str
    group: str  # split key: never split below this unit


def parse_spec(text: str) -> SourceSpec:
    """``PATH[::key=value,...]`` -> :class:`SourceSpec` (keys: lang, name, group, kind)."""
    path, _, opts = text.strip().partition("::")
    spec = SourceSpec(Path(os.path.expanduser(path)))
    for item in filter(None, (o.strip() for o in opts.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise DataError(f"bad source option {item!r} in {text!r}; expected key=value")
        if key == "lang":
            spec.lang = normalize_lang(value)
        elif key == "name":
            spec.name = value
        elif key == "group":
            if value not in ("source", "dir"):
                raise DataError(f"group must be 'source' or 'dir', got {value!r}")
            spec.group = value
        elif key == "kind":
            spec.kind = value
        else:
            spec.options[key] = value
    if not spec.path.exists() and not spec.path.is_symlink():
        raise DataError(f"source not found: {spec.path}")
    return spec


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def source_name(path: Path) -> str:
    """A package/repository name for a path: ``name`` of ``name_1.2_all.deb``, ``lodash`` of
    ``lodash-4.17.21.tgz``, ``flask`` of ``flask-3.0-py3-none-any.whl``, the git remote of a work tree,
    else the file or directory name."""
    n = path.name
    low = n.lower()
    if low.endswith(".deb"):
        return n.split("_", 1)[0]
    if low.endswith(".whl"):
        return n.split("-", 1)[0].lower()
    for suf in (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar", ".zip", ".jar"):
        if low.endswith(suf):
            stem = n[: -len(suf)]
            m = re.match(r"(.+?)-v?\d+(?:\.\d+)*(?:[-.+]\w+)*$", stem)
            return m.group(1) if m else stem
    if path.is_dir():
        try:
            from codetrans.data.git import repo_name, repo_root

            root = repo_root(path)
            if root.resolve() == path.resolve():
                return repo_name(root)
        except DataError:
            pass
    return path.resolve().name or str(path)


# ------------------------------------------------------------------------------------ file checks
def _language(path: str, options: WalkOptions, report: SkipReport, where: str) -> str | None:
    if looks_secret(path):
        report.skip("secret", where)
        return None
    low = path.lower()
    lang = EXT_LANG.get(PurePosixPath(low).suffix)
    if lang is None or (options.langs is not None and lang not in options.langs):
        report.skip("not_source", where)
        return None
    if low.endswith((".min.js", "-min.js", ".bundle.js", ".pack.js")):
        report.skip("minified", where)
        return None
    return lang


def decode_source(data: bytes, report: SkipReport, where: str, max_bytes: int) -> str | None:
    """Text of a candidate file, or None with the reason counted (empty, oversized, secret, binary,
    non_utf8, minified)."""
    if not data.strip():
        report.skip("empty_file", where)
        return None
    if len(data) > max_bytes:
        report.skip("oversized", where)
        return None
    if looks_like_private_key(data):
        report.skip("secret", where)
        return None
    if b"\0" in data[:8192]:
        report.skip("binary", where)
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        report.skip("non_utf8", where)
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    # Minified/bundled code: few, very long lines.
    if len(text) > 2000 and text.count("\n") < len(text) / 1000:
        report.skip("minified", where)
        return None
    return text


def _skip_dir(parts: tuple[str, ...], options: WalkOptions) -> bool:
    return any(p in options.skip_dirs or (p.startswith(".") and p not in (".", "..")) for p in parts)


def _group(spec: SourceSpec, name: str, rel: str) -> str:
    if spec.group == "dir":
        parent = str(PurePosixPath(rel).parent)
        return f"{name}:{'' if parent == '.' else parent}"
    return name


# ------------------------------------------------------------------------------------ directories
def _git_listed(root: Path) -> set[str] | None:
    """Files git would track under ``root`` (tracked + untracked, minus ignored), relative to root;
    None when ``root`` is not inside a git work tree."""
    from codetrans.data.git import git_succeeds, listed_files

    listed = listed_files(root)
    if listed is None:
        return None
    # A tree the enclosing repository ignores as a whole (e.g. an interpreter installed under a pyenv
    # checkout) is not that repository's source: walk it as a plain directory.
    if git_succeeds(root, "check-ignore", "-q", "."):
        return None
    return listed


def _link_target(path: str, root: Path, report: SkipReport, rel: str) -> Path | None:
    """Where a symbolic link under ``root`` leads, when that is inside ``root``; None (counted) otherwise.
    Never raises: a link into ``/proc`` (``/proc/1/cwd``) cannot even be read by ``realpath``."""
    try:
        resolved = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a loop on older Pythons
        try:
            reason = "symlink_loop" if os.path.lexists(os.path.realpath(path)) else "broken_symlink"
        except (OSError, RuntimeError):
            reason = "unreadable"
        report.skip(reason, rel)
        return None
    if resolved != root and root not in resolved.parents:
        report.skip("symlink_outside", rel)
        return None
    return resolved


def walk_directory(spec: SourceSpec, options: WalkOptions, report: SkipReport) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, real path) of candidate files under a directory, following symlinks that
    stay inside the tree and counting loops, outside links and broken links; within the options' budget."""
    root = spec.path.resolve()
    listed = _git_listed(root) if options.respect_gitignore else None
    seen_dirs: set[tuple[int, int]] = set()
    start = last = time.monotonic()
    seen = 0  # files of a known language

    def over_budget(rel: str) -> bool:
        nonlocal last
        now = time.monotonic()
        if options.max_seconds is not None and now - start > options.max_seconds:
            report.skip("budget_seconds", rel)
            return True
        if options.max_files is not None and seen > options.max_files:
            report.skip("budget_files", rel)
            return True
        if options.progress is not None and now - last >= 1.0:
            last = now
            options.progress(seen, now - start)
        return False

    def walk(real_dir: Path, rel_dir: str) -> Iterator[tuple[str, Path]]:
        nonlocal seen
        try:
            st = real_dir.stat()
        except OSError:
            report.skip("unreadable", rel_dir or ".")
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            report.skip("symlink_loop", rel_dir)
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(real_dir), key=lambda e: e.name)
        except OSError:
            report.skip("unreadable", rel_dir or ".")
            return
        for e in entries:
            rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
            if over_budget(rel):
                raise _OverBudget
            target = Path(e.path)
            try:
                link = e.is_symlink()
            except OSError:
                report.skip("unreadable", rel)
                continue
            if link:
                resolved = _link_target(e.path, root, report, rel)
                if resolved is None:
                    continue
                target = resolved
            try:
                mode = target.stat().st_mode
            except OSError:
                report.skip("unreadable", rel)
                continue
            if stat.S_ISDIR(mode):
                if _skip_dir((e.name,), options):
                    report.skip("vendored_or_build_dir", rel)
                    continue
                yield from walk(target, rel)
            elif stat.S_ISREG(mode):
                if listed is not None and not link and rel not in listed:
                    report.skip("gitignored", rel)
                    continue
                seen += PurePosixPath(e.name).suffix.lower() in EXT_LANG
                yield rel, target
            else:
                report.skip("not_a_regular_file", rel)

    try:
        yield from walk(root, "")
    except _OverBudget:
        pass  # counted where it happened


class _OverBudget(Exception):
    """Unwinds the recursive walk when its budget is spent."""


def iter_directory(spec: SourceSpec, options: WalkOptions, report: SkipReport) -> Iterator[SourceFile]:
    name = spec.name or source_name(spec.path)
    for rel, real in walk_directory(spec, options, report):
        lang = _language(rel, options, report, f"{name}/{rel}")
        if lang is None:
            continue
        try:
            size = real.stat().st_size
            if size > options.max_bytes:
                report.skip("oversized", f"{name}/{rel}")
                continue
            data = real.read_bytes()
        except OSError:
            report.skip("unreadable", f"{name}/{rel}")
            continue
        text = decode_source(data, report, f"{name}/{rel}", options.max_bytes)
        if text is not None:
            yield SourceFile(name, rel, lang, text, _group(spec, name, rel))


# --------------------------------------------------------------------------------------- archives
def _member_ok(rel: str, options: WalkOptions, report: SkipReport, where: str) -> str | None:
    parts = PurePosixPath(rel).parts
    if _skip_dir(parts[:-1], options):
        report.skip("vendored_or_build_dir", where)
        return None
    return _language(rel, options, report, where)


def _strip_root(rel: str) -> str:
    rel = rel.lstrip("./")
    # npm tarballs wrap everything in package/; debs keep /usr/... (kept: the path tells the package)
    return rel[len("package/"):] if rel.startswith("package/") else rel


def _iter_zip(spec: SourceSpec, name: str, options: WalkOptions, report: SkipReport) -> Iterator[SourceFile]:
    try:
        zf = zipfile.ZipFile(spec.path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.skip("corrupt_archive", f"{spec.path.name}: {exc}")
        return
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            rel = info.filename
            where = f"{name}/{rel}"
            if (info.external_attr >> 16) & 0o170000 == stat.S_IFLNK:
                report.skip("archive_link", where)
                continue
            lang = _member_ok(rel, options, report, where)
            if lang is None:
                continue
            if info.file_size > options.max_bytes:
                report.skip("oversized", where)
                continue
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
                report.skip("corrupt_member", f"{where}: {exc}")
                continue
            text = decode_source(data, report, where, options.max_bytes)
            if text is not None:
                yield SourceFile(name, rel, lang, text, _group(spec, name, rel))


def _iter_tar(fileobj_or_path, spec: SourceSpec, name: str, options: WalkOptions,
              report: SkipReport) -> Iterator[SourceFile]:
    try:
        tf = (tarfile.open(fileobj=fileobj_or_path, mode="r|*") if not isinstance(fileobj_or_path, Path)
              else tarfile.open(fileobj_or_path, mode="r:*"))
    except (tarfile.TarError, OSError, EOFError) as exc:
        report.skip("corrupt_archive", f"{spec.path.name}: {exc}")
        return
    try:
        for m in tf:
            if m.isdir():
                continue
            rel = _strip_root(m.name)
            where = f"{name}/{rel}"
            if m.issym() or m.islnk():
                if PurePosixPath(rel).suffix.lower() in EXT_LANG:
                    report.skip("archive_link", where)
                continue
            if not m.isfile():
                continue
            lang = _member_ok(rel, options, report, where)
            if lang is None:
                continue
            if m.size > options.max_bytes:
                report.skip("oversized", where)
                continue
            fh = tf.extractfile(m)
            if fh is None:
                report.skip("unreadable", where)
                continue
            text = decode_source(fh.read(), report, where, options.max_bytes)
            if text is not None:
                yield SourceFile(name, rel, lang, text, _group(spec, name, rel))
    except (tarfile.TarError, OSError, EOFError) as exc:
        report.skip("corrupt_archive", f"{spec.path.name}: {exc}")
    finally:
        tf.close()


def _ar_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """Members of a Unix ``ar`` archive (a .deb) — the fallback when dpkg-deb is missing."""
    with open(path, "rb") as fh:
        if fh.read(8) != b"!<arch>\n":
            raise DataError(f"not a Debian package (no ar header): {path}")
        while True:
            head = fh.read(60)
            if len(head) < 60:
                return
            member = head[:16].decode("ascii", "replace").strip().rstrip("/")
            size = int(head[48:58].decode("ascii").strip() or 0)
            data = fh.read(size)
            if size % 2:
                fh.read(1)
            yield member, data


def _iter_deb(spec: SourceSpec, name: str, options: WalkOptions, report: SkipReport) -> Iterator[SourceFile]:
    if shutil.which("dpkg-deb"):
        proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(spec.path)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout is not None
        try:
            yield from _iter_tar(proc.stdout, spec, name, options, report)
        finally:
            proc.stdout.close()
            proc.kill()
            proc.wait()
        return
    try:
        for member, data in _ar_members(spec.path):
            if member.startswith("data.tar"):
                yield from _iter_tar(io.BytesIO(data), spec, name, options, report)
                return
    except (DataError, ValueError, OSError) as exc:
        report.skip("corrupt_archive", f"{spec.path.name}: {exc}")
        return
    report.skip("corrupt_archive", f"{spec.path.name}: no data.tar member")


def iter_source_files(spec: SourceSpec, options: WalkOptions | None = None,
                      report: SkipReport | None = None) -> Iterator[SourceFile]:
    """Decoded source files of a directory or archive, in a deterministic order."""
    options = options or WalkOptions()
    if spec.lang and options.langs is None:
        options = replace(options, langs=frozenset({spec.lang}))
    report = report if report is not None else SkipReport()
    name = spec.name or source_name(spec.path)
    report.source = report.source or name
    path = spec.path
    low = path.name.lower()
    n_before = report.kept
    count = 0
    if path.is_dir():
        it = iter_directory(spec, options, report)
    elif low.endswith(".deb"):
        it = _iter_deb(spec, name, options, report)
    elif low.endswith((".zip", ".whl", ".jar")):
        it = _iter_zip(spec, name, options, report)
    elif is_archive(path):
        it = _iter_tar(path, spec, name, options, report)
    elif path.is_file():
        lang = _language(path.name, options, report, str(path))
        if lang is None:
            return
        try:
            data = path.read_bytes()
        except OSError:
            report.skip("unreadable", str(path))
            return
        text = decode_source(data, report, str(path), options.max_bytes)
        it = iter([SourceFile(name, path.name, lang, text, name)] if text is not None else [])
    else:
        report.skip("not_a_regular_file", str(path))
        return
    for f in it:
        count += 1
        yield f
    if count == 0 and report.kept == n_before:
        report.skip("empty_source", str(path))


def extract_member(archive: Path, pattern: str, dest: Path) -> Path | None:
    """Copy the first member of a .deb/tar whose path matches the regex ``pattern`` to ``dest``
    (e.g. the JDK's ``src.zip`` out of ``openjdk-17-source``); None when no member matches."""
    if dest.exists():
        return dest
    rx = re.compile(pattern)
    if archive.name.endswith(".deb"):
        proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(archive)], stdout=subprocess.PIPE)
        fileobj = proc.stdout
    else:
        proc, fileobj = None, open(archive, "rb")
    try:
        with tarfile.open(fileobj=fileobj, mode="r|*") as tf:
            for m in tf:
                if m.isfile() and rx.search(m.name):
                    fh = tf.extractfile(m)
                    assert fh is not None
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    tmp = dest.with_suffix(dest.suffix + ".part")
                    with open(tmp, "wb") as out:
                        shutil.copyfileobj(fh, out, 1 << 20)
                    tmp.replace(dest)
                    return dest
    finally:
        if fileobj is not None:
            fileobj.close()
        if proc is not None:
            proc.kill()
            proc.wait()
    return None
