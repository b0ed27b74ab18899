"""Git history on a repository the test creates with ``git init``."""

from __future__ import annotations

import os
import subprocess

import pytest

from codetrans.data.git import CommitFilters, is_bot, load_git_history, subject_reason
from codetrans.errors import DataError


def _git(repo, *args, author=("Ada Lovelace", "ada@example.com")):
    env = {**os.environ, "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
           "GIT_COMMITTER_NAME": author[0], "GIT_COMMITTER_EMAIL": author[1],
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def _commit(repo, files: dict, subject: str, author=("Ada Lovelace", "ada@example.com")):
    for name, content in files.items():
        p = repo / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode())
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--allow-empty", "-m", subject, author=author)


@pytest.fixture
def repo(tmp_path):
    r = tmp_path / "demo"
    r.mkdir()
    _git(r, "init", "-q", "-b", "main")
    _git(r, "remote", "add", "origin", "https://example.com/acme/demo.git")
    _commit(r, {"src/Main.java": "class Main {\n  int x;\n}\n"}, "Add the main class")
    _commit(r, {"src/Main.java": "class Main {\n  int y;\n}\n"}, "Rename field x to y")
    _commit(r, {"src/Main.java": "class Main {\n  int z;\n}\n"}, "Bump z",
            author=("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"))
    _commit(r, {"src/Main.java": "class Main {\n  int w;\n}\n"}, "Use the field w now",
            author=("ci-bot", "ci@example.com"))
    _commit(r, {"src/Main.java": "class Main {\n  int v;\n}\n"}, "fix")  # subject too short
    _commit(r, {"logo.png": bytes(range(256)) * 4}, "Add the project logo")  # binary only
    _commit(r, {"big.txt": "".join(f"line {i}\n" for i in range(500))}, "Add a big generated table")
    _commit(r, {"src/Main.java": "class Main {\n  int u;\n}\n"}, "Merge branch feature into main")
    _commit(r, {}, "An empty commit with words")
    _commit(r, {"src/Main.java": "class Main {\n  int t; // \xe9\n}\n".encode("latin-1")},
            "Write a latin-1 comment here")
    _commit(r, {"src/Other.java": "class Other {}\n", "img.png": b"\x00\x01\x02" * 10},
            "Mix text and binary changes")
    return r


def test_history_filters_and_counts(repo):
    recs = load_git_history(repo, raw=True)
    subjects = [r["subject"] for r in recs]
    assert subjects == ["Mix text and binary changes", "Rename field x to y", "Add the main class"]
    sk = recs.report.skipped
    assert sk == {"bot_author": 2, "subject_length": 1, "binary_only": 1, "too_many_lines": 1,
                  "subject_pattern": 1, "empty_diff": 1, "non_utf8": 1}
    r = recs[1]
    assert r["repo"] == "acme/demo" and len(r["sha"]) == 40 and r["language"] == "Java"
    assert r["diff"].startswith("diff --git a/src/Main.java") and "+  int y;" in r["diff"]
    assert r["files"] == ["src/Main.java"]
    assert "Binary files" in recs[0]["diff"]
    assert recs.report.kept == 3


def test_history_supervised_records_and_settings(repo):
    recs = load_git_history(repo, CommitFilters(max_changed_lines=None, drop_bots=False, max_records=3))
    assert all(r["task"] == "commit_generation" for r in recs)
    assert "Add a big generated table" in [r["target"] for r in recs]
    assert len(recs) == 3 and recs.report.skipped["not_examined_cap"] >= 1
    assert "<nl>" in recs[0]["source"] and "ppp b" in recs[0]["source"]


def test_duplicates_dropped(tmp_path):
    r = tmp_path / "dup"
    r.mkdir()
    _git(r, "init", "-q")
    for i in range(3):
        _commit(r, {"a.py": "x = 1\n"}, "Set x to one")
        _commit(r, {"a.py": "x = 2\n"}, f"Set x to two again {i}" if i else "Set x to one")
    recs = load_git_history(r, raw=True)
    assert recs.report.skipped["duplicate"] >= 1
    assert len({(c["diff"], c["subject"]) for c in recs}) == len(recs)


def test_not_a_repo_and_no_commits(tmp_path):
    with pytest.raises(DataError, match="not a git repository"):
        load_git_history(tmp_path)
    _git(tmp_path, "init", "-q")
    with pytest.raises(DataError, match="no commits"):
        load_git_history(tmp_path)


def test_bot_and_subject_rules():
    assert is_bot("renovate", "x@y") and is_bot("Build Bot", "b@x") and is_bot("x", "release tools@a")
    assert not is_bot("Jane Abbott", "jane@talbot.org")
    assert subject_reason("Revert the change to parser") == "subject_pattern"
    assert subject_reason("[maven-release-plugin] prepare release commons-io-2.5") == "subject_pattern"
    assert subject_reason("Prepare for the next development iteration") == "subject_pattern"
    assert subject_reason("Fix docs [skip ci] now") == "subject_pattern"
    assert subject_reason("Version 1.2.3 released") == "version_only"
    assert subject_reason("Fix a typo in README") is None
    assert subject_reason(" ".join(["word"] * 31)) == "subject_length"


def test_commits_touching_secrets_are_dropped(tmp_path):
    """The secret filter is a commit filter: `codetrans data build` and finetune both drop such commits."""
    from codetrans.data.git import iter_commits
    from codetrans.data.report import SkipReport

    r = tmp_path / "secrets"
    r.mkdir()
    _git(r, "init", "-q", "-b", "main")
    _commit(r, {"app.py": "x = 1\n"}, "Add the application entry point")
    _commit(r, {".env": "TOKEN=abc\n", "app.py": "x = 2\n"}, "Read the token from the environment")
    _commit(r, {"deploy.txt": "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n"}, "Add the deployment notes file")
    _commit(r, {"app.py": "x = 3\n"}, "Change the entry point value again")
    report = SkipReport()
    kept = [c["subject"] for c in iter_commits(r, CommitFilters(), report)]
    assert kept == ["Change the entry point value again", "Add the application entry point"]
    assert report.skipped["secret"] == 2 and report.kept == 2
    loose = [c["subject"] for c in iter_commits(r, CommitFilters(drop_secrets=False))]
    assert len(loose) == 4
