"""Repositories the retrieval tests create: real git (subprocess), real source files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

NAMES = ["user", "group", "file", "record", "token", "session", "order", "invoice", "config", "cache"]
VERBS = [("load", "Load"), ("save", "Save"), ("delete", "Delete"), ("validate", "Validate"), ("render", "Render")]


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.com",
           "GIT_COMMITTER_NAME": "Ada Lovelace", "GIT_COMMITTER_EMAIL": "ada@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    proc = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env, text=True)
    return proc.stdout


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode())


def init(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    return root


def commit(root: Path, files: dict[str, str | bytes], subject: str, date: str | None = None) -> str:
    write(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", subject, date=date)
    return git(root, "rev-parse", "HEAD").strip()


def py_function(verb: str, noun: str, doc: str | None = None) -> str:
    """A documented Python function (three statements: the extractor keeps it)."""
    v, V = verb, dict(VERBS).get(verb, verb.capitalize())
    doc = doc if doc is not None else f"{V} the {noun} with the given id from the store."
    return (f"def {v}_{noun}({noun}_id, store):\n    \"\"\"{doc}\"\"\"\n    item = store.get({noun}_id)\n"
            f"    store.{v}(item)\n    return item\n\n\n")


def module(noun: str, verbs=VERBS) -> str:
    return "".join(py_function(v, noun) for v, _ in verbs)
