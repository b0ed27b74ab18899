import json

from codetrans.cli import main


def test_tokenize_file_and_json(tmp_path, capsys):
    src = tmp_path / "a.go"
    src.write_text('package m\nfunc f() string { return "x y" } // c\n')
    assert main(["tokenize", str(src)]) == 0
    assert capsys.readouterr().out.strip() == 'package m func f ( ) string { return "x y" }'
    assert main(["tokenize", "--json", str(src)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["lang"] == "go" and out["partial"] is False


def test_tokenize_bad_inputs_are_clear_errors(tmp_path, capsys):
    binary = tmp_path / "x.py"
    binary.write_bytes(b"\x00\x01\x02")
    assert main(["tokenize", str(binary)]) == 2
    assert "looks binary" in capsys.readouterr().err
    assert main(["tokenize", str(tmp_path / "missing.py")]) == 2
    assert "no such file" in capsys.readouterr().err
    broken = tmp_path / "b.py"
    broken.write_text("def f(:\n  pass\n")
    assert main(["tokenize", str(broken)]) == 0
    assert "partial" in capsys.readouterr().err


def test_extract_jsonl_and_api(tmp_path, capsys):
    src = tmp_path / "A.java"
    src.write_text("class A {\n/** Print the greeting to the console. */\nvoid hi() {\n"
                   "  String s = \"hi\";\n  System.out.println(s.trim());\n}\n}\n")
    assert main(["extract", str(src)]) == 0
    captured = capsys.readouterr()
    rec = json.loads(captured.out.splitlines()[0])
    assert rec["func_name"] == "A.hi" and rec["summary"] == "Print the greeting to the console."
    assert "extracted=1" in captured.err
    assert main(["extract", "--api", str(src)]) == 0
    assert json.loads(capsys.readouterr().out)["api_seq"] == ["String.trim", "PrintStream.println"]
    sql = tmp_path / "q.sql"
    sql.write_text("SELECT 1;")
    assert main(["extract", str(sql)]) == 2
    assert "function extraction supports" in capsys.readouterr().err
