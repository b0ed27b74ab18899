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

from codetrans.errors import CodeTransError

__version__ = "0.1.0"
__all__ = ["CodeTransError", "__version__", "pipeline"]


class _RegisterPipelinesHook(importlib.abc.MetaPathFinder):
    """Registers the ``codetrans-*`` pipelines right after ``transformers.pipelines`` is imported."""

    target = "transformers.pipelines"

    def find_spec(self, name, path, target=None):
        if name != self.target:
            return None
        sys.meta_path.remove(self)  # one shot; also keeps find_spec below from recursing into us
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            importlib.import_module("codetrans.pipelines").register()

        loader.exec_module = exec_module
        return spec


if "transformers.pipelines" in sys.modules:
    importlib.import_module("codetrans.pipelines").register()
elif not any(isinstance(f, _RegisterPipelinesHook) for f in sys.meta_path):
    sys.meta_path.insert(0, _RegisterPipelinesHook())


def pipeline(task: str, model=None, **kwargs):
    """A codetrans pipeline with the model resolved through the zoo (see :func:`codetrans.pipelines.pipeline`)."""
    from codetrans.pipelines import pipeline as _pipeline

    return _pipeline(task, model=model, **kwargs)
