import re

import pytest

from codetrans.algolisp import ParseError, as_tree, depth, flatten, normalize, parse, to_str
from codetrans.errors import CodeTransError

PROGRAMS = [
    "(reduce (map a square) 0 +)",
    "(reduce (filter a (combine (combine ! is_prime) square)) 0 max)",
    '(str_split s " ")',
    '(reduce (str_split s " ") "" str_concat)',
    "(invoke1 (lambda1 (if (<= arg1 1) arg1 (+ (self (- arg1 1)) (self (- arg1 2))))) a)",
    "a",
    "(dict-keys (dict-insert (dict-new int int) 1 2))",
    "(- 0 -5)",
]


@pytest.mark.parametrize("text", PROGRAMS)
def test_round_trip(text):
    tree = parse(text)
    assert to_str(tree) == text
    assert parse(to_str(tree)) == tree
    if isinstance(tree, list):
        assert as_tree(flatten(tree)) == tree  # flat token list, as models emit
    assert parse(" ".join(flatten(tree))) == tree  # spaced-out parentheses


def test_tree_shape_matches_original_short_tree():
    assert parse("(reduce (map a square) 0 +)") == ["reduce", ["map", "a", "square"], "0", "+"]
    assert parse('(str_split s " ")') == ["str_split", "s", '" "']
    assert as_tree(["reduce", ["map", "a", "square"], 0, "+"]) == ["reduce", ["map", "a", "square"], "0", "+"]


def test_normalize_whitespace():
    assert normalize("  ( map\n a\tsquare )  ") == "(map a square)"


def test_depth():
    assert depth(parse("a")) == 0
    assert depth(parse("(len a)")) == 1
    assert depth(parse("(reduce (map a square) 0 +)")) == 2


@pytest.mark.parametrize("bad, message", [
    ("", "empty program"),
    ("   ", "empty program"),
    ("(map a square", "unbalanced '('"),
    ("(map a square))", "after the end"),
    (")", "unbalanced ')'"),
    ("()", "empty expression"),
    ("(map a) (map b)", "after the end"),
    ('(str_split s " )', "unterminated string"),
    ("(" * 100 + "a" + ")" * 100, "nested deeper"),
])
def test_parse_errors(bad, message):
    with pytest.raises(ParseError, match=re.escape(message)) as info:
        parse(bad)
    assert isinstance(info.value, CodeTransError)


def test_bad_json_tree():
    with pytest.raises(ParseError):
        as_tree(["map", [], "square"])
    with pytest.raises(ParseError):
        as_tree({"not": "a tree"})
