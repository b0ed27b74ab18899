"""What every task pipeline does whatever the backend: raw input -> model input, output ids -> result dicts.

Each pipeline is transformers' four methods: ``_sanitize_parameters`` splits keyword arguments,
``preprocess`` turns raw input into the model's input (tree-sitter tokens or a normalized diff, plus
the original task prefix), ``_forward`` calls ``generate``, ``postprocess`` decodes. :class:`TaskLogic` holds
all but ``_forward`` for every task: what differs between tasks is its :class:`~codetrans.serving.strategies.
TaskStrategy` (sub-task, input preparation, result fields, and the post-processing steps around generation:
a whole file, grounding, execution-guided choice). One class per backend adds ``_forward`` and batched
generation: :class:`codetrans.serving.torch_pipelines.CodeTransPipeline` (transformers) and
:class:`codetrans.serving.ct2.FastPipeline` (CTranslate2). Pre-tokenized input, as the original CodeTrans
expected, is accepted too (``pretokenized=True``, or an input that already starts with the task prefix).

Repository context: a call may pass ``context=`` (a path -> its repository's documented functions, or for
commit messages its git history; a list of (input, target) pairs; a :class:`codetrans.retrieval.Pool`;
``True``: the model's shipped index of its training pairs, for tasks with no repository) and ``k=``.
Models that declare context support get the ``k`` nearest exemplars after their input, and every result
of such a call carries ``"exemplars": n``; other models generate without them (one logged
note). The format and the policy: :mod:`codetrans.serving.context`.

This module imports neither torch nor transformers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.serving.exemplars import ExemplarInput
from codetrans.serving.strategies import TaskStrategy, strategy_for
from codetrans.tasks import (
    API,
    SubTask,
    TaskType,
    format_input,
    get_task_type,
    strip_prefix,
)

logger = logging.getLogger(__name__)

MAX_INPUT_CHARS = 2_000_000  # beyond this an input is surely not one function / diff / query


def check_text(inputs: Any) -> str:
    if isinstance(inputs, (bytes, bytearray)):
        from codetrans.safeio import MAX_INPUT_BYTES, decode_text

        if len(inputs) > max(MAX_INPUT_BYTES, MAX_INPUT_CHARS * 4):
            raise CodeTransError(f"input has {len(inputs):,} bytes; the limit is {MAX_INPUT_CHARS:,} characters")
        inputs = decode_text(bytes(inputs), "input", strict=True)  # the one encoding policy (NUL: binary)
    if not isinstance(inputs, str):
        raise CodeTransError(f"input must be a string, got {type(inputs).__name__}")
    if "\0" in inputs:
        raise CodeTransError("input looks binary (NUL bytes), not source code")
    if not inputs.strip():
        raise CodeTransError("input is empty")
    if len(inputs) > MAX_INPUT_CHARS:
        raise CodeTransError(f"input has {len(inputs):,} characters; the limit is {MAX_INPUT_CHARS:,}")
    return inputs


def longest_first(lengths: Sequence[int], batch_size: int | None = None) -> Iterator[list[int]]:
    """Indices of the inputs, longest first, in batches of ``batch_size`` (None: one batch): batches hold inputs
    of similar length, so padding is small. The one batching order of both backends; callers put results
    back in their caller's order."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    size = max(1, int(batch_size or len(order) or 1))
    for start in range(0, len(order), size):
        yield order[start:start + size]


