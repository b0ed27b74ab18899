"""`codetrans lsp`: the Language Server on stdin/stdout (needs the lsp extra: pygls, lsprotocol)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", help="model directory or zoo id (default: the shipped one)")
    parser.add_argument("--backend", choices=["auto", "torch", "ct2"], default="auto")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default; editors pass it)")
    parser.add_argument("--min-confidence", type=float, default=None, metavar="P",
                        help="offer edits for answers whose confidence is at least P (default: the model's "
                             "threshold); the others are shown as 'not sure' on hover")


def run(args: argparse.Namespace) -> int:
    from codetrans.errors import CodeTransError

    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        raise CodeTransError("codetrans lsp needs the lsp extra: pip install 'codetrans[lsp]'") from None
    from codetrans.apps.lsp import serve

    if args.min_confidence is not None and not 0.0 <= args.min_confidence <= 1.0:
        raise CodeTransError(f"--min-confidence must be between 0 and 1, got {args.min_confidence}")
    serve(args.model, args.backend, args.min_confidence)
    return 0
