"""End to end: train a micro T5 for real in the test, evaluate it and the baselines, make the table."""

import json
from pathlib import Path

import pytest

from codetrans.errors import CodeTransError
from codetrans.evaluation import DecodingOptions, evaluate, merge_tables

DOC, COMMIT = "code_documentation_generation_python", "commit_generation"


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # a micro model on a shared, busy 2-core machine: one thread is ~20x faster than two fighting
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained_model(synthetic_data, tmp_path_factory, one_thread) -> Path:
    from codetrans.train import train

    out = tmp_path_factory.mktemp("run")
    final = train({
        "name": "e2e", "strategy": "mt", "model": {"size": "micro"},
        "tokenizer": {"vocab_size": 400, "extra_ids": 10},
        "data": {"path": synthetic_data, "max_source_length": 64, "max_target_length": 24},
        "optim": {"lr": 5e-3, "warmup_steps": 5},
        "train": {"output_dir": str(out), "steps": 200, "batch_size": 32, "batch_tokens": 4096,
                  "precision": "fp32", "threads": 1, "log_every": 10, "eval_every": 1000, "eval_batches": 2,
                  "checkpoint_every": 1000, "resume": "never", "tensorboard": False, "progress": False},
    })
    return final.model_dir


def test_train_evaluate_baselines_and_table(trained_model, synthetic_data, tmp_path):
    # the model really trained: its loss fell
    log = [json.loads(x) for x in (trained_model.parent / "logs" / "train.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in log if r.get("event") == "train"]
    assert losses[-1] < 0.7 * losses[0]

    greedy = DecodingOptions(num_beams=1, max_length=24, batch_size=8)
    beam = DecodingOptions(num_beams=2, max_length=24, batch_size=8, no_repeat_ngram_size=3)
    runs = {
        "micro MT greedy": (str(trained_model), greedy),
        "micro MT beam2": (str(trained_model), beam),
        "BM25 retrieval": ("baseline:bm25", None),
        "NNGen": ("baseline:nngen", None),
        "function name": ("baseline:funcname", None),
    }
    outs = []
    for name, (model, dec) in runs.items():
        out = tmp_path / name.replace(" ", "_")
        rec = evaluate(model, synthetic_data, out, decoding=dec, name=name, progress=False)
        outs.append(out)
        if model == str(trained_model):
            assert rec["model"]["kind"] == "model" and len(rec["model"]["sha256"]) == 64
            assert rec["decoding"]["num_beams"] == dec.num_beams
            for task in (DOC, COMMIT):
                preds = (out / f"{task}.pred.txt").read_text().splitlines()
                assert len(preds) == 24 and any(p.strip() for p in preds)
                assert 0 <= rec["results"][task]["score"] <= 100

    # an interrupted model run resumes from the predictions already written
    out = outs[0]
    pred = out / f"{DOC}.pred.txt"
    full = pred.read_text()
    pred.write_text("".join(full.splitlines(keepends=True)[:5]) + "half a line")
    rec = evaluate(str(trained_model), synthetic_data, out, decoding=greedy, name="micro MT greedy", progress=False)
    assert rec["results"][DOC]["resumed_from"] == 5
    assert pred.read_text() == full
    with pytest.raises(CodeTransError, match="different model, data or decoding"):
        evaluate(str(trained_model), synthetic_data, out, decoding=beam, progress=False)

    # it learned the tasks beyond noise (a random micro model scores ~0 on both)
    scores = json.loads((outs[0] / "metrics.json").read_text())["results"]
    assert scores[DOC]["score"] > 10 and scores[COMMIT]["score"] > 5

    table = merge_tables(outs)
    lines = table.splitlines()
    assert lines[0] == "| Model | Doc Python | Commit |"
    assert [ln.split(" | ")[0] for ln in lines[2:7]] == [f"| {n}" for n in runs]
    assert lines[6].endswith("| – |")  # the function-name baseline has no commit column
    print("\n" + table)
