"""The CTranslate2 backend: an export's tokenizer and translator, and the task pipelines on them.

Import-light on purpose: nothing here imports torch or transformers, so a one-file
``codetrans document`` on an export starts in about a second. Exports are made by
:mod:`codetrans.serving.export`; :func:`codetrans.serving.backends.choose_backend` picks this backend.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.serving.logic import TaskLogic, longest_first

#: CTranslate2 weight types an export may hold; "int8" is the fast default on CPU.
CT2_QUANTIZATIONS = ("int8", "int8_float32", "float32")
DEFAULT_CT2_QUANTIZATION = "int8"
#: ``generate`` options the CTranslate2 backend understands, and their CTranslate2 names.
_CT2_OPTIONS = {"num_beams": "beam_size", "repetition_penalty": "repetition_penalty",
                "no_repeat_ngram_size": "no_repeat_ngram_size", "length_penalty": "length_penalty",
                "min_new_tokens": "min_decoding_length", "top_k": "sampling_topk",
                "top_p": "sampling_topp", "temperature": "sampling_temperature"}


def ct2_available() -> bool:
    """Whether the ``ctranslate2`` package can be imported (the ``fast`` extra)."""
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return False
    return True


def cpu_threads() -> int:
    """Threads for one inference process: the cores this process may use (not hyper-threads beyond them)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        n = os.cpu_count() or 1
    return max(1, n)


# -- tokenizer without transformers ------------------------------------------------------------------

def _clean_up_tokenization(text: str) -> str:
    """transformers' ``clean_up_tokenization`` (applied when the tokenizer asks for it)."""
    for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                 (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        text = text.replace(a, b)
    return text


class LiteTokenizer:
    """The model's tokenizer read with the ``tokenizers`` library from an export's ``tokenizer.json``.

    Encodes and decodes exactly as the transformers tokenizer it was saved from (special ids, model
    length and clean-up behaviour come from the export's metadata), at a fraction of the import cost.
    """

    def __init__(self, export_dir: str | os.PathLike) -> None:
        from tokenizers import Tokenizer

        export_dir = Path(export_dir)
        meta = read_metadata(export_dir)
        try:
            self._tok = Tokenizer.from_file(str(export_dir / "tokenizer.json"))
        except Exception as exc:  # tokenizers raises a bare Exception on a malformed file
            raise corrupt_export(export_dir, "tokenizer.json", exc) from None
        self._tok.no_truncation()
        self._tok.no_padding()
        self.special_ids = frozenset(meta.get("special_ids", []))
        self.model_max_length = int(meta.get("model_max_length") or 512)
        self.clean_up_tokenization_spaces = bool(meta.get("clean_up_tokenization_spaces", False))
        self.eos_token_id = meta.get("eos_token_id")

    def __call__(self, text: str, truncation: bool = False, add_special_tokens: bool = True,
                 **_: Any) -> dict[str, list[int]]:
        return {"input_ids": self._tok.encode(text, add_special_tokens=add_special_tokens).ids}

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str]:
        return [self._tok.id_to_token(i) for i in ids]

    def convert_tokens_to_ids(self, tokens: list[str]) -> list[int]:
        ids = (self._tok.token_to_id(t) for t in tokens)
        return [i for i in ids if i is not None]  # CTranslate2 pads a short vocabulary with unknown names

    def decode(self, ids: Any, skip_special_tokens: bool = True) -> str:
        ids = [int(i) for i in ids]
        if skip_special_tokens:
            ids = [i for i in ids if i not in self.special_ids]
        text = self._tok.decode(ids, skip_special_tokens=False)
        return _clean_up_tokenization(text) if self.clean_up_tokenization_spaces else text

    def batch_decode(self, sequences: Any, skip_special_tokens: bool = True) -> list[str]:
        return [self.decode(s, skip_special_tokens=skip_special_tokens) for s in sequences]


# -- CTranslate2 -------------------------------------------------------------------------------------

