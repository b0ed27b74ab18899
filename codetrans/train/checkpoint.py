"""Atomic, verifiable training checkpoints.

A checkpoint is a folder ``checkpoints/step-00000100``. It is written under a temporary name, every
file is fsynced, a ``manifest.json`` records each file's size and SHA-256, and only then is the folder
renamed into place (an atomic rename on POSIX) and the parent directory fsynced. A crash mid-write
leaves a ``.step-N.tmp-*`` folder that is ignored and swept. Loading verifies the manifest; a checkpoint that
fails (truncated file, missing manifest, unloadable state) is reported and the previous one is tried.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codetrans.fs import fsync_dir, fsync_file, replace_dir, staging_dir

log = logging.getLogger("codetrans.train")

PREFIX = "step-"
MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def checkpoint_name(step: int) -> str:
    return f"{PREFIX}{step:08d}"


def list_checkpoints(root: Path) -> list[Path]:
    """Completed checkpoints (renamed into place), newest first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX) and p.name[len(PREFIX):].isdigit()]
    return sorted(found, key=lambda p: int(p.name[len(PREFIX):]), reverse=True)


def begin(root: Path, step: int) -> Path:
    """A fresh temporary folder to write a checkpoint into."""
    return staging_dir(root / checkpoint_name(step))


def commit(tmp: Path, root: Path, step: int, keep: int) -> Path:
    """Seal ``tmp`` (fsync + manifest), rename it into place and drop all but the newest ``keep``."""
    files = {}
    for p in sorted(tmp.rglob("*")):
        if p.is_file():
            fsync_file(p)
            files[str(p.relative_to(tmp))] = {"size": p.stat().st_size, "sha256": _sha256(p)}
    man = tmp / MANIFEST
    man.write_text(json.dumps({"step": step, "files": files}, indent=1), encoding="utf-8")
    fsync_file(man)
    for d in sorted({p.parent for p in tmp.rglob("*")}, key=lambda p: len(p.parts), reverse=True):
        fsync_dir(d)
    final = replace_dir(tmp, root / checkpoint_name(step), sync=True)  # re-saving a step (after a resume) replaces it
    for p in list_checkpoints(root)[keep:]:
        shutil.rmtree(p, ignore_errors=True)
    for p in [*root.glob(".tmp-*"), *root.glob(f".{PREFIX}*.tmp-*")]:  # partial writes of crashed runs
        if p != tmp:
            shutil.rmtree(p, ignore_errors=True)
    return final


def verify(path: Path) -> str | None:
    """None if the checkpoint's files match its manifest, else the reason it does not."""
    man = path / MANIFEST
    if not man.is_file():
        return "no manifest (partial write)"
    try:
        files = json.loads(man.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError) as exc:
        return f"unreadable manifest ({exc})"
    for rel, meta in files.items():
        p = path / rel
        if not p.is_file():
            return f"missing {rel}"
        if p.stat().st_size != meta["size"]:
            return f"{rel} has {p.stat().st_size} bytes, manifest says {meta['size']}"
        if _sha256(p) != meta["sha256"]:
            return f"{rel} checksum mismatch"
    return None


def load_latest(root: Path, loader: Callable[[Path], Any], only: Path | None = None) -> tuple[Path, Any] | None:
    """Load the newest good checkpoint with ``loader``; fall back past bad ones with a warning."""
    candidates = [only] if only is not None else list_checkpoints(root)
    for path in candidates:
        reason = verify(path)
        if reason is None:
            try:
                return path, loader(path)
            except Exception as exc:  # a checkpoint that verifies but will not load is also bad
                reason = f"failed to load: {exc}"
        log.warning("checkpoint %s is unusable (%s); falling back to the previous one", path, reason)
    return None
