"""``codetrans-*`` pipelines for transformers: raw source in, text out.

Each pipeline is transformers' four methods: ``_sanitize_parameters`` splits keyword arguments,
``preprocess`` turns raw input into the model's input (tree-sitter tokens or a normalized diff, plus
the original task prefix), ``_forward`` calls ``generate``, ``postprocess`` decodes. Pre-tokenized
input, as the original CodeTrans expected, is accepted too (``pretokenized=True``, or an input that
already starts with the task prefix).

Two backends share everything but ``_forward``: torch (the ``transformers.Pipeline`` subclasses below,
built when transformers is first wanted) and CTranslate2 (:class:`FastPipeline`, which imports neither
torch nor transformers). :func:`pipeline` picks one (``backend="auto"|"torch"|"ct2"``).

``import codetrans`` registers the six names with transformers' pipeline registry (see
:func:`register`), so ``transformers.pipeline("codetrans-document", model=DIR, lang="python")`` works.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.tasks import SubTask, TaskType, format_input, get_subtask, get_task_type, strip_prefix

logger = logging.getLogger(__name__)

MAX_INPUT_CHARS = 2_000_000  # beyond this an input is surely not one function / diff / query
DEFAULT_MAX_NEW_TOKENS = 64


def _check_text(inputs: Any) -> str:
    if isinstance(inputs, (bytes, bytearray)):
        from codetrans.safeio import MAX_INPUT_BYTES, decode_text

        if len(inputs) > max(MAX_INPUT_BYTES, MAX_INPUT_CHARS * 4):
            raise CodeTransError(f"input has {len(inputs):,} bytes; the limit is {MAX_INPUT_CHARS:,} characters")
        inputs = decode_text(bytes(inputs), "input", warn=False)  # the one encoding policy (NUL: binary)
    if not isinstance(inputs, str):
        raise CodeTransError(f"input must be a string, got {type(inputs).__name__}")
    if "\0" in inputs:
        raise CodeTransError("input looks binary (NUL bytes), not source code")
    if not inputs.strip():
        raise CodeTransError("input is empty")
    if len(inputs) > MAX_INPUT_CHARS:
        raise CodeTransError(f"input has {len(inputs):,} characters; the limit is {MAX_INPUT_CHARS:,}")
    return inputs


class TaskLogic:
    """What every task pipeline does whatever the backend: subclasses set ``task_name`` and may override
    :meth:`subtask`, :meth:`prepare` and :meth:`finish`. Backend classes (``CodeTransPipeline`` for
    torch, :class:`FastPipeline` for CTranslate2) add ``_forward``, ``_model_inputs`` and batching."""

    task_name: str = ""
    backend: str = ""

    @property
    def task_type(self) -> TaskType:
        return get_task_type(self.task_name)

    def _sanitize_parameters(self, lang: str | None = None, pretokenized: bool | None = None,
                             max_input_length: int | None = None, **generate_kwargs: Any):
        preprocess: dict[str, Any] = {}
        if lang is not None:
            preprocess["lang"] = lang
        if pretokenized is not None:
            preprocess["pretokenized"] = pretokenized
        if max_input_length is not None:
            from codetrans.generation import check_int

            preprocess["max_input_length"] = check_int("max_input_length", max_input_length, 2)
        from codetrans.generation import check_generate_options

        return preprocess, check_generate_options(generate_kwargs), {}

    # -- the task-specific part ------------------------------------------------------------------
    def subtask(self, lang: str | None, text: str) -> SubTask:
        """The sub-task (language) an input belongs to."""
        return get_subtask(self.task_name, lang)

    def prepare(self, text: str, subtask: SubTask) -> str:
        """Raw input -> the model's source text (without prefix)."""
        return " ".join(text.split())

    # -- transformers' four methods (``_forward`` is the backend's) --------------------------------
    def preprocess(self, inputs: Any, lang: str | None = None, pretokenized: bool = False,
                   max_input_length: int | None = None) -> dict[str, Any]:
        text = _check_text(inputs)
        found, rest = strip_prefix(text)
        if found is not None and found.task == self.task_name:
            subtask, source = found, rest  # already in model format, prefix included
        else:
            subtask = self.subtask(lang, text)
            source = text.strip() if pretokenized else self.prepare(text, subtask)
        model_input = format_input(subtask, source)
        limit = max_input_length or self._max_input_length()
        # A token covers at most a few dozen characters: tokenizing a prefix of limit * 64 characters gives
        # the same first tokens as the whole text without holding a million token ids per request.
        cut = limit * 64
        head = model_input if len(model_input) <= cut else model_input[:cut]
        ids = list(self.tokenizer(head, truncation=False)["input_ids"])
        if len(ids) > limit:
            what = f"{len(ids)} tokens" if head is model_input else f"{len(model_input):,} characters"
            logger.warning("input of %s truncated to the model's %d tokens", what, limit)
            ids = ids[: limit - 1] + ids[-1:]  # keep </s>
        return {**self._model_inputs(ids), "subtask": subtask.id, "source": source}

    def _model_inputs(self, ids: list[int]) -> dict[str, Any]:
        """Token ids of one input -> what this backend's ``_forward`` takes."""
        return {"input_ids": ids}

    def postprocess(self, model_outputs: dict[str, Any]) -> list[dict[str, Any]]:
        ids = model_outputs["output_ids"]
        subtasks = model_outputs["subtask"]
        subtasks = subtasks if isinstance(subtasks, list) else [subtasks]
        texts = self.tokenizer.batch_decode(ids, skip_special_tokens=True)
        return [self.finish(text.strip(), subtasks[min(i, len(subtasks) - 1)]) for i, text in enumerate(texts)]

    def finish(self, text: str, subtask_id: str) -> dict[str, Any]:
        """One decoded output -> the result dict (subclasses add fields)."""
        return {"generated_text": text, "task": subtask_id}

    def _max_input_length(self) -> int:
        limit = getattr(self.tokenizer, "model_max_length", None)
        if not limit or limit > 100_000:  # unset tokenizers report a huge sentinel value
            limit = 512
        return int(limit)