METADATA = "codetrans_export.json"


class CorruptExportError(CodeTransError):
    """A CTranslate2 export whose files cannot be loaded: the message names the file and what to do."""


def corrupt_export(export_dir: str | os.PathLike, name: str, exc: BaseException) -> CorruptExportError:
    detail = " ".join(str(exc).split())[:160]
    return CorruptExportError(f"the CTranslate2 export file {Path(export_dir) / name} is damaged ({detail}); use "
                              "--backend torch, or rebuild the export with `codetrans export MODEL --force`")


def read_metadata(export_dir: str | os.PathLike) -> dict[str, Any]:
    path = Path(export_dir) / METADATA
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CorruptExportError(f"{path} is unreadable ({exc}): {export_dir} is not a usable codetrans CTranslate2 "
                                 "export; use --backend torch, or rebuild it with `codetrans export MODEL --force`") from None
    if not isinstance(meta, dict):
        raise CorruptExportError(f"{path} is not a codetrans export description; use --backend torch, or rebuild "
                                 "the export with `codetrans export MODEL --force`")
    return meta


def ct2_generate_options(generate_kwargs: dict[str, Any]) -> dict[str, Any]:
    """transformers ``generate`` options -> ``Translator.translate_batch`` options (clear error otherwise)."""
    kwargs = dict(generate_kwargs)
    options: dict[str, Any] = {}
    max_new = kwargs.pop("max_new_tokens", None)
    max_length = kwargs.pop("max_length", None)
    if max_new is None and max_length is not None:
        max_new = int(max_length) - 1  # an encoder-decoder's max_length counts the decoder start token
    if max_new is not None:
        options["max_decoding_length"] = max(1, int(max_new))
    if kwargs.pop("do_sample", False):
        options["sampling_topk"] = 50  # transformers' default top_k
    n_best = kwargs.pop("num_return_sequences", None)
    if n_best and int(n_best) > 1:
        options["num_hypotheses"] = int(n_best)
        # CTranslate2 stops at beam_size finished hypotheses, the first of which are often short and
        # ill-formed; transformers keeps searching while a better one can still finish. Twice as many
        # finished ones (patience 2) recovers the n best transformers returns (tests/serving/test_backends.py).
        options["patience"] = 2
    kwargs.pop("early_stopping", None)
    for name in list(kwargs):
        if name in _CT2_OPTIONS and kwargs[name] is not None:
            options[_CT2_OPTIONS[name]] = kwargs.pop(name)
    if "sampling_topk" not in options:  # top_p / temperature without sampling mean nothing, as in transformers
        options.pop("sampling_topp", None)
        options.pop("sampling_temperature", None)
    if kwargs:
        raise CodeTransError(f"generation option(s) {', '.join(sorted(kwargs))} are not supported by the ct2 "
                             "backend; use backend='torch'")
    return options


class Ct2Engine:
    """A ``ctranslate2.Translator`` over an export; one ``translate_batch`` call per batch of ids."""

    def __init__(self, export_dir: str | os.PathLike, tokenizer: LiteTokenizer | None = None,
                 threads: int | None = None) -> None:
        import ctranslate2

        self.export_dir = Path(export_dir)
        self.metadata = read_metadata(self.export_dir)
        self.tokenizer = tokenizer or LiteTokenizer(self.export_dir)
        # one process, several cores: intra-op threads; the pipelines batch instead of running
        # translations in parallel.
        try:
            self.translator = ctranslate2.Translator(str(self.export_dir), device="cpu",
                                                     compute_type=self.metadata.get("quantization", "default"),
                                                     inter_threads=1, intra_threads=threads or cpu_threads())
        except (RuntimeError, ValueError) as exc:  # a truncated or garbled model.bin / config.json
            raise corrupt_export(self.export_dir, "model.bin", exc) from None

    def translate_batch(self, tokens: list[list[str]], **options: Any) -> list[list[str]]:
        """Token strings in, hypothesis tokens out (without start and end tokens): the best one per input,
        or with ``num_hypotheses=n`` the n best of each input, input after input (transformers' order)."""
        n = int(options.get("num_hypotheses", 1))
        results = self.translator.translate_batch(tokens, max_batch_size=0, **options)
        return [h for r in results for h in r.hypotheses[:n]]

    def generate(self, batch_ids: list[list[int]], **generate_kwargs: Any) -> list[list[int]]:
        # the model's generation_config defaults, as transformers applies them (greedy unless it says
        # otherwise: CTranslate2's own default is a beam of 2)
        defaults = {k: v for k, v in self.metadata.get("generation", {}).items() if v is not None}
        options = {"beam_size": 1, **ct2_generate_options({**defaults, **generate_kwargs})}
        tokens = [self.tokenizer.convert_ids_to_tokens(ids) for ids in batch_ids]
        return [self.tokenizer.convert_tokens_to_ids(h) for h in self.translate_batch(tokens, **options)]


