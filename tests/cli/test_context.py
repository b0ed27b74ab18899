"""`codetrans document|commit` with repository context, on git repositories the tests create."""

from __future__ import annotations

import io
import json
import sys

import pytest
from model_fixtures import CONSTANT_ANSWER, declare_context
from retrieval.repos import commit, init, module

from codetrans.cli import main
from codetrans.errors import CodeTransError

UNDOCUMENTED = ("def load_user(user_id, store):\n    item = store.get(user_id)\n    store.load(item)\n"
                "    return item\n\n\ndef save_group(group_id, store):\n    item = store.get(group_id)\n"
                "    store.save(item)\n    return item\n")


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    root = init(tmp_path / "repo")
    commit(root, {"pkg/user.py": module("user"), "pkg/group.py": module("group"), "pkg/new.py": UNDOCUMENTED},
           "Import the package", date="2024-01-01T00:00:00+00:00")
    return root


def records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_document_uses_the_files_repository_by_default(repo, context_model_dir, capsys):
    assert main(["document", "--json", "--model", context_model_dir, str(repo / "pkg" / "new.py")]) == 0
    cap = capsys.readouterr()
    recs = records(cap.out)
    assert [r["exemplars"] for r in recs] == [2, 2] and all("provenance" in r for r in recs)
    assert f"context: grounded in {repo.resolve()} (10 documented functions)" in cap.err
    assert "(the model reads 2 exemplars per function)" in cap.err
    assert cap.err.count("context:") == 1  # one line


def test_no_context_k_and_another_pool(repo, context_model_dir, tmp_path, capsys):
    path = str(repo / "pkg" / "new.py")
    assert main(["document", "--json", "--no-context", "--model", context_model_dir, path]) == 0
    cap = capsys.readouterr()
    assert all("exemplars" not in r for r in records(cap.out)) and "context:" not in cap.err
    assert main(["document", "--json", "--k", "1", "--model", context_model_dir, path]) == 0
    assert [r["exemplars"] for r in records(capsys.readouterr().out)] == [1, 1]
    other = init(tmp_path / "other")
    commit(other, {"lib.py": module("order")}, "Add orders")
    assert main(["document", "--json", "--context", str(other), "--model", context_model_dir, path]) == 0
    cap = capsys.readouterr()
    assert f"grounded in {other.resolve()} (5 documented functions)" in cap.err
    assert main(["document", "--context", str(other), "--no-context", "--model", context_model_dir, path]) == 2
    assert "contradict" in capsys.readouterr().err


def test_a_repository_without_documented_functions_falls_back_with_a_note(tmp_path, context_model_dir, capsys,
                                                                          monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    root = init(tmp_path / "bare")
    commit(root, {"new.py": UNDOCUMENTED}, "Add code")
    assert main(["document", "--json", "--model", context_model_dir, str(root / "new.py")]) == 0
    cap = capsys.readouterr()
    assert all("exemplars" not in r for r in records(cap.out)) and len(records(cap.out)) == 2
    notes = [line for line in cap.err.splitlines() if line.startswith("context:")]
    assert len(notes) == 1 and "no documented functions" in notes[0] and "without context" in notes[0]


def test_a_model_without_context_support_is_grounded_but_reads_none(repo, constant_model_dir, tmp_path, capsys):
    plain = declare_context(constant_model_dir, tmp_path / "plain", k=None)
    path = str(repo / "pkg" / "new.py")
    assert main(["document", "--json", "--model", plain, path]) == 0  # default: grounded, any model
    cap = capsys.readouterr()
    recs = records(cap.out)
    assert cap.err.count("context: grounded in") == 1 and "the model reads" not in cap.err
    assert all(r["exemplars"] == 0 and "provenance" in r for r in recs)
    # its twin in pkg/user.py has the same code (the unit itself: never its exemplar); a neighbour, edited
    assert recs[0]["generated_text"] == "Load the user with the given id from the store."
    assert main(["summarize", "--json", "--context", str(repo), "--model", plain, path]) == 0
    assert capsys.readouterr().err.count("not trained with exemplars") == 1  # other tasks: the old note


def test_commit_uses_the_current_repositorys_history(repo, context_model_dir, monkeypatch, capsys):
    commit(repo, {"pkg/extra.py": "x = 1\n"}, "Add the extra module", date="2024-01-02T00:00:00+00:00")
    monkeypatch.chdir(repo)
    diff = "--- a/pkg/extra.py\n+++ b/pkg/extra.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(diff.encode())))
    assert main(["commit", "--json", "--model", context_model_dir]) == 0
    cap = capsys.readouterr()
    rec = records(cap.out)[0]
    assert rec["exemplars"] >= 1 and "provenance" in rec
    assert "grounded in the history of" in cap.err and "exemplars per diff" in cap.err


def test_commit_outside_a_repository_falls_back(tmp_path, context_model_dir, monkeypatch, capsys):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    diff = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(diff.encode())))
    assert main(["commit", "--model", context_model_dir]) == 0
    err = capsys.readouterr().err
    assert err.count("context:") == 1 and "without context" in err


