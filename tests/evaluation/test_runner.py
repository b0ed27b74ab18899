"""The runner with baselines: files, reproducibility record, resume, tables, CLI, bad input."""

import json
from pathlib import Path

import datasets
import pytest

from codetrans.cli import main
from codetrans.errors import CodeTransError, DataError
from codetrans.evaluation import DecodingOptions, evaluate, load_results, merge_tables, render_table
from codetrans.metrics import corpus_bleu, smoothed_bleu

DOC, COMMIT = "code_documentation_generation_python", "commit_generation"


def _lines(p: Path) -> list[str]:
    return p.read_text(encoding="utf-8").splitlines()


def test_bm25_run_writes_aligned_files_and_full_record(synthetic_data, tmp_path):
    rec = evaluate("baseline:bm25", synthetic_data, tmp_path / "bm25", progress=False)
    assert set(rec["results"]) == {DOC, COMMIT}
    test = datasets.load_from_disk(synthetic_data)["test"]
    for task in (DOC, COMMIT):
        preds = _lines(tmp_path / "bm25" / f"{task}.pred.txt")
        refs = _lines(tmp_path / "bm25" / f"{task}.ref.txt")
        assert len(preds) == len(refs) == sum(1 for t in test["task"] if t == task)
    # multi-reference items are kept whole and scored against all references
    multi = [json.loads(x) for x in _lines(tmp_path / "bm25" / f"{DOC}.refs.jsonl")]
    assert any(len(r) == 2 for r in multi)
    preds = _lines(tmp_path / "bm25" / f"{DOC}.pred.txt")
    assert rec["results"][DOC]["smoothed_bleu"] == pytest.approx(smoothed_bleu(preds, multi))
    assert rec["results"][DOC]["metric"] == "smoothed_bleu"
    cpreds = _lines(tmp_path / "bm25" / f"{COMMIT}.pred.txt")
    crefs = _lines(tmp_path / "bm25" / f"{COMMIT}.ref.txt")
    assert rec["results"][COMMIT]["score"] == pytest.approx(corpus_bleu(cpreds, crefs))
    # the reproducibility record
    on_disk = json.loads((tmp_path / "bm25" / "metrics.json").read_text())
    assert on_disk == json.loads(json.dumps(rec))
    assert rec["model"]["id"] == "baseline:bm25" and rec["model"]["train_pools"][DOC]["n"] == 240
    assert len(rec["model"]["train_pools"][DOC]["sha256"]) == 64
    assert rec["dataset"]["fingerprint"] and rec["dataset"]["tasks"][DOC]["n"] == 24
    assert {"python", "torch", "transformers", "datasets", "sacrebleu"} <= set(rec["versions"])
    assert rec["time"]["started"] and rec["time"]["seconds"] >= 0
    assert (tmp_path / "bm25" / "results.md").read_text().startswith("| Model | Doc Python | Commit |")


def test_resume_continues_after_the_last_complete_line(synthetic_data, tmp_path):
    full = evaluate("baseline:nngen", synthetic_data, tmp_path / "a", progress=False)
    out = tmp_path / "b"
    evaluate("baseline:nngen", synthetic_data, out, progress=False)
    pred = out / f"{COMMIT}.pred.txt"
    lines = _lines(pred)
    pred.write_text("\n".join(lines[:7]) + "\n" + lines[7][:4], encoding="utf-8")  # torn last write
    again = evaluate("baseline:nngen", synthetic_data, out, progress=False)
    assert again["results"][COMMIT]["resumed_from"] == 7
    assert _lines(pred) == lines
    assert again["results"][COMMIT]["score"] == full["results"][COMMIT]["score"]
    # predictions from other data are refused rather than silently mixed
    with pytest.raises(CodeTransError, match="different model, data or decoding"):
        evaluate("baseline:bm25", synthetic_data, out, progress=False)
    rec = evaluate("baseline:bm25", synthetic_data, out, progress=False, overwrite=True)
    assert rec["results"][COMMIT]["resumed_from"] == 0


def test_task_selection_and_funcname_applicability(synthetic_data, tmp_path):
    rec = evaluate("baseline:funcname", synthetic_data, tmp_path / "fn", progress=False)
    assert set(rec["results"]) == {DOC} and rec["skipped_tasks"] == [COMMIT]
    assert rec["results"][DOC]["score"] > 20  # the names carry most of the summary here
    with pytest.raises(CodeTransError, match="does not apply"):
        evaluate("baseline:funcname", synthetic_data, tmp_path / "fn2", tasks=[COMMIT], progress=False)
    rec = evaluate("baseline:bm25", synthetic_data, tmp_path / "one", tasks=["document"], limit=5, progress=False)
    assert set(rec["results"]) == {DOC} and rec["results"][DOC]["n"] == 5
    with pytest.raises(DataError, match="no items of"):
        evaluate("baseline:bm25", synthetic_data, tmp_path / "x", tasks=["api_generation"], progress=False)


