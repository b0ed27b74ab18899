"""`codetrans lsp` fed what a broken or hostile client sends, byte for byte over the real server's stdio:
every request gets an answer (an error code where it cannot be served), and a stream whose framing cannot be
trusted ends the server with a logged reason and a non-zero exit (an editor restarts a dead server, not a deaf one).

No model is loaded here: these requests never reach the model (the server loads it on first use)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading

import pytest

WAIT_S = 20


class RawClient:
    """The server process, written to as raw bytes; its frames read on a thread (never blocking a test)."""

    def __init__(self, tmp_path):
        env = {"CODETRANS_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
        self.err_path = tmp_path / "server-stderr.log"
        self._err = open(self.err_path, "wb")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen([sys.executable, "-m", "codetrans.cli", "lsp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._err, env=env)
        self.frames: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.frames.put(None)
                    return
                if line.strip() == b"":
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            self.frames.put(json.loads(out.read(length)))

    def write(self, raw: bytes) -> None:
        self.proc.stdin.write(raw)
        self.proc.stdin.flush()

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, msg_id, method: str, params=None) -> dict:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.answer(msg_id)

    def answer(self, msg_id) -> dict:
        """The response to ``msg_id`` (notifications on the way are kept); fails if none comes."""
        while True:
            try:
                frame = self.frames.get(timeout=WAIT_S)
            except queue.Empty:
                raise AssertionError(f"no answer to request {msg_id!r} within {WAIT_S} s") from None
            assert frame is not None, f"the server ended without answering {msg_id!r}: {self.stderr()}"
            if "method" in frame:
                self.notifications.append(frame)
            elif frame.get("id") == msg_id:
                return frame

    def initialize(self) -> None:
        assert "result" in self.request(0, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def exit_code(self) -> int:
        try:
            return self.proc.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server is still running: {self.stderr()}") from None

    def stderr(self) -> str:
        self._err.flush()
        return self.err_path.read_text(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._err.close()


@pytest.fixture
def server(tmp_path):
    client = RawClient(tmp_path)
    yield client
    client.close()


def _code_action(text_document, line: int = 0) -> dict:
    pos = {"line": line, "character": 0}
    return {"textDocument": text_document, "range": {"start": pos, "end": pos}, "context": {"diagnostics": []}}


def test_params_of_the_wrong_type_get_invalid_params(server):
    server.initialize()
    bad_type = server.request(1, "textDocument/codeAction", _code_action(7))
    assert bad_type["error"]["code"] == -32602 and "textDocument" in bad_type["error"]["message"]
    negative = server.request(2, "textDocument/hover", {"textDocument": {"uri": "file:///a.py"},
                                                        "position": {"line": -1, "character": 0}})
    assert negative["error"]["code"] == -32602
    bad_command = server.request(3, "workspace/executeCommand", {"command": "codetrans.document",
                                                                 "arguments": [{"no": "uri"}]})
    assert bad_command["error"]["code"] == -32602
    assert server.request(4, "shutdown")["result"] is None  # and the server goes on answering
    assert not [n for n in server.notifications if n["method"] == "window/showMessage"]


def test_a_request_before_initialize_gets_server_not_initialized(server):
    early = server.request(1, "textDocument/hover", {"textDocument": {"uri": "file:///a.py"},
                                                     "position": {"line": 0, "character": 0}})
    assert early["error"]["code"] == -32002
    assert "Traceback" not in server.stderr()
    server.initialize()  # the session then starts as usual
    assert server.request(2, "shutdown")["result"] is None


def test_bad_json_gets_a_parse_error_response(server):
    server.initialize()
    body = b'{"jsonrpc": "2.0", "id": 5, "method": "shutdown", '
    server.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    error = server.answer(None)
    assert error["error"]["code"] == -32700 and "id" in error  # "id": null, as JSON-RPC asks
    assert server.request(6, "shutdown")["result"] is None  # framing was intact: the server goes on
    assert not [n for n in server.notifications if n["method"] == "window/showMessage"]


def _frame(body: bytes, length: bytes) -> bytes:
    return b"Content-Length: " + length + b"\r\n\r\n" + body


SHUTDOWN = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "shutdown"}).encode()


@pytest.mark.parametrize("frames, reason", [
    (_frame(SHUTDOWN, b"abc") + _frame(SHUTDOWN, b"%d" % len(SHUTDOWN)), "not a number"),
    (_frame(SHUTDOWN, b"%d" % (len(SHUTDOWN) - 10)) + _frame(SHUTDOWN, b"%d" % len(SHUTDOWN)), "out of step"),
    (_frame(SHUTDOWN, b"%d" % (len(SHUTDOWN) + 30)) + _frame(SHUTDOWN, b"%d" % len(SHUTDOWN)), "Content-Length"),
    (_frame(SHUTDOWN, b"999999999999"), "over the limit"),
], ids=["not-a-number", "too-short", "too-long", "absurd"])
def test_a_frame_that_cannot_be_trusted_ends_the_server_with_a_reason(server, frames, reason):
    server.initialize()
    server.write(frames)
    code = server.exit_code()
    assert code != 0
    log = server.stderr()
    assert reason in log and "Traceback" not in log
