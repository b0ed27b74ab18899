"""Issue 13: hostile input and faults. One test (or a few) per numbered case, on files the tests create.

Commands run in-process through ``codetrans.cli.main`` (the real CLI, real tree-sitter, a real micro
model); each asserts a one-line error (no traceback) and the exit status.
"""

import io
import logging
import os
import socket
import stat
import sys
import threading
import time

import pytest

from codetrans.cli import main
from codetrans.errors import CodeTransError

FUNCS = "def area(w, h):\n    return w * h\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"


def run_cli(argv, capsys, stdin=None, monkeypatch=None, timeout=120):
    """main(argv) in a thread (a hang fails the test instead of blocking it); -> (rc, out, err)."""
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", stdin)
    box = {}

    def target():
        try:
            box["rc"] = main(argv)
        except SystemExit as exc:  # argparse
            box["rc"] = exc.code
        except BaseException as exc:  # noqa: BLE001 - reported below
            box["exc"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), f"codetrans {' '.join(map(str, argv))} hung"
    if "exc" in box:
        raise box["exc"]
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return box["rc"], out, err


def one_line_error(err):
    # warnings and the context note ("context: grounded in ..." / "no documented functions ...") are not errors
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith(("warning", "context: "))]
    assert len(lines) == 1, err
    return lines[0]


class Stdin:
    """A text stdin whose ``buffer`` is the given binary stream."""

    def __init__(self, raw):
        self.buffer = raw

    def read(self, *a):
        return self.buffer.read(*a).decode("utf-8", "replace")

    def isatty(self):
        return False


class Endless(io.RawIOBase):
    """`yes "def f(a): return a"`: never ends; counts what was read."""

    def __init__(self, line=b"def f(a): return a\n"):
        self.line = line
        self.served = 0

    def readable(self):
        return True

    def readinto(self, b):
        n = len(b)
        chunk = (self.line * (n // len(self.line) + 1))[:n]
        b[:n] = chunk
        self.served += n
        return n


# -- 1. special files ----------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["document", "tokenize", "extract"])
def test_fifo_is_refused(tmp_path, capsys, command):
    fifo = tmp_path / "f.py"
    os.mkfifo(fifo)
    rc, _, err = run_cli([command, str(fifo), "--model", "nowhere"] if command == "document"
                         else [command, str(fifo)], capsys, timeout=30)
    assert rc == 2 and "FIFO" in one_line_error(err)


@pytest.mark.parametrize("argv", [["evaluate", "--table", "{fifo}"], ["train", "{fifo}", "--check"],
                                  ["summarize", "--lang", "python", "{fifo}"], ["commit", "{fifo}"]])
def test_fifo_is_refused_by_every_reader(tmp_path, capsys, argv):
    fifo = tmp_path / "results.yaml"
    os.mkfifo(fifo)
    rc, _, err = run_cli([a.format(fifo=fifo) for a in argv], capsys, timeout=30)
    line = one_line_error(err)
    assert rc == 2 and ("FIFO" in line or "not found" in line)


def test_socket_and_device_are_refused(tmp_path, capsys):
    sock_path = tmp_path / "s.py"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock_path))
    try:
        rc, _, err = run_cli(["tokenize", str(sock_path)], capsys, timeout=30)
        assert rc == 2 and "socket" in one_line_error(err)
    finally:
        s.close()
    rc, _, err = run_cli(["extract", "/dev/zero"], capsys, timeout=30)
    assert rc == 2 and "device" in one_line_error(err)


def test_safeio_refuses_a_fifo_swapped_in_after_the_check(tmp_path):
    from codetrans.safeio import InputError, read_bytes

    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        read_bytes(fifo)


# -- 2. --write and symbolic links ---------------------------------------------------------------
def test_write_never_follows_symlink(tmp_path, capsys, constant_model_dir):
    src = tmp_path / "a.py"
    src.write_text(FUNCS)
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    (tmp_path / "a.py.orig").symlink_to(victim)  # planted, dangling
    rc, out, err = run_cli(["document", str(src), "--write", "--model", constant_model_dir, "--backend", "torch",
                            "--max-new-tokens", "8"], capsys)
    assert rc == 0, err
    assert not victim.exists()  # nothing written through the link
    assert (tmp_path / "a.py.orig").is_symlink()
    assert (tmp_path / "a.py.orig.1").read_text() == FUNCS  # the backup went to a fresh name
    assert '"""' in src.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_write_with_link_into_missing_directory(tmp_path, capsys, constant_model_dir):
    src = tmp_path / "a.py"
    src.write_text(FUNCS)
    (tmp_path / "a.py.orig").symlink_to(tmp_path / "no" / "such" / "dir" / "x")
    rc, _, err = run_cli(["document", str(src), "--write", "--model", constant_model_dir, "--backend", "torch",
                          "--max-new-tokens", "8"], capsys)
    assert rc == 0, err
    assert not (tmp_path / "no").exists()


