"""What a pipeline reads from its model's ``codetrans.json``: the decoding each sub-task gets by default.

A mixin of :class:`codetrans.serving.logic.TaskLogic` (through :class:`~codetrans.serving.exemplars.ExemplarInput`):
the metadata is read once per pipeline, from ``model_dir`` (CTranslate2) or the torch model's path.
"""

from __future__ import annotations

import logging
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.meta import ModelMeta
from codetrans.tasks import get_subtask

logger = logging.getLogger(__name__)


class ModelSettings:
    """The model's metadata and decoding defaults (needs ``model_dir`` or ``model.name_or_path``)."""

    def decoding(self, subtask_id: str) -> dict[str, Any]:
        """The decoding a sub-task gets when the caller passes no options: the task type's defaults
        (:data:`codetrans.tasks.TASK_TYPES`), overridden by the model's own (``codetrans.json`` ->
        ``decoding`` -> sub-task, as chosen on validation data by ``scripts/tune_decoding.py``)."""
        return {**get_subtask(subtask_id).type.decoding, **self._tuned_decoding().get(subtask_id, {})}

    def with_defaults(self, subtask: str | list[str], generate_kwargs: dict[str, Any]) -> dict[str, Any]:
        """``generate_kwargs`` completed with the sub-task's decoding defaults (a batch shares one
        decoding: its first item's sub-task decides; the caller's options always win)."""
        sid = subtask[0] if isinstance(subtask, (list, tuple)) else subtask
        out = self.decoding(sid)
        if "max_length" in generate_kwargs:
            out.pop("max_new_tokens", None)
        out.update(generate_kwargs)
        if out.get("num_beams", 1) == 1:  # beam-only options would only draw warnings from greedy search
            out.pop("length_penalty", None)
            out.pop("early_stopping", None)
        return out

    def _model_meta(self) -> ModelMeta:
        """The model's ``codetrans.json`` (read once; empty for a model without one)."""
        meta = getattr(self, "_meta", None)
        if meta is None:
            from codetrans.serving.context import model_meta

            meta = self._meta = model_meta(self._model_dir())
        return meta

    def _model_dir(self) -> str | None:
        return getattr(self, "model_dir", None) or getattr(getattr(self, "model", None), "name_or_path", None)

    def _tuned_decoding(self) -> dict[str, dict[str, Any]]:
        tuned = getattr(self, "_tuned", None)
        if tuned is None:
            from codetrans.generation import check_generate_options

            try:
                found = self._model_meta().decoding or {}
                tuned = {k: check_generate_options(v) for k, v in found.items() if isinstance(v, dict)}
            except (ValueError, AttributeError, CodeTransError) as exc:
                logger.warning("ignoring the model's decoding defaults: %s", exc)
                tuned = {}
            self._tuned = tuned
        return tuned