def test_bad_data_and_options_are_clear_errors(synthetic_data, tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        evaluate("baseline:bm25", tmp_path / "nope", tmp_path / "o", progress=False)
    with pytest.raises(DataError, match="no split 'dev'"):
        evaluate("baseline:bm25", synthetic_data, tmp_path / "o", split="dev", progress=False)
    bad = datasets.DatasetDict(test=datasets.Dataset.from_list([{"task": DOC, "source": "x"}]))
    bad.save_to_disk(str(tmp_path / "bad"))
    with pytest.raises(DataError, match="lacks column"):
        evaluate("baseline:bm25", tmp_path / "bad", tmp_path / "o", progress=False)
    with pytest.raises(CodeTransError, match="unknown baseline"):
        evaluate("baseline:magic", synthetic_data, tmp_path / "o", progress=False)
    with pytest.raises(CodeTransError, match="unknown model"):
        evaluate(str(tmp_path / "no_model"), synthetic_data, tmp_path / "o", progress=False)
    with pytest.raises(CodeTransError, match="positive"):
        DecodingOptions(num_beams=0)
    no_train = datasets.DatasetDict(test=datasets.load_from_disk(synthetic_data)["test"])
    no_train.save_to_disk(str(tmp_path / "no_train"))
    with pytest.raises(DataError, match="no split 'train'"):
        evaluate("baseline:bm25", tmp_path / "no_train", tmp_path / "o2", progress=False)


def test_tables_merge_rows_by_name_in_paper_layout(tmp_path):
    def rec(name, results):
        return {"name": name, "results": results}

    a = rec("CodeTrans-ST-Small", {"commit_generation": {"score": 10.0, "metric": "corpus_bleu"},
                                   "code_documentation_generation_java": {"score": 21.9}})
    b = rec("CodeTrans-ST-Small", {"code_documentation_generation_python": {"score": 20.4}})
    c = rec("baseline:bm25", {"source_code_summarization_csharp": {"score": 9.5}})
    table = render_table([a, b, c])
    head, rule, row1, row2 = table.splitlines()[:4]
    assert head == "| Model | Doc Python | Doc Java | Sum C# | Commit |"
    assert row1 == "| CodeTrans-ST-Small | 20.40 | 21.90 | – | 10.00 |"
    assert row2 == "| baseline:bm25 | – | – | 9.50 | – |"
    assert "corpus BLEU-4 (multi-bleu): Commit" in table
    paths = []
    for i, r in enumerate((a, b, c)):
        p = tmp_path / f"r{i}.json"
        p.write_text(json.dumps(r))
        paths.append(p)
    assert merge_tables(paths) == table
    # LABEL=PATH: one row from several results, later sub-tasks replacing earlier ones
    served = merge_tables([f"served={paths[0]}", f"served={paths[2]}"]).splitlines()
    assert served[2].startswith("| served |") and len(served) == 5  # header, rule, one row, blank, note
    (tmp_path / "junk.json").write_text("[1, 2]")
    with pytest.raises(CodeTransError, match="junk.json holds no record CodeTrans writes, not an evaluation record"):
        load_results([tmp_path / "junk.json"])


def test_cli_evaluate_and_table(synthetic_data, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["evaluate", "--model", "baseline:bm25", "--data", synthetic_data, "--out", str(out),
                 "--tasks", COMMIT, "--no-progress"]) == 0
    assert "| baseline:bm25 |" in capsys.readouterr().out
    assert main(["evaluate", "--table", str(out), "--metric", "exact_match", "--table-out",
                 str(tmp_path / "t.md")]) == 0
    assert "exact match % for every column" in (tmp_path / "t.md").read_text()
    assert main(["evaluate", "--model", "baseline:bm25"]) == 2
    assert "--data, --out required" in capsys.readouterr().err
    assert main(["evaluate", "--model", "baseline:bm25", "--data", str(tmp_path / "none"), "--out",
                 str(out)]) == 2


def test_select_tasks_accepts_ids_types_and_type_language_pairs():
    from codetrans.evaluation import select_tasks

    present = [COMMIT, DOC, DOC]
    assert select_tasks(present, None) == [DOC, COMMIT]  # registry order, not data order
    assert select_tasks(present, ["commit", "document:python"]) == [COMMIT, DOC]
    assert select_tasks(present, [DOC, DOC]) == [DOC]
    with pytest.raises(CodeTransError):
        select_tasks(present, ["document:klingon"])


def test_datasets_objects_and_a_separate_train_pool(synthetic_data, tmp_path):
    dd = datasets.load_from_disk(synthetic_data)
    rec = evaluate("baseline:bm25", dd["test"], tmp_path / "obj", train_data=dd, tasks=[COMMIT], progress=False)
    assert rec["dataset"]["path"] is None and rec["results"][COMMIT]["n"] == 24
    assert rec["decoding"] is None  # baselines do not decode


@pytest.mark.parametrize("backend", ["torch", "ct2"])
def test_models_generate_through_the_serving_pipelines(backend, constant_model_dir, tmp_path):
    """Evaluation decodes with the serving pipelines, so the CTranslate2 backend can be scored too."""
    import shutil

    import datasets
    from model_fixtures import CONSTANT_ANSWER

    from codetrans.evaluation import DecodingOptions, evaluate

    if backend == "ct2":
        pytest.importorskip("ctranslate2")
    model = shutil.copytree(constant_model_dir, tmp_path / "model", ignore=shutil.ignore_patterns("ct2-*"))
    rows = [{"task": "code_documentation_generation_python", "source": f"def f{i} ( x ) : return x",
             "target": CONSTANT_ANSWER} for i in range(5)]
    data = datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})
    rec = evaluate(str(model), data, tmp_path / "eval", decoding=DecodingOptions(num_beams=1, max_length=32),
                   backend=backend, progress=False)
    preds = (tmp_path / "eval" / "code_documentation_generation_python.pred.txt").read_text().splitlines()
    assert preds == [CONSTANT_ANSWER] * 5
    assert rec["results"]["code_documentation_generation_python"]["n"] == 5
    assert not (model / "ct2-int8").exists()  # run-time exports go to $CODETRANS_HOME/exports
