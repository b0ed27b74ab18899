"""The task commands: plain output, JSON, --write in every language, the commit hook."""

import json
import os
import subprocess
import sys

import pytest
from model_fixtures import CONSTANT_ANSWER

from codetrans.cli import main
from codetrans.lang import list_functions
from codetrans.lang.grammars import get_parser

UNDOCUMENTED = {
    "python": ("m.py", "import os\n\n\n@decorator\ndef area(w, h):\n    return w * h\n\n\nclass K:\n"
                       "    def run(self):\n        '''Already documented.'''\n        return 1\n"),
    "java": ("A.java", "class A {\n    @Override\n    public int size() {\n        return n;\n    }\n}\n"),
    "go": ("m.go", "package m\n\nfunc Area(w, h int) int {\n\treturn w * h\n}\n"),
    "javascript": ("m.js", "export function area(w, h) {\n  return w * h;\n}\n"),
    "php": ("m.php", "<?php\nclass A {\n    public function area($w, $h) {\n        return $w * $h;\n    }\n}\n"),
    "ruby": ("m.rb", "class A\n  def area(w, h)\n    w * h\n  end\nend\n"),
    "c_sharp": ("A.cs", "class A {\n    public int Area(int w, int h) {\n        return w * h;\n    }\n}\n"),
}


@pytest.mark.parametrize("lang", sorted(UNDOCUMENTED))
def test_document_write_inserts_docs_only_where_missing(lang, tmp_path, constant_model_dir, capsys):
    name, code = UNDOCUMENTED[lang]
    path = tmp_path / name
    path.write_text(code)
    # the writer in every language (the model's text: grounding is tests/serving/test_grounded.py's)
    assert main(["document", "--write", "--no-context", "--model", constant_model_dir, str(path)]) == 0
    new = path.read_text()
    assert (tmp_path / (name + ".orig")).read_text() == code  # the original is kept
    assert not get_parser(lang).parse(new.encode()).root_node.has_error  # still parses
    functions = list_functions(new, lang)
    assert all(f["documented"] for f in functions)
    assert new.lower().count(CONSTANT_ANSWER.lower()) == 1  # K.run already had a docstring: untouched
    assert "documented 1 function" in capsys.readouterr().out
    # a second run changes nothing and never overwrites the first backup
    assert main(["document", "--write", "--no-context", "--model", constant_model_dir, str(path)]) == 0
    assert path.read_text() == new and not (tmp_path / (name + ".orig.1")).exists()


