"""The shape of codetrans.train: modules import down, never up or in a circle; functions stay short; the
checkpoint layout older runs resume from stays as it was; ``python -m codetrans.train`` needs no CLI."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import codetrans.train

TRAIN = Path(codetrans.train.__file__).parent
#: Layers above train (ARCHITECTURE.md): train never imports them.
ABOVE = ("codetrans.serving", "codetrans.evaluation", "codetrans.finetune", "codetrans.cli")


def _imports(path: Path) -> set[str]:
    """Every codetrans module ``path`` imports, at any depth (lazy and TYPE_CHECKING imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("codetrans"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("codetrans"):
            if node.module == "codetrans.train":  # `from codetrans.train import data as D`: the submodule
                found.update(f"codetrans.train.{a.name}" for a in node.names if (TRAIN / f"{a.name}.py").is_file())
            else:
                found.add(node.module)
    return found


def test_train_never_imports_the_layers_above_it():
    for path in sorted(TRAIN.glob("*.py")):
        up = sorted(m for m in _imports(path) if m.startswith(ABOVE))
        assert not up, f"{path.name} imports {up}"


def test_engine_keeps_the_names_other_code_imports():
    from codetrans.train import engine

    for name in ("train", "TrainResult", "get_model", "get_tokenizer", "get_dataloaders", "get_optimizer",
                 "get_lr_scheduler", "_deepspeed_config", "Engine", "RunLog", "Runtime", "State", "evaluate"):
        assert hasattr(engine, name), name


def test_module_entry_needs_no_cli():
    code = ("import sys, runpy; sys.argv = ['codetrans.train', '--help']\n"
            "try:\n    runpy.run_module('codetrans.train', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print('CLI' if any(m.startswith('codetrans.cli') for m in sys.modules) else 'no CLI')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "usage: python -m codetrans.train" in out and out.strip().endswith("no CLI")


def test_module_entry_reports_a_bad_recipe_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "codetrans.train", str(tmp_path / "missing.yaml"), "--local_rank=0"],
                          capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("codetrans train: error:") and len(proc.stderr.strip().splitlines()) == 1


def test_checkpoint_layout_is_what_older_runs_wrote(tmp_path, corpus_dir, tokenizer_dir, micro_recipe):
    """Checkpoints written before the engine was split resume after it: same files, same keys."""
    import torch

    from codetrans.train import train
    from codetrans.train.checkpoint import list_checkpoints

    r = micro_recipe(tmp_path, corpus_dir, tokenizer_dir, "mt", steps=8, checkpoint_every=4, stop_at_step=4)
    run = train(r).run_dir
    (ckpt,) = list_checkpoints(run / "checkpoints")
    assert ckpt.name == "step-00000004"
    assert sorted(p.name for p in ckpt.iterdir()) == ["manifest.json", "rng.pt", "state.pt", "trainer_state.json"]
    state = torch.load(ckpt / "state.pt", weights_only=False)
    assert sorted(state) == ["model", "optimizer", "scheduler"]
    assert sorted(torch.load(ckpt / "rng.pt", weights_only=False)) in (["numpy", "python", "torch"],
                                                                        ["cuda", "numpy", "python", "torch"])
    counters = json.loads((ckpt / "trainer_state.json").read_text())
    assert sorted(counters) == sorted(["step", "tokens", "padded", "samples", "best_dev", "bad_evals", "stopped_early",
                                       "train_seconds", "last_dev", "last_input_gain", "last_exemplar_gain",
                                       "loss_history", "stream"])
    assert counters["step"] == 4
    r["train"].update(stop_at_step=None, resume="auto")
    resumed = train(r)
    assert resumed.finished and resumed.step == 8
