"""Exact and near-duplicate detection for code pairs (small MinHash + LSH, numpy only).

Near duplicates are found on token shingles of the normalised text: two items whose estimated
Jaccard similarity (share of equal MinHash values) reaches a threshold are duplicates. Candidate pairs
come from LSH banding, so the cost stays linear in the number of items.
"""

from __future__ import annotations

import hashlib
import re
import zlib

import numpy as np

_P = np.uint64((1 << 31) - 1)
_WORD = re.compile(r"\S+")


def normalize(text: str) -> str:
    """Whitespace-collapsed, lower-cased text: formatting and case changes do not make a new item."""
    return " ".join(text.split()).lower()


def exact_key(task: str, text: str) -> bytes:
    return hashlib.sha1(f"{task}\0{normalize(text)}".encode("utf-8", "surrogatepass")).digest()


class MinHasher:
    """MinHash signatures over ``k``-token shingles with ``num_perm`` universal hash functions."""

    def __init__(self, num_perm: int = 64, shingle: int = 3, seed: int = 1234):
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, int(_P), size=num_perm, dtype=np.uint64)
        self.b = rng.integers(0, int(_P), size=num_perm, dtype=np.uint64)
        self.num_perm = num_perm
        self.shingle = shingle

    def signature(self, text: str) -> np.ndarray:
        toks = _WORD.findall(normalize(text))
        k = self.shingle
        grams = [" ".join(toks[i:i + k]) for i in range(max(1, len(toks) - k + 1))]
        x = np.fromiter((zlib.crc32(g.encode("utf-8", "surrogatepass")) for g in set(grams)),
                        dtype=np.uint64)
        if x.size == 0:
            x = np.zeros(1, dtype=np.uint64)
        # (a*x + b) mod p, x < 2^32 and a, b < 2^31: no uint64 overflow.
        return ((self.a[:, None] * x[None, :] + self.b[:, None]) % _P).min(axis=1)


class NearDupIndex:
    """LSH index of signatures; :meth:`query` says whether a similar item was indexed."""

    def __init__(self, hasher: MinHasher, threshold: float = 0.8, bands: int = 16):
        if hasher.num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.hasher, self.threshold, self.bands = hasher, threshold, bands
        self.rows = hasher.num_perm // bands
        self.buckets: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]
        self.sigs: list[np.ndarray] = []

    def _keys(self, sig: np.ndarray) -> list[bytes]:
        r = self.rows
        return [sig[i * r:(i + 1) * r].tobytes() for i in range(self.bands)]

    def add(self, sig: np.ndarray) -> None:
        idx = len(self.sigs)
        self.sigs.append(sig)
        for band, key in zip(self.buckets, self._keys(sig)):
            band.setdefault(key, []).append(idx)

    def query(self, sig: np.ndarray) -> bool:
        seen: set[int] = set()
        for band, key in zip(self.buckets, self._keys(sig)):
            for idx in band.get(key, ()):
                if idx in seen:
                    continue
                seen.add(idx)
                if float(np.mean(self.sigs[idx] == sig)) >= self.threshold:
                    return True
        return False


def jaccard(a: str, b: str, shingle: int = 3) -> float:
    """Exact Jaccard similarity of two texts' token shingles (for tests and spot checks)."""
    def grams(t: str) -> set[str]:
        toks = normalize(t).split()
        return {" ".join(toks[i:i + shingle]) for i in range(max(1, len(toks) - shingle + 1))}

    ga, gb = grams(a), grams(b)
    return len(ga & gb) / max(1, len(ga | gb))
