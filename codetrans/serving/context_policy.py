"""Which exemplar pool each input of a command draws from: the context policy of the CLI, the LSP and
the pre-commit hook, in one place.

``--context PATH`` wins; else the input file's repository (git root, else its folder when small:
:func:`codetrans.retrieval.discovery.grounding_root`) for the task types
whose pool is a repository (:data:`codetrans.tasks.REPOSITORY_POOL_TYPES`; ``commit``: the current
repository's history); the others (summaries, API sequences, programs) use the model's shipped index.
Documentation, comments and commit subjects are grounded with any model (:mod:`codetrans.grounding.documentation`,
:mod:`codetrans.grounding.commit`), API sequences with any model that ships an index
(:mod:`codetrans.grounding.api`); the other task types use a pool only when the model was trained
with exemplars (``codetrans.json`` -> ``context``).
Each pool is built once per root and announced once through ``notify``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from codetrans.errors import DataError
from codetrans.tasks import GROUNDED_TYPES, REPOSITORY_POOL_TYPES, get_task_type, subtasks_of


def _log(text: str) -> None:
    import logging

    logging.getLogger("codetrans.context").info(text)


class ContextPolicy:
    """The exemplar pool of each input of one task type (``get(path)``: a pool, ``True`` for the model's
    index, or None for none)."""

    def __init__(self, pipe: Any, task_type: str, *, explicit: str | None = None, off: bool = False,
                 k: int | None = None, notify: Callable[[str], None] = _log) -> None:
        self.task_type, self.explicit, self.off, self.k = task_type, explicit, off, k
        self.history = get_task_type(task_type).pool == "history"
        self.spec = None if off else pipe.context_spec()
        self.grounded = not off and task_type in GROUNDED_TYPES  # any model: retrieve, edit, choose
        self.pipe, self.notify = pipe, notify
        self.cache: dict[str, Any] = {}
        if not off and self.spec is None and explicit and not self.grounded:
            # exemplars would be garbage to such a model (codetrans.serving.context)
            notify("the model was not trained with exemplars (no 'context' in its codetrans.json); "
                   "generating without context")

    def get(self, name: str | None) -> Any:
        if self.off or (self.spec is None and not self.grounded) or (self.k == 0 and not self.grounded):
            return None
        if not self.explicit and self.task_type not in REPOSITORY_POOL_TYPES:
            return self._index()  # no repository: summaries, API sequences and programs use the model's index
        path = self.explicit or ("." if self.history else name)
        if path is None:
            return None  # stdin with no explicit context: no repository to draw from
        from codetrans.retrieval.discovery import grounding_root

        if not self.explicit and not self.history:
            try:  # a file outside git: its folder, when small; else no pool (said once per folder)
                path = str(grounding_root(path))
            except DataError as exc:
                key = f"too big: {exc}"
                if key not in self.cache:
                    self.notify(f"{exc}; generating without context")
                    self.cache[key] = None
                return None
        if path not in self.cache:
            self.cache[path] = self._load(path)
        return self.cache[path]

    def _k(self) -> int:
        return self.spec.k if self.k is None else self.k

    def _index(self) -> Any:
        if "index" not in self.cache:
            index = self.pipe.context_index()
            if index and self.grounded and self.spec is None:  # what grounding draws from
                sub = {st.id for st in subtasks_of(self.task_type)}
                index = {s: p for s, p in index.items() if s in sub}
            if index and self.grounded:
                from codetrans.grounding.api import API_K

                self.notify(f"grounded in the model's index of its training pairs "
                            f"({sum(len(p) for p in index.values()):,} pairs): each answer is the consensus "
                            f"of the {API_K} nearest pairs' sequences and the model's text")
            elif index:
                self.notify(f"{self._k()} exemplars per input from the model's index of its training pairs "
                            f"({sum(len(p) for p in index.values()):,} pairs)")
            self.cache["index"] = True if index else None
        return self.cache["index"]

    def _load(self, path: str) -> Any:
        from codetrans.serving.context import resolve_pool

        try:
            pool = resolve_pool(path, self.task_type, explicit=bool(self.explicit))
        except DataError as exc:
            if self.explicit:
                raise
            self.notify(f"{' '.join(str(exc).split())}; generating without context")
            return None
        if len(pool) == 0:
            self.notify(pool.note or f"no exemplars in {path}; generating without context")
            return None
        if self.history and self.grounded:
            from codetrans.grounding.commit import COMMIT_K

            reads = "" if self.spec is None else f" (the model reads {self._k()} exemplars per diff)"
            self.notify(f"grounded in the history of {pool.root} ({len(pool)} commits): each subject is the best of "
                        f"the changelog entries the diff adds, its {COMMIT_K} nearest earlier commits, edited, "
                        f"and the model's text{reads}")
        elif self.history:
            self.notify(f"{self._k()} exemplars per diff from the history of {pool.root} ({len(pool)} commits)")
        elif self.grounded:
            from codetrans.grounding.documentation import GROUND_K

            reads = "" if self.spec is None else f" (the model reads {self._k()} exemplars per function)"
            self.notify(f"grounded in {pool.root or path} ({len(pool)} documented functions{_skips(pool)}): each "
                        f"answer is the best of its {GROUND_K} nearest, edited, and the model's text{reads}")
        else:
            self.notify(f"{self._k()} exemplars per function from {pool.root or path} "
                        f"({len(pool)} documented functions{_skips(pool)})")
        return pool


def _skips(pool: Any) -> str:
    """``; skipped: unreadable 1, symlink_outside 2`` for what the walk could not or would not read."""
    skipped = getattr(pool, "skipped", None) or {}
    return "; skipped: " + ", ".join(f"{k} {n}" for k, n in sorted(skipped.items())) if skipped else ""


__all__ = ["ContextPolicy"]
