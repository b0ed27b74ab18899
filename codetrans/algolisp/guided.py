"""Execution-guided choice among a model's candidate programs (the beams of one description).

A program is only worth returning if it parses, compiles with the problem's argument names, runs within
:class:`~codetrans.algolisp.limits.Limits` and, when the user gave input -> output examples, returns
every example's output. :func:`choose` walks the candidates in the model's order and returns the first
that passes; without examples, the first that runs on typed sample inputs (argument names and types read
from the description, as the generator phrases them: "an array of integers a", "a number c").
:func:`parse_example` reads the CLI's ``--example 'a=[1,2,3], b=2 -> 6'``.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from codetrans.algolisp.builtin_ops import BUILTINS, CONSTANTS, SPECIAL_FORMS
from codetrans.algolisp.errors import AlgoLispError
from codetrans.algolisp.inputs import sample_input
from codetrans.algolisp.interpreter import compile_program
from codetrans.algolisp.library import LIBRARY_SOURCE
from codetrans.algolisp.parser import flatten, parse
from codetrans.algolisp.phrasing import ARG_PHRASES, ARR_B_PHRASES, tokenize_text
from codetrans.algolisp.values import values_equal
from codetrans.errors import CodeTransError

#: sampler kinds per argument type; samples cycle through them (small numbers first: a correct program
#: may only make sense on its problem's domain, e.g. the n-th Fibonacci number)
SAMPLERS = {"int": ("small", "index", "int", "count"), "int[]": ("array", "small_array"), "string": ("sentence",)}
N_SAMPLES = 6
#: a program "runs" when at least this share of its sample inputs raise no error
MIN_RUN_SHARE = 0.5
_NAME = r"[a-z_][a-z0-9_]*"
_BOUND = {"arg1", "arg2", "self"}


@dataclass(frozen=True)
class Example:
    """One input -> output pair: ``inputs`` maps argument names to AlgoLisp values."""

    inputs: dict[str, Any]
    output: Any


@dataclass
class Choice:
    """The chosen candidate and how it was checked (``passed``: it met the check it was put to)."""

    program: str
    index: int  # position among the candidates (0: the model's best)
    candidates: int
    check: str  # "examples", "sample inputs" or "none"
    passed: bool
    examples_passed: int = 0
    examples: int = 0
    rejected: Counter = field(default_factory=Counter)  # why the others failed: ill-formed / error / mismatch

    @property
    def provenance(self) -> str:
        where = f"candidate {self.index + 1} of {self.candidates}"
        if self.check == "examples":
            if self.passed:
                return f"generated; passes the {self.examples} example(s) ({where})"
            return (f"generated; none of {self.candidates} candidates passes the examples: best passes "
                    f"{self.examples_passed} of {self.examples} ({where})")
        if self.check == "sample inputs":
            return (f"generated; runs on typed sample inputs ({where})" if self.passed else
                    f"generated; none of {self.candidates} candidates runs on sample inputs ({where})")
        return "generated"

    def as_json(self) -> dict[str, Any]:
        out = {"provenance": self.provenance, "check": self.check, "passed": self.passed,
               "candidate": self.index, "candidates": self.candidates, "rejected": dict(self.rejected)}
        if self.check == "examples":
            out.update(examples=self.examples, examples_passed=self.examples_passed)
        return out


_JSON_START = re.compile(r'\s*([\[{"]|-?\d)')


def parse_arg_value(name: str, value: str) -> Any:
    """A ``--arg NAME=VALUE`` value: JSON, or else a bare string (``s=hello world``). A value that starts
    like JSON (``[``, ``{``, ``"``, a number) but is not JSON is refused, as :func:`parse_example` does:
    a typo such as ``a=[1,-2,`` must not run as the string ``"[1,-2,"``."""
    try:
        return json.loads(value)
    except RecursionError:
        raise CodeTransError(f"--arg {name}: the value is nested too deeply") from None
    except json.JSONDecodeError as exc:
        if _JSON_START.match(value):
            raise CodeTransError(f"--arg {name}: {value[:60]!r} is not valid JSON ({exc.msg}, column {exc.colno}); "
                                 f"give JSON, e.g. {name}=[1,2,3] or {name}='\"text\"'") from None
        return value


def parse_example(text: str) -> Example:
    """``'a=[1,2,3], b=2 -> 6'`` (JSON values; strings quoted) -> :class:`Example`; CodeTransError otherwise."""
    usage = f"bad example {text!r}: expected NAME=JSON[, NAME=JSON ...] -> JSON, e.g. 'a=[1,2,3] -> 6'"
    if not isinstance(text, str) or "->" not in text:
        raise CodeTransError(usage)
    decoder = json.JSONDecoder()
    inputs: dict[str, Any] = {}
    pos, n = 0, len(text)
    while True:
        m = re.compile(rf"\s*({_NAME})\s*=\s*", re.I).match(text, pos)
        if not m:
            raise CodeTransError(usage)
        try:
            value, pos = decoder.raw_decode(text, m.end())
        except json.JSONDecodeError:
            raise CodeTransError(f"{usage} (the value of {m.group(1)} is not JSON)") from None
        if m.group(1) in inputs:
            raise CodeTransError(f"bad example {text!r}: {m.group(1)} given twice")
        inputs[m.group(1)] = value
        sep = re.compile(r"\s*(,|->)\s*").match(text, pos)
        if not sep:
            raise CodeTransError(usage)
        pos = sep.end()
        if sep.group(1) == "->":
            break
    try:
        output, end = decoder.raw_decode(text, pos)
    except json.JSONDecodeError:
        raise CodeTransError(f"{usage} (the output is not JSON)") from None
    if text[end:].strip() or pos >= n:
        raise CodeTransError(usage)
    return Example(inputs, output)


def as_examples(examples: Any) -> list[Example]:
    """Examples given as :class:`Example`, ``'a=[1] -> 1'`` strings or ``{"input": {...}, "output": ...}``
    tests (the dataset's form), checked to name the same arguments."""
    out = []
    for e in examples or []:
        if isinstance(e, Example):
            out.append(e)
        elif isinstance(e, str):
            out.append(parse_example(e))
        elif isinstance(e, dict) and isinstance(e.get("input"), dict) and "output" in e:
            out.append(Example(dict(e["input"]), e["output"]))
        else:
            raise CodeTransError(f"an example must be 'NAME=JSON -> JSON' or {{'input': {{...}}, 'output': ...}}, "
                                 f"got {type(e).__name__}")
    if len({tuple(sorted(e.inputs)) for e in out}) > 1:
        raise CodeTransError("the examples name different arguments: "
                             + " vs ".join(sorted({", ".join(sorted(e.inputs)) for e in out})))
    return out


def describe_args(description: str) -> dict[str, str]:
    """Argument name -> type as a description introduces them ("an array of integers a" -> int[]), in order."""
    text = " ".join(tokenize_text(description))
    found: list[tuple[int, str, str]] = []
    phrases = [(p, t) for t, ps in ARG_PHRASES.items() for p in ps] + [(p, "int[]") for p in ARR_B_PHRASES]
    for phrase, typ in sorted(phrases, key=lambda pt: -len(pt[0])):  # longest first: "an array b" after "... b"
        pattern = re.escape(phrase).replace(re.escape("{n}"), f"({_NAME})")
        for m in re.finditer(rf"\b{pattern}\b", text):
            name = m.group(1) if m.groups() else phrase.split()[-1]
            if name not in {n for _, n, _ in found}:
                found.append((m.start(), name, typ))
    return {name: typ for _, name, typ in sorted(found)}


def free_symbols(program: str) -> list[str]:
    """The names a program reads that no builtin, constant, library function or lambda defines."""
    out = []
    for tok in flatten(parse(program)):
        if (re.fullmatch(_NAME, tok) and tok not in BUILTINS and tok not in CONSTANTS and tok not in _BOUND
                and tok not in LIBRARY_SOURCE and tok not in SPECIAL_FORMS and tok not in out):
            out.append(tok)
    return out


def sample_inputs(arg_types: dict[str, str], n: int = N_SAMPLES, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` reproducible inputs of the given types (``int``, ``int[]``, ``string``)."""
    rng = random.Random(seed)
    return [{name: sample_input(SAMPLERS[t][i % len(SAMPLERS[t])], rng) for name, t in arg_types.items()}
            for i in range(n)]


def _examples_passed(program: Any, examples: list[Example]) -> int:
    passed = 0
    for e in examples:
        try:
            if values_equal(program.run(e.inputs), e.output):
                passed += 1
        except AlgoLispError:
            pass
    return passed


def _runs(program: Any, samples: list[dict[str, Any]]) -> bool:
    ok = 0
    for inputs in samples:
        try:
            program.run(inputs)
            ok += 1
        except AlgoLispError:
            pass
    return ok >= max(1, MIN_RUN_SHARE * len(samples))


def choose(candidates: list[str], examples: Any = None, description: str = "") -> Choice:
    """The first candidate that passes the examples (or, without examples, that runs on sample inputs of
    the argument types ``description`` names); else the best, marked ``passed=False``."""
    if not candidates:
        raise CodeTransError("no candidate programs to choose from")
    exs = as_examples(examples)
    named = describe_args(description)
    rejected: Counter = Counter()
    best: tuple[int, int] | None = None  # (examples passed, index) of the best failing candidate
    samples: dict[tuple, list[dict[str, Any]]] = {}  # typed sample inputs, made once per argument typing

    def runs_on_samples(program: Any, types: dict[str, str]) -> bool:
        key = tuple(types.items())
        if key not in samples:
            samples[key] = sample_inputs(types)
        return _runs(program, samples[key])

    for i, text in enumerate(candidates):
        try:
            symbols = free_symbols(text)
            names = tuple(exs[0].inputs) if exs else tuple(named) or tuple(symbols)
            program = compile_program(text, names)
        except (AlgoLispError, RecursionError):
            rejected["ill-formed"] += 1
            continue
        if exs:
            passed = _examples_passed(program, exs)
            if passed == len(exs):
                return Choice(text, i, len(candidates), "examples", True, passed, len(exs), rejected)
            rejected["mismatch"] += 1
            if best is None or passed > best[0]:
                best = (passed, i)
            continue
        # names the description does not type: tried as each type in turn
        guesses = [{n: named.get(n, t) for n in names} for t in SAMPLERS] if set(names) - set(named) else [named]
        if any(runs_on_samples(program, types) for types in guesses):
            return Choice(text, i, len(candidates), "sample inputs", True, rejected=rejected)
        rejected["error"] += 1
        if best is None:
            best = (0, i)
    passed, index = best if best is not None else (0, 0)
    return Choice(candidates[index], index, len(candidates), "examples" if exs else "sample inputs", False,
                  passed, len(exs), rejected)
