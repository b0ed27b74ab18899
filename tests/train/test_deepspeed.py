"""A real DeepSpeed ZeRO-2 engine on CPU (one process, gloo) matches the plain torch loop.

The first run on a machine compiles DeepSpeed's shared-memory comm op (~40-60 s, cached afterwards
under ~/.cache/torch_extensions).
"""

from __future__ import annotations

import json

import pytest
import torch
from transformers import T5ForConditionalGeneration

from codetrans.train import train

deepspeed = pytest.importorskip("deepspeed", reason="DeepSpeed is the [deepspeed] extra")


def test_zero2_losses_match_plain_torch(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    kw = dict(steps=6, log_every=1, grad_accum=2, checkpoint_every=3, eval_every=3)
    plain = train(micro_recipe(tmp_path / "plain", corpus_dir, tokenizer_dir, "mt", **kw)).model_dir
    ds = train(micro_recipe(tmp_path / "ds", corpus_dir, tokenizer_dir, "mt",
                            deepspeed="training/deepspeed/zero2.json", **kw)).model_dir
    mp = json.loads((plain / "metrics.json").read_text())
    md = json.loads((ds / "metrics.json").read_text())
    assert md["deepspeed_zero_stage"] == 2
    lp = [x[1] for x in mp["loss_history"]]
    ld = [x[1] for x in md["loss_history"]]
    assert len(lp) == len(ld) == 6
    assert lp[-1] < lp[0]
    assert ld == pytest.approx(lp, rel=2e-3, abs=2e-3)
    assert md["dev_loss"] == pytest.approx(mp["dev_loss"], rel=2e-3)
    # the final weights agree too, and the DeepSpeed checkpoint is a sealed, resumable one
    a = T5ForConditionalGeneration.from_pretrained(str(plain)).state_dict()
    b = T5ForConditionalGeneration.from_pretrained(str(ds)).state_dict()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=2e-3, atol=2e-4, msg=k)
    assert (tmp_path / "ds" / "run" / "checkpoints" / "step-00000006" / "ds").is_dir()


def test_zero2_checkpoint_resumes(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    r = micro_recipe(tmp_path, corpus_dir, tokenizer_dir, "st", steps=6, checkpoint_every=3, stop_at_step=3,
                     deepspeed="training/deepspeed/zero2.json")
    stopped = train(r)
    assert not stopped.finished and stopped.model_dir is None and stopped.step == 3
    assert not (stopped.run_dir / "final").exists()
    r["train"].update(stop_at_step=None, resume="auto")
    final = train(r).model_dir
    m = json.loads((final / "metrics.json").read_text())
    assert m["step"] == 6 and m["finished"]
    start = [json.loads(x) for x in (stopped.run_dir / "logs" / "train.jsonl").read_text().splitlines() if '"start"' in x][-1]
    assert start["resumed_from"].endswith("step-00000003")
