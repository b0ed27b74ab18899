"""`codetrans document` as one library call: documentation for the functions of source files, printed as it is
ready, written into the files (``write``: :mod:`codetrans.apps.docwriter`), or checked (``check``/``fix``, the
pre-commit hook codetrans-docs: :mod:`codetrans.apps.doccheck`). The request, its checks, inputs and pipeline:
:mod:`codetrans.apps.commands`; lines go to ``out`` (results) and ``note`` (remarks) as there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from codetrans.apps.commands import Lines, Opened, Request, call_options, open_pipeline, prepare, shown
from codetrans.apps.doccheck import CheckOptions
from codetrans.errors import CodeTransError


@dataclass(frozen=True)
class DocumentJob:
    """What to do with the documentation: print it (the default), ``write`` it into the files, or ``check``
    the files (``fix``: and insert the suggestions; ``stale``: also doubt existing docstrings)."""

    write: bool = False
    backup: bool = True  #: with ``write``: keep FILE.orig
    check: CheckOptions | None = None
    fix: bool = False
    stale: bool = False


def run(request: Request, job: DocumentJob, out: Lines, note: Lines) -> int:
    """The exit status: 0, or 1 when a check found undocumented functions, doubtful docstrings or
    unparsable files."""
    if (job.write or job.check) and "-" in request.inputs:
        raise CodeTransError(f"{'--write' if job.write else '--check/--fix'} needs files, not stdin")
    generate, inputs = prepare(request, note, lenient=job.check is not None)  # bad input fails before the model loads
    opened = open_pipeline(request, note)
    if job.check is not None:
        return _check(opened, inputs, generate, job, out, note)
    for name, text in inputs:
        kwargs = call_options(request, generate, opened.pools, name, text)
        if job.write:
            _write(opened, name, text, kwargs, job.backup, out, note)
        else:
            _print(opened, name, text, kwargs, request.as_json, out, note)
    return 0


def _batches(pipe: Any, name: str | None, text: str, functions: list[dict],
             kwargs: dict[str, Any]) -> Iterator[tuple[dict, dict]]:
    """(function, result) batch by batch, so results show as they are ready, with a progress bar on a
    terminal. Ctrl-C: what was yielded stays shown; the caller reports how far it got."""
    import sys

    size = kwargs.get("batch_size") or 8
    bar = None
    if len(functions) > size and sys.stderr.isatty():
        from codetrans.log import progress_bar

        bar = progress_bar(total=len(functions), desc=name or "stdin", unit="function", leave=False)
    try:
        for start in range(0, len(functions), size):
            chunk = functions[start:start + size]
            yield from zip(chunk, pipe.document_file(text, chunk, **kwargs))
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()


def _print(opened: Opened, name: str | None, text: str, kwargs: dict[str, Any], as_json: bool, out: Lines,
           note: Lines) -> None:
    functions = opened.pipe._functions(text, kwargs.get("lang"))
    if not functions:
        from codetrans.lang.extract import no_functions_message
        from codetrans.lang.tokenize import detect_language

        raise CodeTransError(no_functions_message(text, kwargs.get("lang") or detect_language(code=text)))
    done = 0
    try:
        for _, r in _batches(opened.pipe, name, text, functions, kwargs):
            if as_json:
                out(json.dumps({"path": name, **r} if name else r, ensure_ascii=False, default=str))
            else:
                out(f"{f'{name}:' if name else 'line '}{r['start_line']} {r['func_name']}: {shown(r, opened.threshold)}")
            done += 1
    except KeyboardInterrupt:
        note(f"{name or 'stdin'}: interrupted after {done} of {len(functions)} function(s); the results above "
             "are complete")
        raise


def _write(opened: Opened, path: str, text: str, kwargs: dict[str, Any], backup: bool, out: Lines,
           note: Lines) -> None:
    """``write``: :func:`codetrans.apps.docwriter.write_docs`, the model run batch by batch; then where each
    inserted text came from (the file itself gets only the text)."""
    from codetrans.apps.docwriter import answer_tag, not_sure, write_docs

    kwargs = dict(kwargs)
    lang = kwargs.pop("lang")
    shown_results: list[dict] = []

    def document(todo: list[dict]) -> list[dict]:
        results = [r for _, r in _batches(opened.pipe, path, text, todo, {**kwargs, "lang": lang})]
        shown_results.extend(results)
        return results

    written = write_docs(opened.pipe, path, text, lang, backup=backup, document=document,
                         min_confidence=opened.threshold)
    for line in written.notes:
        note(f"{path}: {line}")
    if written.inserted:
        for r in shown_results:
            if r.get("generated_text", "").strip() and not not_sure(r, opened.threshold):
                tag = answer_tag(r)
                out(f"{path}:{r['start_line']} {r['func_name']}: {r['generated_text']}" + (f"  [{tag}]" if tag else ""))
    out(f"{path}: {written.message}")


def _stale(opened: Opened, name: str, text: str, lang: str, out: Lines) -> int:
    """``stale``: one line per documented function whose docstring the verifier doubts; their number."""
    from codetrans.apps.stale import stale_docstrings

    verifier = opened.pipe.verifier()
    if verifier is None:
        raise CodeTransError("--stale needs a model with a verifier (verifier.json.gz); this one has none")
    found = stale_docstrings(text, lang, verifier)
    for f in found:
        out(f"{name}:{f['start_line']} {f['func_name']}: stale docstring? {f['summary']!r} (confidence "
            f"{f['confidence']:.2f} that it describes the function)")
    return len(found)


def _check(opened: Opened, inputs: list, generate: dict[str, Any], job: DocumentJob, out: Lines,
           note: Lines) -> int:
    """``check``: one line per undocumented function with its suggestion (and with ``stale`` per doubtful
    docstring); 1 while any is left undocumented (``fix`` inserts them first), doubtful or unparsable."""
    from codetrans.apps.doccheck import finding_line, parse_problem, to_check
    from codetrans.apps.docwriter import write_docs
    from codetrans.lang.extract import EXTRACT_LANGUAGES
    from codetrans.lang.tokenize import detect_language

    missing, files, fixed, doubtful, unparsed = 0, 0, 0, 0, 0
    for name, text in inputs:
        lang = detect_language(path=name)
        if lang not in EXTRACT_LANGUAGES:
            continue  # pre-commit passes every staged file: other languages are not this hook's business
        problem = parse_problem(text, lang)
        if problem:  # never passed silently: exit 1 (codetrans.apps.doccheck)
            note(f"{name}:{problem}")
            unparsed += 1
            continue
        doubtful += _stale(opened, name, text, lang, out) if job.stale else 0
        funcs = to_check(text, lang, name, job.check)
        if not funcs:
            continue
        kwargs = {**generate, "lang": lang}
        pool = opened.pools.get(name)
        if pool is not None:
            kwargs["context"] = pool
        results = opened.pipe.document_file(text, funcs, **kwargs)
        for f, r in zip(funcs, results):
            out(finding_line(name, f, r, opened.threshold))
        files += 1
        if not job.fix:
            missing += len(funcs)
            continue
        by_place = {f["start_byte"]: r for f, r in zip(funcs, results)}
        written = write_docs(opened.pipe, name, text, lang, backup=False,
                             document=lambda todo, m=by_place: [m[f["start_byte"]] for f in todo],
                             only=lambda f, m=by_place: f["start_byte"] in m, min_confidence=opened.threshold)
        fixed += written.inserted
        missing += len(funcs) - written.inserted
        for line in written.notes:
            note(f"{name}: {line}")
    if job.fix and fixed:
        note(f"codetrans-docs: documented {fixed} function(s); review and stage the changes")
    if doubtful:
        note(f"codetrans-docs: {doubtful} docstring(s) that may not describe their function")
    if missing:
        note(f"codetrans-docs: {missing} undocumented function(s) in {files} file(s)"
             + ("" if job.fix else "; run with --fix to insert the suggestions"))
    if unparsed:
        note(f"codetrans-docs: {unparsed} file(s) not checked: syntax errors")
    return 1 if missing or doubtful or unparsed else 0


__all__ = ["DocumentJob", "run"]
