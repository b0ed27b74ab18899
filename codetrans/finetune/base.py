"""The base model of a fine-tune: resolved through the zoo and checked before any work is done."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from codetrans.errors import CodeTransError, ConfigError
from codetrans.fs import has_weights


class FinetuneError(CodeTransError):
    """``codetrans finetune`` cannot go on; the message says why and what to do."""


class MissingBaseError(FinetuneError):
    pass


class IncompatibleBaseError(FinetuneError):
    pass


@dataclass
class BaseModel:
    ref: str  # what the user passed (or the default's id)
    path: Path
    size: str  # a modeling.SIZES name, or "custom"
    vocab_size: int
    tokenizer_size: int


def _guess_size(path: Path, cfg: dict) -> str:
    from codetrans.meta import ModelMeta
    from codetrans.train.modeling import SIZES

    size = ModelMeta.read(path, strict=False).size  # a guess: an unreadable description is no error
    if size in SIZES:
        return size
    try:
        from codetrans.records import TRAINING, schema_of

        training = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
        size = training.get("size") if schema_of(training) == TRAINING else None
    except (OSError, ValueError, AttributeError):
        size = None
    if size in SIZES:
        return size
    for size, fields in SIZES.items():
        if all(cfg.get(k) == v for k, v in fields.items() if k in ("d_model", "d_ff", "num_layers", "num_heads")):
            return size
    return "custom"


def check_base(base: str | None, task_types: list[str]) -> BaseModel:
    """Resolve ``--base`` (a directory or a zoo id) and check it can be fine-tuned with its own tokenizer."""
    from codetrans.serving import zoo
    from codetrans.train.tokenizer import load_tokenizer

    if base is None:
        entry = next((e for t in task_types if (e := zoo.default_model(t)) is not None), None)
        if entry is None:
            raise MissingBaseError(
                "no base model: this installation has no shipped model, so pass --base DIR (a trained model "
                "directory, e.g. runs/quickstart/final from `codetrans train training/quickstart.yaml`, see "
                "README) or --base ID (a model from `codetrans zoo list --local`)")
        base = entry.location
    try:
        loc = zoo.resolve(base)
    except CodeTransError as exc:
        raise IncompatibleBaseError(f"base model {base!r}: {exc}") from None
    path = Path(loc)
    if not path.is_dir():
        raise IncompatibleBaseError(f"base model {base!r} is not on this machine ({loc}); fine-tuning needs a "
                                    "local model directory: download it elsewhere and pass its directory")
    try:
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IncompatibleBaseError(f"base model {path}: unreadable config.json ({exc})") from None
    if cfg.get("model_type") != "t5" or not cfg.get("is_encoder_decoder", True):
        raise IncompatibleBaseError(f"base model {path} is a {cfg.get('model_type') or 'unknown'!r} model; "
                                    "codetrans fine-tunes T5 encoder-decoder models (CodeTrans checkpoints)")
    if not has_weights(path):
        raise IncompatibleBaseError(f"base model {path} has no weights (model.safetensors / pytorch_model.bin)")
    try:
        tok = load_tokenizer(path)
    except (ConfigError, OSError, ValueError) as exc:
        raise IncompatibleBaseError(f"base model {path} has no usable tokenizer ({exc}); fine-tuning reuses "
                                    "the tokenizer the model was trained with, saved beside its weights") from None
    vocab, n_tok = int(cfg.get("vocab_size", 0)), len(tok)
    if n_tok > vocab:
        raise IncompatibleBaseError(f"base model {path}: its tokenizer has {n_tok} ids but the model's vocabulary "
                                    f"only {vocab}: the tokenizer beside the weights is not the one the model was "
                                    "trained with")
    for what, tid, mid in (("pad", tok.pad_token_id, cfg.get("pad_token_id")),
                           ("eos", tok.eos_token_id, cfg.get("eos_token_id"))):
        if mid is not None and tid != mid:
            raise IncompatibleBaseError(f"base model {path}: tokenizer {what} id {tid} differs from the model's "
                                        f"{mid}: the tokenizer is not the model's own")
    return BaseModel(str(base), path.resolve(), _guess_size(path, cfg), vocab, n_tok)


def signature(root: Path, task_types: list[str], base: BaseModel) -> dict:
    weights = next((base.path / f for f in ("model.safetensors", "pytorch_model.bin") if (base.path / f).is_file()),
                   base.path / "config.json")
    st = weights.stat()
    return {"repo": str(root), "task_types": task_types, "base": str(base.path),
            "base_weights": [weights.name, st.st_size, int(st.st_mtime)]}
