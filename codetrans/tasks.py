"""The task registry: the one place that knows CodeTrans' tasks, sub-tasks, prefixes and metrics.

Every other module (data builders, the training engine, evaluation, pipelines, the zoo) reads task
facts from here. Names and prefixes follow the original CodeTrans release (Elnaggar et al. 2021) so
that checkpoints laid out like `SEBIS/code_trans_t5_*` work unchanged.

Supervised datasets share one record shape (see :data:`SUPERVISED_COLUMNS`): ``task`` holds a
sub-task id (the original task token, e.g. ``code_documentation_generation_python``), ``source`` the
model input *without* its prefix, ``target`` the reference output. The prefix is added by
:func:`format_input` when the data reaches a model, so datasets stay reusable across prefix schemes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codetrans.errors import CodeTransError

#: Columns every supervised record has; builders may add metadata columns (repo, path, lang, ...).
SUPERVISED_COLUMNS: tuple[str, ...] = ("task", "source", "target")
#: Column of self-supervised (span-corruption) corpora.
PRETRAIN_COLUMN = "text"

#: The languages the tree-sitter layer handles, by canonical name.
CODE_LANGUAGES: tuple[str, ...] = ("python", "java", "go", "php", "ruby", "javascript", "c_sharp", "sql")


@dataclass(frozen=True)
class TaskType:
    """One of the six task types (what a pipeline serves)."""

    name: str  # short name used by the CLI: document, summarize, ...
    pipeline: str  # transformers pipeline name
    title: str
    input_kind: str  # "code", "diff" or "text": how raw input is preprocessed
    metric: str  # headline metric: smoothed_bleu, corpus_bleu or execution_accuracy
    hub_stem: str  # the part of SEBIS hub names after the size


@dataclass(frozen=True)
class SubTask:
    """A (task type, language) pair: the unit datasets, models and tables are keyed by."""

    id: str  # the original task token
    task: str  # TaskType.name
    lang: str  # canonical language (CODE_LANGUAGES), "english" for the API query, "algolisp"
    prefix: str  # the original input prefix, trailing space included
    hub_suffix: str = ""  # language suffix of SEBIS hub names ("" for single-language tasks)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def type(self) -> TaskType:
        return TASK_TYPES[self.task]

    @property
    def metric(self) -> str:
        return self.type.metric

    @property
    def pipeline(self) -> str:
        return self.type.pipeline


TASK_TYPES: dict[str, TaskType] = {
    t.name: t
    for t in (
        TaskType("document", "codetrans-document", "code documentation generation", "code",
                 "smoothed_bleu", "code_documentation_generation"),
        TaskType("summarize", "codetrans-summarize", "source code summarization", "code",
                 "smoothed_bleu", "source_code_summarization"),
        TaskType("comment", "codetrans-comment", "code comment generation", "code",
                 "smoothed_bleu", "code_comment_generation"),
        TaskType("commit", "codetrans-commit", "git commit message generation", "diff",
                 "corpus_bleu", "commit_generation"),
        TaskType("api", "codetrans-api", "API sequence recommendation", "text",
                 "smoothed_bleu", "api_generation"),
        TaskType("synthesize", "codetrans-synthesize", "program synthesis", "text",
                 "execution_accuracy", "program_synthese"),
    )
}

# The original's language names in task tokens / prefixes differ from tree-sitter's for C#.
_ORIGINAL_LANG = {"c_sharp": "csharp"}


def _doc(lang: str) -> SubTask:
    return SubTask(f"code_documentation_generation_{lang}", "document", lang,
                   f"function documentation generation {lang}: ", f"_{lang}")


def _sum(lang: str) -> SubTask:
    o = _ORIGINAL_LANG.get(lang, lang)
    return SubTask(f"source_code_summarization_{o}", "summarize", lang,
                   f"source code summarization {o}: ", f"_{o}")


SUBTASKS: dict[str, SubTask] = {
    s.id: s
    for s in (
        *(_doc(lang) for lang in ("python", "java", "go", "php", "ruby", "javascript")),
        *(_sum(lang) for lang in ("python", "sql", "c_sharp")),
        SubTask("code_comment_generation_java", "comment", "java", "code comment java: ", "_java"),
        SubTask("commit_generation", "commit", "java", "diffs in code: "),
        SubTask("api_generation", "api", "english", "description for api: "),
        SubTask("program_synthese", "synthesize", "algolisp", "program synthesis: "),
    )
}


def normalize_lang(lang: str) -> str:
    """Map user spellings (``csharp``, ``c#``, ``js``, ``py``...) to the canonical language name."""
    key = lang.strip().lower().replace("-", "_")
    aliases = {"csharp": "c_sharp", "c#": "c_sharp", "cs": "c_sharp", "js": "javascript",
               "py": "python", "rb": "ruby", "golang": "go", "node": "javascript"}
    return aliases.get(key, key)


def get_task_type(name: str) -> TaskType:
    """A task type by short name (``document``) or pipeline name (``codetrans-document``)."""
    key = name.removeprefix("codetrans-")
    if key not in TASK_TYPES:
        raise CodeTransError(f"unknown task {name!r}; known tasks: {', '.join(TASK_TYPES)}")
    return TASK_TYPES[key]


def get_subtask(task: str, lang: str | None = None) -> SubTask:
    """Resolve a sub-task from its id, or from a task type plus language.

    ``get_subtask("code_documentation_generation_python")``, ``get_subtask("document", "python")``
    and ``get_subtask("commit")`` all work; unknown combinations raise :class:`CodeTransError`
    listing what exists.
    """
    if task in SUBTASKS:
        return SUBTASKS[task]
    ttype = get_task_type(task)
    candidates = [s for s in SUBTASKS.values() if s.task == ttype.name]
    if lang is None:
        if len(candidates) == 1:
            return candidates[0]
        raise CodeTransError(
            f"task {ttype.name!r} needs a language; one of: {', '.join(s.lang for s in candidates)}")
    want = normalize_lang(lang)
    for s in candidates:
        if s.lang == want:
            return s
    raise CodeTransError(
        f"task {ttype.name!r} has no language {lang!r}; available: {', '.join(s.lang for s in candidates)}")


def subtasks_of(task: str) -> list[SubTask]:
    """All sub-tasks of a task type."""
    ttype = get_task_type(task)
    return [s for s in SUBTASKS.values() if s.task == ttype.name]


def format_input(subtask: str | SubTask, source: str) -> str:
    """The model input for a sub-task: the original prefix followed by the (tokenized) source."""
    st = subtask if isinstance(subtask, SubTask) else get_subtask(subtask)
    return st.prefix + source


def strip_prefix(text: str) -> tuple[SubTask | None, str]:
    """Split a model input back into (sub-task, source); (None, text) when no known prefix leads."""
    for st in SUBTASKS.values():
        if text.startswith(st.prefix):
            return st, text[len(st.prefix):]
    return None, text
