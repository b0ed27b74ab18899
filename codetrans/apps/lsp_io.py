"""The JSON-RPC transport of `codetrans lsp`: pygls's server, with every request answered and a stream that
cannot be trusted ending the server.

What upstream pygls (2.1, ``pygls/io_.py`` ``run_async`` and ``pygls/protocol/json_rpc.py``) does, and why
this module replaces it:

* **Framing.** A header counts only when it matches ``Content-Length: (\\d+)\\r\\n`` exactly; any other line
  (``Content-Length: abc``, a body left over after a wrong length) is skipped, so the next body is read as
  header lines and every later frame is out of step: the server stays alive and never answers again. The
  length goes to ``stdin.read`` unchecked: ``999999999999`` raises out of the loop (a traceback, the server
  dies). Here a header is checked, the length is bounded, and a frame that cannot be trusted raises
  :class:`FramingError`: the server logs why and exits non-zero (an editor restarts a dead server).
* **Parsing.** The body goes through ``json.loads(object_hook=protocol.structure_message)``; bad JSON and
  params that do not structure into the method's lsprotocol type (``"textDocument": 7``, a negative
  position) are logged with a traceback and sent to ``report_server_error`` (a ``window/showMessage`` Error
  box): the request is never answered. Here they get -32700 (ParseError), -32600 (InvalidRequest) or -32602
  (InvalidParams).
* **Lifecycle.** Requests before ``initialize`` reach the handlers (which fail on the missing workspace);
  requests after ``shutdown`` are dropped unanswered. Here they get -32002 (ServerNotInitialized) and -32600.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from typing import Any, BinaryIO

from cattrs.errors import ClassValidationError
from lsprotocol import types as T
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage

logger = logging.getLogger(__name__)

#: A message larger than this is refused (a 100,000-line file is about 3 MB of JSON).
MAX_MESSAGE_BYTES = 128 * 2**20
MAX_HEADER_LINE = 4096
_HEADER_NAME = re.compile(rb"[A-Za-z0-9][A-Za-z0-9-]*")


class FramingError(Exception):
    """The byte stream is out of step (or hostile): no later message can be trusted."""


def _valid_id(msg_id: Any) -> bool:
    return isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool)


def _why(exc: BaseException) -> str:
    """One line naming the offending fields (cattrs's paths: ``$.params.position.line``)."""
    if isinstance(exc, ClassValidationError):
        from cattrs.v import transform_error

        return "; ".join(transform_error(exc))[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


class Protocol(LanguageServerProtocol):
    """pygls's protocol fed one frame body at a time by :func:`read_frames` (never through ``json.loads``'s
    object hook), answering what upstream leaves unanswered (module doc)."""

    _initialize_seen = False

    def _reply_error(self, msg_id: Any, error: JsonRpcException) -> None:
        if _valid_id(msg_id):
            self._send_response(msg_id, error=error.to_response_error())
        else:  # JSON-RPC wants "id": null here, which the converter would leave out
            self._send_data({"jsonrpc": self.VERSION, "id": None,
                             "error": {"code": error.code, "message": error.message}})

    def receive(self, body: bytes) -> None:
        """Parse, structure and dispatch one message body."""
        try:
            data = json.loads(body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            if b"Content-Length:" in body:  # the next frame's header was read as this body: the length was wrong
                raise FramingError(f"a message body runs into the next message's headers ({exc}): "
                                   "its Content-Length is wrong") from None
            logger.warning("a message that is not JSON: %s", exc)
            self._reply_error(None, JsonRpcParseError(f"Parse error: {exc}"))
            return
        if not isinstance(data, dict) or data.get("jsonrpc") != self.VERSION:
            msg_id = data.get("id") if isinstance(data, dict) else None
            self._reply_error(msg_id, JsonRpcInvalidRequest('not a JSON-RPC 2.0 message ("jsonrpc": "2.0")'))
            return
        method, msg_id = data.get("method"), data.get("id")
        if "method" in data and (not isinstance(method, str) or ("id" in data and not _valid_id(msg_id))):
            self._reply_error(msg_id, JsonRpcInvalidRequest("a request needs a string method and an int or string id"))
            return
        try:
            message = self._structure(data)
        except Exception as exc:  # noqa: BLE001 - whatever cattrs raises, the sender hears of it
            if method is not None and "id" in data:
                self._reply_error(msg_id, JsonRpcInvalidParams(f"invalid params for {method}: {_why(exc)}"))
            else:
                logger.warning("dropped a %s that does not match its type: %s",
                               f"{method} notification" if method else "response", _why(exc))
            return
        self.handle_message(message)

    def _structure(self, data: dict) -> Any:
        """``structure_message`` of upstream for the top-level message only, raising instead of logging a traceback."""
        if "method" in data:
            fallback = JsonRPCRequestMessage if "id" in data else JsonRPCNotification
            return self._converter.structure(data, self.get_message_type(data["method"]) or fallback)
        if not _valid_id(data.get("id")):
            raise ValueError("a response without a valid id")
        if "error" in data:
            return self._converter.structure(data, T.ResponseErrorMessage)
        return self._converter.structure(data, self._result_types.pop(data["id"], None) or JsonRPCResponseMessage)

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        is_request = method is not None and hasattr(message, "id")
        if method == T.INITIALIZE:
            self._initialize_seen = True
        elif method not in (None, T.EXIT) and (not self._initialize_seen or self._shutdown):
            if is_request and not self._initialize_seen:
                self._reply_error(message.id, JsonRpcServerNotInitialized("the server is not initialized: "
                                                                          "send initialize first"))
            elif is_request:
                self._reply_error(message.id, JsonRpcInvalidRequest("the server is shutting down"))
            else:
                logger.info("dropped %s: the server is %s", method,
                            "shutting down" if self._shutdown else "not initialized")
            return
        super().handle_message(message)


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    return stream.read(n)  # a buffered stream returns fewer bytes only at the end of input


async def _headers(read: Any) -> int | None:
    """The Content-Length of the next message (None at the end of input between messages)."""
    length, seen = None, False
    while True:
        line = await read(MAX_HEADER_LINE)
        if not line:
            if seen:
                raise FramingError("the input ended inside a message's headers")
            return None
        if not line.endswith(b"\n"):
            raise FramingError(f"a header line longer than {MAX_HEADER_LINE} bytes")
        if not line.strip():
            if seen:
                break
            continue  # blank lines between messages are harmless
        seen = True
        name, sep, value = line.partition(b":")
        if not sep or not _HEADER_NAME.fullmatch(name):
            raise FramingError(f"not a header line: {line[:60]!r}; the stream is out of step "
                               "(the previous message's Content-Length was wrong?)")
        if name.lower() == b"content-length":
            value = value.strip()
            if not value.isdigit():
                raise FramingError(f"Content-Length {value[:40].decode('ascii', 'replace')!r} is not a number")
            length = int(value)
            if length > MAX_MESSAGE_BYTES:
                raise FramingError(f"Content-Length {length} is over the limit of {MAX_MESSAGE_BYTES} bytes")
    if length is None:
        raise FramingError("a message without a Content-Length header")
    return length


async def read_frames(server: LanguageServer, stdin: BinaryIO) -> None:
    """Read frames until the end of input (or ``exit``), each dispatched as it arrives; raises
    :class:`FramingError` on a frame that cannot be trusted."""
    loop = asyncio.get_running_loop()
    pool = server.thread_pool  # blocking reads off the event loop, as upstream does

    def read_line(limit: int) -> Any:
        return loop.run_in_executor(pool, stdin.readline, limit)

    while server._stop_event is None or not server._stop_event.is_set():
        length = await _headers(read_line)
        if length is None:
            return
        body = await loop.run_in_executor(pool, _read_exactly, stdin, length)
        if len(body) < length:
            raise FramingError(f"the input ended inside a message ({len(body)} of {length} bytes)")
        server.protocol.receive(body)


class Server(LanguageServer):
    """pygls's language server on :class:`Protocol` and :func:`read_frames`."""

    def __init__(self, name: str, version: str) -> None:
        super().__init__(name, version, protocol_cls=Protocol)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # upstream shows a window/showMessage Error box for every failed notification; the log is enough
        logger.warning("%s: %s", getattr(source, "__name__", source), error)

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve until the end of input or ``exit`` (whose SystemExit carries the LSP exit code); raises
        :class:`FramingError` when the stream cannot be trusted."""
        import sys

        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(read_frames(self, stdin or sys.stdin.buffer))
        except BrokenPipeError:
            logger.error("the client closed the connection")
        finally:
            self.shutdown()


__all__ = ["MAX_MESSAGE_BYTES", "FramingError", "Protocol", "Server", "read_frames"]
