import json

import pytest

from codetrans.algolisp.dataset import (
    load_jsonl,
    load_splits,
    statistics,
    statistics_table,
    to_dataset_dict,
    to_records,
    write_jsonl,
)
from codetrans.algolisp.generator import generate
from codetrans.algolisp.scoring import execute_matches
from codetrans.errors import DataError

ORIGINAL = {
    "text": ["given", "an", "array", "of", "numbers", "a", ",", "find", "the", "sum", "of", "its", "squares"],
    "args": {"a": "int[]"},
    "return_type": "int",
    "short_tree": ["reduce", ["map", "a", "square"], "0", "+"],
    "tests": [{"input": {"a": [1, 2]}, "output": 5}, {"input": {"a": []}, "output": 0}],
    "tags": [],
    "nodes": ["reduce", "map", "square"],
}


def test_loader_reads_original_schema_and_counts_bad_lines(tmp_path):
    path = tmp_path / "train.jsonl"
    lines = [
        json.dumps(ORIGINAL),
        "{not json",
        json.dumps([1, 2]),
        json.dumps({**ORIGINAL, "short_tree": ["map", "a"], "text": "text as a string"}),
        json.dumps({k: v for k, v in ORIGINAL.items() if k != "short_tree"}),
        json.dumps({**ORIGINAL, "short_tree": "(map a square"}),
        json.dumps({**ORIGINAL, "tests": [{"output": 1}]}),
        "",
    ]
    path.write_text("\n".join(lines) + "\n")
    result = load_jsonl(path)
    assert len(result.problems) == 2
    assert result.problems[1]["text"] == ["text", "as", "a", "string"]
    assert result.n_skipped == 5
    assert result.skipped["invalid JSON"] == 1
    assert result.skipped["missing short_tree"] == 1
    assert result.skipped["short_tree does not parse"] == 1


def test_loader_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_jsonl(tmp_path / "nope.jsonl")
    with pytest.raises(DataError, match="no AlgoLisp split files"):
        load_splits(tmp_path)


def test_to_records_rows_are_scorable():
    (row,) = to_records([ORIGINAL])
    assert row["task"] == "program_synthese"
    assert row["source"].startswith("given an array of numbers a , find")
    assert row["target"] == "( reduce ( map a square ) 0 + )"
    assert execute_matches(row["target"], row)
    assert json.loads(row["args"]) == {"a": "int[]"}
    assert execute_matches("(reduce (map a (lambda1 (* arg1 arg1))) 0 +)", row)
    assert not execute_matches("(reduce a 0 +)", row)


def test_write_load_dataset_dict_and_statistics(tmp_path):
    splits = generate(30, 10, 10, seed=1)
    for name, problems in splits.items():
        write_jsonl(problems, tmp_path / f"{name}.jsonl")
    loaded = load_splits(tmp_path)
    assert set(loaded) == {"train", "validation", "test"}
    assert len(loaded["train"]) == 30
    ds = to_dataset_dict(tmp_path)
    assert ds["validation"].num_rows == 10
    assert {"task", "source", "target", "args", "tests"} <= set(ds["train"].column_names)
    row = ds["test"][0]
    assert execute_matches(row["target"], row)
    stats = statistics(splits["train"])
    assert stats["problems"] == 30 and sum(stats["depths"].values()) == 30
    assert stats["text_vocab"] > 20 and stats["code_vocab"] > 10
    columns, rows, all_stats = statistics_table(splits)
    assert all_stats["all"]["problems"] == 50
    assert columns == ["statistic", *splits, "all"] and len(columns) == 5
    assert rows[0] == ("problems", *[str(len(p)) for p in splits.values()], "50")