class TaskLogic(ExemplarInput):
    """A task pipeline whatever the backend: the task's :class:`~codetrans.serving.strategies.TaskStrategy`
    (``strategy``) decides what differs between tasks; the backend class adds ``_forward``, ``_model_inputs``
    and :meth:`generate_results` (batched). What the model's ``codetrans.json`` decides (decoding defaults, exemplars)
    comes from the mixins :class:`~codetrans.serving.settings.ModelSettings` and
    :class:`~codetrans.serving.exemplars.ExemplarInput`."""

    strategy: TaskStrategy
    backend: str = ""

    def _use_task(self, task: str) -> None:
        self.strategy = strategy_for(task)

    @property
    def task_type(self) -> str:
        return self.strategy.task_type

    @property
    def type(self) -> TaskType:
        return get_task_type(self.task_type)

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """One input -> a list of result dicts (one, or ``num_return_sequences``); a list -> a list of such
        lists, in the caller's order. The task's steps (:mod:`codetrans.serving.steps`) wrap generation."""
        call: Callable[..., Any] = self.generate_results
        for step in reversed(self.strategy.steps):
            call = partial(step, self, call)  # step(pipe, generate, inputs, ...): each wraps the next
        return call(inputs, *args, **kwargs)

    def generate_results(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The model's results for one input or a list (the backend's batching, in :func:`longest_first` order)."""
        raise NotImplementedError

    def _sanitize_parameters(self, lang: str | None = None, pretokenized: bool | None = None,
                             max_input_length: int | None = None, context: Any = None, k: int | None = None,
                             **generate_kwargs: Any):
        preprocess: dict[str, Any] = {}
        if context is not None:
            # resolved once per call (a path becomes a pool here), shared by every item of a list
            preprocess["context"] = self._context_pool(context)
            if k is not None:
                from codetrans.generation import check_k

                preprocess["k"] = check_k(k)
        if lang is not None:
            preprocess["lang"] = lang
        if pretokenized is not None:
            preprocess["pretokenized"] = pretokenized
        if max_input_length is not None:
            from codetrans.generation import check_int

            preprocess["max_input_length"] = check_int("max_input_length", max_input_length, 2)
        from codetrans.generation import check_generate_options

        return preprocess, check_generate_options(generate_kwargs), {}

    # -- the task-specific part (the strategy's) ---------------------------------------------------
    def subtask(self, lang: str | None, text: str) -> SubTask:
        """The sub-task (language) an input belongs to."""
        return self.strategy.subtask(self.task_type, lang, text)

    def parse_input(self, inputs: Any, lang: str | None = None, pretokenized: bool = False) -> tuple[SubTask, str]:
        """(sub-task, model-format source without prefix) of one raw or model-format input."""
        text = check_text(inputs)
        found, rest = strip_prefix(text)
        if found is not None and found.task_type == self.task_type:
            return found, rest  # already in model format, prefix included
        subtask = self.subtask(lang, text)
        return subtask, text.strip() if pretokenized else self.strategy.prepare(text, subtask)

    # -- transformers' four methods (``_forward`` is the backend's) --------------------------------
    def preprocess(self, inputs: Any, lang: str | None = None, pretokenized: bool = False,
                   max_input_length: int | None = None, context: Any = None, k: int | None = None) -> dict[str, Any]:
        subtask, source = self.parse_input(inputs, lang, pretokenized)
        model_input = format_input(subtask, source)
        limit = max_input_length or self._max_input_length()
        extra: dict[str, Any] = {}
        if context is not None:  # asked for context: the result says how many exemplars it got
            model_input, extra["exemplars"] = self._with_context(model_input, subtask, source, context, k, limit)
        # A token covers at most a few dozen characters: tokenizing a prefix of limit * 64 characters gives
        # the same first tokens as the whole text without holding a million token ids per request.
        cut = limit * 64
        head = model_input if len(model_input) <= cut else model_input[:cut]
        ids = list(self.tokenizer(head, truncation=False)["input_ids"])
        if len(ids) > limit:
            what = f"{len(ids)} tokens" if head is model_input else f"{len(model_input):,} characters"
            logger.warning("input of %s truncated to the model's %d tokens", what, limit)
            ids = ids[: limit - 1] + ids[-1:]  # keep </s>
        return {**self._model_inputs(ids), "subtask": subtask.id, "source": source, **extra}

    def _model_inputs(self, ids: list[int]) -> dict[str, Any]:
        """Token ids of one input -> what this backend's ``_forward`` takes."""
        return {"input_ids": ids}

    def postprocess(self, model_outputs: dict[str, Any]) -> list[dict[str, Any]]:
        """Result dicts, input after input (``num_return_sequences`` of them per input)."""
        ids = model_outputs["output_ids"]
        if getattr(ids, "ndim", 2) == 3:  # (inputs, n, length): the torch backend's n best
            ids = ids.reshape(-1, ids.shape[-1])
        subtasks = model_outputs["subtask"]
        subtasks = subtasks if isinstance(subtasks, list) else [subtasks]
        texts = self.tokenizer.batch_decode(ids, skip_special_tokens=True)
        per = max(1, len(texts) // len(subtasks))
        results = [self.finish(text.strip(), subtasks[min(i // per, len(subtasks) - 1)]) for i, text in enumerate(texts)]
        if "exemplars" in model_outputs:  # context was asked for: say how much of it each input got
            counts = model_outputs["exemplars"]
            counts = counts if isinstance(counts, list) else [counts]
            for i, r in enumerate(results):
                r["exemplars"] = int(counts[min(i // per, len(counts) - 1)])
        return results

    def finish(self, text: str, subtask_id: str) -> dict[str, Any]:
        """One decoded output -> the result dict (with the fields the task derives from its text)."""
        return {"generated_text": text, "task": subtask_id, **self.strategy.fields(text)}

    def _max_input_length(self) -> int:
        limit = getattr(self.tokenizer, "model_max_length", None)
        if not limit or limit > 100_000:  # unset tokenizers report a huge sentinel value
            limit = 512
        return int(limit)

    # -- what grounding reads from the model directory (loaded once per pipeline) ------------------
    def verifier(self) -> Any:
        """The model directory's verifier (:mod:`codetrans.grounding.verifier`), loaded once; None without one
        or for a task whose answers it does not judge."""
        if not self.type.verifier_kind:  # the registry says which task types the verifier judges
            return None
        if not hasattr(self, "_verifier"):
            from codetrans.grounding.verifier import load_verifier

            self._verifier = load_verifier(self._model_dir())
        return self._verifier

    def write_threshold(self) -> float | None:
        """The confidence from which an answer is written into a file (``--write``, ``--fix``, the LSP, the
        hook), chosen on the judged validation set; None without a verifier (every answer is written)."""
        verifier = self.verifier()
        return None if verifier is None else verifier.write_threshold(self.task_type)

    def chooser(self) -> Any:
        """The chooser among candidates (the model's own file, else the package's), loaded once."""
        if getattr(self, "_chooser", None) is None:
            from codetrans.grounding import grounder

            self._chooser = grounder(self.task_type).load_chooser(self._model_dir())
        return self._chooser

    def grounding_pool(self, context: Any) -> Any:
        """The pool of a ``context=`` argument, or None when it holds nothing to draw from (then the
        model's text is the answer, after one logged note)."""
        if context is True:
            if self.type.pool != "train":  # grounded in the user's repository, not the model's index
                raise CodeTransError(f"{self.type.title} is grounded in a repository: pass context=PATH (or a "
                                     "pool, or (input, target) pairs), not True")
            index = self.context_index()
            if not index or API not in index:
                raise CodeTransError("context=True needs a model that ships an index of its training pairs "
                                     "(context_index.npz with API sequences); pass (input, target) pairs instead")
            return index[API]
        from codetrans.serving.context import resolve_pool

        pool = resolve_pool(context, self.task_type)
        if len(pool) == 0:
            logger.warning("%s; generating without context", pool.note or "no documented functions to draw from")
            return None
        return pool

    # -- a whole source file (documentation) -------------------------------------------------------
    def _functions(self, text: str, lang: str | None) -> list[dict]:
        from codetrans.lang.extract import EXTRACT_LANGUAGES, list_functions
        from codetrans.lang.tokenize import detect_language

        check_text(text)
        lang = lang or detect_language(code=text)
        if lang is None or lang not in EXTRACT_LANGUAGES:
            return []
        return list_functions(text, lang)

    def document_file(self, text: str, functions: list[dict] | None = None, **kwargs: Any) -> list[dict]:
        """Every function of a source file -> ``{func_name, start_line, end_line, documented, generated_text}``."""
        if self.type.input_kind != "code":
            raise CodeTransError(f"{self.type.title} does not read source files function by function")
        lang = kwargs.pop("lang", None)
        if functions is None:
            functions = self._functions(text, lang)
        if not functions:
            from codetrans.lang.extract import no_functions_message
            from codetrans.lang.tokenize import detect_language

            raise CodeTransError(no_functions_message(text, lang or detect_language(code=text)))
        subtask = self.subtask(lang, text)
        sources = [format_input(subtask, " ".join(f["code_tokens"])) for f in functions]
        from codetrans.serving.steps import ground

        named = {"names": [f["func_name"] for f in functions]} if ground in self.strategy.steps else {}
        results = self(sources, **named, **kwargs)
        return [{"func_name": f["func_name"], "start_line": f["start_line"], "end_line": f["end_line"],
                 "documented": f["documented"], **r[0]} for f, r in zip(functions, results)]

