"""``codetrans finetune``: fine-tune a model on one repository, end to end, in one command.

    codetrans finetune --repo ~/src/myproject --minutes 10        # --base: default the shipped model

An orchestrator over the library: **harvest and split** the repository (:mod:`codetrans.data.repository`;
``--dry-run`` stops after printing the counts), **fine-tune** the base model (:mod:`codetrans.finetune.base`)
with the training engine and the packaged recipe ``finetune.yaml`` within ``--steps`` or ``--minutes``,
**evaluate before and after** on the held-out part with the harness, and move the finished model
directory (weights, tokenizer, ``codetrans.json``, card, ``finetune.json``, both evaluation records) into
``--out`` in one rename (default ``$CODETRANS_HOME/models/<id>``, usable by id at once).

Work happens in a stable work dir beside ``--out`` (``.<name>.finetune-work``), so rerunning an
interrupted command continues from the last checkpoint. Bad input raises a :class:`CodeTransError`
subclass before anything is written to ``--out``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codetrans.data.repository import Harvest, find_repository, harvest_repository, load_harvest, save_harvest
from codetrans.errors import ConfigError
from codetrans.finetune import report as R
from codetrans.finetune.base import BaseModel, FinetuneError, check_base, signature
from codetrans.finetune.options import (
    DEFAULT_MINUTES,
    EPOCH_CAP,
    TASK_CHOICES,
    FinetuneOptions,
    FinetuneRun,
    check_model_id,
    check_sets,
    default_model_id,
    expand_tasks,
    parse_sets,
    resolve_deepspeed,
    slug,
    work_dir_for,
)
from codetrans.finetune.report import RunView
from codetrans.fs import has_weights, is_model_dir, replace_dir

if TYPE_CHECKING:  # annotations only: the harness is imported when a run reaches it
    from codetrans.evaluation import DecodingOptions

__all__ = ["DEFAULT_MINUTES", "TASK_CHOICES", "BaseModel", "FinetuneError", "FinetuneOptions", "FinetuneResult",
           "OutputExistsError", "RunView", "finetune", "parse_sets"]


class OutputExistsError(FinetuneError):
    pass


@dataclass
class FinetuneResult:
    out: Path | None
    model_id: str
    harvest: Harvest
    before: dict = field(default_factory=dict)  # sub-task -> score
    after: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    steps: int | None = None


def _check_out(out_dir: Path, root: Path, dry_run: bool, force: bool) -> None:
    if out_dir.exists() and not dry_run and not force:
        raise OutputExistsError(f"--out {out_dir} already exists; choose another --out (or --id), or pass --force "
                                "to replace it once the new model is ready")
    if out_dir.is_symlink() or out_dir.exists() and not out_dir.is_dir():
        raise OutputExistsError(f"--out {out_dir} exists and is not a directory")
    if force:
        _check_replaceable(out_dir)
    if out_dir.resolve() == root.resolve() or root.resolve() in out_dir.resolve().parents:
        raise ConfigError(f"--out {out_dir} is inside the repository being harvested; choose a directory outside it")


def _check_replaceable(out_dir: Path) -> None:
    """--force replaces a model, never a folder of the user's: an existing ``out_dir`` must be a model
    directory or empty (checked before the run and again right before the replacement)."""
    if out_dir.is_dir() and not (is_model_dir(out_dir) and has_weights(out_dir)) and any(out_dir.iterdir()):
        raise OutputExistsError(f"--out {out_dir} exists and is not a model directory (no config.json and weights); "
                                "--force only replaces a model or an empty folder: choose another --out")


def _harvest_or_continue(root: Path, work: Path, task_types: list[str], sig: dict | None, progress: bool,
                         view: RunView) -> Harvest:
    """The harvest a previous, interrupted run of the same command left in ``work``, or a fresh one."""
    if sig is not None and work.is_dir():
        try:
            old = json.loads((work / "signature.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if old == sig and (work / "data" / "harvest.json").is_file():
            view.note(f"continuing the unfinished run in {work} (delete it to start over)")
            return load_harvest(work / "data")
        view.note(f"note: discarding {work}: it was left by a run with other settings")
        shutil.rmtree(work)
    h = harvest_repository(root, task_types, progress=progress)
    if sig is not None:
        work.mkdir(parents=True, exist_ok=True)
        save_harvest(h, work / "data")
        (work / "signature.json").write_text(json.dumps(sig, indent=1), encoding="utf-8")
    return h


#: Exemplars per training pair with --context (each pair gets 1..CONTEXT_K, a quarter none).
CONTEXT_K = 4


def _augment(data_dir: Path, out: Path, base: BaseModel, max_source_length: int, view: RunView) -> Path:
    """The harvested corpus augmented with the repository's own exemplars, measured in the base model's
    tokens so that prefix, code and exemplars fit ``max_source_length`` (the trainer never cuts them)."""
    from codetrans.retrieval.corpus import AugmentConfig, augment_corpus
    from codetrans.tasks import SUBTASKS
    from codetrans.train.tokenizer import load_tokenizer

    tok = load_tokenizer(base.path)
    prefix = max(len(tok(st.prefix, add_special_tokens=False)["input_ids"]) for st in SUBTASKS.values())
    budget = max(16, max_source_length - prefix - 1)
    shutil.rmtree(out, ignore_errors=True)
    view.note(f"augmenting the training pairs with repository exemplars (up to {CONTEXT_K} each)")
    augment_corpus(str(data_dir), out, AugmentConfig(k=CONTEXT_K, vary_k=True, drop_fraction=0.25, budget=budget),
                   tokenizer=tok, progress=False)
    return out


#: The durations kept in finetune.json and the summary, in this order.
_TIMING_KEYS = ("harvest_s", "eval_before_s", "train_s", "eval_after_s", "eval_grounded_s")


def _base_or_none(base: str | None, task_types: list[str]) -> BaseModel | None:
    """The dry run's base model: ``--base`` or the shipped default, checked; None only when no model is
    shipped and none was given (the plan then says --base is needed)."""
    from codetrans.finetune.base import MissingBaseError

    try:
        return check_base(base, task_types)
    except MissingBaseError:
        return None


def _check_budget(minutes: float | None, steps: int | None, beams: int, sets: dict | None = None) -> float | None:
    """``--minutes`` once the budget options (and the ``--set`` items, against the recipe) are checked: the
    default when neither it nor ``--steps`` is given. Before any work, the dry run included."""
    check_sets(dict(sets or {}))
    if minutes is not None and steps is not None:
        raise ConfigError("give --minutes or --steps, not both")
    if minutes is not None and minutes <= 0 or steps is not None and steps < 1:
        raise ConfigError("--minutes and --steps must be positive")
    if beams < 1:
        raise ConfigError("--beams must be >= 1")
    return DEFAULT_MINUTES if minutes is None and steps is None else minutes


def _declares_context(base_model: BaseModel | None) -> bool:
    """``--context``'s default: whether the base model declares context support (its ``codetrans.json``)."""
    from codetrans.serving.context import context_spec

    return base_model is not None and context_spec(base_model.path) is not None


