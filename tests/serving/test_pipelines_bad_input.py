"""Bad input the issue names: wrong language, unparsable code, a 1 MB file, unknown language."""

import logging

import pytest
import transformers

import codetrans  # noqa: F401
from codetrans.errors import CodeTransError


@pytest.fixture(scope="module")
def doc_pipe(constant_model_dir):
    return transformers.pipeline("codetrans-document", model=constant_model_dir)


def test_code_in_the_wrong_language_falls_back_to_partial_tokens(doc_pipe, caplog):
    with caplog.at_level(logging.WARNING, logger="codetrans.serving.logic"):
        enc = doc_pipe.preprocess("public int size() { return n; }", lang="python")
    assert "does not parse cleanly" in caplog.text
    assert "size" in enc["source"] and "return" in enc["source"]  # every token survives error recovery


def test_one_megabyte_file_is_truncated_with_a_warning(doc_pipe, caplog):
    body = "\n".join(f"    x{i} = compute(x{i - 1}, {i})" for i in range(1, 40_000))
    code = "def huge(x0):\n" + body + "\n    return x0\n"
    assert len(code) > 1_000_000
    with caplog.at_level(logging.WARNING, logger="codetrans.serving.logic"):
        out = doc_pipe(code, lang="python", max_new_tokens=4)
    assert out[0]["generated_text"] and "truncated" in caplog.text


def test_too_large_input_and_unknown_language(doc_pipe):
    with pytest.raises(CodeTransError, match="limit is"):
        doc_pipe("x = 1\n" * 400_000, lang="python")
    with pytest.raises(CodeTransError, match="unsupported language 'cobol'"):
        doc_pipe("MOVE A TO B.", lang="cobol")
