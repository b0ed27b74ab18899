"""The training engine: nanoT5-style factory functions and one loop for every strategy.

``train(recipe)`` = validate -> ``get_tokenizer`` -> ``get_model`` -> ``get_dataloaders`` ->
``get_optimizer`` -> ``get_lr_scheduler`` -> (optionally) ``deepspeed.initialize`` -> resume -> loop
-> final ``save_pretrained``. Everything that can be wrong with the input (recipe keys, dataset path,
empty split, vocabulary mismatch) is checked before the first step.

The pieces, one module each (imports run down this list, never back up):

* :mod:`~codetrans.train.runtime`: device, threads, precision (bf16 where it measures faster), DeepSpeed
  config, seeds; a batch onto the device, its real tokens, autocast;
* :mod:`~codetrans.train.factories`: tokenizer, model, data loaders (length bucketing with a padded-token
  budget for supervised pairs, packing for span corruption); :mod:`~codetrans.train.optim`: optimizers
  and learning-rate schedules;
* :mod:`~codetrans.train.devloss`: dev loss, ``input_gain`` and ``exemplar_gain``;
* :mod:`~codetrans.train.state`: the counters and the checkpoints (save, load, resume);
* :mod:`~codetrans.train.run`: :class:`Engine`, one run's parts and one optimizer step;
* :mod:`~codetrans.train.runlog`: ``logs/train.jsonl`` written and read back (``read_curve``);
* :mod:`~codetrans.train.finalize`: the model directory (weights, recipe, metrics, ``codetrans.json``);
* :mod:`~codetrans.train.loop`: the loop and its stop request; this module: :func:`train`.

The names other code imports from here stay importable from here.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from codetrans.train.devloss import evaluate, loss_gap
from codetrans.train.factories import Loaders, get_dataloaders, get_model, get_tokenizer
from codetrans.train.finalize import run_metrics, save_pretrained, write_final
from codetrans.train.loop import Loop
from codetrans.train.optim import AdamWScale, get_lr_scheduler, get_optimizer, lr_lambda
from codetrans.train.recipe import Recipe, load_recipe
from codetrans.train.run import Engine
from codetrans.train.runlog import RunLog, read_curve
from codetrans.train.runtime import Runtime, _deepspeed_config, seed_everything, setup_runtime
from codetrans.train.state import State

logger = logging.getLogger(__name__)

__all__ = ["AdamWScale", "Engine", "Loaders", "Loop", "RunLog", "Runtime", "State", "TrainResult", "evaluate",
           "get_dataloaders", "get_lr_scheduler", "get_model", "get_optimizer", "get_tokenizer", "loss_gap",
           "lr_lambda", "read_curve", "run_metrics", "save_pretrained", "seed_everything", "setup_runtime", "train",
           "write_final", "_deepspeed_config"]


@dataclass
class TrainResult:
    """What a training run did. ``model_dir`` is the final ``save_pretrained`` directory when the run
    finished (all steps, early stop, or a time budget that ends the run), else None: the run stopped at
    ``step`` with a checkpoint, and running it again continues."""

    run_dir: Path  # train.output_dir: checkpoints, logs, recipe.yaml, metrics.json
    model_dir: Path | None
    step: int
    steps: int  # the recipe's target
    finished: bool
    stopped_early: bool = False
    timed_out: bool = False
    metrics: dict = field(default_factory=dict)  # what metrics.json holds (main process)


def _announce(eng: Engine, log: RunLog, n_params: int, resumed: Path | None, t_setup: float) -> None:
    """The run's first line on the console and its ``start`` event (main process)."""
    import yaml

    from codetrans.train.modeling import format_count

    r, rt, out = eng.r, eng.rt, eng.out
    (out / "recipe.yaml").write_text(yaml.safe_dump(r.to_dict(), sort_keys=False), encoding="utf-8")
    logger.info(f"codetrans train: {r.name} ({r.strategy}) model {r.model.size} {format_count(n_params)} params, "
                f"vocab {eng.model.config.vocab_size}, precision {rt.precision}, threads {rt.info['threads']}"
                f"{', deepspeed ZeRO-' + str(rt.deepspeed.get('zero_optimization', {}).get('stage', 0)) if rt.deepspeed else ''}"
                f"{f', resumed from {resumed}' if resumed else ''}")
    log.write({"event": "start", "step": eng.state.step, "params": n_params, "precision": rt.precision,
               "threads": rt.info["threads"], "world_size": rt.world,
               "setup_s": round(time.perf_counter() - t_setup, 2), **eng.loaders.info,
               "resumed_from": str(resumed) if resumed else None})


