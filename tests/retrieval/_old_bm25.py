"""A frozen copy of the BM25 index as it was in codetrans/evaluation/baselines.py before it moved to
codetrans.retrieval: the reference the moved index must rank identically to."""

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np


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
            raise ValueError("cannot build a retrieval index from an empty training pool")
        self.vocab = vocab
        self.n_docs = len(lengths)
        self.doc_len = np.asarray(lengths, dtype=np.float64)
        t = np.asarray(terms, dtype=np.int64)
        order = np.argsort(t, kind="stable")  # stable: postings stay in doc order
        self.post_doc = np.asarray(doc_ids, dtype=np.int64)[order]
        self.post_tf = np.asarray(tfs, dtype=np.float64)[order]
        self.indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(t, minlength=len(vocab)), out=self.indptr[1:])

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        i = self.vocab.get(term)
        if i is None:
            return None
        sl = slice(self.indptr[i], self.indptr[i + 1])
        return self.post_doc[sl], self.post_tf[sl]

    def df(self) -> np.ndarray:
        return np.diff(self.indptr).astype(np.float64)


_WORD = re.compile(r"\w+")


def code_terms(text: str) -> list[str]:
    """BM25 terms of (tokenized) code: lower-cased word-character runs; punctuation is ignored."""
    return _WORD.findall(text.lower())


class BM25:
    """Okapi BM25 (k1 = 1.2, b = 0.75, Lucene's non-negative idf) over token lists."""

    def __init__(self, docs: Iterable[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        self.index = _InvertedIndex(docs)
        ix = self.index
        df = ix.df()
        idf = np.log(1.0 + (ix.n_docs - df + 0.5) / (df + 0.5))
        avgdl = float(ix.doc_len.mean()) or 1.0
        norm = k1 * (1.0 - b + b * ix.doc_len / avgdl)
        term_of_posting = np.repeat(np.arange(len(df)), np.diff(ix.indptr))
        tf = ix.post_tf
        # one weight per (term, doc) posting, precomputed: queries are then sums of slices
        self.weights = idf[term_of_posting] * tf * (k1 + 1.0) / (tf + norm[ix.post_doc])

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

