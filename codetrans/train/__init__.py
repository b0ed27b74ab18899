"""The training engine: recipes, model sizes, tokenizer training, span corruption, task mixing,
bucketing, checkpoints, DeepSpeed.

Public API::

    from codetrans.train import train, load_recipe
    result = train("training/debug.yaml", ["train.steps=20"])  # TrainResult: model_dir, step, finished, ...

Heavy modules (torch, transformers, deepspeed) load on first use.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["train", "load_recipe"]


def train(recipe: str | os.PathLike | dict | Any, overrides: list[str] | dict | None = None,
          budget_ends_run: bool | None = None) -> Any:
    """Run a recipe (path, hub name, dict or Recipe) with ``key=value`` overrides; return what happened
    (:class:`codetrans.train.engine.TrainResult`: run dir, final model dir or None, step, finished)."""
    from codetrans.train.engine import train as _train

    return _train(recipe, overrides, budget_ends_run=budget_ends_run)


def load_recipe(recipe: str | os.PathLike | dict | Any, overrides: list[str] | dict | None = None) -> Any:
    """Read and validate a recipe without training (raises ConfigError)."""
    from codetrans.train.recipe import load_recipe as _load

    return _load(recipe, overrides)
