"""`codetrans lsp`: a Language Server (stdio) that documents functions where developers write them.

* **Code actions** on a function without documentation: "Document `name`", and for the file "Document all
  undocumented functions" — each a ``WorkspaceEdit`` inserting the text in the language's style at the
  right indentation, written by :func:`codetrans.serving.docwriter.insert_docs` (the writer of
  ``codetrans document --write``, so the result reparses). Edits are computed on resolve
  (``codeAction/resolve``) when the client supports it, else with the action.
* **Hover** on an undocumented function's first line: the suggestion and where it came from (adapted
  from a named neighbour of the repository, or generated) before anything is applied.
* **Command** ``codetrans.commitMessage``: a subject for the staged diff of the workspace's repository.

The model loads once per server, on first use; the repository index (:mod:`codetrans.serving.grounded`'s
pool) is built in a background thread when a file of the workspace opens and reused (cached by content).
A request cancelled by the client stops between batches; a file that does not parse gets no action and
no error; an exception in one request is logged to the client and never ends the server.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codetrans.errors import CodeTransError
from codetrans.serving.docwriter import undocumented

if TYPE_CHECKING:  # annotations only: lsprotocol is imported where the handlers run
    from lsprotocol import types as T
from codetrans.version import __version__

logger = logging.getLogger(__name__)

#: Seconds a request waits for the repository index before answering with the model alone.
INDEX_WAIT_S = 1.5
BATCH = 8


class Cancelled(Exception):
    """The client cancelled the request: work stopped between batches."""


class Documenter:
    """The model (loaded once, lazily) and one repository pool per root (built in the background)."""

    def __init__(self, model: str | None = None, backend: str = "auto"):
        self.model, self.backend = model, backend
        self._pipe: Any = None
        self._lock = threading.Lock()
        self._pools: dict[str, Future] = {}
        self._builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codetrans-index")

    def pipe(self) -> Any:
        with self._lock:
            if self._pipe is None:
                from codetrans.serving.pipelines import pipeline

                self._pipe = pipeline("document", model=self.model, backend=self.backend)
            return self._pipe

    def warm(self, path: str | Path) -> Future:
        """Start (or reuse) the index of the repository holding ``path``."""
        from codetrans.retrieval.pools import context_root

        root = str(context_root(path))
        with self._lock:
            if root not in self._pools:
                self._pools[root] = self._builder.submit(self._build, root)
            return self._pools[root]

    @staticmethod
    def _build(root: str) -> Any:
        from codetrans.serving.context import resolve_pool

        pool = resolve_pool(root, "document")
        return pool if len(pool) else None

    def pool(self, path: str | Path, wait: float = INDEX_WAIT_S) -> Any:
        """The repository pool of ``path`` if ready within ``wait`` seconds (else None: the model alone)."""
        future = self.warm(path)
        try:
            return future.result(timeout=wait)
        except TimeoutError:
            return None
        except Exception as exc:  # noqa: BLE001 - an unreadable repository: document without it
            logger.warning("no repository index for %s: %s", path, exc)
            return None

    def suggest(self, text: str, lang: str, functions: list[dict], path: str | None,
                stop: threading.Event | None = None) -> list[dict]:
        """Pipeline results (text, provenance) for ``functions`` of ``text``, batch by batch; raises
        :class:`Cancelled` when ``stop`` is set between batches."""
        pipe = self.pipe()
        kwargs: dict[str, Any] = {"lang": lang}
        pool = self.pool(path) if path else None
        if pool is not None:
            kwargs["context"] = pool
        out: list[dict] = []
        for start in range(0, len(functions), BATCH):
            if stop is not None and stop.is_set():
                raise Cancelled()
            out.extend(pipe.document_file(text, functions[start:start + BATCH], **kwargs))
        return out


def text_edits(old: str, new: str) -> list[dict]:
    """Minimal line edits turning ``old`` into ``new`` (LSP ``TextEdit`` shapes, 0-based lines)."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    edits = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        edits.append({"range": {"start": {"line": i1, "character": 0}, "end": {"line": i2, "character": 0}},
                      "newText": "".join(b[j1:j2])})
    return edits


