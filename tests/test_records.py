"""The two metrics.json records have their own schema names: each reader refuses the other kind in one line."""

from __future__ import annotations

import json

import pytest

from codetrans.errors import CodeTransError
from codetrans.records import EVALUATION, TRAINING, check_record, schema_of


def test_schema_of_named_and_legacy_records():
    assert schema_of({"schema": TRAINING, "step": 3}) == TRAINING
    assert schema_of({"results": {}, "name": "m"}) == EVALUATION  # written before records were named
    assert schema_of({"strategy": "mt", "step": 10}) == TRAINING
    assert schema_of({"x": 1}) is None and schema_of([1]) is None


def test_a_results_table_refuses_a_training_record(tmp_path):
    from codetrans.metrics.table import load_results

    (tmp_path / "metrics.json").write_text(json.dumps({"schema": TRAINING, "strategy": "mt", "step": 5}))
    with pytest.raises(CodeTransError, match="holds a training run's metrics .* not an evaluation record"):
        load_results([tmp_path])
    assert check_record({"schema": EVALUATION, "results": {}}, EVALUATION, "x") == {"schema": EVALUATION, "results": {}}
