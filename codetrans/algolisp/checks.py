"""Computing the tests of a draft and rejecting drafts whose tests cannot show that the description
matters: too few runnable inputs, a constant output, or an ablation (a filter, map or post-op left
out) that passes every test."""

from __future__ import annotations

import random
from typing import Any

from codetrans.algolisp.errors import AlgoLispError
from codetrans.algolisp.families import Draft
from codetrans.algolisp.inputs import sample_input
from codetrans.algolisp.interpreter import compile_program, values_equal

N_TESTS = 10
MIN_TESTS = 5


def _has_float(v: Any) -> bool:
    if isinstance(v, float):
        return True
    if isinstance(v, list):
        return any(_has_float(x) for x in v)
    return False


def _make_tests(draft: Draft, rng: random.Random) -> list[dict] | None:
    prog = compile_program(draft.program, tuple(draft.args))
    tests = []
    for _ in range(N_TESTS):
        inputs = {n: sample_input(draft.samplers[n], rng) for n in draft.args}
        try:
            out = prog.run(inputs)
        except AlgoLispError:
            continue
        if _has_float(out) or (isinstance(out, int) and not isinstance(out, bool) and abs(out) > 10**15):
            continue
        tests.append({"input": inputs, "output": out})
    if len(tests) < MIN_TESTS:
        return None
    outs = [t["output"] for t in tests]
    if all(values_equal(o, outs[0]) for o in outs[1:]):
        return None  # a constant answer: the description would not matter
    for alt in draft.ablations:
        alt_prog = compile_program(alt, tuple(draft.args))
        same = True
        for t in tests:
            try:
                if not values_equal(alt_prog.run(t["input"]), t["output"]):
                    same = False
                    break
            except AlgoLispError:
                same = False
                break
        if same:
            return None  # the tests cannot tell this part of the description is needed
    return tests
