"""The context training stage: the zoo recipe fine-tunes a saved model on an exemplar-augmented corpus
(built here with `codetrans data augment`'s library call), the engine measures how much the model uses
its exemplars, and the final model declares context."""

from __future__ import annotations

import json
import shutil

import datasets
import numpy as np

from codetrans.retrieval.corpus import AugmentConfig, augment_corpus
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
    # the engine scored dev without the exemplars too: their use is logged and kept in metrics.json
    metrics = json.loads((res.model_dir / "metrics.json").read_text())
    assert np.isfinite(metrics["exemplar_gain"]) and np.isfinite(metrics["input_gain"])

    # those batches are the dev batches with each source cut before its first <ex>, targets untouched
    from codetrans.train.data import dev_batches, encode_supervised, exemplar_free_dev_batches

    tok = load_tokenizer(tokenizer_dir)
    dev = aug["validation"]
    enc = encode_supervised(dev, tok, r)
    own = dev_batches(r, enc=enc, pad_id=tok.pad_token_id)
    plain = exemplar_free_dev_batches(r, dev, enc, tok, pad_id=tok.pad_token_id)
    assert len(own) == len(plain) > 0
    shorter = 0
    for a, b in zip(own, plain):
        assert a["labels"].equal(b["labels"])
        for x, y in zip(a["input_ids"].tolist(), b["input_ids"].tolist()):
            x, y = [t for t in x if t != tok.pad_token_id], [t for t in y if t != tok.pad_token_id]
            assert "<ex>" not in tok.decode(y)
            assert x[:len(y) - 1] == y[:-1]  # the same code (same truncation), then </s>
            shorter += len(y) < len(x)
    assert shorter > 0  # some dev pairs carried exemplars


def test_no_exemplars_no_exemplar_batches(corpus_dir, tokenizer_dir):
    from codetrans.train.data import encode_supervised, exemplar_free_dev_batches
    from codetrans.train.tokenizer import load_tokenizer

    r = load_recipe("debug", ["train.progress=false"])
    dev = datasets.load_from_disk(str(corpus_dir))["validation"]
    tok = load_tokenizer(tokenizer_dir)
    assert exemplar_free_dev_batches(r, dev, encode_supervised(dev, tok, r), tok) == []


def test_a_plain_corpus_declares_no_context(tmp_path, micro_recipe, corpus_dir, tokenizer_dir):
    res = train(micro_recipe(tmp_path, corpus_dir, tokenizer_dir, steps=2))
    assert "context" not in json.loads((res.model_dir / "codetrans.json").read_text())
    assert json.loads((res.model_dir / "metrics.json").read_text())["exemplar_gain"] is None
