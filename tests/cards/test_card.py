"""A model card generated from a real training run and a real evaluation results JSON."""

import datasets
import pytest
import yaml

from codetrans.cards.card import ModelCard, card_from_dirs
from codetrans.cli import main
from codetrans.errors import CodeTransError
from codetrans.evaluation.predictors import DecodingOptions
from codetrans.evaluation.runner import evaluate
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
    gain = card.training["input_gain"]  # the debug recipe's dev check, measured by the engine
    assert f"| input reliance (dev loss with swapped inputs minus dev loss) | {gain:+.3f} nats |" in body
    assert "exemplar reliance" not in body  # no exemplars in its data: no row, not a made-up zero
    card.training["exemplar_gain"] = 0.25  # a context stage's engine-measured figure gets its row
    assert "| exemplar reliance (dev loss without the exemplars minus dev loss) | +0.250 nats |" in card.render()
    assert "debug-model" in body and f"{score:.2f}" in body
    assert "{" not in body.split("```python")[0]  # no unfilled template field
    distinct = results["results"]["code_documentation_generation_python"]["distinct_outputs"]
    assert f"collapse check, not a quality score): Doc Python {distinct:.1f}." in body or \
        f"collapse check, not a quality score): Doc Python {distinct:.0f}." in body


def test_card_says_where_outputs_collapsed():
    def record(name, decoding, distinct):
        return {"name": name, "decoding": decoding, "dataset": {"split": "test"},
                "results": {t: {"score": 10.0, "metric": "smoothed_bleu", "distinct_outputs": d}
                            for t, d in distinct.items()}}

    java, py = "code_documentation_generation_java", "code_documentation_generation_python"
    go = "code_documentation_generation_go"
    model = record("model", {"num_beams": 4}, {java: 0.7, py: 81.0, go: 45.0})
    baseline = record("baseline:bm25", None, {java: 3.0, py: 3.0})  # a baseline's diversity is not the model's
    body = ModelCard(model_id="m", tasks=[py, java, go], evaluations=[model, baseline]).render()
    limitations = body.split("## Limitations")[1]
    assert "Doc Python 81, Doc Java 0.7, Doc Go 45." in body
    assert "On Doc Java (0.7% distinct) most test inputs get one of a few stock outputs" in limitations
    # between the two thresholds the card says the inputs are read only partly, not that outputs collapsed
    assert "On Doc Go (45% distinct) fewer than half of the test inputs get an output of their own" in limitations
    assert "Doc Go (45% distinct) most" not in limitations and "Doc Python (" not in limitations
    healthy = ModelCard(model_id="m", tasks=[py], evaluations=[record("model", {}, {py: 90.0})]).render()
    assert "stock outputs" not in healthy and "only partly" not in healthy


def test_card_command_and_errors(trained, tmp_path, capsys):
    model_dir, results_json, _ = trained
    out = tmp_path / "card.md"
    assert main(["card", str(model_dir), "--eval", str(results_json), "--out", str(out)]) == 0
    assert out.read_text().startswith("---\n")
    assert main(["card", str(tmp_path)]) == 2
    assert "not a model directory" in capsys.readouterr().err
    with pytest.raises(CodeTransError, match="no results file"):
        card_from_dirs(model_dir, [tmp_path / "missing.json"])


def test_card_renders_the_truth_section_from_measured_results(trained, tmp_path):
    import json

    model_dir, results_json, _ = trained
    quality = tmp_path / "results.json"
    quality.write_text(json.dumps({"write_threshold": 0.9,
                                   "judged": {"command": "codetrans evaluate ... --labels L", "table": "| a | b |\n|---|---|"},
                                   "recall": {"table": "| scorer | Doc Python |\n|---|---:|\n| verifier | 47.0 |"},
                                   "reliability": "reliability.png"}))
    body = card_from_dirs(model_dir, [results_json], model_id="m", quality=quality).render()
    section = body.split("### Truth: judged precision, confidence and abstention")[1]
    assert "at or above **0.9**" in section and "Reproduce: `codetrans evaluate ... --labels L`" in section
    assert "| verifier | 47.0 |" in section and "![reliability of confidence](reliability.png)" in section
    assert "### Truth" not in card_from_dirs(model_dir, [results_json], model_id="m").render()


def test_a_card_takes_sections_of_its_own_between_evaluation_and_limitations():
    py = "code_documentation_generation_python"
    plain = ModelCard(model_id="m", tasks=[py]).render()
    card = ModelCard(model_id="m", tasks=[py], sections=[("Fine-tuning on acme/app", "| a | b |\n|---|---|\n| 1 | 2 |\n")])
    body = card.render()
    assert "\n## Evaluation\n" in plain and "\n{sections}" not in plain and "\n\n\n## Limitations" not in plain
    evaluation, rest = body.split("\n## Fine-tuning on acme/app\n\n")
    assert "## Evaluation" in evaluation and rest.startswith("| a | b |\n|---|---|\n| 1 | 2 |\n\n## Limitations")
    assert body.replace("\n## Fine-tuning on acme/app\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", "") == plain
