"""Training recipes: a YAML file per run, validated before anything heavy starts.

A recipe has five sections (``model``, ``tokenizer``, ``data``, ``optim``, ``train``) plus ``name``
and ``strategy``. Every key has a default here, so a recipe only writes what differs; an unknown key
or a value of the wrong type is a :class:`~codetrans.errors.ConfigError` naming the key. Overrides use
dotted keys with YAML values: ``train.steps=200 optim.lr=3e-4 data.tasks=[commit_generation]``.

Strategies (the four of CodeTrans plus the pretraining stage of transfer learning):

======== ============================================== ======================
strategy what                                           needs
======== ============================================== ======================
st       single-task supervised training from scratch   exactly one task
mt       multitask over several sub-tasks, mixed        two or more tasks (or all)
pretrain span-corruption pretraining on ``text``        a text corpus
tf       fine-tune one task from a pretrained model     ``model.init_from``
mt-tf    fine-tune one task from a multitask model      ``model.init_from``
======== ============================================== ======================
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from codetrans.errors import CodeTransError, ConfigError

STRATEGIES = ("st", "mt", "pretrain", "tf", "mt-tf")
SYNTHETIC = "synthetic"


@dataclass
class ModelSection:
    size: str = "tiny"
    init_from: str | None = None  # a save_pretrained dir (pretrain / multitask output) for tf, mt-tf
    overrides: dict = field(default_factory=dict)  # T5Config fields, e.g. {dropout_rate: 0.0}


@dataclass
class TokenizerSection:
    path: str | None = None  # a tokenizer dir; None: use init_from's, else train one on the data
    train_if_missing: bool = False  # path names a tokenizer to share: train it there on first use
    vocab_size: int = 32000  # SentencePiece pieces; the extra ids come on top
    extra_ids: int = 100
    train_texts: int = 200_000  # texts sampled from the training split to train a new tokenizer


@dataclass
class DataSection:
    path: str = SYNTHETIC  # a DatasetDict dir saved with save_to_disk, or "synthetic"
    tasks: list = field(default_factory=list)  # sub-task ids; [] = every task in the dataset
    train_split: str = "train"
    dev_split: str | None = "validation"  # None: no dev evaluation
    max_source_length: int = 256
    max_target_length: int = 64
    mixing: str = "proportional"  # proportional (examples-proportional with cap) | temperature
    mixing_cap: int = 2 ** 16  # cap per task for proportional mixing (T5 uses 2**19 on big data)
    temperature: float = 2.0
    max_examples: int | None = None  # per split, for quick runs
    # pretraining (span corruption)
    packed_length: int = 512  # encoder input length after corruption; every sequence is full
    noise_density: float = 0.15
    mean_span_length: float = 3.0
    synthetic_size: int = 600  # examples per task of the built-in synthetic source


@dataclass
class OptimSection:
    name: str = "adamw"  # adamw | adamwscale (AdamW with per-matrix RMS scaling, nanoT5) | adafactor
    lr: float = 1e-3
    weight_decay: float = 0.0
    betas: list = field(default_factory=lambda: [0.9, 0.999])
    eps: float = 1e-8
    schedule: str = "linear"  # linear | cosine | constant | inverse_sqrt (all with warmup)
    warmup_steps: int = 100
    final_lr_ratio: float = 0.0
    grad_clip: float = 1.0


@dataclass
class TrainSection:
    output_dir: str = "runs/{name}"
    steps: int = 1000  # optimizer steps in all
    batch_size: int = 32  # most examples in one micro-batch
    batch_tokens: int = 8192  # padded (source + target) tokens per micro-batch: the bucketing budget
    grad_accum: int = 1
    precision: str = "auto"  # auto (bf16 where measurably faster) | bf16 | fp32
    threads: int = 0  # torch intra-op threads; 0 = all cores
    seed: int = 42
    log_every: int = 10
    eval_every: int = 200
    eval_batches: int = 50
    eval_input_gain: bool = True  # also score dev with each source swapped for another's (does it read its input?)
    # and, when dev pairs carry exemplars, with them removed (does it read its exemplars?)
    early_stopping_patience: int = 0  # evaluations without dev improvement before stopping; 0 = off
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    resume: str = "auto"  # auto (latest good checkpoint in output_dir) | never | a checkpoint dir
    stop_at_step: int | None = None  # stop early (with a checkpoint) to continue in a later session
    time_budget_min: float | None = None  # likewise, after this many minutes
    budget_ends_run: bool = False  # the budget finishes the run (final model) instead of pausing it
    deepspeed: str | None = None  # DeepSpeed JSON (training/deepspeed/*.json)
    tensorboard: bool = True
    progress: bool = True


@dataclass
class Recipe:
    name: str = "run"
    strategy: str = "st"
    description: str = ""
    model: ModelSection = field(default_factory=ModelSection)
    tokenizer: TokenizerSection = field(default_factory=TokenizerSection)
    data: DataSection = field(default_factory=DataSection)
    optim: OptimSection = field(default_factory=OptimSection)
    train: TrainSection = field(default_factory=TrainSection)
    source: str | None = None  # where the recipe was read from (set by load_recipe)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d.pop("source", None)
        return d

    @property
    def output_dir(self) -> Path:
        return Path(self.train.output_dir.format(name=self.name))

    @property
    def is_pretrain(self) -> bool:
        return self.strategy == "pretrain"


_SECTIONS = {"model": ModelSection, "tokenizer": TokenizerSection, "data": DataSection,
             "optim": OptimSection, "train": TrainSection}


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """Check a YAML value against a field's annotation (ints accepted for floats)."""
    args = [a for a in getattr(hint, "__args__", ()) if a is not type(None)]
    optional = type(None) in getattr(hint, "__args__", ())
    typ = args[0] if args else hint
    if value is None:
        if optional:
            return None
        raise ConfigError(f"recipe key {key!r} must not be empty")
    if typ is float and isinstance(value, str):
        try:  # PyYAML reads 1e-3 (no dot) as a string
            return float(value)
        except ValueError:
            pass
    ok = isinstance(value, typ) and not (typ in (int, float) and isinstance(value, bool))
    if typ is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not ok:
        raise ConfigError(f"recipe key {key!r} expects {getattr(typ, '__name__', typ)}, got {value!r}")
    return value


