"""Does this text truly describe this code? The verifier behind every answer's ``confidence``.

BLEU pays for fluent neighbour text: the nearest documented function's docstring reads well and is often
false for the function at hand (``Cart.total: Return the price of all items before discounts.``). The
verifier scores a (code, text) pair with the probability that the text describes *this* code:

* a **translation table** (IBM model 1, :class:`TranslationTable`): how well the code's words explain each
  word of the text (``pop`` -> remove, ``append`` -> add, ``len`` -> number), as a lift over the word's
  prior; the worst-explained word is a feature of its own (one foreign object in an otherwise fitting
  sentence is the typical neighbour's mistake);
* word overlap with the code's identifiers and the function's name, the text's length, an issue number
  that the code does not hold;
* a logistic combination (:class:`Verifier`) learnt on the training corpus with **hard negatives**: for
  each documented function, the docstrings of the same repository's BM25-nearest documented functions, as
  they are and edited to the function (:func:`codetrans.grounding.edit.adapt`) — exactly the mistakes the
  grounded path makes (``codetrans verifier fit``, recipe ``training/verifier/verifier.json``);
* a candidate scorer over the grounded path's candidate features plus that logit (:attr:`Verifier.candidates`).

The same shape serves commit subjects against diffs (``kind="commit"``). The fitted file
(``verifier.json.gz``) ships inside the model directory; without one, :func:`load_verifier` returns None and
answers carry no confidence.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.retrieval.bm25 import split_identifier

VERIFIER_FILE = "verifier.json.gz"
KINDS = ("doc", "commit")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*|[0-9]+")
_ISSUE = re.compile(r"(?:#|\bGH-|\bgh-|\b[A-Z][A-Z0-9]+-)(\d+)")
STOPWORDS = frozenset(
    "a an the of to in for on at by with from into onto as is are was were be been being it its this that these "
    "those and or not no if then else when whether which who whom what where how all any each every some given "
    "specified provided current new given object instance value method function class called used use uses "
    "returns return return's will can may should must do does done has have had so than such also only via per "
    "get gets set sets true false null none nil undefined".split())
_CODE_NOISE = frozenset("def func function fn public private protected static final void self this return new var "
                        "let const end do".split())
_FLOOR = 1e-7
#: The serving thresholds and per-source confidences (chosen on the judged validation set,
#: ``docs/quality/README.md``); a verifier's ``info["serving"]``, written from its recipe, overrides them.
#: ``<task type>_write_threshold`` (``commit_write_threshold``) may override ``write_threshold`` per task type.
SERVING_DEFAULTS = {"fallback_below": 0.5, "write_threshold": 0.9, "described_confidence": 0.1,
                    "described_commit_confidence": 0.05, "generated_commit_confidence": 0.03,
                    "changelog_confidence": 0.83, "history_above": 1.0, "stale_below": 0.05}


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _linear(w: Sequence[float], x: Sequence[float], mean: Sequence[float], scale: Sequence[float]) -> float:
    """``w`` times the standardised ``x`` (column 0 is the bias, never standardised): what fit_logistic fits."""
    return sum(wi * ((xi - mi) / si if i else xi) for i, (wi, xi, mi, si) in enumerate(zip(w, x, mean, scale)))


def _stem(w: str) -> str:
    """A crude stem so that ``items``/``item`` and ``adds``/``add`` meet (both sides get it)."""
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def text_words(text: str) -> list[str]:
    """Content words of a description: lower-cased, identifiers split, stop words dropped, stemmed."""
    out = []
    for tok in _WORD.findall(text):
        for w in split_identifier(tok) or [tok.lower()]:
            if w not in STOPWORDS and not w.isdigit() and len(w) > 1:
                out.append(_stem(w))
    return out


def code_words(code: str) -> list[str]:
    """Distinct words of code (tokens or raw): identifiers split into their parts, keywords dropped, stemmed."""
    seen: dict[str, None] = {}
    for tok in _WORD.findall(code):
        for w in split_identifier(tok) or [tok.lower()]:
            if w not in _CODE_NOISE and not w.isdigit() and len(w) > 1:
                seen.setdefault(_stem(w))
    return list(seen)


@dataclass
class TranslationTable:
    """IBM model 1: t(text word | code word), with a NULL code word (index 0) and the text words' prior."""

    code_vocab: dict[str, int]
    text_vocab: dict[str, int]
    table: dict[int, dict[int, float]]  # code id -> {text id: t}
    prior: list[float]  # p(text word) by id

    def word_scores(self, code: Sequence[str], text: Sequence[str]) -> list[float]:
        """Per text word, log p(word | code) - log p(word): how much better the code explains it than chance."""
        ids = [0] + [self.code_vocab[c] for c in code if c in self.code_vocab]
        rows = [self.table.get(i, {}) for i in ids]
        present = set(code)
        out = []
        n_unk = len(self.prior)
        for w in text:
            e = self.text_vocab.get(w)
            prior = self.prior[e] if e is not None else 1.0 / (10 * n_unk)
            if e is None:
                # a word the table never saw: explained only when the code holds it verbatim
                p = 0.5 if w in present else prior * 0.5
            else:
                p = sum(r.get(e, 0.0) for r in rows) / len(rows)
                p = 0.9 * p + 0.1 * prior + (0.2 if w in present else 0.0)
            out.append(math.log(max(p, _FLOOR)) - math.log(max(prior, _FLOOR)))
        return out

    def as_json(self) -> dict[str, Any]:
        code = sorted(self.code_vocab, key=self.code_vocab.get)
        text = sorted(self.text_vocab, key=self.text_vocab.get)
        rows = {str(c): [[e, round(t, 4)] for e, t in row.items()] for c, row in self.table.items()}
        return {"code": code, "text": text, "rows": rows, "prior": [float(f"{p:.4g}") for p in self.prior]}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> TranslationTable:
        code = {w: i + 1 for i, w in enumerate(doc["code"])}  # 0 is NULL
        text = {w: i for i, w in enumerate(doc["text"])}
        table = {int(c): {int(e): float(t) for e, t in row} for c, row in doc["rows"].items()}
        return cls(code, text, table, [float(p) for p in doc["prior"]])


