"""`codetrans export`: CTranslate2 conversion beside the model, cached, atomic, offline."""

import json
import os
import shutil
from pathlib import Path

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
    """A git checkout or a wheel install gives the shipped model new mtimes: its export still counts,
    and checking it writes nothing (#37 item 6: the metadata was rewritten with the new mtimes)."""
    path = export_ct2(model_dir, quantization="int8")
    before = (path / "codetrans_export.json").read_bytes()
    weights = model_dir / "model.safetensors"
    st = weights.stat()
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert cached_export(model_dir, "int8") == path
    assert (path / "codetrans_export.json").read_bytes() == before


def _snapshot(root):
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_serving_never_writes_under_a_model_directory(model_dir, tmp_path, monkeypatch):
    """#37 item 6: a copied model (fresh mtimes) with its export, then the same model retrained, then one
    without an export: serving reads the export beside the model when it is current and makes any other
    under $CODETRANS_HOME/exports; the model folder is byte-for-byte and mtime-for-mtime unchanged."""
    from codetrans.serving.pipelines import pipeline

    home = tmp_path / "home"
    monkeypatch.setenv("CODETRANS_HOME", str(home))
    assert main(["export", str(model_dir)]) == 0  # the explicit command writes beside the model
    copy = shutil.copytree(model_dir, tmp_path / "copy", copy_function=shutil.copy)  # new mtimes, as git gives
    snap = _snapshot(copy)
    pipe = pipeline("document", str(copy))
    assert pipe.backend == "ct2" and pipe.export_dir == str(copy / "ct2-int8")  # current: reused, read-only
    assert pipe("def f(x):\n    return x\n", lang="python", max_new_tokens=3)
    assert _snapshot(copy) == snap and not home.joinpath("exports").exists()
    # retrained (same sizes, new content): the export beside it is stale, a new one is made elsewhere
    import torch
    from transformers import T5ForConditionalGeneration

    model = T5ForConditionalGeneration.from_pretrained(copy)
    with torch.no_grad():
        model.shared.weight.add_(0.5)
    model.save_pretrained(copy)
    snap = _snapshot(copy)
    pipe = pipeline("document", str(copy))
    assert pipe.backend == "ct2" and Path(pipe.export_dir).is_relative_to(home / "exports")
    assert _snapshot(copy) == snap
    # a mtime put back by hand does not hide the change: freshness is the content's
    meta = json.loads((copy / "ct2-int8" / "codetrans_export.json").read_text())
    recorded = dict((n, m) for n, _s, m in meta["fingerprint"])
    os.utime(copy / "model.safetensors", ns=(recorded["model.safetensors"], recorded["model.safetensors"]))
    assert cached_export(copy, "int8") is None
    # no export at all: made under $CODETRANS_HOME/exports, nothing written beside the model
    bare = shutil.copytree(model_dir, tmp_path / "bare", ignore=shutil.ignore_patterns("ct2-*"))
    snap = _snapshot(bare)
    assert Path(pipeline("document", str(bare), backend="ct2").export_dir).is_relative_to(home / "exports")
    assert _snapshot(bare) == snap


def test_a_damaged_export_is_rebuilt_elsewhere_or_named(model_dir, tmp_path, monkeypatch, capsys):
    """#37 items 6 and 8: a corrupt export is never reused: it is rebuilt under $CODETRANS_HOME/exports;
    where it cannot be, one line names the damaged file and says what to do."""
    from codetrans.serving.ct2 import CorruptExportError, Ct2Engine
    from codetrans.serving.pipelines import pipeline

    home = tmp_path / "home"
    monkeypatch.setenv("CODETRANS_HOME", str(home))
    path = export_ct2(model_dir, quantization="int8")
    code = "def f(x):\n    return x\n"
    # damaged after the export recorded its files' hashes: noticed before loading
    good = (path / "model.bin").read_bytes()
    (path / "model.bin").write_bytes(good[: len(good) // 2])
    assert cached_export(model_dir, "int8") is None
    pipe = pipeline("document", str(model_dir))
    assert pipe.backend == "ct2" and Path(pipe.export_dir).is_relative_to(home / "exports")
    # an export without recorded hashes (the shipped one's metadata): noticed when loading, rebuilt once
    shutil.rmtree(home)
    meta = json.loads((path / "codetrans_export.json").read_text())
    del meta["files"]
    (path / "codetrans_export.json").write_text(json.dumps(meta))
    assert cached_export(model_dir, "int8") == path
    with pytest.raises(CorruptExportError, match="model.bin is damaged"):
        Ct2Engine(path)
    for backend in ("auto", "ct2"):
        pipe = pipeline("document", str(model_dir), backend=backend)
        assert pipe.backend == "ct2" and Path(pipe.export_dir).is_relative_to(home / "exports")
        assert pipe(code, lang="python", max_new_tokens=3)
    assert (path / "model.bin").read_bytes() == good[: len(good) // 2]  # the model folder is not written
    # nowhere to rebuild it (the cache is not a directory): one line naming the file, no "internal error"
    blocked = tmp_path / "blocked"
    blocked.write_text("a file")
    monkeypatch.setenv("CODETRANS_HOME", str(blocked / "home"))
    src = tmp_path / "f.py"
    src.write_text(code)
    capsys.readouterr()
    assert main(["document", "--backend", "ct2", "--no-context", "--model", str(model_dir), str(src)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path / "model.bin") in err[0] and "--backend torch" in err[0], err
    # a damaged tokenizer.json: named too
    (path / "model.bin").write_bytes(good)
    (path / "tokenizer.json").write_text("{not json")
    with pytest.raises(CorruptExportError, match="tokenizer.json is damaged"):
        Ct2Engine(path)


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
