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
