"""The one BM25 index of the project (evaluation baselines and exemplar retrieval share it).

:class:`BM25` is Okapi BM25 (k1 = 1.2, b = 0.75, Lucene's non-negative idf) over token lists, stored as
a sparse inverted file in numpy: one precomputed weight per (term, document) posting, so a query is a
sum of array slices. Ties always go to the earliest document, which keeps every ranking deterministic.

Terms: :func:`code_terms` (lower-cased word runs; what the evaluation baseline has always used) and
:func:`subtoken_terms` (the same plus identifier sub-tokens, ``getUserName`` -> ``getusername get user
name``), which the same-repository retrieval figures in DESIGN.md were measured with.

``bm25s`` 0.3.16 was measured against this index (``benchmarks/retrieval.py``, 4,970 functions of a
2,000-file repository, one thread, busy 2-core machine): indexing 0.15 s vs 0.08 s here, a query
0.55-1.3 ms vs 0.4-0.5 ms here, and its top-1 differed on 47 of 200 queries (equal scores, broken by
its own order; Lucene's formula without BM25's ``k1 + 1`` factor, so scores are 1/2.2 of these). Not
faster and not the same rankings: this index stays, and bm25s is no dependency.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from codetrans.errors import CodeTransError


class _InvertedIndex:
    """Term -> (doc ids, term frequencies) in CSR form, built from token lists."""

    def __init__(self, docs: Iterable[Sequence[str]]):
        vocab: dict[str, int] = {}
        terms: list[int] = []
        doc_ids: list[int] = []
        tfs: list[int] = []
        lengths: list[int] = []
        for d, tokens in enumerate(docs):
            counts = Counter(tokens)
            lengths.append(len(tokens))
            for tok, c in counts.items():
                terms.append(vocab.setdefault(tok, len(vocab)))
                doc_ids.append(d)
                tfs.append(c)
        if not lengths:
            raise CodeTransError("cannot build a retrieval index from an empty training pool")
        self.vocab = vocab
        self.n_docs = len(lengths)
        self.doc_len = np.asarray(lengths, dtype=np.float64)
        t = np.asarray(terms, dtype=np.int64)
        order = np.argsort(t, kind="stable")  # stable: postings stay in doc order
        self.post_doc = np.asarray(doc_ids, dtype=np.int64)[order]
        self.post_tf = np.asarray(tfs, dtype=np.float64)[order]
        self.indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(t, minlength=len(vocab)), out=self.indptr[1:])

    @classmethod
    def from_arrays(cls, vocab: Sequence[str], indptr: np.ndarray, post_gap: np.ndarray,
                    post_tf: np.ndarray, doc_len: np.ndarray) -> _InvertedIndex:
        """An index rebuilt from :meth:`arrays` (a cache or a shipped file), without re-tokenizing."""
        self = cls.__new__(cls)
        self.vocab = {t: i for i, t in enumerate(vocab)}
        self.n_docs = len(doc_len)
        self.doc_len = np.asarray(doc_len, dtype=np.float64)
        self.indptr = np.asarray(indptr, dtype=np.int64)
        # each term's doc ids are stored as gaps from the previous one (the first as itself): undo it
        total = np.cumsum(np.asarray(post_gap, dtype=np.int64))
        before = np.concatenate(([0], total))[self.indptr[:-1]]  # the running sum where each term starts
        self.post_doc = total - np.repeat(before, np.diff(self.indptr))
        self.post_tf = np.asarray(post_tf, dtype=np.float64)
        return self

    def arrays(self) -> dict[str, np.ndarray]:
        """Compact arrays that :meth:`from_arrays` takes back (vocabulary in id order; doc ids as gaps
        within each term's postings, which are in doc order: small numbers compress to a third)."""
        vocab = sorted(self.vocab, key=self.vocab.__getitem__)
        gaps = np.diff(self.post_doc, prepend=0)
        starts = self.indptr[:-1][np.diff(self.indptr) > 0]
        gaps[starts] = self.post_doc[starts]
        return {"vocab": np.asarray(vocab, dtype=np.str_), "indptr": self.indptr,
                "post_gap": gaps.astype(np.int32), "post_tf": self.post_tf.astype(np.uint32),
                "doc_len": self.doc_len.astype(np.int32)}

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        i = self.vocab.get(term)
        if i is None:
            return None
        sl = slice(self.indptr[i], self.indptr[i + 1])
        return self.post_doc[sl], self.post_tf[sl]

    def df(self) -> np.ndarray:
        return np.diff(self.indptr).astype(np.float64)


_WORD = re.compile(r"\w+")
_WORD_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def code_terms(text: str) -> list[str]:
    """BM25 terms of (tokenized) code: lower-cased word-character runs; punctuation is ignored."""
    return _WORD.findall(text.lower())


def split_identifier(name: str) -> list[str]:
    """``getHTTPResponse_code2`` -> ``["get", "http", "response", "code", "2"]``."""
    return [w.lower() for w in _WORD_PART.findall(name)]


def subtoken_terms(text: str) -> list[str]:
    """:func:`code_terms` plus the sub-tokens of every identifier that has more than one
    (snake_case / camelCase parts), so ``load_user`` also matches ``UserLoader``."""
    out: list[str] = []
    for word in _WORD.findall(text):
        low = word.lower()
        out.append(low)
        parts = split_identifier(word)
        if len(parts) > 1:
            out.extend(parts)
    return out


class BM25:
    """Okapi BM25 (k1 = 1.2, b = 0.75, Lucene's non-negative idf) over token lists."""

    def __init__(self, docs: Iterable[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self._init(_InvertedIndex(docs))

    def _init(self, index: _InvertedIndex) -> None:
        self.index = ix = index
        k1, b = self.k1, self.b
        df = ix.df()
        idf = np.log(1.0 + (ix.n_docs - df + 0.5) / (df + 0.5))
        avgdl = float(ix.doc_len.mean()) or 1.0
        norm = k1 * (1.0 - b + b * ix.doc_len / avgdl)
        term_of_posting = np.repeat(np.arange(len(df)), np.diff(ix.indptr))
        tf = ix.post_tf
        # one weight per (term, doc) posting, precomputed: queries are then sums of slices
        self.weights = idf[term_of_posting] * tf * (k1 + 1.0) / (tf + norm[ix.post_doc])

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], k1: float = 1.2, b: float = 0.75) -> BM25:
        """The index saved by :meth:`arrays` (weights are recomputed: cheap, and keeps files small)."""
        self = cls.__new__(cls)
        self.k1, self.b = k1, b
        self._init(_InvertedIndex.from_arrays([str(t) for t in arrays["vocab"]], arrays["indptr"],
                                              arrays["post_gap"], arrays["post_tf"], arrays["doc_len"]))
        return self

    def arrays(self) -> dict[str, np.ndarray]:
        return self.index.arrays()

    @property
    def n_docs(self) -> int:
        return self.index.n_docs

    def scores(self, query: Sequence[str]) -> np.ndarray:
        ix = self.index
        out = np.zeros(ix.n_docs)
        for term, qtf in Counter(query).items():
            i = ix.vocab.get(term)
            if i is None:
                continue
            sl = slice(ix.indptr[i], ix.indptr[i + 1])
            out[ix.post_doc[sl]] += qtf * self.weights[sl]
        return out

    def best(self, query: Sequence[str]) -> int:
        """Index of the best-scoring document (the earliest on ties; 0 when nothing matches)."""
        return int(np.argmax(self.scores(query)))

    def top_k(self, query: Sequence[str], k: int, exclude: Iterable[int] | np.ndarray | None = None,
              allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best (doc index, score) pairs, best first, earliest document on ties.

        Documents that share no term with the query (score 0) are never returned. ``exclude``: doc
        indices to leave out; ``allowed``: a boolean mask over documents (False = leave out).
        """
        if k <= 0:
            return []
        s = self.scores(query)
        if allowed is not None:
            s[~np.asarray(allowed, dtype=bool)] = 0.0
        if exclude is not None:
            ex = np.fromiter(exclude, dtype=np.int64) if not isinstance(exclude, np.ndarray) else exclude
            if ex.size:
                s[ex] = 0.0
        cand = np.flatnonzero(s > 0)
        if cand.size > k:
            # every document scoring at least the k-th best, ties included, then an exact ordering
            thr = np.partition(s[cand], cand.size - k)[cand.size - k]
            cand = cand[s[cand] >= thr]
        order = cand[np.lexsort((cand, -s[cand]))][:k]
        return [(int(i), float(s[i])) for i in order]


__all__ = ["BM25", "code_terms", "split_identifier", "subtoken_terms"]
