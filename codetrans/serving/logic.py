"""What every task pipeline does whatever the backend: raw input -> model input, output ids -> result dicts.

Each pipeline is transformers' four methods: ``_sanitize_parameters`` splits keyword arguments,
``preprocess`` turns raw input into the model's input (tree-sitter tokens or a normalized diff, plus
the original task prefix), ``_forward`` calls ``generate``, ``postprocess`` decodes. The classes here
hold all but ``_forward``; :mod:`codetrans.serving.torch_pipelines` (transformers) and
:mod:`codetrans.serving.ct2` (CTranslate2) add it. Pre-tokenized input, as the original CodeTrans
expected, is accepted too (``pretokenized=True``, or an input that already starts with the task prefix).

Repository context: a call may pass ``context=`` (a path -> its repository's documented functions, or for
commit messages its git history; a list of (input, target) pairs; a :class:`codetrans.retrieval.Pool`;
``True``: the model's shipped index of its training pairs, for tasks with no repository) and ``k=``.
Models that declare context support get the ``k`` nearest exemplars after their input, and every result
of such a call carries ``"exemplars": n``; other models generate without them (one logged
note). The format and the policy: :mod:`codetrans.serving.context`.

This module imports neither torch nor transformers.
"""

from __future__ import annotations

import logging
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.serving.exemplars import ExemplarInput
from codetrans.tasks import (
    API,
    SubTask,
    TaskType,
    format_input,
    get_subtask,
    get_task_type,
    serving_subtask,
    strip_prefix,
)

logger = logging.getLogger(__name__)

MAX_INPUT_CHARS = 2_000_000  # beyond this an input is surely not one function / diff / query


def check_text(inputs: Any) -> str:
    if isinstance(inputs, (bytes, bytearray)):
        from codetrans.safeio import MAX_INPUT_BYTES, decode_text

        if len(inputs) > max(MAX_INPUT_BYTES, MAX_INPUT_CHARS * 4):
            raise CodeTransError(f"input has {len(inputs):,} bytes; the limit is {MAX_INPUT_CHARS:,} characters")
        inputs = decode_text(bytes(inputs), "input", strict=True)  # the one encoding policy (NUL: binary)
    if not isinstance(inputs, str):
        raise CodeTransError(f"input must be a string, got {type(inputs).__name__}")
    if "\0" in inputs:
        raise CodeTransError("input looks binary (NUL bytes), not source code")
    if not inputs.strip():
        raise CodeTransError("input is empty")
    if len(inputs) > MAX_INPUT_CHARS:
        raise CodeTransError(f"input has {len(inputs):,} characters; the limit is {MAX_INPUT_CHARS:,}")
    return inputs


