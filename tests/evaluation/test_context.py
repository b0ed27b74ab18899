"""Evaluation with repository context: leave-one-out within a repository, commits in time order, the
same-repo retrieval baseline, and the table of no-context / retrieval / context k = 1, 2, 4."""

from __future__ import annotations

import json

import datasets
import pytest
from model_fixtures import declare_context

from codetrans.cli import main
from codetrans.errors import CodeTransError
from codetrans.evaluation import evaluate
from codetrans.evaluation.context import EXEMPLARS_KEY, attach_exemplars
from codetrans.evaluation.predictors import ModelPredictor
from codetrans.evaluation.runner import load_split
from codetrans.grounding.documentation import GROUND_K

DOC, COMMIT = "code_documentation_generation_python", "commit_generation"
VERBS = ["load", "save", "delete", "render", "validate"]


def doc(repo: str, verb: str, noun: str) -> dict:
    return {"task": DOC, "source": f"def {verb}_{noun} ( {noun}_id , store ) : item = store . get ( {noun}_id ) "
            f"store . {verb} ( item ) return item", "target": f"{verb.capitalize()} the {noun} of {repo} .",
            "repo": repo, "meta": ""}


def change(repo: str, day: int, noun: str) -> dict:
    return {"task": COMMIT, "source": f"mmm a / {noun} . py <nl> ppp b / {noun} . py <nl> - x = {day} <nl> + x = "
            f"{day + 1} <nl>", "target": f"Bump {noun} in {repo} on day {day}", "repo": repo,
            "meta": json.dumps({"date": f"2024-01-{day:02d}T00:00:00+00:00"})}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    splits = {}
    for split, nouns in (("train", ["user", "group"]), ("test", ["order", "invoice", "cache"])):
        rows = [doc(f"{split}-{n}", v, n) for n in nouns for v in VERBS]
        rows += [doc(f"{split}-alone", "load", "token")]  # the only function of its repository
        rows += [change(f"{split}-{n}", d, n) for n in nouns for d in (3, 1, 2)]  # not in time order
        splits[split] = datasets.Dataset.from_list(rows)
    out = tmp_path_factory.mktemp("ctx-data") / "dd"
    datasets.DatasetDict(splits).save_to_disk(str(out))
    return str(out)


def task_rows(data, task):
    ds = load_split(data, "test")
    ds = ds.select([i for i, t in enumerate(ds["task"]) if t == task])
    return ds.to_list(), ds.to_dict()


def test_documentation_exemplars_are_the_same_repository_leave_one_out(data):
    records, rows = task_rows(data, DOC)
    info = attach_exemplars(records, range(len(records)), rows, "test", 4, None)
    for r in records:
        for _, target, score, _ in r[EXEMPLARS_KEY]:
            assert score > 0  # the BM25 score travels with the pair (the chooser reads it)
            assert target != r["target"] and target.endswith(f"of {r['repo']} .")
    alone = [r for r in records if r["repo"] == "test-alone"][0]
    assert alone[EXEMPLARS_KEY] == []
    assert info["k"] == 4 and 0 < info["with_exemplars"] < 1


def test_commit_exemplars_are_only_earlier_commits_of_the_repository(data):
    records, rows = task_rows(data, COMMIT)
    attach_exemplars(records, range(len(records)), rows, "test", 4, None)
    for r in records:
        day = json.loads(r["meta"])["date"][8:10]
        got = [t for _, t, _, _ in r[EXEMPLARS_KEY]]
        assert all(t.startswith("Bump") and f"in {r['repo']} " in t for t in got)
        assert all(int(t.rsplit(" ", 1)[1]) < int(day) for t in got)
        assert len(got) == int(day) - 1  # every earlier one (days 1..3)


