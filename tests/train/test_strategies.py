"""Each strategy (ST, MT, span-corruption pretraining, TF, MT-TF) trains a micro model and its loss falls."""

from __future__ import annotations

import json
from pathlib import Path

from transformers import AutoTokenizer, T5ForConditionalGeneration

from codetrans.train import train


def _losses(run_dir: Path) -> list[float]:
    rows = [json.loads(x) for x in (run_dir / "logs" / "train.jsonl").read_text().splitlines()]
    return [r["loss"] for r in rows if r.get("event") == "train"]


def _check_falls(final: Path, factor: float = 0.85) -> dict:
    m = json.loads((final / "metrics.json").read_text())
    losses = _losses(final.parent)
    assert len(losses) >= 3
    assert losses[-1] < factor * losses[0], losses
    assert m["finished"] and m["tokens"] > 0 and m["tokens_per_s"] > 0
    # the final dir is a save_pretrained model with its tokenizer, recipe and metrics
    assert (final / "recipe.yaml").is_file()
    T5ForConditionalGeneration.from_pretrained(str(final))
    AutoTokenizer.from_pretrained(str(final))
    return m


def test_single_task_loss_falls(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    final = train(micro_recipe(tmp_path, corpus_dir, tokenizer_dir, "st")).model_dir
    m = _check_falls(final)
    assert m["data"]["tasks"] == {"code_documentation_generation_python": 240}
    assert m["dev_loss"] is not None
    # length bucketing: little of the compute goes to padding
    assert m["padding"] < 0.25
    # training describes the model for the zoo: it lists with its sub-tasks, size and strategy
    meta = json.loads((final / "codetrans.json").read_text())
    assert meta == {"version": 1, "tasks": ["code_documentation_generation_python"], "size": "micro",
                    "strategy": "st"}
    from codetrans.serving.zoo import _card_entry

    entry = _card_entry(final, "local")
    assert entry.tasks == meta["tasks"] and entry.languages == ["python"] and entry.size == "micro"


def test_multitask_proportional_and_temperature(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    r = micro_recipe(tmp_path / "a", corpus_dir, tokenizer_dir, "mt")
    m = _check_falls(train(r).model_dir)
    assert set(m["data"]["tasks"]) == {"code_documentation_generation_python", "commit_generation",
                                       "api_generation"}
    r = micro_recipe(tmp_path / "b", corpus_dir, tokenizer_dir, "mt",
                     tasks=["commit_generation", "api_generation"])
    r["data"].update(mixing="temperature", temperature=3.0)
    m = _check_falls(train(r).model_dir)
    assert set(m["data"]["mixing_rates"]) == {"commit_generation", "api_generation"}


def test_transfer_learning_pretrain_then_finetune(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    pre = micro_recipe(tmp_path / "pre", corpus_dir, tokenizer_dir, "pretrain", steps=40)
    pre_final = train(pre).model_dir
    m = _check_falls(pre_final)
    assert m["padding"] == 0.0  # packed span corruption: no padding at all
    ft = micro_recipe(tmp_path / "ft", corpus_dir, tokenizer_dir, "tf")
    ft["model"]["init_from"] = str(pre_final)
    ft["tokenizer"] = {}  # the pretrained model's own tokenizer
    _check_falls(train(ft).model_dir)


def test_multitask_then_finetune(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    mt_final = train(micro_recipe(tmp_path / "mt", corpus_dir, tokenizer_dir, "mt")).model_dir
    mt_first = json.loads((mt_final / "metrics.json").read_text())["loss_first"]
    ft = micro_recipe(tmp_path / "ft", corpus_dir, tokenizer_dir, "mt-tf", tasks=["api_generation"], steps=20)
    ft["model"]["init_from"] = str(mt_final)
    # the base's tuned decoding (scripts/tune_decoding.py writes it) carries over for the sub-tasks kept
    tuned = {"api_generation": {"num_beams": 3, "max_new_tokens": 40},
             "commit_generation": {"num_beams": 1, "max_new_tokens": 30}}
    base_meta = json.loads((mt_final / "codetrans.json").read_text())
    (mt_final / "codetrans.json").write_text(json.dumps({**base_meta, "decoding": tuned}))
    final = train(ft).model_dir
    m = json.loads((final / "metrics.json").read_text())
    # starting from the multitask model, the fine-tune starts well below a fresh model's loss
    assert m["loss_first"] < 0.9 * mt_first
    assert m["loss_last"] <= m["loss_first"]
    meta = json.loads((final / "codetrans.json").read_text())
    assert meta["decoding"] == {"api_generation": tuned["api_generation"]}
    assert meta["decoding_inherited_from"] == str(mt_final)
    from codetrans import pipeline

    pipe = pipeline("codetrans-api", model=str(final), backend="torch")
    assert pipe.decoding("api_generation")["num_beams"] == 3  # what users of the stage get


def test_debug_recipe_runs_with_no_data(tmp_path):
    final = train("debug", [f"train.output_dir={tmp_path / 'debug'}", "train.steps=12", "train.progress=false",
                            "train.tensorboard=true", "train.threads=1"]).model_dir
    assert (final / "model.safetensors").is_file()
    assert any((tmp_path / "debug" / "logs" / "tb").iterdir())  # TensorBoard events were written
    rows = [json.loads(x) for x in (tmp_path / "debug" / "logs" / "train.jsonl").read_text().splitlines()]
    train_rows = [r for r in rows if r["event"] == "train"]
    assert {"loss", "lr", "tokens_per_s"} <= set(train_rows[0])


def test_shared_tokenizer_is_trained_once(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    shared = tmp_path / "shared_tok"
    r = micro_recipe(tmp_path / "a", corpus_dir, tokenizer_dir, "st", steps=2)
    r["tokenizer"] = {"path": str(shared), "train_if_missing": True, "vocab_size": 350, "extra_ids": 10}
    train(r)
    made = (shared / "tokenizer.json").stat().st_mtime_ns
    assert len(AutoTokenizer.from_pretrained(str(shared))) == 360
    r["train"]["output_dir"] = str(tmp_path / "b" / "run")
    train(r)
    assert (shared / "tokenizer.json").stat().st_mtime_ns == made