def document_edit(text: str, lang: str, funcs: list[dict], results: list[dict]) -> tuple[str, list[str]]:
    """The file with docs inserted (the ``--write`` writer) and notes on functions left out."""
    from codetrans.serving.docwriter import insert_docs

    new, _, notes = insert_docs(text, lang, [(f, r["generated_text"]) for f, r in zip(funcs, results)])
    return new, notes


def _lang_of(uri: str, language_id: str | None) -> str | None:
    from codetrans.lang.tokenize import detect_language

    ids = {"python": "python", "java": "java", "go": "go", "javascript": "javascript", "javascriptreact": "javascript",
           "php": "php", "ruby": "ruby"}
    return ids.get(language_id or "") or detect_language(path=uri)


# The handlers are module-level functions taking the server as ``ls`` (pygls passes it to a first parameter
# of that name); the per-server state is ``ls.documenter``. lsprotocol and pygls are imported inside them:
# the ``lsp`` extra is optional and ``import codetrans`` stays cheap.


def _doc(ls: Any, uri: str) -> tuple[Any, str | None, str | None]:
    from pygls.uris import to_fs_path

    doc = ls.workspace.get_text_document(uri)
    return doc, _lang_of(uri, doc.language_id), to_fs_path(uri)


async def _in_thread(fn: Any, *args: Any) -> Any:
    """``fn(*args, stop)`` in a worker thread; a cancelled request sets ``stop``."""
    stop = threading.Event()
    try:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args, stop)
    except asyncio.CancelledError:
        stop.set()  # the worker stops at its next batch
        raise


def _log_error(ls: Any, what: str, exc: BaseException) -> None:
    from lsprotocol import types as T

    logger.exception("%s failed", what)
    ls.window_log_message(T.LogMessageParams(type=T.MessageType.Error, message=f"codetrans: {what} failed: {exc}"))


def _edit_for(ls: Any, uri: str, which: str, stop: threading.Event) -> T.WorkspaceEdit | None:
    """The edit documenting function ``which`` of ``uri`` (``"*"``: every undocumented one)."""
    from lsprotocol import types as T

    doc, lang, path = _doc(ls, uri)
    text = doc.source
    funcs = undocumented(text, lang or "")
    if not funcs:
        return None
    if which != "*":
        funcs = [f for f in funcs if f["func_name"] == which][:1]
        if not funcs:
            return None
    results = ls.documenter.suggest(text, lang, funcs, path, stop)
    new, _ = document_edit(text, lang, funcs, results)
    edits = [T.TextEdit(range=T.Range(start=T.Position(**e["range"]["start"]), end=T.Position(**e["range"]["end"])),
                        new_text=e["newText"]) for e in text_edits(text, new)]
    return T.WorkspaceEdit(document_changes=[T.TextDocumentEdit(
        text_document=T.OptionalVersionedTextDocumentIdentifier(uri=uri, version=doc.version), edits=edits)])


def _resolves(ls: Any) -> bool:
    """Whether the client resolves a code action's edit later (``codeAction/resolve``)."""
    caps = ls.client_capabilities.text_document
    action = caps.code_action if caps else None
    return bool(action and action.resolve_support and "edit" in (action.resolve_support.properties or []))


def _did_open(ls: Any, params: T.DidOpenTextDocumentParams) -> None:
    from pygls.uris import to_fs_path

    path = to_fs_path(params.text_document.uri)
    if path:
        ls.documenter.warm(path)  # the repository index builds while the user reads


async def _code_action(ls: Any, params: T.CodeActionParams) -> list[T.CodeAction] | None:
    from lsprotocol import types as T

    try:
        uri = params.text_document.uri
        doc, lang, _ = _doc(ls, uri)
        funcs = undocumented(doc.source, lang or "")
        if not funcs:
            return []
        lo, hi = params.range.start.line + 1, params.range.end.line + 1
        here = [f for f in funcs if f["start_line"] <= hi and f["end_line"] >= lo]
        actions = [T.CodeAction(title=f"Document `{f['func_name']}`", kind=T.CodeActionKind.QuickFix,
                                data={"uri": uri, "function": f["func_name"]}) for f in here]
        actions.append(T.CodeAction(title=f"Document all undocumented functions ({len(funcs)})",
                                    kind=T.CodeActionKind.Source, data={"uri": uri, "function": "*"}))
        if not _resolves(ls):
            for a in actions:
                a.edit = await _in_thread(_edit_for, ls, uri, a.data["function"])
        return actions
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - one failing request must not end the server
        _log_error(ls, "code action", exc)
        return []


