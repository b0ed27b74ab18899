"""Reading a command's input files (or stdin) with clear errors; shared by the commands that take source."""

from __future__ import annotations

import sys

from codetrans.errors import CodeTransError

MAX_BYTES = 5_000_000


def read_source(path: str) -> tuple[str, str | None]:
    """(text, path) of a file, or of stdin for '-'; clear errors for missing, binary or huge input."""
    if path == "-":
        data = sys.stdin.buffer.read()
        name = None
    else:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise CodeTransError(f"no such file: {path}") from None
        except IsADirectoryError:
            raise CodeTransError(f"{path} is a directory; pass source files") from None
        except OSError as exc:
            raise CodeTransError(f"cannot read {path}: {exc.strerror}") from None
        name = path
    if len(data) > MAX_BYTES:
        raise CodeTransError(f"{name or 'stdin'} is larger than {MAX_BYTES // 1_000_000} MB; not source code?")
    if b"\0" in data[:8192]:
        raise CodeTransError(f"{name or 'stdin'} looks binary (NUL bytes), not source code")
    text = data.decode("utf-8", "replace")
    if "\ufffd" in text and "\ufffd".encode() not in data:
        print(f"warning: {name or 'stdin'} is not valid UTF-8; undecodable bytes were replaced",
              file=sys.stderr)
    return text, name
