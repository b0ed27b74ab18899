"""`codetrans finetune` on a repository the test builds: several languages, a short git history, the
files a harvester must leave alone (ignored, vendored, secrets, links out, binaries), a dry run, a tiny
real run from a micro base model, an interrupted run continued, and the bad-input cases."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from codetrans.cli import main as cli_main

PY_FILES = {
    "src/geometry.py": '''
def rectangle_area(width, height):
    """Compute the area of a rectangle from its width and height."""
    area = width * height
    return area


def circle_perimeter(radius):
    """Return the perimeter of a circle with the given radius."""
    pi = 3.14159
    return 2 * pi * radius
''',
    "src/textutil.py": '''
def count_words(text):
    """Count the words of a text separated by whitespace."""
    words = text.split()
    return len(words)


def shout(message):
    """Turn a message into upper case with an exclamation mark."""
    loud = message.upper()
    return loud + "!"
''',
    "src/numbers.py": '''
def mean_value(values):
    """Compute the arithmetic mean of a list of numbers."""
    total = sum(values)
    return total / len(values)


def clamp_value(x, low, high):
    """Clamp a value between a lower and an upper bound."""
    x = max(low, x)
    return min(high, x)
''',
    "src/paths.py": '''
def join_parts(parts):
    """Join path parts with slashes into one path string."""
    cleaned = [p.strip("/") for p in parts]
    return "/".join(cleaned)
''',
}
GO_FILES = {
    "go/shapes.go": '''package shapes

// SquareArea computes the area of a square from its side length.
func SquareArea(side float64) float64 {
	area := side * side
	return area
}
''',
    "go/words.go": '''package shapes

import "strings"

// CountLines counts the lines of a text split by newlines.
func CountLines(text string) int {
	lines := strings.Split(text, "\\n")
	return len(lines)
}
''',
}
JAVA_FILES = {
    "java/Stack.java": '''public class Stack {
    private java.util.ArrayList<Integer> items = new java.util.ArrayList<>();

    /**
     * Push a value on top of the stack of integers.
     */
    public void pushValue(int value) {
        items.add(value);
        System.out.println(value);
    }
}
''',
    "java/Greeter.java": '''public class Greeter {
    /**
     * Build a greeting message for the given user name.
     */
    public String greet(String name) {
        StringBuilder sb = new StringBuilder();
        sb.append("Hello ").append(name);
        return sb.toString();
    }
}
''',
}
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7secretsecret\n-----END RSA PRIVATE KEY-----\n"
SECRET_MARK = "TOPSECRET_DO_NOT_LEARN"


def _git(repo: Path, *args: str, date: int | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ada Dev", "GIT_AUTHOR_EMAIL": "ada@example.com",
           "GIT_COMMITTER_NAME": "Ada Dev", "GIT_COMMITTER_EMAIL": "ada@example.com"}
    if date is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{date} +0000"
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def _write(repo: Path, rel: str, text: str) -> None:
    p = repo / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text.lstrip("\n"), encoding="utf-8")


def _commit(repo: Path, message: str, date: int) -> None:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message, date=date)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """python, go and java files with documented functions, eight commits, and things to leave alone."""
    root = tmp_path_factory.mktemp("ftrepo") / "shapes"
    root.mkdir()
    outside = root.parent / "outside.py"
    outside.write_text('def leaked(a, b):\n    """Outside the repository never harvested."""\n    c = a\n    return c + b\n')
    _git(root, "init", "-q", "-b", "main")
    t = 1_700_000_000
    history = [("Add rectangle and circle helpers", {"src/geometry.py": PY_FILES["src/geometry.py"]}),
               ("Add word counting utilities", {"src/textutil.py": PY_FILES["src/textutil.py"]}),
               ("Add square area in go", {"go/shapes.go": GO_FILES["go/shapes.go"]}),
               ("Add the java stack class", {"java/Stack.java": JAVA_FILES["java/Stack.java"]}),
               ("Add deployment credentials file", {"config/credentials.json": f'{{"token": "{SECRET_MARK}"}}\n'}),
               ("Add mean and clamp helpers", {"src/numbers.py": PY_FILES["src/numbers.py"]}),
               ("Add line counting in go", {"go/words.go": GO_FILES["go/words.go"]}),
               ("Add a greeter for java users", {"java/Greeter.java": JAVA_FILES["java/Greeter.java"]}),
               ("Add a helper to join path parts", {"src/paths.py": PY_FILES["src/paths.py"]})]
    _write(root, ".gitignore", "ignored/\n")
    for i, (msg, files) in enumerate(history):
        for rel, text in files.items():
            _write(root, rel, text)
        _commit(root, msg, t + 3600 * i)
    # Never harvested: ignored, vendored, secrets (by name and by content), a link out, a binary.
    _write(root, "ignored/hidden.py", 'def hidden_func(x):\n    """Ignored by git so never harvested."""\n    y = x\n    return y\n')
    _write(root, "vendor/lib.py", 'def vendored_func(x):\n    """Vendored code is never harvested here."""\n    y = x\n    return y\n')
    _write(root, ".env", f"API_TOKEN={SECRET_MARK}\n")
    _write(root, "deploy/id_rsa", PEM)
    _write(root, "src/keys.py", PEM + f"# {SECRET_MARK}\n")
    (root / "src" / "blob.py").write_bytes(b"def f():\n    \x00\x01binary\n")
    (root / "src" / "link_out.py").symlink_to(outside)
    return root


def _base_model(out: Path, vocab: int = 600, model_vocab: int | None = None) -> Path:
    """A micro T5 and its own tokenizer, saved like a trained CodeTrans model."""
    from codetrans.tasks import format_input
    from codetrans.train.modeling import build_model, round_vocab
    from codetrans.train.tokenizer import train_tokenizer

    texts = [format_input("code_documentation_generation_python", src) for src in PY_FILES.values()]
    texts += ["diffs in code: mmm a / src <nl> ppp b / src", "code comment java: public void f ( ) { }"]
    texts += [line for f in (*PY_FILES.values(), *GO_FILES.values(), *JAVA_FILES.values())
              for line in f.splitlines() if line.strip()]
    tok = train_tokenizer(texts * 4, out, vocab_size=vocab, extra_ids=20)
    model = build_model("micro", vocab_size=model_vocab or round_vocab(len(tok)), seed=0)
    model.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _base_model(tmp_path_factory.mktemp("ftbase"))


MICRO = ["--set", "train.batch_size=8", "--set", "train.batch_tokens=1024", "--set", "data.max_source_length=64",
         "--set", "data.max_target_length=16", "--set", "train.eval_batches=2", "--set", "optim.warmup_steps=2",
         "--threads", "1", "--eval-limit", "4", "--no-progress"]


def test_dry_run_harvests_splits_and_writes_nothing(repo: Path, tmp_path: Path, capsys, caplog):
    from codetrans.finetune import finetune

    out = tmp_path / "model"
    with caplog.at_level("INFO", logger="codetrans.finetune"):  # the library's view: plain lines, never print()
        res = finetune(repo, task="all", out=out, dry_run=True, progress=False)
    assert not out.exists() and not any(tmp_path.iterdir())  # nothing written, not even a work dir
    h = res.harvest
    tasks = {r["task"] for r in h.rows}
    assert {"code_documentation_generation_python", "code_documentation_generation_go",
            "code_documentation_generation_java", "code_comment_generation_java", "commit_generation"} <= tasks
    # Only the repository's own, tracked or unignored, non-secret source files.
    paths = {r["path"] for r in h.rows if r["task"] != "commit_generation"}
    assert paths == set(PY_FILES) | set(GO_FILES) | set(JAVA_FILES)
    assert not any(SECRET_MARK in r["source"] or "PRIVATE KEY" in r["source"] for r in h.rows)
    for reason in ("secret", "gitignored", "vendored_or_build_dir", "symlink_outside", "binary", "commit_secret"):
        assert h.skipped[reason] >= 1, (reason, h.skipped)
    assert h.skipped["secret"] >= 3  # .env, id_rsa (by name), src/keys.py (by content)
    # Documentation split by file: a file's functions never straddle splits; each language has a test part.
    split_of: dict[str, set] = {}
    for r in h.rows:
        if r["task"] != "commit_generation":
            split_of.setdefault(r["path"], set()).add(r["split_hint"])
    assert all(len(s) == 1 for s in split_of.values())
    for lang in ("python", "go", "java"):
        assert {r["split_hint"] for r in h.rows if r["lang"] == lang and r["task"].startswith("code_doc")} >= {
            "train", "test"}, lang
    # Commits split by time: every test commit is newer than every training commit.
    commits = [r for r in h.rows if r["task"] == "commit_generation"]
    assert len(commits) == 8  # nine commits, the credentials one dropped

    def date(r: dict) -> str:
        return json.loads(r["meta"])["date"]

    test_dates = [date(r) for r in commits if r["split_hint"] == "test"]
    train_dates = [date(r) for r in commits if r["split_hint"] == "train"]
    assert test_dates and train_dates and min(test_dates) > max(train_dates)
    assert {r["target"] for r in commits if r["split_hint"] == "test"} == {"Add a helper to join path parts"}
    shown = caplog.text
    assert "code_documentation_generation_go go: train" in shown and "dry run: what finetune would use" in shown
    assert "codetrans-t5-tiny" in shown and "required to train" not in shown  # no --base: the shipped model
    assert capsys.readouterr().out == ""

    # summarize (asked for by name) relabels the Python documentation pairs; api pairs come from Java.
    summ = finetune(repo, task="summarize", out=out, dry_run=True, progress=False).harvest
    assert {r["task"] for r in summ.rows} == {"source_code_summarization_python"}
    assert {r["task"] for r in h.rows if r["lang"] == "java"} >= {"api_generation"}
    # The CLI: same dry run, exit 0.
    assert cli_main(["finetune", "--repo", str(repo), "--task", "document", "--dry-run", "--out",
                     str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out  # the command's view: tables
    assert "corpus: pairs per task and language" in printed and "code_documentation_generation_go" in printed
    assert "what the model will learn" in printed and "dry run: what finetune would use" in printed
    assert not out.exists()


def test_tiny_real_run_before_after_and_usable_by_id(repo: Path, base_dir: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    t0 = time.perf_counter()
    rc = cli_main(["finetune", "--repo", str(repo), "--task", "all", "--base", str(base_dir), "--steps", "6",
                   "--id", "shapes-ft", *MICRO])
    assert rc == 0
    printed = capsys.readouterr().out
    out = tmp_path / "home" / "models" / "shapes-ft"
    assert (out / "config.json").is_file() and (out / "tokenizer.json").is_file()
    assert not list(out.parent.glob(".*finetune-work"))  # the work dir is gone once the model is in place
    meta = json.loads((out / "codetrans.json").read_text())
    assert meta["id"] == "shapes-ft" and meta["strategy"] == "finetune" and meta["size"] == "micro"
    assert "commit_generation" in meta["tasks"] and "code_documentation_generation_python" in meta["tasks"]
    for task, m in meta["metrics"].items():
        assert m["metric"] in ("smoothed_bleu", "corpus_bleu") and m["before"] is not None and m["n"] >= 1, task
    report = json.loads((out / "finetune.json").read_text())
    assert report["steps"] == 6 and set(report["after"]) == set(report["before"])
    assert (out / "eval" / "before" / "metrics.json").is_file() and (out / "eval" / "after" / "metrics.json").is_file()
    # documentation, comments, commits and API sequences are also evaluated as the commands serve them
    # inside the repository: grounded (commits in the earlier commits only)
    assert set(report["grounded"]) == {t for t in report["after"]
                                       if t.startswith(("code_doc", "code_comment", "commit", "api"))}
    assert "commit_generation" in report["grounded"]
    assert (out / "eval" / "grounded" / "metrics.json").is_file()
    card = (out / "README.md").read_text()
    assert card.startswith("---") and "## Fine-tuning on shapes" in card and "| before | after |" in card
    assert "after, grounded in the repository |" in card
    assert "before/after fine-tuning" in printed
    # The base tokenizer was reused, unchanged.
    from codetrans.train.tokenizer import load_tokenizer

    assert load_tokenizer(out).get_vocab() == load_tokenizer(base_dir).get_vocab()
    # Usable at once by id: the zoo, the pipelines and the CLI find it.
    from codetrans.serving import zoo

    assert Path(zoo.resolve("shapes-ft")) == out
    assert any(e.id == "shapes-ft" for e in zoo.list_models(include_hub=False))
    import codetrans

    pipe = codetrans.pipeline("codetrans-document", model="shapes-ft")
    (result,) = pipe("def add(a, b):\n    return a + b\n", lang="python")
    assert result["task"] == "code_documentation_generation_python" and isinstance(result["generated_text"], str)
    # a model trained on a private repository is not stamped with CodeTrans' own license
    assert json.loads((out / "codetrans.json").read_text())["license"] == "other"
    assert "license: other" in card
    # Running it again does not overwrite the model silently.
    mtime = (out / "codetrans.json").stat().st_mtime
    assert cli_main(["finetune", "--repo", str(repo), "--base", str(base_dir), "--steps", "2", "--id", "shapes-ft",
                     *MICRO]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (out / "codetrans.json").stat().st_mtime == mtime
    assert time.perf_counter() - t0 < 120


def test_interrupted_run_continues(repo: Path, base_dir: Path, tmp_path: Path):
    """Kill the command mid-training (a real SIGINT), rerun it: it continues from the checkpoint."""
    out = tmp_path / "model"
    cmd = [sys.executable, "-m", "codetrans.cli", "finetune", "--repo", str(repo), "--task", "document",
           "--base", str(base_dir), "--out", str(out), "--steps", "100000", *MICRO,  # never done before the signal
           "--set", "train.checkpoint_every=5", "--set", "train.early_stopping_patience=0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    ckpts = tmp_path / ".model.finetune-work" / "run" / "checkpoints"
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not list(ckpts.glob("step-*")) and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    first = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 130, first
    assert not out.exists()  # nothing half-written in --out
    done = sorted(int(p.name.split("-")[1]) for p in ckpts.glob("step-*"))
    assert done and done[-1] < 100000
    # Continue, with a smaller step budget so the test stays short: the engine resumes the checkpoint.
    steps = str(done[-1] + 3)
    second = subprocess.run([*cmd[:cmd.index("--steps") + 1], steps, *cmd[cmd.index("--steps") + 2:]],
                            capture_output=True, text=True, env=env, timeout=180)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "continuing the unfinished run" in second.stdout
    assert f"resumed from {ckpts / f'step-{done[-1]:08d}'}" in second.stderr  # training's progress: stderr
    assert json.loads((out / "finetune.json").read_text())["steps"] == int(steps)


def _cli_error(capsys, *argv: str) -> str:
    assert cli_main(["finetune", *argv, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err  # one clear line, no traceback
    return err[0]


def test_bad_input(repo: Path, base_dir: Path, tmp_path: Path, capsys):
    out = tmp_path / "out"
    # not a repository
    plain = tmp_path / "plain"
    plain.mkdir()
    assert "not a git repository" in _cli_error(capsys, "--repo", str(plain), "--base", str(base_dir), "--out", str(out))
    # an empty repository
    empty = tmp_path / "empty"
    empty.mkdir()
    _git(empty, "init", "-q")
    assert "is empty" in _cli_error(capsys, "--repo", str(empty), "--base", str(base_dir), "--out", str(out))
    # no documented functions
    bare = tmp_path / "bare"
    bare.mkdir()
    _git(bare, "init", "-q")
    _write(bare, "main.py", "def f(x):\n    y = x + 1\n    return y\n")
    _commit(bare, "Add the main module file", 1_700_000_000)
    msg = _cli_error(capsys, "--repo", str(bare), "--task", "document", "--base", str(base_dir), "--out", str(out))
    assert "no documented functions" in msg
    # no commits (documented code, never committed)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    _git(fresh, "init", "-q")
    _write(fresh, "src/geometry.py", PY_FILES["src/geometry.py"])
    assert "no commits" in _cli_error(capsys, "--repo", str(fresh), "--task", "commit", "--base", str(base_dir),
                                      "--out", str(out))
    # no base model (an installation without the shipped one)
    from codetrans.serving import zoo

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zoo, "PACKAGE_MODELS", tmp_path / "no-models")
        msg = _cli_error(capsys, "--repo", str(repo), "--out", str(out))
    assert "--base" in msg and "quickstart" in msg
    # incompatible bases: not a T5, a tokenizer that is not the model's, not a model at all
    bert = tmp_path / "bert"
    bert.mkdir()
    (bert / "config.json").write_text(json.dumps({"model_type": "bert", "vocab_size": 100}))
    assert "T5" in _cli_error(capsys, "--repo", str(repo), "--base", str(bert), "--out", str(out))
    mismatch = _base_model(tmp_path / "mismatch", vocab=400, model_vocab=128)
    capsys.readouterr()  # save_pretrained's progress bar
    assert "tokenizer has" in _cli_error(capsys, "--repo", str(repo), "--base", str(mismatch), "--out", str(out))
    assert "not a model directory" in _cli_error(capsys, "--repo", str(repo), "--base", str(plain), "--out", str(out))
    # an existing --out is never overwritten silently
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert "already exists" in _cli_error(capsys, "--repo", str(repo), "--base", str(base_dir), "--out", str(out))
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    # none of the failures above left anything beside --out
    assert not list(tmp_path.glob(".*finetune-work"))


def test_time_budget_ends_with_a_usable_model(repo: Path, base_dir: Path, tmp_path: Path):
    """--minutes: the engine stops at the budget with a checkpoint; finetune closes the run there."""
    from codetrans.finetune import finetune

    out = tmp_path / "timed"
    res = finetune(repo, task="commit", base=str(base_dir), out=out, minutes=0.005, threads=1, eval_limit=2,
                   progress=False, sets={"train.steps": 100_000, "train.batch_size": 4, "train.batch_tokens": 1024,
                                         "data.max_source_length": 64, "data.max_target_length": 16})
    assert res.out == out and (out / "model.safetensors").is_file()
    assert 1 <= res.steps < 100_000
    assert json.loads((out / "metrics.json").read_text())["finished"] is True
    assert set(res.after) == {"commit_generation"} and not (tmp_path / ".timed.finetune-work").exists()


def test_deepspeed_config_by_name(repo: Path, base_dir: Path, tmp_path: Path):
    """--deepspeed zero2 (a name in training/deepspeed) trains through DeepSpeed ZeRO-2 on the CPU."""
    from codetrans.finetune import finetune

    out = tmp_path / "ds"
    res = finetune(repo, task="document", base=str(base_dir), out=out, steps=3, deepspeed="zero2", threads=1,
                   eval_limit=2, progress=False, sets={"train.batch_size": 4, "train.batch_tokens": 1024,
                                                      "data.max_source_length": 64, "data.max_target_length": 16})
    assert res.steps == 3
    assert json.loads((out / "metrics.json").read_text())["deepspeed_zero_stage"] == 2


def test_context_finetune_trains_on_repository_exemplars_and_declares_context(repo: Path, base_dir: Path,
                                                                             tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    out = tmp_path / "ctx-model"
    assert cli_main(["finetune", "--repo", str(repo), "--task", "document", "--base", str(base_dir), "--out",
                     str(out), "--steps", "2", "--context", *MICRO]) == 0
    assert "augmenting the training pairs with repository exemplars" in capsys.readouterr().out
    ctx = json.loads((out / "codetrans.json").read_text())["context"]
    assert ctx["format"] == 1 and 1 <= ctx["k"] <= 4 and ctx["budget"] == 64
    # the fine-tuned model is given its repository's exemplars by default
    assert cli_main(["document", "--json", "--backend", "torch", "--max-new-tokens", "4", "--model", str(out),
                     str(repo / "src" / "geometry.py")]) == 0
    cap = capsys.readouterr()
    assert "grounded in" in cap.err and "exemplars per function)" in cap.err
    rows = [json.loads(line) for line in cap.out.splitlines()]
    assert all(r["exemplars"] >= 1 and "provenance" in r for r in rows)


def test_force_never_replaces_a_folder_that_is_not_a_model(repo: Path, base_dir: Path, tmp_path: Path, capsys,
                                                            monkeypatch):
    """#37 item 1: --force replaces a model (or an empty folder), never a folder of the user's; --id stays a name."""
    user = tmp_path / "d"
    (user / "src").mkdir(parents=True)
    (user / "NOTES.md").write_text("x\n")
    (user / "src" / "main.py").write_text("print(1)\n")
    msg = _cli_error(capsys, "--repo", str(repo), "--task", "document", "--base", str(base_dir), "--steps", "1",
                     "--out", str(user), "--force", *MICRO[:-1])
    assert "not a model directory" in msg and str(user) in msg
    assert sorted(str(p.relative_to(user)) for p in user.rglob("*")) == ["NOTES.md", "src", "src/main.py"]
    # the same with a folder that only has a config.json of some other tool
    (user / "config.json").write_text("{}")
    assert "not a model directory" in _cli_error(capsys, "--repo", str(repo), "--task", "document", "--base",
                                                 str(base_dir), "--steps", "1", "--out", str(user), "--force")
    assert (user / "NOTES.md").read_text() == "x\n"
    # --id is a plain name: ../../victim would leave $CODETRANS_HOME/models (and --force would replace it)
    home = tmp_path / "home" / "a" / "b"
    monkeypatch.setenv("CODETRANS_HOME", str(home))
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "config.json").write_text("{}")
    (victim / "model.safetensors").write_text("mine")
    for bad in ("../../../../victim", "/tmp/victim", "a/b", "..", ".hidden"):
        msg = _cli_error(capsys, "--repo", str(repo), "--task", "document", "--base", str(base_dir), "--steps", "1",
                         "--id", bad, "--force")
        assert "not a plain name" in msg, bad
    assert (victim / "model.safetensors").read_text() == "mine"
    assert not list(tmp_path.rglob(".*finetune-work"))
