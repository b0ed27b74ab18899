"""`codetrans summarize|comment|api` and what every generation command shares: run a task's pipeline from the shell.

The commands with more to do have their own module: `document` (cli/document.py: files written, checked),
`commit` (cli/commit.py: staged changes, the hook), `synthesize` (cli/synthesize.py: run and check programs).

Input comes from files or stdin ('-' or nothing); output is plain text or JSON lines (``--json``).
The model comes from ``--model`` (a directory or zoo id) or the task's default model.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from codetrans.apps.commands import Inputs, Request
from codetrans.tasks import VERIFIED_TYPES, get_task_type


def _input_kind(command: str) -> str:
    """How a command reads its input (the registry's word): "code" and "diff" from files, "text" from words."""
    return get_task_type(command).input_kind


def add_arguments(parser: argparse.ArgumentParser, own: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """The flags every generation command takes; ``own`` adds a command's own flags (after ``--lang``)."""
    command = parser.get_default("command")
    if _input_kind(command) == "text":  # a query / description: words on the command line
        parser.add_argument("text", nargs="*", help="the query / description ('-' or nothing: stdin)")
    else:
        parser.add_argument("files", nargs="*", default=["-"], help="input files ('-' or nothing: stdin)")
    parser.add_argument("--model", "-m", help="model directory or zoo id (default: the task's default model)")
    if _input_kind(command) == "code":
        parser.add_argument("--lang", help="language (default: from the file extension, else detected)")
    if own is not None:
        own(parser)
    if command in VERIFIED_TYPES:
        parser.add_argument("--min-confidence", type=float, default=None, metavar="P",
                            help="write answers whose confidence (the verifier's, 0-1) is at least P; the others are "
                                 "listed as 'not sure' with their best candidate (default: the model's threshold, "
                                 "chosen for >= 90%% correct on judged validation data; 0 writes every answer)")
    ctx = parser.add_argument_group("repository context (models trained with exemplars)")
    if _input_kind(command) in ("code", "diff"):
        what = {"commit": "the current repository's history, when the model takes context",
                "summarize": "the model's index of its training pairs, when the model takes context"}.get(
            command, "the documented functions of the file's repository (git root, else its folder), with any "
                     "model: the nearest ones, edited, compete with the model's text")
        ctx.add_argument("--context", metavar="PATH", help=f"draw exemplars from the repository at PATH (git root, "
                         f"else the folder; default: {what})")
    ctx.add_argument("--no-context", action="store_true", help="the model's text alone: no exemplars, no grounding")
    ctx.add_argument("--k", type=int, default=None, help="exemplars per input (default: the model's)")
    parser.add_argument("--json", action="store_true", help="JSON lines output")
    parser.add_argument("--beams", type=int, default=None,
                        help="beam size (default: the model's tuned decoding, else the task's: 4)")
    parser.add_argument("--no-repeat-ngram", type=int, default=None,
                        help="block repeated n-grams of this size, 0 = off (default: the model's / task's)")
    parser.add_argument("--max-new-tokens", type=int, default=None,
                        help="longest output in tokens (default: the model's / task's)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--backend", choices=["auto", "torch", "ct2"], default="auto",
                        help="inference engine: ct2 (CTranslate2, exported once beside the model), torch, or "
                        "auto: ct2 when installed, else torch (default: %(default)s)")
    parser.add_argument("--quantization", choices=["int8", "int8_float32", "float32"], default=None,
                        help="weights: for ct2 the export's type (default int8); for torch, int8 applies "
                        "dynamic int8 quantization (default: float)")


def quiet_transformers() -> None:
    """Weight-loading bars and notices are noise on a CLI; without importing transformers (slow) if the
    CTranslate2 backend never needs it."""
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    else:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def request(args: argparse.Namespace, extra: dict[str, Any] | None = None) -> Request:
    """The command's request from its flags (checked by the library before the model loads)."""
    return Request(command=args.command, inputs=args.text if "text" in vars(args) else args.files,
                   model=args.model, backend=args.backend, quantization=args.quantization,
                   lang=getattr(args, "lang", None), context=getattr(args, "context", None),
                   no_context=getattr(args, "no_context", False), k=getattr(args, "k", None),
                   min_confidence=getattr(args, "min_confidence", None), max_new_tokens=args.max_new_tokens,
                   num_beams=args.beams, no_repeat_ngram_size=args.no_repeat_ngram, batch_size=args.batch_size,
                   as_json=args.json, message=getattr(args, "message", False), extra=extra or {})


def out(line: str) -> None:
    """A result line on stdout, shown at once (results stream while the rest is generated)."""
    print(line, flush=True)


def note(line: str) -> None:
    """A remark on stderr (where a pool came from, what was skipped)."""
    print(line, file=sys.stderr)


def run(args: argparse.Namespace, extra: dict[str, Any] | None = None, inputs: Inputs | None = None) -> int:
    """A generation command (:func:`codetrans.apps.commands.run`): each input's results printed, text with its
    provenance or JSON lines. ``extra``: the command's own call options; ``inputs``: read by the command itself."""
    from codetrans.apps.commands import run as run_request

    quiet_transformers()
    return run_request(request(args, extra), out, note, inputs)