def _run_loop(eng: Engine, log: RunLog) -> Loop:
    """Train up to ``train.stop_at_step`` (else ``train.steps``) or the time budget; the finished loop."""
    from codetrans.log import progress_bar

    r, st = eng.r, eng.state
    stop_at = min(r.train.steps, r.train.stop_at_step or r.train.steps)
    deadline = time.monotonic() + 60 * r.train.time_budget_min if r.train.time_budget_min else None
    bar = progress_bar(total=r.train.steps, initial=st.step, desc=r.name, unit="step",
               disable=not (r.train.progress and eng.rt.main), dynamic_ncols=True)
    loop = Loop(eng, log, bar, stop_at, deadline)
    loop.run()
    return loop


def _finish(eng: Engine, log: RunLog, loop: Loop, n_params: int, budget_ends_run: bool) -> TrainResult:
    """After the loop: the last checkpoint, ``final`` (a finished run) or ``latest`` (weights so far),
    ``metrics.json`` and the ``end`` event."""
    r, rt, st, out = eng.r, eng.rt, eng.state, eng.out
    if loop.stop.requested:
        loop.bar.write(f"codetrans train: stopped on request at step {st.step}; checkpoint saved, run again to continue")
        budget_ends_run = False  # a kill is never the end of a run
    elif loop.timed_out and not budget_ends_run:
        loop.bar.write(f"codetrans train: time budget reached at step {st.step}; checkpoint saved, "
                       f"run again to continue")
    if st.step >= r.train.steps and st.step % r.train.checkpoint_every != 0 and not st.stopped_early:
        eng.save_checkpoint()  # the final state, so a longer run (train.steps=...) can continue it
    ended_by_budget = loop.timed_out and budget_ends_run
    done = st.step >= r.train.steps or st.stopped_early or ended_by_budget
    finished = done and not (loop.timed_out and not budget_ends_run)
    final = out / "final"
    # A run the budget ended reached its target there: the card and report name the steps it took.
    metrics = run_metrics(eng, n_params, finished, st.step if ended_by_budget else r.train.steps) if rt.main else {}
    if done:
        write_final(eng, final, metrics)
    elif loop.timed_out or st.step >= loop.stop_at:
        # A run continued over several sessions (or paused at train.stop_at_step): its weights so far,
        # usable meanwhile (evaluate, export, or model.init_from of a later stage).
        write_final(eng, out / "latest", metrics)
    if rt.main:
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        log.write({"event": "end", "step": st.step, "tokens_per_s": metrics["tokens_per_s"],
                   "finished": metrics["finished"]})
        logger.info(f"codetrans train: {'saved ' + str(final) if done else 'stopped at step ' + str(st.step)} "
                    f"(loss {metrics['loss_first']} -> {metrics['loss_last']}, {metrics['tokens_per_s']:.0f} tokens/s)")
    return TrainResult(out, final if done else None, st.step, r.train.steps, finished, st.stopped_early,
                       loop.timed_out, metrics)


def train(recipe: str | os.PathLike | dict | Recipe, overrides: list[str] | dict | None = None,
          budget_ends_run: bool | None = None) -> TrainResult:
    """Run a recipe; return what happened (:class:`TrainResult`).

    ``budget_ends_run`` (default: the recipe's ``train.budget_ends_run``): when ``train.time_budget_min``
    runs out, finish the run at the step reached
    (final model written) instead of stopping it with a checkpoint to be continued; a run stopped that
    way also writes its weights so far to ``output_dir/latest`` (replaced at each stop).
    """
    from codetrans.train.modeling import count_parameters

    r = load_recipe(recipe, overrides)
    if budget_ends_run is None:
        budget_ends_run = r.train.budget_ends_run
    out = r.output_dir
    out.mkdir(parents=True, exist_ok=True)
    t_setup = time.perf_counter()
    eng = Engine(r, out)
    resumed = eng.maybe_resume()
    n_params = count_parameters(eng.model)
    log = RunLog(out, eng.rt.main, r.train.tensorboard)
    if eng.rt.main:
        _announce(eng, log, n_params, resumed, t_setup)
    loop = _run_loop(eng, log)
    result = _finish(eng, log, loop, n_params, budget_ends_run)
    log.close()
    if loop.stop.requested:  # saved and resumable; the caller (CLI: exit 130, finetune) still sees an interrupt
        raise KeyboardInterrupt
    return result
