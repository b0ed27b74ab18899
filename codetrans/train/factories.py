"""The run's parts built from a recipe, nanoT5-style: ``get_tokenizer``, ``get_model``, ``get_dataloaders``.

What can be wrong with the input (dataset path, empty split, vocabulary mismatch, too few sentinels) is
checked here, before the first step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetrans.errors import ConfigError, DataError
from codetrans.train import data as D
from codetrans.train.recipe import Recipe

logger = logging.getLogger(__name__)


def get_tokenizer(r: Recipe, splits: dict[str, Any] | None = None, output_dir: Path | None = None) -> Any:
    """The recipe's tokenizer: ``tokenizer.path``, else ``init_from``'s, else the run's own (trained once)."""
    from codetrans.train.tokenizer import load_tokenizer, train_tokenizer

    if r.tokenizer.path and not r.tokenizer.train_if_missing:
        return load_tokenizer(r.tokenizer.path)
    if r.model.init_from and not r.tokenizer.path:
        return load_tokenizer(_init_dir(r))
    if r.tokenizer.path:  # a shared tokenizer (one vocabulary for every recipe, like the original)
        own = Path(r.tokenizer.path)
        if (own / "tokenizer.json").is_file():
            return load_tokenizer(own)
        logger.info("codetrans train: training the shared tokenizer %s on %s", own, r.data.path)
    else:
        own = (output_dir or r.output_dir) / "tokenizer"
        if (own / "tokenizer.json").is_file() and r.train.resume != "never":
            return load_tokenizer(own)
    if splits is None:
        splits = D.load_splits(r)
    train = D.select_split(splits, r.data.train_split, r, required=True)
    texts = D.training_texts(train, r.tokenizer.train_texts, r.train.seed)
    return train_tokenizer(texts, own, vocab_size=r.tokenizer.vocab_size, extra_ids=r.tokenizer.extra_ids)


def _init_dir(r: Recipe) -> Path:
    p = Path(r.model.init_from)
    if not (p / "config.json").is_file():
        raise ConfigError(f"model.init_from {p} is not a saved model (no config.json); train the "
                          f"{'pretraining' if r.strategy == 'tf' else 'multitask'} recipe first")
    return p


def get_model(r: Recipe, tokenizer: Any) -> Any:
    """A new model of ``model.size`` sized to the tokenizer, or the ``init_from`` checkpoint."""
    from transformers import T5ForConditionalGeneration

    from codetrans.train.modeling import build_model, round_vocab

    n_tok = len(tokenizer)
    if r.model.init_from:
        # config overrides (e.g. dropout_rate) must reach the modules' constructors
        over = {k: v for k, v in r.model.overrides.items() if k != "vocab_size"}
        model = T5ForConditionalGeneration.from_pretrained(str(_init_dir(r)), **over)
    else:
        overrides = dict(r.model.overrides)
        vocab = int(overrides.pop("vocab_size", round_vocab(n_tok)))
        model = build_model(r.model.size, vocab, seed=r.train.seed, **overrides)
    if n_tok > model.config.vocab_size:
        raise ConfigError(f"tokenizer has {n_tok} ids but the model's vocabulary has only "
                          f"{model.config.vocab_size}: use the tokenizer the model was trained with")
    if tokenizer.pad_token_id != model.config.pad_token_id or tokenizer.eos_token_id != model.config.eos_token_id:
        raise ConfigError(f"tokenizer pad/eos ids ({tokenizer.pad_token_id}/{tokenizer.eos_token_id}) differ "
                          f"from the model's ({model.config.pad_token_id}/{model.config.eos_token_id})")
    model.config.use_cache = False  # training: no KV cache
    return model


@dataclass
class Loaders:
    train: D.BatchStream
    dev: list[dict]
    info: dict
    dev_swapped: list[dict] = field(default_factory=list)  # dev with sources swapped (input reliance)
    dev_plain: list[dict] = field(default_factory=list)  # dev with exemplars removed (exemplar reliance)


def get_dataloaders(r: Recipe, tokenizer: Any, splits: dict[str, Any] | None = None, rank: int = 0,
                    world: int = 1) -> Loaders:
    """The training stream and fixed dev batches (bucketed supervised, or packed span corruption)."""
    from codetrans.train.span_corruption import SpanCorruptionCollator, compute_lengths
    from codetrans.train.tokenizer import sentinel_ids

    if splits is None:
        splits = D.load_splits(r)
    train = D.select_split(splits, r.data.train_split, r, required=True)
    dev = D.select_split(splits, r.data.dev_split, r, required=False) if r.data.dev_split else None
    if r.train.early_stopping_patience and dev is None:
        raise DataError(f"early stopping needs a dev split ({r.data.dev_split!r}) in {r.data.path}")
    pad = tokenizer.pad_token_id
    swapped: list[dict] = []  # span corruption has no pairs to swap
    plain: list[dict] = []  # nor exemplars
    if r.is_pretrain:
        sentinels = sentinel_ids(tokenizer)
        if not sentinels:
            raise ConfigError("span corruption needs sentinel tokens <extra_id_N>; the tokenizer has none")
        chunk_len, tgt_len = compute_lengths(r.data.packed_length, r.data.noise_density, r.data.mean_span_length)
        spans = int(round(round(chunk_len * r.data.noise_density) / r.data.mean_span_length))
        if spans > len(sentinels):
            raise ConfigError(f"data.packed_length {r.data.packed_length} needs {spans} sentinels; "
                              f"the tokenizer has {len(sentinels)}")
        collator = SpanCorruptionCollator(sentinels, r.data.noise_density, r.data.mean_span_length,
                                          tokenizer.eos_token_id)
        chunks = D.encode_pretrain(train, tokenizer, r, chunk_len)
        dev_chunks = D.encode_pretrain(dev, tokenizer, r, chunk_len) if dev is not None else None
        per = r.data.packed_length + tgt_len
        bs = max(1, min(r.train.batch_size, r.train.batch_tokens // per))
        stream = D.BatchStream(r, r.train.seed, chunks=chunks, collator=collator, pretrain_batch=bs,
                               rank=rank, world=world, pad_id=pad)
        dev_b = D.dev_batches(r, chunks=dev_chunks, collator=collator, pretrain_batch=bs) if dev_chunks is not None else []
        info = {"train_examples": len(train), "train_sequences": int(len(chunks)), "chunk_length": chunk_len,
                "inputs_length": r.data.packed_length, "targets_length": tgt_len, "batch_size": bs}
    else:
        enc = D.encode_supervised(train, tokenizer, r, "tokenize train")
        dev_enc = D.encode_supervised(dev, tokenizer, r, "tokenize dev") if dev is not None else None
        stream = D.BatchStream(r, r.train.seed, enc=enc, rank=rank, world=world, pad_id=pad)
        dev_b = D.dev_batches(r, enc=dev_enc, pad_id=pad) if dev_enc is not None else []
        if dev_enc is not None and r.train.eval_input_gain:
            swapped = D.swapped_dev_batches(r, dev_enc, pad_id=pad)
            plain = D.exemplar_free_dev_batches(r, dev, dev_enc, tokenizer, pad_id=pad)
        sizes = {t: int((enc.task == i).sum()) for i, t in enumerate(enc.tasks)}
        info = {"train_examples": len(enc), "tasks": sizes,
                "mixing_rates": dict(zip(enc.tasks, D.mixing_rates(list(sizes.values()), r.data.mixing,
                                                                     r.data.mixing_cap, r.data.temperature).round(4).tolist()))}
    info["dev_batches"] = len(dev_b)
    return Loaders(stream, dev_b, info, swapped, plain)

