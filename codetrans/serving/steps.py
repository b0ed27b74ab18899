"""The post-processing steps a task's strategy puts around generation (:mod:`codetrans.serving.strategies`).

A step is ``step(pipe, generate, inputs, *args, **kwargs)``: it takes its own keyword arguments, calls
``generate`` (the next step, or the backend's batched generation) and returns the results in the pipelines'
shape (one input -> a list of result dicts; a list -> a list of such lists).

- :func:`whole_file`: a source file is documented function by function.
- :func:`ground`: with ``context=`` the answer is chosen among the repository's (or the model index's) nearest
  texts, edited, and the model's own (:func:`codetrans.grounding.grounder`); every result says where its text
  came from and how sure it is.
- :func:`choose_by_execution`: the first of the beams' programs that passes the examples (or runs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from codetrans.errors import CodeTransError

logger = logging.getLogger(__name__)

Generate = Callable[..., Any]


def whole_file(pipe: Any, generate: Generate, inputs: Any, *args: Any, whole_file: bool | None = None,
               **kwargs: Any) -> Any:
    """A string holding several functions (or ``whole_file=True``) -> one result per function
    (:meth:`~codetrans.serving.logic.TaskLogic.document_file`)."""
    if isinstance(inputs, str) and whole_file is not False:
        functions = pipe._functions(inputs, kwargs.get("lang"))
        if whole_file or len(functions) > 1:
            return pipe.document_file(inputs, functions, **kwargs)
    return generate(inputs, *args, **kwargs)


def ground(pipe: Any, generate: Generate, inputs: Any, *args: Any, context: Any = None, k: int | None = None,
           ground: bool = True, names: list[str] | None = None, **kwargs: Any) -> Any:
    """Documentation, comments, commit subjects and API sequences grounded in ``context`` (a repository path, a
    pool, pairs; API sequences: ``True``, the model's index) with any model — for code
    (:mod:`codetrans.grounding.documentation`) the nearest documented functions, edited to the function; for
    diffs (:mod:`codetrans.grounding.commit`) the changelog entries the diff adds and the nearest earlier
    commits, edited — and the model's text, one chosen. Results gain ``provenance``, ``origin`` and
    ``model_text`` (the model's own). ``ground=False`` keeps the model's text (with exemplars, for models
    trained on them), still with the verifier's ``confidence``."""
    strategy = pipe.strategy
    passed = {key: v for key, v in (("context", context), ("k", k)) if v is not None}
    # with a verifier, an answer outside any repository is still chosen by truth (the model's text, or a
    # description built from the code when that text is not trustworthy)
    if context is False or not ground or (context is None and not strategy.grounds_without_pool
                                          and pipe.verifier() is None):
        return _with_confidence(pipe, inputs, generate(inputs, *args, **passed, **kwargs), kwargs)
    from codetrans.grounding import grounder
    from codetrans.serving.context import find_exemplars

    pool = pipe.grounding_pool(context) if context is not None else None
    single = not isinstance(inputs, (list, tuple))
    items = [inputs] if single else list(inputs)
    if not items:
        return []
    the = grounder(strategy.task_type)
    parsed = [pipe.parse_input(x, kwargs.get("lang"), bool(kwargs.get("pretokenized"))) for x in items]
    neighbours = [find_exemplars(pool, src, st.lang, the.k(), query=pipe.type.input_kind == "text")
                  if pool is not None else [] for st, src in parsed]
    if pool is None or pipe.context_spec() is None:
        if pool is not None and not getattr(pipe, "_context_noted", False):
            logger.info("this model was not trained with exemplars (no 'context' in its codetrans.json): "
                        "its candidate is its text without them; the answer is still grounded")
            pipe._context_noted = True
        passed = {}  # the model reads no exemplars (codetrans.serving.context's policy)
    results = generate(items, *args, **passed, **kwargs)
    chooser, verifier = pipe.chooser(), pipe.verifier()
    extra = strategy.ground_context(pool)
    # the functions' qualified names when the caller knows them (a file: Cart.__init__ names its class)
    for (st, src), exs, res, name in zip(parsed, neighbours, results, names or [""] * len(parsed)):
        r = res[0]
        answer = the.ground(src, st.lang or "", exs, r["generated_text"], chooser=chooser, verifier=verifier,
                            name=name, **extra)
        r.setdefault("exemplars", 0)
        r.update({"model_text": r["generated_text"], "generated_text": answer.text, **answer.as_json(),
                  **strategy.fields(answer.text)})
    return results[0] if single else results


def _with_confidence(pipe: Any, inputs: Any, results: Any, kwargs: dict) -> Any:
    """The model's text alone (no grounding) still says how sure the verifier is of it."""
    verifier = pipe.verifier()
    if verifier is None or not results:
        return results
    from codetrans.grounding.documentation import text_confidence

    single = not isinstance(inputs, (list, tuple))
    items, batch = ([inputs], [results]) if single else (list(inputs), list(results))
    for x, res in zip(items, batch):
        rows = res if isinstance(res, list) else [res]
        if not rows or not isinstance(rows[0], dict) or "generated_text" not in rows[0]:
            continue
        st, src = pipe.parse_input(x, kwargs.get("lang"), bool(kwargs.get("pretokenized")))
        for r in rows:
            r["confidence"] = round(text_confidence(verifier, src, st.lang or "", r["generated_text"],
                                                    kind=pipe.type.verifier_kind), 3)
    return results


#: beams' programs checked per description unless the call says ``candidates=``
CANDIDATES = 8


def choose_by_execution(pipe: Any, generate: Generate, inputs: Any, *args: Any, examples: Any = None,
                        check: bool = True, candidates: int | None = None, **kwargs: Any) -> Any:
    """A problem description -> an AlgoLisp program, chosen by execution among the model's candidates.

    The beams' ``candidates`` programs (default :data:`CANDIDATES`) are checked in the model's order
    (:func:`codetrans.algolisp.guided.choose`): with ``examples`` (``'a=[1,2,3] -> 6'`` strings or
    ``{"input": ..., "output": ...}`` tests; for a list of descriptions, one list per description) the
    first that returns every example's output; without, the first that runs on sample inputs of the
    argument types the description names. ``check=False`` returns the model's best as it is. Results say
    how the program was checked (``provenance``, ``passed``, ``candidate``) and, with ``args``, its value.
    """
    run_args = kwargs.pop("args", None)
    single = not isinstance(inputs, (list, tuple))
    items = [inputs] if single else list(inputs)
    per_item = _examples_per_item(examples, len(items), single)
    if not check and examples is None:
        results = generate(inputs, *args, **kwargs)
        if run_args is not None:
            for group in [results] if single else results:
                for r in group:
                    r.update(run(r["program"], run_args))
        return results
    from codetrans.algolisp.guided import as_examples, choose
    from codetrans.generation import check_int

    per_item = [as_examples(e) if e is not None else None for e in per_item]  # refused before decoding
    n = check_int("candidates", candidates, 1) if candidates is not None else CANDIDATES
    beams = max(int(kwargs.pop("num_beams", None) or 0), n)
    kwargs.pop("num_return_sequences", None)
    results = generate(items, *args, num_beams=beams, num_return_sequences=n, **kwargs) if items else []
    out = []
    for text, exs, group in zip(items, per_item, results):
        choice = choose([r["generated_text"] for r in group], exs, text if isinstance(text, str) else "")
        best = {**group[choice.index], **choice.as_json()}
        best["program"] = best["generated_text"]
        if run_args is not None:
            best.update(run(best["program"], run_args))
        out.append([best])
    return out[0] if single else out


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


def run(program: str, args: dict) -> dict[str, Any]:
    """``{"result": value}`` of the program on ``args``, or ``{"error": why}``."""
    from codetrans.algolisp import run as run_program

    try:
        return {"result": run_program(program, args)}
    except CodeTransError as exc:
        return {"error": str(exc)}
    except RecursionError:
        return {"error": "the program or its input is nested too deeply"}
