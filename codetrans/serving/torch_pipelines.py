"""The torch backend: one ``transformers.Pipeline`` class for the six ``codetrans-*`` tasks.

Importing this module imports torch and transformers; :func:`codetrans.serving.pipelines.pipeline`
and the package's registration hook (``codetrans/__init__.py``) import it only when a torch pipeline
is wanted. :func:`register` adds the six names to transformers' pipeline registry, so
``transformers.pipeline("codetrans-document", model=DIR, lang="python")`` works; the task name transformers
passes picks the task's strategy (:mod:`codetrans.serving.strategies`).
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import AutoModelForSeq2SeqLM, Pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from codetrans.errors import CodeTransError
from codetrans.serving.logic import TaskLogic, check_text, longest_first
from codetrans.tasks import TASK_TYPES


class CodeTransPipeline(TaskLogic, Pipeline):
    """A codetrans task pipeline on a torch model (``transformers.Pipeline``); ``task`` names the task."""

    backend = "torch"
    _load_processor = False
    _load_image_processor = False
    _load_feature_extractor = False
    _load_tokenizer = True

    def __init__(self, *args: Any, task: str = "", **kwargs: Any) -> None:
        self._use_task(task)  # before Pipeline.__init__, which may already sanitize options
        super().__init__(*args, task=task, **kwargs)

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

    def generate_results(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """transformers' own loop (it batches by ``batch_size``) over the inputs in :func:`longest_first` order."""
        if "batch_size" in kwargs and kwargs["batch_size"] is not None:
            from codetrans.generation import check_batch_size

            kwargs["batch_size"] = check_batch_size(kwargs["batch_size"])
        if not isinstance(inputs, (list, tuple)):
            return Pipeline.__call__(self, inputs, *args, **kwargs)
        if not inputs:
            return []
        items = [check_text(x) for x in inputs]
        order = next(longest_first([len(x) for x in items]))  # one batch: transformers cuts it
        results = Pipeline.__call__(self, [items[i] for i in order], *args, **kwargs)
        out: list[Any] = [None] * len(items)
        for rank, i in enumerate(order):
            out[i] = results[rank]
        return out


def register() -> None:
    """Register the ``codetrans-*`` names with transformers (idempotent). Called by the package's import
    hook only (``codetrans/__init__.py``), the one registration call site."""
    from codetrans.serving.zoo import default_model

    for name, ttype in TASK_TYPES.items():
        if ttype.pipeline not in PIPELINE_REGISTRY.supported_tasks:
            shipped = default_model(name)  # transformers.pipeline(task) with no model= loads the shipped one
            default = {"model": (shipped.location, "main")} if shipped else None
            PIPELINE_REGISTRY.register_pipeline(ttype.pipeline, pipeline_class=CodeTransPipeline,
                                                pt_model=AutoModelForSeq2SeqLM, default=default, type="text")