def test_document_prints_and_json(tmp_path, constant_model_dir, capsys):
    path = tmp_path / "m.go"
    path.write_text(UNDOCUMENTED["go"][1])
    assert main(["document", "--model", constant_model_dir, str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"{path}:3 Area: {CONSTANT_ANSWER}"
    assert main(["document", "--json", "--model", constant_model_dir, str(path)]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["func_name"] == "Area" and rec["generated_text"] == CONSTANT_ANSWER


def test_task_commands_read_stdin_and_arguments(constant_model_dir, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"SELECT a FROM t")))
    assert main(["summarize", "--lang", "sql", "--model", constant_model_dir]) == 0
    assert capsys.readouterr().out.strip() == CONSTANT_ANSWER
    assert main(["api", "read", "a", "file", "--model", constant_model_dir, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["api_sequence"] == CONSTANT_ANSWER.split()
    assert main(["synthesize", "sum of a", "--arg", "a=[1,2]", "--model", constant_model_dir]) == 0
    assert "error" in capsys.readouterr().out  # the constant answer is no AlgoLisp program


def test_synthesize_examples_choose_the_program(synth_model_dir, capsys):
    model = synth_model_dir
    text = "given an array of integers a , find the sum of its elements"
    assert main(["synthesize", text, "--example", "a=[1,2,3] -> 6", "--arg", "a=[2,2]", "--model", model,
                 "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["program"] == "( reduce a 0 + )" and rec["passed"] and rec["result"] == 4
    assert rec["provenance"].startswith("generated; passes the 1 example(s)")
    assert main(["synthesize", text, "--no-check", "--model", model]) == 0
    assert "( len a )" in capsys.readouterr().out
    for bad, message in ((["--example", "a=[1"], "bad example"),
                         (["--example", "a=[1] -> 1", "--no-check"], "contradict each other")):
        assert main(["synthesize", text, *bad, "--model", model]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv,message", [
    (["document", "--write", "-"], "--write needs files"),
    (["document", "nope.py"], "no such file"),
    (["summarize", "--lang", "cobol", "x.sql"], "no such file"),
    (["document"], "no model is shipped"),
])
def test_cli_errors_are_one_line_no_traceback(argv, message, tmp_path, monkeypatch, capsys, constant_model_dir):
    monkeypatch.chdir(tmp_path)
    if argv != ["document"]:
        argv = argv + ["--model", constant_model_dir]
    else:  # an install without the shipped model
        from codetrans.serving import zoo

        monkeypatch.setattr(zoo, "PACKAGE_MODELS", tmp_path / "no-models")
        (tmp_path / "a.py").write_text("def f():\n    return 1\n")
        argv = ["document", "a.py"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_write_refuses_binary_and_non_utf8(tmp_path, constant_model_dir, capsys):
    path = tmp_path / "bad.py"
    path.write_bytes(b"def f():\n    return '\xff'\n")
    assert main(["document", "--write", "--model", constant_model_dir, str(path)]) == 2
    assert "not valid UTF-8" in capsys.readouterr().err
    assert path.read_bytes() == b"def f():\n    return '\xff'\n"


def _git(repo, *args, env=None):
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env).stdout


def _repo_with_a_commit(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "T")
    (repo / "a.py").write_text("x = 1\n")
    _git(repo, "add", "a.py")
    _git(repo, "commit", "-q", "-m", "initial")
    return repo


def test_commit_hook_in_a_real_repository(tmp_path, constant_model_dir, monkeypatch, capsys):
    repo = _repo_with_a_commit(tmp_path)
    monkeypatch.chdir(repo)
    assert main(["commit", "--install-hook", "--model", constant_model_dir]) == 0
    assert "prepare-commit-msg" in capsys.readouterr().out
    (repo / "a.py").write_text("x = 2\n")
    _git(repo, "add", "a.py")
    env = {**os.environ, "GIT_EDITOR": "true"}  # accept the prepared message as the editor would
    _git(repo, "commit", "-q", env=env)
    assert _git(repo, "log", "-1", "--format=%s").strip() == CONSTANT_ANSWER
    # -m wins: the hook leaves explicit messages alone
    (repo / "a.py").write_text("x = 3\n")
    _git(repo, "commit", "-qam", "explicit message", env=env)
    assert _git(repo, "log", "-1", "--format=%s").strip() == "explicit message"
    # a foreign hook is not replaced silently
    hook = repo / ".git" / "hooks" / "prepare-commit-msg"
    hook.write_text("#!/bin/sh\nexit 0\n")
    assert main(["commit", "--install-hook", "--model", constant_model_dir]) == 2
    assert "--force" in capsys.readouterr().err and hook.read_text() == "#!/bin/sh\nexit 0\n"


def test_install_hook_force_twice_never_loses_the_users_hook(tmp_path, constant_model_dir, monkeypatch, capsys):
    """#37 item 5: the user's hook survives any number of --install-hook --force runs, in a real repository."""
    repo = _repo_with_a_commit(tmp_path)
    monkeypatch.chdir(repo)
    hooks = repo / ".git" / "hooks"
    hook = hooks / "prepare-commit-msg"
    first, second = "#!/bin/sh\necho first user hook\n", "#!/bin/sh\necho another tool's hook\n"
    hook.write_text(first)
    for _ in range(2):  # the second run finds our own hook: nothing to back up
        assert main(["commit", "--install-hook", "--force", "--model", constant_model_dir]) == 0
    assert (hooks / "prepare-commit-msg.backup").read_text() == first
    hook.write_text(second)  # another tool (or the user) installs its hook over ours
    assert main(["commit", "--install-hook", "--force", "--model", constant_model_dir]) == 0
    assert main(["commit", "--install-hook", "--force", "--model", constant_model_dir]) == 0
    backups = {p.name: p.read_text() for p in hooks.glob("prepare-commit-msg.backup*")}
    assert backups == {"prepare-commit-msg.backup": first, "prepare-commit-msg.backup.1": second}
    assert "installed by codetrans" in hook.read_text()


def test_commit_staged_suggests_for_the_staged_diff(tmp_path, constant_model_dir, monkeypatch, capsys):
    repo = _repo_with_a_commit(tmp_path)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    assert main(["commit", "--staged", "--no-context", "--model", constant_model_dir]) == 2
    assert "nothing is staged" in capsys.readouterr().err
    (repo / "a.py").write_text("x = 2\n")
    _git(repo, "add", "a.py")
    assert main(["commit", "--staged", "--no-context", "--model", constant_model_dir]) == 0
    assert capsys.readouterr().out.strip() == CONSTANT_ANSWER
    assert main(["commit", "--staged", "--model", constant_model_dir, "x.diff"]) == 2
    assert "give no diff files" in capsys.readouterr().err


def test_commit_is_grounded_in_the_changelog_entry_and_the_history(tmp_path, constant_model_dir, monkeypatch,
                                                                    capsys):
    repo = _repo_with_a_commit(tmp_path)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    (repo / "CHANGES.md").write_text("# Changes\n\n## 1.1\n\n- Start the changelog.\n")
    _git(repo, "add", "CHANGES.md")
    _git(repo, "commit", "-q", "-m", "Start the changelog")
    (repo / "a.py").write_text("x = 2\n")
    (repo / "CHANGES.md").write_text("# Changes\n\n## 1.1\n\n- Start the changelog.\n"
                                     "- Raise x to two for the new default.\n")
    _git(repo, "add", "a.py", "CHANGES.md")
    assert main(["commit", "--staged", "--model", constant_model_dir]) == 0
    assert capsys.readouterr().out.strip() == \
        "Raise x to two for the new default.  [from the changelog entry in CHANGES.md]"
    assert main(["commit", "--staged", "--message", "--model", constant_model_dir]) == 0
    assert capsys.readouterr().out.splitlines() == ["Raise x to two for the new default.",
                                                    "# codetrans: from the changelog entry in CHANGES.md"]
    assert main(["commit", "--staged", "--json", "--model", constant_model_dir]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["provenance"] == "from the changelog entry in CHANGES.md"
    assert row["origin"] == {"changelog": "CHANGES.md"}
    # through the hook: the subject is the entry, git strips the provenance comment
    assert main(["commit", "--install-hook", "--model", constant_model_dir]) == 0
    capsys.readouterr()
    _git(repo, "commit", "-q", env={**os.environ, "GIT_EDITOR": "true"})
    assert _git(repo, "log", "-1", "--format=%B").strip() == "Raise x to two for the new default."
    # no changelog entry: an earlier commit or the model, always with where it came from
    (repo / "a.py").write_text("x = 3\n")
    _git(repo, "add", "a.py")
    assert main(["commit", "--staged", "--json", "--model", constant_model_dir]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["provenance"] == "generated" or row["provenance"].startswith(("copied from commit",
                                                                            "adapted from commit"))
    # --no-context: the model alone
    assert main(["commit", "--staged", "--no-context", "--message", "--model", constant_model_dir]) == 0
    assert capsys.readouterr().out.strip() == CONSTANT_ANSWER


def test_piped_diff_gets_a_subject(tmp_path, constant_model_dir):
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n"
    # outside a repository: no history to ground in; the model's text, or the changelog entry the diff adds
    proc = subprocess.run([sys.executable, "-m", "codetrans.cli", "commit", "--model", constant_model_dir],
                          input=diff, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == f"{CONSTANT_ANSWER}  [generated]"
    entry = diff + "--- a/CHANGES.md\n+++ b/CHANGES.md\n@@ -1 +1,2 @@\n # Changes\n+- Use b instead of a everywhere.\n"
    proc = subprocess.run([sys.executable, "-m", "codetrans.cli", "commit", "--model", constant_model_dir],
                          input=entry, capture_output=True, text=True, cwd=tmp_path)
    assert proc.stdout.strip() == "Use b instead of a everywhere.  [from the changelog entry in CHANGES.md]"
    proc = subprocess.run([sys.executable, "-m", "codetrans.cli", "commit", "--no-context", "--model",
                           constant_model_dir], input=entry, capture_output=True, text=True, cwd=tmp_path)
    assert proc.stdout.strip() == CONSTANT_ANSWER


def test_document_check_stale_lists_docstrings_the_verifier_doubts(tmp_path, constant_model_dir, capsys, monkeypatch):
    """``--stale``: an existing docstring that does not describe its function is listed (exit 1) with the
    verifier's confidence, one that does is not; a model without a verifier is a one-line error."""
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    src = tmp_path / "m.py"
    src.write_text('def add(a, b):\n    """Delete every row of the users table."""\n    return a + b\n\n\n'
                   'def area(width, height):\n    """Return the area of a rectangle from its width and height."""\n'
                   "    return width * height\n")
    assert main(["document", "--check", "--stale", "--no-context", str(src)]) == 1  # the shipped model's verifier
    out = capsys.readouterr()
    assert out.out.splitlines() == [f"{src}:1 add: stale docstring? 'Delete every row of the users table.' "
                                    "(confidence 0.01 that it describes the function)"], out.out
    assert "1 docstring(s) that may not describe their function" in out.err
    assert main(["document", "--check", "--stale", "--no-context", "--model", constant_model_dir, str(src)]) == 2
    assert "--stale needs a model with a verifier" in capsys.readouterr().err


def test_document_check_lists_filters_and_fixes(tmp_path, constant_model_dir, capsys, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    src = tmp_path / "m.py"
    src.write_text("def area(w, h):\n    return w * h\n\n\ndef _helper(x):\n    return x\n\n\n"
                   "def test_area():\n    assert area(1, 2) == 2\n\n\ndef long_one(a):\n    b = a\n    c = b\n"
                   "    return c\n")
    notes = tmp_path / "README.md"
    notes.write_text("# not code: skipped\n")
    base = ["document", "--check", "--no-context", "--model", constant_model_dir, str(src), str(notes)]
    assert main(base) == 1
    out = capsys.readouterr()
    assert out.out.count("undocumented; suggested: ") == 4 and "4 undocumented function(s) in 1 file(s)" in out.err
    assert main([*base, "--skip-private", "--skip-tests", "--min-lines", "3"]) == 1
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["long_one:"]
    assert main([*base, "--langs", "java"]) == 0  # nothing of the kept languages: passes
    assert main([*base, "--langs", "cobol"]) == 2 and "--langs: unknown cobol" in capsys.readouterr().err
    fix = ["document", "--fix", "--no-context", "--model", constant_model_dir, "--skip-private", str(src)]
    assert main(fix) == 0  # everything it was asked for got documented
    assert not list(tmp_path.glob("m.py.orig*")) and src.read_text().count(f'"""{CONSTANT_ANSWER}') == 3
    assert "def _helper(x):\n    return x" in src.read_text()
    assert main(["document", "--check", "--skip-private", "--no-context", "--model", constant_model_dir, str(src)]) == 0
