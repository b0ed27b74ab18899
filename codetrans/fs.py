"""Filesystem helpers shared by every layer: atomic directory replacement, fsync, model directories.

One helper per mechanism, so the crash-safety rules live in one place: a directory is written under a
temporary name beside its destination and renamed into place (a rename on one filesystem is atomic);
an older destination is moved aside first and removed only after the new one is in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from codetrans.errors import CodeTransError

#: The models shipped inside the package (``codetrans/models``): read-only at run time.
PACKAGE_MODELS = Path(__file__).parent / "models"
#: The weight files of a ``save_pretrained`` directory (any one is enough).
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json",
                "pytorch_model.bin.index.json")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def replace_dir(src: Path, dst: Path, *, keep_concurrent: bool = False, sync: bool = False) -> Path:
    """Rename the finished directory ``src`` to ``dst``; an old ``dst`` is moved aside first and removed after.

    ``keep_concurrent``: when the rename fails because another process put a ``dst`` in place meanwhile,
    keep theirs (``src`` is left for the caller to clean up). ``sync``: fsync the parent afterwards.
    """
    src, dst = Path(src), Path(dst)
    old = None
    if dst.exists():
        old = dst.with_name(f".{dst.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(dst, old)
    try:
        os.rename(src, dst)
    except OSError:
        if not (keep_concurrent and dst.is_dir()):
            raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    if sync:
        fsync_dir(dst.parent)
    return dst


def as_created(path: str | os.PathLike) -> Path:
    """``path`` with the permissions a plain ``mkdir`` / ``open`` would have given it under the umask: the temporary
    names of ``mkdtemp`` / ``mkstemp`` are 0700 / 0600, which would hide a finished result from other users."""
    path = Path(path)
    umask = os.umask(0)
    os.umask(umask)
    path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)
    return path


def staging_dir(dst: str | os.PathLike) -> Path:
    """A new empty folder ``.<name>.tmp-*`` beside ``dst`` (one filesystem: the final rename is atomic)."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    return as_created(tempfile.mkdtemp(prefix=f".{dst.name}.tmp-", dir=dst.parent))


@contextmanager
def staged(dst: str | os.PathLike, *, keep_concurrent: bool = False, sync: bool = False) -> Iterator[Path]:
    """Write a directory all at once: the block fills a :func:`staging_dir`, which becomes ``dst`` when the block
    ends (:func:`replace_dir`) and is removed when it fails, so ``dst`` is never half-written."""
    tmp = staging_dir(dst)
    try:
        yield tmp
        replace_dir(tmp, Path(dst), keep_concurrent=keep_concurrent, sync=sync)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def has_weights(path: Path) -> bool:
    return any((Path(path) / w).is_file() for w in WEIGHT_FILES)


def is_model_dir(path: str | os.PathLike) -> bool:
    """Whether ``path`` looks like a ``save_pretrained`` model directory (it has a ``config.json``)."""
    p = Path(path)
    return p.is_dir() and (p / "config.json").is_file()


def check_model_dir(path: str | os.PathLike, weights: bool = False) -> Path:
    """``path`` as a Path, or a CodeTransError saying why it is not a model directory (with weights)."""
    p = Path(path)
    if not is_model_dir(p):
        raise CodeTransError(f"{p} is not a model directory (no config.json)")
    if weights and not has_weights(p):
        raise CodeTransError(f"{p} has no weights (model.safetensors or pytorch_model.bin)")
    return p