class CodeTask(TaskLogic):
    """Pipelines whose input is source code (document, summarize, comment)."""

    def subtask(self, lang: str | None, text: str) -> SubTask:
        from codetrans.lang.tokenize import language_of

        return get_subtask(self.task_name, language_of(lang, None, text))

    def prepare(self, text: str, subtask: SubTask) -> str:
        from codetrans.lang.tokenize import tokenize_code

        result = tokenize_code(text, subtask.lang, drop_docstrings=True)
        if result.partial:
            logger.warning("the %s input does not parse cleanly; using the parser's error recovery", subtask.lang)
        return result.text


class DocumentTask(CodeTask):
    """Function -> docstring summary. A whole file documents each of its functions (``whole_file``).

    The original has no C# documentation sub-task; C# methods are documented with the C# summarization
    sub-task (the model must have been trained on it).
    """

    task_name = "document"

    def subtask(self, lang: str | None, text: str) -> SubTask:
        from codetrans.lang.tokenize import language_of

        lang = language_of(lang, None, text)
        if lang == "c_sharp":
            return get_subtask("summarize", "c_sharp")
        return get_subtask(self.task_name, lang)

    def __call__(self, inputs: Any, *args: Any, whole_file: bool | None = None, **kwargs: Any) -> Any:
        if isinstance(inputs, str) and whole_file is not False:
            functions = self._functions(inputs, kwargs.get("lang"))
            if whole_file or len(functions) > 1:
                return self.document_file(inputs, functions, **kwargs)
        return super().__call__(inputs, *args, **kwargs)

    def _functions(self, text: str, lang: str | None) -> list[dict]:
        from codetrans.lang.extract import EXTRACT_LANGUAGES, list_functions
        from codetrans.lang.tokenize import detect_language

        _check_text(text)
        lang = lang or detect_language(code=text)
        if lang is None or lang not in EXTRACT_LANGUAGES:
            return []
        return list_functions(text, lang)

    def document_file(self, text: str, functions: list[dict] | None = None, **kwargs: Any) -> list[dict]:
        """Every function of a source file -> ``{func_name, start_line, end_line, documented, generated_text}``."""
        lang = kwargs.pop("lang", None)
        if functions is None:
            functions = self._functions(text, lang)
        if not functions:
            raise CodeTransError("no functions found in the input (is the language right?)")
        subtask = self.subtask(lang, text)
        sources = [format_input(subtask, " ".join(f["code_tokens"])) for f in functions]
        results = self(sources, **kwargs)
        return [{"func_name": f["func_name"], "start_line": f["start_line"], "end_line": f["end_line"],
                 "documented": f["documented"], **r[0]} for f, r in zip(functions, results)]


