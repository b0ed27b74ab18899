"""`codetrans lsp`: a Language Server (stdio) that documents functions where developers write them.

* **Code actions** on a function without documentation: "Document `name`", and for the file "Document all
  undocumented functions" — each a ``WorkspaceEdit`` inserting the text in the language's style at the
  right indentation, written by :func:`codetrans.apps.docwriter.insert_docs` (the writer of
  ``codetrans document --write``, so the result reparses) and sent as one zero-width ``TextEdit`` per
  insertion (found in linear time: a big file costs a few parses, not a quadratic diff). Edits are computed on resolve
  (``codeAction/resolve``) when the client supports it. A client without resolve gets the edits of the
  functions at the cursor only (at most :data:`EAGER`); "Document all" and any further function come as the
  command ``codetrans.document`` (``[uri, function or "*", line]``), which sends its edit through
  ``workspace/applyEdit``: the action list never waits for the whole file.
* **Hover** on an undocumented function's first line: the suggestion and where it came from (adapted
  from a named neighbour of the repository, or generated) before anything is applied.
* **Command** ``codetrans.commitMessage``: a subject for the staged diff of the workspace's repository.

The model loads once per server, on first use; the repository index (:mod:`codetrans.grounding.documentation`'s
pool) is built in a background thread when a file of the workspace opens and reused (cached by content).
A request cancelled by the client stops between batches; a file that does not parse gets no action and
no error; an exception in one request is logged to the client and never ends the server. The file's
undocumented functions are listed once per document version (in a worker thread).

The transport (:mod:`codetrans.apps.lsp_io`) answers every request — malformed params, requests before
``initialize``, bad JSON each get their JSON-RPC error — and ends the server (non-zero, with the reason on
stderr) on a frame whose length cannot be trusted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codetrans.apps.docwriter import undocumented
from codetrans.errors import CodeTransError, DataError

if TYPE_CHECKING:  # annotations only: lsprotocol is imported where the handlers run
    from lsprotocol import types as T
from codetrans.version import __version__

logger = logging.getLogger(__name__)

#: Seconds a request waits for the repository index before answering with the model alone.
INDEX_WAIT_S = 1.5
BATCH = 8
#: Functions at the cursor whose edit a client without ``codeAction/resolve`` gets with the action list.
EAGER = 3
#: Per-function actions offered for one range (a whole-file selection would otherwise list every function).
MAX_ACTIONS = 20
#: an eager edit left out because its answer is under the confidence threshold (no action is offered)
NOT_SURE = object()
DOCUMENT_COMMAND = "codetrans.document"


class Cancelled(Exception):
    """The client cancelled the request: work stopped between batches."""


class Documenter:
    """The model (loaded once, lazily) and one repository pool per root (built in the background)."""

    def __init__(self, model: str | None = None, backend: str = "auto", min_confidence: float | None = None):
        self.model, self.backend, self.min_confidence = model, backend, min_confidence
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

    def threshold(self) -> float | None:
        """Answers under this confidence are not offered as edits (``--min-confidence``, else the model's)."""
        return self.min_confidence if self.min_confidence is not None else self.pipe().write_threshold()

    def stale(self, text: str, lang: str) -> list[dict]:
        """Documented functions whose docstring the model's verifier doubts (:mod:`codetrans.apps.stale`)."""
        from codetrans.apps.stale import stale_docstrings

        return stale_docstrings(text, lang, self.pipe().verifier())

    def warm(self, path: str | Path) -> Future | None:
        """Start (or reuse) the index of the repository holding ``path`` (None: a file outside git in a folder too
        big to ground in, as ``codetrans document`` decides: :func:`codetrans.retrieval.discovery.grounding_root`)."""
        from codetrans.retrieval.discovery import grounding_root

        try:
            root = str(grounding_root(path))
        except DataError as exc:
            logger.info("%s; documenting without context", exc)
            return None
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
        if future is None:
            return None
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


def _lines(text: str) -> list[str]:
    """The text's lines as LSP counts them for our edits: each ends after its "\n" (a "\r\n" stays whole)."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_edits(old: str, new: str) -> list[dict]:
    """LSP ``TextEdit`` shapes (0-based lines) turning ``old`` into ``new``, in linear time.

    ``new`` is ``old`` with whole lines inserted (what the doc writer does): each run of inserted lines becomes
    one zero-width edit at the start of the line it goes before. Should ``old``'s lines not all be found in
    order, one edit replaces the lines between the common head and tail instead. (Was difflib over the whole
    file: quadratic, 8-10 s for one insertion at 20,000 lines.)"""
    a, b = _lines(old), _lines(new)
    edits, i, run = [], 0, None
    for j, line in enumerate(b):
        if i < len(a) and line == a[i]:
            if run is not None:
                edits.append(_insert(i, "".join(b[run:j])))
                run = None
            i += 1
        elif run is None:
            run = j
    if i == len(a):
        if run is not None:
            edits.append(_insert(i, "".join(b[run:])))
        return edits
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    end = {"line": len(a) - tail, "character": 0}
    if tail == 0 and a and not a[-1].endswith("\n"):  # the last line has no newline: end where it ends
        end = {"line": len(a) - 1, "character": _utf16(a[-1])}
    return [{"range": {"start": {"line": head, "character": 0}, "end": end},
             "newText": "".join(b[head:len(b) - tail])}]


def _insert(line: int, text: str) -> dict:
    at = {"line": line, "character": 0}
    return {"range": {"start": at, "end": dict(at)}, "newText": text}


def document_edit(text: str, lang: str, funcs: list[dict], results: list[dict],
                  threshold: float | None = None) -> tuple[str, list[str]]:
    """The file with docs inserted (the ``--write`` writer) and notes on functions left out: those whose
    answer is under the confidence ``threshold`` are "not sure" and never inserted."""
    from codetrans.apps.docwriter import insert_docs, not_sure, not_sure_note

    sure = [(f, r["generated_text"]) for f, r in zip(funcs, results) if not not_sure(r, threshold)]
    unsure = [not_sure_note(f["func_name"], r) for f, r in zip(funcs, results) if not_sure(r, threshold)]
    new, _, notes = insert_docs(text, lang, sure) if sure else (text, 0, [])
    return new, unsure + notes


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


def _listing(ls: Any, uri: str) -> tuple[int | None, str, str | None, str | None, list[dict] | None]:
    """One snapshot of the document: (version, text, language, path, its undocumented functions). The
    functions are listed once per version (a parse of the whole file: about 1 s at 100,000 lines), so callers
    run this in a worker thread and use the returned text, never a later ``doc.source``."""
    doc, lang, path = _doc(ls, uri)
    # the version before the text: should a change land between the two reads, the edit names the older
    # version and the client refuses it, rather than applying offsets of one text to another
    version = doc.version
    text = doc.source
    key = (version, len(text), hash(text))
    cached = ls.listings.get(uri)
    if cached is None or cached[0] != key:
        cached = (key, undocumented(text, lang or ""))
        ls.listings[uri] = cached
    return version, text, lang, path, cached[1]


def _workspace_edit(uri: str, version: int | None, text: str, lang: str, funcs: list[dict],
                    results: list[dict], threshold: float | None = None,
                    notes: list[str] | None = None) -> T.WorkspaceEdit | None:
    """The edit inserting the confident answers (None when none is: nothing to offer); what was left out, and
    why, is appended to ``notes``."""
    from lsprotocol import types as T

    new, left_out = document_edit(text, lang, funcs, results, threshold)
    if notes is not None:
        notes.extend(left_out)
    if new == text:
        return None
    edits = [T.TextEdit(range=T.Range(start=T.Position(**e["range"]["start"]), end=T.Position(**e["range"]["end"])),
                        new_text=e["newText"]) for e in text_edits(text, new)]
    return T.WorkspaceEdit(document_changes=[T.TextDocumentEdit(
        text_document=T.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=edits)])


def _edit_for(ls: Any, uri: str, which: str, line: int | None, stop: threading.Event) -> T.WorkspaceEdit | None:
    """The edit documenting function ``which`` of ``uri`` (the one of that name nearest ``line``, 1-based;
    ``"*"``: every undocumented one). Answers left out ("not sure") are told in a message."""
    version, text, lang, path, funcs = _listing(ls, uri)
    funcs = funcs or []
    if which != "*":
        named = [f for f in funcs if f["func_name"] == which]
        funcs = sorted(named, key=lambda f: abs(f["start_line"] - line))[:1] if line is not None else named[:1]
    if not funcs:
        return None
    results = ls.documenter.suggest(text, lang, funcs, path, stop)
    notes: list[str] = []
    edit = _workspace_edit(uri, version, text, lang, funcs, results, ls.documenter.threshold(), notes)
    unsure = [n for n in notes if ": not sure (" in n]
    if unsure:
        from lsprotocol import types as T

        more = f" (and {len(unsure) - 1} more)" if len(unsure) > 1 else ""
        ls.window_show_message(T.ShowMessageParams(type=T.MessageType.Info, message=f"codetrans: {unsure[0]}{more}"))
    return edit


def _actions_for(ls: Any, uri: str, lo: int, hi: int, eager: bool,
                 stop: threading.Event) -> tuple[list[dict], int, list[Any]]:
    """The undocumented functions overlapping lines ``lo``..``hi`` (1-based), how many the file has, and with
    ``eager`` the edits of the first :data:`EAGER` of them (None where the writer refused), all from one
    snapshot of the text."""
    version, text, lang, path, funcs = _listing(ls, uri)
    if not funcs:
        return [], 0, []
    here = [f for f in funcs if f["start_line"] <= hi and f["end_line"] >= lo][:MAX_ACTIONS]
    edits: list[Any] = []
    if eager and here:
        head = here[:EAGER]
        threshold = ls.documenter.threshold()
        for f, r in zip(head, ls.documenter.suggest(text, lang, head, path, stop)):
            try:
                edits.append(_workspace_edit(uri, version, text, lang, [f], [r], threshold) or NOT_SURE)
            except CodeTransError as exc:
                logger.warning("no edit for %s: %s", f["func_name"], exc)
                edits.append(None)
    return here, len(funcs), edits


def _resolves(ls: Any) -> bool:
    """Whether the client resolves a code action's edit later (``codeAction/resolve``)."""
    caps = ls.client_capabilities.text_document
    action = caps.code_action if caps else None
    return bool(action and action.resolve_support and "edit" in (action.resolve_support.properties or []))


def _applies_edits(ls: Any) -> bool:
    """Whether the client takes ``workspace/applyEdit`` (what :data:`DOCUMENT_COMMAND` sends)."""
    ws = ls.client_capabilities.workspace
    return bool(ws and ws.apply_edit)


def _stale_diagnostics(ls: Any, uri: str, stop: threading.Event | None = None) -> list[Any]:
    from lsprotocol import types as T

    doc, lang, _ = _doc(ls, uri)
    if not lang:
        return []
    return [T.Diagnostic(range=T.Range(start=T.Position(line=f["start_line"] - 1, character=0),
                                       end=T.Position(line=f["start_line"] - 1, character=0)),
                         severity=T.DiagnosticSeverity.Information, source="codetrans", code="stale-docstring",
                         message=f"this docstring may not describe `{f['func_name']}` (the verifier's confidence "
                                 f"that it does: {f['confidence']:.2f}): {f['summary']}")
            for f in ls.documenter.stale(doc.source, lang)]


async def _publish_stale(ls: Any, uri: str) -> None:
    """Docstrings the verifier doubts, as Information diagnostics (computed off the event loop)."""
    from lsprotocol import types as T

    try:
        diagnostics = await _in_thread(_stale_diagnostics, ls, uri)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - diagnostics are a courtesy: never fatal
        _log_error(ls, "stale-docstring check", exc)
        return
    ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))


