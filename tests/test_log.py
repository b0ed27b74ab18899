"""Library code logs, the command line shows it: no bare print() below the CLI, and the CLI's handler."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

from codetrans.log import configure_cli_logging

PACKAGE = Path(__file__).resolve().parents[1] / "codetrans"


def _script_main(tree: ast.Module) -> set[ast.AST]:
    """The ``main`` function of a module that runs as a script (``if __name__ == "__main__":``)."""
    runs = any(isinstance(n, ast.If) and "__main__" in ast.unparse(n.test) for n in tree.body)
    return {n for n in tree.body if runs and isinstance(n, ast.FunctionDef) and n.name == "main"}


def test_library_code_never_prints():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("cli", "recipes") or rel.name == "__main__.py":
            continue  # the command line's output is its job
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = {id(n) for f in _script_main(tree) for n in ast.walk(f)}
        offenders += [f"{rel}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Call)
                      and isinstance(n.func, ast.Name) and n.func.id == "print" and id(n) not in allowed]
    assert not offenders, f"print() in library code (log instead): {offenders}"


@pytest.fixture
def cli_logging():
    package = logging.getLogger("codetrans")
    saved = (list(package.handlers), package.level, {n: logging.getLogger(n).level for n in
                                                       ("codetrans.train", "codetrans.data.harvest")})
    yield configure_cli_logging
    package.handlers[:] = saved[0]
    package.setLevel(saved[1])
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def test_cli_logging_shows_warnings_and_long_job_progress_once(cli_logging, capsys):
    cli_logging()
    cli_logging()  # idempotent: one handler, each line once
    logging.getLogger("codetrans.meta").warning("ignoring %s", "x.json")
    logging.getLogger("codetrans.serving.backends").info("using the torch backend")  # a detail: hidden
    logging.getLogger("codetrans.train.engine").info("codetrans train: saved run/final")
    logging.getLogger("codetrans.data.harvest").info("[harvest] 3 sources")
    captured = capsys.readouterr()
    assert captured.out == ""  # stdout keeps only results
    assert captured.err.splitlines() == ["warning: ignoring x.json", "codetrans train: saved run/final",
                                         "[harvest] 3 sources"]


def test_cli_reports_a_library_warning_on_stderr(cli_logging, tmp_path, capsys):
    # through the real entry point: safeio's warning about a file that is not UTF-8
    from codetrans.cli import main

    path = tmp_path / "latin1.py"
    path.write_bytes(b"def f(x):\n    return '\xe9'\n")
    assert main(["tokenize", "--lang", "python", str(path)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {path} is not valid UTF-8; undecodable bytes were replaced" in err.splitlines()
