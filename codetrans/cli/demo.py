"""`codetrans demo`: serve the web demo (Gradio) on 127.0.0.1."""

from __future__ import annotations

import argparse

from codetrans.errors import CodeTransError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", action="append", default=[],
                        help="model directory or zoo id to offer (repeatable)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on, 1-65535 (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:  # before Gradio's bind() turns it into an OverflowError
        raise CodeTransError(f"--port must be between 1 and 65535, got {args.port}")
    try:
        import gradio  # noqa: F401
    except ImportError:
        raise CodeTransError("the demo needs Gradio: pip install 'codetrans[demo]'") from None
    from codetrans.apps.demo import launch
    from codetrans.serving import zoo

    models = [zoo.resolve(m) for m in args.model]
    launch(models, host=args.host, port=args.port)
    return 0
