"""`codetrans lsp`: the Language Server on stdin/stdout (needs the lsp extra: pygls, lsprotocol)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", help="model directory or zoo id (default: the shipped one)")
    parser.add_argument("--backend", choices=["auto", "torch", "ct2"], default="auto")
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default; editors pass it)")


def run(args: argparse.Namespace) -> int:
    from codetrans.errors import CodeTransError

    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        raise CodeTransError("codetrans lsp needs the lsp extra: pip install 'codetrans[lsp]'") from None
    from codetrans.serving.lsp import serve

    serve(args.model, args.backend)
    return 0
