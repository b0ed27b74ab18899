"""The SentencePiece tokenizer: T5 layout with sentinels, byte fallback, whitespace kept, no lowercasing."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from codetrans.errors import ConfigError, DataError
from codetrans.train.tokenizer import load_tokenizer, sentinel_ids, train_tokenizer

CODE = [
    'def add(a, b):\n    """Add two numbers."""\n    return a + b\n',
    "public int Size() {\n\treturn this.items.size();\n}\n",
    "SELECT name FROM users WHERE id = 42;",
    "function documentation generation python: def get_user ( self , id ) : return self . users [ id ]",
    "Returns the user with the given id.",
    "mmm a / src / Foo . java <nl> ppp b / src / Foo . java <nl> - return x ; <nl> + return y ;",
] * 30


@pytest.fixture(scope="module")
def tok_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("tok")
    train_tokenizer(CODE, out, vocab_size=320, extra_ids=100)
    return out


def test_autotokenizer_loads_t5_layout(tok_dir):
    tok = AutoTokenizer.from_pretrained(str(tok_dir))
    assert (tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2)
    assert len(tok) == 320 + 100
    # T5: <extra_id_0> is the highest id, counting down
    assert tok.convert_tokens_to_ids("<extra_id_0>") == len(tok) - 1
    assert tok.convert_tokens_to_ids("<extra_id_99>") == len(tok) - 100
    assert sentinel_ids(tok) == [len(tok) - 1 - i for i in range(100)]
    ids = tok("x <extra_id_0> y").input_ids
    assert len(tok) - 1 in ids and ids[-1] == tok.eos_token_id
    assert (tok_dir / "spiece.model").is_file()


def test_code_round_trips_with_whitespace_and_unseen_characters(tok_dir):
    tok = load_tokenizer(tok_dir)
    code = 'def f(x):\n    """Ünïcode ☃ 🚀 ∑ 漢字"""\n\tif x:\n        return  x\t# tab\n\n'
    ids = tok(code).input_ids
    assert tok.unk_token_id not in ids  # byte fallback, never <unk>
    assert tok.decode(ids, skip_special_tokens=True) == code
    assert "<0xF0>" in tok.convert_ids_to_tokens(ids)  # the rocket went through bytes


def test_no_lowercasing(tok_dir):
    tok = load_tokenizer(tok_dir)
    assert tok.decode(tok("SELECT Name FROM Users").input_ids, skip_special_tokens=True) == "SELECT Name FROM Users"
    assert tok("SELECT").input_ids != tok("select").input_ids


def test_bad_input(tmp_path):
    with pytest.raises(ConfigError, match="too small"):
        train_tokenizer(CODE, tmp_path, vocab_size=100)
    with pytest.raises(DataError, match="no non-empty texts"):
        train_tokenizer(["", "  "], tmp_path, vocab_size=400)
    with pytest.raises(ConfigError, match="no tokenizer"):
        load_tokenizer(tmp_path / "missing")
