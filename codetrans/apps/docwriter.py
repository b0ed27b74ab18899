"""Insert generated documentation into source files, safely.

Only functions without documentation get some. The edited text must parse as cleanly as the
original (tree-sitter reparse check) or nothing is written; files are replaced atomically (write a
temporary file beside it, fsync, rename) and the original is kept as ``FILE.orig`` (never overwriting
an earlier backup: ``FILE.orig.1``, ...) unless the caller opts out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError


def _line_start(src: bytes, offset: int) -> int:
    return src.rfind(b"\n", 0, offset) + 1


def _indent_of(src: bytes, offset: int) -> bytes:
    start = _line_start(src, offset)
    return re.match(rb"[ \t]*", src[start:offset]).group(0)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]


def render_doc(lang: str, text: str, func_name: str = "") -> list[str]:
    """The documentation lines for a language (without indentation)."""
    text = _sentence(text)
    if lang == "python":
        text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        return [f'"""{text}"""']
    if lang in ("java", "javascript", "php"):
        return [f"/** {text.replace('*/', '* /')} */"]
    if lang == "c_sharp":
        safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return [f"/// <summary>{safe}</summary>"]
    if lang == "go":
        name = func_name.rsplit(".", 1)[-1]
        return [f"// {name} {text[:1].lower()}{text[1:]}" if name and not text.startswith(name) else f"// {text}"]
    if lang == "ruby":
        return [f"# {text}"]
    raise CodeTransError(f"cannot write documentation into {lang} files")


def insert_docs(source: str, lang: str, docs: list[tuple[dict, str]]) -> tuple[str, int, list[str]]:
    """Insert ``(function, text)`` docs (functions from :func:`codetrans.lang.list_functions`).

    Returns (new source, number inserted, notes on functions skipped). Raises CodeTransError when the
    result would not parse as cleanly as the input.
    """
    from codetrans.lang.grammars import get_parser

    src = source.encode("utf-8", "surrogatepass")
    if get_parser(lang).parse(src).root_node.has_error:
        # tree-sitter's error recovery can attach a function's body to the wrong parent, so a doc meant
        # for one function could land elsewhere: never rewrite a file that does not parse.
        raise CodeTransError("the file has syntax errors; fix them first (nothing written)")
    nl = b"\r\n" if b"\r\n" in src else b"\n"  # keep the file's line endings
    notes: list[str] = []
    edits: list[tuple[int, bytes]] = []
    for func, text in docs:
        if func.get("documented"):
            continue
        if not text.strip():
            notes.append(f"{func['func_name']}: the model produced no text; left undocumented")
            continue
        lines = render_doc(lang, text, func["func_name"])
        if lang == "python":
            body = func.get("body_start_byte")
            if body is None:
                notes.append(f"{func['func_name']}: no body found")
                continue
            if _line_start(src, body) <= func["start_byte"]:
                notes.append(f"{func['func_name']}: body on the def line; left undocumented")
                continue
            indent = _indent_of(src, body)
            edits.append((body, lines[0].encode() + nl + indent))
        else:
            anchor = func["anchor_start_byte"]
            if src[_line_start(src, anchor):anchor].strip():
                notes.append(f"{func['func_name']}: shares its line with other code; left undocumented")
                continue
            indent = _indent_of(src, anchor)
            block = b"".join(line.encode() + nl + indent for line in lines)
            edits.append((anchor, block))
    new = src
    for offset, text in sorted(edits, key=lambda e: -e[0]):  # bottom-up keeps offsets valid
        new = new[:offset] + text + new[offset:]
    if edits:
        parser = get_parser(lang)
        if parser.parse(new).root_node.has_error:
            raise CodeTransError("inserting the documentation would break the file's syntax; nothing written")
    return new.decode("utf-8", "surrogatepass"), len(edits), notes


def undocumented(text: str, lang: str) -> list[dict] | None:
    """The undocumented functions of a file, or None when it does not parse cleanly (the language server then
    offers no action and ``document --check`` passes the file over)."""
    from codetrans.lang.extract import EXTRACT_LANGUAGES, list_functions
    from codetrans.lang.grammars import get_parser

    if lang not in EXTRACT_LANGUAGES or not text.strip():
        return None
    if get_parser(lang).parse(text.encode("utf-8", "surrogatepass")).root_node.has_error:
        return None
    return [f for f in list_functions(text, lang) if not f["documented"]]


def backup_path(path: Path) -> Path:
    """The first free ``FILE.orig`` / ``FILE.orig.N`` name (a dangling symbolic link counts as taken)."""
    candidate = path.with_name(path.name + ".orig")
    n = 1
    while os.path.lexists(candidate):
        candidate = path.with_name(f"{path.name}.orig.{n}")
        n += 1
    return candidate


def write_atomic(path: Path, text: str, backup: bool = True) -> Path | None:
    """Replace ``path``'s content atomically; keep the original as a backup. Returns the backup path.

    :func:`codetrans.safeio.safe_write`: never through a symbolic link (file, backup or temporary file),
    permissions kept, one-line errors for read-only or missing directories.
    """
    from codetrans.safeio import safe_write

    return safe_write(path, text, backup=backup)


@dataclass
class DocsWritten:
    """What :func:`write_docs` did to one file."""

    inserted: int = 0
    notes: list[str] = field(default_factory=list)  # functions skipped, and why
    backup: Path | None = None
    complete: bool = False  # every function had documentation already

    @property
    def message(self) -> str:
        if self.complete:
            return "every function is documented already; unchanged"
        if self.inserted == 0:
            return "nothing inserted; unchanged"
        return f"documented {self.inserted} function(s)" + (f"; original kept as {self.backup}" if self.backup else "")


def not_sure(result: dict, threshold: float | None) -> bool:
    """Whether an answer stays out of files: its confidence is under the threshold (answers without a
    confidence — a model with no verifier — are written, as before verifiers existed)."""
    conf = result.get("confidence")
    return threshold is not None and conf is not None and conf < threshold


def answer_tag(result: dict) -> str:
    """Where an answer came from and how sure the verifier is: ``copied from f (a.py:3); confidence 0.83``
    (empty for the model's text from a model without a verifier). The CLI, the demo and the hook show it."""
    parts = [result["provenance"]] if "provenance" in result else []
    if result.get("confidence") is not None:
        parts.append(f"confidence {result['confidence']:.2f}")
    return "; ".join(parts)


def not_sure_note(func_name: str, result: dict) -> str:
    """How an answer left out of the file is listed: "not sure", its confidence and the best candidate."""
    return (f"{func_name}: not sure (confidence {result['confidence']:.2f}), not written; best candidate: "
            f"{result['generated_text']!r} (--min-confidence {max(0.0, result['confidence'] - 0.005):.2f} writes it)")


def write_docs(pipe: Any, path: str | os.PathLike, text: str, lang: str, backup: bool = True,
               document: Callable[[list[dict]], list[dict]] | None = None,
               only: Callable[[dict], bool] | None = None, min_confidence: float | None = None,
               **generate: Any) -> DocsWritten:
    """Document the undocumented functions of the file ``path`` (content ``text``) with a document pipeline
    and write the result in place (atomically, keeping a backup unless told otherwise).

    ``document``: how to run the model on the functions to document (the CLI passes one that streams
    batches with a progress bar); default ``pipe.document_file(text, functions, lang=lang, **generate)``.
    ``only``: document just the undocumented functions it accepts (``--fix``'s filters).
    ``min_confidence``: answers under it are not written but listed as "not sure" in the notes (default: the
    pipeline's :meth:`~codetrans.serving.logic.TaskLogic.write_threshold`).
    """
    from codetrans.lang.extract import EXTRACT_LANGUAGES, list_functions
    from codetrans.lang.grammars import get_parser
    from codetrans.safeio import read_input

    path = Path(path)
    # refuses a file that is not valid UTF-8 (replaced bytes would be lost)
    if read_input(path, strict_utf8=True)[0] != text:
        raise CodeTransError(f"{path} changed since it was read; left untouched (run again)")
    before = _fingerprint(path)
    if lang not in EXTRACT_LANGUAGES:
        raise CodeTransError(f"{path}: --write supports {', '.join(EXTRACT_LANGUAGES)}, not {lang}")
    if get_parser(lang).parse(text.encode("utf-8", "surrogatepass")).root_node.has_error:
        raise CodeTransError(f"{path} has syntax errors; fix them first (nothing written)")
    todo = [f for f in list_functions(text, lang) if not f["documented"] and (only is None or only(f))]
    if not todo:
        return DocsWritten(complete=True)
    if document is None:
        results = pipe.document_file(text, todo, lang=lang, **generate)
    else:
        results = document(todo)
    if min_confidence is None:
        min_confidence = getattr(pipe, "write_threshold", lambda: None)()
    sure = [(f, r) for f, r in zip(todo, results) if not not_sure(r, min_confidence)]
    unsure = [not_sure_note(f["func_name"], r) for f, r in zip(todo, results) if not_sure(r, min_confidence)]
    new, inserted, notes = insert_docs(text, lang, [(f, r["generated_text"]) for f, r in sure]) if sure else (text, 0, [])
    notes = unsure + notes
    if not inserted:
        return DocsWritten(notes=notes)
    # the model took a while: an edit made meanwhile (an editor saving the file) must not be replaced
    if _fingerprint(path) != before:
        raise CodeTransError(f"{path} changed while it was being documented; left untouched (run again)")
    return DocsWritten(inserted, notes, write_atomic(path, new, backup=backup))


def _fingerprint(path: Path) -> tuple[int, int, str]:
    """Size, modification time and content digest of a file: what 'unchanged since read' compares."""
    import hashlib

    st = path.stat()
    return st.st_size, st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()
