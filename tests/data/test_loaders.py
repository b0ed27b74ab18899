"""Loaders on small excerpts written by the tests, malformed lines included."""

from __future__ import annotations

import gzip
import json

import pytest

from codetrans.data import (
    load_algolisp,
    load_codenn,
    load_codesearchnet,
    load_commits,
    load_nngen,
    load_research_folder,
)
from codetrans.data.loaders import tree_to_program
from codetrans.errors import DataError


def _write(path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)


def test_codenn_tokenizes_code_and_counts_malformed_lines(tmp_path):
    f = tmp_path / "codenn" / "python" / "valid.txt"
    _write(f, "1\t2\tHow to add numbers\tdef add(a, b):\\n    return a + b\t0\n"
              "only\ttwo fields\n"
              "x\t3\ttitle\tcode\t0\n"
              "4\t5\t\tprint(1)\t0\n"
              "6\t7\tscore is bad\tprint(1)\tnot-a-number\n")
    _write(f.with_name("valid.txt"), f.read_bytes() + b"8\t9\tbad \xff\xfe bytes\tx = 1\t0\n")
    recs = load_codenn(f)
    assert len(recs) == 1
    r = recs[0]
    assert r["task"] == "source_code_summarization_python"
    assert r["target"] == "How to add numbers"
    assert r["source"].startswith("def add ( a , b ) :")
    assert r["id"] == "2" and r["post_id"] == "1"
    assert recs.report.skipped == {"bad_field_count": 1, "bad_id": 1, "empty_title_or_code": 1,
                                   "bad_score": 1, "non_utf8": 1}
    assert "references" not in r


def test_codenn_dev_multi_references(tmp_path):
    d = tmp_path / "codenn" / "csharp" / "dev"
    _write(d / "dev.txt", "10\t20\tRead JSON\tvar x = new Foo();\t0\n11\t21\tOther\tint y = 2;\t0\n")
    _write(d / "ref.txt", "20\tread json\n20\tparse a json file\nbroken line without tab\n")
    recs = load_codenn(d / "dev.txt")
    assert recs[0]["task"] == "source_code_summarization_csharp"
    assert recs[0]["references"] == ["read json", "parse a json file"]
    assert recs[1]["references"] == ["Other"]  # no ref.txt entry: the title itself
    assert recs.report.skipped["bad_reference_line"] == 1
    raw = load_codenn(d / "dev.txt", raw=True)
    assert raw[0]["code"] == "var x = new Foo();" and raw[0]["title"] == "Read JSON"


def test_codenn_unknown_language_is_a_clear_error(tmp_path):
    f = tmp_path / "somewhere" / "valid.txt"
    _write(f, "1\t2\tt\tc\t0\n")
    with pytest.raises(DataError, match="language"):
        load_codenn(f)
    assert load_codenn(f, lang="sql")[0]["task"] == "source_code_summarization_sql"


def test_nngen_pairs_lines_and_counts_unpaired(tmp_path):
    _write(tmp_path / "x.diff", "mmm a / A . java <nl> + x <nl>\n\nmmm a / B . java <nl>\nextra diff\n")
    _write(tmp_path / "x.msg", "Add x .\nEmpty diff .\nFix B .\n")
    recs = load_nngen(tmp_path / "x.msg")
    assert [r["target"] for r in recs] == ["Add x .", "Fix B ."]
    assert recs[0]["task"] == "commit_generation" and recs[0]["source"].startswith("mmm a / A")
    assert recs.report.skipped == {"empty_diff_or_message": 1, "unpaired_line": 1}
    with pytest.raises(DataError, match="not found"):
        load_nngen(tmp_path / "missing.diff")


def _commit(sha: str, subject: str = "Fix the parser", **kw) -> dict:
    rec = {"repo": "o/r", "sha": sha, "date": "2024-01-01T00:00:00+00:00", "subject": subject, "body": "",
           "diff": "diff --git a/A.java b/A.java\n--- a/A.java\n+++ b/A.java\n@@ -1 +1 @@\n-int x;\n+int y;\n",
           "files": ["A.java"], "language": "Java"}
    rec.update(kw)
    return rec