async def _did_open(ls: Any, params: T.DidOpenTextDocumentParams) -> None:
    from pygls.uris import to_fs_path

    path = to_fs_path(params.text_document.uri)
    if path:
        ls.documenter.warm(path)  # the repository index builds while the user reads
    await _publish_stale(ls, params.text_document.uri)


async def _did_save(ls: Any, params: T.DidSaveTextDocumentParams) -> None:
    await _publish_stale(ls, params.text_document.uri)


def _did_close(ls: Any, params: T.DidCloseTextDocumentParams) -> None:
    ls.listings.pop(params.text_document.uri, None)


def _command(title: str, data: dict) -> T.Command:
    from lsprotocol import types as T

    return T.Command(title=title, command=DOCUMENT_COMMAND, arguments=[data["uri"], data["function"], data.get("line")])


async def _code_action(ls: Any, params: T.CodeActionParams) -> list[T.CodeAction | T.Command] | None:
    from lsprotocol import types as T

    try:
        uri = params.text_document.uri
        lo, hi = params.range.start.line + 1, params.range.end.line + 1
        eager, applies = not _resolves(ls), _applies_edits(ls)
        here, total, edits = await _in_thread(_actions_for, ls, uri, lo, hi, eager)
        if not total:
            return []
        # Without resolve, the first few come with their edit and the rest (and "Document all") as bare Commands
        # run when chosen: a CodeAction carrying a command is read as a broken Command by lsprotocol's clients.
        actions: list[Any] = []
        for k, f in enumerate(here):
            data = {"uri": uri, "function": f["func_name"], "line": f["start_line"]}
            title = f"Document `{f['func_name']}`"
            if not eager:
                actions.append(T.CodeAction(title=title, kind=T.CodeActionKind.QuickFix, data=data))
            elif k < len(edits) and edits[k] is NOT_SURE:
                continue  # under the confidence threshold: nothing is offered (hover shows the candidate)
            elif k < len(edits) and edits[k] is not None:
                actions.append(T.CodeAction(title=title, kind=T.CodeActionKind.QuickFix, edit=edits[k]))
            elif applies:
                actions.append(_command(title, data))
        title, data = f"Document all undocumented functions ({total})", {"uri": uri, "function": "*"}
        if not eager:
            actions.append(T.CodeAction(title=title, kind=T.CodeActionKind.Source, data=data))
        elif applies:
            actions.append(_command(title, data))
        return actions
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - one failing request must not end the server
        _log_error(ls, "code action", exc)
        return []


