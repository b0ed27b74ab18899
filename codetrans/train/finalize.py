"""Finalising a model directory: the weights (``save_pretrained``, atomic), the recipe, ``metrics.json``
and ``codetrans.json`` (what the zoo lists: sub-tasks, size, strategy, exemplar context, inherited decoding).
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
from pathlib import Path
from typing import Any

from codetrans.fs import fsync_file, staged
from codetrans.meta import ModelMeta
from codetrans.train.run import Engine
from codetrans.train.runtime import Runtime


def _unwrapped(model: Any) -> Any:
    return getattr(model, "module", model)


def save_pretrained(model: Any, tokenizer: Any, out: Path, rt: Runtime) -> None:
    """Atomic ``save_pretrained`` (fp32 weights, gathered under ZeRO-3) + tokenizer."""
    net = _unwrapped(model)
    ctx = contextlib.nullcontext()
    if rt.deepspeed is not None and rt.deepspeed.get("zero_optimization", {}).get("stage", 0) == 3:
        import deepspeed

        ctx = deepspeed.zero.GatheredParameters(list(net.parameters()), modifier_rank=None)
    with ctx:
        if not rt.main:
            return
        with staged(out, sync=True) as tmp:
            sd = {k: v.detach().float().cpu() for k, v in net.state_dict().items()}
            net.config.use_cache = True
            net.save_pretrained(str(tmp), state_dict=sd)
            net.config.use_cache = False
            tokenizer.save_pretrained(str(tmp))
            spm = Path(getattr(tokenizer, "name_or_path", "") or ".") / "spiece.model"
            if spm.is_file():  # the raw SentencePiece model, for tools that want it (not needed to load)
                shutil.copy2(spm, tmp / "spiece.model")
            for p in tmp.iterdir():
                fsync_file(p)


def run_metrics(eng: Engine, n_params: int, finished: bool, steps: int) -> dict:
    """What ``metrics.json`` holds (schema :data:`codetrans.records.TRAINING`; read by the model card and
    ``codetrans finetune``'s report)."""
    from codetrans.records import TRAINING

    r, rt, st = eng.r, eng.rt, eng.state
    return {
        "schema": TRAINING, "name": r.name, "strategy": r.strategy, "size": r.model.size, "params": n_params,
        "step": st.step, "steps": steps, "finished": finished,
        "stopped_early": st.stopped_early, "precision": rt.precision,
        "deepspeed_zero_stage": rt.deepspeed.get("zero_optimization", {}).get("stage", 0) if rt.deepspeed else None,
        "world_size": rt.world, "tokens": st.tokens, "padded_tokens": st.padded, "samples": st.samples,
        "train_seconds": round(st.train_seconds, 2),
        "tokens_per_s": round(st.tokens * rt.world / max(st.train_seconds, 1e-9), 1),
        "padding": round(1 - st.tokens / max(st.padded, 1), 4),
        "loss_first": st.loss_history[0][1] if st.loss_history else None,
        "loss_last": st.loss_history[-1][1] if st.loss_history else None,
        "dev_loss": st.last_dev, "best_dev_loss": None if math.isinf(st.best_dev) else st.best_dev,
        "input_gain": st.last_input_gain, "exemplar_gain": st.last_exemplar_gain,
        "loss_history": st.loss_history, "data": eng.loaders.info,
    }



def _inherited_decoding(init_from: str | None, tasks: list[str]) -> dict[str, dict[str, Any]] | None:
    """A later stage keeps its base's tuned decoding (``codetrans.json`` -> ``decoding``) for the sub-tasks
    it serves, marked as inherited: without it users would get the task types' untuned defaults until
    ``scripts/tune_decoding.py`` is run on the new model (which replaces it)."""
    if not init_from:
        return None
    # an unreadable base description costs the tuned defaults, never the trained model
    tuned = ModelMeta.read(init_from, strict=False).decoding or {}
    kept = {t: tuned[t] for t in tasks if isinstance(tuned.get(t), dict)}
    return kept or None


def write_final(eng: Engine, final: Path, metrics: dict) -> None:
    """The final model directory: the best dev checkpoint after an early stop, else the current weights;
    plus the recipe, metrics and ``codetrans.json`` (what the zoo lists: sub-tasks, size, strategy)."""
    import yaml

    r, rt, st = eng.r, eng.rt, eng.state
    if st.stopped_early and (eng.out / "best").is_dir() and rt.main:
        if final.exists():
            shutil.rmtree(final)
        shutil.copytree(eng.out / "best", final)
    else:
        save_pretrained(eng.ds or eng.model, eng.tokenizer, final, rt)
    if not rt.main:
        return
    (final / "recipe.yaml").write_text(yaml.safe_dump(r.to_dict(), sort_keys=False), encoding="utf-8")
    (final / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    tasks = list(eng.loaders.info.get("tasks", {})) or list(r.data.tasks)
    meta = ModelMeta(tasks=tasks, size=r.model.size, strategy=r.strategy)  # id: the folder's name
    meta.context = eng.context or None  # trained on exemplars: it reads them at inference
    meta.decoding = _inherited_decoding(r.model.init_from, tasks)
    meta.decoding_inherited_from = str(r.model.init_from) if meta.decoding else None
    meta.write(final)
