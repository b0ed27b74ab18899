"""Issue 37, item 4: grounding discovery that one bad entry cannot sink, and ``document --check`` that one bad
file cannot hide.

Real folders, real symbolic links (to ``/proc/1/cwd``, to ``/``), real git repositories, the real CLI with the
micro constant model.
"""

import logging
import os
import subprocess
import time

import pytest

from codetrans.cli import main
from codetrans.data.report import SkipReport
from codetrans.data.sources import SourceSpec, WalkOptions, iter_source_files
from codetrans.errors import DataError
from codetrans.retrieval import discovery
from codetrans.retrieval.pools import TreeOptions, repository_pool

DOCUMENTED = 'def add(a, b):\n    """Add two numbers and return the sum."""\n    return a + b\n'
UNDOCUMENTED = "def area(w, h):\n    total = w * h\n    return total\n"


def _documented(i: int) -> str:
    return f'def helper_{i}(x):\n    """Add {i} to the value and return it."""\n    y = x + {i}\n    return y\n'


@pytest.fixture
def hostile_folder(tmp_path):
    """A context folder with a documented file and links out of it: to /proc/1/cwd, to / and to /etc."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "a.py").write_text(DOCUMENTED)
    os.symlink("/proc/1/cwd", ctx / "proc1")
    os.symlink("/", ctx / "rootfs")
    os.symlink("/etc", ctx / "etc")
    (ctx / "inner.py").symlink_to(ctx / "a.py")  # a link inside the tree is still followed
    return ctx


def test_links_to_proc_and_root_are_skipped_and_counted(hostile_folder):
    # before: PermissionError from os.path.realpath('/proc/1/cwd') while reporting the skipped link
    pool = repository_pool(hostile_folder, cache=False)
    assert len(pool) >= 1 and {m["func_name"] for m in pool.metas} == {"add"}
    assert all(not m["path"].startswith(("proc1", "rootfs", "etc")) for m in pool.metas)
    # /proc/1/cwd: unreadable where /proc hides it (here), a link out of the folder where it does not
    assert pool.skipped in ({"symlink_outside": 3}, {"symlink_outside": 2, "unreadable": 1}), pool.skipped
    assert repository_pool(hostile_folder).skipped == pool.skipped  # kept in the cache file too


def test_cli_context_folder_with_hostile_links(hostile_folder, tmp_path, capsys, constant_model_dir):
    src = tmp_path / "f.py"
    src.write_text(UNDOCUMENTED)
    rc = main(["document", "--context", str(hostile_folder), "--model", constant_model_dir, str(src)])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "Permission denied" not in err and "error" not in err.lower()
    line = [ln for ln in err.splitlines() if ln.startswith(f"context: grounded in {hostile_folder}")]
    assert len(line) == 1 and "documented functions; skipped: " in line[0] and "symlink_outside" in line[0], err


def test_a_link_inside_a_git_repository_to_root_is_not_followed(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "a.py").write_text(DOCUMENTED)
    os.symlink("/", repo / "everything")
    os.symlink("/proc/1/cwd", repo / "proc1")
    start = time.monotonic()
    pool = repository_pool(repo / "a.py", cache=False)
    assert {m["path"] for m in pool.metas} == {"a.py"} and time.monotonic() - start < 30


def test_walk_budget_in_files_stops_the_walk_and_says_so(tmp_path, caplog):
    for i in range(40):
        (tmp_path / f"m{i:02}.py").write_text(_documented(i))
    with caplog.at_level(logging.INFO, logger="codetrans.retrieval.pools"):
        pool = repository_pool(tmp_path, TreeOptions(max_files=10), cache=False)
    assert 1 <= len(pool) <= 11 and pool.skipped == {"budget_files": 1}
    assert any(r.levelno == logging.WARNING and "stopped at the budget (10 source files" in r.getMessage()
               for r in caplog.records)


def test_walk_budget_in_seconds_gives_a_partial_pool_that_is_not_cached(tmp_path):
    for i in range(5):
        (tmp_path / f"m{i}.py").write_text(_documented(i))
    home = os.environ["CODETRANS_HOME"]
    pool = repository_pool(tmp_path, TreeOptions(max_seconds=0.0))
    assert pool.partial and len(pool) <= 1
    cached = [p for p in (os.scandir(os.path.join(home, "cache", "retrieval"))
                          if os.path.isdir(os.path.join(home, "cache", "retrieval")) else [])]
    assert cached == []  # a time cut is not reproducible: the next call walks again
    assert len(repository_pool(tmp_path)) == 5  # the default budget reads them all


def test_walker_reports_progress_while_it_walks(tmp_path):
    for i in range(3):
        (tmp_path / f"m{i}.py").write_text(_documented(i))
    seen = []
    opts = WalkOptions(progress=lambda files, seconds: seen.append((files, seconds)))
    for _ in iter_source_files(SourceSpec(tmp_path, name="t"), opts, SkipReport()):
        time.sleep(1.1)  # a slow consumer: the walk's clock runs on
    assert seen and seen[-1][0] >= 1 and seen[-1][1] >= 1.0


def _big_folder(folder, n):
    for i in range(n):
        (folder / f"gen_{i}.py").write_text(f"X_{i} = {i}\n")


def test_file_outside_git_in_a_big_folder_is_not_grounded(tmp_path, capsys, constant_model_dir):
    folder = tmp_path / "downloads"
    folder.mkdir()
    _big_folder(folder, 2_001)  # discovery.SMALL_FOLDER_FILES + 1
    (folder / "lib.py").write_text(DOCUMENTED)
    src = folder / "f.py"
    src.write_text(UNDOCUMENTED)
    with pytest.raises(DataError, match="too many to ground in"):
        discovery.grounding_root(src)
    rc = main(["document", "--model", constant_model_dir, str(src)])
    err = capsys.readouterr().err
    assert rc == 0, err
    notes = [ln for ln in err.splitlines() if ln.startswith("context: ")]
    assert len(notes) == 1 and "too many to ground in" in notes[0] and "generating without context" in notes[0]
    # named explicitly, the same folder is grounded in
    rc = main(["document", "--context", str(folder), "--model", constant_model_dir, str(src)])
    err = capsys.readouterr().err
    assert rc == 0 and f"context: grounded in {folder}" in err


def test_small_folder_does_not_count_virtualenvs_node_modules_or_caches(tmp_path):
    folder = tmp_path / "scripts"
    for skipped in (".venv/lib", "env/lib", "node_modules/pkg", "__pycache__", ".git/objects"):
        (folder / skipped).mkdir(parents=True)
        _big_folder(folder / skipped, 700)
    (folder / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (folder / "tool.py").write_text(DOCUMENTED)
    assert discovery.grounding_root(folder / "tool.py") == folder.resolve()


CHECK = ["document", "--check", "--no-context"]


def test_check_reports_binary_and_huge_files_and_checks_the_others(tmp_path, capsys, constant_model_dir):
    binary = tmp_path / "blob.py"
    binary.write_bytes(b"\x7fELF\0\0\0binary")
    huge = tmp_path / "huge.py"
    huge.write_text("X = 1\n" * 1_000_000)  # 6 MB
    good = tmp_path / "good.py"
    good.write_text(UNDOCUMENTED)
    rc = main([*CHECK, "--model", constant_model_dir, str(binary), str(huge), str(good)])
    out, err = capsys.readouterr()
    assert rc == 1, err  # the finding in good.py, not an error
    assert f"{good}:1 area: undocumented" in out
    assert f"{binary}: skipped:" in err and "binary" in err
    assert f"{huge}: skipped:" in err and "larger than" in err


def test_check_with_only_an_unreadable_kind_of_file_passes(tmp_path, capsys, constant_model_dir):
    binary = tmp_path / "blob.py"
    binary.write_bytes(b"\0\0\0")
    assert main([*CHECK, "--model", constant_model_dir, str(binary)]) == 0
    assert f"{binary}: skipped:" in capsys.readouterr().err


def test_check_reports_a_file_with_syntax_errors_and_fails(tmp_path, capsys, constant_model_dir):
    bad = tmp_path / "bad.py"
    bad.write_text(DOCUMENTED + "\n\ndef broken(:\n    return 1\n")
    fine = tmp_path / "fine.py"
    fine.write_text(DOCUMENTED)
    rc = main([*CHECK, "--model", constant_model_dir, str(bad), str(fine)])
    out, err = capsys.readouterr()
    assert rc == 1, err  # before: 0, and not a word about bad.py
    assert f"{bad}:6: not checked: syntax error" in err
    assert "1 file(s) not checked: syntax errors" in err
    assert main([*CHECK, "--model", constant_model_dir, str(fine)]) == 0


def test_check_of_a_missing_file_is_still_an_error(tmp_path, capsys, constant_model_dir):
    rc = main([*CHECK, "--model", constant_model_dir, str(tmp_path / "nope.py")])
    assert rc != 0 and "nope.py" in capsys.readouterr().err