def _build(cls: type, data: dict, prefix: str) -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"unknown recipe key '{prefix}{unknown[0]}'; known keys in {prefix.rstrip('.') or 'the top level'}: "
            f"{', '.join(sorted(known - {'source'}))}")
    kwargs = {}
    for k, v in data.items():
        if k in _SECTIONS and cls is Recipe:
            if not isinstance(v, dict):
                raise ConfigError(f"recipe section {k!r} must be a mapping, got {v!r}")
            kwargs[k] = _build(_SECTIONS[k], v, f"{k}.")
        else:
            kwargs[k] = _coerce(v, hints[k], prefix + k)
    return cls(**kwargs)


def override_pairs(items: list[str]) -> list[tuple[str, Any]]:
    """``["train.steps=5", "optim.lr=1e-4"]`` -> ``[("train.steps", 5), ("optim.lr", 0.0001)]`` (values as YAML)."""
    import yaml

    pairs = []
    for item in items:
        if "=" not in item:
            raise ConfigError(f"override {item!r} must look like section.key=value")
        k, v = item.split("=", 1)
        try:
            pairs.append((k.strip(), yaml.safe_load(v)))
        except yaml.YAMLError as exc:
            raise ConfigError(f"override {item!r}: value is not valid YAML ({exc})") from exc
    return pairs


def parse_overrides(items: list[str] | dict | None) -> dict:
    """``["train.steps=5", "optim.lr=1e-4"]`` -> nested dict; values parsed as YAML."""
    if not items:
        return {}
    pairs = list(items.items()) if isinstance(items, dict) else override_pairs(items)
    nested: dict = {}
    for key, value in pairs:
        parts = key.split(".")
        node = nested
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {key!r} conflicts with another override")
        node[parts[-1]] = value
    return nested


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "overrides":
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def training_dir() -> Path:
    """The recipe hub: ``training/`` of the source checkout; in an installed package, its copy shipped as
    package data (``codetrans/recipes``, a link to ``training/`` in the checkout: one copy of each recipe)."""
    here = Path(__file__).resolve().parents[2] / "training"
    if here.is_dir():
        return here
    packaged = Path(__file__).resolve().parents[1] / "recipes"
    return packaged if packaged.is_dir() else Path("training")


def recipe_file(name: str) -> Path:
    """A recipe of the hub by name (``finetune``, ``tiny/st_doc_python``), wherever the package runs from."""
    return resolve_recipe_path(name)


def resolve_recipe_path(name: str | os.PathLike) -> Path:
    """A recipe path, or a hub name such as ``debug`` or ``tiny/st_doc_python``."""
    p = Path(name)
    if p.is_file():
        return p
    for cand in (training_dir() / p, training_dir() / f"{p}.yaml", Path("training") / f"{p}.yaml"):
        if cand.is_file():
            return cand
    raise ConfigError(f"recipe {str(name)!r} not found (a YAML path, or a name under {training_dir()})")


