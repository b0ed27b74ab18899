"""torch and CTranslate2 backends: same answers, real batching, fallback without CTranslate2, fast CLI."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import transformers
from model_fixtures import CONSTANT_ANSWER, save_random_micro

import codetrans  # noqa: F401  (registers the pipelines)
from codetrans.cli import main
from codetrans.errors import CodeTransError
from codetrans.serving.ct2 import FastPipeline, LiteTokenizer
from codetrans.serving.pipelines import pipeline

CORPUS = ["def add ( a , b ) : return a + b", "public int size ( ) { return n ; }", "SELECT name FROM users",
          "mmm a / x . py <nl> ppp b / x . py <nl> - a <nl> + b <nl>", "read a file line by line",
          "function documentation generation python: def f ( x ) : return x"] * 30
FUNCTIONS = [
    "def add(a, b):\n    return a + b\n",
    "def area(w, h):\n    '''Doc.'''\n    return w * h\n",
    "def f(x):\n    return [i * i for i in range(x) if i % 2]\n",
    "def g():\n    pass\n",
    "def load(path, mode='r'):\n    with open(path, mode) as fh:\n        return fh.read().splitlines()\n",
    "def h(a, b, c, d, e):\n    return sum(x for x in (a, b, c, d, e) if x is not None) / 5\n",
    "def k(s):\n    return s.strip().lower()\n",
]


@pytest.fixture(scope="module")
def random_dir(tmp_path_factory):
    """A random micro model: it babbles, which makes every generated token a comparison point."""
    return str(save_random_micro(tmp_path_factory.mktemp("micro-backends"), CORPUS, vocab_size=400, seed=3))


def _texts(results):
    return [r[0]["generated_text"] for r in results]


@pytest.mark.parametrize("max_new_tokens", [1, 5, 24])
def test_backends_agree_greedy_float32(random_dir, max_new_tokens):
    fast = pipeline("document", random_dir, backend="ct2", quantization="float32")
    slow = pipeline("document", random_dir, backend="torch")
    assert isinstance(fast, FastPipeline) and fast.backend == "ct2"
    assert isinstance(slow, transformers.Pipeline) and slow.backend == "torch"
    kwargs = {"lang": "python", "max_new_tokens": max_new_tokens, "batch_size": 3, "num_beams": 1}
    got, want = _texts(fast(FUNCTIONS, **kwargs)), _texts(slow(FUNCTIONS, **kwargs))
    assert got == want and any(want)
    # one input (no padding at all) and every other task's preprocessing/postprocessing too
    assert fast(FUNCTIONS[0], lang="python", max_new_tokens=5, num_beams=1) == \
        slow(FUNCTIONS[0], lang="python", max_new_tokens=5, num_beams=1)
    for task, text in [("commit", "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n"), ("api", "read a file"),
                       ("summarize", "SELECT name FROM users")]:
        kw = {"max_new_tokens": 6, "num_beams": 1, **({"lang": "sql"} if task == "summarize" else {})}
        assert pipeline(task, random_dir, backend="ct2", quantization="float32")(text, **kw) == \
            pipeline(task, random_dir, backend="torch")(text, **kw)


def test_whole_file_and_preprocess_agree(random_dir):
    fast = pipeline("document", random_dir, backend="ct2", quantization="float32")
    slow = pipeline("document", random_dir, backend="torch")
    source = "".join(FUNCTIONS)
    assert fast(source, lang="python", max_new_tokens=4, num_beams=1) == \
        slow(source, lang="python", max_new_tokens=4, num_beams=1)
    a, b = fast.preprocess(FUNCTIONS[2], lang="python"), slow.preprocess(FUNCTIONS[2], lang="python")
    assert a["input_ids"] == b["input_ids"][0].tolist() and a["source"] == b["source"]


def test_lite_tokenizer_decodes_like_transformers(random_dir):
    fast = pipeline("api", random_dir, backend="ct2", quantization="float32")
    hf = transformers.AutoTokenizer.from_pretrained(random_dir)
    lite = fast.tokenizer
    assert isinstance(lite, LiteTokenizer)
    for text in ["read a file line by line", "SELECT name , id FROM users ; <nl> x", "a.b(c) 's n't ?"]:
        ids = hf(text).input_ids
        assert lite(text)["input_ids"] == ids
        ids = [0, *ids, hf.convert_tokens_to_ids("<extra_id_0>"), 1, 0]
        assert lite.decode(ids) == hf.decode(ids, skip_special_tokens=True)


def test_ct2_batches_really_batch(random_dir):
    fast = pipeline("document", random_dir, backend="ct2", quantization="float32")
    calls = []
    real = fast.engine.translate_batch

    def spy(tokens, **options):  # counts calls, then runs the real engine
        calls.append([len(t) for t in tokens])
        return real(tokens, **options)

    fast.engine.translate_batch = spy
    batched = fast(FUNCTIONS, lang="python", max_new_tokens=6, batch_size=3)
    assert len(calls) == 3 and [len(c) for c in calls] == [3, 3, 1]
    lengths = [n for c in calls for n in c]
    assert lengths == sorted(lengths, reverse=True)  # length-sorted across and within batches
    calls.clear()
    single = [fast(f, lang="python", max_new_tokens=6) for f in FUNCTIONS]
    assert batched == single and len(calls) == len(FUNCTIONS)  # caller's order kept


def test_auto_picks_ct2_and_exports_once(random_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    model = shutil.copytree(random_dir, tmp_path / "m")
    pipe = pipeline("document", str(model))  # backend="auto"
    # made once under $CODETRANS_HOME/exports: nothing is written into the model's folder at run time
    exported = Path(pipe.export_dir)
    assert pipe.backend == "ct2" and exported.is_relative_to(tmp_path / "home" / "exports")
    assert (exported / "model.bin").is_file()
    assert not (model / "ct2-int8").exists()
    assert pipeline("document", str(model), backend="torch").backend == "torch"
    assert isinstance(pipe(FUNCTIONS[0], lang="python", max_new_tokens=3)[0]["generated_text"], str)


def test_ct2_rejects_what_it_cannot_do(random_dir):
    fast = pipeline("document", random_dir, backend="ct2", quantization="float32")
    with pytest.raises(CodeTransError, match="output_scores .*not supported by the ct2 backend"):
        fast(FUNCTIONS[0], lang="python", output_scores=True)
    with pytest.raises(CodeTransError, match="unknown backend"):
        pipeline("document", random_dir, backend="onnx")
    with pytest.raises(CodeTransError, match="unknown quantization"):
        pipeline("document", random_dir, quantization="int4")


def test_int8_paths_run(constant_model_dir):
    slow = pipeline("summarize", constant_model_dir, backend="torch", quantization="int8")
    import torch

    assert any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in slow.model.modules())
    assert slow("SELECT a FROM t", lang="sql")[0]["generated_text"] == CONSTANT_ANSWER
    fast = pipeline("summarize", constant_model_dir, backend="ct2", quantization="int8")
    assert fast("SELECT a FROM t", lang="sql")[0]["generated_text"] == CONSTANT_ANSWER


@pytest.mark.parametrize("backend", ["torch", "ct2"])
def test_cli_backend_option(backend, constant_model_dir, tmp_path, capsys):
    path = tmp_path / "m.py"
    path.write_text("def area(w, h):\n    return w * h\n")
    assert main(["document", "--backend", backend, "--json", "--model", constant_model_dir, str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["generated_text"] == CONSTANT_ANSWER


_BLOCK = "import sys; sys.modules['ctranslate2'] = None\n"  # `import ctranslate2` now raises ImportError


def _python(code, cwd):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def test_without_ctranslate2_auto_falls_back_to_torch(constant_model_dir, tmp_path):
    model = shutil.copytree(constant_model_dir, tmp_path / "m", ignore=shutil.ignore_patterns("ct2-*"))
    (tmp_path / "a.py").write_text("def area(w, h):\n    return w * h\n")
    code = _BLOCK + f"""
