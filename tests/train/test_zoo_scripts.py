"""The zoo's scripts on a real (micro) run: the training-log reader and shipping a model into a package folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import pytest

from codetrans.evaluation.predictors import DecodingOptions
from codetrans.evaluation.runner import evaluate
from codetrans.train import train
from codetrans.train.runlog import read_curve

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A micro run over two sessions (stopped at step 10, resumed to 20) and a harness result of it."""
    root = tmp_path_factory.mktemp("zoo")
    over = [f"train.output_dir={root / 'run'}", "train.steps=20", "train.eval_every=10", "train.checkpoint_every=10",
            "train.resume=auto", "train.progress=false"]
    train("training/debug.yaml", over + ["train.stop_at_step=10"])
    final = train("training/debug.yaml", over).model_dir
    rows = [{"task": "code_documentation_generation_python", "source": f"def f{i} ( x ) : return x", "target": "Return x."}
            for i in range(4)]
    data = datasets.DatasetDict({"train": datasets.Dataset.from_list(rows), "test": datasets.Dataset.from_list(rows)})
    evaluate(str(final), data, root / "eval", decoding=DecodingOptions(num_beams=1, max_length=4),
             name="micro (int8, as shipped)", progress=False)
    return root / "run", final, root / "eval"


def test_read_curve_counts_sessions_and_stops_at_a_step(run):
    run_dir, _, _ = run
    whole = read_curve(run_dir, [1])
    assert [(s["from"], s["to"]) for s in whole["sessions"]] == [(0, 10), (10, 20)]
    assert whole["train"][-1][2] == 20 and whole["tokens"] == sum(s["tokens"] for s in whole["sessions"])
    early = read_curve(run_dir, [1], until_step=10)
    assert max(p[2] for p in early["train"]) == 10 and [p[2] for p in early["dev"]] == [10]
    assert early["tokens"] == whole["sessions"][0]["tokens"] and early["core_hours"] < whole["core_hours"]


def test_ship_then_rerender_only_the_card(run, tmp_path):
    run_dir, final, eval_dir = run
    out = tmp_path / "models" / "micro-zoo"
    ship = [sys.executable, str(SCRIPTS / "ship.py")]
    done = subprocess.run(ship + [str(final), "--run", str(run_dir), "--out", str(out), "--threads", "1",
                                  "--eval", str(eval_dir)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["id"] == "micro-zoo"
    for name in ("model.safetensors", "codetrans.json", "README.md", "training_curve.png", "ct2-int8/model.bin"):
        assert (out / name).is_file(), name
    meta = json.loads((out / "codetrans.json").read_text())
    assert meta["training"]["steps"] == 20 and meta["weights"].startswith("float16")
    weights = {p: p.read_bytes() for p in (out / "model.safetensors", out / "ct2-int8" / "model.bin")}
    (out / "README.md").write_text("stale")
    done = subprocess.run(ship + ["--card-only", "--run", str(run_dir), "--out", str(out), "--threads", "1",
                                  "--eval", str(eval_dir)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    card = (out / "README.md").read_text()
    assert card.startswith("---\n") and "**Quality bar**" in card and "Distinct outputs of the model" in card
    assert all(p.read_bytes() == b for p, b in weights.items())  # the weights and the export are untouched
    done = subprocess.run(ship + ["--run", str(run_dir), "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 2 and "model directory is required" in done.stderr


def test_core_hours_table_of_a_run_log(run):
    run_dir, _, _ = run
    done = subprocess.run([sys.executable, str(SCRIPTS / "core_hours.py"), str(run_dir / "logs" / "train.jsonl")],
                          capture_output=True, text=True, timeout=120, check=True)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("| stage | sessions | last step") and lines[2].startswith("| run | 2 | 20 |")
    hours = read_curve(run_dir, [2])["core_hours"]
    assert lines[-1].endswith(f"**{hours:.1f}** |")


def test_soup_interpolates_two_fine_tunings_and_refuses_mismatches(tmp_path):
    from safetensors.torch import load_file
    from transformers import T5ForConditionalGeneration

    from codetrans.train.modeling import build_model

    a, b = tmp_path / "a", tmp_path / "b"
    build_model("micro", vocab_size=64, seed=0).save_pretrained(a)
    build_model("micro", vocab_size=64, seed=1).save_pretrained(b)
    (b / "codetrans.json").write_text('{"id": "stage"}')
    proc = subprocess.run([sys.executable, str(SCRIPTS / "soup.py"), str(a), str(b), "--alpha", "0,0.25",
                           "--out", str(tmp_path / "s")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    wa, wb = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    quarter = load_file(str(tmp_path / "s_0.25" / "model.safetensors"))
    name = next(k for k in wa if wa[k].is_floating_point() and not (wa[k] == wb[k]).all())
    assert (quarter[name] - (0.75 * wa[name] + 0.25 * wb[name])).abs().max() < 1e-6
    assert (load_file(str(tmp_path / "s_0" / "model.safetensors"))[name] == wa[name]).all()
    # the stage's files travel (its decoding), the soup says what it mixed, and it loads as a model
    assert json.loads((tmp_path / "s_0.25" / "codetrans.json").read_text()) == {"id": "stage"}
    assert json.loads((tmp_path / "s_0.25" / "soup.json").read_text())["alpha"] == 0.25
    T5ForConditionalGeneration.from_pretrained(tmp_path / "s_0.25")
    build_model("micro", vocab_size=80, seed=1).save_pretrained(tmp_path / "c")
    bad = subprocess.run([sys.executable, str(SCRIPTS / "soup.py"), str(a), str(tmp_path / "c"), "--out",
                          str(tmp_path / "x")], capture_output=True, text=True)
    assert bad.returncode != 0 and "shape" in bad.stderr and "Traceback" not in bad.stderr
