"""How a pipeline adds repository exemplars to its input (the format and the pools: :mod:`codetrans.serving.context`).

A mixin of :class:`codetrans.serving.logic.TaskLogic`: ``context=`` becomes a pool once per call
(:meth:`ExemplarInput._context_pool`), and each input gets the nearest exemplars within the model's budget
(:meth:`ExemplarInput._with_context`) when the model declares it was trained with them.
"""

from __future__ import annotations

import logging
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.serving.settings import ModelSettings
from codetrans.tasks import SubTask

logger = logging.getLogger(__name__)


class ExemplarInput(ModelSettings):
    """Repository context for a pipeline (needs ``tokenizer``, ``task_type`` and the model's metadata)."""

    def context_spec(self) -> Any:
        """The model's :class:`~codetrans.serving.context.ContextSpec`, or None: it takes no exemplars."""
        from codetrans.serving.context import parse_context

        return parse_context(self._model_meta().context)

    def _context_pool(self, context: Any) -> Any:
        """The pool for a ``context=`` argument, or False when the model was not trained with exemplars
        (then generation goes on without them, after one logged note: exemplars would be garbage to it)."""
        if context is False:
            return False
        if self.context_spec() is None:
            if not getattr(self, "_context_noted", False):
                logger.warning("this model was not trained with exemplars (no 'context' in its codetrans.json): "
                               "generating without context")
                self._context_noted = True
            return False
        if context is True:  # the model's own index of its training pairs (tasks with no repository)
            index = self.context_index()
            if index is None:
                raise CodeTransError("context=True needs a model that ships an index of its training pairs "
                                     "(context_index.npz); pass a path or (input, target) pairs instead")
            return index
        from codetrans.serving.context import resolve_pool

        return resolve_pool(context, self.task_type)

    def context_index(self) -> dict[str, Any] | None:
        """Sub-task id -> pool of the model's shipped index (loaded once), or None."""
        if not hasattr(self, "_index"):
            from codetrans.serving.context import model_index

            self._index = model_index(self._model_dir())
        return self._index

    def _with_context(self, model_input: str, subtask: SubTask, source: str, pool: Any, k: int | None,
                      limit: int) -> tuple[str, int]:
        """``model_input`` with the nearest exemplars of ``pool`` (prefix, code and exemplars sharing the
        model's budget), and how many it holds. Input already holding exemplars is left as it is."""
        from codetrans.retrieval.augment import EXEMPLAR

        spec = self.context_spec()
        if isinstance(pool, dict):  # the model's index: one pool per sub-task
            pool = pool.get(subtask.id, False)
        if pool is False or spec is None or EXEMPLAR in source.split():
            return model_input, 0
        k = spec.k if k is None else k
        if k == 0:
            return model_input, 0
        from codetrans.serving.context import augment_source, find_exemplars

        exemplars = find_exemplars(pool, source, subtask.lang, k)
        if not exemplars:
            return model_input, 0
        return augment_source(subtask, source, exemplars, k=k, budget=min(spec.budget, limit) - 1,
                              tokenizer=self.tokenizer)
