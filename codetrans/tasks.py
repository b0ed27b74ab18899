"""The task registry: the one place that knows CodeTrans' tasks, sub-tasks, prefixes and metrics.

Every other module (data builders, the training engine, evaluation, pipelines, the zoo) reads task
facts from here. Names and prefixes follow the original CodeTrans release (Elnaggar et al. 2021) so
that checkpoints laid out like `SEBIS/code_trans_t5_*` work unchanged.

Two words, used the same way everywhere: a **task type** (:class:`TaskType`, named ``document``,
``summarize``, ... : what a pipeline and a CLI command serve) and a **sub-task** (:class:`SubTask`, a
task type in one language, identified by the original task token such as
``code_documentation_generation_python``: what datasets, models and tables are keyed by).

Supervised datasets share one record shape (see :data:`SUPERVISED_COLUMNS`): the ``task`` column holds
a sub-task id (the column keeps its name so saved corpora stay readable), ``source`` the model input
*without* its prefix, ``target`` the reference output. The prefix is added by :func:`format_input` when
the data reaches a model, so datasets stay reusable across prefix schemes.

Besides prefixes and metrics the registry holds what the other layers show about a task type: how its
input is read (``input_kind``), where training pairs come from (``harvested_from``), the demo's tab
label and examples, and the model card's widget example and intended-use sentence.
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
#: File extensions of each language: the one map (grammars, file walks, repository pools read it).
#: Other languages appear only where a repository's main language is named (commit corpora); they are
#: never parsed. Rarer spellings (``.pyi`` stubs, ``.rake``, ``.inc``, which is as often C as PHP) are
#: left out, so what a file walk harvests and what a path is parsed as agree (pass ``--lang`` for those).
LANGUAGE_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "python": (".py",), "java": (".java",), "go": (".go",), "javascript": (".js", ".mjs", ".cjs", ".jsx"),
    "php": (".php",), "ruby": (".rb",), "c_sharp": (".cs",), "sql": (".sql",),
    "kotlin": (".kt", ".kts"), "typescript": (".ts",), "c": (".c", ".h"), "cpp": (".cc", ".cpp"),
    "rust": (".rs",), "scala": (".scala",), "swift": (".swift",),
}
#: Extension -> language, for the languages CodeTrans parses.
EXTENSIONS: dict[str, str] = {ext: lang for lang, exts in LANGUAGE_EXTENSIONS.items() if lang in CODE_LANGUAGES
                              for ext in exts}
#: Extension -> language, every language named above (a repository's main language).
ALL_EXTENSIONS: dict[str, str] = {ext: lang for lang, exts in LANGUAGE_EXTENSIONS.items() for ext in exts}
#: How a language is written for people (a repository's main language in commit records).
LANGUAGE_TITLES: dict[str, str] = {
    "python": "Python", "java": "Java", "go": "Go", "javascript": "JavaScript", "php": "PHP", "ruby": "Ruby",
    "c_sharp": "C#", "sql": "SQL", "kotlin": "Kotlin", "typescript": "TypeScript", "c": "C", "cpp": "C++",
    "rust": "Rust", "scala": "Scala", "swift": "Swift",
}
#: Directory names of vendored (third-party) code: never harvested, never an exemplar.
VENDORED_DIRS: frozenset[str] = frozenset({
    "vendor", "vendored", "_vendor", "third_party", "thirdparty", "third-party", "node_modules", "bower_components",
    "site-packages", "dist-packages", "external",
})


@dataclass(frozen=True)
class TaskType:
    """One of the six task types (what a pipeline serves)."""

    name: str  # short name used by the CLI: document, summarize, ...
    pipeline: str  # transformers pipeline name
    title: str
    input_kind: str  # "code", "diff" or "text": how raw input is preprocessed (and read by the CLI)
    metric: str  # headline metric: smoothed_bleu, corpus_bleu or execution_accuracy
    hub_stem: str  # the part of SEBIS hub names after the size
    harvested_from: str = ""  # "tree" (functions of a working tree), "history" (git log), "" (research data)
    label: str = ""  # the demo's tab label
    use: str = ""  # the model card's intended use, completing "<title> for developers: ..."
    widget: str = ""  # the model card's example input
    examples: tuple[tuple[str, str], ...] = ()  # the demo's examples: (language or "", input)
    # Decoding defaults of every pipeline, CLI command, the demo and the evaluation harness, unless the
    # model's codetrans.json carries its own per sub-task (chosen on validation data by
    # scripts/tune_decoding.py) or the caller passes options. Beam 4 with trigram blocking lifted a weak
    # model from 2.0 to 9.0 smoothed BLEU and ended "the on the on" loops; API sequences and programs
    # repeat n-grams legitimately, so they are not blocked.
    decoding: dict = field(default_factory=dict, compare=False, hash=False)
    # Where exemplars come from, at inference and in augmented corpora: "tree" (the user's repository),
    # "history" (its earlier commits) or "train" (the sub-task's training split: no repository to draw on).
    pool: str = "train"
    grounded: bool = False  # served retrieve-edit-choose from the repository (grounding/documentation.py)
    # What the verifier judges an answer as ("doc": does it describe the function, "commit": the diff), and so
    # where answers carry a confidence, "not sure" and --min-confidence; "": no verifier for this type.
    verifier_kind: str = ""


@dataclass(frozen=True)
class SubTask:
    """A (task type, language) pair: the unit datasets, models and tables are keyed by."""

    id: str  # the original task token
    task_type: str  # TaskType.name
    lang: str  # canonical language (CODE_LANGUAGES), "english" for the API query, "algolisp"
    prefix: str  # the original input prefix, trailing space included
    hub_suffix: str = ""  # language suffix of SEBIS hub names ("" for single-language tasks)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def type(self) -> TaskType:
        return TASK_TYPES[self.task_type]

    @property
    def metric(self) -> str:
        return self.type.metric

    @property
    def pipeline(self) -> str:
        return self.type.pipeline


_DEMO_DOCUMENT = (
    ("python", "def area(width, height):\n    return width * height\n"),
    ("java", "public static int max(int[] values) {\n    int best = values[0];\n    for (int v : values) {\n"
             "        if (v > best) best = v;\n    }\n    return best;\n}\n"),
    ("go", "func Reverse(s string) string {\n\tr := []rune(s)\n\tfor i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {\n"
           "\t\tr[i], r[j] = r[j], r[i]\n\t}\n\treturn string(r)\n}\n"),
    ("php", "function slugify($text) {\n    $text = strtolower(trim($text));\n"
            "    return preg_replace('/[^a-z0-9]+/', '-', $text);\n}\n"),
    ("ruby", "def word_count(text)\n  text.split.each_with_object(Hash.new(0)) { |w, h| h[w] += 1 }\nend\n"),
    ("javascript", "function debounce(fn, ms) {\n  let t;\n  return (...args) => {\n    clearTimeout(t);\n"
                   "    t = setTimeout(() => fn(...args), ms);\n  };\n}\n"),
)

TASK_TYPES: dict[str, TaskType] = {
    t.name: t
    for t in (
        TaskType("document", "codetrans-document", "code documentation generation", "code",
                 "smoothed_bleu", "code_documentation_generation", "tree", "Documentation",
                 "write the docstring summary of a function (or of every function in a file).",
                 "def area(width, height):\n    return width * height", _DEMO_DOCUMENT,
                 decoding={"num_beams": 4, "no_repeat_ngram_size": 3, "length_penalty": 1.0, "max_new_tokens": 48},
                 pool="tree", grounded=True, verifier_kind="doc"),
        TaskType("summarize", "codetrans-summarize", "source code summarization", "code",
                 "smoothed_bleu", "source_code_summarization", "tree", "Summarization",
                 "summarize a code snippet in one line, like a question title.",
                 "SELECT name, COUNT(*) FROM orders GROUP BY name",
                 (("python", "with open('data.csv') as f:\n    rows = [line.split(',') for line in f]\n"),
                  ("sql", "SELECT name, COUNT(*) FROM orders GROUP BY name HAVING COUNT(*) > 1"),
                  ("c_sharp", "var items = list.Where(x => x.Age > 18).OrderBy(x => x.Name).ToList();")),
                 decoding={"num_beams": 4, "no_repeat_ngram_size": 3, "length_penalty": 1.0, "max_new_tokens": 32}),
        TaskType("comment", "codetrans-comment", "code comment generation", "code",
                 "smoothed_bleu", "code_comment_generation", "tree", "Comment",
                 "write the first sentence of a Java method's Javadoc.",
                 "public boolean isEmpty() { return size == 0; }",
                 (("java", "public boolean isEmpty() {\n    return size == 0;\n}\n"),),
                 decoding={"num_beams": 4, "no_repeat_ngram_size": 3, "length_penalty": 1.0, "max_new_tokens": 48},
                 pool="tree", grounded=True, verifier_kind="doc"),
        TaskType("commit", "codetrans-commit", "git commit message generation", "diff",
                 "corpus_bleu", "commit_generation", "history", "Commit message",
                 "propose a commit subject for a staged diff.",
                 "--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-Instal with pip.\n+Install with pip.",
                 (("", "--- a/README.md\n+++ b/README.md\n@@ -1,2 +1,2 @@\n # Project\n-Instal with pip.\n"
                       "+Install with pip.\n"),),
                 decoding={"num_beams": 4, "no_repeat_ngram_size": 3, "length_penalty": 1.0, "max_new_tokens": 32},
                 pool="history", grounded=True, verifier_kind="commit"),
        TaskType("api", "codetrans-api", "API sequence recommendation", "text",
                 "smoothed_bleu", "api_generation", "tree", "API sequence",
                 "recommend a sequence of Java API calls for a natural-language query.",
                 "read a text file line by line",
                 (("", "read a text file line by line"), ("", "parse an xml document")),
                 decoding={"num_beams": 4, "no_repeat_ngram_size": 0, "length_penalty": 1.0, "max_new_tokens": 64},
                 grounded=True),
        TaskType("synthesize", "codetrans-synthesize", "program synthesis", "text",
                 "execution_accuracy", "program_synthese", "", "Program synthesis",
                 "write an AlgoLisp program for a problem description.",
                 "given an array of numbers a , find the sum of its elements",
                 (("", "given an array of numbers a , find the sum of squares of its odd elements"),),
                 decoding={"num_beams": 4, "no_repeat_ngram_size": 0, "length_penalty": 1.0, "max_new_tokens": 128}),
    )
}

#: Task types whose training pairs are harvested from the functions of a working tree.
CODE_TASK_TYPES: tuple[str, ...] = tuple(n for n, t in TASK_TYPES.items() if t.harvested_from == "tree")
#: Task types whose exemplars come from the user's repository (tree or history), and the others.
REPOSITORY_POOL_TYPES: tuple[str, ...] = tuple(n for n, t in TASK_TYPES.items() if t.pool != "train")
GLOBAL_POOL_TYPES: tuple[str, ...] = tuple(n for n, t in TASK_TYPES.items() if t.pool == "train")
#: Task types served grounded (retrieve, edit, choose): in the repository (grounding/documentation.py,
#: grounding/commit.py) or, for API sequences, in the model's index (grounding/api.py).
GROUNDED_TYPES: tuple[str, ...] = tuple(n for n, t in TASK_TYPES.items() if t.grounded)
#: Task types whose answers the verifier judges (a confidence each; "not sure" under the threshold).
VERIFIED_TYPES: tuple[str, ...] = tuple(n for n, t in TASK_TYPES.items() if t.verifier_kind)

# The original's language names in task tokens / prefixes differ from tree-sitter's for C#.
_ORIGINAL_LANG = {"c_sharp": "csharp"}


def _doc(lang: str) -> SubTask:
    return SubTask(f"code_documentation_generation_{lang}", "document", lang,
                   f"function documentation generation {lang}: ", f"_{lang}")


def _sum(lang: str) -> SubTask:
    o = _ORIGINAL_LANG.get(lang, lang)
    return SubTask(f"source_code_summarization_{o}", "summarize", lang,
                   f"source code summarization {o}: ", f"_{o}")


#: The languages of the documentation sub-tasks (CodeSearchNet's six).
DOC_LANGUAGES: tuple[str, ...] = ("python", "java", "go", "php", "ruby", "javascript")
# The single-language sub-tasks' ids, named once so no other module spells them.
COMMENT_JAVA = "code_comment_generation_java"
COMMIT = "commit_generation"
API = "api_generation"
SYNTHESIS = "program_synthese"

SUBTASKS: dict[str, SubTask] = {
    s.id: s
    for s in (
        *(_doc(lang) for lang in DOC_LANGUAGES),
        *(_sum(lang) for lang in ("python", "sql", "c_sharp")),
        SubTask(COMMENT_JAVA, "comment", "java", "code comment java: ", "_java"),
        SubTask(COMMIT, "commit", "java", "diffs in code: "),
        SubTask(API, "api", "english", "description for api: "),
        SubTask(SYNTHESIS, "synthesize", "algolisp", "program synthesis: "),
    )
}


def doc_subtask(lang: str) -> str:
    """The documentation sub-task id of a language (``code_documentation_generation_<lang>``)."""
    return _doc(normalize_lang(lang)).id


def summarize_subtask(lang: str) -> str:
    """The summarization sub-task id of a language (C# keeps the original's ``csharp``)."""
    return _sum(normalize_lang(lang)).id


def normalize_lang(lang: str) -> str:
    """Map user spellings (``csharp``, ``c#``, ``js``, ``py``...) to the canonical language name."""
    if not isinstance(lang, str):  # lang=5 from the Python API: name the argument, not str's missing method
        raise CodeTransError(f"lang= must be a language name such as 'python', got {type(lang).__name__} {lang!r}")
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
    candidates = [s for s in SUBTASKS.values() if s.task_type == ttype.name]
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


#: Languages a task type serves through another sub-task, because the original has none of its own:
#: C# methods are documented with the C# summarization sub-task (the model must have been trained on it).
FALLBACK_SUBTASKS: dict[tuple[str, str], str] = {("document", "c_sharp"): "source_code_summarization_csharp"}


def serving_subtask(task: str, lang: str | None = None) -> SubTask:
    """The sub-task a pipeline uses for a task type and language: :func:`get_subtask`, or the registry's
    fallback (:data:`FALLBACK_SUBTASKS`) for a language the task type has no sub-task of."""
    if lang is not None:
        fallback = FALLBACK_SUBTASKS.get((get_task_type(task).name, normalize_lang(lang)))
        if fallback is not None:
            return SUBTASKS[fallback]
    return get_subtask(task, lang)


def subtasks_of(task: str) -> list[SubTask]:
    """All sub-tasks of a task type."""
    ttype = get_task_type(task)
    return [s for s in SUBTASKS.values() if s.task_type == ttype.name]


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
