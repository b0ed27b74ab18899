import json

import pytest

from codetrans.algolisp.scoring import exact_match, exact_match_accuracy, execute_matches, execution_accuracy
from codetrans.errors import CodeTransError

RECORD = {
    "args": {"a": "int[]"},
    "short_tree": ["reduce", ["filter", "a", "is_odd"], "0", "+"],
    "tests": [
        {"input": {"a": [1, 2, 3]}, "output": 4},
        {"input": {"a": [2, 4]}, "output": 0},
        {"input": {"a": [-1, 5]}, "output": 4},
    ],
}
ROW = {"task": "program_synthese", "source": "sum of odd elements of a", "target": "(reduce (filter a is_odd) 0 +)",
       "args": json.dumps(RECORD["args"]), "tests": json.dumps(RECORD["tests"])}


@pytest.mark.parametrize("record", [RECORD, ROW], ids=["original", "row"])
def test_execute_matches(record):
    assert execute_matches("(reduce (filter a is_odd) 0 +)", record)
    assert execute_matches("( reduce ( filter a is_odd ) 0 + )", record)  # flat model output
    assert execute_matches("(reduce (filter a (combine ! is_even)) 0 +)", record)  # equivalent program
    assert not execute_matches("(reduce a 0 +)", record)  # wrong
    assert not execute_matches("(reduce (filter a is_odd) 0 +", record)  # unparsable
    assert not execute_matches("(head (filter a is_odd))", record)  # crashes on a test
    assert not execute_matches("(reduce (filter a is_odd) 0 foo)", record)  # unknown name
    assert not execute_matches("(invoke1 (lambda1 (self arg1)) 1)", record)  # hostile
    assert not execute_matches("", record)


def test_bool_is_not_int():
    record = {"args": {"a": "int"}, "tests": [{"input": {"a": 1}, "output": True}]}
    assert execute_matches("(> a 0)", record)
    assert not execute_matches("a", record)  # 1 == True in Python, not here


def test_execution_accuracy():
    preds = ["(reduce (filter a is_odd) 0 +)", "(reduce a 0 +)", "(", "(reduce (filter a is_odd) 0 +)"]
    assert execution_accuracy(preds, [RECORD, RECORD, RECORD, ROW]) == 50.0
    assert execution_accuracy([], []) == 0.0
    with pytest.raises(CodeTransError):
        execution_accuracy(["a"], [])


def test_exact_match():
    assert exact_match("( reduce ( filter a is_odd ) 0 + )", RECORD)
    assert exact_match("(reduce (filter a is_odd) 0 +)", ROW)
    assert exact_match(["reduce", ["filter", "a", "is_odd"], "0", "+"], "(reduce (filter a is_odd) 0 +)")
    assert not exact_match("(reduce (filter a (combine ! is_even)) 0 +)", RECORD)
    assert exact_match("(map a", "(map   a")  # unparsable: whitespace-collapsed text
    assert exact_match_accuracy(["(len a)", "(len b)"], ["(len  a)", "(len a)"]) == 50.0


def test_record_without_tests_falls_back_to_exact_match():
    record = {"args": {"a": "int[]"}, "target": "(len a)"}
    assert execute_matches("( len a )", record)
    assert not execute_matches("(len (sort a))", record)