def test_write_refuses_a_symlinked_target_and_keeps_permissions(tmp_path):
    from codetrans.safeio import safe_write

    real = tmp_path / "real.py"
    real.write_text("x = 1\n")
    os.chmod(real, 0o640)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    with pytest.raises(CodeTransError, match="symbolic link"):
        safe_write(link, "x = 2\n")
    assert real.read_text() == "x = 1\n"
    saved = safe_write(real, "x = 3\n", backup=True)
    assert stat.S_IMODE(real.stat().st_mode) == 0o640 and saved.read_text() == "x = 1\n"


def test_file_with_syntax_errors_is_not_rewritten(tmp_path, capsys, constant_model_dir):
    src = tmp_path / "b.py"
    broken = "def broken(:\n    return 1\n\nclass K:\n    def m(self):\n        return 2\n"
    src.write_text(broken)
    rc, _, err = run_cli(["document", str(src), "--write", "--model", constant_model_dir, "--backend", "torch"],
                         capsys)
    assert rc == 2 and "syntax errors" in one_line_error(err)
    assert src.read_text() == broken and not (tmp_path / "b.py.orig").exists()


# -- 3. unbounded reads --------------------------------------------------------------------------
def test_stdin_is_read_with_the_file_limit(monkeypatch, capsys, constant_model_dir):
    from codetrans.safeio import MAX_INPUT_BYTES

    endless = Endless()
    rc, _, err = run_cli(["commit", "--model", constant_model_dir, "--backend", "torch"], capsys,
                         stdin=Stdin(endless), monkeypatch=monkeypatch)
    assert rc == 2 and "larger than" in one_line_error(err)
    assert endless.served <= MAX_INPUT_BYTES + (1 << 16) + 1  # stopped at the limit


def test_stdin_zeros_stop_at_the_limit(monkeypatch, capsys, constant_model_dir):
    from codetrans.safeio import MAX_INPUT_BYTES

    zeros = Endless(b"\0")
    rc, _, err = run_cli(["summarize", "--model", constant_model_dir, "--backend", "torch"], capsys,
                         stdin=Stdin(zeros), monkeypatch=monkeypatch)
    assert rc == 2 and zeros.served <= MAX_INPUT_BYTES + (1 << 16) + 1


# -- 4. one-line errors, exit 2 ----------------------------------------------------------------------
def test_read_only_directory_with_write(tmp_path, capsys, constant_model_dir):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "a.py").write_text(FUNCS)
    os.chmod(ro, 0o555)
    try:
        rc, _, err = run_cli(["document", str(ro / "a.py"), "--write", "--model", constant_model_dir,
                              "--backend", "torch", "--max-new-tokens", "8"], capsys)
    finally:
        os.chmod(ro, 0o755)
    assert rc == 2 and "not writable" in one_line_error(err)
    assert (ro / "a.py").read_text() == FUNCS and sorted(p.name for p in ro.iterdir()) == ["a.py"]


@pytest.mark.parametrize("command", ["evaluate", "data build"])
def test_out_onto_existing_file_or_read_only_dir(tmp_path, capsys, command):
    existing = tmp_path / "results.json"
    existing.write_text("{}")
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o555)
    head = ["evaluate", "--model", "baseline:funcname", "--data", str(tmp_path / "data")] if command == "evaluate" \
        else ["data", "build", str(tmp_path)]
    try:
        for out in (existing, ro / "sub"):
            rc, _, err = run_cli([*head, "--out", str(out)], capsys)
            assert rc == 2, err
            assert "not a directory" in one_line_error(err) or "not writable" in err
    finally:
        os.chmod(ro, 0o755)
    assert existing.read_text() == "{}"


def test_model_dir_with_non_json_config(tmp_path, capsys, monkeypatch):
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text("{not json")
    rc, _, err = run_cli(["summarize", "--model", str(model), "-"], capsys, timeout=60,
                         stdin=Stdin(io.BytesIO(b"x = 1")), monkeypatch=monkeypatch)
    assert rc == 2 and "config.json is not valid JSON" in one_line_error(err)


def test_algolisp_deeply_nested_arg(capsys):
    rc, _, err = run_cli(["algolisp", "run", "(len a)", "--arg", "a=" + "[" * 1000], capsys)
    assert rc == 2 and "nested too deeply" in one_line_error(err)
    rc, _, err = run_cli(["algolisp", "run", "(len a)", "--arg", "a=" + "[" * 900 + "1" + "]" * 900], capsys)
    assert rc in (0, 2)


