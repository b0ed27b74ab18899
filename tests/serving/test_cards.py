"""A model card generated from a real training run and a real evaluation results JSON."""

import datasets
import pytest
import yaml

from codetrans.cli import main
from codetrans.errors import CodeTransError
from codetrans.evaluation.predictors import DecodingOptions
from codetrans.evaluation.runner import evaluate
from codetrans.serving.cards import card_from_dirs
from codetrans.train import train


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("card")
    model_dir = train("training/debug.yaml", [f"train.output_dir={root / 'run'}", "train.steps=10",
                                              "train.eval_every=10", "train.checkpoint_every=10"]).model_dir
    rows = [{"task": "code_documentation_generation_python", "source": f"def f{i} ( x ) : return x", "target": "Return x."}
            for i in range(6)]
    data = datasets.DatasetDict({"train": datasets.Dataset.from_list(rows), "test": datasets.Dataset.from_list(rows)})
    results = evaluate(str(model_dir), data, root / "eval", decoding=DecodingOptions(num_beams=1, max_length=4),
                       name="debug-model", progress=False)
    return model_dir, root / "eval" / "metrics.json", results


def test_card_from_training_and_results_json(trained):
    model_dir, results_json, results = trained
    card = card_from_dirs(model_dir, [results_json], model_id="codetrans-debug")
    text = card.render()
    head, meta_text, body = text.split("---\n", 2)
    meta = yaml.safe_load(meta_text)
    assert "python" in meta["language"] and "codetrans" in meta["tags"]
    assert meta["widget"][0]["text"].startswith("function documentation generation python: def area")
    score = results["results"]["code_documentation_generation_python"]["score"]
    index = meta["model-index"][0]["results"]
    assert any(r["metrics"][0]["value"] == round(score, 2) for r in index)
    # body: intended use, recipe and data counts, the harness's table — all from the files
    assert "## Intended use" in body and 'codetrans.pipeline("codetrans-document"' in body
    assert "| steps | 10 |" in body and "code_documentation_generation_python" in body
    assert "debug-model" in body and f"{score:.2f}" in body
    assert "{" not in body.split("```python")[0]  # no unfilled template field


def test_card_command_and_errors(trained, tmp_path, capsys):
    model_dir, results_json, _ = trained
    out = tmp_path / "card.md"
    assert main(["card", str(model_dir), "--eval", str(results_json), "--out", str(out)]) == 0
    assert out.read_text().startswith("---\n")
    assert main(["card", str(tmp_path)]) == 2
    assert "not a model directory" in capsys.readouterr().err
    with pytest.raises(CodeTransError, match="no such file"):
        card_from_dirs(model_dir, [tmp_path / "missing.json"])
