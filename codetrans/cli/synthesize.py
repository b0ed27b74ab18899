"""`codetrans synthesize`: an AlgoLisp program for a description, checked by running it (``--example``,
``--arg``). The shared flags and loop: :mod:`codetrans.cli.generate`."""

from __future__ import annotations

import argparse
from typing import Any

from codetrans.cli import generate as G
from codetrans.errors import CodeTransError


def _own_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--arg", action="append", default=[], metavar="NAME=JSON",
                        help="run the program on this input, e.g. --arg 'a=[1,2,3]'")
    parser.add_argument("--example", action="append", default=[], metavar="'NAME=JSON, ... -> JSON'",
                        help="an input -> output example the program must meet (repeatable), e.g. "
                             "--example 'a=[1,2,3] -> 6': the first of the beams' programs that meets all wins")
    parser.add_argument("--no-check", action="store_true", help="the model's best program as it is: no check "
                        "that it runs (by default it must run on sample inputs, or meet the --example's)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    G.add_arguments(parser, _own_arguments)


def run(args: argparse.Namespace) -> int:
    if args.example and args.no_check:
        raise CodeTransError("--example and --no-check contradict each other")
    return G.run(args, _call_options(args))


def _call_options(args: argparse.Namespace) -> dict[str, Any]:
    """The pipeline's own options of ``synthesize``: the examples to meet, the inputs to run on, the check."""
    from codetrans.algolisp.guided import as_examples, parse_arg_value

    extra: dict[str, Any] = {"examples": as_examples(args.example) or None, "check": not args.no_check}
    if args.arg:
        extra["args"] = {}
        for pair in args.arg:
            name, sep, value = pair.partition("=")
            if not sep:
                raise CodeTransError(f"--arg takes NAME=JSON, got {pair!r}")
            extra["args"][name] = parse_arg_value(name, value)  # JSON, or a bare word string; broken JSON is refused
    return extra