def test_commits_jsonl_gz_with_bad_lines(tmp_path):
    d = tmp_path / "commits"
    d.mkdir()
    lines = [json.dumps(_commit("a" * 40)), "{not json", json.dumps({"repo": "o/r"}), "[1, 2]",
             json.dumps(_commit("b" * 40, subject="  ")), ""]
    with gzip.open(d / "o__r.jsonl.gz", "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    (d / "notgzip.jsonl.gz").write_bytes(b"this was never gzip")
    recs = load_commits(d)
    assert len(recs) == 1
    r = recs[0]
    assert r["task"] == "commit_generation" and r["target"] == "Fix the parser"
    assert r["repo"] == "o/r" and r["id"] == "a" * 40 and r["lang"] == "java"
    assert "mmm a" in r["source"] and "<nl>" in r["source"] and "ppp b" in r["source"]
    sk = recs.report.skipped
    assert sk["bad_json"] == 1 and sk["missing_keys"] == 1 and sk["not_an_object"] == 1
    assert sk["empty_diff_or_subject"] == 1 and sk["empty_line"] == 1 and sk["corrupt_gzip"] == 1
    assert load_commits(d / "o__r.jsonl.gz", raw=True)[0]["subject"] == "Fix the parser"


def test_codesearchnet_and_codexglue(tmp_path):
    f = tmp_path / "python" / "train.jsonl.gz"
    f.parent.mkdir()
    rows = [
        {"repo": "a/b", "path": "m.py", "func_name": "add", "language": "python",
         "code": "def add(a, b):\n    return a + b", "code_tokens": ["def", "add", "(", "a", ",", "b", ")",
                                                                    ":", "return", "a", "+", "b"],
         "docstring": "Add two numbers.", "docstring_tokens": ["Add", "two", "numbers", "."],
         "url": "https://x/1"},
        {"repo": "a/b", "path": "m.py", "func_name": "sub", "language": "python",
         "code": "def sub(a, b):\n    return a - b", "docstring": "Subtract b from a. More text."},
        {"repo": "a/b", "language": "cobol", "code": "x", "docstring": "y"},
        {"repo": "a/b", "language": "python", "docstring": "no code"},
        {"repo": "a/b", "language": "python", "code": "def f(): pass", "docstring": ""},
    ]
    with gzip.open(f, "wt") as fh:
        fh.write("\n".join(json.dumps(r) for r in rows) + "\n")
    recs = load_codesearchnet(tmp_path)
    assert [r["target"] for r in recs] == ["Add two numbers .", "Subtract b from a."]
    assert recs[0]["source"] == "def add ( a , b ) : return a + b"
    assert recs[1]["source"].startswith("def sub ( a , b ) :")
    assert recs[0]["task"] == "code_documentation_generation_python" and recs[0]["id"] == "https://x/1"
    assert recs.report.skipped == {"unsupported_language": 1, "missing_keys": 1,
                                   "empty_code_or_docstring": 1}


def test_algolisp_original_schema(tmp_path):
    f = tmp_path / "algolisp" / "dev.jsonl"
    good = {"text": ["given", "an", "array", "a", ",", "find", "elements", "greater", "than", "b"],
            "args": {"a": "int[]", "b": "int"}, "return_type": "int[]",
            "short_tree": ["filter", "a", ["partial1", "b", ">"]],
            "tests": [{"input": {"a": [1, 5], "b": 2}, "output": [5]}], "tags": ["filter"], "nodes": []}
    _write(f, json.dumps(good) + "\n" + json.dumps({"text": ["x"]}) + "\n"
              + json.dumps({**good, "short_tree": []}) + "\n")
    recs = load_algolisp(f)
    assert len(recs) == 1
    r = recs[0]
    assert r["task"] == "program_synthese" and r["target"] == "( filter a ( partial1 b > ) )"
    assert r["source"].startswith("given an array a ,")
    assert json.loads(r["tests"])[0]["output"] == [5] and json.loads(r["args"])["b"] == "int"
    assert recs.report.skipped == {"missing_keys": 1, "empty_text_or_program": 1}
    assert tree_to_program(["a", True, 1]) == "( a true 1 )"


def test_research_folder_finds_everything(tmp_path):
    _write(tmp_path / "codenn" / "sql" / "valid.txt", "1\t2\tcount rows\tselect count(*) from t\t0\n")
    _write(tmp_path / "nngen" / "c.diff", "mmm a / A . java <nl>\n")
    _write(tmp_path / "nngen" / "c.msg", "Fix .\n")
    (tmp_path / "commits").mkdir()
    with gzip.open(tmp_path / "commits" / "o__r.jsonl.gz", "wt") as fh:
        fh.write(json.dumps(_commit("c" * 40)) + "\n")
    got = load_research_folder(tmp_path)
    assert sorted(r[0]["task"] for r in got) == ["commit_generation", "commit_generation",
                                                 "source_code_summarization_sql"]
    with pytest.raises(DataError):
        load_research_folder(tmp_path / "nope")
    with pytest.raises(DataError, match="not found"):
        load_commits(tmp_path / "nope.jsonl.gz")
