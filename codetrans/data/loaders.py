"""Loaders for the research corpora CodeTrans was trained on.

Each ``load_*`` function reads one file (or a folder of them) and returns :class:`Records`, a list of
dicts that carries a :class:`~codetrans.data.report.SkipReport`. Supervised records have the
contract's columns ``task``/``source``/``target`` plus metadata (``lang``, ``repo``, ``path``, ``id``,
``references``...); ``raw=True`` returns the file's own records (validated) instead.

Malformed lines (wrong field count, bad JSON, missing keys, invalid UTF-8, empty text) are skipped and
counted under a reason, never crash the load and never vanish silently. Files may be gzip-compressed
(``.gz``). A missing file raises :class:`~codetrans.errors.DataError`.

Formats (see ``../shared/data/README.md``):

- CODE-NN: ``id <TAB> id <TAB> title <TAB> code [<TAB> score]``, code newlines flattened to ``\\n``;
  the C# dev set has several references per item in ``ref.txt`` (``id <TAB> reference``).
- NNGen: line i of ``X.diff`` pairs with line i of ``X.msg`` (diffs already tokenized).
- Commits: ``*.jsonl.gz`` with keys repo, sha, date, subject, body, diff, files, language.
- CodeSearchNet / CodeXGLUE code-to-text: JSONL with code/code_tokens/docstring/docstring_tokens.
- AlgoLisp: JSONL with text, args, return_type, short_tree, tests, tags.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from codetrans.data.report import Records, SkipReport
from codetrans.errors import DataError
from codetrans.lang import normalize_diff
from codetrans.tasks import COMMIT, DOC_LANGUAGES, SYNTHESIS, doc_subtask, get_subtask, normalize_lang

#: Languages with a summarization sub-task (CODE-NN).
SUMMARY_LANGUAGES = ("python", "sql", "c_sharp")

COMMIT_KEYS = ("repo", "sha", "date", "subject", "body", "diff", "files", "language")
ALGOLISP_KEYS = ("text", "short_tree")


# ---------------------------------------------------------------------------------------------- io
def _open_binary(path: Path) -> io.BufferedIOBase:
    if not path.exists():
        raise DataError(f"file not found: {path}")
    if path.is_dir():
        raise DataError(f"expected a file, got a directory: {path}")
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def iter_lines(path: str | Path, report: SkipReport) -> Iterator[tuple[int, str]]:
    """(1-based line number, decoded line without its newline); undecodable lines are counted as
    ``non_utf8`` and a truncated/corrupt gzip stream as ``corrupt_gzip``."""
    path = Path(path)
    n = 0
    with _open_binary(path) as fh:
        try:
            for n, raw in enumerate(fh, 1):  # noqa: B007 - n is used after a gzip error
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    report.skip("non_utf8", f"{path.name}:{n}")
                    continue
                yield n, line.rstrip("\r\n")
        except (EOFError, OSError, gzip.BadGzipFile) as exc:  # truncated download, not gzip at all
            report.skip("corrupt_gzip", f"{path.name}:{n + 1}: {exc}")


def _iter_json(path: Path, report: SkipReport) -> Iterator[tuple[int, dict]]:
    for n, line in iter_lines(path, report):
        if not line.strip():
            report.skip("empty_line", f"{path.name}:{n}")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            report.skip("bad_json", f"{path.name}:{n}")
            continue
        if not isinstance(obj, dict):
            report.skip("not_an_object", f"{path.name}:{n}")
            continue
        yield n, obj


def _files(path: str | Path, patterns: tuple[str, ...]) -> list[Path]:
    """``path`` itself, or the files under a folder matching ``patterns`` (sorted, deterministic)."""
    p = Path(path)
    if p.is_dir():
        out = sorted({f for pat in patterns for f in p.rglob(pat) if f.is_file()})
        if not out:
            raise DataError(f"no {' / '.join(patterns)} files in {p}")
        return out
    if not p.exists():
        raise DataError(f"file not found: {p}")
    return [p]


# ------------------------------------------------------------------------------------------ CODE-NN
_CODENN_DIR_LANG = {"csharp": "c_sharp", "c_sharp": "c_sharp", "sql": "sql", "python": "python"}


def _codenn_lang(path: Path, lang: str | None) -> str:
    if lang:
        return normalize_lang(lang)
    for part in reversed(path.parts[:-1]):
        if part.lower() in _CODENN_DIR_LANG:
            return _CODENN_DIR_LANG[part.lower()]
    raise DataError(f"cannot tell the language of CODE-NN file {path}; pass lang= (python, sql, csharp)")


def load_codenn_references(path: str | Path, report: SkipReport | None = None) -> dict[str, list[str]]:
    """``ref.txt``: ``id <TAB> reference`` lines -> {id: [references...]} (order kept)."""
    report = report if report is not None else SkipReport(str(path))
    refs: dict[str, list[str]] = {}
    for n, line in iter_lines(path, report):
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            report.skip("bad_reference_line", f"{Path(path).name}:{n}")
            continue
        refs.setdefault(parts[0].strip(), []).append(parts[1].strip())
    return refs


def load_codenn(path: str | Path, lang: str | None = None, *, references: str | Path | None = None,
                raw: bool = False, tokenize: bool = True) -> Records:
    """CODE-NN ``valid.txt`` / ``dev/dev.txt`` -> summarization records.

    ``source`` is the snippet (its ``\\n`` escapes turned back into newlines) tokenized by
    :func:`codetrans.lang.tokenize_code`; ``target`` the StackOverflow title. For a dev file, a
    ``ref.txt`` beside it (or ``references=``) fills a ``references`` list column keyed by the second
    id; items without one get ``[title]``. Metadata: ``id`` (second id), ``post_id`` (first id), ``score``.
    """
    path = Path(path)
    report = SkipReport(str(path))
    code_lang = _codenn_lang(path, lang)
    subtask = get_subtask("summarize", code_lang)
    ref_path = Path(references) if references else path.with_name("ref.txt")
    refs = load_codenn_references(ref_path, report) if ref_path.exists() else None
    is_dev = refs is not None or path.name.startswith("dev")
    out = Records(report=report)
    for n, line in iter_lines(path, report):
        where = f"{path.name}:{n}"
        if not line.strip():
            report.skip("empty_line", where)
            continue
        f = line.split("\t")
        if len(f) not in (4, 5):
            report.skip("bad_field_count", where)
            continue
        post_id, item_id, title, code = (x.strip() for x in f[:4])
        if not (post_id.isdigit() and item_id.isdigit()):
            report.skip("bad_id", where)
            continue
        if not title or not code:
            report.skip("empty_title_or_code", where)
            continue
        score: float | None = None
        if len(f) == 5 and f[4].strip():
            try:
                score = float(f[4])
            except ValueError:
                report.skip("bad_score", where)
                continue
        code = code.replace("\\n", "\n")  # the corpus flattened real newlines into the two chars \n
        rec: dict = {"id": item_id, "post_id": post_id, "title": title, "code": code,
                     "score": score, "lang": code_lang}
        if not raw:
            source, partial = _tokenize(code, code_lang) if tokenize else (code, False)
            if not source.strip():
                report.skip("no_tokens", where)
                continue
            rec = {"task": subtask.id, "source": source, "target": title, "lang": code_lang,
                   "id": item_id, "post_id": post_id, "score": score, "partial": partial}
        if is_dev:
            rec["references"] = list(refs.get(item_id, [title])) if refs is not None else [title]
        out.append(rec)
        report.keep()
    return out


# ------------------------------------------------------------------------------------------- NNGen
def load_nngen(path: str | Path, *, raw: bool = False) -> Records:
    """NNGen ``X.diff`` + ``X.msg`` (pass either, or the stem) -> commit-generation records.

    Line counts that differ leave the surplus lines counted as ``unpaired_line``.
    """
    p = Path(path)
    stem = p.with_suffix("") if p.suffix in (".diff", ".msg") else p
    diff_path, msg_path = stem.with_name(stem.name + ".diff"), stem.with_name(stem.name + ".msg")
    report = SkipReport(str(diff_path))
    for f in (diff_path, msg_path):
        if not f.exists():
            raise DataError(f"NNGen file not found: {f} (need both {diff_path.name} and {msg_path.name})")
    out = Records(report=report)
    diffs = dict(iter_lines(diff_path, report))
    msgs = dict(iter_lines(msg_path, report))
    last = max([0, *diffs, *msgs])
    for n in range(1, last + 1):
        where = f"{stem.name}:{n}"
        d, m = diffs.get(n), msgs.get(n)
        if d is None and m is None:
            continue  # already counted as non_utf8 on both sides
        if d is None or m is None:
            report.skip("unpaired_line", where)
            continue
        if not d.strip() or not m.strip():
            report.skip("empty_diff_or_message", where)
            continue
        rec = {"diff": d.strip(), "msg": m.strip(), "id": f"{stem.name}:{n}"} if raw else {
            "task": COMMIT, "source": d.strip(), "target": m.strip(), "lang": "java",
            "id": f"{stem.name}:{n}"}
        out.append(rec)
        report.keep()
    return out


# ----------------------------------------------------------------------------------------- commits
def commit_record(obj: dict, *, normalize: bool = True) -> dict:
    """A commits-schema object -> a commit-generation record (``source`` = normalised diff; ``date``
    kept so history exemplars can be restricted to earlier commits)."""
    return {"task": COMMIT,
            "source": normalize_diff(obj["diff"]) if normalize else obj["diff"],
            "target": obj["subject"].strip(), "lang": str(obj.get("language") or "").lower(),
            "repo": obj["repo"], "id": obj["sha"], "date": str(obj.get("date") or "")}


def load_commits(path: str | Path, *, raw: bool = False, normalize: bool = True) -> Records:
    """``commits/*.jsonl.gz`` (a file or the folder) -> commit-generation records.

    ``source`` is ``normalize_diff(diff)``, ``target`` the subject; metadata ``repo``, ``id`` (sha),
    ``lang`` (the repository's main language, lower-cased).
    """
    files = _files(path, ("*.jsonl.gz", "*.jsonl"))
    report = SkipReport(str(path))
    out = Records(report=report)
    for f in files:
        for n, obj in _iter_json(f, report):
            where = f"{f.name}:{n}"
            missing = [k for k in ("repo", "sha", "subject", "diff") if k not in obj]
            if missing:
                report.skip("missing_keys", f"{where} ({', '.join(missing)})")
                continue
            if not all(isinstance(obj[k], str) for k in ("repo", "sha", "subject", "diff")):
                report.skip("bad_types", where)
                continue
            if not obj["subject"].strip() or not obj["diff"].strip():
                report.skip("empty_diff_or_subject", where)
                continue
            out.append(dict(obj) if raw else commit_record(obj, normalize=normalize))
            report.keep()
    return out


# ----------------------------------------------------------------------- CodeSearchNet / CodeXGLUE
_CSN_LANG = frozenset(DOC_LANGUAGES)  # CodeSearchNet's six
_WS = re.compile(r"\s+")


def first_sentence(doc: str) -> str:
    """The first sentence of a docstring, whitespace-collapsed (fallback when no ``summary`` key)."""
    para = doc.strip().split("\n\n")[0]
    para = _WS.sub(" ", para).strip()
    m = re.search(r"(?<=[.!?])\s", para)
    return para[: m.start()].strip() if m else para


def csn_record(obj: dict, lang: str | None = None, tokenize: bool = True) -> dict | None:
    """A CodeSearchNet/CodeXGLUE (or our extractor's) function dict -> a documentation record, or
    None when it has no usable code or docstring."""
    language = normalize_lang(str(obj.get("language") or lang or ""))
    tokens = obj.get("code_tokens")
    if isinstance(tokens, list) and tokens:
        source = " ".join(str(t) for t in tokens)
    else:
        code = obj.get("code") or obj.get("original_string") or ""
        source = _tokenize(code, language)[0] if (code and tokenize) else code
    target = obj.get("summary") or ""
    if not target:
        dt = obj.get("docstring_tokens")
        target = " ".join(str(t) for t in dt) if isinstance(dt, list) and dt else first_sentence(
            str(obj.get("docstring") or ""))
    if not source.strip() or not target.strip():
        return None
    return {"task": doc_subtask(language), "source": source, "target": target,
            "lang": language, "repo": str(obj.get("repo") or ""), "path": str(obj.get("path") or ""),
            "func_name": str(obj.get("func_name") or ""),
            "id": str(obj.get("url") or obj.get("sha") or obj.get("idx") or "")}


def load_codesearchnet(path: str | Path, lang: str | None = None, *, raw: bool = False,
                       tokenize: bool = True) -> Records:
    """CodeSearchNet / CodeXGLUE code-to-text JSONL (``.jsonl`` or ``.jsonl.gz``, a file or a folder)
    -> documentation-generation records. ``source`` = the function's code tokens (tokenized with
    tree-sitter when only ``code`` is given), ``target`` = ``summary`` if present, else the joined
    ``docstring_tokens``, else the docstring's first sentence."""
    files = _files(path, ("*.jsonl.gz", "*.jsonl"))
    report = SkipReport(str(path))
    out = Records(report=report)
    for f in files:
        for n, obj in _iter_json(f, report):
            where = f"{f.name}:{n}"
            language = normalize_lang(str(obj.get("language") or lang or ""))
            if language not in _CSN_LANG:
                report.skip("unsupported_language" if language else "no_language", where)
                continue
            if not any(k in obj for k in ("code", "code_tokens", "original_string")):
                report.skip("missing_keys", f"{where} (code/code_tokens)")
                continue
            if raw:
                out.append(dict(obj))
                report.keep()
                continue
            rec = csn_record(obj, language, tokenize=tokenize)
            if rec is None:
                report.skip("empty_code_or_docstring", where)
                continue
            out.append({**rec, "file": f.name})
            report.keep()
    return out


# ---------------------------------------------------------------------------------------- AlgoLisp
def tree_to_program(tree) -> str:
    """AlgoLisp ``short_tree`` (nested lists of atoms) -> the space-separated Lisp text the models
    produce, e.g. ``["filter", "a", ["partial1", "b", ">"]]`` -> ``( filter a ( partial1 b > ) )``."""
    if isinstance(tree, list):
        return "( " + " ".join(tree_to_program(t) for t in tree) + " )"
    if isinstance(tree, bool):
        return "true" if tree else "false"
    return str(tree)


def load_algolisp(path: str | Path, *, raw: bool = False) -> Records:
    """AlgoLisp JSONL (the original schema: text, args, return_type, short_tree, tests, tags) ->
    ``program_synthese`` records. ``source`` = the description tokens joined by spaces, ``target`` =
    :func:`tree_to_program` of ``short_tree``; ``args`` and ``tests`` ride along as JSON strings
    (their shapes vary per problem, which Arrow columns cannot hold) for execution-based scoring;
    ``file``: the file a record came from (its name gives the split: the generator splits by composition)."""
    files = _files(path, ("*.jsonl.gz", "*.jsonl", "*.json"))
    report = SkipReport(str(path))
    out = Records(report=report)
    for f in files:
        for n, obj in _iter_json(f, report):
            where = f"{f.name}:{n}"
            missing = [k for k in ALGOLISP_KEYS if k not in obj]
            if missing:
                report.skip("missing_keys", f"{where} ({', '.join(missing)})")
                continue
            text = obj["text"]
            text = " ".join(str(t) for t in text) if isinstance(text, list) else str(text)
            tree = obj["short_tree"]
            if not text.strip() or not tree or not isinstance(tree, list | str):
                report.skip("empty_text_or_program", where)
                continue
            if raw:
                out.append(dict(obj))
            else:
                out.append({"task": SYNTHESIS, "source": text.strip(),
                            "target": tree_to_program(tree) if isinstance(tree, list) else tree,
                            "lang": "algolisp", "id": str(obj.get("id", f"{f.name}:{n}")),
                            "args": json.dumps(obj.get("args", {}), sort_keys=True),
                            "return_type": str(obj.get("return_type", "")),
                            "tests": json.dumps(obj.get("tests", [])),
                            "tags": [str(t) for t in obj.get("tags", []) or []], "file": f.name})
            report.keep()
    return out


# --------------------------------------------------------------------------------- research folder
def load_research_folder(root: str | Path) -> list[Records]:
    """Every research corpus found under ``root`` (a ``../shared/data``-like folder), one
    :class:`Records` per file set: ``codenn/*/valid.txt`` + ``dev/dev.txt``, ``nngen/*.diff``,
    ``commits/``, ``**/*algolisp*.jsonl``, and CodeSearchNet-style ``*.jsonl[.gz]`` elsewhere."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"not a directory: {root}")
    found: list[Records] = []
    for f in sorted(root.rglob("*.txt")):
        if f.name in ("valid.txt", "train.txt", "test.txt", "dev.txt") and "codenn" in f.parts:
            found.append(load_codenn(f))
    for f in sorted(root.rglob("*.diff")):
        if f.with_suffix(".msg").exists():
            found.append(load_nngen(f))
    for d in sorted({p.parent for p in root.rglob("*.jsonl*")}):
        files = [p for p in d.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz"))]
        if d.name == "commits":
            found.append(load_commits(d))
        elif "algolisp" in str(d).lower():
            found.append(load_algolisp(d))
        elif files:
            found.append(load_codesearchnet(d))
    return found


def _tokenize(code: str, lang: str | None) -> tuple[str, bool]:
    """(space-joined tree-sitter tokens, partial) of ``code``; unknown languages are detected."""
    from codetrans.errors import CodeTransError
    from codetrans.lang import tokenize_code

    try:
        tok = tokenize_code(code, lang)
    except CodeTransError:
        tok = tokenize_code(code, None)
    return tok.text, bool(tok.partial)