class SummarizeTask(CodeTask):
    task_name = "summarize"


class CommentTask(CodeTask):
    task_name = "comment"

    def subtask(self, lang: str | None, text: str) -> SubTask:
        return get_subtask(self.task_name, lang or "java")


class CommitTask(TaskLogic):
    """A unified diff (``git diff`` output) -> commit subject."""

    task_name = "commit"

    def prepare(self, text: str, subtask: SubTask) -> str:
        from codetrans.lang.diff import normalize_diff

        source = normalize_diff(text)
        if not source:
            raise CodeTransError("the diff has no changed lines")
        return source


class ApiTask(TaskLogic):
    """A natural-language query -> a ``Class.method`` call sequence."""

    task_name = "api"

    def finish(self, text: str, subtask_id: str) -> dict[str, Any]:
        return {**super().finish(text, subtask_id), "api_sequence": text.split()}


class SynthesizeTask(TaskLogic):
    """A problem description -> an AlgoLisp program, and its value when ``args`` are given."""

    task_name = "synthesize"

    def _sanitize_parameters(self, args: dict | None = None, **kwargs: Any):
        pre, fwd, post = super()._sanitize_parameters(**kwargs)
        if args is not None:
            post["args"] = args
        return pre, fwd, post

    def prepare(self, text: str, subtask: SubTask) -> str:
        import re

        return " ".join(re.findall(r"\w+|[^\w\s]", text.lower()))

    def postprocess(self, model_outputs: dict[str, Any], args: dict | None = None) -> list[dict[str, Any]]:
        results = super().postprocess(model_outputs)
        for r in results:
            r["program"] = r["generated_text"]
            if args is not None:
                from codetrans import algolisp

                try:
                    r["result"] = algolisp.run(r["program"], args)
                except CodeTransError as exc:
                    r["error"] = str(exc)
                except RecursionError:
                    r["error"] = "the program or its input is nested too deeply"
        return results



TASKS: dict[str, type[TaskLogic]] = {
    cls.task_name: cls for cls in (DocumentTask, SummarizeTask, CommentTask, CommitTask, ApiTask, SynthesizeTask)
}


# -- CTranslate2 backend (no torch, no transformers) -------------------------------------------------

class FastPipeline(TaskLogic):
    """A task pipeline on a CTranslate2 export: same inputs, options and results as the torch one.

    Lists are preprocessed, sorted by token length (longest first) and cut into batches of
    ``batch_size``; each batch is one ``translate_batch`` call. Results come back in the caller's order.
    """

    backend = "ct2"

    def __init__(self, export_dir: str | os.PathLike, batch_size: int = 16, threads: int | None = None,
                 model_dir: str | None = None) -> None:
        from codetrans.backends import Ct2Engine

        self.engine = Ct2Engine(export_dir, threads=threads)
        self.tokenizer = self.engine.tokenizer
        self.model = self.engine  # where transformers' pipelines keep theirs
        self.model_dir = model_dir
        self.export_dir = str(export_dir)
        self.batch_size = max(1, int(batch_size))

    def _forward(self, model_inputs: dict[str, Any], **generate_kwargs: Any) -> dict[str, Any]:
        if "max_new_tokens" not in generate_kwargs and "max_length" not in generate_kwargs:
            generate_kwargs["max_new_tokens"] = DEFAULT_MAX_NEW_TOKENS
        output_ids = self.engine.generate(model_inputs["input_ids"], **generate_kwargs)
        return {"output_ids": output_ids, "subtask": model_inputs["subtask"], "source": model_inputs["source"]}

    def __call__(self, inputs: Any, *args: Any, batch_size: int | None = None, **kwargs: Any) -> Any:
        """One input -> a list with one result dict; a list -> a list of such lists."""
        if args:
            raise CodeTransError("pass generation options by name, e.g. max_new_tokens=32")
        from codetrans.backends import ct2_generate_options

        pre, fwd, post = self._sanitize_parameters(**kwargs)
        ct2_generate_options(fwd)  # unsupported options fail before any work
        single = not isinstance(inputs, (list, tuple))
        items = [inputs] if single else list(inputs)
        if not items:
            return []
        from codetrans.generation import check_batch_size

        if batch_size is not None:
            batch_size = check_batch_size(batch_size)
        prepped = [self.preprocess(x, **pre) for x in items]
        order = sorted(range(len(items)), key=lambda i: -len(prepped[i]["input_ids"]))
        size = max(1, int(batch_size or self.batch_size))
        out: list[Any] = [None] * len(items)
        for start in range(0, len(order), size):
            chunk = order[start:start + size]
            batch = {key: [prepped[i][key] for i in chunk] for key in ("input_ids", "subtask", "source")}
            results = self.postprocess(self._forward(batch, **fwd), **post)
            for i, result in zip(chunk, results):
                out[i] = [result]
        return out[0] if single else out


