"""Fixtures for the training-engine tests: a small real DatasetDict on disk and one shared tokenizer."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

TASKS = ["code_documentation_generation_python", "commit_generation", "api_generation"]


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DatasetDict (train/validation/test) with task/source/target/text, saved with save_to_disk."""
    import datasets

    from codetrans.train.data import _synthetic_example

    out = tmp_path_factory.mktemp("corpus") / "main"
    splits = {}
    for split, n, seed in (("train", 240, 1), ("validation", 24, 2), ("test", 24, 3)):
        rng = random.Random(seed)
        rows: dict[str, list] = {"task": [], "source": [], "target": [], "text": []}
        for i in range(n * len(TASKS)):
            s, t, x = _synthetic_example(TASKS[i % len(TASKS)], rng)
            rows["task"].append(TASKS[i % len(TASKS)])
            rows["source"].append(s)
            rows["target"].append(t)
            rows["text"].append(x)
        splits[split] = datasets.Dataset.from_dict(rows)
    datasets.DatasetDict(splits).save_to_disk(str(out))
    return out


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    import datasets

    from codetrans.tasks import format_input
    from codetrans.train.tokenizer import train_tokenizer

    ds = datasets.load_from_disk(str(corpus_dir))["train"]
    texts = [format_input(t, s) for t, s in zip(ds["task"], ds["source"])] + list(ds["target"]) + list(ds["text"])
    out = tmp_path_factory.mktemp("tok")
    train_tokenizer(texts, out, vocab_size=400, extra_ids=20)
    return out


def _micro_recipe(tmp: Path, corpus: Path, tok: Path, strategy: str = "st", tasks: list | None = None,
                 **train_kw) -> dict:
    """A recipe dict for a micro model that trains in about a second."""
    if tasks is None:
        tasks = ["code_documentation_generation_python"] if strategy in ("st", "tf", "mt-tf") else []
    train = {"output_dir": str(tmp / "run"), "steps": 30, "batch_size": 16, "batch_tokens": 2048,
             "precision": "fp32", "log_every": 5, "eval_every": 30, "eval_batches": 2, "checkpoint_every": 100,
             "resume": "never", "progress": False, "tensorboard": False, "seed": 0,
             "threads": 1}
    train.update(train_kw)
    return {
        "name": f"test_{strategy}", "strategy": strategy,
        "model": {"size": "micro", "overrides": {"dropout_rate": 0.0}},
        "tokenizer": {"path": str(tok)},
        "data": {"path": str(corpus), "tasks": tasks, "max_source_length": 48, "max_target_length": 16,
                 "packed_length": 48},
        "optim": {"lr": 3e-3, "warmup_steps": 3},
        "train": train,
    }


@pytest.fixture
def micro_recipe():
    """The factory :func:`_micro_recipe` (fixtures, because tests/ is not a package)."""
    return _micro_recipe
