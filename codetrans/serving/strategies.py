"""What makes one task's pipeline differ from another's: a small strategy per task type.

A :class:`TaskStrategy` says how a raw input finds its sub-task (language), how it becomes the model's source
text, which result fields a text adds, and which post-processing steps wrap generation
(:mod:`codetrans.serving.steps`: a whole file documented function by function, grounding in a repository,
execution-guided choice among programs). Both backends' single pipeline class
(:mod:`codetrans.serving.logic`) read it; nothing here imports torch or transformers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.serving import steps
from codetrans.tasks import SubTask, get_subtask, get_task_type, serving_subtask

logger = logging.getLogger(__name__)

Step = Callable[..., Any]  # step(pipe, generate, inputs, *args, **kwargs): wraps the next step (or generation)


# -- sub-task (language) of an input ---------------------------------------------------------------

def by_lang(task_type: str, lang: str | None, text: str) -> SubTask:
    return get_subtask(task_type, lang)


def by_code(task_type: str, lang: str | None, text: str) -> SubTask:
    """The language named, else the one the code is written in."""
    from codetrans.lang.tokenize import language_of

    return get_subtask(task_type, language_of(lang, None, text))


def by_code_with_fallback(task_type: str, lang: str | None, text: str) -> SubTask:
    """As :func:`by_code`; a language without this task's sub-task gets the registry's fallback (C#:
    summarization, :data:`codetrans.tasks.FALLBACK_SUBTASKS`)."""
    from codetrans.lang.tokenize import language_of

    return serving_subtask(task_type, language_of(lang, None, text))


def java_unless_named(task_type: str, lang: str | None, text: str) -> SubTask:
    return get_subtask(task_type, lang or "java")


# -- raw input -> the model's source text (without prefix) -----------------------------------------

def collapse_whitespace(text: str, subtask: SubTask) -> str:
    return " ".join(text.split())


def code_tokens(text: str, subtask: SubTask) -> str:
    """Tree-sitter tokens of the code, docstrings dropped (the original CodeTrans's input, made for the user)."""
    from codetrans.lang.tokenize import tokenize_code

    result = tokenize_code(text, subtask.lang, drop_docstrings=True)
    if result.partial:
        logger.warning("the %s input does not parse cleanly; using the parser's error recovery", subtask.lang)
    return result.text


def diff_lines(text: str, subtask: SubTask) -> str:
    from codetrans.lang.diff import normalize_diff

    source = normalize_diff(text)
    if not source:
        raise CodeTransError("the diff has no changed lines")
    return source


def api_words(text: str, subtask: SubTask) -> str:
    """A description as the pool's queries are written: first sentence, lower-cased word tokens (so
    "Reads a line of a java.io.File." and "read a line of a java io file" find the same pairs)."""
    from codetrans.lang.docstrings import api_query

    query = api_query(text)
    if not query:
        raise CodeTransError(f"the description {text.strip()[:60]!r} has no words to look up")
    return query


def lisp_words(text: str, subtask: SubTask) -> str:
    return " ".join(re.findall(r"\w+|[^\w\s]", text.lower()))


# -- result fields a text adds ---------------------------------------------------------------------

def no_fields(text: str) -> dict[str, Any]:
    return {}


def api_fields(text: str) -> dict[str, Any]:
    return {"api_sequence": text.split()}


def program_fields(text: str) -> dict[str, Any]:
    return {"program": text}


# -- grounding context beyond the neighbours --------------------------------------------------------

def no_context(pool: Any) -> dict[str, Any]:
    return {}


def branch_issue(pool: Any) -> dict[str, Any]:
    """The issue the checked-out branch names (``fix/1234-npe``: ``#1234``), for a history pool of a repository."""
    if pool is None or getattr(pool, "kind", "") != "history" or not getattr(pool, "root", ""):
        return {}
    from codetrans.data.git import current_branch
    from codetrans.lang.diff_facts import branch_reference

    return {"reference": branch_reference(current_branch(pool.root))}


@dataclass(frozen=True)
class TaskStrategy:
    """One task type's part of a pipeline (the rest is the same for every task and backend)."""

    task_type: str
    subtask: Callable[[str, str | None, str], SubTask] = by_lang
    prepare: Callable[[str, SubTask], str] = collapse_whitespace
    fields: Callable[[str], dict[str, Any]] = no_fields
    steps: tuple[Step, ...] = ()  # outermost first; the last one calls generation
    grounds_without_pool: bool = False  # grounded with no pool at all (a diff in its own changelog entry)
    ground_context: Callable[[Any], dict[str, Any]] = no_context  # shared by every input of one call


STRATEGIES: dict[str, TaskStrategy] = {s.task_type: s for s in (
    TaskStrategy("document", subtask=by_code_with_fallback, prepare=code_tokens,
                 steps=(steps.whole_file, steps.ground)),
    TaskStrategy("summarize", subtask=by_code, prepare=code_tokens),
    TaskStrategy("comment", subtask=java_unless_named, prepare=code_tokens, steps=(steps.ground,)),
    TaskStrategy("commit", prepare=diff_lines, steps=(steps.ground,),
                 grounds_without_pool=True, ground_context=branch_issue),
    TaskStrategy("api", prepare=api_words, fields=api_fields, steps=(steps.ground,)),
    TaskStrategy("synthesize", prepare=lisp_words, fields=program_fields, steps=(steps.choose_by_execution,)),
)}


def strategy_for(task: str) -> TaskStrategy:
    """The strategy of a task type, by short or pipeline name (``document``, ``codetrans-document``)."""
    return STRATEGIES[get_task_type(task).name]
