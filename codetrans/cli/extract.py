"""`codetrans extract`: documented functions (or Java API sequences) of source files as JSONL."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from codetrans.errors import CodeTransError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", help="source files (for whole trees use `codetrans data build`)")
    parser.add_argument("--lang", help="language (default: from each file's extension)")
    parser.add_argument("--api", action="store_true", help="Java API sequences instead of functions")
    parser.add_argument("--jdk-only", action="store_true", help="with --api: keep calls on JDK types only")
    parser.add_argument("--all", action="store_true",
                        help="keep tests, one-liners and accessors (documented functions only)")
    parser.add_argument("--repo", default="", help="value of the records' repo field")


def run(args: argparse.Namespace) -> int:
    from codetrans.lang.api import extract_api_sequences
    from codetrans.lang.extract import EXTRACT_LANGUAGES, extract_functions
    from codetrans.lang.tokenize import language_of
    from codetrans.safeio import read_input

    stats: Counter = Counter()
    for path in args.files:
        code, name = read_input(path)
        lang = language_of(args.lang, name, code)
        if args.api:
            if lang != "java":
                raise CodeTransError(f"{path}: API sequences are extracted from Java only (got {lang})")
            records = extract_api_sequences(code, path=path, repo=args.repo, stats=stats, jdk_only=args.jdk_only,
                                            apply_filters=not args.all)
        else:
            if lang not in EXTRACT_LANGUAGES:
                raise CodeTransError(f"{path}: function extraction supports {', '.join(EXTRACT_LANGUAGES)}, "
                                     f"not {lang}")
            records = extract_functions(code, lang, path=path, repo=args.repo, stats=stats,
                                        apply_filters=not args.all)
        for record in records:
            print(json.dumps(record, ensure_ascii=False))
    summary = ", ".join(f"{k}={v}" for k, v in sorted(stats.items()))
    print(f"extract: {summary or 'nothing found'}", file=sys.stderr)
    return 0
