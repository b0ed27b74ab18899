"""Judged truth at coverage in the harness, and the verifier's recipe end to end on a corpus made here."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from model_fixtures import CONSTANT_ANSWER, tiny_verifier, tiny_verifier_pairs

from codetrans.data.corpus import COLUMNS, save_corpus
from codetrans.errors import CodeTransError
from codetrans.evaluation.judged import item_key, judge, load_labels
from codetrans.evaluation.runner import evaluate
from codetrans.grounding.verifier import VERIFIER_FILE, Verifier


def _corpus(path) -> str:
    """Documented functions and commits of three repositories per split (the verifier's hard negatives are
    same-repository neighbours)."""
    docs, commits = tiny_verifier_pairs()
    cols: dict[str, dict[str, list]] = {}
    for split, repos in (("train", ("a", "b", "c")), ("validation", ("d",)), ("test", ("e",))):
        rows = []
        for r_i, repo in enumerate(repos):
            for i, (code, text, name) in enumerate(docs):
                if i % len(repos) == r_i or split != "train":
                    rows.append({"task": "code_documentation_generation_python", "source": code, "target": text,
                                 "lang": "python", "repo": f"shop/{repo}", "path": f"{name.split('_')[1]}.py", "func_name": name,
                                 "id": f"{repo}{i}"})
            for i, (diff, subject) in enumerate(commits):
                if i % len(repos) == r_i or split != "train":
                    rows.append({"task": "commit_generation", "source": diff, "target": subject, "lang": "java",
                                 "repo": f"shop/{repo}", "path": "", "func_name": "", "id": f"{repo}c{i}",
                                 "meta": json.dumps({"date": f"2020-01-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00"})})
        cols[split] = {c: [r.get(c, "") if c != "references" else [] for r in rows] for c in COLUMNS}
    return str(save_corpus(cols, path / "corpus"))


def test_verifier_fit_and_measure_from_the_command_line(tmp_path):
    data = _corpus(tmp_path)
    out = tmp_path / "v.json.gz"
    cli = [sys.executable, "-m", "codetrans.cli", "verifier"]
    recipe = Path(__file__).parents[2] / "training" / "verifier" / "verifier.json"
    fit = subprocess.run([*cli, "fit", "--recipe", str(recipe), "--data", data, "--out", str(out), "--per-task", "60"],
                         capture_output=True, text=True)
    assert fit.returncode == 0, fit.stderr
    verifier = Verifier.load(out)
    assert set(verifier.tables) == {"doc", "commit"} and verifier.info["doc"]["train_groups"] > 0
    # the recipe's serving thresholds (chosen on the judged validation set) travel with the verifier
    assert verifier.info["serving"] == json.loads(recipe.read_text())["serving"]
    measure = subprocess.run([*cli, "measure", "--data", data, "--verifier", str(out), "--per-task", "40",
                              "--out", str(tmp_path / "recall.json")], capture_output=True, text=True)
    assert measure.returncode == 0, measure.stderr
    figures = json.loads((tmp_path / "recall.json").read_text())
    doc = figures["doc"]
    assert doc["groups"] > 0
    # on unseen repositories the verifier ranks the true docstring first more often than word overlap does
    task = "code_documentation_generation_python"
    assert doc["verifier"][task] >= doc["word overlap"][task]
    assert "| verifier |" in measure.stdout and figures["stale"]["items"] > 0


def test_judge_counts_written_answers_and_lists_the_unlabelled():
    recs = [{"source": f"def f{i} ( ) : pass", "func_name": f"f{i}"} for i in range(4)]
    texts = ["Return one.", "Return two.", "Return three.", "Return four."]
    labels = {(item_key("t", recs[0]["source"]), "return one"): "correct",
              (item_key("t", recs[1]["source"]), "return two"): "wrong",
              (item_key("t", recs[2]["source"]), "return three"): "vague"}
    figures, unlabelled = judge("t", recs, texts, [0.9, 0.2, 0.8, 0.95], labels, threshold=0.5)
    assert figures["coverage"] == 75.0
    assert figures["written"] == {"judged": 2, "unlabelled": 1, "correct": 50.0, "correct_or_vague": 100.0,
                                  "wrong": 0.0}
    assert figures["all"]["wrong"] == pytest.approx(33.3)
    assert [u["text"] for u in unlabelled] == ["Return four."]


def test_evaluate_reports_judged_precision_where_labels_exist(tmp_path, constant_model_dir):
    data = _corpus(tmp_path)
    model = tmp_path / "m"
    shutil.copytree(constant_model_dir, model)
    tiny_verifier().save(model / VERIFIER_FILE)
    import datasets

    first = datasets.load_from_disk(data)["test"].filter(lambda r: r["task"] == "commit_generation")[0]
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"item": item_key("commit_generation", first["source"]), "text": CONSTANT_ANSWER,
                                  "label": "wrong"}) + "\n")
    record = evaluate(str(model), data, tmp_path / "run", split="test", tasks=["commit_generation"], limit=6,
                      labels=labels, progress=False)
    judged = record["results"]["commit_generation"]["judged"]
    assert judged["items"] == 6 and judged["all"]["judged"] == 1 and judged["all"]["wrong"] == 100.0
    assert judged["threshold"] == 0.7  # the model's verifier's
    unlabelled = (tmp_path / "run" / "commit_generation.unlabelled.jsonl").read_text().splitlines()
    assert len(unlabelled) == 5 and all(json.loads(u)["text"] == CONSTANT_ANSWER for u in unlabelled)
    confs = (tmp_path / "run" / "commit_generation.conf.txt").read_text().split()
    assert len(confs) == 6 and all(0 <= float(c) <= 1 for c in confs)


def test_a_bad_label_line_is_one_clear_error(tmp_path):
    bad = tmp_path / "labels.jsonl"
    bad.write_text('{"item": "x", "text": "y", "label": "fine"}\n')
    with pytest.raises(CodeTransError, match="label must be one of correct, vague, wrong"):
        load_labels(bad)


def test_a_bad_recipe_is_one_clear_error(tmp_path):
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps({"serving": {"write_threshold": 3}}))
    run = subprocess.run([sys.executable, "-m", "codetrans.cli", "verifier", "fit", "--recipe", str(bad), "--data",
                          str(tmp_path), "--out", str(tmp_path / "v.json.gz")], capture_output=True, text=True)
    assert run.returncode == 2 and "between 0 and 1" in run.stderr and "Traceback" not in run.stderr