def test_limit_spreads_over_the_split_and_the_pool_keeps_every_item(data, tmp_path):
    records, _ = task_rows(data, DOC)
    rec = evaluate("baseline:repo-bm25", data, tmp_path / "l", tasks=[DOC], limit=3, progress=False)
    refs = (tmp_path / "l" / f"{DOC}.ref.txt").read_text().splitlines()
    n = len(records)
    assert refs == [" ".join(records[i * n // 3]["target"].split()) for i in range(3)]  # evenly spaced
    preds = (tmp_path / "l" / f"{DOC}.pred.txt").read_text().splitlines()
    for i, p in zip((i * n // 3 for i in range(3)), preds):  # exemplars from the whole repository, not the 3
        if records[i]["repo"] != "test-alone":
            assert p.endswith(f"of {records[i]['repo']} .") and p != records[i]["target"]
    assert rec["dataset"]["tasks"][DOC]["n"] == 3


def test_same_repo_retrieval_baseline(data, tmp_path):
    rec = evaluate("baseline:repo-bm25", data, tmp_path / "b", progress=False)
    assert rec["context"] == {"pool": "same-repo", "k": 1}
    preds = (tmp_path / "b" / f"{DOC}.pred.txt").read_text().splitlines()
    records, _ = task_rows(data, DOC)
    for r, p in zip(records, preds):
        if r["repo"] != "test-alone":
            assert p.endswith(f"of {r['repo']} .") and p != r["target"]
    assert rec["results"][DOC]["context"]["with_exemplars"] < 1


def test_model_inputs_carry_the_exemplars_within_the_budget(data, context_model_dir):
    from codetrans.evaluation.predictors import DecodingOptions

    records, rows = task_rows(data, DOC)
    attach_exemplars(records, range(len(records)), rows, "test", 2, None)
    pred = ModelPredictor(context_model_dir)
    pipe = pred._pipeline("document", 4)
    inputs = pred._inputs(pipe.subtask("python", ""), records, pipe, DecodingOptions())
    assert all(text.count(" <ex> ") == len(r[EXEMPLARS_KEY]) for text, r in zip(inputs, records))
    assert sum(" <ex> " in t for t in inputs) == len(records) - 1


def test_cli_writes_the_context_table(data, context_model_dir, tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["evaluate", "--model", context_model_dir, "--data", data, "--out", str(out), "--context",
                 "same-repo", "--k", "1,2,4", "--no-progress", "--beams", "1", "--max-length", "8"]) == 0
    table = (out / "context.md").read_text()
    assert table.splitlines()[0] == ("| Sub-task | no context | same-repo top-1 | top-1 edited | grounded "
                                     "| oracle of candidates | context k=1 | context k=2 | context k=4 |")
    assert "| Doc Python |" in table and "| Commit |" in table
    # commits are grounded too (changelog entries, earlier commits, the model); the oracle bounds the choice
    commit_row = next(line for line in table.splitlines() if line.startswith("| Commit |")).split("|")
    assert float(commit_row[6]) >= float(commit_row[5]) > 0
    grounded = json.loads((out / "grounded" / "metrics.json").read_text())["results"][DOC]
    oracle = json.loads((out / "oracle" / "metrics.json").read_text())["results"][DOC]
    assert grounded["context"]["k"] == GROUND_K and oracle["score"] >= grounded["score"] > 0
    # where each grounded answer came from, counted
    assert sum(grounded["sources"].values()) == grounded["n"]
    assert set(grounded["sources"]) <= {"adapted", "copied", "generated"}
    commit_sources = json.loads((out / "grounded" / "metrics.json").read_text())["results"]["commit_generation"]
    assert set(commit_sources["sources"]) <= {"changelog", "adapted", "copied", "generated"}
    assert capsys.readouterr().out == table
    k4 = json.loads((out / "k4" / "metrics.json").read_text())
    assert k4["context"] == {"pool": "same-repo", "k": 4}
    assert k4["results"][DOC]["context"]["mean_exemplars"] > 2
    assert "context" not in json.loads((out / "no-context" / "metrics.json").read_text())


def test_a_model_without_context_gets_no_context_columns(data, constant_model_dir, tmp_path, capsys):
    plain = declare_context(constant_model_dir, tmp_path / "plain", k=None)
    out = tmp_path / "o"
    assert main(["evaluate", "--model", plain, "--data", data, "--out", str(out), "--context", "same-repo",
                 "--tasks", "commit", "--no-progress", "--beams", "1", "--max-length", "8"]) == 0
    cap = capsys.readouterr()
    assert "not trained with exemplars" in cap.err
    # grounded without exemplars in the model's input: candidates are the history and the model's own text
    assert (out / "context.md").read_text().splitlines()[0] == ("| Sub-task | no context | same-repo top-1 "
                                                                "| top-1 edited | grounded | oracle of candidates |")
    # feeding it exemplars directly is refused (the serving policy: they would be garbage to it)
    with pytest.raises(CodeTransError, match="not trained with exemplars"):
        evaluate(plain, data, tmp_path / "x", tasks=["commit"], context="same-repo", k=2, progress=False)


def test_cli_context_options_are_checked_in_one_line(data, tmp_path, capsys):
    base = ["evaluate", "--data", data, "--out", str(tmp_path / "o"), "--no-progress"]
    assert main([*base, "--model", "baseline:bm25", "--context", "same-repo"]) == 2
    assert "applies to models and baseline:repo-bm25" in capsys.readouterr().err
    assert main([*base, "--model", "baseline:repo-bm25", "--context", "same-repo", "--k", "2,x"]) == 2
    assert "--k takes whole numbers" in capsys.readouterr().err
    assert main([*base, "--model", "grounded:somewhere", "--context", "same-repo"]) == 2
    assert "always draws its same-repository neighbours" in capsys.readouterr().err
    assert main([*base, "--model", "baseline:repo-bm25", "--context", "same-repo", "--tasks", "commit"]) == 0
    assert json.loads((tmp_path / "o" / "metrics.json").read_text())["context"]["k"] == 1


def test_chooser_fit_on_training_repositories_and_checked_on_another_split(data, constant_model_dir, tmp_path,
                                                                            capsys):
    from codetrans.grounding.chooser import Chooser
    from codetrans.grounding.documentation import candidates

    out = tmp_path / "chooser.json"
    assert main(["chooser", "fit", "--data", data, "--out", str(out), "--per-task", "8", "--backend", "torch",
                 "--check-split", "test", "--model", constant_model_dir]) == 0
    chooser = Chooser.load(out)
    info = chooser.fit_info
    assert info["split"] == "train" and info["per_task"] == {DOC: 8} and info["functions"] == 8
    check = info["check"]["Doc Python"]
    assert check["oracle"] >= check["chosen"] and check["n"] == 8
    # fit on the training repositories' own docstrings, it prefers a neighbour edited to the function's name
    # ("Load the user ..." -> "Load the order ...") over the constant model text
    cands = candidates("def load_order ( order_id , store ) : item = store . get ( order_id ) return item", "python",
                       [("def load_user ( user_id , store ) : item = store . get ( user_id ) return item",
                         "Load the user of the shop .", 5.0)], "Compute the value")
    assert chooser.choose(cands).text == "Load the order of the shop ."
    assert main(["chooser", "fit", "--data", data, "--out", str(out), "--per-task", "0"]) == 2