def _decoding(recipe: Any, sets: dict, beams: int) -> DecodingOptions:
    """How the before/after evaluations decode: ``--beams``, the recipe's lengths (or their ``--set`` values)."""
    from codetrans.evaluation import DecodingOptions

    return DecodingOptions(num_beams=beams, batch_size=16,
                           max_length=int(sets.get("data.max_target_length", recipe.data.max_target_length)),
                           max_source_length=int(sets.get("data.max_source_length", recipe.data.max_source_length)))


@dataclass
class _Evaluations:
    """The evaluations of one run on the held-out split: the same sub-tasks, decoding and limit each time.
    Records collect in ``records`` (before, after, grounded), durations in the run's ``timings``."""

    data_dir: Path
    work: Path
    tasks: list[str]
    decoding: DecodingOptions
    limit: int | None
    progress: bool
    timings: dict
    view: RunView
    records: dict = field(default_factory=dict)

    def run(self, which: str, model: str, name: str) -> None:
        """Evaluate ``model`` as ``which`` ("before": the base model, "after": the fine-tuned one)."""
        from codetrans.evaluation import evaluate

        self.view.note(f"evaluating the {'base' if which == 'before' else 'fine-tuned'} model on "
                       + ", ".join(self.tasks))
        t0 = time.perf_counter()
        self.records[which] = evaluate(model, str(self.data_dir), self.work / f"eval-{which}", split="test",
                                       tasks=self.tasks, decoding=self.decoding, name=name, limit=self.limit,
                                       progress=self.progress, overwrite=which == "after")
        self.timings[f"eval_{which}_s"] = round(time.perf_counter() - t0, 1)

    def grounded(self, model_dir: str, model_id: str) -> None:
        """What ``codetrans document`` gives inside the repository (neighbours, edited, chosen), on the
        sub-tasks the grounded path serves; none among them: no record."""
        from codetrans.evaluation import evaluate
        from codetrans.evaluation.grounded import GroundedPredictor
        from codetrans.evaluation.grounded import applies as grounded_applies

        tasks = [t for t in self.tasks if grounded_applies(t)]
        if not tasks:
            return
        t0 = time.perf_counter()
        self.records["grounded"] = evaluate(GroundedPredictor("grounded", model_dir), str(self.data_dir),
                                            self.work / "eval-grounded", split="test", tasks=tasks,
                                            decoding=self.decoding, name=f"after, grounded: {model_id}",
                                            limit=self.limit, progress=self.progress, overwrite=True)
        self.timings["eval_grounded_s"] = round(time.perf_counter() - t0, 1)


