"""The zoo's recipes: the GPU recipe runs end to end on the CPU with a micro model (bf16, DeepSpeed
ZeRO-2 by config name, the budget closing the run with a model); DeepSpeed configs resolve by name."""

from __future__ import annotations

import json

import pytest

from codetrans.train import load_recipe, train
from codetrans.train.recipe import deepspeed_path, training_dir

pytest.importorskip("deepspeed", reason="DeepSpeed is the [deepspeed] extra")


def test_deepspeed_config_by_name_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the checkout: names resolve through the recipe hub
    want = training_dir() / "deepspeed" / "zero2_bf16.json"
    for name in ("zero2_bf16", "deepspeed/zero2_bf16.json", "training/deepspeed/zero2_bf16.json"):
        assert deepspeed_path(load_recipe("zoo/mt_all_small_gpu", [f"train.deepspeed={name}"])) == want


def test_gpu_recipe_runs_on_cpu_with_a_micro_model(tmp_path, corpus_dir, tokenizer_dir):
    r = load_recipe("zoo/mt_all_small_gpu", [
        "model.size=micro", f"tokenizer.path={tokenizer_dir}", "tokenizer.train_if_missing=false",
        f"data.path={corpus_dir}", "data.max_source_length=48", "data.max_target_length=16",
        f"train.output_dir={tmp_path / 'run'}", "train.steps=100000", "train.time_budget_min=0.02",
        "train.batch_size=16", "train.batch_tokens=2048", "train.eval_every=100000", "train.threads=1",
        "train.progress=false", "train.tensorboard=false"])
    assert r.train.deepspeed == "zero2_bf16" and r.train.precision == "bf16" and r.train.budget_ends_run
    res = train(r)
    assert res.timed_out and res.finished and res.model_dir is not None
    m = json.loads((res.model_dir / "metrics.json").read_text())
    assert m["deepspeed_zero_stage"] == 2 and m["precision"] == "bf16" and m["step"] >= 1
    assert json.loads((res.model_dir / "codetrans.json").read_text())["strategy"] == "mt"
