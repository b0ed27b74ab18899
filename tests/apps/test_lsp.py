"""`codetrans lsp` driven as an editor drives it: a real LSP client (pytest-lsp's) talking to the server
process over stdio, on files of a git repository the test creates, with a tiny real model."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest
from lsprotocol import types as T
from pytest_lsp import client_capabilities, make_test_lsp_client
from retrieval.repos import commit, init

from codetrans.lang.extract import list_functions
from codetrans.lang.grammars import get_parser

PY = '''class Cart:
    def add_item(self, item, quantity=1):
        """Add an item to the cart."""
        self.items[item] = quantity

    def item_count(self):
        """Return the number of items in the cart."""
        return sum(self.items.values())

    def coupon_count(self):
        return len(self.coupons)

    def clear(self):
        self.items = {}
'''
JAVA = '''public class Store {
    private String name;

    /** Returns the name of the store. */
    public String getName() {
        return name;
    }

    public String getAddress() {
        return address;
    }
}
'''


def _apply(text: str, edit: T.WorkspaceEdit) -> str:
    """Apply a WorkspaceEdit's text edits the way an editor does (bottom-up)."""
    lines = text.splitlines(keepends=True)
    (change,) = edit.document_changes
    for e in sorted(change.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        assert e.range.start.character == 0 and e.range.end.character == 0
        lines[e.range.start.line:e.range.end.line] = e.new_text.splitlines(keepends=True)
    return "".join(lines)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    root = init(tmp_path / "shop")
    commit(root, {"cart.py": PY, "Store.java": JAVA, "broken.py": "def broken(:\n    return 1\n"}, "Add the shop")
    return root


async def _client(root, model, tmp_path, resolve: bool = True):
    client = make_test_lsp_client()
    env = {"CODETRANS_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    await client.start_io(sys.executable, "-m", "codetrans.cli", "lsp", "--model", model, "--backend", "torch",
                          env=env)
    caps = client_capabilities("visual-studio-code")
    if not resolve:
        caps.text_document.code_action.resolve_support = None
    await client.initialize_session(T.InitializeParams(capabilities=caps, root_uri=root.as_uri(),
                                                       workspace_folders=[T.WorkspaceFolder(uri=root.as_uri(),
                                                                                            name="shop")]))
    return client


def _open(client, path, language_id: str) -> str:
    uri = path.as_uri()
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=uri, language_id=language_id, version=1, text=path.read_text())))
    return uri


def _at(line: int) -> T.Range:
    return T.Range(start=T.Position(line=line, character=4), end=T.Position(line=line, character=4))


async def _actions(client, uri: str, line: int) -> list[T.CodeAction]:
    return await client.text_document_code_action_async(T.CodeActionParams(
        text_document=T.TextDocumentIdentifier(uri=uri), range=_at(line), context=T.CodeActionContext(diagnostics=[])))


@pytest.mark.asyncio
async def test_code_actions_document_python_and_java(workspace, constant_model_dir, tmp_path):
    client = await _client(workspace, constant_model_dir, tmp_path)
    try:
        uri = _open(client, workspace / "cart.py", "python")
        actions = await _actions(client, uri, 9)
        assert [a.title for a in actions] == ["Document `Cart.coupon_count`",
                                              "Document all undocumented functions (2)"]
        action = await client.code_action_resolve_async(actions[0])
        new = _apply(PY, action.edit)
        assert not get_parser("python").parse(new.encode()).root_node.has_error
        fn = next(f for f in list_functions(new, "python") if f["func_name"] == "Cart.coupon_count")
        assert fn["documented"]  # the docstring landed inside the function, at its body's indentation
        assert '        """Return the number of coupons in the cart."""\n        return len(self.coupons)' in new
        every = _apply(PY, (await client.code_action_resolve_async(actions[1])).edit)
        assert all(f["documented"] for f in list_functions(every, "python"))

        juri = _open(client, workspace / "Store.java", "java")
        actions = await _actions(client, juri, 8)
        assert actions[0].title == "Document `Store.getAddress`"
        new = _apply(JAVA, (await client.code_action_resolve_async(actions[0])).edit)
        assert "    /** Returns the address of the store. */\n    public String getAddress() {" in new
        assert not get_parser("java").parse(new.encode()).root_node.has_error

        hover = await client.text_document_hover_async(T.HoverParams(text_document=T.TextDocumentIdentifier(uri=uri),
                                                                     position=T.Position(line=9, character=8)))
        assert "Return the number of coupons in the cart." in hover.contents.value
        assert "adapted from Cart.item_count (cart.py:6)" in hover.contents.value
    finally:
        await client.shutdown_session()