async def _resolve(ls: Any, action: T.CodeAction) -> T.CodeAction:
    try:
        data = action.data or {}
        action.edit = await _in_thread(_edit_for, ls, data["uri"], data["function"], data.get("line"))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001
        _log_error(ls, "resolving a code action", exc)
    return action


def _hover_text(ls: Any, uri: str, line: int, stop: threading.Event) -> str | None:
    _, text, lang, path, funcs = _listing(ls, uri)
    funcs = [f for f in funcs or [] if f["start_line"] == line + 1]
    if not funcs:
        return None
    from codetrans.apps.docwriter import not_sure

    r = ls.documenter.suggest(text, lang, funcs[:1], path, stop)[0]
    where = r.get("provenance", "generated") + (f"; confidence {r['confidence']:.2f}" if "confidence" in r else "")
    head = "not sure, not offered as an edit" if not_sure(r, ls.documenter.threshold()) else "codetrans"
    return f"**{head}**: {r['generated_text']}\n\n_{where}_"


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


async def _document(ls: Any, uri: Any = None, function: Any = "*", line: Any = None) -> dict:
    """:data:`DOCUMENT_COMMAND` ``[uri, function name or "*", line]``: the edit, sent by ``workspace/applyEdit``."""
    from lsprotocol import types as T
    from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

    if not (isinstance(uri, str) and isinstance(function, str)
            and (line is None or (type(line) is int and line >= 0))):
        raise JsonRpcInvalidParams(f'{DOCUMENT_COMMAND} takes [uri, function name or "*", line]')
    try:
        edit = await _in_thread(_edit_for, ls, uri, function, line)
        if edit is None:
            return {"applied": False, "insertions": 0}
        label = "Document all undocumented functions" if function == "*" else f"Document `{function}`"
        result = await ls.workspace_apply_edit_async(T.ApplyWorkspaceEditParams(edit=edit, label=label))
    except asyncio.CancelledError:
        raise
    except (Exception, JsonRpcException) as exc:  # noqa: BLE001 - reported, never fatal
        _log_error(ls, "documenting", exc)
        return {"applied": False, "insertions": 0}
    return {"applied": bool(result.applied), "insertions": len(edit.document_changes[0].edits)}


