"""Issue 13, case 6: secrets never reach a dataset, on a git repository the test creates.

Commits touching ``.env`` / ``id_rsa`` are dropped (``secret``); a key hard-coded in source is redacted
in documentation and commit records (``secret_redacted``); both counted in the build report.
"""

import json
import os
import subprocess

import datasets
import pytest

from codetrans.cli import main
from codetrans.data.secrets import PLACEHOLDER, find_secrets, redact

AWS = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
RSA = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aumjT\n-----END RSA PRIVATE KEY-----\n"
HARD_CODED = "abcd1234efgh5678ijkl9012"
APP = f'''
def connect(host, port):
    """Open a connection to the billing service with the api secret."""
    secret = "{HARD_CODED}"
    return open_connection(host, port, secret)


def close(conn):
    """Close the connection and release its socket."""
    conn.shutdown()
    return conn.close()
'''


def _git(repo, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev One", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev One", "GIT_COMMITTER_EMAIL": "dev@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def leaky_repo(tmp_path):
    repo = tmp_path / "leaky"
    repo.mkdir()
    _git(repo, "init", "-q")
    for i in range(6):  # ordinary history, so every split can get something
        (repo / f"util{i}.py").write_text(f'def helper{i}(x):\n    """Add {i} to the value."""\n    return x + {i}\n')
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", f"Add helper number {i} for values")
    (repo / ".env").write_text(AWS)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Add the service configuration file")
    (repo / "id_rsa").write_text(RSA)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Add the deploy key for the server")
    (repo / "keys.txt").write_text("deploy notes\n" + RSA)  # key material under an innocent name
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Write down the deploy notes here")
    (repo / "app.py").write_text(APP)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Connect to the billing service directly")
    return repo


def test_detector_formats():
    samples = {
        "aws_access_key_id": "key = AKIAIOSFODNN7EXAMPLE",
        "github_token": "t = 'ghp_" + "a1B2" * 9 + "'",
        "slack_token": "SLACK=xoxb-123456789012-abcdefABCDEF",
        "private_key": RSA,
        "assignment": f'password = "{HARD_CODED}"',
    }
    for kind, text in samples.items():
        assert [k for k, _, _ in find_secrets(text)] == [kind], kind
    for benign in ('token_type = "access_token"', 'password = os.environ["PW"]', "self.secret = secret",
                   'api_key = "<your key here>"', 'TOKEN_URL = "https://example.com/oauth/token"'):
        assert redact(benign) == (benign, 0), benign


def test_data_build_drops_secret_commits_and_redacts_keys(leaky_repo, tmp_path, capsys):
    out = tmp_path / "corpus"
    rc = main(["data", "build", str(leaky_repo), "--out", str(out), "--tasks", "document", "commit",
               "--num-proc", "1", "--no-progress", "--validation", "0.2", "--test", "0.2"])
    assert rc == 0, capsys.readouterr().err
    dd = datasets.load_from_disk(str(out))
    rows = [r for split in dd for r in dd[split]]
    blob = json.dumps(rows)
    for leaked in ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI", "PRIVATE KEY", "MIIEpAIBAAKCAQEA", HARD_CODED):
        assert leaked not in blob, leaked
    tasks = {r["task"] for r in rows}
    assert "commit_generation" in tasks and "code_documentation_generation_python" in tasks
    # redacted, not dropped: the function and the commit that hard-coded the key are still there
    assert any(r["task"].startswith("code_doc") and "connect" in r["func_name"] and PLACEHOLDER in r["source"]
               for r in rows)
    assert any(r["target"] == "Connect to the billing service directly" and PLACEHOLDER in r["source"] for r in rows)
    skipped = json.loads((out / "build_report.json").read_text())["skipped"]
    assert skipped.get("secret", 0) >= 3  # .env, id_rsa, keys.txt
    assert skipped.get("secret_redacted", 0) >= 2  # the source file and the commit


def test_every_commit_path_uses_the_filter(leaky_repo):
    from codetrans.data.git import load_git_history

    records = load_git_history(leaky_repo)
    blob = json.dumps(list(records))
    assert "PRIVATE KEY" not in blob and HARD_CODED not in blob and "wJalrXUtnFEMI" not in blob
    assert records.report.skipped["secret"] == 3 and records.report.skipped["secret_redacted"] == 1


def test_finetune_harvest_uses_the_same_filter(leaky_repo):
    from codetrans.data.repository import harvest_repository
    from codetrans.finetune.options import expand_tasks

    h = harvest_repository(leaky_repo, expand_tasks("all"), progress=False)
    blob = json.dumps(h.rows)
    for leaked in ("AWS_SECRET_ACCESS_KEY", "PRIVATE KEY", HARD_CODED):
        assert leaked not in blob, leaked
    assert PLACEHOLDER in blob  # the function and the commit with the hard-coded key are kept, redacted
    # finetune prefixes the commit walker's reasons with "commit_"
    assert h.skipped["commit_secret"] == 3 and h.skipped["commit_secret_redacted"] == 1
    assert h.skipped["secret_redacted"] >= 1  # app.py, read by the source walker
