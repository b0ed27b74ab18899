"""The one way CodeTrans reads user input and writes user files.

Reading (:func:`read_input`, :func:`read_bytes`): regular files only (a FIFO, socket or device is
refused *before* it is opened, and the open itself is non-blocking with an ``fstat`` check, so a file
swapped for a FIFO in between cannot hang us); standard input is read in chunks and reading stops at
the same size limit as files; the encoding policy is one place (NUL bytes: binary, refused; invalid
UTF-8: replaced with a warning).

Writing (:func:`safe_write`): a temporary file in the same directory (``O_EXCL``), fsync, permissions
of the file it replaces, atomic rename; never through a symbolic link (the target itself, its
``.orig`` backup and the temporary file); clear one-line errors for read-only or missing directories.
:func:`check_out_dir` vets an output *directory* before any work is done.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

from codetrans.errors import CodeTransError

logger = logging.getLogger(__name__)

#: Largest input a command or pipeline reads (files and stdin alike).
MAX_INPUT_BYTES = 5_000_000
_CHUNK = 1 << 16


class InputError(CodeTransError):
    """Input that cannot be read as source text (not a regular file, too large, binary)."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def check_regular(path: str | os.PathLike) -> os.stat_result:
    """``stat`` of ``path`` when it is a regular file (symbolic links to one are fine); InputError otherwise."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        hint = "; pass source files" if stat.S_ISDIR(st.st_mode) else "; only regular files are read"
        raise InputError(f"{path} is {_kind(st.st_mode)}{hint}")
    return st


def _open_regular(path: str | os.PathLike) -> BinaryIO:
    check_regular(path)  # refused before it is opened
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):  # swapped between the stat and the open
        os.close(fd)
        raise InputError(f"{path} is {_kind(st.st_mode)}; only regular files are read")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_limited(stream: BinaryIO, limit: int, name: str) -> bytes:
    """Read ``stream`` in chunks; InputError as soon as it holds more than ``limit`` bytes."""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise InputError(f"{name} is larger than {_human(limit)}; not source code? (reading stopped there)")
    return b"".join(parts)


def _human(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n:,} bytes"


def read_bytes(path: str | os.PathLike, limit: int = MAX_INPUT_BYTES, stdin: BinaryIO | None = None) -> bytes:
    """Raw bytes of a regular file, or of standard input for ``"-"``, at most ``limit`` of them."""
    if str(path) == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return read_limited(stream, limit, "standard input")
    with _open_regular(path) as fh:
        return read_limited(fh, limit, str(path))


def decode_text(data: bytes, name: str, warn: bool = True, strict: bool = False) -> str:
    """The encoding policy: NUL bytes -> InputError (binary); invalid UTF-8 replaced (with a warning), or
    with ``strict`` an InputError (bytes handed to the Python API: the caller knows their encoding)."""
    if b"\0" in data:
        raise InputError(f"{name} looks binary (NUL bytes), not source code")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if strict:
            raise InputError(f"{name} is bytes that are not valid UTF-8; decode it with its encoding and pass "
                             "a str") from None
        if warn:
            logger.warning("%s is not valid UTF-8; undecodable bytes were replaced", name)
        return data.decode("utf-8", "replace")


def read_input(path: str | os.PathLike, limit: int = MAX_INPUT_BYTES, stdin: BinaryIO | None = None,
               strict_utf8: bool = False) -> tuple[str, str | None]:
    """(text, name) of a regular file, or of standard input for ``"-"`` (name None).

    ``strict_utf8``: refuse invalid UTF-8 instead of replacing it (for files that will be rewritten).
    """
    data = read_bytes(path, limit, stdin)
    name = None if str(path) == "-" else str(path)
    shown = name or "standard input"
    if strict_utf8:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{shown} is not valid UTF-8; refusing it") from None
    return decode_text(data, shown), name


# ---------------------------------------------------------------------------------------- writing
def _dir_error(directory: Path, exc: OSError) -> CodeTransError:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return CodeTransError(f"cannot write in {directory}: the directory is not writable")
    if exc.errno == errno.ENOENT:
        return CodeTransError(f"cannot write in {directory}: no such directory")
    if exc.errno == errno.ENOSPC:
        return CodeTransError(f"cannot write in {directory}: no space left on the device")
    return CodeTransError(f"cannot write in {directory}: {exc.strerror or exc}")


def _create_exclusive(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` (must not exist, not even as a dangling link) and write ``data`` to it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        try:
            os.unlink(path)
        except OSError:
            pass
        raise


def backup_copy(path: Path, data: bytes, mode: int = 0o600) -> Path:
    """Keep ``data`` as ``path.orig`` (or ``.orig.1``, ...): a new file, never through a symlink."""
    n = 0
    while True:
        candidate = path.with_name(path.name + (".orig" if n == 0 else f".orig.{n}"))
        n += 1
        if os.path.lexists(candidate):  # a file, a directory, or a (dangling) link: taken
            continue
        try:
            _create_exclusive(candidate, data, mode)
            return candidate
        except FileExistsError:  # appeared in between (or a link planted just now)
            continue
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                continue
            raise _dir_error(path.parent, exc) from None


def safe_write(path: str | os.PathLike, data: bytes | str, *, backup: bool = False, overwrite: bool = True,
               mode: int | None = None) -> Path | None:
    """Write ``data`` to ``path`` atomically and without following symbolic links.

    A temporary file is created beside ``path`` (``O_EXCL``), written, fsynced, given the permissions of
    the file it replaces (new files: 0o666 minus the umask) and renamed over ``path``. ``path`` itself
    must not be a symbolic link. ``backup``: keep the current content as ``path.orig`` first (returned).
    ``overwrite=False``: refuse when ``path`` exists. Errors are :class:`CodeTransError` one-liners.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    parent = path.parent if str(path.parent) else Path(".")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _dir_error(parent, exc) from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise CodeTransError(f"{path} is a symbolic link; refusing to write through it")
        if not stat.S_ISREG(st.st_mode):
            raise CodeTransError(f"{path} is {_kind(st.st_mode)}; refusing to write there")
        if not overwrite:
            raise CodeTransError(f"{path} exists; refusing to overwrite it")
    if not parent.is_dir():
        raise CodeTransError(f"cannot write {path}: no such directory {parent}")
    if not writable_dir(parent):
        raise CodeTransError(f"cannot write {path}: the directory {parent} is not writable")
    if mode is None:
        if st is not None:
            mode = stat.S_IMODE(st.st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    saved = None
    if backup and st is not None:
        with _open_regular(path) as fh:
            original = fh.read()
        saved = backup_copy(path, original, stat.S_IMODE(st.st_mode))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        if saved is not None:
            os.unlink(saved)
        raise _dir_error(parent, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if not overwrite:
            os.link(tmp, path)  # fails if path appeared meanwhile; never follows a link
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException as exc:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        if isinstance(exc, FileExistsError):
            raise CodeTransError(f"{path} exists; refusing to overwrite it") from None
        if isinstance(exc, OSError):
            raise _dir_error(parent, exc) from None
        raise
    return saved


def writable_dir(directory: str | os.PathLike) -> bool:
    """Whether files may be created in ``directory``. A directory without any write permission bit counts
    as read-only even for root (who could write there anyway): the owner meant it to stay unchanged."""
    try:
        st = os.stat(directory)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and bool(st.st_mode & 0o222) and os.access(directory, os.W_OK | os.X_OK)


def check_out_dir(path: str | os.PathLike, what: str = "--out") -> Path:
    """Vet an output directory before the work: an existing non-directory, or a directory (or nearest
    existing ancestor) that is not writable, is a one-line CodeTransError."""
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise CodeTransError(f"{what} {p}: {exc.strerror}") from None
    if st is not None:
        if not stat.S_ISDIR(st.st_mode):
            raise CodeTransError(f"{what} {p} exists and is not a directory; choose a new or existing folder")
        if not writable_dir(p):
            raise CodeTransError(f"{what} {p} is not writable")
        return p
    anc = p.absolute().parent
    while not anc.exists():
        anc = anc.parent
    if not anc.is_dir():
        raise CodeTransError(f"{what} {p}: {anc} is not a directory")
    if not writable_dir(anc):
        raise CodeTransError(f"{what} {p}: cannot create it, {anc} is not writable")
    return p
