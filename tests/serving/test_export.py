"""`codetrans export`: CTranslate2 conversion beside the model, cached, atomic, offline."""

import json
import os
import shutil

import pytest
from model_fixtures import save_random_micro

from codetrans.cli import main
from codetrans.errors import CodeTransError
from codetrans.serving.export import cached_export, export_ct2, export_path

CORPUS = ["def add ( a , b ) : return a + b", "public int size ( ) { return n ; }", "SELECT name FROM users",
          "function documentation generation python: def f ( x ) : return x"] * 30


@pytest.fixture(scope="module")
def built_dir(tmp_path_factory):
    return save_random_micro(tmp_path_factory.mktemp("micro-export"), CORPUS, vocab_size=300, seed=0)


@pytest.fixture
def model_dir(built_dir, tmp_path):
    """A private copy per test: exports are written beside the model."""
    return shutil.copytree(built_dir, tmp_path / "model")


def _leftovers(model_dir):
    return [p.name for p in model_dir.iterdir() if p.name.startswith(".ct2")]


def test_export_is_made_once_and_reused(model_dir):
    path = export_ct2(model_dir, quantization="int8")
    assert path == export_path(model_dir, "int8") == model_dir / "ct2-int8"
    assert {"model.bin", "config.json", "tokenizer.json", "codetrans_export.json"} <= {p.name for p in path.iterdir()}
    meta = json.loads((path / "codetrans_export.json").read_text())
    assert meta["quantization"] == "int8" and 1 in meta["special_ids"]  # </s> is skipped when decoding
    stamp = (path / "model.bin").stat().st_mtime_ns
    assert export_ct2(model_dir, quantization="int8") == path
    assert (path / "model.bin").stat().st_mtime_ns == stamp  # reused, not converted again
    assert cached_export(model_dir, "float32") is None and not _leftovers(model_dir)


def test_changed_weights_invalidate_the_export(model_dir):
    import torch
    from transformers import T5ForConditionalGeneration

    path = export_ct2(model_dir, quantization="float32")
    model = T5ForConditionalGeneration.from_pretrained(model_dir)
    with torch.no_grad():
        model.shared.weight.add_(0.5)  # the model was retrained: same size, new content and mtime
    model.save_pretrained(model_dir)
    assert cached_export(model_dir, "float32") is None
    export_ct2(model_dir, quantization="float32")
    assert cached_export(model_dir, "float32") == path and not _leftovers(model_dir)


def test_new_mtimes_same_content_keep_the_export(model_dir):
    """A git checkout or a wheel install gives the shipped model new mtimes: its export still counts."""
    path = export_ct2(model_dir, quantization="int8")
    weights = model_dir / "model.safetensors"
    st = weights.stat()
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert cached_export(model_dir, "int8") == path
    meta = json.loads((path / "codetrans_export.json").read_text())
    assert ["model.safetensors", st.st_size, st.st_mtime_ns + 10**9] in meta["fingerprint"]  # next check is cheap


def test_package_model_exports_into_the_user_cache(model_dir, tmp_path, monkeypatch):
    """A model shipped in the package without an up-to-date export: made once under $CODETRANS_HOME."""
    from codetrans.serving import zoo
    from codetrans.serving.backends import choose_backend

    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(zoo, "PACKAGE_MODELS", model_dir.parent)
    backend, path = choose_backend(model_dir, "auto")
    assert backend == "ct2" and path.is_relative_to(tmp_path / "home" / "exports")
    assert not (model_dir / "ct2-int8").exists()  # the package folder is never written
    assert choose_backend(model_dir, "ct2") == ("ct2", path)  # reused, by explicit ct2 too


def test_failed_export_leaves_the_old_one_and_no_temp_dirs(model_dir):
    path = export_ct2(model_dir, quantization="int8")
    before = (path / "model.bin").read_bytes()
    (model_dir / "model.safetensors").write_bytes(b"not weights")  # conversion will fail half way
    with pytest.raises(CodeTransError, match="CTranslate2 cannot convert"):
        export_ct2(model_dir, quantization="int8", force=True)
    assert (path / "model.bin").read_bytes() == before  # the previous export is intact
    assert not _leftovers(model_dir)
    assert cached_export(model_dir, "int8") is None  # ...but no longer matches the model


def test_export_cli(model_dir, tmp_path, capsys):
    assert main(["export", str(model_dir), "--to", "ct2", "--quantization", "float32"]) == 0
    assert capsys.readouterr().out.strip() == f"exported: {model_dir / 'ct2-float32'}"
    assert main(["export", str(model_dir), "--quantization", "float32"]) == 0
    assert "up to date" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["export", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "not a model directory" in err and "Traceback" not in err
