"""``pipeline()``: a codetrans task pipeline on the torch or the CTranslate2 backend.

Raw source in, text out. The task logic lives in :mod:`codetrans.serving.logic`, the backends in
:mod:`codetrans.serving.torch_pipelines` and :mod:`codetrans.serving.ct2`; this module picks one
(``backend="auto"|"torch"|"ct2"``) and resolves the model through the zoo. Import-light: torch and
transformers load only when the torch backend is chosen.
"""

from __future__ import annotations

import os
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.tasks import TaskType, get_task_type


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
    Calls take ``context=`` (a path, (input, target) pairs or a Pool) and ``k=`` on both backends
    (:mod:`codetrans.serving.logic`).
    """
    from codetrans.serving.backends import check_backend, choose_backend
    from codetrans.serving.ct2 import CT2_QUANTIZATIONS

    ttype = get_task_type(task)
    backend = check_backend(backend)
    if kwargs.get("batch_size") is not None:
        from codetrans.generation import check_batch_size

        kwargs["batch_size"] = check_batch_size(kwargs["batch_size"])
    if quantization is not None and quantization not in CT2_QUANTIZATIONS:
        raise CodeTransError(f"unknown quantization {quantization!r}; choose from {', '.join(CT2_QUANTIZATIONS)}")
    if model is None or isinstance(model, (str, os.PathLike)):
        from codetrans.serving import zoo

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
        from codetrans.serving.ct2 import FAST_PIPELINES

        return FAST_PIPELINES[ttype.name](export_dir, model_dir=model, **kwargs)
    return _torch_pipeline(ttype, model, quantization, **kwargs)


def _torch_pipeline(ttype: TaskType, model: Any, quantization: str | None, **kwargs: Any) -> Any:
    import torch
    import transformers

    from codetrans.serving.backends import quantize_int8
    from codetrans.serving.ct2 import cpu_threads

    if torch.get_num_threads() > cpu_threads():  # torch counts the host's cores, not the ones we may use
        torch.set_num_threads(cpu_threads())
    kwargs.setdefault("batch_size", 8)  # lists are length-sorted, so batches carry little padding
    pipe = transformers.pipeline(ttype.pipeline, model=model, **kwargs)
    if quantization in ("int8", "int8_float32"):
        pipe.model = quantize_int8(pipe.model)
    return pipe
