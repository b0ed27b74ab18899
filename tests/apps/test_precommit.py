"""The pre-commit hook ``codetrans-docs`` with the real pre-commit package: installed from this checkout
(``repo:`` its path, ``language: python``, so pre-commit builds the hook's own virtualenv with this package)
into a git repository the test creates; commits blocked with a suggestion, then fixed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from retrieval.repos import git, init

ROOT = Path(__file__).resolve().parents[2]
UNDOCUMENTED = '''def add_item(cart, item, quantity=1):
    """Add an item to the cart."""
    cart[item] = cart.get(item, 0) + quantity
    return cart


def add_coupon(cart, coupon):
    cart.setdefault("coupons", []).append(coupon)
    return cart


def _private_helper(cart):
    return len(cart)
'''


def _constraints(tmp: Path) -> Path:
    """The running environment's versions: the hook's virtualenv installs the same (from the local cache)."""
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True,
                            text=True, check=True).stdout
    path = tmp / "constraints.txt"
    path.write_text("".join(line + "\n" for line in frozen.splitlines() if "==" in line and " @ " not in line))
    return path


def _run(repo: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=1200)


def test_pre_commit_hook_blocks_then_fixes(tmp_path):
    if not (ROOT / ".git").exists():
        pytest.fail("the hook test installs from this checkout's git history; run it in a clone")
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                         check=True).stdout.strip()
    repo = init(tmp_path / "user-repo")
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or "pre-commit"
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PIP_CONSTRAINT": str(_constraints(tmp_path)),
           "CODETRANS_HOME": str(tmp_path / "home"), "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@example.com", "GIT_COMMITTER_NAME": "Ada",
           "GIT_COMMITTER_EMAIL": "ada@example.com"}

    def config(args: list[str]) -> None:
        (repo / ".pre-commit-config.yaml").write_text(
            f"repos:\n- repo: {ROOT}\n  rev: {rev}\n  hooks:\n  - id: codetrans-docs\n"
            f"    args: {args!r}\n")

    config(["--skip-private", "--backend", "torch"])
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "Add pre-commit config")
    installed = _run(repo, env, pre_commit, "install")
    assert installed.returncode == 0, installed.stderr

    (repo / "cart.py").write_text(UNDOCUMENTED)
    git(repo, "add", "cart.py")
    blocked = _run(repo, env, "git", "commit", "-m", "Add the cart")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "cart.py:7 add_coupon: undocumented; suggested: " in out
    # the shipped model is not sure here (see --fix below): the finding says so, with where it came from
    finding = next(line for line in out.splitlines() if "add_coupon: undocumented" in line)
    assert "suggested: (not sure) " in finding and "; confidence 0." in finding, finding
    assert "_private_helper" not in out  # --skip-private
    assert "1 undocumented function(s) in 1 file(s)" in out
    assert git(repo, "log", "--format=%s").splitlines() == ["Add pre-commit config"]  # nothing committed

    config(["--fix", "--skip-private", "--backend", "torch"])
    git(repo, "add", ".pre-commit-config.yaml")
    unsure = _run(repo, env, "git", "commit", "-m", "Add the cart")
    out = unsure.stdout + unsure.stderr
    # the shipped model is not sure of its suggestion here: --fix writes only answers at its confidence threshold
    assert unsure.returncode != 0 and "add_coupon: not sure (confidence" in out, out
    assert (repo / "cart.py").read_text().count('"""') == 2
    config(["--fix", "--min-confidence", "0", "--skip-private", "--backend", "torch"])  # the user's explicit word
    git(repo, "add", ".pre-commit-config.yaml")
    fixed = _run(repo, env, "git", "commit", "-m", "Add the cart")
    assert fixed.returncode != 0  # pre-commit: a hook that changed files fails this run, for review
    text = (repo / "cart.py").read_text()
    assert text.count('"""') == 4 and "def _private_helper(cart):\n    return len(cart)" in text
    git(repo, "add", "cart.py")
    passed = _run(repo, env, "git", "commit", "-m", "Add the cart")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert git(repo, "log", "--format=%s").splitlines()[0] == "Add the cart"
