"""SentencePiece unigram tokenizers for code, saved so ``AutoTokenizer.from_pretrained(dir)`` loads them.

The vocabulary follows T5 / CodeTrans: ``<pad>``=0, ``</s>``=1, ``<unk>``=2, the learned pieces, then
``extra_ids`` sentinels ``<extra_id_0..N-1>`` at the top of the id range (``<extra_id_0>`` highest), no
lowercasing. Two things differ from a stock T5 tokenizer, on purpose, because code needs them:

* **byte fallback**: a character the model never saw is written as its UTF-8 bytes (``<0xE2>`` ...),
  never as ``<unk>``;
* **whitespace is kept**: newlines and tabs are pieces of their own and runs of spaces are encoded,
  so ``decode(encode(code)) == code`` and indentation survives.

transformers 5's ``T5Tokenizer`` class rebuilds its backend with a whitespace-splitting pre-tokenizer
and ``byte_fallback=False`` whatever ``tokenizer.json`` says, which would undo both. The folder
therefore names the generic fast class (``PreTrainedTokenizerFast``, ``TokenizersBackend`` in
transformers 5) in ``tokenizer_config.json``: it loads ``tokenizer.json`` exactly as written, with
T5's special tokens, ids and ``</s>`` post-processing. ``spiece.model`` is saved beside it for tools
that want the raw SentencePiece model.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from codetrans.errors import ConfigError, DataError

#: Ids fixed by the T5 layout.
PAD_ID, EOS_ID, UNK_ID = 0, 1, 2
#: Pieces every vocabulary needs besides the learned ones: 3 specials, "\n", "\t" and 256 bytes.
_RESERVED = 3 + 2 + 256


def sentinel_token(i: int) -> str:
    return f"<extra_id_{i}>"


def train_tokenizer(
    texts: Iterable[str],
    out_dir: str | os.PathLike,
    vocab_size: int = 32000,
    extra_ids: int = 100,
    *,
    max_texts: int = 2_000_000,
    model_max_length: int = 512,
    hard_vocab_limit: bool = False,
) -> Any:
    """Train a SentencePiece unigram model on ``texts`` and save a T5-layout tokenizer in ``out_dir``.

    ``vocab_size`` counts the SentencePiece pieces (specials, bytes and learned pieces); the
    tokenizer has ``vocab_size + extra_ids`` ids in all (32,000 + 100 = 32,100 like the original).
    On a small corpus SentencePiece may not find ``vocab_size`` pieces; with
    ``hard_vocab_limit=False`` (default) it then uses fewer and the tokenizer is smaller.
    Returns the loaded tokenizer.
    """
    import sentencepiece as spm

    if vocab_size < _RESERVED + 16:
        raise ConfigError(f"vocab_size {vocab_size} is too small: byte fallback alone needs {_RESERVED} pieces")
    if not 0 <= extra_ids <= 1000:
        raise ConfigError(f"extra_ids must be between 0 and 1000, got {extra_ids}")
    sample: list[str] = []
    for t in texts:
        if t and t.strip():
            sample.append(t)
            if len(sample) >= max_texts:
                break
    if not sample:
        raise DataError("cannot train a tokenizer: no non-empty texts")
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sample),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        byte_fallback=True,
        # identity: no NFKC, no lowercasing, spaces kept as written (indentation matters in code).
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        allow_whitespace_only_pieces=True,
        split_digits=True,
        user_defined_symbols=["\n", "\t"],
        pad_id=PAD_ID, eos_id=EOS_ID, unk_id=UNK_ID, bos_id=-1,
        pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>",
        max_sentence_length=1 << 16,
        input_sentence_size=min(len(sample), 1_000_000),
        shuffle_input_sentence=True,
        hard_vocab_limit=hard_vocab_limit,
        num_threads=max(1, min(os.cpu_count() or 1, 8)),
        minloglevel=2,
    )
    return save_tokenizer(buf.getvalue(), out_dir, extra_ids=extra_ids, model_max_length=model_max_length)


def save_tokenizer(spm_model: bytes, out_dir: str | os.PathLike, extra_ids: int = 100,
                   model_max_length: int = 512) -> Any:
    """Write ``spiece.model``, ``tokenizer.json`` and ``tokenizer_config.json`` for a SentencePiece model."""
    from sentencepiece import sentencepiece_model_pb2 as pb
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    proto = pb.ModelProto()
    proto.ParseFromString(spm_model)
    vocab = [(p.piece, float(p.score)) for p in proto.pieces]
    if [v[0] for v in vocab[:3]] != ["<pad>", "</s>", "<unk>"]:
        raise ConfigError("the SentencePiece model must have <pad>, </s>, <unk> as ids 0, 1, 2 (T5 layout)")
    tok = Tokenizer(models.Unigram(vocab, unk_id=UNK_ID, byte_fallback=True))
    # split=False: one lattice over the whole text, so runs of spaces and newlines stay pieces.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([
        decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in ("<pad>", "</s>", "<unk>")])
    # T5 puts <extra_id_0> at the highest id: add them in reverse.
    tok.add_special_tokens([AddedToken(sentinel_token(i), special=True, normalized=False)
                            for i in range(extra_ids - 1, -1, -1)])
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", EOS_ID)])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "spiece.model").write_bytes(spm_model)
    tok.save(str(out / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
        "extra_ids": extra_ids,
        "additional_special_tokens": [sentinel_token(i) for i in range(extra_ids)],
        "extra_special_tokens": [sentinel_token(i) for i in range(extra_ids)],
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": False,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (out / "special_tokens_map.json").write_text(json.dumps(
        {"eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
         "additional_special_tokens": config["additional_special_tokens"]}, indent=2) + "\n", encoding="utf-8")
    return load_tokenizer(out)


def load_tokenizer(path: str | os.PathLike) -> Any:
    """Load a tokenizer folder (ours or any T5 one) with ``AutoTokenizer``; clear error if it is missing."""
    from transformers import AutoTokenizer

    p = Path(path)
    if not p.is_dir() or not any((p / f).exists() for f in ("tokenizer.json", "spiece.model", "tokenizer_config.json")):
        raise ConfigError(f"no tokenizer in {p} (expected tokenizer.json or spiece.model)")
    return AutoTokenizer.from_pretrained(str(p))


def sentinel_ids(tokenizer: Any) -> list[int]:
    """Ids of ``<extra_id_0>``, ``<extra_id_1>``, ... in order, as many as the tokenizer has."""
    ids: list[int] = []
    unk = tokenizer.unk_token_id
    while True:
        i = tokenizer.convert_tokens_to_ids(sentinel_token(len(ids)))
        if i is None or i == unk:
            return ids
        ids.append(int(i))


def encode_whitespace(text: str) -> str:
    """Identity: our tokenizers keep newlines and indentation themselves (see module doc).

    Kept as the one hook to change should a stock whitespace-collapsing T5 tokenizer be used.
    """
    return text