def _train_overrides(run: FinetuneRun, train_dir: Path) -> dict[str, Any]:
    """The packaged ``finetune`` recipe's settings for this run; ``--set`` values come last and win."""
    base, steps = run.base, run.options.steps
    return {
        "name": slug(run.model_id), "strategy": "tf" if len(run.train_tasks) == 1 else "mt",
        "model.init_from": str(base.path), "model.size": base.size if base.size != "custom" else "tiny",
        "data.path": str(train_dir), "data.tasks": run.train_tasks,
        "data.dev_split": "validation" if run.has_dev else None,
        "train.output_dir": str(run.work / "run"), "train.resume": "auto",
        "train.steps": steps or run.cap, "train.time_budget_min": None if steps else run.minutes,
        "train.early_stopping_patience": 4 if run.has_dev else 0, "train.deepspeed": run.deepspeed,
        "train.threads": run.options.threads, "train.progress": run.options.progress, **run.sets,
    }


def _train(recipe_path: Any, overrides: dict[str, Any], budget: str, timings: dict, view: RunView) -> Any:
    """Run the training engine (it resumes a checkpoint in the work dir); the ``TrainResult``."""
    from codetrans.train import train

    view.note(f"fine-tuning ({budget}); interrupted? rerun the same command to continue")
    t0 = time.perf_counter()
    trained = train(recipe_path, overrides, budget_ends_run=True)  # the time budget closes the run at its step
    timings["train_s"] = round(time.perf_counter() - t0, 1)
    return trained


