"""The model shipped inside the package: found offline with no --model, every task gives output.

No quality assertions here: quality is measured by `codetrans evaluate` and lives in the model card.
"""

import json
from pathlib import Path

import pytest

from codetrans.cli import main
from codetrans.serving import zoo
from codetrans.serving.pipelines import pipeline
from codetrans.tasks import TASK_TYPES

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# (command, example file, language): every task type on the example file a new user would try
CASES = [
    ("document", "sample.py", "python"),
    ("document", "Stack.java", "java"),
    ("summarize", "query.sql", "sql"),
    ("summarize", "Snippet.cs", "c_sharp"),
    ("comment", "Stack.java", "java"),
    ("commit", "change.diff", None),
    ("api", "api_query.txt", None),
    ("synthesize", "algolisp_problem.txt", None),
]


def _flat(out):
    return [x for item in out for x in _flat(item)] if isinstance(out, list) else [out]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def shipped() -> Path:
    """The multitask model (every sub-task): the one model in the package."""
    entries = [e for e in zoo.local_entries() if e.source == "package"]
    assert entries, f"no model shipped in {zoo.PACKAGE_MODELS}"
    return Path(max(entries, key=lambda e: len(e.tasks)).location)


def test_every_task_type_has_the_shipped_default(shipped):
    others = [e.location for e in zoo.local_entries() if e.source == "package" and Path(e.location) != shipped]
    assert others == []  # only the default model is in git (its size budget); specialists come from recipes
    for name in TASK_TYPES:
        assert zoo.resolve(None, task=name) == str(shipped)
    meta = json.loads((shipped / "codetrans.json").read_text())
    assert len(meta["tasks"]) == 13 and meta["decoding"]  # all sub-tasks, with tuned decoding
    assert (shipped / "README.md").read_text().startswith("---")  # the generated card


@pytest.mark.parametrize("backend", ["ct2", "torch"])
def test_pipelines_use_the_shipped_model_offline(shipped, backend, tmp_path, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    before = _snapshot(zoo.PACKAGE_MODELS)
    for command, name, lang in CASES:
        kwargs = {"lang": lang} if lang else {}
        out = pipeline(command, backend=backend)((EXAMPLES / name).read_text(), **kwargs)
        texts = [r["generated_text"] for r in _flat(out)]
        assert texts and all(t.strip() for t in texts), (command, name, texts)
    assert _snapshot(zoo.PACKAGE_MODELS) == before  # the prebuilt export is used; the package folder is never written
    assert not (tmp_path / "home" / "exports").exists()


@pytest.mark.parametrize("command,name,lang", CASES)
def test_cli_uses_the_shipped_model(command, name, lang, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))  # exemplar pools are cached there
    path = EXAMPLES / name
    if command in ("api", "synthesize"):
        args = [command, path.read_text().strip()]
    else:
        args = [command, str(path)]
    assert main(args) == 0
    assert capsys.readouterr().out.strip()


def test_transformers_pipeline_defaults_to_the_shipped_model(shipped):
    import transformers

    import codetrans  # noqa: F401  (registers the codetrans-* tasks)

    pipe = transformers.pipeline("codetrans-summarize")
    assert pipe.model.name_or_path == str(shipped)
    assert pipe("SELECT name FROM users WHERE age > 30", lang="sql")[0]["generated_text"].strip()


def test_demo_offers_the_shipped_model_first(shipped, tmp_path, monkeypatch):
    pytest.importorskip("gradio")
    from codetrans.apps.demo import PipelineCache, allowed_models, run_task

    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    offered = allowed_models([])
    assert offered[0] == str(shipped)
    cache = PipelineCache(offered, export_root=tmp_path / "home" / "demo-exports")
    out = run_task(cache, "document", offered[0], "python", (EXAMPLES / "sample.py").read_text())
    assert "print_log" in out and out.strip()
    assert not (tmp_path / "home").exists()  # the shipped export served the demo: nothing converted


def test_built_wheel_installs_the_shipped_model_and_it_runs_elsewhere(shipped, tmp_path):
    """A non-editable install (the wheel, unpacked as pip installs it) finds the model from any directory."""
    import os
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(root),
                    "-w", str(tmp_path / "dist")], check=True, capture_output=True, cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("codetrans-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for model in zoo.PACKAGE_MODELS.iterdir():  # the multitask model and the specialists
        rel = "codetrans/models/" + model.name
        assert {f"{rel}/model.safetensors", f"{rel}/ct2-int8/model.bin", f"{rel}/tokenizer.json",
                f"{rel}/README.md"} <= names
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "m.py").write_text((EXAMPLES / "sample.py").read_text())
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "CODETRANS_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "codetrans.cli", "document", "m.py"], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "m.py:6 print_log:" in proc.stdout, proc.stderr
    assert not (tmp_path / "home" / "exports").exists()  # the wheel's prebuilt export served it
    # (the home holds only the index of the folder documented: grounding is on by default)
    assert {p.name for p in (tmp_path / "home").iterdir()} <= {"cache"}
