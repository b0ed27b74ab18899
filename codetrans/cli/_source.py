"""Reading a command's input files (or stdin) with clear errors; shared by the commands that take source."""

from __future__ import annotations

from codetrans.safeio import MAX_INPUT_BYTES as MAX_BYTES  # noqa: F401  (kept for callers)


def read_source(path: str) -> tuple[str, str | None]:
    """(text, path) of a regular file, or of stdin for '-': :func:`codetrans.safeio.read_input` (regular
    files only, the same size limit for stdin, one encoding policy)."""
    from codetrans.safeio import read_input

    return read_input(path)
