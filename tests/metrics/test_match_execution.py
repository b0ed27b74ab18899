"""Exact match, distinct outputs and execution accuracy (executor plug-in)."""

import importlib.util

import pytest

from codetrans.errors import CodeTransError
from codetrans.metrics import (
    distinct_outputs,
    exact_match,
    exact_match_items,
    execution_accuracy,
    get_executor,
    register_executor,
    score,
)


def test_exact_match_whitespace_case_and_multi_reference():
    hyps = ["get  the name", "Sort list", "x", ""]
    refs = ["get the name", ["sort items", "sort list"], "y", ""]
    assert exact_match_items(hyps, refs) == [True, False, False, False]
    assert exact_match_items(hyps, refs, lowercase=True) == [True, True, False, False]
    assert exact_match(hyps, refs, lowercase=True) == pytest.approx(50.0)


def _sum_program(prediction: str, record: dict) -> bool:
    # a tiny real executor: the prediction is a Python expression over `args`
    return all(eval(prediction, {"__builtins__": {}}, {"args": a}) == out for a, out in record["tests"])


def test_execution_accuracy_with_plugged_executor_and_crashes_count_as_wrong():
    records = [{"tests": [((1, 2), 3), ((5, 5), 10)]}] * 4
    preds = ["args[0] + args[1]", "args[0] * args[1]", "args[9]", ""]
    assert execution_accuracy(preds, records, _sum_program) == pytest.approx(25.0)
    out = score("program_synthese", preds, ["args[0] + args[1]"] * 4, records, executor=_sum_program)
    assert out["metric"] == "execution_accuracy" and out["score"] == pytest.approx(25.0)
    assert out["executor_errors"] == 1  # the IndexError of args[9]


def test_executor_lookup_is_lazy_and_errors_are_clear():
    register_executor("my_task", "no_such_module_for_codetrans:run")
    with pytest.raises(CodeTransError, match="not available"):
        get_executor("my_task")
    with pytest.raises(CodeTransError, match="no program executor"):
        get_executor("code_documentation_generation_python")
    register_executor("my_task", _sum_program)
    assert get_executor("my_task") is _sum_program
    # the AlgoLisp executor is found once that module is installed
    if importlib.util.find_spec("codetrans.algolisp.scoring") is not None:
        assert callable(get_executor("program_synthese"))
    else:
        with pytest.raises(CodeTransError):
            get_executor("program_synthese")


def test_execution_accuracy_alignment_error():
    with pytest.raises(CodeTransError, match="aligned"):
        execution_accuracy(["a"], [{}, {}], _sum_program)


def test_score_headline_per_task_kind():
    doc = score("code_documentation_generation_python", ["returns the name"], [["returns the name"]])
    assert doc["metric"] == "smoothed_bleu" and doc["score"] == pytest.approx(100.0)
    commit = score("commit_generation", ["fix typo in readme ."], ["fix typo in readme ."])
    assert commit["metric"] == "corpus_bleu" and commit["score"] == pytest.approx(100.0)


def test_distinct_outputs_flags_a_collapsed_model():
    assert distinct_outputs(["Returns the name.", "Returns  the name.", "Sets the name.", "Gets it."]) == 75.0
    assert distinct_outputs(["Whether the specified 1."] * 50) == pytest.approx(2.0)
    assert distinct_outputs([]) == 0.0
    res = score("code_documentation_generation_python", ["a b", "a b"], [["a b"], ["c d"]])
    assert res["distinct_outputs"] == 50.0
