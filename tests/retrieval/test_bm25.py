"""The moved BM25 index ranks exactly as the evaluation baseline's did; top_k, terms, persistence."""

from __future__ import annotations

import random

import numpy as np
import pytest

from codetrans.evaluation import baselines
from codetrans.retrieval.bm25 import BM25, code_terms, subtoken_terms

from ._old_bm25 import BM25 as OldBM25


def _corpus(seed: int, n: int = 300) -> list[list[str]]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(60)]
    return [[rng.choice(words[: rng.randint(3, 60)]) for _ in range(rng.randint(0, 25))] for _ in range(n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rankings_identical_to_the_previous_implementation(seed):
    docs = _corpus(seed)
    new, old = BM25(docs), OldBM25(docs)
    rng = random.Random(100 + seed)
    for _ in range(50):
        q = rng.choice(docs)[:5] + [f"w{rng.randint(0, 80)}"]
        s_new, s_old = new.scores(q), old.scores(q)
        assert np.array_equal(s_new, s_old)  # bit for bit: same arithmetic in the same order
        assert new.best(q) == old.best(q)
        ranked_old = [int(i) for i in np.lexsort((np.arange(len(s_old)), -s_old)) if s_old[i] > 0][:10]
        assert [i for i, _ in new.top_k(q, 10)] == ranked_old


def test_baselines_still_export_the_same_index():
    assert baselines.BM25 is BM25 and baselines.code_terms is code_terms
    r = baselines.BM25Retrieval(["def get_user ( )", "def save_file ( path )"], ["get", "save"])
    assert r.predict(["save_file ( p )"]) == ["save"]


def test_top_k_ties_exclude_allowed_and_no_zero_scores():
    bm = BM25([["a"], ["a"], ["a", "b"], ["c"], ["a"]])
    assert [i for i, _ in bm.top_k(["a"], 3)] == [0, 1, 4]  # equal scores: earliest first
    assert [i for i, _ in bm.top_k(["a"], 10)] == [0, 1, 4, 2]  # "c" shares nothing: never returned
    assert [i for i, _ in bm.top_k(["a"], 2, exclude=[0, 4])] == [1, 2]
    allowed = np.array([False, False, True, True, True])
    assert [i for i, _ in bm.top_k(["a"], 5, allowed=allowed)] == [4, 2]
    assert bm.top_k(["zzz"], 3) == [] and bm.top_k(["a"], 0) == []


def test_subtoken_terms_split_identifiers():
    assert subtoken_terms("def getUserName ( user_id )") == [
        "def", "getusername", "get", "user", "name", "user_id", "user", "id"]
    assert code_terms("def getUserName ( user_id )") == ["def", "getusername", "user_id"]


def test_arrays_round_trip_gives_the_same_scores():
    docs = _corpus(7, 50)
    bm = BM25(docs)
    again = BM25.from_arrays(bm.arrays())
    for q in docs[:10]:
        assert np.allclose(bm.scores(q), again.scores(q), rtol=1e-12, atol=0)
