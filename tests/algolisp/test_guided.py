"""Execution-guided choice among candidate programs: examples, sample inputs, and the refusals."""

from __future__ import annotations

import pytest

from codetrans.algolisp.guided import Example, as_examples, choose, describe_args, free_symbols, parse_example
from codetrans.errors import CodeTransError

SUM = "given an array of integers a , find the sum of its elements"


@pytest.mark.parametrize("text,inputs,output", [
    ("a=[1,2,3] -> 6", {"a": [1, 2, 3]}, 6),
    ('a = [1, 2], b="x y" -> "yx"', {"a": [1, 2], "b": "x y"}, "yx"),
    ("c=3,d=[] -> [3]", {"c": 3, "d": []}, [3]),
    ("s=\"a,b -> c\" -> true", {"s": "a,b -> c"}, True),  # separators inside a string are the string's
])
def test_parse_example_reads_json_values(text, inputs, output):
    assert parse_example(text) == Example(inputs, output)


@pytest.mark.parametrize("text,message", [
    ("a=[1,2,3]", "expected NAME=JSON"),
    ("a=[1 -> 6", "not JSON"),
    ("a=[1] -> ", "the output is not JSON"),
    ("a=[1] -> 6 7", "expected NAME=JSON"),
    ("a=1, a=2 -> 3", "a given twice"),
    ("-> 3", "expected NAME=JSON"),
    ("1a=2 -> 3", "expected NAME=JSON"),
])
def test_parse_example_refuses_bad_forms_in_one_line(text, message):
    with pytest.raises(CodeTransError, match=message) as info:
        parse_example(text)
    assert "\n" not in str(info.value)


def test_as_examples_takes_the_dataset_tests_and_refuses_mixed_arguments():
    exs = as_examples([{"input": {"a": [1]}, "output": 1}, "a=[2] -> 2"])
    assert [e.output for e in exs] == [1, 2]
    with pytest.raises(CodeTransError, match="name different arguments: a vs b"):
        as_examples(["a=[1] -> 1", "b=[1] -> 1"])
    with pytest.raises(CodeTransError, match="an example must be"):
        as_examples([3])


def test_describe_args_reads_names_and_types_in_order():
    text = "given a number c and an array of integers a , and a string s , find c plus len a"
    assert describe_args(text) == {"c": "int", "a": "int[]", "s": "string"}
    assert describe_args("find the meaning of life") == {}


def test_free_symbols_ignores_builtins_library_and_lambda_arguments():
    assert free_symbols("( reduce ( map a ( lambda1 ( * arg1 c ) ) ) 0 + )") == ["a", "c"]


def test_choose_returns_the_first_candidate_that_meets_every_example():
    candidates = ["( len a", "( len a )", "( reduce a 0 * )", "( reduce a 0 + )", "( reduce a 1 + )"]
    choice = choose(candidates, ["a=[1,2,3] -> 6", "a=[5] -> 5"], SUM)
    assert (choice.program, choice.index, choice.passed) == ("( reduce a 0 + )", 3, True)
    assert choice.rejected == {"ill-formed": 1, "mismatch": 2}
    assert choice.provenance == "generated; passes the 2 example(s) (candidate 4 of 5)"
    assert choice.as_json()["examples_passed"] == 2


def test_choose_says_none_passed_and_keeps_the_best_candidate():
    # ( len a ) meets one of the two examples, ( head a ) none: the best is the one closest to passing
    choice = choose(["( head a )", "( len a )", "( oops"], ["a=[1,2,3] -> 3", "a=[9] -> 7"], SUM)
    assert (choice.program, choice.passed, choice.examples_passed) == ("( len a )", False, 1)
    assert choice.provenance.startswith("generated; none of 3 candidates passes the examples: best passes 1 of 2")


def test_choose_without_examples_keeps_programs_that_run_on_typed_samples():
    # ( + a 1 ) adds a number to an array: it fails on every int[] sample; ( reduce a 0 + ) runs
    choice = choose(["( + a 1 )", "( reduce a 0 + )"], None, SUM)
    assert (choice.index, choice.check, choice.passed) == (1, "sample inputs", True)
    assert choice.rejected == {"error": 1}
    assert choice.provenance == "generated; runs on typed sample inputs (candidate 2 of 2)"
    # names the description does not type are tried as each type
    assert choose(["( len x )"], None, "find the answer").passed


def test_choose_refuses_examples_whose_names_the_program_does_not_read():
    # the examples fix the argument names: a program over another name cannot compile against them
    choice = choose(["( len b )"], ["a=[1,2] -> 2"], SUM)
    assert not choice.passed and choice.rejected == {"ill-formed": 1}
    with pytest.raises(CodeTransError, match="no candidate"):
        choose([], None, SUM)
