"""The generation commands as library calls: what a command was asked (:class:`Request`, typed; the CLI builds
it from its flags), checked and its inputs read before any model loads (:func:`prepare`), the pipeline opened
with its confidence threshold and context policy (:func:`open_pipeline`), and each input's results shown as
lines (:func:`run`). Lines go to two callables, ``out`` (results) and ``note`` (remarks): the caller prints
them (library code never prints).

``codetrans document`` builds on these with its own modes (print, write, check): :mod:`codetrans.apps.document`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from codetrans.errors import CodeTransError

Lines = Callable[[str], None]
Inputs = list[tuple[str | None, str]]  # (path or None for stdin / words, text)


@dataclass
class Request:
    """One generation command as asked: its task type, inputs and options (checked by :func:`prepare`)."""

    command: str  #: a task type: document, summarize, comment, commit, api, synthesize
    inputs: list[str] = field(default_factory=lambda: ["-"])  #: files ('-': stdin) or, for text commands, words
    model: str | None = None  #: a directory or zoo id; None: the task's default model
    backend: str | None = "auto"
    quantization: str | None = None
    lang: str | None = None  #: None: from the file's extension, else detected
    context: str | None = None  #: draw exemplars from this repository
    no_context: bool = False  #: the model's text alone
    k: int | None = None  #: exemplars per input; None: the model's
    min_confidence: float | None = None  #: None: the model's threshold
    max_new_tokens: int | None = None
    num_beams: int | None = None
    no_repeat_ngram_size: int | None = None
    batch_size: int = 8
    as_json: bool = False  #: JSON lines instead of text with provenance
    message: bool = False  #: a commit message (where the subject came from as a ``#`` line git drops)
    extra: dict[str, Any] = field(default_factory=dict)  #: the command's own call options (synthesize's checks)


@dataclass
class Opened:
    """A request's pipeline, the confidence from which its answers count as sure, and its context policy."""

    pipe: Any
    threshold: float | None
    pools: Any


def prepare(request: Request, note: Lines | None = None, lenient: bool = False) -> tuple[dict[str, Any], Inputs]:
    """(the call options, the inputs) of a request, checked and read before the model loads: a bad option or
    input is a one-line error, not a wasted model load. ``lenient`` (``document --check``): a binary, huge or
    unreadable file is one ``note`` and the others are read (it must not hide their findings)."""
    from codetrans.generation import check_batch_size, check_generate_options, check_k
    from codetrans.safeio import read_input
    from codetrans.tasks import get_task_type

    generate = check_generate_options({k: v for k, v in (
        ("max_new_tokens", request.max_new_tokens), ("num_beams", request.num_beams),
        ("no_repeat_ngram_size", request.no_repeat_ngram_size)) if v is not None})
    generate["batch_size"] = check_batch_size(request.batch_size)
    if request.k is not None:
        generate["k"] = check_k(request.k)
    if request.context and request.no_context:
        raise CodeTransError("--context and --no-context contradict each other")
    if request.min_confidence is not None and not 0.0 <= request.min_confidence <= 1.0:
        raise CodeTransError(f"--min-confidence must be between 0 and 1, got {request.min_confidence}")
    generate.update(request.extra)
    if get_task_type(request.command).input_kind == "text":  # a query / description: words, or stdin
        words = request.inputs
        return generate, [(None, read_input("-")[0] if not words or words == ["-"] else " ".join(words))]
    inputs, seen = [], set()
    for path in request.inputs:
        if path != "-":  # f.py and ./f.py are one file: read (and with --write, rewrite) it once
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
        if lenient and path != "-" and os.path.lexists(path):  # a missing file is an error, as everywhere
            try:
                text, name = read_input(path)
            except CodeTransError as exc:  # binary, oversized, unreadable, not a regular file
                (note or _ignore)(f"{path}: skipped: {exc}")
                continue
        else:
            text, name = read_input(path)
        inputs.append((name, text))
    return generate, inputs


def open_pipeline(request: Request, note: Lines | None = None) -> Opened:
    """The request's pipeline (model and backend resolved), its threshold and its context policy (which
    announces each pool once through ``note``, prefixed ``context:``)."""
    from codetrans.serving.context_policy import ContextPolicy
    from codetrans.serving.pipelines import pipeline

    pipe = pipeline(request.command, model=request.model, backend=request.backend,
                    quantization=request.quantization)
    notify = (lambda text: note(f"context: {text}")) if note is not None else _ignore
    pools = ContextPolicy(pipe, request.command, explicit=request.context, off=request.no_context, k=request.k,
                          notify=notify)
    threshold = request.min_confidence if request.min_confidence is not None else pipe.write_threshold()
    return Opened(pipe, threshold, pools)


def call_options(request: Request, generate: dict[str, Any], pools: Any, name: str | None,
                 text: str) -> dict[str, Any]:
    """One input's call options: the request's, its repository context and its language."""
    from codetrans.tasks import get_task_type

    kwargs = dict(generate)
    pool = pools.get(name)
    if pool is not None:
        kwargs["context"] = pool
    elif request.command == "commit" and request.no_context:
        kwargs["ground"] = False  # a commit is grounded in its own changelog entry even with no history
    if request.lang or (name and get_task_type(request.command).input_kind == "code"):
        from codetrans.lang.tokenize import language_of

        kwargs["lang"] = language_of(request.lang, name, text)
    return kwargs


def shown(result: dict[str, Any], threshold: float | None, *, message: bool = False, as_json: bool = False,
          name: str | None = None) -> str:
    """A result as the commands print it: JSON, or the text with where it came from, ``  [provenance;
    confidence]`` (for a commit ``message``: a ``#`` line git drops). Under the threshold the text is "not sure":
    for ``message`` (what the hook writes) it goes into the comment only, so that it never becomes the
    subject unless the user keeps it."""
    from codetrans.apps.docwriter import answer_tag, not_sure

    if name:
        result = {"path": name, **result}
    if as_json:
        return json.dumps(result, ensure_ascii=False, default=str)
    tag = answer_tag(result)
    text = result["generated_text"]
    if not_sure(result, threshold):
        if message:
            line = f"\n# codetrans: not sure ({tag}); a candidate subject, uncomment it to keep it:\n# {text}"
        else:
            line = f"(not sure) {text}  [{tag}]"
    elif not tag:
        line = text
    else:
        line = text + (f"\n# codetrans: {tag}" if message else f"  [{tag}]")
    if "result" in result:
        line += f"  => {result['result']}"
    elif "error" in result:
        line += f"  (error: {result['error']})"
    return line


def run(request: Request, out: Lines, note: Lines | None = None, inputs: Inputs | None = None) -> int:
    """A generation command: each input's results as lines to ``out``. ``inputs``: read by the command itself
    (``commit --staged``); else the request's files or words."""
    if inputs is not None:
        request = replace(request, inputs=[])  # read by the command: nothing more to read
    generate, read = prepare(request, note)
    inputs = read if inputs is None else inputs
    opened = open_pipeline(request, note)
    for name, text in inputs:
        for r in opened.pipe(text, **call_options(request, generate, opened.pools, name, text)):
            out(shown(r, opened.threshold, message=request.message, as_json=request.as_json, name=name))
    return 0


def _ignore(text: str) -> None:
    del text


__all__ = ["Inputs", "Lines", "Opened", "Request", "call_options", "open_pipeline", "prepare", "run", "shown"]
