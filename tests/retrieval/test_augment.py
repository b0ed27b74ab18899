"""The exemplar-augmented input format: round trip, shared budget, markers through a real tokenizer."""

from __future__ import annotations

import pytest

from codetrans.retrieval.augment import (
    EXEMPLAR,
    escape,
    format_input,
    format_source,
    parse_source,
    signature_of,
)
from codetrans.retrieval.pools import Exemplar
from codetrans.tasks import get_subtask, strip_prefix

CODE = "def load_user ( user_id , store ) : item = store . get ( user_id ) return item"
EXS = [Exemplar("def save_user ( u ) : pass", "Save the user to the store .", {"signature": "def save_user ( u ) :"}),
       Exemplar("def load_group ( g ) : pass", "Load the group by id .", {"signature": "def load_group ( g ) :"}),
       ("def x ( ) : pass", "Third exemplar target .")]


def test_round_trip_without_and_with_signatures():
    a = format_source(CODE, EXS)
    assert a.text == CODE + " <ex> Save the user to the store . <ex> Load the group by id . <ex> Third exemplar target ."
    assert a.n_exemplars == 3 and not a.code_truncated and a.length == len(a.text.split())
    assert parse_source(a.text) == (CODE, [("", "Save the user to the store ."), ("", "Load the group by id ."),
                                           ("", "Third exemplar target .")])
    b = format_source(CODE, EXS[:2], signatures=True)
    assert parse_source(b.text)[1][0] == ("def save_user ( u ) :", "Save the user to the store .")
    # no exemplars: exactly the plain input
    assert format_source(CODE, []).text == CODE
    full = format_input("code_documentation_generation_python", CODE, EXS, k=1)
    st, src = strip_prefix(full.text)
    assert st is not None and st.id == "code_documentation_generation_python"
    assert parse_source(src) == (CODE, [("", "Save the user to the store .")])


def test_markers_in_the_code_are_escaped_so_parsing_stays_exact():
    code = 'x = "a <ex> b <to> c"'
    a = format_source(code, [("i", "t")])
    assert parse_source(a.text) == (escape(code), [("", "t")])
    assert escape(code) == 'x = "a < ex > b < to > c"'


@pytest.mark.parametrize("budget", [6, 10, 20, 25, 40, 1000])
def test_budget_is_shared_and_respected(budget):
    a = format_source(CODE, EXS, budget=budget)
    assert a.length == len(a.text.split()) <= budget
    code, exs = parse_source(a.text)
    n_code = len(CODE.split())  # 19 whitespace tokens
    if budget >= n_code + 3 * 8:
        assert code == CODE and a.n_exemplars == 3
    else:
        # the code keeps at least half the budget (all of it when shorter), exemplars the rest
        assert len(code.split()) >= min(n_code, budget // 2)
        assert CODE.startswith(code)  # cut at its end
    assert a.n_exemplars == len(exs)
    for _, t in exs:
        assert len(t.split()) >= 4  # no stub exemplars


def test_prefix_counts_against_the_budget():
    prefix = get_subtask("code_documentation_generation_python").prefix
    a = format_input("code_documentation_generation_python", CODE, EXS, budget=30)
    assert a.length == len(a.text.split()) <= 30
    assert a.text.startswith(prefix)


def test_signature_of_tokens():
    assert signature_of("def f ( a , b = ( 1 , 2 ) ) : return a") == "def f ( a , b = ( 1 , 2 ) ) :"
    assert signature_of("public int f ( int a ) { return a ; }") == "public int f ( int a ) {"


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from codetrans.train.tokenizer import train_tokenizer

    texts = [CODE, *(e.target if isinstance(e, Exemplar) else e[1] for e in EXS), "<ex> <to> text"] * 40
    return train_tokenizer(texts, tmp_path_factory.mktemp("tok"), vocab_size=300, extra_ids=10)


def test_budget_in_tokenizer_tokens_and_markers_survive_sentencepiece(tokenizer):
    a = format_source(CODE, EXS, budget=120, tokenizer=tokenizer, signatures=True)
    ids = tokenizer(a.text, add_special_tokens=False)["input_ids"]
    assert len(ids) == a.length <= 120
    decoded = tokenizer.decode(ids, skip_special_tokens=True)
    assert decoded == a.text  # <ex>/<to> come back unchanged: plain text, no vocabulary entry needed
    assert decoded.count(EXEMPLAR) == a.n_exemplars >= 1
    assert parse_source(decoded) == parse_source(a.text)


@pytest.mark.parametrize("room", [4, 15, 40])
def test_tight_budgets_in_tokenizer_tokens(tokenizer, room):
    prefix = get_subtask("code_documentation_generation_python").prefix
    budget = len(tokenizer(prefix.strip(), add_special_tokens=False)["input_ids"]) + room  # the prefix is never cut
    a = format_input("code_documentation_generation_python", CODE, EXS, budget=budget, tokenizer=tokenizer)
    ids = tokenizer(a.text, add_special_tokens=False)["input_ids"]
    assert len(ids) <= budget
    assert a.text.startswith(get_subtask("code_documentation_generation_python").prefix)
