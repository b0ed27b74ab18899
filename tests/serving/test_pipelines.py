"""Pipelines for all six tasks on micro models the tests build (ours and an original-format one)."""

import io
import json
import logging

import pytest
import transformers
from model_fixtures import save_random_micro, train_constant_model

import codetrans  # noqa: F401  (registers the pipelines)
from codetrans.errors import CodeTransError
from codetrans.tasks import TASK_TYPES
from codetrans.train.modeling import build_model

CORPUS = [
    "def add ( a , b ) : return a + b", "public int size ( ) { return n ; }", "SELECT name FROM users",
    "mmm a / x . py <nl> ppp b / x . py <nl> - a <nl> + b <nl>", "description for api: read a file",
    "function documentation generation python: def f ( x ) : return x", "( reduce ( map a square ) 0 + )",
] * 40


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return str(save_random_micro(tmp_path_factory.mktemp("micro"), CORPUS, vocab_size=500, seed=0))


@pytest.fixture(scope="module")
def sebis_dir(tmp_path_factory):
    """A directory laid out like SEBIS/code_trans_t5_*: T5 config + weights, spiece.model, T5Tokenizer."""
    import sentencepiece as spm

    out = tmp_path_factory.mktemp("sebis")
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(CORPUS), model_writer=buf, vocab_size=200,
                                   model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1, hard_vocab_limit=False,
                                   minloglevel=2)
    (out / "spiece.model").write_bytes(buf.getvalue())
    (out / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "T5Tokenizer", "extra_ids": 100,
                                                           "model_max_length": 512}))
    (out / "special_tokens_map.json").write_text(json.dumps({"eos_token": "</s>", "unk_token": "<unk>",
                                                             "pad_token": "<pad>"}))
    build_model("micro", vocab_size=300, seed=1).save_pretrained(out)
    return str(out)


INPUTS = {
    "document": ("def add(a, b):\n    return a + b\n", {"lang": "python"}),
    "summarize": ("SELECT name FROM users WHERE id = 1", {"lang": "sql"}),
    "comment": ("public int size() { return n; }", {}),
    "commit": ("--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n", {}),
    "api": ("read a file line by line", {}),
    "synthesize": ("given an array of numbers a , find the sum of its elements", {}),
}


@pytest.mark.parametrize("task", sorted(TASK_TYPES))
@pytest.mark.parametrize("which", ["ours", "original-format"])
def test_every_task_pipeline_generates(task, which, model_dir, sebis_dir):
    path = model_dir if which == "ours" else sebis_dir
    pipe = transformers.pipeline(TASK_TYPES[task].pipeline, model=path)
    text, kwargs = INPUTS[task]
    out = pipe(text, max_new_tokens=4, **kwargs)
    assert isinstance(out, list) and len(out) == 1
    assert isinstance(out[0]["generated_text"], str)
    assert out[0]["task"].startswith(TASK_TYPES[task].hub_stem.split("_")[0])


def test_preprocess_applies_tokenization_and_prefix(model_dir):
    pipe = transformers.pipeline("codetrans-document", model=model_dir)
    enc = pipe.preprocess('def add(a, b):\n    """Doc."""\n    return a + b  # c\n', lang="python")
    assert enc["source"] == "def add ( a , b ) : return a + b"
    decoded = pipe.tokenizer.decode(enc["input_ids"][0], skip_special_tokens=True)
    assert decoded == "function documentation generation python: def add ( a , b ) : return a + b"
    # pre-tokenized input (the original's format) is taken as is, with or without its prefix
    assert pipe.preprocess("def add ( a , b )", lang="python", pretokenized=True)["source"] == "def add ( a , b )"
    assert pipe.preprocess("function documentation generation java: int f ( )")["subtask"] == \
        "code_documentation_generation_java"
    commit = transformers.pipeline("codetrans-commit", model=model_dir)
    assert commit.preprocess(INPUTS["commit"][0])["source"] == \
        "mmm a / x . py <nl> ppp b / x . py <nl> - a <nl> + b <nl>"


def test_batches_keep_order_and_generation_options_pass_through(model_dir):
    pipe = transformers.pipeline("codetrans-api", model=model_dir)
    queries = ["a", "read a file line by line please", "sort"]
    batched = pipe(queries, batch_size=3, max_new_tokens=3)
    single = [pipe(q, max_new_tokens=3)[0] for q in queries]
    assert [b[0]["generated_text"] for b in batched] == [s["generated_text"] for s in single]
    beams = pipe("read a file", num_beams=2, max_new_tokens=2)
    assert len(pipe.tokenizer(beams[0]["generated_text"], add_special_tokens=False).input_ids) <= 2


def test_long_input_truncated_with_warning(model_dir, caplog):
    pipe = transformers.pipeline("codetrans-summarize", model=model_dir)
    code = "SELECT " + ", ".join(f"col{i}" for i in range(400)) + " FROM t"
    with caplog.at_level(logging.WARNING, logger="codetrans.serving.logic"):
        out = pipe(code, lang="sql", max_new_tokens=2, max_input_length=64)
    assert out and "truncated to the model's 64" in caplog.text