@pytest.mark.asyncio
async def test_without_resolve_support_the_edit_comes_with_the_action(workspace, constant_model_dir, tmp_path):
    client = await _client(workspace, constant_model_dir, tmp_path, resolve=False)
    try:
        uri = _open(client, workspace / "cart.py", "python")
        actions = await _actions(client, uri, 12)
        assert actions[0].title == "Document `Cart.clear`" and actions[0].edit is not None
        new = _apply(PY, actions[0].edit)
        assert '    def clear(self):\n        """' in new and "from Cart." not in new  # text only, no provenance
        assert len(actions[0].edit.document_changes[0].edits) == 1  # one inserted line, not a whole-file rewrite
    finally:
        await client.shutdown_session()


@pytest.mark.asyncio
async def test_broken_file_cancelled_request_and_a_failing_request(workspace, constant_model_dir, tmp_path):
    client = await _client(workspace, constant_model_dir, tmp_path)
    try:
        buri = _open(client, workspace / "broken.py", "python")
        actions = await _actions(client, buri, 0)
        assert not actions  # a file that does not parse: no action, no error
        # a request for a document the server never opened fails inside the handler: logged, not fatal
        ghost = (workspace / "ghost.py").as_uri()
        resolved = await client.code_action_resolve_async(T.CodeAction(title="x", data={"uri": ghost, "function": "*"}))
        assert resolved.edit is None
        # a cancelled request ($/cancelRequest while "Document all" works through 2,000 functions): the server
        # answers it as cancelled, stops the work, and goes on answering
        big = workspace / "big.py"
        big.write_text("".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(2000)))
        buri = _open(client, big, "python")
        every = T.CodeAction(title="all", data={"uri": buri, "function": "*"})
        pending = asyncio.ensure_future(client.protocol.send_request_async(T.CODE_ACTION_RESOLVE, every,
                                                                           msg_id="cancel-me"))
        await asyncio.sleep(1.0)  # the server is at work on it
        client.protocol.notify(T.CANCEL_REQUEST, T.CancelParams(id="cancel-me"))
        with pytest.raises(Exception, match="cancel"):
            await asyncio.wait_for(pending, 30)  # well before 2,000 functions could be done
        uri = _open(client, workspace / "cart.py", "python")
        actions = await _actions(client, uri, 9)
        again = await client.code_action_resolve_async(actions[0])
        assert again.edit is not None
        assert any("failed" in m.message for m in client.log_messages)
    finally:
        await client.shutdown_session()


@pytest.mark.asyncio
async def test_commit_message_command_for_the_staged_diff(workspace, constant_model_dir, tmp_path):
    from retrieval.repos import git

    (workspace / "cart.py").write_text(PY.replace("self.items = {}", "self.items.clear()"))
    client = await _client(workspace, constant_model_dir, tmp_path)
    try:
        nothing = await client.workspace_execute_command_async(T.ExecuteCommandParams(command="codetrans.commitMessage"))
        assert nothing is None  # nothing staged: a warning message, no subject
        git(workspace, "add", "cart.py")
        subject = await client.workspace_execute_command_async(T.ExecuteCommandParams(command="codetrans.commitMessage"))
        # grounded in the workspace's history, as `codetrans commit --staged` is: its one earlier commit
        assert subject == "Add the shop"
        assert any("nothing is staged" in m.message for m in client.messages)
    finally:
        await client.shutdown_session()