@pytest.fixture
def indexed_model(context_model_dir, tmp_path):
    """The context model with an index of (SQL query, summary) and (description, API) training pairs."""
    import datasets

    from codetrans.retrieval.index import build_shipped_index
    from codetrans.serving.context import INDEX_FILE

    model = declare_context(context_model_dir, tmp_path / "indexed")
    rows = {"task": [], "source": [], "target": [], "id": []}
    for i, table in enumerate(("users", "orders", "groups", "items")):
        rows["task"] += ["source_code_summarization_sql", "api_generation"]
        rows["source"] += [f"select name from {table} where id = {i}", f"read the {table} file"]
        rows["target"] += [f"get the name of a {table} row", f"File.new Files.read{table.title()}"]
        rows["id"] += [f"s{i}", f"a{i}"]
    dd = datasets.DatasetDict({"train": datasets.Dataset.from_dict(rows)})
    build_shipped_index(dd, tmp_path / "indexed" / INDEX_FILE)
    return model


def test_tasks_without_repository_use_the_models_index(indexed_model, tmp_path, capsys):
    query = tmp_path / "q.sql"
    query.write_text("SELECT name FROM users WHERE id = 7")
    assert main(["summarize", "--json", "--model", indexed_model, str(query)]) == 0
    cap = capsys.readouterr()
    assert records(cap.out)[0]["exemplars"] == 2
    assert "2 exemplars per input from the model's index of its training pairs (8 pairs)" in cap.err
    assert main(["api", "--json", "--no-context", "--model", indexed_model, "read", "the", "users", "file"]) == 0
    cap = capsys.readouterr()
    assert "exemplars" not in records(cap.out)[0] and "context:" not in cap.err
    assert main(["api", "--json", "--k", "1", "--model", indexed_model, "read", "the", "users", "file"]) == 0
    assert records(capsys.readouterr().out)[0]["exemplars"] == 1


def test_api_sequences_are_the_consensus_of_the_index_with_any_model(constant_model_dir, tmp_path, capsys):
    import shutil

    import datasets

    from codetrans.retrieval.index import build_shipped_index
    from codetrans.serving.context import INDEX_FILE
    from codetrans.serving.pipelines import pipeline

    model = tmp_path / "plain"
    shutil.copytree(constant_model_dir, model)  # declares no context: it reads no exemplars
    rows = {"task": ["api_generation"] * 3, "source": ["read a text file", "read lines of a file", "open a socket"],
            "target": ["FileReader.new BufferedReader.readLine", "FileReader.new BufferedReader.readLine "
                       "BufferedReader.close", "Socket.new Socket.getInputStream"], "id": ["a1", "a2", "a3"]}
    build_shipped_index(datasets.DatasetDict({"train": datasets.Dataset.from_dict(rows)}), model / INDEX_FILE,
                        ("api",))
    assert main(["api", "--json", "--model", str(model), "read", "a", "file"]) == 0
    cap = capsys.readouterr()
    rec = records(cap.out)[0]
    assert rec["generated_text"] == "FileReader.new BufferedReader.readLine"
    assert rec["provenance"].startswith("copied from the training pair for 'read a text file'")
    assert rec["model_text"] == CONSTANT_ANSWER and rec["exemplars"] == 0
    assert rec["api_sequence"] == ["FileReader.new", "BufferedReader.readLine"]  # of the answer, not the model's
    assert "grounded in the model's index of its training pairs (3 pairs)" in cap.err
    assert main(["api", "--json", "--no-context", "--model", str(model), "read", "a", "file"]) == 0
    rec = records(capsys.readouterr().out)[0]
    assert rec["generated_text"] == CONSTANT_ANSWER and "provenance" not in rec
    pipe = pipeline("api", model=str(model), backend="torch")
    res = pipe("read the lines of a file", context=True)[0]
    assert res["generated_text"].startswith("FileReader.new") and res["model_text"] == CONSTANT_ANSWER
    assert res["origin"]["query"] in ("read a text file", "read lines of a file")
    # a query is normalised as the pairs were (first sentence, lower-cased words) and an indexed description
    # equal to it is the best match, not "the unit itself"
    res = pipe("Read a TEXT file. Then close it.", context=True)[0]
    assert res["origin"]["query"] == "read a text file"
    assert res["generated_text"] == "FileReader.new BufferedReader.readLine"
    with pytest.raises(CodeTransError, match="has no words"):
        pipe(" ?! ", context=True)
    with pytest.raises(CodeTransError, match="ships an index"):
        pipeline("api", model=constant_model_dir, backend="torch")("open a socket", context=True)


def test_pipeline_context_true_is_the_models_index(indexed_model, context_model_dir):
    from codetrans.errors import CodeTransError
    from codetrans.serving.pipelines import pipeline

    pipe = pipeline("summarize", model=indexed_model, backend="torch")
    seen = []
    original = pipe.preprocess

    def spy(*a, **kw):
        out = original(*a, **kw)
        seen.append(pipe.tokenizer.decode(out["input_ids"][0] if hasattr(out["input_ids"], "shape") else out["input_ids"]))
        return out

    pipe.preprocess = spy
    res = pipe("SELECT name FROM orders WHERE id = 3", lang="sql", context=True)
    assert res[0]["exemplars"] == 2 and "<ex>" in seen[-1] and "orders" in seen[-1]
    with pytest.raises(CodeTransError, match="ships an index"):
        pipeline("summarize", model=context_model_dir, backend="torch")("SELECT 1", lang="sql", context=True)
