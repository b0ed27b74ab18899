"""Program synthesis through the harness: execution accuracy via the lazily found AlgoLisp executor."""

import datasets
import pytest

from codetrans.evaluation import evaluate


class FixedPredictor:
    """A predictor that answers with a function of the record (the reference, or a broken program)."""

    def __init__(self, name, answer):
        self.name, self.answer = name, answer

    def identity(self):
        return {"kind": "test", "id": self.name}

    def prepare(self, task, train):
        return None

    def predict(self, task, records, options, advance):
        advance(len(records))
        return [self.answer(r) for r in records]


@pytest.fixture(scope="module")
def algolisp_data(tmp_path_factory):
    from codetrans.algolisp.dataset import to_records
    from codetrans.algolisp.generator import generate

    splits = generate(60, 5, 20, seed=0)
    dd = datasets.DatasetDict(train=datasets.Dataset.from_list(to_records(splits["train"])),
                              test=datasets.Dataset.from_list(to_records(splits["test"])))
    path = tmp_path_factory.mktemp("algolisp") / "dd"
    dd.save_to_disk(str(path))
    return str(path)


def test_execution_accuracy_in_the_runner(algolisp_data, tmp_path):
    oracle = evaluate(FixedPredictor("reference", lambda r: r["target"]), algolisp_data, tmp_path / "o",
                      progress=False)
    res = oracle["results"]["program_synthese"]
    assert res["metric"] == "execution_accuracy" and res["score"] == pytest.approx(100.0)
    broken = evaluate(FixedPredictor("broken", lambda r: "(car (" if int(r["id"]) % 2 else ""),
                      algolisp_data, tmp_path / "b", progress=False)
    assert broken["results"]["program_synthese"]["score"] == 0.0
    bm25 = evaluate("baseline:bm25", algolisp_data, tmp_path / "r", progress=False)
    res = bm25["results"]["program_synthese"]
    assert 0.0 <= res["execution_accuracy"] < 100.0 and res["exact_match"] == 0.0  # test programs are unseen
    assert "| AlgoLisp |" in (tmp_path / "r" / "results.md").read_text()


@pytest.fixture(scope="module")
def sum_corpus(tmp_path_factory):
    """Corpus-shaped rows (what `codetrans data build` saves: the tests inside ``meta``) of sum problems."""
    import json

    from codetrans.tasks import SYNTHESIS

    rows = []
    for i, xs in enumerate(([1, 2, 3], [4], [2, 2, 5], [7, 1])):
        tests = [{"input": {"a": xs}, "output": sum(xs)}, {"input": {"a": [10, 20]}, "output": 30}]
        rows.append({"task": SYNTHESIS, "source": "given an array of integers a , find the sum of its elements",
                     "target": "( reduce a 0 + )", "id": str(i),
                     "meta": json.dumps({"args": json.dumps({"a": "int[]"}), "tests": json.dumps(tests)})})
    path = tmp_path_factory.mktemp("sums") / "dd"
    datasets.DatasetDict(test=datasets.Dataset.from_list(rows)).save_to_disk(str(path))
    return str(path)


def test_execution_reads_the_tests_a_corpus_keeps_in_meta(sum_corpus, tmp_path):
    # another program with the same results is right by execution, wrong by exact match
    res = evaluate(FixedPredictor("reversed", lambda r: "( reduce ( reverse a ) 0 + )"), sum_corpus, tmp_path,
                   progress=False)["results"]["program_synthese"]
    assert res["execution_accuracy"] == pytest.approx(100.0) and res["exact_match"] == 0.0


def test_examples_mode_gives_the_beams_each_problems_tests(sum_corpus, synth_model_dir, tmp_path):
    # the model's best program is ( len a ): it runs on sample inputs, so the default keeps it; with the
    # problems' tests as examples its next beam, the sum, is chosen
    plain = evaluate(synth_model_dir, sum_corpus, tmp_path / "plain", progress=False)
    guided = evaluate(f"examples:{synth_model_dir}", sum_corpus, tmp_path / "guided", progress=False)
    assert plain["results"]["program_synthese"]["execution_accuracy"] == 0.0
    assert guided["results"]["program_synthese"]["execution_accuracy"] == pytest.approx(100.0)
    assert guided["model"]["examples"] == "each problem's tests" and guided["name"].startswith("examples:")
