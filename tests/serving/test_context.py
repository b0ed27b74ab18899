"""Repository context in the pipelines: on a real git repository, with a tiny real model that declares
context support (and the same model without the declaration)."""

from __future__ import annotations

import logging

import pytest
from model_fixtures import declare_context
from retrieval.repos import commit, init, module, py_function

from codetrans.serving.context import ContextSpec, context_spec, parse_context
from codetrans.serving.pipelines import pipeline

CODE = "def load_user(user_id, store):\n    item = store.get(user_id)\n    store.load(item)\n    return item\n"


@pytest.fixture(scope="module")
def ctx_model(context_model_dir):
    return context_model_dir


@pytest.fixture(scope="module")
def plain_model(constant_model_dir, tmp_path_factory):
    return declare_context(constant_model_dir, tmp_path_factory.mktemp("m") / "plain", k=None)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    root = init(tmp_path / "repo")
    commit(root, {"pkg/user.py": module("user"), "pkg/group.py": module("group"),
                  ".gitignore": "ignored.py\n", "ignored.py": py_function("load", "user", "IGNORED DOC here always."),
                  "secrets.py": "AWS_SECRET_ACCESS_KEY = 'AKIAABCDEFGHIJKLMNOP'\n" + py_function(
                      "load", "user", "SECRET DOC here always.")},
           "initial import")
    return root


def model_text(pipe, text, **kw) -> str:
    pre, _, _ = pipe._sanitize_parameters(**kw)
    ids = pipe.preprocess(text, **pre)["input_ids"]
    ids = ids.tolist()[0] if hasattr(ids, "tolist") else ids
    return pipe.tokenizer.decode(ids, skip_special_tokens=True)


def test_context_spec_is_read_and_checked(ctx_model, plain_model):
    assert context_spec(ctx_model) == ContextSpec(k=2, budget=256)
    assert context_spec(plain_model) is None
    assert parse_context({"format": 99, "k": 2}) is None and parse_context({"format": 1, "k": 0}) is None


@pytest.mark.parametrize("backend", ["torch", "ct2"])
def test_context_on_and_off(repo, ctx_model, backend, tmp_path):
    pytest.importorskip("ctranslate2") if backend == "ct2" else None
    pipe = pipeline("document", model=ctx_model, backend=backend, export_root=tmp_path / "exports")
    on = pipe(CODE, lang="python", context=str(repo))[0]
    assert on["exemplars"] == 2 and on["generated_text"]
    assert pipe(CODE, lang="python", context=str(repo), k=1)[0]["exemplars"] == 1
    assert "exemplars" not in pipe(CODE, lang="python")[0]  # no context asked: results as before
    text = model_text(pipe, CODE, lang="python", context=str(repo))
    # CODE is pkg/user.py's load_user without its docstring: the unit itself is never its own exemplar
    assert text.count("<ex>") == 2 and "Save the user with the given id" in text
    assert "Load the user with the given id" not in text
    assert "<ex>" not in model_text(pipe, CODE, lang="python")
    assert "<ex>" not in model_text(pipe, CODE, lang="python", context=str(repo), k=0)
    # a list of (input, target) pairs is a pool too
    pairs = [("def load_user ( uid ) : return db . get ( uid )", "Fetch one user.")]
    assert pipe([CODE, CODE], lang="python", context=pairs) == [[{**r[0], "exemplars": 1}] for r in
                                                                 pipe([CODE, CODE], lang="python", context=pairs)]
    assert "Fetch one user." in model_text(pipe, CODE, lang="python", context=pairs)


def test_exemplars_never_the_unit_nor_an_ignored_or_secret_file(repo, ctx_model):
    pipe = pipeline("document", model=ctx_model, backend="torch")
    # a function of the repository itself: its own docstring must not come back as an exemplar
    text = model_text(pipe, py_function("load", "user", "Own doc of this very function."), lang="python",
                      context=str(repo), k=8)
    assert text.count("<ex>") >= 2
    assert "Load the user with the given id" not in text  # pkg/user.py's load_user is the unit itself
    assert "IGNORED" not in text and "SECRET" not in text


def test_whole_file_documents_each_function_with_context(repo, ctx_model):
    pipe = pipeline("document", model=ctx_model, backend="torch")
    results = pipe((repo / "pkg" / "user.py").read_text(), lang="python", context=str(repo))
    assert len(results) == 5 and all(r["exemplars"] == 2 for r in results)


def test_a_model_without_context_support_generates_without_it(repo, plain_model, caplog):
    pipe = pipeline("document", model=plain_model, backend="torch")
    with caplog.at_level(logging.INFO, logger="codetrans.serving"):
        r = pipe(CODE, lang="python", context=str(repo))[0]
    assert r["exemplars"] == 0  # the model read none ...
    assert "not trained with exemplars" in caplog.text
    assert "<ex>" not in model_text(pipe, CODE, lang="python", context=str(repo))
    # ... and the answer is still grounded in the repository, with its provenance
    assert r["provenance"] == "generated" or r["provenance"].split()[0] in ("adapted", "copied")
    assert "model_text" in r
    assert "provenance" not in pipe(CODE, lang="python", context=str(repo), ground=False)[0]


def test_commit_context_is_the_history(tmp_path, ctx_model, monkeypatch):
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "home"))
    root = init(tmp_path / "r")
    commit(root, {"a.py": "x = 1\n"}, "Add the answer module", date="2024-01-01T00:00:00+00:00")
    commit(root, {"a.py": "x = 2\n"}, "Change the answer", date="2024-01-02T00:00:00+00:00")
    diff = "--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 2\n+x = 3\n"
    pipe = pipeline("commit", model=ctx_model, backend="torch")
    assert pipe(diff, context=str(root))[0]["exemplars"] >= 1
    assert "Change the answer" in model_text(pipe, diff, context=str(root))
