"""BM25, NNGen and the function-name baseline against hand-computed values."""

import math

import pytest

from codetrans.errors import CodeTransError
from codetrans.evaluation.baselines import (
    BM25,
    BM25Retrieval,
    FunctionName,
    NNGen,
    bow_terms,
    function_name,
    nltk_sentence_bleu,
    split_identifier,
)


def test_bm25_score_golden():
    bm = BM25([["a", "b"], ["a", "c", "c"]])
    s = bm.scores(["c"])
    # idf(c) = ln(1 + (2 - 1 + .5) / (1 + .5)) = ln 2; avgdl 2.5; doc 1: tf 2, |d| 3
    norm = 1.2 * (1 - 0.75 + 0.75 * 3 / 2.5)
    assert s[0] == 0.0
    assert s[1] == pytest.approx(math.log(2) * 2 * 2.2 / (2 + norm), rel=1e-12)
    # a term in every document still scores (Lucene idf is never negative)
    assert (bm.scores(["a"]) > 0).all()


def test_bm25_retrieval_returns_the_neighbours_target_and_ties_go_first():
    r = BM25Retrieval(["def get_user ( ) : return user", "def save_file ( path ) : write ( path )", "x = 1"],
                      ["get the user", "save a file", "assign"])
    assert r.predict(["def save_file ( p ) : write ( p )", "def get_user ( )", "nothing matches"]) == [
        "save a file", "get the user", "get the user"]
    with pytest.raises(CodeTransError, match="empty training pool"):
        BM25Retrieval([], [])


def test_nltk_sentence_bleu_semantics():
    ref = "a b c d e".split()
    # all orders match, c=4 < r=5 -> BP exp(1 - 5/4)
    assert nltk_sentence_bleu(ref, "a b c d".split()) == pytest.approx(math.exp(-0.25))
    # no trigram/4-gram matches: those orders count as sys.float_info.min (tiny but > 0, still ranks)
    tiny = nltk_sentence_bleu(ref, "a b x".split())
    assert 0 < tiny < 1e-100
    assert nltk_sentence_bleu(ref, "x y z".split()) == 0.0  # no unigram match: exactly 0
    assert nltk_sentence_bleu(ref, []) == 0.0


def test_nngen_reranks_cosine_top_k_by_bleu_against_candidate_diffs():
    query = "aa bb cc dd ee"
    diffs = ["ee dd cc bb aa",  # cosine 1.0 but no bigram in common
             "aa bb cc dd ee ff ff ff",  # cosine ~0.6, every n-gram matches
             "zz yy"]
    msgs = ["reversed", "same order", "other"]
    assert NNGen(diffs, msgs, k=5).predict([query]) == ["same order"]
    assert NNGen(diffs, msgs, k=1).predict([query]) == ["reversed"]
    # nothing in common: the most similar (first) diff, not an arbitrary one
    assert NNGen(diffs, msgs).predict(["qq"]) == ["reversed"]
    assert bow_terms("mmm a / src / Foo . java <nl>") == ["mmm", "src", "foo", "java", "nl"]


def test_function_name_in_several_languages_and_splitting():
    cases = {
        "def get_user_name ( self ) : return self . name": "get_user_name",
        "public static int getFooBar ( int x ) { return x ; }": "getFooBar",
        "func ( r * Router ) ServeHTTP ( w http . ResponseWriter ) {": "ServeHTTP",
        "function parseJSONConfig ( text ) { return JSON . parse ( text ) }": "parseJSONConfig",
        "def each_pair \n yield": "each_pair",
        "x = 1": "",
    }
    for src, name in cases.items():
        assert function_name(src) == name
    assert split_identifier("parseJSONConfig") == ["parse", "json", "config"]
    assert split_identifier("get_user_name2") == ["get", "user", "name", "2"]
    fn = FunctionName()
    assert fn.predict(["def a ( ) : pass", "x = 1"], ["pkg.Class.getUserName", None]) == ["get user name", ""]