FAST_PIPELINES: dict[str, type[FastPipeline]] = {
    name: type(f"Fast{cls.__name__[:-4]}Pipeline", (cls, FastPipeline), {"__module__": __name__})
    for name, cls in TASKS.items()
}


# -- torch backend: transformers Pipeline subclasses, built once transformers is wanted ---------------

_HF_NAMES = ("CodeTransPipeline", "CodePipeline", "DocumentPipeline", "SummarizePipeline", "CommentPipeline",
             "CommitPipeline", "ApiPipeline", "SynthesizePipeline", "PIPELINES")


def _build_torch_classes() -> dict[str, Any]:
    if "PIPELINES" in globals():
        return globals()
    import torch
    from transformers import Pipeline

    class CodeTransPipeline(TaskLogic, Pipeline):
        """Base of the six torch task pipelines (``transformers.Pipeline``)."""

        backend = "torch"
        _load_processor = False
        _load_image_processor = False
        _load_feature_extractor = False
        _load_tokenizer = True

        def _model_inputs(self, ids: list[int]) -> dict[str, Any]:
            input_ids = torch.tensor([ids], dtype=torch.long)
            return {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}

        def _forward(self, model_inputs: dict[str, Any], **generate_kwargs: Any) -> dict[str, Any]:
            subtask = model_inputs.pop("subtask")
            source = model_inputs.pop("source")
            if "max_new_tokens" not in generate_kwargs and "max_length" not in generate_kwargs:
                generate_kwargs["max_new_tokens"] = DEFAULT_MAX_NEW_TOKENS
            with torch.inference_mode():
                try:
                    output_ids = self.model.generate(
                        input_ids=model_inputs["input_ids"], attention_mask=model_inputs.get("attention_mask"),
                        **generate_kwargs)
                except (ValueError, TypeError) as exc:  # transformers' validation of generation options
                    message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
                    raise CodeTransError(f"invalid generation options: {message}") from None
            return {"output_ids": output_ids, "subtask": subtask, "source": source}

        def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
            """One input -> a list with one result dict; a list -> a list of such lists.

            Lists are processed longest-first (so batches hold inputs of similar length and padding is
            small) and returned in the caller's order.
            """
            if "batch_size" in kwargs and kwargs["batch_size"] is not None:
                from codetrans.generation import check_batch_size

                kwargs["batch_size"] = check_batch_size(kwargs["batch_size"])
            if isinstance(inputs, (list, tuple)):
                if not inputs:
                    return []
                items = [_check_text(x) for x in inputs]
                order = sorted(range(len(items)), key=lambda i: -len(items[i]))
                results = super().__call__([items[i] for i in order], *args, **kwargs)
                out: list[Any] = [None] * len(items)
                for rank, i in enumerate(order):
                    out[i] = results[rank]
                return out
            return super().__call__(inputs, *args, **kwargs)

    CodeTransPipeline.__module__ = __name__
    classes: dict[str, Any] = {"CodeTransPipeline": CodeTransPipeline}
    classes["CodePipeline"] = type("CodePipeline", (CodeTask, CodeTransPipeline), {"__module__": __name__})
    pipelines = {}
    for name, task_cls in TASKS.items():
        cls_name = task_cls.__name__[:-4] + "Pipeline"
        cls = type(cls_name, (task_cls, CodeTransPipeline), {"__module__": __name__, "__doc__": task_cls.__doc__})
        classes[cls_name] = pipelines[name] = cls
    classes["PIPELINES"] = pipelines
    globals().update(classes)
    return classes


