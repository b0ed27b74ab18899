"""The run's counters and its checkpoints: what a checkpoint holds, how a run resumes from one.

A checkpoint folder (written atomically and verified on load by :mod:`codetrans.train.checkpoint`) holds
``state.pt`` (``model``, ``optimizer``, ``scheduler`` state dicts; under DeepSpeed its own files, tag
``ds``, instead), ``rng.pt`` (Python, NumPy, torch and CUDA generators) and ``trainer_state.json`` (the
:class:`State` fields plus the training stream's position under ``stream``). That layout is what older
runs wrote and what they resume from: change it only with a reader for the old one.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from codetrans.errors import ConfigError
from codetrans.train import checkpoint as ckpt
from codetrans.train.recipe import Recipe
from codetrans.train.runtime import Runtime


@dataclass
class State:
    step: int = 0
    tokens: int = 0
    padded: int = 0
    samples: int = 0
    best_dev: float = float("inf")
    bad_evals: int = 0
    stopped_early: bool = False
    train_seconds: float = 0.0
    last_dev: float | None = None
    last_input_gain: float | None = None  # dev loss with swapped sources minus dev loss
    last_exemplar_gain: float | None = None  # dev loss with exemplars removed minus dev loss
    loss_history: list = field(default_factory=list)  # (step, mean loss of the log window)



class Run(Protocol):
    """What checkpointing reads and restores of a run (:class:`codetrans.train.run.Engine`)."""

    r: Recipe
    rt: Runtime
    model: Any
    optimizer: Any
    scheduler: Any
    ds: Any  # the DeepSpeed engine, or None
    loaders: Any  # .train: the BatchStream whose position is saved
    state: State
    ckpt_root: Path


def _rng_state() -> dict:
    import torch

    st = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def _set_rng_state(st: dict) -> None:
    import torch

    random.setstate(st["python"])
    np.random.set_state(st["numpy"])
    torch.set_rng_state(st["torch"])
    if "cuda" in st and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["cuda"])



def save_checkpoint(run: Run) -> Path | None:
    """Checkpoint ``run`` at its step; the committed folder on the main process, None on the others
    (under DeepSpeed every rank takes part)."""
    import torch

    rt, root, step = run.rt, run.ckpt_root, run.state.step
    tmp = ckpt.begin(root, step) if rt.main else None
    if run.ds is not None:
        if rt.world > 1:
            import torch.distributed as dist

            name = [str(tmp) if tmp else ""]
            dist.broadcast_object_list(name, src=0)
            tmp = Path(name[0])
        run.ds.save_checkpoint(str(tmp), tag="ds")
        if rt.world > 1:
            torch.distributed.barrier()
    if not rt.main:
        return None
    if run.ds is None:
        torch.save({"model": run.model.state_dict(), "optimizer": run.optimizer.state_dict(),
                    "scheduler": run.scheduler.state_dict()}, tmp / "state.pt")
    torch.save(_rng_state(), tmp / "rng.pt")
    st = {k: v for k, v in run.state.__dict__.items()}
    st["stream"] = run.loaders.train.state_dict()
    (tmp / "trainer_state.json").write_text(json.dumps(st), encoding="utf-8")
    return ckpt.commit(tmp, root, step, run.r.train.keep_checkpoints)


def load_checkpoint(run: Run, path: Path) -> dict:
    """Load weights, optimizer and scheduler of checkpoint ``path`` into ``run``; return its counters
    (``state``) and RNG states (``rng``), applied by :func:`maybe_resume` once the load succeeded."""
    import torch

    st = json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
    rng = torch.load(path / "rng.pt", weights_only=False)
    if run.ds is not None:
        loaded, _ = run.ds.load_checkpoint(str(path), tag="ds")
        if loaded is None:
            raise RuntimeError("DeepSpeed found no checkpoint")
    else:
        blob = torch.load(path / "state.pt", map_location=run.rt.device, weights_only=False)
        run.model.load_state_dict(blob["model"])
        run.optimizer.load_state_dict(blob["optimizer"])
        run.scheduler.load_state_dict(blob["scheduler"])
    return {"state": st, "rng": rng}


def maybe_resume(run: Run) -> Path | None:
    """Resume ``run`` as ``train.resume`` says (``auto``: the newest good checkpoint, ``never``, or a
    checkpoint folder); the checkpoint resumed from, or None for a fresh start."""
    mode = run.r.train.resume
    if mode == "never":
        return None
    only = None if mode == "auto" else Path(mode)
    if only is not None and not only.is_dir():
        raise ConfigError(f"train.resume: {only} is not a checkpoint dir")
    got = ckpt.load_latest(run.ckpt_root, lambda path: load_checkpoint(run, path), only=only)
    if got is None:
        if only is not None:
            raise ConfigError(f"train.resume: checkpoint {only} is unusable")
        return None
    path, blob = got
    st = dict(blob["state"])
    run.loaders.train.load_state_dict(st.pop("stream"))
    for k, v in st.items():
        setattr(run.state, k, v)
    _set_rng_state(blob["rng"])
    return path
