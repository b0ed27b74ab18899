import pytest

from codetrans.errors import CodeTransError
from codetrans.serving import zoo


def test_the_143_original_checkpoint_names():
    names = [e.id for e in zoo.sebis_entries()]
    assert len(names) == len(set(names)) == 143
    assert "SEBIS/code_trans_t5_small_code_documentation_generation_python" in names
    assert "SEBIS/code_trans_t5_large_source_code_summarization_csharp_multitask_finetune" in names
    assert "SEBIS/code_trans_t5_base_program_synthese_transfer_learning_finetune" in names
    assert "SEBIS/code_trans_t5_large_commit_generation" not in names  # single-task had no large


def test_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    cached = tmp_path / "home" / "models" / "my-doc-model"
    cached.mkdir(parents=True)
    (cached / "config.json").write_text("{}")
    (cached / "codetrans.json").write_text('{"id": "my-doc-model", "tasks": ["code_documentation_generation_go"]}')
    assert zoo.resolve(str(cached)) == str(cached)
    assert zoo.resolve("my-doc-model") == str(cached)
    entry = [e for e in zoo.list_models(include_hub=False) if e.id == "my-doc-model"][0]
    assert entry.languages == ["go"] and entry.source == "cache"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CodeTransError, match="hub is offline"):
        zoo.resolve("SEBIS/code_trans_t5_small_commit_generation")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    assert zoo.resolve("SEBIS/code_trans_t5_small_commit_generation") == "SEBIS/code_trans_t5_small_commit_generation"
    with pytest.raises(CodeTransError, match="not a model directory"):
        zoo.resolve(str(tmp_path))
    with pytest.raises(CodeTransError, match="unknown model 'nope'"):
        zoo.resolve("nope")


def test_a_shipped_specialist_is_its_task_types_default(tmp_path, monkeypatch):
    import json

    from codetrans.tasks import SUBTASKS

    def ship(name, tasks):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text("{}")
        (tmp_path / name / "codetrans.json").write_text(json.dumps({"id": name, "tasks": tasks}))

    ship("codetrans-t5-tiny-multitask", sorted(SUBTASKS))
    ship("codetrans-t5-tiny-synthesize", ["program_synthese"])  # sorts after the multitask model
    monkeypatch.setattr(zoo, "PACKAGE_MODELS", tmp_path)
    assert zoo.default_model("synthesize").id == "codetrans-t5-tiny-synthesize"
    assert zoo.default_model("document").id == zoo.default_model("commit").id == "codetrans-t5-tiny-multitask"
