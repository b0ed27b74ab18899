"""`codetrans document|summarize|comment|commit|api|synthesize`: run a task's pipeline from the shell.

Input comes from files or stdin ('-' or nothing); output is plain text or JSON lines (``--json``).
The model comes from ``--model`` (a directory or zoo id) or the task's default model.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.tasks import get_task_type


def _input_kind(command: str) -> str:
    """How a command reads its input (the registry's word): "code" and "diff" from files, "text" from words."""
    return get_task_type(command).input_kind


def add_arguments(parser: argparse.ArgumentParser) -> None:
    command = parser.get_default("command")
    if _input_kind(command) == "text":  # a query / description: words on the command line
        parser.add_argument("text", nargs="*", help="the query / description ('-' or nothing: stdin)")
    else:
        parser.add_argument("files", nargs="*", default=["-"], help="input files ('-' or nothing: stdin)")
    parser.add_argument("--model", "-m", help="model directory or zoo id (default: the task's default model)")
    if _input_kind(command) == "code":
        parser.add_argument("--lang", help="language (default: from the file extension, else detected)")
    if command == "document":
        parser.add_argument("--write", action="store_true",
                            help="insert the generated docs into the files, only where none exist")
        parser.add_argument("--no-backup", action="store_true", help="with --write: do not keep FILE.orig")
    if command == "commit":
        parser.add_argument("--install-hook", action="store_true",
                            help="install a prepare-commit-msg hook in the current git repository")
        parser.add_argument("--force", action="store_true", help="with --install-hook: replace a foreign hook")
    if command == "synthesize":
        parser.add_argument("--arg", action="append", default=[], metavar="NAME=JSON",
                            help="run the program on this input, e.g. --arg 'a=[1,2,3]'")
    parser.add_argument("--json", action="store_true", help="JSON lines output")
    parser.add_argument("--beams", type=int, default=None, help="beam size (default: greedy)")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--backend", choices=["auto", "torch", "ct2"], default="auto",
                        help="inference engine: ct2 (CTranslate2, exported once beside the model), torch, or "
                        "auto: ct2 when installed, else torch (default: %(default)s)")
    parser.add_argument("--quantization", choices=["int8", "int8_float32", "float32"], default=None,
                        help="weights: for ct2 the export's type (default int8); for torch, int8 applies "
                        "dynamic int8 quantization (default: float)")


def _inputs(args: argparse.Namespace) -> list[tuple[str | None, str]]:
    from codetrans.cli._source import read_source

    if _input_kind(args.command) == "text":
        words = args.text
        if not words or words == ["-"]:
            return [(None, sys.stdin.read())]
        return [(None, " ".join(words))]
    inputs = []
    for path in args.files:
        text, name = read_source(path)
        inputs.append((name, text))
    return inputs


def _parse_args(pairs: list[str]) -> dict[str, Any]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise CodeTransError(f"--arg takes NAME=JSON, got {pair!r}")
        try:
            out[name] = json.loads(value)
        except ValueError:
            out[name] = value  # a bare string
    return out


def _quiet_transformers() -> None:
    """Weight-loading bars and notices are noise on a CLI; without importing transformers (slow) if the
    CTranslate2 backend never needs it."""
    import os

    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    else:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def run(args: argparse.Namespace) -> int:
    from codetrans.serving.pipelines import pipeline

    _quiet_transformers()
    command = args.command
    if command == "commit" and args.install_hook:
        from codetrans.serving.githook import install_hook

        if args.model is None:
            from codetrans.serving.zoo import resolve

            resolve(None, task="commit")  # fail now, not at every commit
        hook = install_hook(".", model=args.model, force=args.force)
        print(f"installed {hook}")
        return 0
    if command == "document" and args.write and "-" in args.files:
        raise CodeTransError("--write needs files, not stdin")
    generate: dict[str, Any] = {"max_new_tokens": args.max_new_tokens, "batch_size": args.batch_size}
    if args.beams:
        generate["num_beams"] = args.beams
    pipe = pipeline(command, model=args.model, backend=args.backend, quantization=args.quantization)
    for name, text in _inputs(args):
        kwargs = dict(generate)
        if getattr(args, "lang", None) or (name and _input_kind(command) == "code"):
            from codetrans.lang.tokenize import language_of

            kwargs["lang"] = language_of(getattr(args, "lang", None), name, text)
        if command == "synthesize" and args.arg:
            kwargs["args"] = _parse_args(args.arg)
        if command == "document" and args.write:
            from codetrans.serving.docwriter import write_docs

            lang = kwargs.pop("lang")
            written = write_docs(pipe, name, text, lang, backup=not args.no_backup, **kwargs)
            for note in written.notes:
                print(f"{name}: {note}", file=sys.stderr)
            print(f"{name}: {written.message}")
            continue
        if command == "document":
            results = pipe(text, whole_file=True, **kwargs)
        else:
            results = pipe(text, **kwargs)
        for r in results:
            if name:
                r = {"path": name, **r}
            if args.json:
                print(json.dumps(r, ensure_ascii=False, default=str))
            elif command == "document":
                where = f"{name}:" if name else "line "
                print(f"{where}{r['start_line']} {r['func_name']}: {r['generated_text']}")
            else:
                line = r["generated_text"]
                if "result" in r:
                    line += f"  => {r['result']}"
                elif "error" in r:
                    line += f"  (error: {r['error']})"
                print(line)
    return 0