async def _resolve(ls: Any, action: T.CodeAction) -> T.CodeAction:
    try:
        data = action.data or {}
        action.edit = await _in_thread(_edit_for, ls, data["uri"], data["function"])
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001
        _log_error(ls, "resolving a code action", exc)
    return action


def _hover_text(ls: Any, uri: str, line: int, stop: threading.Event) -> str | None:
    doc, lang, path = _doc(ls, uri)
    funcs = [f for f in (undocumented(doc.source, lang or "") or []) if f["start_line"] == line + 1]
    if not funcs:
        return None
    r = ls.documenter.suggest(doc.source, lang, funcs[:1], path, stop)[0]
    return f"**codetrans**: {r['generated_text']}\n\n_{r.get('provenance', 'generated')}_"


async def _hover(ls: Any, params: T.HoverParams) -> T.Hover | None:
    from lsprotocol import types as T

    try:
        text = await _in_thread(_hover_text, ls, params.text_document.uri, params.position.line)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001
        _log_error(ls, "hover", exc)
        return None
    return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown, value=text)) if text else None


# pygls reads a command's annotations (typing.get_type_hints) to convert its arguments: keep them resolvable here.
async def _commit_message(ls: Any, args: Any = None) -> str | None:
    from lsprotocol import types as T
    from pygls.uris import to_fs_path

    folders = list(ls.workspace.folders.values())
    root = to_fs_path(folders[0].uri) if folders else (ls.workspace.root_path or ".")
    docs = ls.documenter
    try:
        return await asyncio.get_running_loop().run_in_executor(None, staged_subject, root, docs.model, docs.backend)
    except CodeTransError as exc:
        ls.window_show_message(T.ShowMessageParams(type=T.MessageType.Warning, message=f"codetrans: {exc}"))
        return None


def build_server(documenter: Documenter | None = None) -> Any:
    """The pygls server with the features of the module doc (handlers above, state on ``server.documenter``)."""
    from lsprotocol import types as T
    from pygls.lsp.server import LanguageServer

    server = LanguageServer("codetrans", __version__)
    server.documenter = documenter or Documenter()  # type: ignore[attr-defined]
    kinds = [T.CodeActionKind.QuickFix, T.CodeActionKind.Source]
    server.feature(T.TEXT_DOCUMENT_DID_OPEN)(_did_open)
    server.feature(T.TEXT_DOCUMENT_CODE_ACTION,
                   T.CodeActionOptions(code_action_kinds=kinds, resolve_provider=True))(_code_action)
    server.feature(T.CODE_ACTION_RESOLVE)(_resolve)
    server.feature(T.TEXT_DOCUMENT_HOVER)(_hover)
    server.command("codetrans.commitMessage")(_commit_message)
    return server


def staged_subject(root: str | Path, model: str | None = None, backend: str = "auto") -> str:
    """A commit subject for the staged changes of the repository at ``root``, grounded in its history as
    ``codetrans commit --staged`` is (:mod:`codetrans.serving.grounded_commit`); where it came from is logged."""
    from codetrans.data.git import staged_diff
    from codetrans.serving.pipelines import pipeline

    result = pipeline("commit", model=model, backend=backend)(staged_diff(root), context=str(root))[0]
    logger.info("commit subject %s", result.get("provenance", "generated"))
    return result["generated_text"]


def serve(model: str | None = None, backend: str = "auto") -> None:
    """Run the server on stdin/stdout until the client shuts it down (or stdin ends)."""
    import sys

    stdin, stdout = getattr(sys.stdin, "buffer", None), getattr(sys.stdout, "buffer", None)
    if stdin is None or stdout is None:
        raise CodeTransError("codetrans lsp talks LSP over stdin/stdout, which must be byte streams here")
    logging.basicConfig(level=logging.WARNING)  # stderr: stdout carries the protocol
    build_server(Documenter(model, backend)).start_io(stdin, stdout)


__all__ = ["Documenter", "build_server", "document_edit", "serve", "staged_subject", "text_edits"]
