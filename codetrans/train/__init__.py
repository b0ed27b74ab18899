"""The training engine (issue 3): recipes, span corruption, task mixing, bucketing, DeepSpeed.

Public API::

    from codetrans.train import train, load_recipe
    final_dir = train("training/debug.yaml", ["train.steps=20"])

Heavy modules (torch, transformers, deepspeed) load on first use.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["train", "load_recipe"]


def train(recipe: str | os.PathLike | dict | Any, overrides: list[str] | dict | None = None) -> Path:
    """Run a recipe (path, hub name, dict or Recipe) with ``key=value`` overrides; return the model dir."""
    from codetrans.train.engine import train as _train

    return _train(recipe, overrides)


def load_recipe(recipe: str | os.PathLike | dict | Any, overrides: list[str] | dict | None = None) -> Any:
    """Read and validate a recipe without training (raises ConfigError)."""
    from codetrans.train.recipe import load_recipe as _load

    return _load(recipe, overrides)
