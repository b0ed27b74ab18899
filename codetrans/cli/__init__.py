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
    "document": ("codetrans.cli.document", "write documentation for the functions of source files"),
    "summarize": ("codetrans.cli.generate", "summarize a code snippet in one line"),
    "comment": ("codetrans.cli.generate", "write the Javadoc first sentence of a Java method"),
    "commit": ("codetrans.cli.commit", "write a commit subject for a diff (e.g. git diff --staged | ...)"),
    "api": ("codetrans.cli.generate", "recommend a Java API call sequence for a query"),
    "synthesize": ("codetrans.cli.synthesize", "write an AlgoLisp program for a description"),
    "lsp": ("codetrans.cli.lsp", "a Language Server: document functions from the editor (needs the lsp extra)"),
    "demo": ("codetrans.cli.demo", "serve the web demo on 127.0.0.1 (needs the demo extra)"),
    "finetune": ("codetrans.cli.finetune", "fine-tune a model on a private repository in one command"),
    "export": ("codetrans.cli.export", "convert a model for fast inference (CTranslate2)"),
    "chooser": ("codetrans.cli.chooser", "fit the chooser of the grounded documentation path"),
    "verifier": ("codetrans.cli.verifier", "fit or measure the verifier behind every answer's confidence"),
    "card": ("codetrans.cli.card", "render a model card from training and evaluation results"),
    "zoo": ("codetrans.cli.zoo", "list the models CodeTrans knows and where they live"),
}


def _top_parser() -> argparse.ArgumentParser:
    from codetrans.version import __version__

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


def _pop_debug(argv: list[str]) -> tuple[list[str], bool]:
    """``--debug`` anywhere before a ``--`` shows tracebacks (also CODETRANS_DEBUG=1)."""
    cut = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:cut]
    argv = [a for i, a in enumerate(argv) if not (i < cut and a == "--debug")]
    return argv, debug or os.environ.get("CODETRANS_DEBUG", "") not in ("", "0")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("..." if len(text) > 300 else "")


def main(argv: list[str] | None = None) -> int:
    """Run a command. Exit 0 on success, 2 for bad input or environment (one line on stderr, no
    traceback), 1 for an internal error (one line plus a hint to rerun with ``--debug``), 130 on Ctrl-C."""
    argv, debug = _pop_debug(list(sys.argv[1:] if argv is None else argv))
    from codetrans.log import configure_cli_logging

    configure_cli_logging()
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
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    args = parser.parse_args(argv[1:])
    try:
        return int(module.run(args) or 0)
    except CodeTransError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        print(f"codetrans {name}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"codetrans {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `codetrans ... | head`: the reader went away; not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (RecursionError, MemoryError) as exc:
        if debug:
            raise
        what = "nested too deeply" if isinstance(exc, RecursionError) else "too large to hold in memory"
        print(f"codetrans {name}: error: the input is {what}", file=sys.stderr)
        return 2
    except OSError as exc:  # the environment: permissions, missing paths, a full disk
        if debug:
            raise
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"codetrans {name}: error:{where} {exc.strerror or _one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the one place that turns any bug into one line
        if debug:
            raise
        print(f"codetrans {name}: internal error: {type(exc).__name__}: {_one_line(exc)} "
              f"(rerun with --debug for the traceback, and please report it)", file=sys.stderr)
        return 1

