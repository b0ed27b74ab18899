"""What produces predictions: a seq2seq model directory, a baseline, or the grounded path over a model.

A predictor has a ``name``, an ``identity()`` for the reproducibility record, ``prepare(task, train)``
(baselines index the training pool of the sub-task; models do nothing) and
``predict(task, records, options, advance)`` returning one string per record, in order.
:func:`make_predictor` turns a ``--model`` argument into one: ``baseline:bm25``, ``baseline:nngen``,
``baseline:funcname``, ``baseline:repo-bm25[-edited]``, ``grounded:MODEL`` / ``oracle:MODEL``,
``examples:MODEL`` (program synthesis with each problem's tests given as the user's ``--example`` s)
(:class:`GroundedPredictor`, kept here rather than in :mod:`codetrans.evaluation.grounded` so that
:func:`make_predictor` needs no module above this one), a local directory in ``save_pretrained`` layout, or a zoo id (:mod:`codetrans.serving.zoo`).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from codetrans.errors import CodeTransError
from codetrans.evaluation.context import EXEMPLARS_KEY
from codetrans.tasks import GROUNDED_TYPES, format_input, get_subtask

BASELINES = ("baseline:bm25", "baseline:nngen", "baseline:funcname", "baseline:repo-bm25", "baseline:repo-bm25-edited")


@dataclass
class DecodingOptions:
    """Generation settings. ``None`` (the default) is the decoding users get from the pipelines and the
    CLI: the model's tuned defaults (``codetrans.json``), else its task type's (:mod:`codetrans.tasks`)."""

    num_beams: int | None = None
    max_length: int | None = None  # new tokens
    max_source_length: int = 512
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = None
    batch_size: int = 16

    def __post_init__(self) -> None:
        if any(v is not None and v < 1 for v in (self.num_beams, self.max_length)) or \
                self.max_source_length < 1 or self.batch_size < 1:
            raise CodeTransError(f"decoding options must be positive: {self}")
        if self.no_repeat_ngram_size is not None and self.no_repeat_ngram_size < 0:
            raise CodeTransError("no_repeat_ngram_size must be >= 0")

    @property
    def strategy(self) -> str:
        if self.num_beams is None:
            return "default"
        return "greedy" if self.num_beams == 1 else f"beam{self.num_beams}"

    def as_dict(self) -> dict:
        return {**asdict(self), "strategy": self.strategy}

    def generate_kwargs(self) -> dict:
        kw: dict[str, Any] = {"do_sample": False}
        for key, value in (("num_beams", self.num_beams), ("max_new_tokens", self.max_length),
                           ("length_penalty", self.length_penalty),
                           ("no_repeat_ngram_size", self.no_repeat_ngram_size)):
            if value is not None:
                kw[key] = value
        return kw


class Predictor(Protocol):
    name: str

    def identity(self) -> dict: ...

    def prepare(self, task: str, train: Sequence[dict] | None) -> None: ...

    def predict(self, task: str, records: Sequence[dict], options: DecodingOptions,
                advance: Callable[[int], None]) -> list[str]: ...


def _one_line(text: str) -> str:
    """Predictions are stored one per line: any line break inside one becomes a space."""
    return " ".join(text.replace("\r", " ").replace("\n", " ").split())


def hash_directory(path: Path) -> str:
    """sha256 over every file's relative path and bytes (sorted): the model's content hash."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f.relative_to(path).as_posix().encode())
        h.update(b"\0")
        with open(f, "rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def resolve_model(spec: str) -> Path:
    """A model directory for ``spec``: a directory as is, else what the zoo resolves the id to."""
    from codetrans.serving import zoo

    return Path(zoo.resolve(spec))


class ModelPredictor:
    """A seq2seq model directory (save_pretrained layout + tokenizer), decoded through the serving pipelines
    (:func:`codetrans.serving.pipelines.pipeline`): the same truncation and batching as ``codetrans document``,
    on the torch backend or a CTranslate2 export (``backend="ct2"``)."""

    #: records handed to a pipeline per call: progress moves at this grain, batching happens inside.
    CHUNK_BATCHES = 8

    def __init__(self, spec: str | os.PathLike, device: str | None = None, backend: str = "torch",
                 examples: bool = False):
        self.spec = str(spec)
        self.path = resolve_model(self.spec)
        self.examples = examples  # synthesis: the record's tests are the examples the beams must meet
        self.name = f"examples:{self.path.name}" if examples else self.path.name
        self.backend = backend
        self.model = self.tokenizer = None
        self.device = device
        if backend == "torch":
            import torch
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

            self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
            try:  # loaded once, shared by the pipelines of every task type
                self.tokenizer = AutoTokenizer.from_pretrained(self.path)
                self.model = AutoModelForSeq2SeqLM.from_pretrained(self.path).to(self.device).eval()
            except (OSError, ValueError) as exc:
                raise CodeTransError(f"cannot load model/tokenizer from {self.path}: {exc}") from exc
        self._pipes: dict[str, Any] = {}
        self._hash: str | None = None
        from codetrans.grounding.verifier import load_verifier

        self.verifier = load_verifier(self.path)  # the model's text alone still gets the verifier's confidence

    def confidences(self, task: str, records: Sequence[dict], preds: Sequence[str]) -> list[float | None]:
        """The verifier's probability that each prediction describes its input (documentation, comments,
        commit subjects), None elsewhere or without a verifier."""
        st = get_subtask(task)
        if self.verifier is None or not st.type.verifier_kind:
            return [None] * len(records)
        from codetrans.grounding.documentation import text_confidence

        kind = st.type.verifier_kind
        return [round(text_confidence(self.verifier, r["source"], st.lang or "", p, kind=kind,
                                      name=str(r.get("func_name") or "")), 4) for r, p in zip(records, preds)]

    def identity(self) -> dict:
        if self._hash is None:
            self._hash = hash_directory(self.path)
        ident = {"kind": "model", "id": self.spec, "path": str(self.path.resolve()), "sha256": self._hash}
        if self.examples:
            ident["examples"] = "each problem's tests"
        if self.model is not None:
            ident.update(parameters=sum(p.numel() for p in self.model.parameters()),
                         architecture=type(self.model).__name__)
        else:
            ident["backend"] = self.backend
        return ident

    def prepare(self, task: str, train: Sequence[dict] | None) -> None:
        return None

    def applies_to(self, task: str) -> bool:
        return not self.examples or get_subtask(task).task_type == "synthesize"

    def _pipeline(self, task_type: str, batch_size: int) -> Any:
        from codetrans.serving.pipelines import pipeline

        if task_type not in self._pipes:
            if self.model is not None:
                self._pipes[task_type] = pipeline(task_type, model=self.model, tokenizer=self.tokenizer,
                                                  backend="torch", device=self.device, batch_size=batch_size)
            else:
                self._pipes[task_type] = pipeline(task_type, model=str(self.path), backend=self.backend,
                                                  batch_size=batch_size)
        return self._pipes[task_type]

    def effective_decoding(self, task: str, options: DecodingOptions) -> dict:
        """What ``generate`` gets for ``task``: the options given, completed with the pipeline's defaults."""
        st = get_subtask(task)
        return self._pipeline(st.task_type, options.batch_size).with_defaults(st.id, options.generate_kwargs())

    def predict(self, task: str, records: Sequence[dict], options: DecodingOptions,
                advance: Callable[[int], None]) -> list[str]:
        st = get_subtask(task)
        pipe = self._pipeline(st.task_type, options.batch_size)
        # model-format inputs (prefix included): the pipeline takes them as they are
        inputs = self._inputs(st, records, pipe, options)
        out: list[str] = []
        step = options.batch_size * self.CHUNK_BATCHES
        if self.examples:
            from codetrans.algolisp.scoring import record_field
        quiet = logging.getLogger("codetrans.serving.logic")  # truncation to max_source_length is the protocol here
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        # the model's own text (a commit is otherwise grounded in its diff)
        own = {"ground": False} if st.task_type in GROUNDED_TYPES else {}
        try:
            for start in range(0, len(inputs), step):
                chunk = inputs[start:start + step]
                extra = {"examples": [record_field(r, "tests", []) for r in records[start:start + step]]
                         } if self.examples else {}
                extra.update(own)
                results = pipe(chunk, max_input_length=options.max_source_length, batch_size=options.batch_size,
                               **extra, **options.generate_kwargs())
                out.extend(_one_line(r[0]["generated_text"]) for r in results)
                advance(len(chunk))
        finally:
            quiet.setLevel(level)
        return out

    def _inputs(self, st: Any, records: Sequence[dict], pipe: Any, options: DecodingOptions) -> list[str]:
        """Model inputs; with exemplars on the records (``--context``), formatted as the pipelines format
        a ``context=`` call (:func:`codetrans.serving.context.augment_source`), within the model's budget."""
        if not any(EXEMPLARS_KEY in r for r in records):
            return [format_input(st, r["source"]) for r in records]
        from codetrans.serving.context import augment_source, context_spec

        spec = context_spec(self.path)
        if spec is None:
            raise CodeTransError(f"{self.spec} was not trained with exemplars (no 'context' in its codetrans.json); "
                                 "evaluate it without --context")
        budget = min(spec.budget, options.max_source_length) - 1  # the </s> comes on top
        return [augment_source(st, r["source"], r[EXEMPLARS_KEY], k=len(r[EXEMPLARS_KEY]), budget=budget,
                               tokenizer=pipe.tokenizer)[0] if r.get(EXEMPLARS_KEY) else format_input(st, r["source"])
                for r in records]


class BaselinePredictor:
    """BM25 retrieval, NNGen or the function-name baseline, indexed per sub-task on the train split."""

    def __init__(self, kind: str):
        if kind not in BASELINES:
            raise CodeTransError(f"unknown baseline {kind!r}; choose from {', '.join(BASELINES)}")
        self.name = kind
        self._impl: Any = None
        self._task: str | None = None
        self._pool: dict[str, dict] = {}

    def identity(self) -> dict:
        ident: dict[str, Any] = {"kind": "baseline", "id": self.name, "train_pools": self._pool}
        if self.name == "baseline:bm25":
            ident["params"] = {"k1": 1.2, "b": 0.75, "terms": "lower-cased \\w+ runs of the source"}
        elif self.name == "baseline:repo-bm25":
            ident["params"] = {"pool": "same-repo exemplars (codetrans.evaluation.context): leave-one-out in the "
                               "repository, earlier commits, the train split for summarize/api",
                               "answer": "the nearest exemplar's target", "fallback": "baseline:bm25 over train"}
        elif self.name == "baseline:repo-bm25-edited":
            ident["params"] = {"pool": "as baseline:repo-bm25", "fallback": "baseline:bm25 over train",
                               "answer": "the nearest exemplar's target, edited to the function's names "
                               "(codetrans.grounding.edit.adapt)"}
        elif self.name == "baseline:nngen":
            ident["params"] = {"k": 5, "vectors": "CountVectorizer-style bag of words, cosine",
                               "rerank": "NLTK sentence BLEU-4 vs candidate diffs"}
        return ident

    def applies_to(self, task: str) -> bool:
        """The function-name baseline needs code input; retrieval works for any sub-task."""
        if self.name != "baseline:funcname":
            return True
        from codetrans.tasks import SUBTASKS

        return task in SUBTASKS and SUBTASKS[task].type.input_kind == "code"

    def prepare(self, task: str, train: Sequence[dict] | None) -> None:
        from codetrans.evaluation.baselines import BM25Retrieval, FunctionName, NNGen

        self._task = task
        if self.name == "baseline:funcname":
            self._impl = FunctionName()
            return
        if not train:
            raise CodeTransError(f"{self.name} needs training items of {task!r} to retrieve from "
                                 "(a train split in the dataset, see --train-split)")
        sources = [r["source"] for r in train]
        targets = [r["target"] for r in train]
        h = hashlib.sha256()
        for s, t in zip(sources, targets):
            h.update(s.encode("utf-8", "replace") + b"\0" + t.encode("utf-8", "replace") + b"\0")
        self._pool[task] = {"n": len(sources), "sha256": h.hexdigest()}
        self._impl = NNGen(sources, targets) if self.name == "baseline:nngen" else BM25Retrieval(sources, targets)

    def predict(self, task: str, records: Sequence[dict], options: DecodingOptions,
                advance: Callable[[int], None]) -> list[str]:
        if self._impl is None or task != self._task:
            raise CodeTransError(f"baseline not prepared for {task!r}")
        sources = [r["source"] for r in records]
        if self.name == "baseline:funcname":
            preds = self._impl.predict(sources, [r.get("func_name") for r in records])
        elif self.name.startswith("baseline:repo-bm25"):
            # the nearest exemplar of the record's own pool; none there (a repository's only function,
            # a first commit): the global retrieval baseline's answer
            preds = [self._nearest(task, r) if r.get(EXEMPLARS_KEY) else self._impl.predict([r["source"]])[0]
                     for r in records]
        else:
            preds = self._impl.predict(sources)
        advance(len(records))
        return [_one_line(p) for p in preds]

    def _nearest(self, task: str, record: dict) -> str:
        nearest = record[EXEMPLARS_KEY][0]
        inp, target = nearest[:2]
        if self.name != "baseline:repo-bm25-edited":
            return target
        if get_subtask(task).task_type == "commit":  # the subject's class names swapped for this diff's
            from codetrans.grounding.commit import adapt_subject

            return adapt_subject(target, inp, record["source"])[0]
        from codetrans.grounding.edit import adapt, signature

        lang = get_subtask(task).lang or ""
        name = str(nearest[3].get("func_name") or "") if len(nearest) > 3 else ""
        return adapt(target, signature(inp, lang, name), signature(record["source"], lang,
                                                                   str(record.get("func_name") or ""))).text


GROUNDED_MODES = ("grounded", "oracle")
#: Sub-task types the grounded path serves (documentation, Java comments, commit subjects, API sequences).


def grounded_applies(task: str) -> bool:
    """Whether the grounded path serves ``task`` (``codetrans.evaluation.grounded.applies``)."""
    return get_subtask(task).task_type in GROUNDED_TYPES


class GroundedPredictor:
    """``grounded:MODEL`` answers each record as :func:`codetrans.grounding.documentation.ground` answers a user: the
    record's exemplars (``--context same-repo``: the repository, its earlier commits, or for API sequences the
    training pairs), edited, and the model's text, one chosen by the chooser. ``oracle:MODEL`` takes, among the same candidates, the one closest to the
    reference (an upper bound of choosing, not a system). Both run the model once per record and share it
    (:mod:`codetrans.evaluation.grounded`: the comparison and the chooser's data)."""

    def __init__(self, mode: str, model: str | os.PathLike | ModelPredictor, *, backend: str = "torch",
                 device: str | None = None, chooser: Any = None):
        if mode not in GROUNDED_MODES:
            raise CodeTransError(f"unknown grounded mode {mode!r}")
        self.mode = mode
        self.model = model if isinstance(model, ModelPredictor) else ModelPredictor(model, device=device,
                                                                                    backend=backend)
        self.name = f"{mode}:{self.model.name}"
        self.path = self.model.path
        if chooser is None and mode == "grounded":
            from codetrans.grounding import grounder

            chooser = {"commit": grounder("commit").load_chooser(self.model.path),
                       "": grounder("document").load_chooser(self.model.path)}
        self.chooser = chooser if chooser is None or isinstance(chooser, dict) else {"": chooser}
        self._memo: dict[tuple[str, str], str] = {}
        #: per task, how many answers came from where ("changelog", "adapted", "copied", "generated")
        self.sources: dict[str, Counter] = {}
        from codetrans.grounding.verifier import load_verifier

        #: the model's verifier: grounding chooses by truth and every answer gets a confidence (as served)
        self.verifier = load_verifier(self.path) if mode == "grounded" else None
        self._confidence: dict[tuple[str, str], float | None] = {}

    def identity(self) -> dict:
        ident = {**self.model.identity(), "grounding": self.mode}
        if self.chooser is not None:
            ident["chooser"] = {kind or "code": c.fit_info for kind, c in self.chooser.items()}
        return ident

    def applies_to(self, task: str) -> bool:
        return grounded_applies(task)

    def prepare(self, task: str, train: Sequence[dict] | None) -> None:
        return None

    def effective_decoding(self, task: str, options: DecodingOptions) -> dict:
        return self.model.effective_decoding(task, options)

    def generated(self, task: str, records: Sequence[dict], options: DecodingOptions) -> list[str]:
        """The model's text for each record (with the exemplars when the model takes them), memoised."""
        from codetrans.serving.context import context_spec

        takes = context_spec(self.model.path) is not None
        todo = [r for r in records if (task, r["source"]) not in self._memo]
        if todo:
            inputs = todo if takes else [{k: v for k, v in r.items() if k != EXEMPLARS_KEY} for r in todo]
            for r, text in zip(todo, self.model.predict(task, inputs, options, lambda n: None)):
                self._memo[(task, r["source"])] = text
        return [self._memo[(task, r["source"])] for r in records]

    def predict(self, task: str, records: Sequence[dict], options: DecodingOptions,
                advance: Callable[[int], None]) -> list[str]:
        from codetrans.grounding import grounder

        st = get_subtask(task)
        lang, kind = st.lang or "", st.task_type
        grounding = grounder(kind)  # the pipelines' own grounder for this task type
        chooser = (self.chooser or {}).get("commit" if kind == "commit" else "")
        gens = self.generated(task, records, options)
        out = []
        for r, gen in zip(records, gens):
            exs = r.get(EXEMPLARS_KEY) or []
            name = str(r.get("func_name") or "")
            if self.mode == "grounded":
                answer = grounding.ground(r["source"], lang, exs, gen, chooser=chooser, verifier=self.verifier,
                                          name=name)
                out.append(answer.text)
                self._confidence[(task, r["source"])] = answer.confidence
                where = answer.provenance.split()[0]
                self.sources.setdefault(task, Counter())["changelog" if where == "from" else where] += 1
            else:
                cands = grounding.candidates(r["source"], lang, exs, gen, name=name)
                out.append(_best(cands, r) if cands else gen)
        advance(len(records))
        return [" ".join(p.split()) for p in out]


    def confidences(self, task: str, records: Sequence[dict], preds: Sequence[str]) -> list[float | None]:
        """The confidence of each answer just predicted (None: no verifier, or the oracle)."""
        return [self._confidence.get((task, r["source"])) for r in records]


def write_threshold_of(verifier: Any, task_type: str = "") -> float | None:
    """The confidence from which an answer is written (``--write``, the LSP, the hook): the verifier's (as
    :meth:`codetrans.serving.logic.TaskLogic.write_threshold` reads it)."""
    return None if verifier is None else verifier.write_threshold(task_type)


def _best(cands: Sequence[Any], record: dict) -> str:
    from codetrans.metrics.bleu import smoothed_bleu_items

    refs = record.get("references") or [record["target"]]
    scores = smoothed_bleu_items([c.text for c in cands], [refs] * len(cands))
    return cands[max(range(len(cands)), key=scores.__getitem__)].text


def make_predictor(spec: str | os.PathLike | Predictor, device: str | None = None,
                   backend: str = "torch") -> Predictor:
    """A predictor for a --model value (baseline name, model directory or zoo id), or pass one through."""
    if not isinstance(spec, str | os.PathLike):
        return spec
    s = str(spec)
    if s.startswith("baseline:"):
        return BaselinePredictor(s)
    mode, sep, rest = s.partition(":")
    if sep and mode in GROUNDED_MODES and rest:
        return GroundedPredictor(mode, rest, device=device, backend=backend)
    if sep and mode == "examples" and rest:
        return ModelPredictor(rest, device=device, backend=backend, examples=True)
    return ModelPredictor(s, device=device, backend=backend)
