"""CodeTrans: T5 encoder-decoder models for code.

Importing the package is cheap: heavy modules (torch, transformers, tree-sitter) load on first use.
The ``codetrans-*`` pipelines are registered with transformers the moment ``transformers.pipelines``
is imported (at once if it already is), so ``import codetrans`` followed by
``transformers.pipeline("codetrans-document", ...)`` works without paying transformers' import time
in programs that never build a pipeline.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import types

from codetrans.errors import CodeTransError
from codetrans.version import __version__

__all__ = ["CodeTransError", "__version__", "pipeline", "verify"]


_TORCH_PIPELINES = "codetrans.serving.torch_pipelines"


def _register_pipelines(module: types.ModuleType | None = None) -> None:
    """The one registration call site: ``register()`` of the torch pipelines, once both they and
    ``transformers.pipelines`` are loaded. ``module``: the torch pipelines module that just finished loading."""
    if module is None:
        loading = sys.modules.get(_TORCH_PIPELINES)
        if loading is not None and getattr(loading.__spec__, "_initializing", False):
            return  # that module imported transformers.pipelines itself; it registers when it finishes
        module = importlib.import_module(_TORCH_PIPELINES)
    module.register()


class _RegisterPipelinesHook(importlib.abc.MetaPathFinder):
    """Registers the ``codetrans-*`` pipelines right after ``transformers.pipelines`` is imported, or after
    the torch pipelines are, when they are the ones importing transformers."""

    targets = ("transformers.pipelines", _TORCH_PIPELINES)

    def __init__(self) -> None:
        self._busy = False

    def find_spec(self, name, path, target=None):
        if name not in self.targets or self._busy:
            return None
        self._busy = True  # importlib.util.find_spec below asks the meta path again
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self._busy = False
        if spec is None or spec.loader is None:
            return spec
        if name == self.targets[0]:
            sys.meta_path.remove(self)  # one shot: registration follows from here
        loader = spec.loader
        original = loader.exec_module
        is_torch = name == _TORCH_PIPELINES

        def exec_module(module):
            original(module)
            if is_torch and "transformers.pipelines" not in sys.modules:
                return
            _register_pipelines(module if is_torch else None)

        loader.exec_module = exec_module
        return spec


if "transformers.pipelines" in sys.modules:
    _register_pipelines()
elif not any(isinstance(f, _RegisterPipelinesHook) for f in sys.meta_path):
    sys.meta_path.insert(0, _RegisterPipelinesHook())


def pipeline(task: str, model=None, **kwargs):
    """A codetrans pipeline with the model resolved through the zoo (see :func:`codetrans.serving.pipelines.pipeline`)."""
    from codetrans.serving.pipelines import pipeline as _pipeline

    return _pipeline(task, model=model, **kwargs)


def verify(code: str, texts, *, lang: str | None = None, kind: str = "doc", model=None) -> list[float]:
    """For each text, the probability that it truly describes ``code`` (see :func:`codetrans.serving.pipelines.verify`)."""
    from codetrans.serving.pipelines import verify as _verify

    return _verify(code, texts, lang=lang, kind=kind, model=model)