def __getattr__(name: str) -> Any:
    # The torch pipeline classes need transformers: build them on first use, not at import.
    if name in _HF_NAMES:
        return _build_torch_classes()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register() -> None:
    """Register the ``codetrans-*`` names with transformers (idempotent)."""
    from transformers import AutoModelForSeq2SeqLM
    from transformers.pipelines import PIPELINE_REGISTRY

    for name, cls in _build_torch_classes()["PIPELINES"].items():
        task = get_task_type(name).pipeline
        if task not in PIPELINE_REGISTRY.supported_tasks:
            PIPELINE_REGISTRY.register_pipeline(task, pipeline_class=cls, pt_model=AutoModelForSeq2SeqLM,
                                                type="text")


# ``import codetrans`` registers through its post-import hook on ``transformers.pipelines``; when transformers
# is already loaded, register now.
if "transformers.pipelines" in sys.modules:
    register()


def pipeline(task: str, model: Any = None, backend: str | None = "auto", quantization: str | None = None,
             export_root: str | os.PathLike | None = None, **kwargs: Any) -> Any:
    """A codetrans task pipeline with the model resolved through the zoo.

    ``model`` may be a directory, a zoo id, or None for the task's default model. ``backend``:
    "torch" (transformers ``generate``), "ct2" (CTranslate2; the export is made once and cached beside
    the model), or "auto" (ct2 when CTranslate2 is installed and an export exists or can be made, else
    torch). ``quantization``: for ct2 the export's weight type ("int8" default, "int8_float32",
    "float32"); for torch "int8" applies dynamic int8 quantization to the Linear layers (default: none).
    Both backends take the same inputs and options and return the same result dicts. ``export_root``:
    keep the CTranslate2 export in this directory instead of beside the model (the demo does).
    """
    from codetrans.backends import CT2_QUANTIZATIONS, check_backend, choose_backend

    ttype = get_task_type(task)
    backend = check_backend(backend)
    if kwargs.get("batch_size") is not None:
        from codetrans.generation import check_batch_size

        kwargs["batch_size"] = check_batch_size(kwargs["batch_size"])
    if quantization is not None and quantization not in CT2_QUANTIZATIONS:
        raise CodeTransError(f"unknown quantization {quantization!r}; choose from {', '.join(CT2_QUANTIZATIONS)}")
    if model is None or isinstance(model, (str, os.PathLike)):
        from codetrans import zoo

        model = str(zoo.resolve(model, task=ttype.name))
    chosen, export_dir = "torch", None
    if isinstance(model, str) and os.path.isdir(model):
        chosen, export_dir = choose_backend(model, backend, quantization, export_root)
    elif backend == "ct2":
        raise CodeTransError("the ct2 backend needs a model directory, not a loaded model")
    if chosen == "ct2":
        device = kwargs.pop("device", None)
        if device not in (None, "cpu", -1):
            raise CodeTransError(f"the ct2 backend runs on the CPU here, not on device {device!r}")
        unknown = set(kwargs) - {"batch_size", "threads"}
        if unknown:
            raise CodeTransError(f"option(s) {', '.join(sorted(unknown))} are not supported by the ct2 backend")
        return FAST_PIPELINES[ttype.name](export_dir, model_dir=model, **kwargs)
    return _torch_pipeline(ttype, model, quantization, **kwargs)


def _torch_pipeline(ttype: TaskType, model: Any, quantization: str | None, **kwargs: Any) -> Any:
    import torch
    import transformers

    from codetrans.backends import cpu_threads, quantize_int8

    if torch.get_num_threads() > cpu_threads():  # torch counts the host's cores, not the ones we may use
        torch.set_num_threads(cpu_threads())
    kwargs.setdefault("batch_size", 8)  # lists are length-sorted, so batches carry little padding
    pipe = transformers.pipeline(ttype.pipeline, model=model, **kwargs)
    if quantization in ("int8", "int8_float32"):
        pipe.model = quantize_int8(pipe.model)
    return pipe
