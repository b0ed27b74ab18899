"""`codetrans lsp` latency on 5,000 / 20,000 / 100,000-line files, for clients with and without
``codeAction/resolve`` support (issue #37; was #24's 5,000-line figure).

For each size, builds a git repository holding one generated Python module of that many lines (documented
and undocumented functions, as `benchmarks/retrieval.py` writes them). Then, once per client kind, starts
the server as an editor does (a real LSP client over stdio, pytest-lsp's), loads the model on a small file
first (so no figure holds the model's load), opens each module and times at one undocumented function:

* ``actions_first_s``: the first code-action list after opening (the file's functions are listed then);
* ``actions_s``: the code-action list again (best of ``--repeat``); without resolve support it carries
  the edit of the function at the cursor (the model runs for it), "Document all" is a command;
* ``resolve_s`` (resolve clients): resolving "Document `name`" into its edit (best of ``--repeat``);
* ``hover_s``: the hover with the suggestion (best of ``--repeat``);
* ``edits``: the TextEdits in the one-function edit (one insertion: 1).

The baseline, measured in the same run on the same file, is ``list_s``: listing the file's undocumented
functions in this process (:func:`codetrans.apps.docwriter.undocumented`: one tree-sitter parse plus
the walk), the least any request on a fresh version of the file costs; each figure is also given as a ratio
to it, and ``*_vs_5k`` ratios show how a figure grows with the file (20x the lines; quadratic would be
400x). A request over ``--timeout`` seconds is reported as null (``timed_out``) and the client kind's larger
sizes are skipped. The last line printed is one JSON object. Needs the lsp and test extras.

    python benchmarks/lsp.py [--lines 5000,20000,100000] [--repeat 3] [--timeout 120]
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


def make_repo(root: Path, lines: int) -> tuple[Path, int]:
    (root / "pkg").mkdir(parents=True)
    target = root / "pkg" / "helpers.py"
    line = make_file(target, lines)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "B",
           "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@example.com"}
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Add helpers"]):
        subprocess.run(["git", "-C", str(root), *cmd], check=True, capture_output=True, env=env)
    return target, line


class TimedOut(Exception):
    pass


async def timed(coro, timeout: float) -> tuple[float, object]:
    t = time.perf_counter()
    try:
        result = await asyncio.wait_for(coro, timeout)
    except asyncio.TimeoutError:
        raise TimedOut() from None
    return time.perf_counter() - t, result


def _open(client, path: Path) -> str:
    from lsprotocol import types as T

    uri = path.as_uri()
    client.text_document_did_open(T.DidOpenTextDocumentParams(text_document=T.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=path.read_text())))
    return uri


def _action_params(uri: str, line: int):
    from lsprotocol import types as T

    where = T.Range(start=T.Position(line=line, character=4), end=T.Position(line=line, character=4))
    return T.CodeActionParams(text_document=T.TextDocumentIdentifier(uri=uri), range=where,
                              context=T.CodeActionContext(diagnostics=[]))


async def measure_file(client, target: Path, line: int, resolve: bool, repeat: int, timeout: float) -> dict:
    from lsprotocol import types as T

    uri = _open(client, target)
    params = _action_params(uri, line)
    out: dict = {}
    out["actions_first_s"], actions = await timed(client.text_document_code_action_async(params), timeout)
    one = actions[0]
    out["actions"] = len(actions)
    times: dict[str, list[float]] = {"actions_s": [], "hover_s": []}
    if resolve:
        times["resolve_s"] = []
    for _ in range(repeat):
        dt, actions = await timed(client.text_document_code_action_async(params), timeout)
        times["actions_s"].append(dt)
        if resolve:
            dt, one = await timed(client.code_action_resolve_async(actions[0]), timeout)
            times["resolve_s"].append(dt)
        hover = T.HoverParams(text_document=T.TextDocumentIdentifier(uri=uri), position=T.Position(line=line, character=6))
        dt, _ = await timed(client.text_document_hover_async(hover), timeout)
        times["hover_s"].append(dt)
    out.update({k: min(v) for k, v in times.items()})
    edit = getattr(one, "edit", None)
    out["edits"] = len(edit.document_changes[0].edits) if edit else None
    client.text_document_did_close(T.DidCloseTextDocumentParams(text_document=T.TextDocumentIdentifier(uri=uri)))
    return out


async def measure_client(files: list[tuple[int, Path, int]], warm: Path, resolve: bool, repeat: int,
                         timeout: float, env: dict) -> dict[int, dict]:
    """One server for one client kind: every size in turn, smallest first."""
    from lsprotocol import types as T
    from pytest_lsp import client_capabilities, make_test_lsp_client

    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "codetrans.cli", "lsp", env=env)
    caps = client_capabilities("visual-studio-code")
    if not resolve:
        caps.text_document.code_action.resolve_support = None
    await client.initialize_session(T.InitializeParams(capabilities=caps, root_uri=warm.parent.as_uri()))
    rows: dict[int, dict] = {}
    try:  # the model loads on the first request: on a small file, outside every figure
        uri = _open(client, warm)
        actions = await client.text_document_code_action_async(_action_params(uri, 0))
        if resolve:
            await client.code_action_resolve_async(actions[0])
        for lines, target, line in files:
            try:
                rows[lines] = await measure_file(client, target, line, resolve, repeat, timeout)
            except TimedOut:
                rows[lines] = {"timed_out": True}
                for bigger, _, _ in files:
                    rows.setdefault(bigger, {"skipped": f"a smaller file timed out (> {timeout:.0f} s)"})
                break
    finally:
        if any(r.get("timed_out") for r in rows.values()):
            if client._server is not None and client._server.returncode is None:
                client._server.kill()  # still at work on the request that timed out: no shutdown answer soon
            await client.stop()
        else:
            await client.shutdown_session()
    return rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", default="5000,20000,100000", help="file sizes, comma separated")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds one request may take")
    args = ap.parse_args(argv)
    from codetrans.apps.docwriter import undocumented

    sizes = sorted(int(x) for x in args.lines.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="codetrans-bench-lsp-"))
    warm = tmp / "warm" / "small.py"
    warm.parent.mkdir(parents=True)
    warm.write_text("def add(a, b):\n    return a + b\n")
    files, baseline = [], {}
    for lines in sizes:
        target, line = make_repo(tmp / f"repo{lines}", lines)
        files.append((lines, target, line))
        text = target.read_text()
        best = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            undocumented(text, "python")
            best.append(time.perf_counter() - t)
        baseline[lines] = min(best)
    env = {**os.environ, "CODETRANS_HOME": str(tmp / "home")}
    rows = []
    for resolve in (True, False):
        measured = asyncio.run(measure_client(files, warm, resolve, args.repeat, args.timeout, env))
        for lines, _, _ in files:
            row = {"lines": lines, "resolve_support": resolve, "list_s": round(baseline[lines], 3),
                   **{k: round(v, 3) if isinstance(v, float) else v for k, v in measured[lines].items()}}
            for key in ("actions_first_s", "actions_s", "resolve_s", "hover_s"):
                if row.get(key) is not None:
                    row[f"{key[:-2]}_vs_list"] = round(row[key] / baseline[lines], 2)
            rows.append(row)
            print(json.dumps(row), flush=True)
    for row in rows:  # growth with the file, against the smallest size of the same client kind
        small = next(r for r in rows if r["resolve_support"] == row["resolve_support"] and r["lines"] == sizes[0])
        for key in ("actions_first_s", "actions_s", "resolve_s"):
            if row["lines"] != sizes[0] and row.get(key) and small.get(key):
                row[f"{key[:-2]}_vs_{sizes[0] // 1000}k"] = round(row[key] / small[key], 2)
    timed = [r[k] for r in rows for k in ("actions_s", "resolve_s", "hover_s") if r.get(k) is not None]
    result = {"benchmark": "lsp", "sizes": sizes, "rows": rows,
              "slowest_request_s": round(max(timed), 3) if timed else None,
              "goal_requests_le_2s": bool(timed) and max(timed) <= 2.0 and not any(r.get("timed_out") for r in rows)}
    print(json.dumps(result))
    shutil.rmtree(tmp, ignore_errors=True)
    return result


if __name__ == "__main__":
    main()