def build_server(documenter: Documenter | None = None) -> Any:
    """The server with the features of the module doc (handlers above, state on ``server.documenter`` and the
    per-version listings on ``server.listings``), on the transport of :mod:`codetrans.apps.lsp_io`."""
    from lsprotocol import types as T

    from codetrans.apps.lsp_io import Server

    server = Server("codetrans", __version__)
    server.documenter = documenter or Documenter()  # type: ignore[attr-defined]
    server.listings = {}  # type: ignore[attr-defined]
    kinds = [T.CodeActionKind.QuickFix, T.CodeActionKind.Source]
    server.feature(T.TEXT_DOCUMENT_DID_OPEN)(_did_open)
    server.feature(T.TEXT_DOCUMENT_DID_CLOSE)(_did_close)
    server.feature(T.TEXT_DOCUMENT_DID_SAVE)(_did_save)
    server.feature(T.TEXT_DOCUMENT_CODE_ACTION,
                   T.CodeActionOptions(code_action_kinds=kinds, resolve_provider=True))(_code_action)
    server.feature(T.CODE_ACTION_RESOLVE)(_resolve)
    server.feature(T.TEXT_DOCUMENT_HOVER)(_hover)
    server.command("codetrans.commitMessage")(_commit_message)
    server.command(DOCUMENT_COMMAND)(_document)
    return server


