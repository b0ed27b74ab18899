"""Drive `codetrans lsp` over stdio as an editor does and print what the editor receives: the code
actions at a line, the hover, and the file after applying the first action's WorkspaceEdit (as a diff).

    python demos/lsp_session.py FILE LINE [--model M]      # LINE: 1-based, on an undocumented function

Needs the lsp and test extras (pygls, lsprotocol, pytest-lsp's client). A quick way to check an editor
setup too: if this prints an action, the server works on that file.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import sys
from pathlib import Path


def apply(text: str, edit) -> str:
    lines = text.splitlines(keepends=True)
    for e in sorted(edit.document_changes[0].edits, key=lambda e: e.range.start.line, reverse=True):
        lines[e.range.start.line:e.range.end.line] = e.new_text.splitlines(keepends=True)
    return "".join(lines)


async def session(path: Path, line: int, model: str | None) -> None:
    from lsprotocol import types as T
    from pytest_lsp import client_capabilities, make_test_lsp_client

    from codetrans.lang.tokenize import detect_language
    from codetrans.retrieval.pools import context_root

    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "codetrans.cli", "lsp", *(["--model", model] if model else []))
    root = context_root(path)
    await client.initialize_session(T.InitializeParams(capabilities=client_capabilities("visual-studio-code"),
                                                       root_uri=root.as_uri()))
    text, uri = path.read_text(), path.resolve().as_uri()
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=uri, language_id=detect_language(path=str(path)) or "", version=1, text=text)))
    at = T.Position(line=line - 1, character=8)
    try:
        actions = await client.text_document_code_action_async(T.CodeActionParams(
            text_document=T.TextDocumentIdentifier(uri=uri), range=T.Range(start=at, end=at),
            context=T.CodeActionContext(diagnostics=[])))
        print(f"code actions at {path}:{line}:")
        for a in actions or []:
            print(f"  [{a.kind}] {a.title}")
        hover = await client.text_document_hover_async(T.HoverParams(text_document=T.TextDocumentIdentifier(uri=uri),
                                                                     position=at))
        if hover:
            print("hover:\n  " + hover.contents.value.replace("\n\n", "\n  "))
        if actions:
            chosen = await client.code_action_resolve_async(actions[0])
            print(f"after '{actions[0].title}':")
            new = apply(text, chosen.edit)
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(keepends=True), new.splitlines(keepends=True),
                                                       str(path), str(path), n=1))
    finally:
        await client.shutdown_session()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("line", type=int)
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    asyncio.run(session(Path(args.file), args.line, args.model))


if __name__ == "__main__":
    main()
