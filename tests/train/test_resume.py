"""Checkpoints: resume equals a straight run, corrupt/partial checkpoints fall back, early stopping."""

from __future__ import annotations

import json

import torch
from transformers import T5ForConditionalGeneration

from codetrans.train import train
from codetrans.train.checkpoint import list_checkpoints


def _params(final) -> dict:
    return T5ForConditionalGeneration.from_pretrained(str(final)).state_dict()


def test_resume_matches_straight_run(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    # dropout on, multitask mixing on: resume must restore RNG, data position, optimizer and scheduler
    n = 8
    straight = micro_recipe(tmp_path / "straight", corpus_dir, tokenizer_dir, "mt", steps=2 * n, eval_every=5,
                            checkpoint_every=n)
    straight["model"]["overrides"] = {"dropout_rate": 0.1}
    a = train(straight).model_dir

    split = micro_recipe(tmp_path / "split", corpus_dir, tokenizer_dir, "mt", steps=2 * n, eval_every=5,
                         checkpoint_every=100, stop_at_step=n)
    split["model"]["overrides"] = {"dropout_rate": 0.1}
    partial = train(split)
    assert not partial.finished and partial.model_dir is None and partial.step == n
    assert not (partial.run_dir / "final").exists()
    assert (partial.run_dir / "latest" / "model.safetensors").is_file()  # the weights so far, usable meanwhile
    assert [p.name for p in list_checkpoints(partial.run_dir / "checkpoints")] == [f"step-{n:08d}"]
    split["train"].update(stop_at_step=None, resume="auto")
    resumed = train(split)
    assert resumed.finished and resumed.step == 2 * n
    b = resumed.model_dir
    assert json.loads((b / "metrics.json").read_text())["step"] == 2 * n
    pa, pb = _params(a), _params(b)
    for k in pa:
        torch.testing.assert_close(pa[k], pb[k], rtol=1e-5, atol=1e-6, msg=k)
    # the resumed run logged where it came from
    log = (tmp_path / "split" / "run" / "logs" / "train.jsonl").read_text().splitlines()
    starts = [json.loads(x) for x in log if '"start"' in x]
    assert starts[-1]["resumed_from"].endswith(f"step-{n:08d}")


def test_corrupt_checkpoint_falls_back(tmp_path, corpus_dir, tokenizer_dir, micro_recipe, caplog):
    r = micro_recipe(tmp_path, corpus_dir, tokenizer_dir, "st", steps=12, checkpoint_every=4, keep_checkpoints=3,
                     stop_at_step=12)
    r["train"]["steps"] = 20
    out = train(r).run_dir
    ckpts = list_checkpoints(out / "checkpoints")
    assert [p.name for p in ckpts] == ["step-00000012", "step-00000008", "step-00000004"]
    # a torn write of the newest state, and a crashed write that never got renamed
    state = ckpts[0] / "state.pt"
    state.write_bytes(state.read_bytes()[:100])
    (out / "checkpoints" / ".tmp-step-00000016-999").mkdir()
    r["train"].update(resume="auto", stop_at_step=None)
    final = train(r).model_dir
    assert "step-00000012 is unusable" in caplog.text
    start = [json.loads(x) for x in (out / "logs" / "train.jsonl").read_text().splitlines() if '"start"' in x][-1]
    assert start["resumed_from"].endswith("step-00000008")
    assert json.loads((final / "metrics.json").read_text())["step"] == 20
    assert not (out / "checkpoints" / ".tmp-step-00000016-999").exists()


def test_early_stopping_on_dev_loss(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    # a learning rate too small to move the dev loss: stop after `patience` flat evaluations
    r = micro_recipe(tmp_path, corpus_dir, tokenizer_dir, "st", steps=200, eval_every=2,
                     early_stopping_patience=2)
    r["optim"]["lr"] = 1e-9
    result = train(r)
    assert result.finished and result.stopped_early
    final = result.model_dir
    m = json.loads((final / "metrics.json").read_text())
    assert m["stopped_early"] and m["step"] == 6
    assert (final / "model.safetensors").is_file() and m["best_dev_loss"] is not None


def test_time_budget_stops_or_ends_the_run(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    """A budget stops a run with a checkpoint to continue; with ``budget_ends_run`` it finishes it there."""
    r = micro_recipe(tmp_path / "stop", corpus_dir, tokenizer_dir, "st", steps=100000, checkpoint_every=100000)
    r["train"]["time_budget_min"] = 0.0001
    stopped = train(r)
    assert stopped.timed_out and not stopped.finished and stopped.model_dir is None
    assert [p.name for p in list_checkpoints(stopped.run_dir / "checkpoints")] == [f"step-{stopped.step:08d}"]
    # the weights so far, usable while the run waits for its next session
    latest = stopped.run_dir / "latest"
    assert json.loads((latest / "metrics.json").read_text())["step"] == stopped.step
    assert (latest / "config.json").is_file() and (latest / "codetrans.json").is_file()
    r = micro_recipe(tmp_path / "end", corpus_dir, tokenizer_dir, "st", steps=100000, checkpoint_every=100000)
    r["train"]["time_budget_min"] = 0.0001
    ended = train(r, budget_ends_run=True)
    assert ended.timed_out and ended.finished and ended.step < 100000
    m = json.loads((ended.model_dir / "metrics.json").read_text())
    assert m["finished"] and m["step"] == m["steps"] == ended.step


def test_sigterm_stops_after_the_step_with_a_checkpoint_and_resumes(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    """A long run killed politely (SIGTERM, or a first Ctrl-C) loses nothing: it stops like the time budget."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import yaml

    r = micro_recipe(tmp_path, corpus_dir, tokenizer_dir, "st", steps=100_000, checkpoint_every=100_000,
                     eval_every=100_000)
    r["train"]["log_every"] = 1
    recipe = tmp_path / "long.yaml"
    recipe.write_text(yaml.safe_dump(r))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "codetrans.cli", "train", str(recipe)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = tmp_path / "run" / "logs" / "train.jsonl"
    deadline = time.monotonic() + 300
    while not (log.is_file() and '"train"' in log.read_text()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() is not None else "slow"
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 130, out  # an interrupt to the caller (the CLI's exit code), after saving
    assert "stopped on request" in out
    ckpts = list_checkpoints(tmp_path / "run" / "checkpoints")
    step = int(ckpts[0].name.split("-")[1])
    assert step >= 1 and (tmp_path / "run" / "latest" / "model.safetensors").is_file()
    assert not (tmp_path / "run" / "final").exists()
    r["train"].update(resume="auto", stop_at_step=step + 2)
    resumed = train(r)
    assert resumed.step == step + 2
