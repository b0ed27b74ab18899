"""`codetrans document`: documentation for the functions of source files — printed, written into the files
(``--write``), or checked (``--check``/``--fix``, the pre-commit hook codetrans-docs).

The shared flags and loop of the generation commands: :mod:`codetrans.cli.generate`.
"""

from __future__ import annotations

import argparse
from typing import Any

from codetrans.cli import generate as G
from codetrans.errors import CodeTransError


def _own_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--write", action="store_true",
                        help="insert the generated docs into the files, only where none exist")
    parser.add_argument("--no-backup", action="store_true", help="with --write: do not keep FILE.orig")
    check = parser.add_argument_group("checking (the pre-commit hook codetrans-docs)")
    check.add_argument("--check", action="store_true", help="list undocumented functions with a suggestion "
                       "each; exit 1 if there is any (files of other languages are skipped)")
    check.add_argument("--fix", action="store_true", help="like --check, and insert the suggestions (no backup)")
    check.add_argument("--stale", action="store_true", help="with --check/--fix: also list existing docstrings "
                       "the verifier says do not describe their function (exit 1 if there is any)")
    check.add_argument("--langs", default=None, help="with --check/--fix: only these languages, e.g. python,java")
    check.add_argument("--skip-private", action="store_true", help="with --check/--fix: leave private "
                       "functions out (_name, #name, lower-case Go names, Java/PHP private)")
    check.add_argument("--skip-tests", action="store_true", help="with --check/--fix: leave test functions "
                       "and test files out")
    check.add_argument("--min-lines", type=int, default=1, help="with --check/--fix: only functions of at least "
                       "this many lines (default: %(default)s)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    G.add_arguments(parser, _own_arguments)


def run(args: argparse.Namespace) -> int:
    from codetrans.apps.document import DocumentJob
    from codetrans.apps.document import run as document

    G.quiet_transformers()
    checking = args.check or args.fix
    job = DocumentJob(write=args.write, backup=not args.no_backup, check=_check_options(args) if checking else None,
                      fix=args.fix, stale=args.stale)  # bad flags fail before the model loads
    return document(G.request(args), job, G.out, G.note)


def _check_options(args: argparse.Namespace) -> Any:
    from codetrans.apps.doccheck import CheckOptions
    from codetrans.lang.extract import EXTRACT_LANGUAGES

    # --check/--fix print findings and --fix writes: another output mode is a contradiction, not ignored
    other = [flag for flag, on in (("--write", args.write), ("--json", args.json)) if on]
    if other:
        raise CodeTransError(f"{'--fix' if args.fix else '--check'} cannot be combined with {' or '.join(other)}"
                             f"{'; --fix writes the suggestions itself' if args.write else ''}")
    langs = None
    if args.langs:
        langs = frozenset(x.strip() for x in args.langs.split(",") if x.strip())
        unknown = sorted(langs - set(EXTRACT_LANGUAGES))
        if unknown:
            raise CodeTransError(f"--langs: unknown {', '.join(unknown)}; choose from {', '.join(EXTRACT_LANGUAGES)}")
    if args.min_lines < 1:
        raise CodeTransError("--min-lines must be at least 1")
    return CheckOptions(langs=langs, skip_private=args.skip_private, skip_tests=args.skip_tests,
                        min_lines=args.min_lines)