def test_whole_file_documents_every_function(model_dir):
    pipe = transformers.pipeline("codetrans-document", model=model_dir)
    source = "def a(x):\n    return x\n\nclass K:\n    def b(self):\n        '''Doc.'''\n        return 1\n"
    out = pipe(source, lang="python", max_new_tokens=3)
    assert [(r["func_name"], r["documented"], r["start_line"]) for r in out] == [("a", False, 1), ("K.b", True, 5)]


@pytest.mark.parametrize("bad,message", [
    ("", "input is empty"), ("   \n", "input is empty"), ("x\0y", "binary"), (b"\0\1", "binary"), (42, "must be a string"),
])
def test_bad_input_clear_errors(model_dir, bad, message):
    pipe = transformers.pipeline("codetrans-summarize", model=model_dir)
    with pytest.raises(CodeTransError, match=message):
        pipe(bad, lang="python")


def test_unknown_language_and_task(model_dir):
    pipe = transformers.pipeline("codetrans-document", model=model_dir)
    with pytest.raises(CodeTransError, match="has no language 'sql'"):
        pipe("SELECT 1", lang="sql")
    with pytest.raises(CodeTransError, match="unknown task"):
        codetrans.pipeline("translate", model=model_dir)


def test_synthesize_reports_a_program_that_does_not_run(model_dir):
    # a random model writes no valid program: the error is reported, not raised
    pipe = transformers.pipeline("codetrans-synthesize", model=model_dir)
    out = pipe("(reduce a 0 +)", pretokenized=True, max_new_tokens=3, args={"a": [1, 2, 3]})[0]
    assert "program" in out and ("result" in out or "error" in out)


@pytest.fixture(scope="module")
def length_model_dir(tmp_path_factory):
    """A micro model that writes the AlgoLisp program ``( len a )``, whatever it is asked."""
    return train_constant_model(tmp_path_factory.mktemp("length"), "( len a )", max_steps=300)


def test_synthesize_runs_the_program_on_given_args(length_model_dir):
    pipe = transformers.pipeline("codetrans-synthesize", model=length_model_dir)
    out = pipe("given an array of numbers a , find its length", args={"a": [4, 5, 6, 7]}, max_new_tokens=16)[0]
    assert out["program"] == "( len a )"
    assert out["result"] == 4 and "error" not in out


def test_missing_default_model_message(tmp_path, monkeypatch):
    from codetrans.serving import zoo

    monkeypatch.setattr(zoo, "PACKAGE_MODELS", tmp_path / "no-models")  # an install without the shipped model
    with pytest.raises(CodeTransError, match="no model is shipped for the commit task"):
        codetrans.pipeline("commit")


SUM = "given an array of integers a , find the sum of its elements"


def test_synthesize_without_check_returns_the_model_best(synth_model_dir):
    pipe = transformers.pipeline("codetrans-synthesize", model=synth_model_dir)
    out = pipe(SUM, check=False, max_new_tokens=16)[0]
    assert out["program"] == "( len a )" and "provenance" not in out


def test_synthesize_keeps_the_first_beam_that_meets_the_examples(synth_model_dir):
    pipe = transformers.pipeline("codetrans-synthesize", model=synth_model_dir)
    out = pipe(SUM, examples=["a=[1,2,3] -> 6", "a=[4] -> 4"], args={"a": [5, 5]}, max_new_tokens=16)[0]
    assert out["program"] == "( reduce a 0 + )" and out["passed"] and out["candidate"] > 0
    assert out["provenance"].startswith("generated; passes the 2 example(s)")
    assert out["result"] == 10  # run on --arg's input after the choice
    # one list of examples per description; an impossible one is reported, with the best candidate
    outs = pipe([SUM, SUM], examples=[["a=[1,2,3] -> 3"], ["a=[1,2,3] -> 99"]], max_new_tokens=16)
    assert outs[0][0]["program"] == "( len a )" and outs[0][0]["passed"]
    assert not outs[1][0]["passed"] and "none of 8 candidates passes" in outs[1][0]["provenance"]
    # without examples the default checks that the program runs on sample inputs
    out = pipe(SUM, max_new_tokens=16)[0]
    assert out["check"] == "sample inputs" and out["passed"] and out["program"] == "( len a )"


@pytest.mark.parametrize("examples,message", [
    ("a=[1] -> 1", "examples must be a list"),
    (["a=[1"], "bad example"),
    ([["a=[1] -> 1"]], "for 2 descriptions, examples must be 2 lists"),
])
def test_synthesize_refuses_bad_examples_before_decoding(synth_model_dir, examples, message):
    pipe = transformers.pipeline("codetrans-synthesize", model=synth_model_dir)
    inputs = [SUM, SUM] if message.startswith("for 2") else SUM
    with pytest.raises(CodeTransError, match=message):
        pipe(inputs, examples=examples)
