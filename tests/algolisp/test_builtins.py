"""Every builtin, constant and library function of the original, under its original name and argument order."""

import math

import pytest

from codetrans.algolisp import (
    BUILTINS,
    CONSTANTS,
    LIBRARY_SOURCE,
    CompileError,
    ExecutionError,
    compile_program,
    run,
)
from codetrans.errors import CodeTransError

# (name checked, program, args, expected)
CASES = [
    ("+", "(+ a 2)", {"a": 3}, 5),
    ("-", "(- a 10)", {"a": 3}, -7),
    ("*", "(* a 40)", {"a": 3}, 120),
    ("/", "(/ a 2)", {"a": 7}, 3),
    ("/", "(/ a 2)", {"a": -7}, -4),  # floor division on ints, as in Python
    ("%", "(% a 10)", {"a": 1234}, 4),
    ("pow", "(pow a 10)", {"a": 2}, 1024),
    ("sqrt", "(sqrt a)", {"a": 16}, 4.0),
    ("floor", "(floor (sqrt a))", {"a": 17}, 4),
    ("0", "0", {}, 0),
    ("1", "1", {}, 1),
    ("2", "2", {}, 2),
    ("10", "10", {}, 10),
    ("40", "40", {}, 40),
    ("1000000000", "1000000000", {}, 1000000000),
    ("inf", "inf", {}, math.inf),
    ("true", "true", {}, True),
    ("false", "false", {}, False),
    ('""', '""', {}, ""),
    ('" "', '" "', {}, " "),
    ('"z"', '"z"', {}, "z"),
    ("int", "(array-new int)", {}, []),
    ("string", "(append (array-new string) s)", {"s": "x"}, ["x"]),
    ("bool", "(dict-new int bool)", {}, {}),
    ("!", "(! a)", {"a": True}, False),
    ("||", "(|| a false)", {"a": True}, True),
    ("&&", "(&& a false)", {"a": True}, False),
    ("<", "(< a 2)", {"a": 1}, True),
    (">", "(> a 2)", {"a": 1}, False),
    ("<=", "(<= a 1)", {"a": 1}, True),
    (">=", "(>= a 2)", {"a": 1}, False),
    ("==", "(== a 1)", {"a": 1}, True),
    ("!=", "(!= a 1)", {"a": 1}, False),
    ("if", "(if (> a 0) a (- 0 a))", {"a": -3}, 3),
    ("reduce", "(reduce a 0 +)", {"a": [1, 2, 3]}, 6),
    ("reduce", "(reduce a 10 -)", {"a": [1, 2]}, 7),  # func(acc, elem): init comes first
    ("map", "(map a square)", {"a": [1, 2, 3]}, [1, 4, 9]),
    ("filter", "(filter a is_odd)", {"a": [1, 2, 3]}, [1, 3]),
    ("range", "(range 2 a)", {"a": 5}, [2, 3, 4]),
    ("range", "(range a 2)", {"a": 5}, []),
    ("invoke1", "(invoke1 square a)", {"a": 7}, 49),
    ("lambda1", "(map a (lambda1 (+ arg1 1)))", {"a": [1, 2]}, [2, 3]),
    ("lambda2", "(reduce a 0 (lambda2 (+ arg1 (* arg2 arg2))))", {"a": [1, 2]}, 5),
    ("combine", "(map a (combine (partial0 1 +) square))", {"a": [2, 3]}, [5, 10]),  # f after g
    ("partial0", "(map a (partial0 10 -))", {"a": [1, 2]}, [9, 8]),  # (- 10 x)
    ("partial1", "(map a (partial1 10 -))", {"a": [11, 12]}, [1, 2]),  # (- x 10)
    ("array-new", "(array-new int)", {}, []),
    ("len", "(len a)", {"a": [4, 5]}, 2),
    ("head", "(head a)", {"a": [4, 5]}, 4),
    ("tail", "(tail a)", {"a": [4, 5, 6]}, [5, 6]),
    ("deref", "(deref a 1)", {"a": [4, 5]}, 5),
    ("int-deref", "(int-deref a 0)", {"a": [4, 5]}, 4),
    ("slice", "(slice a 1 3)", {"a": [4, 5, 6, 7]}, [5, 6]),
    ("slice", "(slice a (- 0 5) 2)", {"a": [4, 5, 6, 7]}, [4, 5]),  # lo clamped at 0
    ("append", "(append a 7)", {"a": [4]}, [4, 7]),
    ("sort", "(sort a)", {"a": [3, 1, 2]}, [1, 2, 3]),
    ("reverse", "(reverse a)", {"a": [3, 1, 2]}, [2, 1, 3]),
    ("strlen", "(strlen s)", {"s": "abc"}, 3),
    ("str_index", "(str_index 1 s)", {"s": "abc"}, "b"),  # index first, then string
    ("str_concat", "(str_concat s \"z\")", {"s": "ab"}, "abz"),
    ("str_split", '(str_split s " ")', {"s": " ab  cd "}, ["ab", "cd"]),  # empty pieces dropped
    ("dict-new", "(dict-new int int)", {}, {}),
    ("dict-insert", "(dict-insert (dict-insert (dict-new int int) 2 4) 1 1)", {}, {2: 4, 1: 1}),
    ("dict-keys", "(dict-keys (reduce a (dict-new int int) (lambda2 (dict-insert arg1 arg2 1))))",
     {"a": [3, 1, 3, 2]}, [1, 2, 3]),
    ("square", "(square a)", {"a": -4}, 16),
    ("is_prime", "(filter a is_prime)", {"a": list(range(-3, 30))}, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]),
    ("min", "(min a 3)", {"a": 5}, 3),
    ("max", "(reduce a 0 max)", {"a": [5, 9, 2]}, 9),
    ("str_min", "(str_min s \"z\")", {"s": "ab"}, "ab"),
    ("str_max", "(str_max s \"z\")", {"s": "ab"}, "z"),
    ("contains", "(contains a 3)", {"a": [1, 3]}, True),
    ("contains", "(filter a (partial0 b contains))", {"a": [1, 2, 3], "b": [3, 1]}, [1, 3]),
    ("abs", "(map a abs)", {"a": [-2, 0, 2]}, [2, 0, 2]),
    ("digits", "(digits a)", {"a": -4091}, [4, 0, 9, 1]),
    ("digits", "(digits a)", {"a": 0}, [0]),
    ("is_sorted", "(is_sorted a)", {"a": [1, 2, 2, 5]}, True),
    ("is_sorted", "(is_sorted a)", {"a": [2, 1]}, False),
    ("is_sorted", "(is_sorted (range 0 1000))", {}, True),  # no recursion limit on long arrays
    ("is_odd", "(map a is_odd)", {"a": [-3, 2]}, [True, False]),
    ("is_even", "(map a is_even)", {"a": [-3, 2]}, [False, True]),
]


