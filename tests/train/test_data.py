"""Task mixing, length bucketing, data-parallel sharding, the input-reliance dev check and the CLI run path."""

from __future__ import annotations

import json

import numpy as np
import pytest

from codetrans.cli import main as cli_main
from codetrans.train import load_recipe, train
from codetrans.train.data import (
    BatchStream,
    Encoded,
    bucket_batches,
    dev_batches,
    mixing_rates,
    mixture_epoch,
    swapped_dev_batches,
)


def test_mixing_rates():
    # examples-proportional with a cap (T5): the big task is capped, the small ones keep their share
    np.testing.assert_allclose(mixing_rates([1000, 100, 10], "proportional", cap=200, temperature=1.0),
                               np.array([200, 100, 10]) / 310)
    # temperature 2: square roots, so small tasks are sampled more than their size says
    np.testing.assert_allclose(mixing_rates([400, 100], "temperature", cap=10 ** 9, temperature=2.0),
                               np.array([20, 10]) / 30)


def _encoded(sizes: list[int], seed: int = 0) -> Encoded:
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    src = [np.ones(rng.integers(4, 200), dtype=np.int32) for _ in range(n)]
    tgt = [np.ones(rng.integers(2, 30), dtype=np.int32) for _ in range(n)]
    task = np.concatenate([np.full(s, i) for i, s in enumerate(sizes)])
    return Encoded(src, tgt, task, [f"t{i}" for i in range(len(sizes))])


def test_mixture_epoch_follows_rates():
    enc = _encoded([600, 60])
    r = load_recipe("debug", ["data.mixing_cap=300"])
    idx = mixture_epoch(enc, r, np.random.default_rng(0))
    counts = np.bincount(enc.task[idx])
    assert counts.tolist() == [300, 60]  # capped at 300, the small task whole
    assert len(set(idx[enc.task[idx] == 0].tolist())) == 300  # no repeats within the capped task


def test_bucketing_respects_budget_and_cuts_padding():
    enc = _encoded([500])
    s = np.array([len(x) for x in enc.src])
    t = np.array([len(x) for x in enc.tgt])
    order = np.random.default_rng(1).permutation(500)
    batches = bucket_batches(order, s, t, batch_size=32, batch_tokens=2048, rng=np.random.default_rng(2))
    assert sorted(np.concatenate(batches).tolist()) == list(range(500))  # every example exactly once
    for b in batches:
        assert len(b) <= 32 and (len(b) == 1 or len(b) * (s[b].max() + t[b].max()) <= 2048)
    real = (s + t).sum()
    padded = sum(len(b) * (s[b].max() + t[b].max()) for b in batches)
    rand = sum(len(b) * (s[b].max() + t[b].max()) for b in np.array_split(order, len(batches)))
    assert 1 - real / padded < 0.15 < 1 - real / rand


def test_ranks_share_one_plan_without_overlap():
    enc = _encoded([300])
    r = load_recipe("debug", ["train.batch_tokens=1024"])
    full = BatchStream(r, 5, enc=enc).plan(0)
    shards = [BatchStream(r, 5, enc=enc, rank=k, world=2).plan(0) for k in range(2)]
    assert len(shards[0]) == len(shards[1]) == len(full) // 2
    seen = np.concatenate([np.concatenate(s) for s in shards])
    assert len(seen) == len(set(seen.tolist()))


def test_swapped_dev_batches_swap_sources_within_a_sub_task():
    # every source is unique (its first id is the example's index), so a swap can be traced back
    sizes = [5, 4, 1]
    enc = _encoded(sizes, seed=3)
    enc.src = [np.concatenate([[i + 10], s[1:]]).astype(np.int32) for i, s in enumerate(enc.src)]
    r = load_recipe("debug", ["train.eval_batches=100", "train.batch_tokens=1024"])
    own, swapped = dev_batches(r, enc=enc), swapped_dev_batches(r, enc)
    assert len(own) == len(swapped)
    seen = {}
    for a, b in zip(own, swapped):
        assert a["labels"].equal(b["labels"])  # same targets, same order: only the sources move
        for row in range(len(a["input_ids"])):
            i, j = int(a["input_ids"][row, 0]) - 10, int(b["input_ids"][row, 0]) - 10
            seen[i] = j
            n = int(b["attention_mask"][row].sum())
            assert b["input_ids"][row, :n].tolist() == enc.src[j].tolist()  # the partner's whole source, masked right
    assert sorted(seen) == list(range(sum(sizes)))
    for i, j in seen.items():
        assert enc.task[i] == enc.task[j]  # the task prefix stays: the gap measures the code
        assert (i != j) or sizes[enc.task[i]] == 1  # only a sub-task with one pair keeps its own source
    assert sorted(seen.values()) == list(range(sum(sizes)))  # a permutation: every source used once


def test_dev_events_report_input_gain(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    rec = micro_recipe(tmp_path, corpus_dir, tokenizer_dir, "mt", eval_every=10)
    final = train(rec).model_dir
    dev = [json.loads(x) for x in (final.parent / "logs" / "train.jsonl").read_text().splitlines()
           if '"event": "dev"' in x]
    assert len(dev) == 3 and all(np.isfinite(e["input_gain"]) for e in dev)
    m = json.loads((final / "metrics.json").read_text())
    assert m["input_gain"] == pytest.approx(dev[-1]["input_gain"], abs=1e-4)
    rec = micro_recipe(tmp_path / "off", corpus_dir, tokenizer_dir, "mt", eval_input_gain=False)
    assert json.loads((train(rec).model_dir / "metrics.json").read_text())["input_gain"] is None


def test_cli_runs_a_recipe(tmp_path, capsys):
    rc = cli_main(["train", "debug", "train.steps=4", f"train.output_dir={tmp_path / 'run'}", "train.progress=false"])
    assert rc == 0
    m = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert m["step"] == 4 and m["finished"]


def test_bf16_autocast_trains(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    final = train(micro_recipe(tmp_path, corpus_dir, tokenizer_dir, "st", precision="bf16")).model_dir
    m = json.loads((final / "metrics.json").read_text())
    assert m["precision"] == "bf16" and m["loss_last"] < 0.85 * m["loss_first"]


@pytest.mark.parametrize("key,value", [("train.precision", "fp16"), ("optim.schedule", "step"),
                                       ("data.mixing", "uniform"), ("model.size", "xl")])
def test_bad_choices(key, value):
    from codetrans.errors import ConfigError

    with pytest.raises(ConfigError, match=key.split(".")[-1]):
        load_recipe("debug", [f"{key}={value}"])
