"""#37 item 8: errors that misled, each fixed at its cause: real files, real git repositories, the real CLI,
micro models built in code."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from model_fixtures import save_random_micro

import codetrans
from codetrans.cli import main
from codetrans.errors import CodeTransError

CODE = "def area(w, h):\n    return w * h\n"
CORPUS = ["def add ( a , b ) : return a + b", "public int size ( ) { return n ; }", "SELECT name FROM users",
          "function documentation generation python: def f ( x ) : return x"] * 30


def _error_line(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error" not in err[0] and "Traceback" not in err[0], err
    return err[0]


@pytest.fixture(scope="module")
def micro_dir(tmp_path_factory):
    return save_random_micro(tmp_path_factory.mktemp("micro-errors"), CORPUS, vocab_size=300, seed=0)


@pytest.mark.parametrize("damage", ["weights", "tokenizer", "spiece"])
def test_damaged_model_files_are_named(damage, micro_dir, tmp_path, capsys, monkeypatch):
    """Was: internal error: SafetensorError ... please report it. Now: the file, and what to do."""
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    model = shutil.copytree(micro_dir, tmp_path / "model")
    name = {"weights": "model.safetensors", "tokenizer": "tokenizer.json", "spiece": "spiece.model"}[damage]
    if damage == "weights":
        data = (model / name).read_bytes()
        (model / name).write_bytes(data[: len(data) // 2])
    elif damage == "tokenizer":
        (model / name).write_text("{not json")
    else:
        (model / name).write_text("not a sentencepiece model")
        (model / "tokenizer.json").unlink()
    src = tmp_path / "f.py"
    src.write_text(CODE)
    for backend in ("torch", "auto"):
        line = _error_line(capsys, ["document", "--backend", backend, "--no-context", "--model", str(model), str(src)])
        assert str(model / name) in line and "damaged" in line, line


def test_codetrans_error_is_a_value_error():
    assert issubclass(CodeTransError, ValueError)
    from codetrans.evaluation.context import parse_ks

    with pytest.raises(CodeTransError, match="from 0 to 16"):  # check_k's own message survives the except
        parse_ks("99")


def test_python_api_arguments_are_named(monkeypatch, tmp_path):
    """Was: AttributeError / unpack errors from inside. Now a ValueError (CodeTransError) naming the argument."""
    pipe = codetrans.pipeline("document")
    for kwargs, words in ((dict(lang=5), "lang="), (dict(context={"a": 1}), "context="),
                          (dict(context=[1, 2]), "item 0 is int"), (dict(context=[("a", "b", "c")]), "3-tuple")):
        with pytest.raises(ValueError, match=words):
            pipe(CODE, max_new_tokens=2, **kwargs)
    # bytes: UTF-8 is decoded; other bytes are refused with what to do
    assert pipe(CODE.encode(), max_new_tokens=2)[0]["task"] == "code_documentation_generation_python"
    with pytest.raises(CodeTransError, match="pass a str"):
        pipe("def f(é):\n    return 1\n".encode("latin-1"), max_new_tokens=2)


def test_cli_usage_errors_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not a repository
    assert "not a git repository" in _error_line(capsys, ["commit", "--staged"])
    assert "--port" in _error_line(capsys, ["demo", "--port", "99999"])
    line = _error_line(capsys, ["synthesize", "sum of a", "--arg", "a=[1,-2,"])
    assert "not valid JSON" in line and "--arg a" in line
    line = _error_line(capsys, ["algolisp", "run", "(len a)", "--arg", "a=[1,"])
    assert "not valid JSON" in line
    assert main(["algolisp", "run", '(str_split s " ")', "--arg", "s=hello world"]) == 0  # bare words still work
    capsys.readouterr()
    f = tmp_path / "f.py"
    f.write_text(CODE)
    assert "--write" in _error_line(capsys, ["document", "--check", "--write", str(f)])
    assert "--json" in _error_line(capsys, ["document", "--check", "--json", str(f)])
    assert "--json" in _error_line(capsys, ["document", "--fix", "--json", str(f)])
    assert f.read_text() == CODE


def test_write_names_one_file_once(tmp_path, constant_model_dir, capsys, monkeypatch):
    """Was: f.py and ./f.py rewritten twice, the second refused as changed meanwhile."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.py").write_text(CODE)
    assert main(["document", "--write", "--no-context", "--min-confidence", "0", "--model", constant_model_dir,
                 "f.py", "./f.py", str(tmp_path / "f.py")]) == 0
    cap = capsys.readouterr()
    assert "changed" not in cap.err and cap.out.count("documented 1 function") == 1, cap
    assert (tmp_path / "f.py").read_text().count('"""') == 2


def test_f_and_b_strings_are_not_docstrings(tmp_path):
    from codetrans.lang import list_functions

    for literal, doc in (('f"""Area of {w}."""', False), ('b"""Area."""', False), ('"a" f"b"', False),
                         ('"""Area."""', True), ('r"""Area."""', True), ('"a" "b"', True)):
        code = f"def area(w, h):\n    {literal}\n    return w * h\n"
        ns: dict = {}
        exec(code, ns)  # Python itself is the reference
        assert (ns["area"].__doc__ is not None) == doc, literal
        assert list_functions(code, "python")[0]["documented"] is doc, literal


def test_deep_nesting_says_so(tmp_path, capsys):
    deep = tmp_path / "deep.py"
    deep.write_text("def f(x):\n" + "".join(" " * (i + 1) + "if x:\n" for i in range(1000)) + " " * 1001 + "x\n")
    line = _error_line(capsys, ["document", "--no-context", str(deep)])
    assert "1001 levels deep" in line and "is the language right" not in line, line


def test_finetune_dry_run_checks_its_options(tmp_path, capsys):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "src").mkdir()
    (repo / "src" / "shapes.py").write_text('def area(w, h):\n    """Area of a rectangle."""\n    a = w * h\n'
                                           '    return a\n\n\ndef count_words(text):\n    """Count the words."""\n'
                                           '    words = text.split()\n    return len(words)\n')
    (repo / "src" / "more.py").write_text('def mean(values):\n    """Mean of the values."""\n    total = sum(values)\n'
                                         '    return total / len(values)\n')
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "Add the area helper"], check=True)
    base = ["finetune", "--repo", str(repo), "--task", "document", "--dry-run", "--no-progress",
            "--out", str(tmp_path / "out")]
    assert "expects float" in _error_line(capsys, [*base, "--set", "optim.lr=abc"])
    assert "unknown recipe key" in _error_line(capsys, [*base, "--set", "optim.nope=1"])
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n")
    assert "not a DeepSpeed config" in _error_line(capsys, [*base, "--deepspeed", str(passwd)])
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"name": "not deepspeed"}))
    assert "not a DeepSpeed config" in _error_line(capsys, [*base, "--deepspeed", str(other)])
    assert main([*base, "--deepspeed", "zero2"]) == 0
    assert "required" not in capsys.readouterr().out
    help_text = subprocess.run(["codetrans", "finetune", "--help"], capture_output=True, text=True).stdout
    assert "required until" not in help_text and "shipped" in " ".join(help_text.split())