@pytest.mark.parametrize("name, program, args, expected", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_builtin(name, program, args, expected):
    assert run(program, args) == expected


def test_every_name_is_tested():
    tested = {c[0] for c in CASES} | {"partial2"}  # partial2: test_partial2_binds_third_argument
    missing = (set(BUILTINS) | set(LIBRARY_SOURCE) | set(CONSTANTS) | {"if", "lambda1", "lambda2"}) - tested
    assert not missing, f"untested: {sorted(missing)}"


def test_partial2_binds_third_argument():
    # (partial2 2 slice) is slice with hi = 2; (partial1 0 ...) then binds lo = 0.
    assert run("(invoke1 (partial1 0 (partial2 2 slice)) a)", {"a": [7, 8, 9]}) == [7, 8]


def test_self_recursion_and_closures():
    fib = "(invoke1 (lambda1 (if (<= arg1 1) arg1 (+ (self (- arg1 1)) (self (- arg1 2))))) a)"
    assert [run(fib, {"a": n}) for n in range(8)] == [0, 1, 1, 2, 3, 5, 8, 13]
    # a lambda sees program arguments and the enclosing lambda's other argument
    assert run("(map a (lambda1 (+ arg1 b)))", {"a": [1, 2], "b": 10}) == [11, 12]
    assert run("(reduce a 0 (lambda2 (+ arg1 (reduce (map b (lambda1 (* arg1 arg2))) 0 +))))",
               {"a": [1, 2], "b": [1, 1]}) == 6


def test_integer_literals_and_negative_numbers():
    assert run("(+ a 7)", {"a": 1}) == 8
    assert run("(+ a -7)", {"a": 1}) == -6


def test_functions_are_values():
    assert run("(reduce a 1 *)", {"a": [2, 3, 4]}) == 24
    assert run("(map a (combine is_even (partial0 1 +)))", {"a": [1, 2]}) == [True, False]


def test_arguments_are_not_mutated():
    d = {"1": 2}
    a = [1, 2]
    run("(append a 3)", {"a": a})
    assert a == [1, 2] and d == {"1": 2}


@pytest.mark.parametrize("program, args, message", [
    ("(head a)", {"a": []}, "head of an empty array"),
    ("(deref a 5)", {"a": [1]}, "out of bounds"),
    ("(/ a 0)", {"a": 1}, "division by zero"),
    ("(% a 0)", {"a": 1}, "modulo by zero"),
    ("(+ a true)", {"a": 1}, "expects numbers"),
    ("(len a)", {"a": 3}, "expects an array"),
    ("(strlen a)", {"a": 3}, "expects a string"),
    ("(if a 1 2)", {"a": 3}, "must be a boolean"),
    ("(filter a square)", {"a": [1]}, "not a boolean"),
    ("(< a s)", {"a": 1, "s": "x"}, "cannot compare"),
    ("(sqrt a)", {"a": -1}, "negative"),
    ("(invoke1 a 1)", {"a": 3}, "expects a function"),
    ("(invoke1 + 1)", {}, "takes 2 argument"),
    ("(str_split s \"\")", {"s": "ab"}, "empty delimiter"),
    ("(floor inf)", {}, "floor of inf"),
])
def test_runtime_errors(program, args, message):
    with pytest.raises(ExecutionError, match=message) as info:
        run(program, args)
    assert isinstance(info.value, CodeTransError)


@pytest.mark.parametrize("program, message", [
    ("(foo a)", "unknown function"),
    ("(map a frobnicate)", "unknown symbol"),
    ("(map a)", "takes 2 argument"),
    ("(if true 1)", "if takes 3"),
    ("(lambda1 arg1 arg2)", "one body"),
    ("(+ arg1 1)", "outside a lambda"),
    ("(map (range 0 3) (lambda1 arg2))", "outside a lambda"),
    ("(3 a)", "not a function"),
])
def test_compile_errors(program, message):
    with pytest.raises(CompileError, match=message):
        compile_program(program, ("a",))


def test_missing_argument():
    with pytest.raises(ExecutionError, match="missing argument"):
        compile_program("(len a)", ("a",)).run({})


def test_native_fast_paths_match_algolisp_definitions():
    import random

    from codetrans.algolisp.interpreter import DEFAULT_LIMITS, LIBRARY, _State

    rng = random.Random(0)
    ints = list(range(-30, 130)) + [rng.randint(-10**9, 10**9) for _ in range(40)] + [999983, 10**6 + 3]
    arrays = [[rng.randint(-5, 5) for _ in range(rng.randint(0, 6))] for _ in range(60)] + [sorted(range(5))]
    samples = {
        1: [(x,) for x in ints],
        2: [(x, y) for x in ints[::7] for y in ints[::11]],
    }
    for name, fn in LIBRARY.items():
        if fn.native is None:
            continue
        if name == "contains":
            cases = [(a, x) for a in arrays for x in (-2, 0, 3)]
        elif name == "is_sorted":
            cases = [(a,) for a in arrays]
        else:
            cases = samples[fn.arity]
        for args in cases:
            fast = _outcome(fn.call, _State(DEFAULT_LIMITS), args)
            slow = _outcome(fn.call_definition, _State(DEFAULT_LIMITS), args)
            assert fast == slow, (name, args, fast, slow)


def _outcome(method, state, args):
    try:
        value = method(state, args)
    except CodeTransError as exc:  # both must fail the same way (e.g. is_prime's range limit)
        return ("error", type(exc).__name__)
    return ("ok", type(value).__name__, value)
