"""`codetrans tokenize`: show the tokens a model reads for a source file or stdin."""

from __future__ import annotations

import argparse
import json
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", default=["-"], help="source files ('-' or none: stdin)")
    parser.add_argument("--lang", help="language (default: from the extension, else detected)")
    parser.add_argument("--drop-docstrings", action="store_true", help="drop Python docstrings too")
    parser.add_argument("--json", action="store_true", help="one JSON object per file")


def run(args: argparse.Namespace) -> int:
    from codetrans.lang.tokenize import language_of, tokenize_code

    for path in args.files:
        code, name = read_source(path)
        lang = language_of(args.lang, name, code)
        result = tokenize_code(code, lang, drop_docstrings=args.drop_docstrings)
        if args.json:
            print(json.dumps({"path": name, "lang": result.lang, "partial": result.partial,
                              "tokens": result.tokens}, ensure_ascii=False))
        else:
            print(result.text)
        if result.partial:
            print(f"warning: {name or 'stdin'} does not parse cleanly as {lang}; tokens come from error "
                  "recovery (partial)", file=sys.stderr)
    return 0
