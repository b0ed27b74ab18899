"""Smoothed BLEU-4 (CodeXGLUE) and corpus BLEU (multi-bleu.perl) against hand-computed goldens."""

import math
import random
from pathlib import Path

import pytest
import sacrebleu

from codetrans.errors import CodeTransError
from codetrans.metrics import (
    codexglue_tokens,
    corpus_bleu,
    corpus_bleu_stats,
    sacrebleu_corpus,
    sentence_smoothed_bleu,
    smoothed_bleu,
    smoothed_bleu_items,
)

# ---------------------------------------------------------------- CodeXGLUE tokenisation


def test_codexglue_tokens_lowercase_punct_and_underscore():
    assert codexglue_tokens("Returns the Name.") == ["returns", "the", "name", "."]
    # mteval splits the underscore off, so identifiers count as several tokens
    assert codexglue_tokens("get_name(x)") == ["get", "_", "name", "(", "x", ")"]
    # the first stage splits word runs at every other character, so "v3.5" is v3 . 5
    assert codexglue_tokens("v3.5 1-2") == ["v3", ".", "5", "1", "-", "2"]
    assert codexglue_tokens("  ") == []


# ---------------------------------------------------------------- smoothed BLEU goldens
# Per item: p1 = c1/g1 (not smoothed), pn = (cn+1)/(gn+1) for n>1, logBP = min(0, 1-(r+1)/(c+1)).


def test_short_hypothesis_without_4grams_and_lowercasing():
    # hyp: returns the name (3 tokens); ref: returns the name . (4 tokens)
    # p1 = 3/3, p2 = 3/3, p3 = 2/2, p4 = 1/1 (no 4-gram: 0+1 / 0+1); logBP = 1 - 5/4
    want = 100 * math.exp(-0.25)
    assert sentence_smoothed_bleu("Returns THE name", "returns the name.") == pytest.approx(want, rel=1e-12)


def test_partial_overlap_golden():
    # hyp: get name of user (4); ref: get name of the user (5)
    # p1 = 4/4; bigrams 2 of 3 -> 3/4; trigrams 1 of 2 -> 2/3; 4-gram 0 of 1 -> 1/2; logBP = 1 - 6/5
    want = 100 * (1 * 3 / 4 * 2 / 3 * 1 / 2) ** 0.25 * math.exp(-0.2)
    assert sentence_smoothed_bleu("get name of user", "get name of the user") == pytest.approx(want, rel=1e-12)


def test_underscore_is_a_token():
    # hyp tokens: get _ name (3); ref: get name (2); p1 2/3, p2 (0+1)/(2+1), p3 (0+1)/(1+1), p4 1/1; BP 0
    want = 100 * (2 / 3 * 1 / 3 * 1 / 2) ** 0.25
    assert sentence_smoothed_bleu("get_name", "get name") == pytest.approx(want, rel=1e-12)


def test_no_unigram_match_is_practically_zero_not_exactly():
    # unigram precision is not smoothed: log(0 + tiny) makes the score ~1e-77, as in the evaluator
    s = sentence_smoothed_bleu("foo", "bar")
    assert 0 < s < 1e-70


def test_perfect_match_is_100():
    assert sentence_smoothed_bleu("Sort the list in place", "sort the list in place") == pytest.approx(100.0)


def test_multi_reference_clips_by_max_and_uses_shortest_length():
    # hyp: returns the user name (4); refs: "returns the name" (3), "the user name" (3)
    # p1 4/4; bigrams 3/3 -> 4/4; trigrams 1 of 2 -> 2/3; 4-gram 0 of 1 -> 1/2; r = 3 -> BP 0
    want = 100 * (2 / 3 * 1 / 2) ** 0.25
    got = sentence_smoothed_bleu("returns the user name", ["returns the name", "the user name"])
    assert got == pytest.approx(want, rel=1e-12)
    single = max(sentence_smoothed_bleu("returns the user name", r) for r in ["returns the name", "the user name"])
    assert got > single


def test_average_over_items():
    hyps = ["Returns THE name", "get name of user"]
    refs = ["returns the name.", ["get name of the user"]]
    items = smoothed_bleu_items(hyps, refs)
    assert smoothed_bleu(hyps, refs) == pytest.approx(sum(items) / 2, rel=1e-12)


def test_empty_prediction_scores_zero_by_default_and_codexglue_value_on_request():
    assert sentence_smoothed_bleu("", "returns the name") == 0.0
    assert sentence_smoothed_bleu("   ", "returns the name") == 0.0
    # the CodeXGLUE script: all log-precisions 0, logBP = 1 - (3+1)/(0+1) = -3
    raw = sentence_smoothed_bleu("", "returns the name", empty_scores_zero=False)
    assert raw == pytest.approx(100 * math.exp(-3), rel=1e-12)
    assert smoothed_bleu(["", "a b"], ["x", "a b"]) == pytest.approx(50.0)


# ---------------------------------------------------------------- bad input


def test_bad_input_is_a_clear_error():
    with pytest.raises(CodeTransError, match="aligned"):
        smoothed_bleu(["a", "b"], ["a"])
    with pytest.raises(CodeTransError, match="empty reference list"):
        smoothed_bleu(["a"], [[]])
    with pytest.raises(CodeTransError, match="no hypotheses"):
        corpus_bleu([], [])
    with pytest.raises(CodeTransError, match="single string"):
        smoothed_bleu("abc", ["abc"])
    with pytest.raises(CodeTransError, match="no references"):
        corpus_bleu(["a"], [None])


