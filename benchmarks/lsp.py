"""`codetrans lsp` latency on a 5,000-line file, against `codetrans document` on the same file.

Builds a git repository holding one generated Python module of ``--lines`` lines (documented and
undocumented functions, as `benchmarks/retrieval.py` writes them), starts the server as an editor does
(a real LSP client over stdio), opens the file, then times, each the best of ``--repeat``:

* ``code_action_s``: the code actions at an undocumented function (the list an editor shows);
* ``resolve_one_s``: resolving "Document `name`" into its WorkspaceEdit (model + grounding + writer);
* ``hover_s``: the hover with the suggestion and its provenance;
* ``first_request_s``: the first resolve after opening (the model loads then; the index builds on open);
* ``resolve_all_s``: "Document all undocumented functions" once (every one of them: the model's time, shown
  beside the CLI's; not a request the 2 s goal is about);

and, as the baseline measured in the same run, ``cli_s``: `codetrans document FILE` (every function of the
file, a new process). The goal (issue #24) is every per-function request within 2 s. The last line is one
JSON object. Needs the lsp and test extras (the client is pytest-lsp's).

    python benchmarks/lsp.py [--lines 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from retrieval import NOUNS, QUALIFIERS, _function  # noqa: E402  (the same generated functions)


def make_file(path: Path, lines: int, seed: int = 0) -> int:
    """A module of about ``lines`` lines; returns the line (0-based) of an undocumented function's def."""
    rng = random.Random(seed)
    parts, n, i, target = ['"""Generated helpers."""\n\nSTORE = None\n\n\n'], 5, 0, -1
    while n < lines:
        noun, qual = NOUNS[i % len(NOUNS)], QUALIFIERS[(i // len(NOUNS)) % len(QUALIFIERS)]
        if i % 3 == 2:
            if target < 0 and n > lines // 2:
                target = n  # 0-based: the chunk's def line
            chunk = f"def count_{qual}_{noun}_{i}(items, store=None):\n    total = 0\n    for x in items:\n" \
                    f"        total += (store or STORE).count(x)\n    return total\n\n\n"
        else:
            chunk = _function(rng, noun, qual)
        parts.append(chunk)
        n += chunk.count("\n")
        i += 1
    path.write_text("".join(parts))
    return target


async def measure(root: Path, target: Path, line: int, repeat: int, env: dict) -> dict:
    from lsprotocol import types as T
    from pytest_lsp import client_capabilities, make_test_lsp_client

    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "codetrans.cli", "lsp", env=env)
    await client.initialize_session(T.InitializeParams(capabilities=client_capabilities("visual-studio-code"),
                                                       root_uri=root.as_uri()))
    uri = target.as_uri()
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=target.read_text())))
    where = T.Range(start=T.Position(line=line, character=4), end=T.Position(line=line, character=4))
    params = T.CodeActionParams(text_document=T.TextDocumentIdentifier(uri=uri), range=where,
                                context=T.CodeActionContext(diagnostics=[]))
    out: dict = {}
    try:
        t = time.perf_counter()
        actions = await client.text_document_code_action_async(params)
        first = await client.code_action_resolve_async(actions[0])
        out["first_request_s"] = time.perf_counter() - t
        out["title"], out["edits"] = actions[0].title, len(first.edit.document_changes[0].edits)
        out["inserted"] = first.edit.document_changes[0].edits[0].new_text.strip()
        t = time.perf_counter()  # the file-level action: every undocumented function, once
        every = await client.code_action_resolve_async(actions[-1])
        out["resolve_all_s"] = time.perf_counter() - t
        out["resolve_all_edits"] = len(every.edit.document_changes[0].edits)
        times: dict[str, list[float]] = {"code_action_s": [], "resolve_one_s": [], "hover_s": []}
        for _ in range(repeat):
            t = time.perf_counter()
            actions = await client.text_document_code_action_async(params)
            times["code_action_s"].append(time.perf_counter() - t)
            t = time.perf_counter()
            await client.code_action_resolve_async(actions[0])
            times["resolve_one_s"].append(time.perf_counter() - t)
            t = time.perf_counter()
            hover = await client.text_document_hover_async(T.HoverParams(
                text_document=T.TextDocumentIdentifier(uri=uri), position=T.Position(line=line, character=6)))
            times["hover_s"].append(time.perf_counter() - t)
        out.update({k: min(v) for k, v in times.items()})
        out["hover"] = hover.contents.value if hover else None
        out["actions"] = len(actions)
    finally:
        await client.shutdown_session()
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="codetrans-bench-lsp-"))
    root = tmp / "repo"
    (root / "pkg").mkdir(parents=True)
    target = root / "pkg" / "helpers.py"
    line = make_file(target, args.lines)
    genv = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "B",
            "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@example.com"}
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Add helpers"]):
        subprocess.run(["git", "-C", str(root), *cmd], check=True, capture_output=True, env=genv)
    env = {**os.environ, "CODETRANS_HOME": str(tmp / "home")}
    exe = shutil.which("codetrans") or sys.exit("codetrans is not on PATH (pip install -e '.[lsp]')")
    subprocess.run([exe, "document", str(target)], capture_output=True, env=env)  # warm: export, index cache
    cli = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        proc = subprocess.run([exe, "document", str(target)], capture_output=True, text=True, env=env)
        cli.append(time.perf_counter() - t)
    result = asyncio.run(measure(root, target, line, args.repeat, env))
    result = {"benchmark": "lsp", "lines": len(target.read_text().splitlines()),
              "functions": proc.stdout.count("\n"), "cli_s": round(min(cli), 3),
              **{k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}}
    slowest = max(result["code_action_s"], result["resolve_one_s"], result["hover_s"])
    result["slowest_request_s"] = round(slowest, 3)
    result["slowest_vs_cli"] = round(slowest / result["cli_s"], 3)
    result["goal_requests_le_2s"] = slowest <= 2.0
    print(json.dumps(result))
    shutil.rmtree(tmp, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
