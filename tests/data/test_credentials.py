"""Issue 37, item 3: credentials never reach the training data.

The filter (:mod:`codetrans.data.secrets`: detect-secrets' plugins plus the project's own patterns) on a
fixture of credential forms, and a finetune harvest of a real git repository, made here, whose code,
docstrings and commit messages hold them: the saved work dir (Arrow files) holds none.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from codetrans.data.secrets import PLACEHOLDER, find_secrets, redact

FIXTURE = Path(__file__).parent / "fixtures" / "credentials.jsonl"
FORMS = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]


def test_fixture_has_forty_forms_of_every_family():
    assert len(FORMS) >= 40
    names = " ".join(f["form"] for f in FORMS)
    for family in ("mongodb", "postgres", "mysql", "redis", "amqp", "https", "bearer", "jwt", "aws", "gcp",
                   "azure", "slack", "stripe", "github", "gitlab", "private_key", "prose", "env"):
        assert family in names, family


@pytest.mark.parametrize("form", [f for f in FORMS if not f.get("held_out")], ids=lambda f: f["form"])
def test_every_credential_form_is_redacted(form):
    text, n = redact(form["text"])
    assert n >= 1 and form["secret"] not in text, text


def test_the_issue_examples_keep_their_context():
    cases = {
        "mongodb://admin:pass@host/db": "mongodb://admin:REDACTED@host/db",
        "DATABASE_URL=postgresql://app:pass@host/app": "DATABASE_URL=postgresql://app:REDACTED@host/app",
        "Authorization: Bearer 0123456789abcdef0123456789abcdef": "Authorization: Bearer REDACTED",
        "log in as root with password hunter2 and check": "log in as root with password REDACTED and check",
    }
    for text, want in cases.items():
        assert redact(text)[0] == want
    key = "Zm9v" * 22
    assert redact(f"AccountName=a;AccountKey={key};EndpointSuffix=core.windows.net")[0] == \
        "AccountName=a;AccountKey=REDACTED;EndpointSuffix=core.windows.net"


def test_ordinary_code_and_prose_are_left_alone():
    for benign in ('password = os.environ["DB_PASSWORD"]', "def check_password(password: str) -> bool:",
                   "The password is hashed with bcrypt before it is stored.",
                   "password (str): the user's password.", "url = f'postgresql://{user}:{password}@{host}/db'",
                   "connect('mongodb://<user>:<password>@host')", "Authorization: Bearer <token>",
                   "MAX_TOKENS = 4096", "TOKEN_URL = 'https://example.com/oauth/token'",
                   "conn = connect(host, password=password)", "self.auth_backend = backend",
                   "Returns the bearer token for the session (see RFC 6750)."):
        assert find_secrets(benign) == [], benign


def test_long_values_do_not_backtrack():
    # the old filter hung on 'token = "<a JWT>"' (a nested quantifier under re.I); each call here is bounded
    import time

    start = time.perf_counter()
    for text in ('token = "' + "eyJ" + "aB" * 2000 + '"', "password = " + "a" * 5000, "x" * 100_000):
        redact(text)
    assert time.perf_counter() - start < 5


def _git(repo, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dev One", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev One", "GIT_COMMITTER_EMAIL": "dev@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


LEAKS = {
    "mongo": "Mng0Pw77q",
    "postgres": "Pg9Pw41xz",
    "bearer": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
    "azure": "QzV3bXBrT2xhc2RmZ2hqa2xxd2VydHl1aW9wYXNkZmdoamtsenhjdmJubTEyMzQ1Njc4OTA=",
    "prose": "hunter2x9",
}
CODE = f'''
MONGO_URL = "mongodb://admin:{LEAKS["mongo"]}@db.internal:27017/app"


def open_store(name):
    """Open the document store at mongodb://admin:{LEAKS["mongo"]}@db.internal for the named app."""
    client = connect(MONGO_URL, name)
    return client.database(name)


def open_reports(schema):
    """Open the reporting database; log in as root with password {LEAKS["prose"]} when it asks."""
    db = engine("postgresql://app:{LEAKS["postgres"]}@reports/app", schema)
    return db.connect()


def fetch_user(session, uid):
    """Fetch one user from the API with the service's bearer token."""
    headers = {{"Authorization": "Bearer {LEAKS["bearer"]}"}}
    return session.get(f"/users/{{uid}}", headers=headers)


def upload_blob(data, name):
    """Upload a blob to the storage account of the nightly exports."""
    conn = "DefaultEndpointsProtocol=https;AccountName=exports;AccountKey={LEAKS["azure"]};EndpointSuffix=core.windows.net"
    return blob_client(conn, name).upload(data)
'''


@pytest.fixture
def credential_repo(tmp_path):
    repo = tmp_path / "creds"
    repo.mkdir()
    _git(repo, "init", "-q")
    for i in range(6):  # an ordinary history, so every split gets something
        (repo / f"util{i}.py").write_text(f'def helper{i}(x):\n    """Add {i} to the value."""\n    return x + {i}\n')
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", f"Add helper number {i} for values")
    (repo / "store.py").write_text(CODE)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"Connect to mongodb://admin:{LEAKS['mongo']}@db.internal directly",
         "-m", f"The reports box: log in as root with password {LEAKS['prose']}.\n"
               f"Authorization: Bearer {LEAKS['bearer']}")
    return repo


def test_finetune_work_dir_holds_no_credentials(credential_repo, tmp_path):
    from codetrans.data.repository import harvest_repository, save_harvest
    from codetrans.finetune.options import expand_tasks

    h = harvest_repository(credential_repo, expand_tasks("all"), progress=False)
    names = {r["func_name"] for r in h.rows}
    assert {"open_store", "open_reports", "fetch_user", "upload_blob"} <= names  # kept, redacted, not dropped
    assert any(r["task"] == "commit_generation" and "mongodb" in r["target"] for r in h.rows)
    work = tmp_path / "work" / "data"
    save_harvest(h, work)  # what finetune keeps in its work dir
    blobs = b"".join(p.read_bytes() for p in work.rglob("*") if p.is_file())
    assert any(p.suffix == ".arrow" for p in work.rglob("*"))
    for kind, value in LEAKS.items():
        assert value.encode() not in blobs, kind
    assert PLACEHOLDER.encode() in blobs
    assert h.skipped["secret_redacted"] >= 1 and h.skipped["commit_secret_redacted"] >= 1


def test_plugins_find_what_detect_secrets_finds_line_by_line():
    """The gated and anchored plugins (run on fewer positions, for speed) lose nothing against the plugins'
    own ``analyze_string`` on each line, on the fixture and on standard-library source."""
    import sysconfig

    from codetrans.data.secrets import _plugins

    texts = [f["text"] for f in FORMS]
    texts += [p.read_text(errors="replace") for p in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))[:40]]
    for text in texts:
        redacted = redact(text)[0]
        for _, plugin, _ in _plugins():
            for line in text.splitlines():
                for value in plugin.analyze_string(line):
                    if len(value) >= 8:  # GitHub's pattern yields its prefix group ("ghp"): the token is gone
                        assert value not in redacted, (type(plugin).__name__, value)
