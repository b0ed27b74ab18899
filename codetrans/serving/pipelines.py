"""``pipeline()``: a codetrans task pipeline on the torch or the CTranslate2 backend.

Raw source in, text out. The task logic lives in :mod:`codetrans.serving.logic`, the backends in
:mod:`codetrans.serving.torch_pipelines` and :mod:`codetrans.serving.ct2`; this module picks one
(``backend="auto"|"torch"|"ct2"``) and resolves the model through the zoo. Import-light: torch and
transformers load only when the torch backend is chosen.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.tasks import TaskType, get_task_type


def pipeline(task: str, model: Any = None, backend: str | None = "auto", quantization: str | None = None,
             export_root: str | os.PathLike | None = None, **kwargs: Any) -> Any:
    """A codetrans task pipeline with the model resolved through the zoo.

    ``model`` may be a directory, a zoo id, or None for the task's default model. ``backend``:
    "torch" (transformers ``generate``), "ct2" (CTranslate2; a current export beside the model is used, else
    one is made once under ``$CODETRANS_HOME/exports``), or "auto" (ct2 when CTranslate2 is installed and an export exists or can be made, else
    torch). ``quantization``: for ct2 the export's weight type ("int8" default, "int8_float32",
    "float32"); for torch "int8" applies dynamic int8 quantization to the Linear layers (default: none).
    Both backends take the same inputs and options and return the same result dicts. ``export_root``:
    make CTranslate2 exports in this directory instead of ``$CODETRANS_HOME/exports`` (the demo does).
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
        from codetrans.serving.ct2 import CorruptExportError, FastPipeline

        try:
            return FastPipeline(ttype.name, export_dir, model_dir=model, **kwargs)
        except CorruptExportError as exc:  # a damaged export is never reused: rebuilt elsewhere, once
            from codetrans.serving.backends import rebuild_export

            try:
                export_dir = rebuild_export(model, export_dir, quantization, export_root)
                return FastPipeline(ttype.name, export_dir, model_dir=model, **kwargs)
            except (CodeTransError, OSError) as again:
                if backend == "ct2":
                    raise exc from None
                import logging

                logging.getLogger(__name__).info("using the torch backend: %s (%s)", exc, again)
    return _torch_pipeline(ttype, model, quantization, **kwargs)


def damaged_model_file(model_dir: str | os.PathLike) -> tuple[Path, str] | None:
    """(path, why) of the first file of a model directory that cannot be read as what it should be
    (JSON files, the weights' header, the SentencePiece model), or None when all read. Asked only after
    loading failed, so that the error names the file instead of a library's internals."""
    import json

    root = Path(model_dir)
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                 "generation_config.json", "added_tokens.json"):
        path = root / name
        if path.is_file():
            try:
                json.loads(path.read_bytes().decode("utf-8"))
            except (ValueError, RecursionError) as exc:  # JSON or UTF-8
                return path, f"not valid JSON: {' '.join(str(exc).split())[:80]}"
    if (root / "model.safetensors").is_file():
        try:
            from safetensors import safe_open

            with safe_open(str(root / "model.safetensors"), framework="pt") as f:
                for key in list(f.keys())[:1]:
                    f.get_slice(key)
        except Exception as exc:  # noqa: BLE001 - SafetensorError and friends
            return root / "model.safetensors", " ".join(str(exc).split())[:80] or type(exc).__name__
    if (root / "spiece.model").is_file():
        try:
            import sentencepiece

            sentencepiece.SentencePieceProcessor(model_file=str(root / "spiece.model"))
        except Exception as exc:  # noqa: BLE001 - sentencepiece raises OSError / RuntimeError
            return root / "spiece.model", " ".join(str(exc).split())[:80] or type(exc).__name__
    return None


def _torch_pipeline(ttype: TaskType, model: Any, quantization: str | None, **kwargs: Any) -> Any:
    import torch
    import transformers

    from codetrans.serving.backends import quantize_int8
    from codetrans.serving.ct2 import cpu_threads

    if torch.get_num_threads() > cpu_threads():  # torch counts the host's cores, not the ones we may use
        torch.set_num_threads(cpu_threads())
    kwargs.setdefault("batch_size", 8)  # lists are length-sorted, so batches carry little padding
    try:
        pipe = transformers.pipeline(ttype.pipeline, model=model, **kwargs)
    except Exception:  # noqa: BLE001 - a damaged file of a local model: name it; anything else as it is
        damaged = damaged_model_file(model) if isinstance(model, str) and os.path.isdir(model) else None
        if damaged is None:
            raise
        raise CodeTransError(f"the model file {damaged[0]} is damaged ({damaged[1]}); restore the model from a good "
                             "copy (re-download or re-train it)") from None
    if quantization in ("int8", "int8_float32"):
        pipe.model = quantize_int8(pipe.model)
    return pipe


def verify(code: str, texts: str | Sequence[str], *, lang: str | None = None, kind: str = "doc",
           model: str | Path | None = None) -> list[float]:
    """For each text, the probability that it truly describes ``code`` (a function, or with ``kind="commit"``
    a unified diff and commit subjects), by the verifier of ``model`` (default: the shipped model's)."""
    from codetrans.grounding.verifier import KINDS, VERIFIER_FILE, load_verifier
    from codetrans.serving.zoo import resolve

    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(code, str) or not all(isinstance(t, str) for t in texts):
        raise CodeTransError("verify() takes the code as a string and texts as a string or a list of strings")
    if kind not in KINDS:
        raise CodeTransError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    task = "commit" if kind == "commit" else "document"
    verifier = load_verifier(resolve(model, task))
    if verifier is None:
        raise CodeTransError(f"the model {model or 'shipped by default'} has no verifier ({VERIFIER_FILE}); "
                             "fit one with codetrans verifier fit")
    name = ""
    if kind == "commit":
        from codetrans.lang.diff import normalize_diff

        code = normalize_diff(code) if "\n" in code else code
    else:
        from codetrans.lang.extract import EXTRACT_LANGUAGES, list_functions
        from codetrans.lang.tokenize import detect_language

        lang = lang or detect_language(code=code)
        if lang in EXTRACT_LANGUAGES:
            found = list_functions(code, lang)
            if found:  # the first function's tokens, without its docstring
                name, code = found[0]["func_name"], " ".join(found[0]["code_tokens"])
    return [verifier.probability(code, t, kind=kind, name=name) for t in texts]
