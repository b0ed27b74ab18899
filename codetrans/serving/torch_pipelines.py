"""The torch backend: the six ``codetrans-*`` task pipelines as ``transformers.Pipeline`` subclasses.

Importing this module imports torch and transformers; :func:`codetrans.serving.pipelines.pipeline`
and the package's registration hook (``codetrans/__init__.py``) import it only when a torch pipeline
is wanted. :func:`register` adds the six names to transformers' pipeline registry, so
``transformers.pipeline("codetrans-document", model=DIR, lang="python")`` works.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import AutoModelForSeq2SeqLM, Pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from codetrans.errors import CodeTransError
from codetrans.serving.logic import (
    ApiTask,
    CodeTask,
    CommentTask,
    CommitTask,
    DocumentTask,
    SummarizeTask,
    SynthesizeTask,
    TaskLogic,
    check_text,
)
from codetrans.tasks import get_task_type


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
        extra = {"exemplars": model_inputs.pop("exemplars")} if "exemplars" in model_inputs else {}
        generate_kwargs = self.with_defaults(subtask, generate_kwargs)
        with torch.inference_mode():
            try:
                output_ids = self.model.generate(
                    input_ids=model_inputs["input_ids"], attention_mask=model_inputs.get("attention_mask"),
                    **generate_kwargs)
            except (ValueError, TypeError) as exc:  # transformers' validation of generation options
                message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
                raise CodeTransError(f"invalid generation options: {message}") from None
        in_b = model_inputs["input_ids"].shape[0]
        if output_ids.shape[0] > in_b:  # n best per input: (inputs, n, length), so batches unbatch per input
            output_ids = output_ids.reshape(in_b, output_ids.shape[0] // in_b, *output_ids.shape[1:])
        return {"output_ids": output_ids, "subtask": subtask, "source": source, **extra}

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """One input -> a list of result dicts (one, or ``num_return_sequences``); a list -> a list of such lists.

        Lists are processed longest-first (so batches hold inputs of similar length and padding is
        small) and returned in the caller's order.
        """
        if "batch_size" in kwargs and kwargs["batch_size"] is not None:
            from codetrans.generation import check_batch_size

            kwargs["batch_size"] = check_batch_size(kwargs["batch_size"])
        if isinstance(inputs, (list, tuple)):
            if not inputs:
                return []
            items = [check_text(x) for x in inputs]
            order = sorted(range(len(items)), key=lambda i: -len(items[i]))
            results = super().__call__([items[i] for i in order], *args, **kwargs)
            out: list[Any] = [None] * len(items)
            for rank, i in enumerate(order):
                out[i] = results[rank]
            return out
        return super().__call__(inputs, *args, **kwargs)


class CodePipeline(CodeTask, CodeTransPipeline):
    """Pipelines whose input is source code (document, summarize, comment)."""


class DocumentPipeline(DocumentTask, CodeTransPipeline):
    __doc__ = DocumentTask.__doc__


class SummarizePipeline(SummarizeTask, CodeTransPipeline):
    __doc__ = SummarizeTask.__doc__


class CommentPipeline(CommentTask, CodeTransPipeline):
    __doc__ = CommentTask.__doc__


class CommitPipeline(CommitTask, CodeTransPipeline):
    __doc__ = CommitTask.__doc__


class ApiPipeline(ApiTask, CodeTransPipeline):
    __doc__ = ApiTask.__doc__


class SynthesizePipeline(SynthesizeTask, CodeTransPipeline):
    __doc__ = SynthesizeTask.__doc__


PIPELINES: dict[str, type[CodeTransPipeline]] = {
    cls.task_type: cls for cls in (DocumentPipeline, SummarizePipeline, CommentPipeline, CommitPipeline,
                                   ApiPipeline, SynthesizePipeline)
}


def register() -> None:
    """Register the ``codetrans-*`` names with transformers (idempotent). Called by the package's import
    hook only (``codetrans/__init__.py``), the one registration call site."""
    from codetrans.serving.zoo import default_model

    for name, cls in PIPELINES.items():
        task = get_task_type(name).pipeline
        if task not in PIPELINE_REGISTRY.supported_tasks:
            shipped = default_model(name)  # transformers.pipeline(task) with no model= loads the shipped one
            default = {"model": (shipped.location, "main")} if shipped else None
            PIPELINE_REGISTRY.register_pipeline(task, pipeline_class=cls, pt_model=AutoModelForSeq2SeqLM,
                                                default=default, type="text")
