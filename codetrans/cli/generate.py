"""`codetrans summarize|comment|api` and what every generation command shares: run a task's pipeline from the shell.

The commands with more to do have their own module: `document` (cli/document.py: files written, checked),
`commit` (cli/commit.py: staged changes, the hook), `synthesize` (cli/synthesize.py: run and check programs).

Input comes from files or stdin ('-' or nothing); output is plain text or JSON lines (``--json``).
The model comes from ``--model`` (a directory or zoo id) or the task's default model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.tasks import get_task_type


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
    if command in ("document", "commit", "comment"):
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


def read_inputs(args: argparse.Namespace) -> list[tuple[str | None, str]]:
    from codetrans.cli._source import read_source

    if _input_kind(args.command) == "text":
        words = args.text
        if not words or words == ["-"]:
            from codetrans.safeio import read_input

            return [(None, read_input("-")[0])]
        return [(None, " ".join(words))]
    inputs = []
    seen: set[str] = set()
    for path in args.files:
        if path != "-":  # f.py and ./f.py are one file: read (and with --write, rewrite) it once
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
        text, name = read_source(path)
        inputs.append((name, text))
    return inputs


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


def generation_options(args: argparse.Namespace) -> dict[str, Any]:
    """The pipeline call's options from the flags, checked before the model loads. Options not given stay
    unset: the pipeline fills in the model's (or task's) decoding defaults."""
    from codetrans.generation import check_batch_size, check_generate_options

    generate: dict[str, Any] = {k: v for k, v in (("max_new_tokens", args.max_new_tokens), ("num_beams", args.beams),
                                                  ("no_repeat_ngram_size", args.no_repeat_ngram)) if v is not None}
    generate = check_generate_options(generate)
    generate["batch_size"] = check_batch_size(args.batch_size)
    if getattr(args, "k", None) is not None:
        from codetrans.serving.context import check_k

        generate["k"] = check_k(args.k)
    if getattr(args, "context", None) and getattr(args, "no_context", False):
        raise CodeTransError("--context and --no-context contradict each other")
    min_confidence = getattr(args, "min_confidence", None)
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise CodeTransError(f"--min-confidence must be between 0 and 1, got {min_confidence}")
    return generate


def open_pipeline(args: argparse.Namespace) -> tuple[Any, float | None, Any]:
    """(pipeline, the confidence from which answers count as sure, the context policy) of a command."""
    from codetrans.serving.context_policy import ContextPolicy
    from codetrans.serving.pipelines import pipeline

    pipe = pipeline(args.command, model=args.model, backend=args.backend, quantization=args.quantization)
    min_confidence = getattr(args, "min_confidence", None)
    threshold = min_confidence if min_confidence is not None else pipe.write_threshold()
    pools = ContextPolicy(pipe, args.command, explicit=getattr(args, "context", None),
                          off=getattr(args, "no_context", False), k=getattr(args, "k", None), notify=_note)
    return pipe, threshold, pools


def input_options(args: argparse.Namespace, generate: dict[str, Any], pools: Any, name: str | None,
                  text: str) -> dict[str, Any]:
    """One input's call options: the command's, its repository context and its language."""
    kwargs = dict(generate)
    pool = pools.get(name)
    if pool is not None:
        kwargs["context"] = pool
    elif args.command == "commit" and getattr(args, "no_context", False):
        kwargs["ground"] = False  # a commit is grounded in its own changelog entry even with no history
    if getattr(args, "lang", None) or (name and _input_kind(args.command) == "code"):
        from codetrans.lang.tokenize import language_of

        kwargs["lang"] = language_of(getattr(args, "lang", None), name, text)
    return kwargs


def print_result(args: argparse.Namespace, name: str | None, r: dict[str, Any], threshold: float | None) -> None:
    if name:
        r = {"path": name, **r}
    if args.json:
        print(json.dumps(r, ensure_ascii=False, default=str))
        return
    line = tagged(r, getattr(args, "message", False), threshold)
    if "result" in r:
        line += f"  => {r['result']}"
    elif "error" in r:
        line += f"  (error: {r['error']})"
    print(line)


def run(args: argparse.Namespace, extra: dict[str, Any] | None = None,
        inputs: list[tuple[str | None, str]] | None = None) -> int:
    """A generation command: each input's results printed (text with its provenance, or JSON lines).
    ``extra``: the command's own call options; ``inputs``: read by the command itself."""
    quiet_transformers()
    generate = {**generation_options(args), **(extra or {})}
    inputs = read_inputs(args) if inputs is None else inputs  # bad input fails before the model loads
    pipe, threshold, pools = open_pipeline(args)
    for name, text in inputs:
        for r in pipe(text, **input_options(args, generate, pools, name, text)):
            print_result(args, name, r, threshold)
    return 0


def tagged(result: dict[str, Any], message: bool, threshold: float | None = None) -> str:
    """The text with where it came from: ``  [provenance; confidence]``, or for ``--message`` a ``#`` line git
    drops. Under the confidence threshold the text is "not sure": for ``--message`` (what the hook writes)
    it goes into the comment only, so that it never becomes the subject unless the user keeps it."""
    from codetrans.apps.docwriter import answer_tag, not_sure

    tag = answer_tag(result)
    text = result["generated_text"]
    if not_sure(result, threshold):
        if message:
            return f"\n# codetrans: not sure ({tag}); a candidate subject, uncomment it to keep it:\n# {text}"
        return f"(not sure) {text}  [{tag}]"
    if not tag:
        return text
    return text + (f"\n# codetrans: {tag}" if message else f"  [{tag}]")


def _note(text: str) -> None:
    print(f"context: {text}", file=sys.stderr)