def _helpers(path, n: int) -> None:
    """A module of ``n`` undocumented functions, four lines each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"def helper_{i}(x):\n    return x + {i}\n\n\n" for i in range(n)))


@pytest.mark.asyncio
async def test_resolve_on_a_100k_line_file_is_one_insertion(tmp_path, constant_model_dir):
    big = tmp_path / "big" / "helpers.py"
    _helpers(big, 25_000)  # 100,000 lines
    client = await _client(big.parent, constant_model_dir, tmp_path)
    try:
        uri = _open(client, big, "python")
        line = 4 * 24_000  # helper_24000's def
        t = time.perf_counter()
        actions = await asyncio.wait_for(_actions(client, uri, line), 60)
        assert actions[0].title == "Document `helper_24000`"
        action = await asyncio.wait_for(client.code_action_resolve_async(actions[0]), 60)
        elapsed = time.perf_counter() - t
        (edit,) = action.edit.document_changes[0].edits  # one insertion, not a diff of the whole file
        assert edit.range.start == edit.range.end == T.Position(line=line + 1, character=0)
        assert edit.new_text.startswith('    """') and edit.new_text.endswith('"""\n')
        assert edit.new_text.count("\n") == 1
        assert elapsed < 30, elapsed  # was no answer in 120 s (difflib over the file: quadratic)
    finally:
        await client.shutdown_session()


@pytest.mark.asyncio
async def test_without_resolve_support_the_action_list_is_bounded(tmp_path, constant_model_dir):
    big = tmp_path / "big" / "helpers.py"
    _helpers(big, 5_000)  # 20,000 lines, every function undocumented
    client = await _client(big.parent, constant_model_dir, tmp_path, resolve=False)
    try:
        uri = _open(client, big, "python")
        t = time.perf_counter()
        actions = await asyncio.wait_for(_actions(client, uri, 4 * 2_500), 60)
        elapsed = time.perf_counter() - t
        one, every = actions
        assert one.title == "Document `helper_2500`" and len(one.edit.document_changes[0].edits) == 1
        # "Document all" is a command the client runs when chosen, not 5,000 edits computed on a cursor move
        assert every.title == "Document all undocumented functions (5000)"
        assert isinstance(every, T.Command) and every.command == "codetrans.document"
        assert elapsed < 30, elapsed
    finally:
        await client.shutdown_session()


@pytest.mark.asyncio
async def test_document_all_command_applies_its_edit(workspace, constant_model_dir, tmp_path):
    client = await _client(workspace, constant_model_dir, tmp_path, resolve=False)
    applied: list[T.WorkspaceEdit] = []

    @client.feature(T.WORKSPACE_APPLY_EDIT)
    def _apply_edit(params: T.ApplyWorkspaceEditParams) -> T.ApplyWorkspaceEditResult:
        applied.append(params.edit)
        return T.ApplyWorkspaceEditResult(applied=True)

    try:
        uri = _open(client, workspace / "cart.py", "python")
        command = (await _actions(client, uri, 9))[-1]
        result = await client.workspace_execute_command_async(T.ExecuteCommandParams(
            command=command.command, arguments=command.arguments))
        assert result == {"applied": True, "insertions": 2}
        new = _apply(PY, applied[0])
        assert all(f["documented"] for f in list_functions(new, "python"))
    finally:
        await client.shutdown_session()


def _apply_dicts(text: str, edits: list[dict]) -> str:
    lines = text.split("\n")
    lines = [x + "\n" for x in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    for e in sorted(edits, key=lambda e: e["range"]["start"]["line"], reverse=True):
        (s, e_) = e["range"]["start"], e["range"]["end"]
        head = lines[s["line"]][:s["character"]] if s["line"] < len(lines) else ""
        tail = lines[e_["line"]][e_["character"]:] if e_["line"] < len(lines) else ""
        lines[s["line"]:e_["line"] + 1] = [head + e["newText"] + tail]
    return "".join(lines)


def test_text_edits_are_line_insertions_in_linear_time():
    from codetrans.apps.lsp import text_edits

    old = "def a():\r\n    return 1\r\n\r\ndef b():\r\n    return 2"  # CRLF, no final newline
    new = old.replace("    return 1", '    """A."""\r\n    return 1').replace("    return 2", '    """B."""\r\n    return 2')
    edits = text_edits(old, new)
    assert [(e["range"]["start"], e["range"]["end"], e["newText"]) for e in edits] == [
        ({"line": 1, "character": 0}, {"line": 1, "character": 0}, '    """A."""\r\n'),
        ({"line": 4, "character": 0}, {"line": 4, "character": 0}, '    """B."""\r\n')]
    assert _apply_dicts(old, edits) == new
    changed = old.replace("return 2", "return 3")  # not an insertion: one replacement of the lines between
    (edit,) = text_edits(old, changed)
    assert _apply_dicts(old, [edit]) == changed
    big = "".join(f"def f{i}(x):\n    return x\n\n\n" for i in range(50_000))  # 200,000 lines
    t = time.perf_counter()
    edits = text_edits(big, big.replace("def f49999(x):\n", 'def f49999(x):\n    """Doc."""\n'))
    assert len(edits) == 1 and edits[0]["range"]["start"]["line"] == 4 * 49_999 + 1
    assert time.perf_counter() - t < 2  # difflib took minutes


STALE = '''def remove_coupon(self, coupon):
    """Add the coupon of the cart."""
    return self.coupons.pop(coupon)


def restock(self):
    self.stock.fill()


def total(self):
    return sum(self.prices)
'''


@pytest.mark.asyncio
async def test_only_confident_edits_are_offered_and_stale_docstrings_are_diagnosed(tmp_path, constant_model_dir,
                                                                                 monkeypatch):
    import shutil

    from model_fixtures import tiny_verifier

    from codetrans.grounding.verifier import VERIFIER_FILE

    model = tmp_path / "verified"
    shutil.copytree(constant_model_dir, model)
    tiny_verifier().save(model / VERIFIER_FILE)
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    root = init(tmp_path / "r")
    commit(root, {"m.py": STALE}, "Add m")
    client = await _client(root, str(model), tmp_path)
    try:
        uri = _open(client, root / "m.py", "python")
        for _ in range(600):  # published once the file is read (it may arrive before we would wait for it)
            if client.diagnostics.get(uri):
                break
            await asyncio.sleep(0.1)
        (diag,) = client.diagnostics[uri]  # the docstring says "Add" of a function that pops
        assert diag.code == "stale-docstring" and diag.range.start.line == 0
        assert "may not describe `remove_coupon`" in diag.message
        # restock: the model's constant text is not trusted (and no description exists): resolving gives no edit,
        # and a message says why, with the candidate
        (restock, _) = await _actions(client, uri, 5)
        assert (await client.code_action_resolve_async(restock)).edit is None
        for _ in range(100):
            if client.messages:
                break
            await asyncio.sleep(0.1)
        assert any("restock: not sure (confidence" in m.message for m in client.messages)
        hover = await client.text_document_hover_async(T.HoverParams(text_document=T.TextDocumentIdentifier(uri=uri),
                                                                     position=T.Position(line=5, character=6)))
        assert hover.contents.value.startswith("**not sure, not offered as an edit**")
        # total: described from the code, confidence 0.8 >= 0.7: offered
        actions = await _actions(client, uri, 9)
        assert actions[0].title == "Document `total`"
        edit = (await client.code_action_resolve_async(actions[0])).edit
        assert '    """Return the total."""\n' in _apply(STALE, edit)
    finally:
        await client.shutdown_session()
    eager = await _client(root, str(model), tmp_path, resolve=False)  # edits computed with the action list
    try:
        uri = _open(eager, root / "m.py", "python")
        assert "Document `restock`" not in [a.title for a in await _actions(eager, uri, 5)]  # not sure: not offered
        (total, *_) = await _actions(eager, uri, 9)
        assert total.title == "Document `total`" and '"""Return the total."""' in _apply(STALE, total.edit)
    finally:
        await eager.shutdown_session()
