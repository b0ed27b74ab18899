"""Execution-based scoring of predicted AlgoLisp programs.

``execute_matches`` is the evaluation harness's executor for program synthesis
(``Executor = Callable[[str, dict], bool]``). A record is either a problem in the original schema
(``args`` / ``tests`` as objects, ``short_tree`` a list) or a supervised row from
:func:`codetrans.algolisp.dataset.to_records` (``args`` / ``tests`` as JSON strings, ``target``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from codetrans.algolisp.errors import AlgoLispError
from codetrans.algolisp.interpreter import DEFAULT_LIMITS, Limits, compile_program, values_equal
from codetrans.algolisp.parser import normalize
from codetrans.errors import CodeTransError


def record_field(record: Mapping[str, Any], name: str, default: Any) -> Any:
    """A problem's ``args`` / ``tests`` from any record shape: objects, JSON strings, or inside a corpus row's
    ``meta`` JSON (where ``codetrans data build`` keeps them: their shapes vary per problem)."""
    value = record.get(name)
    if value is None and isinstance(record.get("meta"), str) and record["meta"]:
        try:
            value = json.loads(record["meta"]).get(name)
        except (json.JSONDecodeError, AttributeError):
            raise CodeTransError("record field 'meta' is not a JSON object") from None
    if isinstance(value, str) and name in ("args", "tests"):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise CodeTransError(f"record field {name!r} is not valid JSON") from None
    return default if value is None else value


def _reference(record: Mapping[str, Any] | str | list) -> Any:
    if isinstance(record, Mapping):
        for key in ("short_tree", "target", "program"):
            if record.get(key) is not None:
                return record[key]
        raise CodeTransError("record has no reference program (short_tree or target)")
    return record


def exact_match(prediction: str | list, reference: Mapping[str, Any] | str | list) -> bool:
    """Same program after normalising spelling (whitespace, flat tokens vs text, JSON list vs text).

    ``reference`` is a program or a record holding ``short_tree`` / ``target``. Unparsable programs
    fall back to comparing their whitespace-collapsed text.
    """
    ref = _reference(reference)
    try:
        return normalize(prediction) == normalize(ref)
    except AlgoLispError:
        def flat(p: Any) -> str:
            return " ".join(p.split()) if isinstance(p, str) else json.dumps(p)

        return flat(prediction) == flat(ref)


def execute_matches(prediction: str | list, record: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> bool:
    """True when ``prediction`` returns every test's expected output on its input.

    Unparsable, failing or limit-exceeding predictions are False. A record without tests falls back
    to :func:`exact_match` against its reference program.
    """
    args = record_field(record, "args", {})
    tests = record_field(record, "tests", [])
    if not tests:
        try:
            return exact_match(prediction, record)
        except CodeTransError:
            return False
    names = tuple(args) if args else tuple(sorted(tests[0].get("input", {})))
    try:
        program = compile_program(prediction, names)
        for test in tests:
            if not values_equal(program.run(test["input"], limits), test["output"]):
                return False
    except AlgoLispError:
        return False
    except Exception:  # a malformed prediction (not str/list) or test record: wrong, never a crash
        return False
    return True


def execution_accuracy(predictions: Sequence[str | list], records: Sequence[Mapping[str, Any]]) -> float:
    """Percentage (0-100) of predictions that pass all tests of their record."""
    if len(predictions) != len(records):
        raise CodeTransError(f"{len(predictions)} predictions for {len(records)} records")
    if not records:
        return 0.0
    return 100.0 * sum(execute_matches(p, r) for p, r in zip(predictions, records)) / len(records)


def exact_match_accuracy(predictions: Sequence[str | list], references: Sequence[Any]) -> float:
    """Percentage (0-100) of predictions equal to their reference program (see :func:`exact_match`)."""
    if len(predictions) != len(references):
        raise CodeTransError(f"{len(predictions)} predictions for {len(references)} references")
    if not references:
        return 0.0
    return 100.0 * sum(exact_match(p, r) for p, r in zip(predictions, references)) / len(references)