def _run_report(run: FinetuneRun, steps: int | None, decoding: DecodingOptions, timings: dict) -> dict:
    """``finetune.json``'s record of the run (its before/after scores are filled in by the report writer)."""
    return {"id": run.model_id, "command": run.options.argv, "repo": run.harvest.summary(),
            "base": {**asdict(run.base), "path": str(run.base.path)}, "train_tasks": run.train_tasks,
            "eval_tasks": run.eval_tasks, "steps": steps, "decoding": decoding.as_dict(), "before": None,
            "after": None, "timings": timings, "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _scores(record: dict) -> dict[str, float]:
    return {t: float(r["score"]) for t, r in record["results"].items()}


def finetune(repo: str | os.PathLike, options: FinetuneOptions | None = None, *, view: RunView | None = None,
             **fields: Any) -> FinetuneResult:
    """Harvest ``repo``, fine-tune ``options.base`` on it, evaluate before/after and write the model to ``options.out``.
    :class:`~codetrans.finetune.options.FinetuneOptions` fields may also be passed as keywords (``steps=3``).

    ``context``: train on pairs augmented with exemplars of the repository itself (:mod:`codetrans.retrieval.corpus`:
    1..4 nearest documented functions / earlier commits, a quarter left plain), so the model declares
    context support and ``codetrans document`` feeds it the repository's exemplars. Default: on when the
    base model declares context (``codetrans.json``), else off. Evaluation before/after stays without
    context (the fine-tuned model must work without it too). ``license``: stamped on the model and its card;
    "other" by default (the training data is a repository whose license the owner knows, not CodeTrans)."""
    o = replace(options or FinetuneOptions(), **fields)  # keywords: a call in code names only what it changes
    view = view or RunView()
    from codetrans.data.git import repo_name
    from codetrans.serving import zoo
    from codetrans.train.recipe import load_recipe, recipe_file

    t_start = time.perf_counter()
    minutes = _check_budget(o.minutes, o.steps, o.beams, o.sets)
    task_types, root = expand_tasks(o.task), find_repository(repo)
    model_id = check_model_id(o.model_id) if o.model_id is not None else default_model_id(repo_name(root), o.task)
    out_dir = (Path(o.out).expanduser() if o.out else zoo.home() / "models" / model_id).absolute()
    _check_out(out_dir, root, o.dry_run, o.force)
    base_model = _base_or_none(o.base, task_types) if o.dry_run else check_base(o.base, task_types)
    ds_path, sets, work = resolve_deepspeed(o.deepspeed), dict(o.sets or {}), work_dir_for(out_dir)
    context = _declares_context(base_model) if o.context is None else o.context
    sig = signature(root, task_types, base_model) if base_model and not o.dry_run else None
    if sig is not None and context:
        sig["context"] = True

    t0 = time.perf_counter()
    h = _harvest_or_continue(root, work, task_types, sig, o.progress, view)
    timings = {"harvest_s": round(time.perf_counter() - t0, 1)}
    view.harvest(h)
    train_tasks = h.tasks_in("train")
    run = FinetuneRun(o, root, h, base_model, model_id, out_dir, work, ds_path, sets, minutes, train_tasks,
                      h.tasks_in("test"), has_dev=bool(set(h.tasks_in("validation")) & set(train_tasks)),
                      cap=max(50, math.ceil(EPOCH_CAP * len(h.split_rows("train")) / int(sets.get("train.batch_size", 16)))))
    plan = R.plan_rows(run)
    plan.insert(3, ("context", f"train with up to {CONTEXT_K} exemplars of the repository per pair" if context
                    else "no (--context trains the model to use the repository's exemplars)"))
    if o.dry_run:
        view.examples(h)
        view.plan(plan, "dry run: what finetune would use (nothing was written)")
        return FinetuneResult(None, model_id, h, timings=timings)
    assert base_model is not None
    view.plan(plan, "fine-tuning plan")

    recipe_path = recipe_file("finetune")
    recipe = load_recipe(recipe_path)
    decoding = _decoding(recipe, sets, o.beams)
    data_dir = work / "data"
    evals = _Evaluations(data_dir, work, run.eval_tasks, decoding, o.eval_limit, o.progress, timings, view)
    evals.run("before", str(base_model.path), f"before: {base_model.ref}")
    train_dir = (_augment(data_dir, work / "data-context", base_model,
                          int(sets.get("data.max_source_length", recipe.data.max_source_length)), view)
                 if context else data_dir)
    trained = _train(recipe_path, _train_overrides(run, train_dir), run.budget, timings, view)
    evals.run("after", str(trained.model_dir), f"after: {model_id}")
    evals.grounded(str(trained.model_dir), model_id)
    timings = {k: timings[k] for k in _TIMING_KEYS if k in timings}

    run_report = _run_report(run, trained.step, decoding, timings)
    model_dir, records = work / "model", evals.records
    table = R.write_model_dir(run, model_dir, trained.model_dir, records, run_report, trained.metrics)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _check_out(out_dir, root, dry_run=False, force=o.force)  # it may have appeared or changed during the run
    replace_dir(model_dir, out_dir)  # --force: the old model goes only now that the new one is complete
    shutil.rmtree(work, ignore_errors=True)
    timings["total_s"] = round(time.perf_counter() - t_start, 1)
    view.finished(run, table, timings, trained.step, in_home=out_dir.parent == (zoo.home() / "models").absolute())
    return FinetuneResult(out_dir, model_id, h, _scores(records["before"]), _scores(records["after"]), timings,
                          trained.step)
