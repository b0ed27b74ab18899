"""`codetrans tokenize`: show the tokens a model reads for a source file or stdin."""

from __future__ import annotations

import argparse
import json
import sys

from codetrans.safeio import read_input


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", default=["-"], help="source files ('-' or none: stdin)")
    parser.add_argument("--lang", help="language (default: from the extension, else detected)")
    parser.add_argument("--drop-docstrings", action="store_true", help="drop Python docstrings too")
    parser.add_argument("--json", action="store_true", help="one JSON object per file")


def run(args: argparse.Namespace) -> int:
    from codetrans.lang.tokenize import language_of, tokenize_code

    for path in args.files:
        code, name = read_input(path)
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