@pytest.mark.parametrize("options", [["--beams", "-3"], ["--max-new-tokens", "0"], ["--max-new-tokens", "-1"],
                                     ["--batch-size", "0"], ["--beams", "0"]])
def test_bad_generation_options_are_one_line_errors(capsys, options, constant_model_dir, monkeypatch):
    rc, _, err = run_cli(["summarize", "--model", constant_model_dir, "--backend", "torch", *options, "-"], capsys,
                         stdin=Stdin(io.BytesIO(b"x = compute(y)")), monkeypatch=monkeypatch)
    assert rc == 2 and "must be at least" in one_line_error(err)


@pytest.mark.parametrize("backend", ["torch", "ct2"])
def test_pipeline_num_beams_zero_and_empty_list(backend, constant_model_dir, tmp_path):
    import shutil

    from codetrans.serving.pipelines import pipeline

    model = shutil.copytree(constant_model_dir, tmp_path / "m")
    pipe = pipeline("summarize", str(model), backend=backend)
    with pytest.raises(CodeTransError, match="num_beams must be at least 1"):
        pipe("x = compute(y)", lang="python", num_beams=0)
    with pytest.raises(CodeTransError, match="max_new_tokens must be at least 1"):
        pipe("x = compute(y)", lang="python", max_new_tokens=-1)
    assert pipe([]) == []
    with pytest.raises(CodeTransError, match="batch_size"):
        pipe(["x = 1"], batch_size=0)


# -- 5. a ceiling on generation ---------------------------------------------------------------------
def test_max_new_tokens_is_capped_with_a_warning(caplog, capsys, constant_model_dir, monkeypatch):
    from codetrans.generation import MAX_NEW_TOKENS_CEILING, check_generate_options

    with caplog.at_level(logging.WARNING, logger="codetrans.generation"):
        opts = check_generate_options({"max_new_tokens": 1_000_000_000})
    assert opts["max_new_tokens"] == MAX_NEW_TOKENS_CEILING and "capped" in caplog.text
    t0 = time.monotonic()
    rc, out, _ = run_cli(["summarize", "--model", constant_model_dir, "--backend", "torch",
                          "--max-new-tokens", "1000000000", "--lang", "python", "-"], capsys,
                         stdin=Stdin(io.BytesIO(b"x = compute(y)")), monkeypatch=monkeypatch)
    assert rc == 0 and out.strip() and time.monotonic() - t0 < 120


# -- 8. big inputs: streaming, progress, partial result on Ctrl-C -----------------------------------
def _many_functions(n):
    return "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(n))


def test_big_input_streams_per_batch_and_ctrl_c_keeps_partial(tmp_path, capsys, constant_model_dir, monkeypatch):
    from codetrans.serving.logic import TaskLogic

    src = tmp_path / "big.py"
    src.write_text(_many_functions(20))
    calls = {"n": 0}
    printed_after = []
    original = TaskLogic.document_file

    def counting(self, *a, **k):
        calls["n"] += 1
        return original(self, *a, **k)

    monkeypatch.setattr(TaskLogic, "document_file", counting)
    real_print = print

    def spy_print(*a, **k):
        if k.get("file") is None:
            printed_after.append(calls["n"])
        real_print(*a, **k)

    import builtins

    monkeypatch.setattr(builtins, "print", spy_print)
    rc, out, _ = run_cli(["document", str(src), "--model", constant_model_dir, "--backend", "torch",
                          "--batch-size", "4", "--max-new-tokens", "4"], capsys)
    assert rc == 0 and len(out.splitlines()) == 20
    assert printed_after[0] == 1 and calls["n"] == 5  # the first result printed after the first batch

    def interrupting(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, *a, **k)

    calls["n"] = 0
    monkeypatch.setattr(TaskLogic, "document_file", interrupting)
    rc, out, err = run_cli(["document", str(src), "--model", constant_model_dir, "--backend", "torch",
                            "--batch-size", "4", "--max-new-tokens", "4"], capsys)
    assert rc == 130 and len(out.splitlines()) == 8
    assert "interrupted after 8 of 20" in err


# -- beyond: the wrapper -----------------------------------------------------------------------------
def test_unexpected_error_is_one_line_with_debug_hint(capsys, monkeypatch):
    import codetrans.cli.tokenize as lang_cli

    def boom(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(lang_cli, "run", boom)
    rc, _, err = run_cli(["tokenize", "-"], capsys)
    assert rc == 1 and "--debug" in one_line_error(err)
    with pytest.raises(ZeroDivisionError):
        main(["tokenize", "--debug", "-"])