def fit_table(pairs: Iterable[tuple[Sequence[str], Sequence[str]]], *, iterations: int = 6, min_count: int = 3,
              keep: float = 0.005, max_per_row: int = 40) -> TranslationTable:
    """EM for IBM model 1 over (code words, text words) pairs, vectorised over every co-occurrence.
    Rare words (< ``min_count`` pairs) are dropped; entries under ``keep`` are pruned for shipping."""
    import numpy as np

    pairs = [(list(dict.fromkeys(c)), list(t)) for c, t in pairs]
    cdf = Counter(w for c, _ in pairs for w in c)
    tdf = Counter(w for _, t in pairs for w in set(t))
    code_vocab = {w: i + 1 for i, w in enumerate(sorted(w for w, n in cdf.items() if n >= min_count))}
    text_vocab = {w: i for i, w in enumerate(sorted(w for w, n in tdf.items() if n >= min_count))}
    if not code_vocab or not text_vocab:
        raise CodeTransError("too few pairs to fit a translation table")
    vt = len(text_vocab)
    cs, es, gs = [], [], []
    tcount = np.zeros(vt)
    g = 0
    for c, t in pairs:
        cid = np.array([0] + [code_vocab[w] for w in c if w in code_vocab], dtype=np.int64)
        eid = np.array([e for e in (text_vocab.get(w) for w in t) if e is not None], dtype=np.int64)
        if not len(eid):
            continue
        np.add.at(tcount, eid, 1)
        # every (text word, code word) co-occurrence of the pair; one alignment group per text word
        cs.append(np.tile(cid, len(eid)))
        es.append(np.repeat(eid, len(cid)))
        gs.append(np.repeat(np.arange(g, g + len(eid)), len(cid)))
        g += len(eid)
    if not cs:
        raise CodeTransError("too few pairs to fit a translation table")
    c_arr, e_arr, g_arr = np.concatenate(cs), np.concatenate(es), np.concatenate(gs)
    del cs, es, gs
    keys, inv = np.unique(c_arr * vt + e_arr, return_inverse=True)
    key_c = keys // vt
    t = np.ones(len(keys))
    for _ in range(iterations):
        w = t[inv]
        z = np.bincount(g_arr, weights=w, minlength=g)
        counts = np.bincount(inv, weights=w / z[g_arr], minlength=len(keys))
        totals = np.bincount(key_c, weights=counts)
        t = counts / totals[key_c]
    table: dict[int, dict[int, float]] = {}
    order = np.lexsort((-t, key_c))
    for k in order:
        if t[k] < keep:
            continue
        row = table.setdefault(int(key_c[k]), {})
        if len(row) < max_per_row:
            row[int(keys[k] % vt)] = float(t[k])
    prior = (tcount + 1) / (tcount.sum() + vt)
    return TranslationTable(code_vocab, text_vocab, table, prior.tolist())


