"""Baselines scored by the same harness as the models, so every model figure has a reference.

* :class:`BM25Retrieval` — retrieval nearest neighbour: the training item whose source is the BM25
  best match for the query's code tokens; its target is the prediction.
* :class:`NNGen` — nearest-neighbour commit messages (Liu et al., ASE 2018): training diffs as
  bag-of-words count vectors (lower-cased words of two or more word characters, as scikit-learn's
  ``CountVectorizer`` that NNGen used); the k = 5 most cosine-similar training diffs are re-ranked by
  sentence BLEU-4 of the new diff against each candidate diff (NLTK's unsmoothed ``sentence_bleu``
  semantics), and the best candidate's message is returned.
* :class:`FunctionName` — the trivial documentation baseline: the function's name split into words
  (``getUserName`` / ``get_user_name`` -> ``get user name``).

All three are deterministic (ties go to the earliest training item) and need no GPU. The indexes are
sparse inverted files in numpy (:mod:`codetrans.retrieval.bm25`), so a few hundred thousand training
items are fine.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from codetrans.errors import CodeTransError

# The index lives in codetrans.retrieval (one BM25 for the project); re-exported for compatibility.
from codetrans.retrieval.bm25 import BM25, _InvertedIndex, code_terms, split_identifier  # noqa: F401

# ------------------------------------------------------------------------------ baselines


class BM25Retrieval:
    """Retrieval nearest neighbour: return the target of the BM25-closest training source."""

    name = "baseline:bm25"

    def __init__(self, sources: Sequence[str], targets: Sequence[str],
                 terms: Callable[[str], list[str]] = code_terms):
        if len(sources) != len(targets):
            raise CodeTransError("training sources and targets differ in length")
        self.terms = terms
        self.targets = list(targets)
        self.bm25 = BM25(terms(s) for s in sources)

    def predict(self, sources: Sequence[str]) -> list[str]:
        return [self.targets[self.bm25.best(self.terms(s))] for s in sources]


_CV_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn CountVectorizer's default token_pattern


def bow_terms(text: str) -> list[str]:
    """Bag-of-words terms as NNGen's CountVectorizer saw them."""
    return _CV_TOKEN.findall(text.lower())


def nltk_sentence_bleu(reference: Sequence[str], hypothesis: Sequence[str], max_order: int = 4) -> float:
    """NLTK ``sentence_bleu([reference], hypothesis)`` with its defaults (uniform weights, method0).

    No smoothing: an order with no match contributes log(sys.float_info.min), so such candidates
    still rank by their other orders (as in NNGen's selection); no unigram match gives exactly 0.
    """
    if not hypothesis:
        return 0.0
    ref_counts = Counter(tuple(reference[i:i + n]) for n in range(1, max_order + 1)
                         for i in range(len(reference) - n + 1))
    logs = []
    for n in range(1, max_order + 1):
        grams = Counter(tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n + 1))
        num = sum(min(c, ref_counts.get(g, 0)) for g, c in grams.items())
        den = max(1, sum(grams.values()))
        if n == 1 and num == 0:
            return 0.0
        logs.append(math.log(num / den) if num else math.log(sys.float_info.min))
    c, r = len(hypothesis), len(reference)
    bp = 1.0 if c > r else math.exp(1 - r / c)
    return bp * math.exp(math.fsum(lg / max_order for lg in logs))


class NNGen:
    """NNGen: cosine top-k over bag-of-words diffs, re-ranked by BLEU-4 against the candidate diffs."""

    name = "baseline:nngen"

    def __init__(self, diffs: Sequence[str], messages: Sequence[str], k: int = 5):
        if len(diffs) != len(messages):
            raise CodeTransError("training diffs and messages differ in length")
        self.k = k
        self.diffs = list(diffs)
        self.messages = list(messages)
        self.index = _InvertedIndex(bow_terms(d) for d in diffs)
        # document norms of the count vectors: sqrt(sum tf^2) per doc
        sq = np.zeros(self.index.n_docs)
        np.add.at(sq, self.index.post_doc, self.index.post_tf ** 2)
        self.norms = np.sqrt(sq)

    def cosine(self, diff: str) -> np.ndarray:
        ix = self.index
        dots = np.zeros(ix.n_docs)
        q = Counter(bow_terms(diff))
        for term, qtf in q.items():
            p = ix.postings(term)
            if p is not None:
                dots[p[0]] += qtf * p[1]
        qnorm = math.sqrt(sum(v * v for v in q.values()))
        denom = self.norms * qnorm
        return np.divide(dots, denom, out=np.zeros_like(dots), where=denom > 0)

    def neighbour(self, diff: str) -> int:
        """Index of the chosen training diff."""
        sims = self.cosine(diff)
        k = min(self.k, len(sims))
        # top-k by similarity, earliest index first on ties (np.lexsort: last key is primary)
        cand = np.lexsort((np.arange(len(sims)), -sims))[:k]
        hyp = diff.split()
        best, best_score = int(cand[0]), 0.0
        for j in cand:
            s = nltk_sentence_bleu(self.diffs[j].split(), hyp)
            if s > best_score:
                best, best_score = int(j), s
        # NNGen's script fell back to training item 0 when every BLEU was 0; the most similar diff
        # is what the paper describes, so that is the fallback here.
        return best

    def predict(self, sources: Sequence[str]) -> list[str]:
        return [self.messages[self.neighbour(s)] for s in sources]


# ------------------------------------------------------------------------------ function name

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_DEF_KEYWORDS = {"def", "function", "func", "fn", "sub"}
_NOT_NAMES = {"if", "for", "while", "switch", "catch", "return", "new", "print", "super", "this",
              "elif", "with", "sizeof", "typeof", "await", "lambda", "and", "or", "not", "in", "foreach"}
def function_name(source: str) -> str:
    """The defined function's name in tokenized code ('' when none is found).

    The token after ``def``/``function``/``func`` when it is an identifier (Python, Ruby, JS, PHP,
    Go without receiver), else the first identifier followed by ``(`` that is not a keyword
    (Java/C#/Go methods).
    """
    toks = source.split()
    for i, t in enumerate(toks[:-1]):
        if t in _DEF_KEYWORDS and _IDENT.match(toks[i + 1]):
            return toks[i + 1]
    for i, t in enumerate(toks[:-1]):
        if toks[i + 1] == "(" and _IDENT.match(t) and t not in _NOT_NAMES and t not in _DEF_KEYWORDS:
            return t
    return ""


class FunctionName:
    """Documentation baseline: the function name split into lower-case words."""

    name = "baseline:funcname"

    def predict(self, sources: Sequence[str], func_names: Sequence[str | None] | None = None) -> list[str]:
        out = []
        for i, src in enumerate(sources):
            name = (func_names[i] if func_names is not None else None) or function_name(src)
            name = name.split(".")[-1]  # CodeSearchNet func_name is Class.method
            out.append(" ".join(split_identifier(name)))
        return out
