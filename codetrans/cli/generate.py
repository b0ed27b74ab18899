"""`codetrans document|summarize|comment|commit|api|synthesize`: run a task's pipeline from the shell.

Input comes from files or stdin ('-' or nothing); output is plain text or JSON lines (``--json``).
The model comes from ``--model`` (a directory or zoo id) or the task's default model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.tasks import get_task_type


def _input_kind(command: str) -> str:
    """How a command reads its input (the registry's word): "code" and "diff" from files, "text" from words."""
    return get_task_type(command).input_kind


def add_arguments(parser: argparse.ArgumentParser) -> None:
    command = parser.get_default("command")
    if _input_kind(command) == "text":  # a query / description: words on the command line
        parser.add_argument("text", nargs="*", help="the query / description ('-' or nothing: stdin)")
    else:
        parser.add_argument("files", nargs="*", default=["-"], help="input files ('-' or nothing: stdin)")
    parser.add_argument("--model", "-m", help="model directory or zoo id (default: the task's default model)")
    if _input_kind(command) == "code":
        parser.add_argument("--lang", help="language (default: from the file extension, else detected)")
    if command == "document":
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
    if command in ("document", "commit", "comment"):
        parser.add_argument("--min-confidence", type=float, default=None, metavar="P",
                            help="write answers whose confidence (the verifier's, 0-1) is at least P; the others are "
                                 "listed as 'not sure' with their best candidate (default: the model's threshold, "
                                 "chosen for >= 90%% correct on judged validation data; 0 writes every answer)")
    if command == "commit":
        parser.add_argument("--install-hook", action="store_true",
                            help="install a prepare-commit-msg hook in the current git repository")
        parser.add_argument("--force", action="store_true", help="with --install-hook: replace a foreign hook")
        parser.add_argument("--staged", action="store_true", help="suggest a subject for the staged changes of the "
                            "current repository (git diff --staged)")
        parser.add_argument("--message", action="store_true", help="print a commit message: the subject, then where "
                            "it came from as a '#' comment line (git drops it); what the hook writes")
    if command == "synthesize":
        parser.add_argument("--arg", action="append", default=[], metavar="NAME=JSON",
                            help="run the program on this input, e.g. --arg 'a=[1,2,3]'")
        parser.add_argument("--example", action="append", default=[], metavar="'NAME=JSON, ... -> JSON'",
                            help="an input -> output example the program must meet (repeatable), e.g. "
                                 "--example 'a=[1,2,3] -> 6': the first of the beams' programs that meets all wins")
        parser.add_argument("--no-check", action="store_true", help="the model's best program as it is: no check "
                            "that it runs (by default it must run on sample inputs, or meet the --example's)")
    ctx = parser.add_argument_group("repository context (models trained with exemplars)")
    if _input_kind(command) in ("code", "diff"):
        what = {"commit": "the current repository's history, when the model takes context",
                "summarize": "the model's index of its training pairs, when the model takes context"}.get(
            command, "the documented functions of the file's repository (git root, else its folder), with any "
                     "model: the nearest ones, edited, compete with the model's text")
        ctx.add_argument("--context", metavar="PATH", help=f"draw exemplars from the repository at PATH (git root, "
                         f"else the folder; default: {what})")
    ctx.add_argument("--no-context", action="store_true", help="the model's text alone: no exemplars, no grounding")
    ctx.add_argument("--k", type=int, default=None, help="exemplars per input (default: the model's)")
    parser.add_argument("--json", action="store_true", help="JSON lines output")
    parser.add_argument("--beams", type=int, default=None,
                        help="beam size (default: the model's tuned decoding, else the task's: 4)")
    parser.add_argument("--no-repeat-ngram", type=int, default=None,
                        help="block repeated n-grams of this size, 0 = off (default: the model's / task's)")
    parser.add_argument("--max-new-tokens", type=int, default=None,
                        help="longest output in tokens (default: the model's / task's)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--backend", choices=["auto", "torch", "ct2"], default="auto",
                        help="inference engine: ct2 (CTranslate2, exported once beside the model), torch, or "
                        "auto: ct2 when installed, else torch (default: %(default)s)")
    parser.add_argument("--quantization", choices=["int8", "int8_float32", "float32"], default=None,
                        help="weights: for ct2 the export's type (default int8); for torch, int8 applies "
                        "dynamic int8 quantization (default: float)")


def _inputs(args: argparse.Namespace) -> list[tuple[str | None, str]]:
    from codetrans.cli._source import read_source

    if args.command == "commit" and getattr(args, "staged", False):
        from codetrans.data.git import staged_diff

        if args.files != ["-"]:
            raise CodeTransError("--staged reads the staged changes: give no diff files")
        return [(None, staged_diff("."))]
    if _input_kind(args.command) == "text":
        words = args.text
        if not words or words == ["-"]:
            from codetrans.safeio import read_input

            return [(None, read_input("-")[0])]
        return [(None, " ".join(words))]
    if args.command == "document" and (args.check or args.fix):
        from codetrans.apps.doccheck import read_checked

        inputs, skipped = read_checked(args.files)  # a binary or huge file must not hide the others' findings
        for line in skipped:
            print(line, file=sys.stderr)
        return inputs
    inputs = []
    seen: set[str] = set()
    for path in args.files:
        if path != "-":  # f.py and ./f.py are one file: read (and with --write, rewrite) it once
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
        text, name = read_source(path)
        inputs.append((name, text))
    return inputs


def _parse_args(pairs: list[str]) -> dict[str, Any]:
    from codetrans.algolisp.guided import parse_arg_value

    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise CodeTransError(f"--arg takes NAME=JSON, got {pair!r}")
        out[name] = parse_arg_value(name, value)  # JSON, or a bare word string; broken JSON is refused
    return out


def _quiet_transformers() -> None:
    """Weight-loading bars and notices are noise on a CLI; without importing transformers (slow) if the
    CTranslate2 backend never needs it."""
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    else:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def _install_hook(args: argparse.Namespace) -> int:
    from codetrans.apps.githook import install_hook

    if args.model is None:
        from codetrans.serving.zoo import resolve

        resolve(None, task="commit")  # fail now, not at every commit
    hook = install_hook(".", model=args.model, force=args.force)
    print(f"installed {hook}")
    return 0


def run(args: argparse.Namespace) -> int:
    from codetrans.serving.pipelines import pipeline

    _quiet_transformers()
    command = args.command
    if command == "commit" and args.install_hook:
        return _install_hook(args)
    checking = command == "document" and (args.check or args.fix)
    if command == "document" and (args.write or checking) and "-" in args.files:
        raise CodeTransError(f"{'--write' if args.write else '--check/--fix'} needs files, not stdin")
    options = _check_options(args) if checking else None  # bad flags fail before the model loads
    from codetrans.generation import check_batch_size, check_generate_options

    # Options not given stay unset: the pipeline fills in the model's (or task's) decoding defaults.
    generate: dict[str, Any] = {k: v for k, v in (("max_new_tokens", args.max_new_tokens), ("num_beams", args.beams),
                                                  ("no_repeat_ngram_size", args.no_repeat_ngram)) if v is not None}
    generate = check_generate_options(generate)  # bad values fail before the model loads
    generate["batch_size"] = check_batch_size(args.batch_size)
    inputs = _inputs(args)  # bad input fails before the model loads
    if command == "synthesize":
        from codetrans.algolisp.guided import as_examples

        if args.example and args.no_check:
            raise CodeTransError("--example and --no-check contradict each other")
        generate.update(examples=as_examples(args.example) or None, check=not args.no_check)
        if args.arg:
            generate["args"] = _parse_args(args.arg)
    if getattr(args, "k", None) is not None:
        from codetrans.serving.context import check_k

        generate["k"] = check_k(args.k)
    if getattr(args, "context", None) and getattr(args, "no_context", False):
        raise CodeTransError("--context and --no-context contradict each other")
    min_confidence = getattr(args, "min_confidence", None)
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise CodeTransError(f"--min-confidence must be between 0 and 1, got {min_confidence}")
    pipe = pipeline(command, model=args.model, backend=args.backend, quantization=args.quantization)
    threshold = min_confidence if min_confidence is not None else getattr(pipe, "write_threshold", lambda: None)()
    from codetrans.serving.context_policy import ContextPolicy

    pools = ContextPolicy(pipe, command, explicit=getattr(args, "context", None),
                          off=getattr(args, "no_context", False), k=getattr(args, "k", None), notify=_note)
    if options is not None:
        return _check_docs(pipe, inputs, pools, generate, options, fix=args.fix, threshold=threshold, stale=args.stale)
    for name, text in inputs:
        kwargs = dict(generate)
        pool = pools.get(name)
        if pool is not None:
            kwargs["context"] = pool
        elif command == "commit" and getattr(args, "no_context", False):
            kwargs["ground"] = False  # a commit is grounded in its own changelog entry even with no history
        if getattr(args, "lang", None) or (name and _input_kind(command) == "code"):
            from codetrans.lang.tokenize import language_of

            kwargs["lang"] = language_of(getattr(args, "lang", None), name, text)
        if command == "document" and args.write:
            _write_docs(pipe, name, text, kwargs, backup=not args.no_backup, threshold=threshold)
            continue
        if command == "document":
            _document_streaming(pipe, name, text, kwargs, args.json, threshold)
            continue
        results = pipe(text, **kwargs)
        for r in results:
            if name:
                r = {"path": name, **r}
            if args.json:
                print(json.dumps(r, ensure_ascii=False, default=str))
            else:
                line = _tagged(r, getattr(args, "message", False), threshold)
                if "result" in r:
                    line += f"  => {r['result']}"
                elif "error" in r:
                    line += f"  (error: {r['error']})"
                print(line)
    return 0


def _tagged(result: dict[str, Any], message: bool, threshold: float | None = None) -> str:
    """The text with where it came from: ``  [provenance; confidence]``, or for ``--message`` a ``#`` line git
    drops. Under the confidence threshold the text is "not sure": for ``--message`` (what the hook writes)
    it goes into the comment only, so that it never becomes the subject unless the user keeps it."""
    from codetrans.apps.docwriter import answer_tag, not_sure

    tag = answer_tag(result)
    text = result["generated_text"]
    if not_sure(result, threshold):
        if message:
            return f"\n# codetrans: not sure ({tag}); a candidate subject, uncomment it to keep it:\n# {text}"
        return f"(not sure) {text}  [{tag}]"
    if not tag:
        return text
    return text + (f"\n# codetrans: {tag}" if message else f"  [{tag}]")


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


def _note(text: str) -> None:
    print(f"context: {text}", file=sys.stderr)


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
                print(f"{where}{r['start_line']} {r['func_name']}: {_tagged(r, False, threshold)}", flush=True)
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