# -- the task pipelines ------------------------------------------------------------------------------

class FastPipeline(TaskLogic):
    """A task pipeline on a CTranslate2 export: same inputs, options and results as the torch one.

    Lists are preprocessed, sorted by token length (longest first) and cut into batches of
    ``batch_size``; each batch is one ``translate_batch`` call. Results come back in the caller's order.
    """

    backend = "ct2"

    def __init__(self, task: str, export_dir: str | os.PathLike, batch_size: int = 16, threads: int | None = None,
                 model_dir: str | None = None) -> None:
        self._use_task(task)
        self.task = self.type.pipeline  # as transformers' pipelines name theirs
        self.engine = Ct2Engine(export_dir, threads=threads)
        self.tokenizer = self.engine.tokenizer
        self.model = self.engine  # where transformers' pipelines keep theirs
        self.model_dir = model_dir
        self.export_dir = str(export_dir)
        self.batch_size = max(1, int(batch_size))

    def _forward(self, model_inputs: dict[str, Any], **generate_kwargs: Any) -> dict[str, Any]:
        generate_kwargs = self.with_defaults(model_inputs["subtask"], generate_kwargs)
        output_ids = self.engine.generate(model_inputs["input_ids"], **generate_kwargs)
        extra = {"exemplars": model_inputs["exemplars"]} if "exemplars" in model_inputs else {}
        return {"output_ids": output_ids, "subtask": model_inputs["subtask"], "source": model_inputs["source"], **extra}

    def generate_results(self, inputs: Any, *args: Any, batch_size: int | None = None, **kwargs: Any) -> Any:
        """The four methods over the inputs, ``batch_size`` at a time in :func:`longest_first` order of their token
        counts; one ``translate_batch`` call per batch."""
        if args:
            raise CodeTransError("pass generation options by name, e.g. max_new_tokens=32")
        pre, fwd, post = self._sanitize_parameters(**kwargs)
        ct2_generate_options(fwd)  # unsupported options fail before any work
        single = not isinstance(inputs, (list, tuple))
        items = [inputs] if single else list(inputs)
        if not items:
            return []
        from codetrans.generation import check_batch_size

        if batch_size is not None:
            batch_size = check_batch_size(batch_size)
        prepped = [self.preprocess(x, **pre) for x in items]
        out: list[Any] = [None] * len(items)
        for chunk in longest_first([len(p["input_ids"]) for p in prepped], batch_size or self.batch_size):
            batch = {key: [prepped[i][key] for i in chunk] for key in ("input_ids", "subtask", "source", "exemplars")
                     if key in prepped[chunk[0]]}
            results = self.postprocess(self._forward(batch, **fwd), **post)
            per = len(results) // len(chunk)  # num_return_sequences results per input, input after input
            for j, i in enumerate(chunk):
                out[i] = results[j * per:(j + 1) * per]
        return out[0] if single else out