def load_recipe(recipe: str | os.PathLike | dict | Recipe, overrides: list[str] | dict | None = None) -> Recipe:
    """Read, merge overrides into and validate a recipe; raises ConfigError on any problem."""
    import yaml

    source = None
    if isinstance(recipe, Recipe):
        data = recipe.to_dict()
        source = recipe.source
    elif isinstance(recipe, dict):
        data = recipe
    else:
        path = resolve_recipe_path(recipe)
        source = str(path)
        from codetrans.safeio import read_input

        try:
            text, _ = read_input(path, strict_utf8=True)
            data = yaml.safe_load(text) or {}
        except (yaml.YAMLError, RecursionError) as exc:
            raise ConfigError(f"recipe {path} is not valid YAML: {' '.join(str(exc).split())[:200]}") from None
        except CodeTransError as exc:
            raise ConfigError(f"recipe {path}: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"recipe {path} must be a mapping of sections")
        data.setdefault("name", path.stem if path.parent == training_dir() else
                        f"{path.parent.name}_{path.stem}")
    data = _merge(data, parse_overrides(overrides))
    r = _build(Recipe, data, "")
    r.source = source
    validate(r)
    return r


def validate(r: Recipe) -> None:
    """Cross-field checks that need no data (files named by the recipe are checked at train time)."""
    from codetrans.tasks import SUBTASKS
    from codetrans.train.modeling import SIZES

    def bad(msg: str) -> None:
        raise ConfigError(f"recipe {r.name!r}: {msg}")

    if r.strategy not in STRATEGIES:
        bad(f"strategy must be one of {', '.join(STRATEGIES)}, got {r.strategy!r}")
    if r.model.size not in SIZES:
        bad(f"model.size must be one of {', '.join(SIZES)}, got {r.model.size!r}")
    for t in r.data.tasks:
        if t not in SUBTASKS:
            bad(f"unknown task {t!r} in data.tasks; known: {', '.join(SUBTASKS)}")
    if r.strategy in ("tf", "mt-tf") and not r.model.init_from:
        bad(f"strategy {r.strategy!r} fine-tunes a trained model: set model.init_from")
    if r.strategy in ("st", "tf", "mt-tf") and len(r.data.tasks) != 1:
        bad(f"strategy {r.strategy!r} trains one task: data.tasks must name exactly one")
    if r.strategy == "mt" and len(r.data.tasks) == 1:
        bad("strategy 'mt' mixes several tasks: list two or more in data.tasks (or [] for all)")
    if r.data.mixing not in ("proportional", "temperature"):
        bad(f"data.mixing must be proportional or temperature, got {r.data.mixing!r}")
    if r.optim.name not in ("adamw", "adamwscale", "adafactor"):
        bad(f"optim.name must be adamw, adamwscale or adafactor, got {r.optim.name!r}")
    if r.optim.schedule not in ("linear", "cosine", "constant", "inverse_sqrt"):
        bad(f"optim.schedule must be linear, cosine, constant or inverse_sqrt, got {r.optim.schedule!r}")
    if r.train.precision not in ("auto", "bf16", "fp32"):
        bad(f"train.precision must be auto, bf16 or fp32, got {r.train.precision!r}")
    if r.train.resume not in ("auto", "never") and not r.train.resume:
        bad("train.resume must be auto, never or a checkpoint dir")
    for key in ("steps", "batch_size", "batch_tokens", "grad_accum", "log_every", "eval_every",
                "eval_batches", "checkpoint_every", "keep_checkpoints"):
        if getattr(r.train, key) < 1:
            bad(f"train.{key} must be >= 1")
    if r.optim.lr <= 0:
        bad("optim.lr must be positive")
    if not 0 < r.data.noise_density < 1:
        bad("data.noise_density must be between 0 and 1")
    if r.data.mean_span_length < 1:
        bad("data.mean_span_length must be >= 1")
    if min(r.data.max_source_length, r.data.max_target_length, r.data.packed_length) < 4:
        bad("sequence lengths must be >= 4")
    if r.data.max_source_length + r.data.max_target_length > r.train.batch_tokens and not r.is_pretrain:
        bad("train.batch_tokens must hold at least one example (max_source_length + max_target_length)")
    if r.train.deepspeed and not deepspeed_path(r).is_file():
        bad(f"train.deepspeed file {r.train.deepspeed!r} not found (a path, or a name under training/deepspeed/)")
    if len(r.optim.betas) != 2:
        bad("optim.betas must be two numbers")


def deepspeed_path(r: Recipe) -> Path | None:
    if not r.train.deepspeed:
        return None
    ds = Path(r.train.deepspeed)
    if ds.is_file():
        return ds
    # By name: "zero2_bf16", "deepspeed/zero2_bf16.json" or "training/deepspeed/zero2_bf16.json", found
    # in the hub of a checkout or of an installed package alike.
    hub = training_dir()
    rel = Path(*ds.parts[1:]) if len(ds.parts) > 1 and ds.parts[0] == "training" else ds
    for cand in (hub / rel, hub / "deepspeed" / rel, hub / "deepspeed" / f"{rel}.json"):
        if cand.is_file():
            return cand
    return hub / rel  # load_deepspeed_config names it as unreadable


def load_deepspeed_config(path: Path) -> dict:
    try:
        cfg = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"DeepSpeed config {path} is unreadable: {exc}") from exc
    if not isinstance(cfg, dict):
        raise ConfigError(f"DeepSpeed config {path} must be a JSON object")
    return cfg
