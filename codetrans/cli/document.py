"""`codetrans document`: documentation for the functions of source files — printed, written into the files
(``--write``), or checked (``--check``/``--fix``, the pre-commit hook codetrans-docs).

The shared flags and loop of the generation commands: :mod:`codetrans.cli.generate`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from codetrans.cli import generate as G
from codetrans.errors import CodeTransError


def _own_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--write", action="store_true",
                        help="insert the generated docs into the files, only where none exist")
    parser.add_argument("--no-backup", action="store_true", help="with --write: do not keep FILE.orig")
    check = parser.add_argument_group("checking (the pre-commit hook codetrans-docs)")
    check.add_argument("--check", action="store_true", help="list undocumented functions with a suggestion "
                       "each; exit 1 if there is any (files of other languages are skipped)")
    check.add_argument("--fix", action="store_true", help="like --check, and insert the suggestions (no backup)")
    check.add_argument("--stale", action="store_true", help="with --check/--fix: also list existing docstrings "
                       "the verifier says do not describe their function (exit 1 if there is any)")
    check.add_argument("--langs", default=None, help="with --check/--fix: only these languages, e.g. python,java")
    check.add_argument("--skip-private", action="store_true", help="with --check/--fix: leave private "
                       "functions out (_name, #name, lower-case Go names, Java/PHP private)")
    check.add_argument("--skip-tests", action="store_true", help="with --check/--fix: leave test functions "
                       "and test files out")
    check.add_argument("--min-lines", type=int, default=1, help="with --check/--fix: only functions of at least "
                       "this many lines (default: %(default)s)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    G.add_arguments(parser, _own_arguments)


def run(args: argparse.Namespace) -> int:
    G.quiet_transformers()
    checking = args.check or args.fix
    if (args.write or checking) and "-" in args.files:
        raise CodeTransError(f"{'--write' if args.write else '--check/--fix'} needs files, not stdin")
    options = _check_options(args) if checking else None  # bad flags fail before the model loads
    generate = G.generation_options(args)
    inputs = _checked_inputs(args.files) if checking else G.read_inputs(args)
    pipe, threshold, pools = G.open_pipeline(args)
    if options is not None:
        return _check_docs(pipe, inputs, pools, generate, options, fix=args.fix, threshold=threshold, stale=args.stale)
    for name, text in inputs:
        kwargs = G.input_options(args, generate, pools, name, text)
        if args.write:
            _write_docs(pipe, name, text, kwargs, backup=not args.no_backup, threshold=threshold)
        else:
            _document_streaming(pipe, name, text, kwargs, args.json, threshold)
    return 0


def _checked_inputs(files: list[str]) -> list[tuple[str, str]]:
    from codetrans.apps.doccheck import read_checked

    inputs, skipped = read_checked(files)  # a binary or huge file must not hide the others' findings
    for line in skipped:
        print(line, file=sys.stderr)
    return inputs


def _check_options(args: argparse.Namespace) -> Any:
    from codetrans.apps.doccheck import CheckOptions
    from codetrans.lang.extract import EXTRACT_LANGUAGES

    # --check/--fix print findings and --fix writes: another output mode is a contradiction, not ignored
    other = [flag for flag, on in (("--write", args.write), ("--json", args.json)) if on]
    if other:
        raise CodeTransError(f"{'--fix' if args.fix else '--check'} cannot be combined with {' or '.join(other)}"
                             f"{'; --fix writes the suggestions itself' if args.write else ''}")
    langs = None
    if args.langs:
        langs = frozenset(x.strip() for x in args.langs.split(",") if x.strip())
        unknown = sorted(langs - set(EXTRACT_LANGUAGES))
        if unknown:
            raise CodeTransError(f"--langs: unknown {', '.join(unknown)}; choose from {', '.join(EXTRACT_LANGUAGES)}")
    if args.min_lines < 1:
        raise CodeTransError("--min-lines must be at least 1")
    return CheckOptions(langs=langs, skip_private=args.skip_private, skip_tests=args.skip_tests,
                        min_lines=args.min_lines)


def _check_stale(pipe: Any, name: str, text: str, lang: str) -> int:
    """``--stale``: one line per documented function whose docstring the verifier doubts; their number."""
    from codetrans.apps.stale import stale_docstrings

    verifier = pipe.verifier()
    if verifier is None:
        raise CodeTransError("--stale needs a model with a verifier (verifier.json.gz); this one has none")
    found = stale_docstrings(text, lang, verifier)
    for f in found:
        print(f"{name}:{f['start_line']} {f['func_name']}: stale docstring? {f['summary']!r} (confidence "
              f"{f['confidence']:.2f} that it describes the function)", flush=True)
    return len(found)


def _check_docs(pipe: Any, inputs: list, pools: Any, generate: dict[str, Any], options: Any, fix: bool,
                threshold: float | None = None, stale: bool = False) -> int:
    """``document --check/--fix``: one line per undocumented function with its suggestion (and with ``stale``
    per doubtful docstring); exit 1 while any is left undocumented (``--fix`` inserts them first) or doubtful."""
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
            print(f"{name}:{problem}", file=sys.stderr)
            unparsed += 1
            continue
        doubtful += _check_stale(pipe, name, text, lang) if stale else 0
        funcs = to_check(text, lang, name, options)
        if not funcs:
            continue
        kwargs = {**generate, "lang": lang}
        pool = pools.get(name)
        if pool is not None:
            kwargs["context"] = pool
        results = pipe.document_file(text, funcs, **kwargs)
        for f, r in zip(funcs, results):
            print(finding_line(name, f, r), flush=True)
        files += 1
        if not fix:
            missing += len(funcs)
            continue
        by_place = {f["start_byte"]: r for f, r in zip(funcs, results)}
        written = write_docs(pipe, name, text, lang, backup=False,
                             document=lambda todo, m=by_place: [m[f["start_byte"]] for f in todo],
                             only=lambda f, m=by_place: f["start_byte"] in m, min_confidence=threshold)
        fixed += written.inserted
        missing += len(funcs) - written.inserted
        for note in written.notes:
            print(f"{name}: {note}", file=sys.stderr)
    if fix and fixed:
        print(f"codetrans-docs: documented {fixed} function(s); review and stage the changes", file=sys.stderr)
    if doubtful:
        print(f"codetrans-docs: {doubtful} docstring(s) that may not describe their function", file=sys.stderr)
    if missing:
        print(f"codetrans-docs: {missing} undocumented function(s) in {files} file(s)"
              + ("" if fix else "; run with --fix to insert the suggestions"), file=sys.stderr)
    if unparsed:
        print(f"codetrans-docs: {unparsed} file(s) not checked: syntax errors", file=sys.stderr)
    return 1 if missing or doubtful or unparsed else 0


def _document_batches(pipe: Any, name: str | None, text: str, functions: list[dict], kwargs: dict[str, Any]):
    """Yield (function, result) batch by batch (so results show as they are ready), with a progress bar
    on a terminal. Ctrl-C: what was yielded stays printed; the caller reports how far it got."""
    kwargs = dict(kwargs)
    size = kwargs.get("batch_size") or 8
    bar = None
    if len(functions) > size and sys.stderr.isatty():
        from tqdm.auto import tqdm

        bar = tqdm(total=len(functions), desc=name or "stdin", unit="function", file=sys.stderr, leave=False)
    try:
        for start in range(0, len(functions), size):
            chunk = functions[start:start + size]
            yield from zip(chunk, pipe.document_file(text, chunk, **kwargs))
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()


def _document_streaming(pipe: Any, name: str | None, text: str, kwargs: dict[str, Any], as_json: bool,
                        threshold: float | None = None) -> None:
    functions = pipe._functions(text, kwargs.get("lang"))
    if not functions:
        from codetrans.lang.extract import no_functions_message
        from codetrans.lang.tokenize import detect_language

        raise CodeTransError(no_functions_message(text, kwargs.get("lang") or detect_language(code=text)))
    done = 0
    try:
        for _, r in _document_batches(pipe, name, text, functions, kwargs):
            if name:
                r = {"path": name, **r}
            if as_json:
                print(json.dumps(r, ensure_ascii=False, default=str), flush=True)
            else:
                where = f"{name}:" if name else "line "
                print(f"{where}{r['start_line']} {r['func_name']}: {G.tagged(r, False, threshold)}", flush=True)
            done += 1
    except KeyboardInterrupt:
        print(f"{name or 'stdin'}: interrupted after {done} of {len(functions)} function(s); the results above "
              "are complete", file=sys.stderr)
        raise


def _write_docs(pipe: Any, path: str, text: str, kwargs: dict[str, Any], backup: bool,
                threshold: float | None = None) -> None:
    """``document --write``: :func:`codetrans.apps.docwriter.write_docs`, the model run batch by batch
    (progress bar on a terminal)."""
    from codetrans.apps.docwriter import answer_tag, not_sure, write_docs

    kwargs = dict(kwargs)
    lang = kwargs.pop("lang")

    shown: list[dict] = []

    def document(todo: list[dict]) -> list[dict]:
        results = [r for _, r in _document_batches(pipe, path, text, todo, {**kwargs, "lang": lang})]
        shown.extend(results)
        return results

    written = write_docs(pipe, path, text, lang, backup=backup, document=document, min_confidence=threshold)
    for note in written.notes:
        print(f"{path}: {note}", file=sys.stderr)
    if written.inserted:  # where each inserted text came from (the file itself gets only the text)
        for r in shown:
            if r.get("generated_text", "").strip() and not not_sure(r, threshold):
                tag = answer_tag(r)
                print(f"{path}:{r['start_line']} {r['func_name']}: {r['generated_text']}" + (f"  [{tag}]" if tag else ""))
    print(f"{path}: {written.message}")
