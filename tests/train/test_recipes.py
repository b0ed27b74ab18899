"""The recipe hub: every recipe loads and validates; bad input fails before training with a clear error."""

from __future__ import annotations

import json
import os
from pathlib import Path

import datasets
import pytest

import codetrans
from codetrans.cli import main as cli_main
from codetrans.errors import ConfigError, DataError
from codetrans.tasks import SUBTASKS
from codetrans.train import load_recipe, train
from codetrans.train.engine import _deepspeed_config
from codetrans.train.modeling import SIZES
from codetrans.train.recipe import STRATEGIES, training_dir

HUB = training_dir()
RECIPES = sorted(p for p in HUB.rglob("*.yaml"))


def test_hub_has_every_strategy_and_size():
    loaded = [load_recipe(p) for p in RECIPES]
    assert {r.strategy for r in loaded} == set(STRATEGIES)
    assert {r.model.size for r in loaded} >= {"tiny", "small", "base", "large", "micro"}
    for size in ("tiny", "small", "base", "large"):
        assert {r.strategy for r in loaded if r.model.size == size} == set(STRATEGIES), size
    names = [r.name for r in loaded]
    assert len(names) == len(set(names))
    outs = [str(r.output_dir) for r in loaded]
    assert len(outs) == len(set(outs))


@pytest.mark.parametrize("path", RECIPES, ids=[str(p.relative_to(HUB)) for p in RECIPES])
def test_recipe_validates(path: Path):
    r = load_recipe(path)
    assert r.model.size in SIZES and all(t in SUBTASKS for t in r.data.tasks)
    if r.strategy in ("tf", "mt-tf"):
        # fine-tunes start from the output of the hub's pretraining / multitask recipe of the same size
        stage1 = "pretrain" if r.strategy == "tf" else "mt"
        sources = [load_recipe(p) for p in RECIPES if load_recipe(p).strategy == stage1
                   and load_recipe(p).model.size == r.model.size]
        starts = {str(s.output_dir / "final") for s in sources}
        # ... or from a shipped model of that strategy and size (its recipe's output, as shipped)
        for model in (Path(codetrans.__file__).parent / "models").glob("*/codetrans.json"):
            meta = json.loads(model.read_text(encoding="utf-8"))
            if meta["strategy"] == stage1 and meta["size"] == r.model.size:
                starts.add(f"main/codetrans/models/{model.parent.name}")
        assert r.model.init_from in starts
    if r.train.deepspeed:
        cfg = _deepspeed_config(r, "bf16", world=1)
        assert cfg["gradient_accumulation_steps"] == r.train.grad_accum
        assert cfg["train_batch_size"] == r.train.batch_size * r.train.grad_accum


@pytest.mark.parametrize("path", sorted((HUB / "deepspeed").glob("*.json")), ids=lambda p: p.name)
def test_deepspeed_configs(path: Path):
    cfg = json.loads(path.read_text())
    assert cfg["zero_optimization"]["stage"] in (1, 2, 3)
    assert cfg["bf16"]["enabled"] == path.stem.endswith("bf16")


def test_overrides_and_unknown_keys():
    r = load_recipe("debug", ["train.steps=7", "optim.lr=1e-4", "data.tasks=[api_generation, commit_generation]"])
    assert (r.train.steps, r.optim.lr, r.data.tasks) == (7, 1e-4, ["api_generation", "commit_generation"])
    with pytest.raises(ConfigError, match="unknown recipe key 'train.stepz'"):
        load_recipe("debug", ["train.stepz=7"])
    with pytest.raises(ConfigError, match="'train.steps' expects int"):
        load_recipe("debug", ["train.steps=many"])
    with pytest.raises(ConfigError, match="unknown task 'no_such_task'"):
        load_recipe("debug", ["data.tasks=[no_such_task]"])
    with pytest.raises(ConfigError, match="set model.init_from"):
        load_recipe("debug", ["strategy=tf", "data.tasks=[api_generation]"])
    with pytest.raises(ConfigError, match="exactly one"):
        load_recipe("debug", ["strategy=st"])
    with pytest.raises(ConfigError, match="not found"):
        load_recipe("no/such/recipe")


def test_cli_reports_bad_recipe_in_one_line(capsys):
    assert cli_main(["train", "debug", "bogus=1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown recipe key 'bogus'" in err[0]
    assert cli_main(["train", "--list"]) == 0
    assert "tiny/st_doc_python" in capsys.readouterr().out


def test_missing_dataset_and_empty_split(tmp_path, micro_recipe, tokenizer_dir, corpus_dir):
    r = micro_recipe(tmp_path, tmp_path / "nope", tokenizer_dir)
    with pytest.raises(DataError, match="does not exist"):
        train(r)
    empty = tmp_path / "empty"
    ds = datasets.load_from_disk(str(corpus_dir))
    datasets.DatasetDict({"train": ds["train"].select([]), "validation": ds["validation"]}).save_to_disk(str(empty))
    with pytest.raises(DataError, match="empty|no examples"):
        train(micro_recipe(tmp_path, empty, tokenizer_dir))
    r = micro_recipe(tmp_path, corpus_dir, tokenizer_dir, tasks=["program_synthese"])
    with pytest.raises(DataError, match="no examples of task"):
        train(r)
    nocols = tmp_path / "nocols"
    datasets.DatasetDict({"train": datasets.Dataset.from_dict({"x": ["a"]})}).save_to_disk(str(nocols))
    with pytest.raises(DataError, match="needs columns task, source, target"):
        train(micro_recipe(tmp_path, nocols, tokenizer_dir))
    assert not (tmp_path / "run" / "final").exists()


def test_vocab_mismatch_is_refused(tmp_path, micro_recipe, tokenizer_dir, corpus_dir):
    r = micro_recipe(tmp_path, corpus_dir, tokenizer_dir)
    r["model"]["overrides"] = {"vocab_size": 100}  # smaller than the tokenizer's 420 ids
    with pytest.raises(ConfigError, match="tokenizer has 420 ids but the model's vocabulary has only 100"):
        train(r)
    r = micro_recipe(tmp_path, corpus_dir, tokenizer_dir, "tf")
    r["model"]["init_from"] = str(tmp_path / "missing")
    with pytest.raises(ConfigError, match="not a saved model"):
        train(r)


def test_recipes_travel_with_the_package(tmp_path):
    """An installed copy of the package (no checkout around it) finds its recipes, e.g. finetune's."""
    import shutil
    import subprocess
    import sys

    import codetrans

    site = tmp_path / "site"
    # the wheel's layout: codetrans/recipes holds real files (the checkout's link to training/ is followed)
    shutil.copytree(Path(codetrans.__file__).parent, site / "codetrans", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("from codetrans.train.recipe import load_recipe, recipe_file; p = recipe_file('finetune'); "
            "print(p); print(load_recipe(p).optim.schedule)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(site)})
    assert proc.returncode == 0, proc.stderr
    path, schedule = proc.stdout.split()
    assert path == str(site / "codetrans" / "recipes" / "finetune.yaml") and schedule == "constant"