def test_non_utf8_bytes_and_lone_surrogates_are_scored():
    bad = b"returns the \xff\xfe name"
    assert 0 < sentence_smoothed_bleu(bad, "returns the name") < 100
    assert corpus_bleu([bad], [b"returns the \xff\xfe name"]) == pytest.approx(100.0)
    surrogate = "returns \udcff the name"
    assert 0 < smoothed_bleu([surrogate], ["returns the name"]) < 100


# ---------------------------------------------------------------- multi-bleu.perl semantics


def test_multi_bleu_golden_small_corpus():
    hyps = ["the cat sat on the mat", "a dog barks at night"]
    refs = ["the cat is on the mat", ["a dog barks at the moon"]]
    # s1: 1g 5/6, 2g 3/5, 3g 1/4, 4g 0/3; s2: 1g 4/5, 2g 3/4, 3g 2/3, 4g 1/2  -> summed over the corpus
    # p = 9/11, 6/9, 3/7, 1/5; hyp_len 11 < ref_len 12 -> BP = exp(1 - 12/11)
    want = 100 * math.exp(1 - 12 / 11) * (9 / 11 * 6 / 9 * 3 / 7 * 1 / 5) ** 0.25
    st = corpus_bleu_stats(hyps, refs)
    assert st.score == pytest.approx(want, rel=1e-12)
    assert (st.hyp_len, st.ref_len) == (11, 12)
    assert st.precisions == pytest.approx((100 * 9 / 11, 100 * 6 / 9, 100 * 3 / 7, 100 * 1 / 5))
    assert str(st).startswith(f"BLEU = {want:.2f}, 81.8/66.7/42.9/20.0 (BP=0.913")


def test_multi_bleu_no_smoothing_and_case():
    # one sentence with no 4-gram match: multi-bleu gives exactly 0 (log 0 -> -9999999999)
    assert corpus_bleu(["the cat sat"], ["the cat is"]) == 0.0
    assert corpus_bleu(["The Cat sat on it"], ["the cat sat on it"]) == 0.0
    assert corpus_bleu(["The Cat sat on it"], ["the cat sat on it"], lowercase=True) == pytest.approx(100.0)
    # tokens are whitespace-separated words only: no re-tokenisation of punctuation
    assert corpus_bleu(["fix bug ."], ["fix bug."]) == 0.0


def test_multi_bleu_closest_reference_length_ties_take_shorter():
    st = corpus_bleu_stats(["a b c d e"], [["a b c d", "a b c d e f"]])  # both differ by one
    assert st.ref_len == 4 and st.brevity_penalty == 1.0
    st = corpus_bleu_stats(["a b c d e"], [["a b c d e f g", "a b c"]])  # 2 vs 2 -> shorter, 3
    assert st.ref_len == 3
    st = corpus_bleu_stats(["a b c d"], [["a b c d e f", "a b c d e"]])  # closest 5
    assert st.ref_len == 5 and st.brevity_penalty == pytest.approx(math.exp(1 - 5 / 4))


def test_multi_bleu_clips_by_max_count_over_references():
    # hyp has 'the' x3; refs have it x1 and x2 -> clip at 2
    st = corpus_bleu_stats(["the the the"], [["the cat", "the the dog"]])
    assert st.precisions[0] == pytest.approx(100 * 2 / 3)


def test_multi_bleu_all_empty_predictions_score_zero():
    assert corpus_bleu(["", ""], ["a b c d", "e f g h"]) == 0.0


def _corpus_lines() -> list[str]:
    path = Path(__file__).resolve().parents[3] / "shared" / "data" / "nngen" / "cleaned.valid.msg"
    if path.exists():
        return [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()[:400]]
    # a built-in corpus keeps the test meaningful where the shared data is absent
    rng = random.Random(1)
    vocab = "fix add remove update bug test readme the a of to in for version build . , ( )".split()
    return [" ".join(rng.choice(vocab) for _ in range(rng.randint(3, 15))) for _ in range(400)]


def test_corpus_bleu_equals_sacrebleu_without_tokenisation_or_smoothing():
    rng = random.Random(0)
    refs = [ln for ln in _corpus_lines() if ln.strip()]
    hyps = []
    for ref in refs:  # perturbed copies: drop, swap and replace words so every order is partial
        words = ref.split()
        words = [w for w in words if rng.random() > 0.2] + (["fix"] if rng.random() < 0.3 else [])
        if len(words) > 2 and rng.random() < 0.5:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
        hyps.append(" ".join(words))
    ours = corpus_bleu(hyps, refs)
    theirs = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none", smooth_method="none", force=True).score
    assert 5 < ours < 95
    assert ours == pytest.approx(theirs, rel=1e-9)
    # two references per item
    refs2 = [r.split()[::-1] for r in refs]
    refs2 = [" ".join(r) for r in refs2]
    ours2 = corpus_bleu(hyps, [[a, b] for a, b in zip(refs, refs2)], lowercase=True)
    theirs2 = sacrebleu.corpus_bleu(hyps, [refs, refs2], tokenize="none", smooth_method="none",
                                    lowercase=True, force=True).score
    assert ours2 == pytest.approx(theirs2, rel=1e-9)


def test_sacrebleu_wrapper_accepts_ragged_references():
    s = sacrebleu_corpus(["the cat sat on the mat ."], [["the cat sat on the mat.", "a cat sat"]])
    assert s == pytest.approx(100.0)
    s2 = sacrebleu_corpus(["a b c d", "e f g h"], [["a b c d"], ["e f g h", "x"]])
    assert s2 == pytest.approx(100.0)
