"""Hostile programs stop quickly with a clear LimitError, never hang or exhaust memory."""

import time

import pytest

from codetrans.algolisp import LimitError, Limits, ParseError, run
from codetrans.errors import CodeTransError

HOSTILE = {
    "infinite recursion": ("(invoke1 (lambda1 (self arg1)) 1)", {}, "recursion depth"),
    "infinite mutual growth": ("(invoke1 (lambda1 (+ 1 (self (+ arg1 1)))) 0)", {}, "recursion depth"),
    "exponential recursion": (
        "(invoke1 (lambda1 (if (== arg1 0) 0 (+ (self (- arg1 1)) (self (- arg1 1))))) 60)", {}, "step limit"),
    "exponential fibonacci": (
        "(invoke1 (lambda1 (if (<= arg1 1) arg1 (+ (self (- arg1 1)) (self (- arg1 2))))) a)", {"a": 90},
        "step limit"),
    "huge range": ("(range 0 100000)", {}, "range over more than 1000"),
    "infinite range": ("(range 0 inf)", {}, "range over more than 1000"),
    "huge power": ("(pow 10 1000000000)", {}, "integer too large"),
    "repeated squaring": ("(reduce (range 0 1000) 2 (lambda2 (* arg1 arg1)))", {}, "integer too large"),
    "string doubling": ('(reduce (range 0 1000) "ab" (lambda2 (str_concat arg1 arg1)))', {}, "limit 10000"),
    "array doubling": ("(reduce (range 0 1000) a (lambda2 (reduce arg1 arg1 append)))", {"a": [1, 2]}, "limit"),
    "nested loops": ("(reduce (range 0 1000) 0 (lambda2 (+ arg1 (reduce (range 0 1000) 0 +))))", {}, "step limit"),
    "deep nested maps": (
        "(map (range 0 1000) (lambda1 (map (range 0 1000) (lambda1 (map (range 0 1000) square)))))", {},
        "step limit"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_program_stops_within_a_second(name):
    program, args, message = HOSTILE[name]
    start = time.perf_counter()
    with pytest.raises(LimitError, match=message) as info:
        run(program, args)
    assert time.perf_counter() - start < 1.0
    assert isinstance(info.value, CodeTransError)


def test_range_of_exactly_1000_is_allowed():
    assert len(run("(range 0 1000)")) == 1000
    with pytest.raises(LimitError):
        run("(range 0 1001)")


def test_time_limit_is_a_safety_net():
    limits = Limits(max_steps=10**12, timeout_s=0.2)
    start = time.perf_counter()
    with pytest.raises(LimitError, match="time limit"):
        run("(reduce (range 0 1000) 0 (lambda2 (+ arg1 (reduce (range 0 1000) 0 +))))", {}, limits)
    assert time.perf_counter() - start < 0.6


def test_custom_limits():
    fib = "(invoke1 (lambda1 (if (<= arg1 1) arg1 (+ (self (- arg1 1)) (self (- arg1 2))))) a)"
    assert run(fib, {"a": 15}) == 610
    with pytest.raises(LimitError, match="step limit"):
        run(fib, {"a": 15}, Limits(max_steps=1000))
    with pytest.raises(LimitError, match="recursion depth"):
        run("(digits a)", {"a": 10**30}, Limits(max_depth=5))


def test_huge_inputs_refused():
    with pytest.raises(LimitError):
        run("(len a)", {"a": list(range(20_000))})


def test_deeply_nested_program_refused():
    with pytest.raises(ParseError, match="nested deeper"):
        run("(+ 1 " * 200 + "1" + ")" * 200)


def test_limits_leave_interpreter_usable():
    with pytest.raises(LimitError):
        run("(invoke1 (lambda1 (self arg1)) 1)")
    assert run("(invoke1 (lambda1 (+ arg1 1)) 1)") == 2


def test_deep_program_times_deep_recursion_is_a_clean_error():
    body = "(self arg1)"
    for _ in range(60):
        body = f"(+ 0 {body})"
    with pytest.raises(LimitError):
        run(f"(invoke1 (lambda1 {body}) 1)")


def test_result_bombs_refused():
    nest = "(reduce (range 0 1000) (array-new int) (lambda2 (append (array-new int) arg1)))"
    with pytest.raises(LimitError, match="nested deeper"):
        run(nest)
    # 1000 references to one 1000-element array: tiny to build, a million elements to serialise
    with pytest.raises(LimitError, match="more than 100000 elements"):
        run("(map (range 0 1000) (lambda1 a))", {"a": list(range(1000))})
