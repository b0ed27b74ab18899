"""The model zoo: model ids -> directories, plus the original SEBIS checkpoints by their naming scheme.

An id resolves, in order, to: an existing directory (a ``save_pretrained`` layout, ours or the
original CodeTrans one); a model in the user cache ``$CODETRANS_HOME/models/<id>`` (default
``~/.cache/codetrans``); a model shipped inside the package; a Hugging Face hub id (only when the
hub is allowed, i.e. ``HF_HUB_OFFLINE`` is not set — nothing is downloaded otherwise).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from codetrans.errors import CodeTransError
from codetrans.fs import PACKAGE_MODELS, check_model_dir, is_model_dir
from codetrans.tasks import SUBTASKS, get_task_type

STRATEGY_SUFFIX = {"single-task": "", "transfer-learning": "_transfer_learning_finetune",
                   "multitask": "_multitask", "multitask-finetune": "_multitask_finetune"}
# The original released single-task models in small and base only; the other strategies in all sizes.
STRATEGY_SIZES = {"single-task": ("small", "base"), "transfer-learning": ("small", "base", "large"),
                  "multitask": ("small", "base", "large"), "multitask-finetune": ("small", "base", "large")}


@dataclass
class ZooEntry:
    id: str
    tasks: list[str]  # sub-task ids
    size: str
    strategy: str
    location: str  # a directory, or a hub id
    languages: list[str] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    source: str = "local"  # package | cache | hub

    def to_dict(self) -> dict:
        return asdict(self)


def home() -> Path:
    """The user cache of CodeTrans (``$CODETRANS_HOME``, default ``~/.cache/codetrans``)."""
    return Path(os.environ.get("CODETRANS_HOME") or Path.home() / ".cache" / "codetrans")


def sebis_entries() -> list[ZooEntry]:
    """The 143 checkpoints the original CodeTrans published on the Hugging Face hub."""
    entries = []
    for st in SUBTASKS.values():
        stem = get_task_type(st.task_type).hub_stem + st.hub_suffix
        for strategy, sizes in STRATEGY_SIZES.items():
            for size in sizes:
                hub_id = f"SEBIS/code_trans_t5_{size}_{stem}{STRATEGY_SUFFIX[strategy]}"
                entries.append(ZooEntry(hub_id, [st.id], size, strategy, hub_id, [st.lang], source="hub"))
    return entries


def _card_entry(path: Path, source: str) -> ZooEntry:
    """An entry described by ``codetrans.json`` beside the weights (written by training), if any."""
    from codetrans.meta import ModelMeta

    meta = ModelMeta.read(path, strict=False)  # a broken description must not hide the model from the list
    tasks = meta.tasks or []
    return ZooEntry(path.name if meta.id is None else meta.id, tasks, "?" if meta.size is None else meta.size,
                    "?" if meta.strategy is None else meta.strategy, str(path),
                    sorted({SUBTASKS[t].lang for t in tasks if t in SUBTASKS}),
                    {} if meta.metrics is None else meta.metrics, source)


def local_entries() -> list[ZooEntry]:
    """Models shipped in the package and models in the user cache."""
    out = []
    for root, source in ((PACKAGE_MODELS, "package"), (home() / "models", "cache")):
        if root.is_dir():
            out.extend(_card_entry(p, source) for p in sorted(root.iterdir()) if is_model_dir(p))
    return out


def list_models(include_hub: bool = True) -> list[ZooEntry]:
    return local_entries() + (sebis_entries() if include_hub else [])


def is_shipped(path: str | os.PathLike) -> bool:
    """Whether ``path`` is (inside) a model shipped in the package: run-time code never writes there."""
    return Path(path).resolve().is_relative_to(PACKAGE_MODELS.resolve())


def default_model(task: str) -> ZooEntry | None:
    """The embedded default model for a task type, when the package ships one: a specialist (fewest
    sub-tasks) before the multitask model; a specialist ships only where it measured better."""
    ttype = get_task_type(task)
    serving = [e for e in local_entries() if e.source == "package"
               and any(SUBTASKS[t].task_type == ttype.name for t in e.tasks if t in SUBTASKS)]
    return min(serving, key=lambda e: len(e.tasks), default=None)


def _check_config(path: Path) -> None:
    """A model directory's config.json must be a JSON object (else transformers prints a traceback)."""
    from codetrans.safeio import InputError, read_bytes

    try:
        config = json.loads(read_bytes(path / "config.json", 10_000_000).decode("utf-8"))
    except (InputError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        why = exc if isinstance(exc, InputError) else "not valid JSON"
        raise CodeTransError(f"{path} is not a usable model directory: config.json is {why}") from None
    if not isinstance(config, dict):
        raise CodeTransError(f"{path} is not a usable model directory: config.json is not a JSON object")


def resolve(model: str | os.PathLike | None, task: str | None = None) -> str:
    """A model id, path or None (the task's default) -> something ``from_pretrained`` can load."""
    if model is None:
        entry = default_model(task) if task else None
        if entry is None:
            what = f"the {get_task_type(task).name} task" if task else "this task"
            raise CodeTransError(
                f"no model is shipped for {what} in this installation; pass one with --model DIR (a trained model directory, "
                "e.g. from `codetrans train training/debug.yaml`) or a model id from `codetrans zoo list`")
        return entry.location
    path = Path(model).expanduser()
    if path.exists():
        check_model_dir(path)
        _check_config(path)
        return str(path)
    name = str(model)
    for entry in local_entries():
        if entry.id == name or Path(entry.location).name == name:
            return entry.location
    if "/" in name and not name.startswith((".", "/")):
        if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
            raise CodeTransError(f"{name} is a hub id but the hub is offline (HF_HUB_OFFLINE is set); "
                                 "download it elsewhere and pass its directory")
        return name
    raise CodeTransError(f"unknown model {name!r}: not a directory, not in {home() / 'models'}, not a hub id")
