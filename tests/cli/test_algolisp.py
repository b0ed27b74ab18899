import json

from codetrans.algolisp.dataset import load_jsonl
from codetrans.cli import main


def test_run_prints_value(capsys):
    assert main(["algolisp", "run", "(reduce (map a square) 0 +)", "--arg", "a=[1,2,3]"]) == 0
    assert capsys.readouterr().out.strip() == "14"
    assert main(["algolisp", "run", '(str_split s " ")', "--arg", "s=hello world"]) == 0
    assert json.loads(capsys.readouterr().out) == ["hello", "world"]


def test_run_errors_are_one_line(capsys):
    assert main(["algolisp", "run", "(range 0 100000)"]) == 2
    err = capsys.readouterr().err
    assert "range over more than 1000" in err and "Traceback" not in err
    assert main(["algolisp", "run", "(map a", "--arg", "a=[1]"]) == 2
    assert main(["algolisp", "run", "(len a)", "--arg", "a"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err


def test_generate_and_stats(tmp_path, capsys):
    out = tmp_path / "gen"
    assert main(["algolisp", "generate", "--out", str(out), "--train", "40", "--dev", "10", "--test", "10",
                 "--seed", "0", "--stats-json"]) == 0
    captured = capsys.readouterr()
    assert "AlgoLisp dataset" in captured.out and "text vocabulary" in captured.out
    stats = json.loads(captured.out.strip().splitlines()[-1])
    assert stats["train"]["problems"] == 40 and stats["all"]["problems"] == 60
    for name, n in (("train", 40), ("dev", 10), ("test", 10)):
        result = load_jsonl(out / f"{name}.jsonl")
        assert len(result.problems) == n and result.n_skipped == 0
    (out / "bad.jsonl").write_text("{oops\n" + (out / "dev.jsonl").read_text())
    assert main(["algolisp", "stats", str(out / "bad.jsonl")]) == 0
    assert "skipped 1 malformed line(s): 1 invalid JSON" in capsys.readouterr().err