def staged_subject(root: str | Path, model: str | None = None, backend: str = "auto") -> str:
    """A commit subject for the staged changes of the repository at ``root``, grounded in its history as
    ``codetrans commit --staged`` is (:mod:`codetrans.grounding.commit`); where it came from is logged."""
    from codetrans.data.git import staged_diff
    from codetrans.serving.pipelines import pipeline

    result = pipeline("commit", model=model, backend=backend)(staged_diff(root), context=str(root))[0]
    logger.info("commit subject %s", result.get("provenance", "generated"))
    return result["generated_text"]


def serve(model: str | None = None, backend: str = "auto", min_confidence: float | None = None) -> None:
    """Run the server on stdin/stdout until the client shuts it down (or stdin ends); raises
    :class:`CodeTransError` when a frame cannot be trusted (the command then exits non-zero)."""
    import sys

    stdin, stdout = getattr(sys.stdin, "buffer", None), getattr(sys.stdout, "buffer", None)
    if stdin is None or stdout is None:
        raise CodeTransError("codetrans lsp talks LSP over stdin/stdout, which must be byte streams here")
    from codetrans.apps.lsp_io import FramingError

    if not logging.getLogger("codetrans").handlers:  # the CLI's handler already writes ours to stderr
        logging.basicConfig(level=logging.WARNING)  # stderr: stdout carries the protocol
    try:
        build_server(Documenter(model, backend, min_confidence)).start_io(stdin, stdout)
    except FramingError as exc:  # the editor sees the server end (and restarts it) instead of a deaf one
        raise CodeTransError(f"stopped: a message frame that cannot be trusted: {exc}") from None


__all__ = ["Documenter", "build_server", "document_edit", "serve", "staged_subject", "text_edits"]