import torch; torch.set_num_threads(1)
from codetrans.serving.ct2 import ct2_available
from codetrans.cli import main
from codetrans.serving.pipelines import pipeline
assert not ct2_available()
print("backend", pipeline("document", {str(model)!r}).backend)
main(["document", "--model", {str(model)!r}, "a.py"])
print("rc", main(["document", "--backend", "ct2", "--model", {str(model)!r}, "a.py"]))
print("rc", main(["export", {str(model)!r}]))
"""
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines == ["backend torch", f"a.py:1 area: {CONSTANT_ANSWER}", "rc 2", "rc 2"]
    assert "the ct2 backend needs CTranslate2" in proc.stderr and "exporting needs CTranslate2" in proc.stderr
    assert not any(p.name.startswith(("ct2", ".ct2")) for p in model.iterdir())


def test_ct2_cli_imports_neither_torch_nor_transformers(constant_model_dir, tmp_path):
    from codetrans.serving.export import export_ct2

    export_ct2(constant_model_dir)  # made once; later runs only load it
    (tmp_path / "a.py").write_text("def area(w, h):\n    return w * h\n\n\ndef g():\n    return 1\n")
    code = f"""import sys
from codetrans.cli import main
rc = main(["document", "--model", {constant_model_dir!r}, "a.py"])
print("rc", rc, "torch" in sys.modules, "transformers" in sys.modules)
"""
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"a.py:1 area: {CONSTANT_ANSWER}", f"a.py:5 g: {CONSTANT_ANSWER}",
                                        "rc 0 False False"]


@pytest.mark.parametrize("backend", ["torch", "ct2"])
def test_decoding_defaults_from_the_task_then_the_model(random_dir, tmp_path, backend):
    """No options: the task type's decoding (beam 4, trigram blocking for text); a model's codetrans.json
    overrides it per sub-task; the caller's options win over both. The same on both backends."""
    import json
    import shutil

    from codetrans.tasks import TASK_TYPES

    model = tmp_path / "m"
    shutil.copytree(random_dir, model, ignore=shutil.ignore_patterns("ct2-*"))
    pipe = pipeline("document", str(model), backend=backend, quantization="float32")
    assert pipe.with_defaults("code_documentation_generation_python", {}) == TASK_TYPES["document"].decoding
    meta = json.loads((model / "codetrans.json").read_text()) if (model / "codetrans.json").is_file() else {}
    meta["decoding"] = {"code_documentation_generation_python": {"num_beams": 1, "max_new_tokens": 2}}
    (model / "codetrans.json").write_text(json.dumps(meta))
    pipe = pipeline("document", str(model), backend=backend, quantization="float32")
    got = pipe.with_defaults("code_documentation_generation_python", {})
    assert got["num_beams"] == 1 and got["max_new_tokens"] == 2 and "length_penalty" not in got
    assert pipe.with_defaults("code_documentation_generation_go", {})["num_beams"] == 4  # other sub-tasks: task's
    assert pipe.with_defaults("code_documentation_generation_python", {"max_new_tokens": 5})["max_new_tokens"] == 5
    assert pipe(FUNCTIONS[0], lang="python") == pipe(FUNCTIONS[0], lang="python", num_beams=1, max_new_tokens=2)
    assert pipe(FUNCTIONS[0], lang="python") != pipe(FUNCTIONS[0], lang="python", num_beams=1, max_new_tokens=12)


def test_ct2_synthesize_checks_the_n_best_like_torch(synth_model_dir, tmp_path):
    # the ct2 backend returns every beam too, so the examples pick the same program
    model = shutil.copytree(synth_model_dir, tmp_path / "m")  # the export is written beside the weights
    text = "given an array of integers a , find the sum of its elements"
    outs = {backend: pipeline("synthesize", model, backend=backend, quantization="float32")(
        text, examples=["a=[1,2,3] -> 6"], max_new_tokens=16)[0] for backend in ("ct2", "torch")}
    assert outs["ct2"]["program"] == outs["torch"]["program"] == "( reduce a 0 + )"
    assert outs["ct2"]["passed"] and outs["ct2"]["candidate"] == outs["torch"]["candidate"]