#: "likelihood" is always 0: the model's log-likelihood, measured as a scorer, ranked true texts worst of all
#: (docs/quality/README.md) and is not computed; the slot stays so that shipped files keep their format.
FEATURES = ("bias", "lift_mean", "lift_min", "lift_low_share", "overlap", "name_mentioned", "log_words",
            "foreign_issue", "likelihood")


def features(table: TranslationTable, code: str, text: str, *, name: str = "") -> list[float]:
    """The verifier's features of one (code, text) pair: see the module doc."""
    cw = code_words(code)
    cset = set(cw)
    tw = text_words(text)
    if not tw:
        return [1.0, -3.0, -3.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    lifts = table.word_scores(cw, tw)
    name_words = {_stem(w) for w in split_identifier(name)} - STOPWORDS if name else set()
    issues = {m.group(1) for m in _ISSUE.finditer(text)}
    foreign = float(bool(issues - set(re.findall(r"\d+", code))))
    return [1.0, sum(lifts) / len(lifts), min(lifts), sum(x < 0 for x in lifts) / len(lifts),
            sum(w in cset for w in tw) / len(tw),
            sum(any(w.startswith(n) for w in tw) for n in name_words) / len(name_words) if name_words else 0.0,
            math.log1p(len(tw)), foreign, 0.0]


@dataclass
class Verifier:
    """Per kind (``doc``/``commit``): a translation table and a logistic combination of :data:`FEATURES`."""

    tables: dict[str, TranslationTable]
    weights: dict[str, list[float]]
    mean: dict[str, list[float]]
    scale: dict[str, list[float]]
    info: dict = field(default_factory=dict)
    #: per kind, the candidate scorer: {"features": names, "weights"/"mean"/"scale": {candidate kind: [...]}}, a
    #: logistic model of "this candidate says what the reference says" over the grounded path's candidate
    #: features plus this verifier's logit (fit_candidates); absent: candidates are scored by the logit alone
    candidates: dict = field(default_factory=dict)

    def candidate_probability(self, kind: str, cand_kind: str, features_: Sequence[float], logit: float) -> float:
        """P(the candidate is right) from its grounded-path features and the verifier's logit; without a
        candidate scorer for ``kind``/``cand_kind``, the logit's own probability."""
        part = self.candidates.get(kind)
        if not part or cand_kind not in part["weights"]:
            return sigmoid(logit)
        return sigmoid(_linear(part["weights"][cand_kind], [*features_, logit], part["mean"][cand_kind],
                               part["scale"][cand_kind]))

    def logit(self, code: str, text: str, *, kind: str = "doc", name: str = "") -> float:
        if kind not in self.tables:
            raise CodeTransError(f"this verifier has no {kind!r} part (it has: {', '.join(self.tables)})")
        x = features(self.tables[kind], code, text, name=name)
        return _linear(self.weights[kind], x, self.mean[kind], self.scale[kind])

    def probability(self, code: str, text: str, *, kind: str = "doc", name: str = "") -> float:
        """P(``text`` truly describes ``code``), by the text scorer alone."""
        return sigmoid(self.logit(code, text, kind=kind, name=name))

    def serving(self, key: str) -> float:
        """A serving threshold or per-source confidence (:data:`SERVING_DEFAULTS`, overridden by the recipe's)."""
        return float(self.info.get("serving", {}).get(key, SERVING_DEFAULTS[key]))

    def write_threshold(self, task_type: str = "") -> float:
        """The confidence from which an answer of ``task_type`` is written (``--write``, the LSP, the hook)."""
        return float(self.info.get("serving", {}).get(f"{task_type}_write_threshold", self.serving("write_threshold")))

    def as_json(self) -> dict[str, Any]:
        return {"format": 1, "features": list(FEATURES), "tables": {k: t.as_json() for k, t in self.tables.items()},
                "weights": self.weights, "mean": self.mean, "scale": self.scale, "info": self.info,
                "candidates": self.candidates}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Verifier:
        if doc.get("format") != 1 or list(doc.get("features") or []) != list(FEATURES):
            raise CodeTransError("the verifier file was made for other features; refit it (codetrans verifier fit)")
        return cls({k: TranslationTable.from_json(t) for k, t in doc["tables"].items()},
                   {k: [float(x) for x in v] for k, v in doc["weights"].items()},
                   {k: [float(x) for x in v] for k, v in doc["mean"].items()},
                   {k: [float(x) for x in v] for k, v in doc["scale"].items()}, dict(doc.get("info") or {}),
                   dict(doc.get("candidates") or {}))

    def save(self, path: str | Path) -> Path:
        from codetrans.safeio import safe_write

        path = Path(path)
        safe_write(path, gzip.compress(json.dumps(self.as_json(), separators=(",", ":")).encode(), mtime=0))
        return path

    @classmethod
    def load(cls, path: str | Path) -> Verifier:
        path = Path(path)
        try:
            return cls.from_json(json.loads(gzip.decompress(path.read_bytes())))
        except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            raise CodeTransError(f"cannot read the verifier {path}: {exc}; refit it (codetrans verifier fit)") from None


def fit_logistic(x: Any, y: Any, *, weight: Any = None, ridge: float = 1.0, steps: int = 50
                 ) -> tuple[list[float], list[float], list[float]]:
    """Ridge-regularised logistic regression by Newton steps on standardised features (column 0: bias).
    Returns (weights, mean, scale)."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    sw = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    mean[0], scale[0] = 0.0, 1.0
    z = (x - mean) / scale
    z[:, 0] = 1.0
    w = np.zeros(x.shape[1])
    reg = ridge * np.eye(x.shape[1])
    reg[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (sw * (p - y)) + reg @ w
        hess = (z * (sw * p * (1 - p))[:, None]).T @ z + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w.round(6).tolist(), mean.round(6).tolist(), scale.round(6).tolist()


def load_verifier(model_dir: str | Path | None) -> Verifier | None:
    """The model directory's verifier, or None when it ships none."""
    if not model_dir:
        return None
    path = Path(model_dir) / VERIFIER_FILE
    return Verifier.load(path) if path.is_file() else None


__all__ = ["FEATURES", "KINDS", "SERVING_DEFAULTS", "TranslationTable", "VERIFIER_FILE", "Verifier", "code_words",
           "features", "fit_logistic", "fit_table", "load_verifier", "sigmoid", "text_words"]
