"""codetrans.json through its one owner, codetrans.meta.ModelMeta: round trip, old files, atomic writes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from codetrans.errors import CodeTransError
from codetrans.meta import FILE, VERSION, ModelMeta, ModelMetaError


def test_round_trip(tmp_path):
    meta = ModelMeta(id="m", tasks=["api_generation"], size="micro", strategy="mt", license="other",
                     context={"format": 1, "k": 2, "budget": 256},
                     decoding={"api_generation": {"num_beams": 3, "max_new_tokens": 40}},
                     decoding_inherited_from="runs/base/final", metrics={"api_generation": {"score": 1.0}},
                     training={"steps": 10}, weights="float16", base="b", repo="r", head="abc")
    path = meta.write(tmp_path)
    assert path == tmp_path / FILE
    back = ModelMeta.read(tmp_path)
    assert back == meta
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk["version"] == VERSION and next(iter(on_disk)) == "version"
    assert on_disk["decoding"] == {"api_generation": {"num_beams": 3, "max_new_tokens": 40}}
    assert "extra" not in on_disk


def test_unset_fields_are_not_written(tmp_path):
    ModelMeta(tasks=["commit_generation"], size="micro", strategy="st").write(tmp_path)
    assert json.loads((tmp_path / FILE).read_text()) == {"version": VERSION, "tasks": ["commit_generation"],
                                                         "size": "micro", "strategy": "st"}


def test_unknown_keys_are_kept(tmp_path):
    (tmp_path / FILE).write_text(json.dumps({"tasks": ["api_generation"], "future_key": {"a": [1, 2]},
                                             "note": "hand-written"}))
    meta = ModelMeta.read(tmp_path)
    assert meta.extra == {"future_key": {"a": [1, 2]}, "note": "hand-written"}
    meta.size = "tiny"
    meta.write(tmp_path)
    data = json.loads((tmp_path / FILE).read_text())
    assert data["future_key"] == {"a": [1, 2]} and data["note"] == "hand-written" and data["size"] == "tiny"


def test_old_file_without_version_reads_as_version_1(tmp_path):
    # what training wrote before the version field (tests/train/test_strategies.py's exact content then)
    old = {"tasks": ["code_documentation_generation_python"], "size": "micro", "strategy": "st",
           "decoding": {"code_documentation_generation_python": {"num_beams": 4}},
           "decoding_inherited_from": "runs/mt/final"}
    (tmp_path / FILE).write_text(json.dumps(old, indent=1) + "\n")
    meta = ModelMeta.read(tmp_path)
    assert meta.version == 1 and meta.tasks == old["tasks"] and meta.size == "micro" and meta.strategy == "st"
    assert meta.decoding == old["decoding"] and meta.decoding_inherited_from == "runs/mt/final"
    assert meta.extra == {}
    assert meta.to_dict() == {"version": 1, **old}


def test_newer_version_is_kept(tmp_path):
    (tmp_path / FILE).write_text(json.dumps({"version": VERSION + 1, "tasks": []}))
    meta = ModelMeta.read(tmp_path)
    assert meta.version == VERSION + 1 and meta.tasks == []
    assert meta.to_dict() == {"version": VERSION + 1, "tasks": []}  # an empty list is present, not absent


def test_absent_file_is_an_empty_meta(tmp_path):
    meta = ModelMeta.read(tmp_path)
    assert meta == ModelMeta() and meta.tasks is None and meta.decoding is None
    assert meta.to_dict() == {"version": VERSION}


def test_wrong_type_of_a_known_field_is_kept_not_used(tmp_path, caplog):
    (tmp_path / FILE).write_text(json.dumps({"decoding": ["not", "an", "object"], "tasks": "api_generation",
                                             "size": "micro"}))
    with caplog.at_level(logging.WARNING, logger="codetrans.meta"):
        meta = ModelMeta.read(tmp_path)
    assert meta.decoding is None and meta.tasks is None and meta.size == "micro"
    assert "decoding" in caplog.text and "tasks" in caplog.text
    meta.write(tmp_path)  # rewritten: the odd values survive for whoever wrote them
    data = json.loads((tmp_path / FILE).read_text())
    assert data["decoding"] == ["not", "an", "object"] and data["tasks"] == "api_generation"


def test_a_set_field_wins_over_a_kept_odd_value(tmp_path):
    (tmp_path / FILE).write_text(json.dumps({"decoding": "junk"}))
    meta = ModelMeta.read(tmp_path)
    meta.decoding = {"api_generation": {"num_beams": 2}}
    meta.write(tmp_path)
    assert json.loads((tmp_path / FILE).read_text())["decoding"] == {"api_generation": {"num_beams": 2}}


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "\"a string\"", "\xff\xfe"])
def test_malformed_file_is_a_one_line_error(tmp_path, content):
    (tmp_path / FILE).write_bytes(content.encode("latin-1"))
    with pytest.raises(ModelMetaError) as info:
        ModelMeta.read(tmp_path)
    assert isinstance(info.value, CodeTransError)
    message = str(info.value)
    assert "\n" not in message and str(tmp_path / FILE) in message
    assert "not valid JSON" in message or "not a JSON object" in message


def test_malformed_file_tolerated_when_not_strict(tmp_path, caplog):
    (tmp_path / FILE).write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="codetrans.meta"):
        meta = ModelMeta.read(tmp_path, strict=False)
    assert meta == ModelMeta()
    assert "ignoring" in caplog.text and FILE in caplog.text


def test_not_a_regular_file_is_absent(tmp_path):
    (tmp_path / FILE).mkdir()  # a directory named codetrans.json: no description
    assert ModelMeta.read(tmp_path) == ModelMeta()


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    (tmp_path / FILE).write_text(json.dumps({"tasks": ["api_generation"], "extra_key": 1}))
    os.chmod(tmp_path / FILE, 0o640)
    meta = ModelMeta.read(tmp_path)
    meta.license = "other"
    meta.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE]
    assert (os.stat(tmp_path / FILE).st_mode & 0o777) == 0o640  # the permissions of the file it replaced
    assert ModelMeta.read(tmp_path).license == "other"


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    (tmp_path / FILE).write_text(json.dumps({"tasks": ["api_generation"]}))

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(CodeTransError):
        ModelMeta(tasks=["commit_generation"]).write(tmp_path)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE]
    assert ModelMeta.read(tmp_path).tasks == ["api_generation"]


def test_write_refuses_a_symbolic_link(tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    model = tmp_path / "model"
    model.mkdir()
    (model / FILE).symlink_to(target)
    with pytest.raises(CodeTransError, match="symbolic link"):
        ModelMeta(tasks=[]).write(model)
    assert target.read_text() == "{}"


def test_import_is_cheap():
    code = ("import sys, codetrans.meta; "
            "print(sorted(m for m in ('torch', 'transformers', 'tree_sitter') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
