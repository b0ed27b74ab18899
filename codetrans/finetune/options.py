"""The settings of a fine-tune: task choices, ids, the work directory, DeepSpeed configs, ``--set`` items."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codetrans.errors import ConfigError

if TYPE_CHECKING:  # annotations only
    from codetrans.data.repository import Harvest
    from codetrans.finetune.base import BaseModel

TASK_CHOICES = ("document", "comment", "summarize", "commit", "api", "all")
#: What ``--task all`` means. ``summarize`` relabels the Python documentation pairs (the repository
#: has no question titles), so it is only harvested when asked for by name.
ALL_TASKS = ("document", "comment", "commit", "api")
DEFAULT_MINUTES = 10.0
EPOCH_CAP = 20  # --minutes on a small repository: stop after this many passes over its training part


@dataclass(frozen=True)
class FinetuneOptions:
    """How :func:`codetrans.finetune.finetune` runs; the command line builds one from its flags
    (``codetrans finetune --help``)."""

    task: str = "all"  #: one of :data:`TASK_CHOICES` (all = document, comment, commit, api: whatever the repo has)
    base: str | None = None  #: the model to start from, a directory or zoo id (default: the task's shipped one)
    out: str | os.PathLike | None = None  #: where the model goes (default: $CODETRANS_HOME/models/<id>)
    model_id: str | None = None  #: a plain name (default: <repo>-<task>-finetuned)
    minutes: float | None = None  #: training time budget (default :data:`DEFAULT_MINUTES`); or
    steps: int | None = None  #: this many optimizer steps instead
    deepspeed: str | None = None  #: a DeepSpeed config: a JSON file or a name in training/deepspeed
    dry_run: bool = False  #: harvest and split, report the plan, stop
    force: bool = False  #: replace an existing ``out`` (only once the new model is complete)
    beams: int = 1  #: beam size of the before/after evaluation
    eval_limit: int | None = 200  #: test items per sub-task evaluated (None: all)
    threads: int = 0  #: torch threads for training (0: all cores)
    sets: dict | None = None  #: overrides of training/finetune.yaml keys (``{"optim.lr": 1e-4}``)
    progress: bool = True
    argv: list[str] | None = None  #: the command line, recorded in the model's report
    license: str = "other"  #: stamped on the model and its card (the data is the owner's repository)
    context: bool | None = None  #: train with the repository's exemplars (default: when the base model takes them)


@dataclass
class FinetuneRun:
    """What one fine-tune resolved before it trains, read by the steps after it (plan, training, model
    directory, summary): the options, the repository and its harvest, the base model, the model's id and
    folders, the sub-tasks and the training budget."""

    options: FinetuneOptions
    root: Path  #: the repository's root
    harvest: Harvest
    base: BaseModel | None  #: None only in a dry run without a base model
    model_id: str
    out_dir: Path
    work: Path  #: the stable work dir beside ``out_dir`` (an interrupted run continues there)
    deepspeed: str | None  #: the resolved config's path
    sets: dict  #: ``--set`` overrides of the finetune recipe
    minutes: float | None  #: the time budget (None with ``options.steps``)
    train_tasks: list[str]
    eval_tasks: list[str]
    has_dev: bool  #: a validation part for early stopping
    cap: int  #: most steps a time budget may take (:data:`EPOCH_CAP` epochs)

    @property
    def budget(self) -> str:
        steps = self.options.steps
        return f"{steps} steps" if steps else (f"{self.minutes:g} minutes of training (at most {self.cap} steps = "
                                               f"{EPOCH_CAP} epochs)")


def expand_tasks(task: str) -> list[str]:
    if task == "all":
        return list(ALL_TASKS)
    if task not in TASK_CHOICES:
        raise ConfigError(f"unknown --task {task!r}; choose from {', '.join(TASK_CHOICES)}")
    return [task]


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "repo"


#: A model id: one plain folder name under $CODETRANS_HOME/models (no separators, no `..`, no leading dot).
_MODEL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_model_id(model_id: str) -> str:
    """``model_id`` when it is a plain name; a ConfigError otherwise (it becomes a folder name, and
    ``../x`` or ``/x`` would put the model, and with --force the replaced folder, outside the cache)."""
    if not _MODEL_ID.fullmatch(model_id) or ".." in model_id or len(model_id) > 200:
        raise ConfigError(f"--id {model_id!r} is not a plain name: use letters, digits, '.', '_' and '-' "
                          "(no '/' or '..'); to write elsewhere, pass --out DIR")
    return model_id


def default_model_id(repo_name: str, task: str) -> str:
    return f"{slug(repo_name.split('/')[-1])}-{task}-finetuned"


def work_dir_for(out: Path) -> Path:
    """The stable work dir of a run writing ``out``: beside it (same filesystem: the final move is one rename)."""
    return out.parent / f".{out.name}.finetune-work"


def resolve_deepspeed(value: str | None) -> str | None:
    if not value:
        return None
    from codetrans.train.recipe import training_dir

    for cand in (Path(value), training_dir() / "deepspeed" / value, training_dir() / "deepspeed" / f"{value}.json"):
        if cand.is_file():
            check_deepspeed_config(cand)
            return str(cand.resolve())
    raise ConfigError(f"--deepspeed {value!r} not found (a JSON file, or a name in {training_dir() / 'deepspeed'}: "
                      + ", ".join(p.stem for p in sorted((training_dir() / "deepspeed").glob("*.json"))) + ")")


#: Keys of which a DeepSpeed config has at least one (training/deepspeed/*.json have them all).
DEEPSPEED_KEYS = frozenset({"train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps",
                            "zero_optimization", "bf16", "fp16", "optimizer", "scheduler", "gradient_clipping"})


def check_deepspeed_config(path: Path) -> None:
    """A ConfigError unless ``path`` is a DeepSpeed JSON config (checked before any work, dry runs too:
    ``--deepspeed /etc/passwd`` must not pass a dry run and fail minutes later)."""
    from codetrans.safeio import read_bytes

    try:
        cfg = json.loads(read_bytes(path, 1_000_000).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ConfigError(f"--deepspeed {path} is not a DeepSpeed config: not JSON") from None
    if not isinstance(cfg, dict) or not DEEPSPEED_KEYS & set(cfg):
        raise ConfigError(f"--deepspeed {path} is not a DeepSpeed config: a JSON object with keys such as "
                          "zero_optimization or train_micro_batch_size_per_gpu")


def check_sets(sets: dict) -> None:
    """``--set`` items against the packaged finetune recipe: unknown keys and ill-typed values are
    ConfigErrors before any work (the dry run included)."""
    from codetrans.train.recipe import load_recipe, recipe_file

    load_recipe(recipe_file("finetune"), sets)


def parse_sets(items: list[str] | None) -> dict:
    """``--set section.key=value`` items -> {dotted key: value}, parsed like `codetrans train` overrides."""
    from codetrans.train.recipe import override_pairs

    return dict(override_pairs(items or []))