class TaskLogic(ExemplarInput):
    """What every task pipeline does whatever the backend: subclasses set ``task_type`` and may override
    :meth:`subtask`, :meth:`prepare` and :meth:`finish`. Backend classes (``CodeTransPipeline`` for
    torch, :class:`FastPipeline` for CTranslate2) add ``_forward``, ``_model_inputs`` and batching.
    What the model's ``codetrans.json`` decides (decoding defaults, exemplars) comes from the mixins
    :class:`~codetrans.serving.settings.ModelSettings` and :class:`~codetrans.serving.exemplars.ExemplarInput`."""

    task_type: str = ""
    backend: str = ""

    @property
    def type(self) -> TaskType:
        return get_task_type(self.task_type)

    def _sanitize_parameters(self, lang: str | None = None, pretokenized: bool | None = None,
                             max_input_length: int | None = None, context: Any = None, k: int | None = None,
                             **generate_kwargs: Any):
        preprocess: dict[str, Any] = {}
        if context is not None:
            # resolved once per call (a path becomes a pool here), shared by every item of a list
            preprocess["context"] = self._context_pool(context)
            if k is not None:
                from codetrans.serving.context import check_k

                preprocess["k"] = check_k(k)
        if lang is not None:
            preprocess["lang"] = lang
        if pretokenized is not None:
            preprocess["pretokenized"] = pretokenized
        if max_input_length is not None:
            from codetrans.generation import check_int

            preprocess["max_input_length"] = check_int("max_input_length", max_input_length, 2)
        from codetrans.generation import check_generate_options

        return preprocess, check_generate_options(generate_kwargs), {}

    # -- the task-specific part ------------------------------------------------------------------
    def subtask(self, lang: str | None, text: str) -> SubTask:
        """The sub-task (language) an input belongs to."""
        return get_subtask(self.task_type, lang)

    def prepare(self, text: str, subtask: SubTask) -> str:
        """Raw input -> the model's source text (without prefix)."""
        return " ".join(text.split())

    def parse_input(self, inputs: Any, lang: str | None = None, pretokenized: bool = False) -> tuple[SubTask, str]:
        """(sub-task, model-format source without prefix) of one raw or model-format input."""
        text = check_text(inputs)
        found, rest = strip_prefix(text)
        if found is not None and found.task_type == self.task_type:
            return found, rest  # already in model format, prefix included
        subtask = self.subtask(lang, text)
        return subtask, text.strip() if pretokenized else self.prepare(text, subtask)

    # -- transformers' four methods (``_forward`` is the backend's) --------------------------------
    def preprocess(self, inputs: Any, lang: str | None = None, pretokenized: bool = False,
                   max_input_length: int | None = None, context: Any = None, k: int | None = None) -> dict[str, Any]:
        subtask, source = self.parse_input(inputs, lang, pretokenized)
        model_input = format_input(subtask, source)
        limit = max_input_length or self._max_input_length()
        extra: dict[str, Any] = {}
        if context is not None:  # asked for context: the result says how many exemplars it got
            model_input, extra["exemplars"] = self._with_context(model_input, subtask, source, context, k, limit)
        # A token covers at most a few dozen characters: tokenizing a prefix of limit * 64 characters gives
        # the same first tokens as the whole text without holding a million token ids per request.
        cut = limit * 64
        head = model_input if len(model_input) <= cut else model_input[:cut]
        ids = list(self.tokenizer(head, truncation=False)["input_ids"])
        if len(ids) > limit:
            what = f"{len(ids)} tokens" if head is model_input else f"{len(model_input):,} characters"
            logger.warning("input of %s truncated to the model's %d tokens", what, limit)
            ids = ids[: limit - 1] + ids[-1:]  # keep </s>
        return {**self._model_inputs(ids), "subtask": subtask.id, "source": source, **extra}

    def _model_inputs(self, ids: list[int]) -> dict[str, Any]:
        """Token ids of one input -> what this backend's ``_forward`` takes."""
        return {"input_ids": ids}

    def postprocess(self, model_outputs: dict[str, Any]) -> list[dict[str, Any]]:
        """Result dicts, input after input (``num_return_sequences`` of them per input)."""
        ids = model_outputs["output_ids"]
        if getattr(ids, "ndim", 2) == 3:  # (inputs, n, length): the torch backend's n best
            ids = ids.reshape(-1, ids.shape[-1])
        subtasks = model_outputs["subtask"]
        subtasks = subtasks if isinstance(subtasks, list) else [subtasks]
        texts = self.tokenizer.batch_decode(ids, skip_special_tokens=True)
        per = max(1, len(texts) // len(subtasks))
        results = [self.finish(text.strip(), subtasks[min(i // per, len(subtasks) - 1)]) for i, text in enumerate(texts)]
        if "exemplars" in model_outputs:  # context was asked for: say how much of it each input got
            counts = model_outputs["exemplars"]
            counts = counts if isinstance(counts, list) else [counts]
            for i, r in enumerate(results):
                r["exemplars"] = int(counts[min(i // per, len(counts) - 1)])
        return results

    def finish(self, text: str, subtask_id: str) -> dict[str, Any]:
        """One decoded output -> the result dict (subclasses add fields)."""
        return {"generated_text": text, "task": subtask_id}

    def _max_input_length(self) -> int:
        limit = getattr(self.tokenizer, "model_max_length", None)
        if not limit or limit > 100_000:  # unset tokenizers report a huge sentinel value
            limit = 512
        return int(limit)


class CodeTask(TaskLogic):
    """Pipelines whose input is source code (document, summarize, comment)."""

    def subtask(self, lang: str | None, text: str) -> SubTask:
        from codetrans.lang.tokenize import language_of

        return get_subtask(self.task_type, language_of(lang, None, text))

    def prepare(self, text: str, subtask: SubTask) -> str:
        from codetrans.lang.tokenize import tokenize_code

        result = tokenize_code(text, subtask.lang, drop_docstrings=True)
        if result.partial:
            logger.warning("the %s input does not parse cleanly; using the parser's error recovery", subtask.lang)
        return result.text


class GroundedTask(TaskLogic):
    """Documentation, comments, commit subjects and API sequences: a call with ``context=`` (a repository path, a pool, or
    pairs) is grounded in it with any model — for code (:mod:`codetrans.grounding.documentation`) the nearest
    documented functions, edited to the function; for diffs (:mod:`codetrans.grounding.commit`) the
    changelog entries the diff adds and the nearest earlier commits, edited — and the model's text, one
    chosen (API sequences: :class:`ApiTask`, the model's index); every result says where its text came from (``provenance``; ``origin``; ``model_text``: the
    model's own). ``ground=False`` keeps the model's text (with exemplars, for models trained on them)."""

    def __call__(self, inputs: Any, *args: Any, context: Any = None, k: int | None = None, ground: bool = True,
                 names: list[str] | None = None, **kwargs: Any) -> Any:
        passed = {key: v for key, v in (("context", context), ("k", k)) if v is not None}
        # with a verifier, an answer outside any repository is still chosen by truth (the model's text, or a
        # description built from the code when that text is not trustworthy)
        if context is False or not ground or (context is None and not self.grounds_without_pool
                                              and self.verifier() is None):
            results = super().__call__(inputs, *args, **passed, **kwargs)
            return self._with_confidence(inputs, results, kwargs)
        from codetrans.serving.context import find_exemplars

        pool = self._grounding_pool(context) if context is not None else None
        single = not isinstance(inputs, (list, tuple))
        items = [inputs] if single else list(inputs)
        if not items:
            return []
        parsed = [self.parse_input(x, kwargs.get("lang"), bool(kwargs.get("pretokenized"))) for x in items]
        neighbours = [find_exemplars(pool, src, st.lang, self.ground_k, query=self.type.input_kind == "text")
                      if pool is not None else [] for st, src in parsed]
        reads = pool is not None and self.context_spec() is not None
        if not reads:
            passed = {}  # the model reads no exemplars (codetrans.serving.context's policy)
            if pool is not None and not getattr(self, "_context_noted", False):
                logger.info("this model was not trained with exemplars (no 'context' in its codetrans.json): "
                            "its candidate is its text without them; the answer is still grounded")
                self._context_noted = True
        results = super().__call__(items, *args, **passed, **kwargs)
        chooser = self.chooser()
        verifier = self.verifier()
        extra = self.ground_context(pool)
        # the functions' qualified names when the caller knows them (a file: Cart.__init__ names its class)
        for (st, src), exs, res, name in zip(parsed, neighbours, results, names or [""] * len(parsed)):
            r = res[0]
            answer = self.ground_one(src, st, exs, r["generated_text"], chooser, verifier, name=name, **extra)
            r.setdefault("exemplars", 0)
            r.update({"model_text": r["generated_text"], "generated_text": answer.text, **answer.as_json(),
                      **self.fields_of(answer.text)})
        return results[0] if single else results

    def fields_of(self, text: str) -> dict[str, Any]:
        """Result fields derived from the text (``finish`` made them from the model's): redone for the answer."""
        return {}

    def ground_context(self, pool: Any) -> dict[str, Any]:
        """What every input of one call shares for grounding beyond its neighbours (commits: the branch's issue)."""
        return {}

    #: the verifier's part for this task type (None: its answers carry no confidence)
    verifier_kind: str | None = "doc"

    def verifier(self) -> Any:
        """The model directory's verifier (:mod:`codetrans.grounding.verifier`), loaded once; None without one."""
        if self.verifier_kind is None:
            return None
        if not hasattr(self, "_verifier"):
            from codetrans.grounding.verifier import load_verifier

            self._verifier = load_verifier(self._model_dir())
        return self._verifier

    def write_threshold(self) -> float | None:
        """The confidence from which an answer is written into a file (``--write``, ``--fix``, the LSP, the
        hook), chosen on the judged validation set; None without a verifier (every answer is written)."""
        verifier = self.verifier()
        return None if verifier is None else verifier.write_threshold(self.task_type)

    def _with_confidence(self, inputs: Any, results: Any, kwargs: dict) -> Any:
        """The model's text alone (no grounding) still says how sure the verifier is of it."""
        verifier = self.verifier()
        if verifier is None or not results:
            return results
        from codetrans.grounding.documentation import text_confidence

        single = not isinstance(inputs, (list, tuple))
        items, batch = ([inputs], [results]) if single else (list(inputs), list(results))
        for x, res in zip(items, batch):
            rows = res if isinstance(res, list) else [res]
            if not rows or not isinstance(rows[0], dict) or "generated_text" not in rows[0]:
                continue
            st, src = self.parse_input(x, kwargs.get("lang"), bool(kwargs.get("pretokenized")))
            for r in rows:
                r["confidence"] = round(text_confidence(verifier, src, st.lang or "", r["generated_text"],
                                                        kind=self.verifier_kind), 3)
        return results

    #: whether an input is grounded with no pool at all (a diff in its own changelog entry)
    grounds_without_pool = False

    @property
    def ground_k(self) -> int:
        """Neighbours considered per input (what the grounder was fit or tuned with)."""
        from codetrans.grounding import grounder

        return grounder(self.task_type).k()

    def ground_one(self, source: str, subtask: SubTask, exemplars: list, generated: str, chooser: Any,
                   verifier: Any = None, name: str = "", **extra: Any) -> Any:
        """The grounded answer for one input (a :class:`~codetrans.grounding.candidate.Grounded`), by the task
        type's grounder (:func:`codetrans.grounding.grounder`, shared with the evaluation harness)."""
        from codetrans.grounding import grounder

        return grounder(self.task_type).ground(source, subtask.lang or "", exemplars, generated, chooser=chooser,
                                               verifier=verifier, name=name, **extra)

    def load_chooser(self) -> Any:
        from codetrans.grounding import grounder

        return grounder(self.task_type).load_chooser(self._model_dir())

    def _grounding_pool(self, context: Any) -> Any:
        """The pool of a ``context=`` argument, or None when it holds nothing to draw from (then the
        model's text is the answer, after one logged note)."""
        if context is True:
            raise CodeTransError(f"{self.type.title} is grounded in a repository: pass context=PATH (or a pool, "
                                 "or (input, target) pairs), not True")
        from codetrans.serving.context import resolve_pool

        pool = resolve_pool(context, self.task_type)
        if len(pool) == 0:
            logger.warning("%s; generating without context", pool.note or "no documented functions to draw from")
            return None
        return pool

    def chooser(self) -> Any:
        """The chooser among candidates (the model's own file, else the package's), loaded once."""
        if getattr(self, "_chooser", None) is None:
            self._chooser = self.load_chooser()
        return self._chooser


class DocumentTask(GroundedTask, CodeTask):
    """Function -> docstring summary. A whole file documents each of its functions (``whole_file``).

    Languages without a documentation sub-task use the registry's fallback (C#: its summarization
    sub-task, see :data:`codetrans.tasks.FALLBACK_SUBTASKS`).
    """

    task_type = "document"

    def subtask(self, lang: str | None, text: str) -> SubTask:
        from codetrans.lang.tokenize import language_of

        return serving_subtask(self.task_type, language_of(lang, None, text))

    def __call__(self, inputs: Any, *args: Any, whole_file: bool | None = None, **kwargs: Any) -> Any:
        if isinstance(inputs, str) and whole_file is not False:
            functions = self._functions(inputs, kwargs.get("lang"))
            if whole_file or len(functions) > 1:
                return self.document_file(inputs, functions, **kwargs)
        return super().__call__(inputs, *args, **kwargs)

    def _functions(self, text: str, lang: str | None) -> list[dict]:
        from codetrans.lang.extract import EXTRACT_LANGUAGES, list_functions
        from codetrans.lang.tokenize import detect_language

        check_text(text)
        lang = lang or detect_language(code=text)
        if lang is None or lang not in EXTRACT_LANGUAGES:
            return []
        return list_functions(text, lang)

    def document_file(self, text: str, functions: list[dict] | None = None, **kwargs: Any) -> list[dict]:
        """Every function of a source file -> ``{func_name, start_line, end_line, documented, generated_text}``."""
        lang = kwargs.pop("lang", None)
        if functions is None:
            functions = self._functions(text, lang)
        if not functions:
            from codetrans.lang.extract import no_functions_message
            from codetrans.lang.tokenize import detect_language

            raise CodeTransError(no_functions_message(text, lang or detect_language(code=text)))
        subtask = self.subtask(lang, text)
        sources = [format_input(subtask, " ".join(f["code_tokens"])) for f in functions]
        results = self(sources, names=[f["func_name"] for f in functions], **kwargs)
        return [{"func_name": f["func_name"], "start_line": f["start_line"], "end_line": f["end_line"],
                 "documented": f["documented"], **r[0]} for f, r in zip(functions, results)]


class SummarizeTask(CodeTask):
    task_type = "summarize"


class CommentTask(GroundedTask, CodeTask):
    task_type = "comment"

    def subtask(self, lang: str | None, text: str) -> SubTask:
        return get_subtask(self.task_type, lang or "java")


class CommitTask(GroundedTask):
    """A unified diff (``git diff`` output) -> commit subject; with ``context=`` (a repository: its history)
    grounded in the diff's changelog entries and the earlier commits (:mod:`codetrans.grounding.commit`)."""

    task_type = "commit"
    grounds_without_pool = True  # no history (outside a repository, the demo): still the diff's changelog entry

    verifier_kind = "commit"

    def ground_context(self, pool: Any) -> dict[str, Any]:
        """The issue the checked-out branch names (``fix/1234-npe``: ``#1234``), for a history pool of a repository."""
        if pool is None or getattr(pool, "kind", "") != "history" or not getattr(pool, "root", ""):
            return {}
        from codetrans.data.git import current_branch
        from codetrans.lang.diff_facts import branch_reference

        return {"reference": branch_reference(current_branch(pool.root))}

    def prepare(self, text: str, subtask: SubTask) -> str:
        from codetrans.lang.diff import normalize_diff

        source = normalize_diff(text)
        if not source:
            raise CodeTransError("the diff has no changed lines")
        return source


class ApiTask(GroundedTask):
    """A natural-language query -> a ``Class.method`` call sequence. With ``context=True`` (the CLI's
    default when the model ships an index of its training pairs) the answer is the consensus of the
    nearest training pairs' sequences and the model's text (:mod:`codetrans.grounding.api`)."""

    task_type = "api"

    verifier_kind = None  # sequences are judged by the index's consensus, not by a text verifier

    def prepare(self, text: str, subtask: SubTask) -> str:
        """A description as the pool's queries are written: first sentence, lower-cased word tokens (so
        "Reads a line of a java.io.File." and "read a line of a java io file" find the same pairs)."""
        from codetrans.lang.docstrings import api_query

        query = api_query(text)
        if not query:
            raise CodeTransError(f"the description {text.strip()[:60]!r} has no words to look up")
        return query

    def _grounding_pool(self, context: Any) -> Any:
        if context is not True:
            return super()._grounding_pool(context)  # a path makes no sense here, but pairs or a pool do
        index = self.context_index()
        if not index or API not in index:
            raise CodeTransError("context=True needs a model that ships an index of its training pairs "
                                 "(context_index.npz with API sequences); pass (input, target) pairs instead")
        return index[API]

    def finish(self, text: str, subtask_id: str) -> dict[str, Any]:
        return {**super().finish(text, subtask_id), **self.fields_of(text)}

    def fields_of(self, text: str) -> dict[str, Any]:
        return {"api_sequence": text.split()}


class SynthesizeTask(TaskLogic):
    """A problem description -> an AlgoLisp program, chosen by execution among the model's candidates.

    The beams' ``candidates`` programs (default :data:`CANDIDATES`) are checked in the model's order
    (:func:`codetrans.algolisp.guided.choose`): with ``examples`` (``'a=[1,2,3] -> 6'`` strings or
    ``{"input": ..., "output": ...}`` tests; for a list of descriptions, one list per description) the
    first that returns every example's output; without, the first that runs on sample inputs of the
    argument types the description names. ``check=False`` returns the model's best as it is. Results say
    how the program was checked (``provenance``, ``passed``, ``candidate``) and, with ``args``, its value.
    """

    task_type = "synthesize"
    CANDIDATES = 8

    def __call__(self, inputs: Any, *args: Any, examples: Any = None, check: bool = True,
                 candidates: int | None = None, **kwargs: Any) -> Any:
        single = not isinstance(inputs, (list, tuple))
        items = [inputs] if single else list(inputs)
        per_item = self._examples_per_item(examples, len(items), single)
        if not check and examples is None:
            return super().__call__(inputs, *args, **kwargs)
        from codetrans.algolisp.guided import as_examples, choose
        from codetrans.generation import check_int

        per_item = [as_examples(e) if e is not None else None for e in per_item]  # refused before decoding
        n = check_int("candidates", candidates, 1) if candidates is not None else self.CANDIDATES
        beams = max(int(kwargs.pop("num_beams", None) or 0), n)
        kwargs.pop("num_return_sequences", None)
        run_args = kwargs.pop("args", None)
        results = super().__call__(items, *args, num_beams=beams, num_return_sequences=n, **kwargs) if items else []
        out = []
        for text, exs, group in zip(items, per_item, results):
            choice = choose([r["generated_text"] for r in group], exs, text if isinstance(text, str) else "")
            best = {**group[choice.index], **choice.as_json()}
            best["program"] = best["generated_text"]
            if run_args is not None:
                best.update(self._run(best["program"], run_args))
            out.append([best])
        return out[0] if single else out

    @staticmethod
    def _examples_per_item(examples: Any, n_items: int, single: bool) -> list[Any]:
        if examples is None:
            return [None] * n_items
        if isinstance(examples, str) or not isinstance(examples, (list, tuple)):
            raise CodeTransError("examples must be a list ('a=[1,2,3] -> 6' strings or {'input', 'output'} tests)")
        if single:
            return [list(examples)]
        if len(examples) != n_items or not all(isinstance(e, (list, tuple)) or e is None for e in examples):
            raise CodeTransError(f"for {n_items} descriptions, examples must be {n_items} lists (one per description)")
        return [list(e) if e is not None else None for e in examples]

    def _sanitize_parameters(self, args: dict | None = None, **kwargs: Any):
        pre, fwd, post = super()._sanitize_parameters(**kwargs)
        if args is not None:
            post["args"] = args
        return pre, fwd, post

    def prepare(self, text: str, subtask: SubTask) -> str:
        import re

        return " ".join(re.findall(r"\w+|[^\w\s]", text.lower()))

    def postprocess(self, model_outputs: dict[str, Any], args: dict | None = None) -> list[dict[str, Any]]:
        results = super().postprocess(model_outputs)
        for r in results:
            r["program"] = r["generated_text"]
            if args is not None:
                r.update(self._run(r["program"], args))
        return results

    @staticmethod
    def _run(program: str, args: dict) -> dict[str, Any]:
        """``{"result": value}`` of the program on ``args``, or ``{"error": why}``."""
        from codetrans.algolisp import run as run_program

        try:
            return {"result": run_program(program, args)}
        except CodeTransError as exc:
            return {"error": str(exc)}
        except RecursionError:
            return {"error": "the program or its input is nested too deeply"}


TASKS: dict[str, type[TaskLogic]] = {
    cls.task_type: cls for cls in (DocumentTask, SummarizeTask, CommentTask, CommitTask, ApiTask, SynthesizeTask)
}
