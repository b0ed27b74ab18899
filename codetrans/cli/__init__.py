"""The ``codetrans`` command.

Each command is one small module of this package, imported only when invoked (so ``codetrans --help``
and a one-file ``codetrans document`` start fast). A command module holds only its arguments
(``add_arguments(parser)``) and a call into the library (``run(args) -> int``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# name -> (module, one-line help). Order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "tokenize": ("codetrans.cli.tokenize", "tokenize source code the way the models expect it"),
    "extract": ("codetrans.cli.extract", "extract documented functions from source files as JSONL"),
    "data": ("codetrans.cli.data", "build and inspect training corpora"),
    "train": ("codetrans.cli.train", "run a training recipe from training/"),
    "evaluate": ("codetrans.cli.evaluate", "score a model or baseline on a dataset split"),
    "algolisp": ("codetrans.cli.algolisp", "run AlgoLisp programs and generate synthesis datasets"),
    "document": ("codetrans.cli.generate", "write documentation for the functions of source files"),
    "summarize": ("codetrans.cli.generate", "summarize a code snippet in one line"),
    "comment": ("codetrans.cli.generate", "write the Javadoc first sentence of a Java method"),
    "commit": ("codetrans.cli.generate", "write a commit subject for a diff (e.g. git diff --staged | ...)"),
    "api": ("codetrans.cli.generate", "recommend a Java API call sequence for a query"),
    "synthesize": ("codetrans.cli.generate", "write an AlgoLisp program for a description"),
    "demo": ("codetrans.cli.demo", "serve the web demo on 127.0.0.1 (needs the demo extra)"),
    "finetune": ("codetrans.cli.finetune", "fine-tune a model on a private repository in one command"),
    "export": ("codetrans.cli.export", "convert a model for fast inference (CTranslate2)"),
    "card": ("codetrans.cli.card", "render a model card from training and evaluation results"),
    "zoo": ("codetrans.cli.zoo", "list the models CodeTrans knows and where they live"),
}


def _top_parser() -> argparse.ArgumentParser:
    from codetrans import __version__

    parser = argparse.ArgumentParser(
        prog="codetrans",
        description="CodeTrans: T5 models for code documentation, summaries, comments, commit "
        "messages, API sequences and program synthesis.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n" + "\n".join(f"  {n:<11} {h}" for n, (_, h) in COMMANDS.items())
        + "\n\nRun `codetrans COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"codetrans {__version__}")
    parser.add_argument("command", nargs="?", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = _top_parser()
    if not argv or argv[0] not in COMMANDS:
        if argv and not argv[0].startswith("-"):
            top.error(f"unknown command {argv[0]!r}; choose from {', '.join(COMMANDS)}")
        top.parse_args(argv)
        top.print_help()
        return 0 if not argv else 2
    name = argv[0]
    module_name, help_text = COMMANDS[name]
    from codetrans.errors import CodeTransError

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            print(f"codetrans: the {name!r} command is not available in this version", file=sys.stderr)
            return 2
        raise
    parser = argparse.ArgumentParser(prog=f"codetrans {name}", description=help_text)
    parser.set_defaults(command=name)  # modules serving several commands read it
    module.add_arguments(parser)
    args = parser.parse_args(argv[1:])
    try:
        return int(module.run(args) or 0)
    except CodeTransError as exc:
        print(f"codetrans {name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"codetrans {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `codetrans ... | head`: the reader went away; not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0

