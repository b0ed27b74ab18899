"""The context training stage: the zoo recipe fine-tunes a saved model on an exemplar-augmented corpus
(built here with `codetrans data augment`'s library call) and the final model declares context."""

from __future__ import annotations

import json
import shutil

import datasets

from codetrans.data.augment import AugmentConfig, augment_corpus
from codetrans.train import load_recipe, train


def test_context_recipe_runs_and_the_model_declares_context(tmp_path, corpus_dir, tokenizer_dir):
    from codetrans.train.modeling import build_model
    from codetrans.train.tokenizer import load_tokenizer

    # a "multitask model" to start from: a micro T5 with the shared tokenizer beside it
    base = tmp_path / "mt_all" / "final"
    shutil.copytree(tokenizer_dir, base)
    build_model("micro", vocab_size=len(load_tokenizer(tokenizer_dir)), seed=0).save_pretrained(base)
    # the corpus with repositories, so documentation and commits get repository-local exemplars
    dd = datasets.load_from_disk(str(corpus_dir))
    dd = datasets.DatasetDict({s: ds.add_column("repo", [f"r{i % 6}" for i in range(len(ds))])
                               for s, ds in dd.items()})
    aug = augment_corpus(dd, tmp_path / "main_ctx", AugmentConfig(k=2, vary_k=True, drop_fraction=0.25, budget=40),
                         progress=False)
    counts = aug["train"]["n_exemplars"]
    assert set(counts) == {0, 1, 2}  # some plain, some with one, some with two

    r = load_recipe("zoo/mt_all_context", [
        "model.size=micro", f"model.init_from={base}", f"data.path={tmp_path / 'main_ctx'}",
        "data.max_source_length=64", "data.max_target_length=16", f"train.output_dir={tmp_path / 'run'}",
        "train.steps=3", "train.batch_size=8", "train.batch_tokens=1024", "train.eval_every=100",
        "optim.warmup_steps=1", "train.precision=fp32", "train.threads=1",
        "train.progress=false", "train.tensorboard=false", "train.time_budget_min=null", "train.resume=never"])
    assert r.strategy == "mt" and r.model.init_from == str(base)
    res = train(r)
    meta = json.loads((res.model_dir / "codetrans.json").read_text())
    assert meta["context"] == {"format": 1, "k": 2, "budget": 64}

    from codetrans.serving.context import context_spec

    assert context_spec(res.model_dir).k == 2


def test_a_plain_corpus_declares_no_context(tmp_path, micro_recipe, corpus_dir, tokenizer_dir):
    res = train(micro_recipe(tmp_path, corpus_dir, tokenizer_dir, steps=2))
    assert "context" not in json.loads((res.model_dir / "codetrans.json").read_text())
