"""Documentation grounded in the user's repository: retrieve, edit, choose, generate.

A repository already documents functions like the one at hand. For each function the grounded path

1. takes the :data:`GROUND_K` BM25-nearest documented functions of the repository (the unit itself never:
   see :func:`codetrans.retrieval.exemplars.nearest`);
2. **edits** each neighbour's docstring to the function (:func:`codetrans.retrieval.edit.adapt`: the
   differing name words, compound parameter names and the class swapped); both the text as it is and
   the edited one are candidates;
3. adds the model's own text (conditioned on the exemplars when the model was trained with them);
4. **chooses** one with a linear scorer (:class:`Chooser`) that predicts each candidate's smoothed
   sentence BLEU from features of the pair (BM25 score and rank, name and code overlap, signature
   shape, agreement with the other candidates); it was fit on the corpus's *training* repositories
   (``codetrans chooser fit``), never on evaluated ones.

Every answer says where it came from (:attr:`Grounded.provenance`): ``adapted from Stack.peek
(Stack.java:22)`` (a neighbour, edited), ``copied from ...`` (a neighbour whose text needed no edit),
or ``generated`` (the model). Without a documented neighbour the model's text is the answer.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.retrieval.bm25 import split_identifier
from codetrans.retrieval.edit import adapt, signature

#: Neighbours considered per function (the chooser was fit with this many).
GROUND_K = 8
KINDS = ("neighbour", "generated")
LANGS = ("python", "java", "go", "php", "ruby", "javascript")
_BASE = ("bias", "log_bm25", "bm25_ratio", "rank0", "rank", "name_overlap", "code_overlap", "same_arity",
         "edited", "log_words", "consensus", "agrees_generated", "mentions_name", "top_log_bm25",
         "top_name_overlap", *(f"lang_{x}" for x in LANGS))
#: Products with "edited" and "rank0": how much an edit or the top rank is worth depends on the other
#: features (on the validation repositories the chosen answer went from 57.2 to 58.2 smoothed BLEU on Java
#: documentation and from 40.1 to 42.1 on Ruby with them, measured this way before shipping the chooser).
_CROSSED = _BASE[1:15]
FEATURES = (*_BASE, *(f"{n}*edited" for n in _CROSSED), *(f"{n}*rank0" for n in _CROSSED))
DEFAULT_CHOOSER = Path(__file__).with_name("chooser.json")
_WORD = re.compile(r"\w+")


@dataclass
class Candidate:
    """One possible answer: its text, kind (``neighbour`` or ``generated``), the neighbour it came
    from (an :class:`~codetrans.retrieval.pools.Exemplar` or an (input, target) pair) and its features."""

    text: str
    kind: str
    rank: int = -1
    origin: Any = None
    changes: int = 0
    features: list[float] = field(default_factory=list)
    confidence: float | None = None  # the verifier's probability that the text describes the unit


@dataclass(frozen=True)
class Grounded:
    """The chosen text, where it came from, how sure the verifier is (None: no verifier), and the
    candidates it was chosen among."""

    text: str
    provenance: str
    origin: dict | None
    candidates: tuple[Candidate, ...] = ()
    confidence: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {"provenance": self.provenance, **({"origin": self.origin} if self.origin else {}),
                **({"confidence": round(self.confidence, 3)} if self.confidence is not None else {})}


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _terms(tokens: str) -> set[str]:
    out: set[str] = set()
    for w in _WORD.findall(tokens):
        out.update(split_identifier(w) or [w.lower()])
    return out


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _f1(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return 0.0 if common == 0 else 2 * common / (len(a) + len(b))


def _mentions(name_words: set[str], words: set[str]) -> float:
    """Share of the name's words the text mentions (a plural or other suffix counts: coupon/coupons)."""
    if not name_words:
        return 0.0
    return sum(any(w.startswith(n) for w in words) for n in name_words) / len(name_words)


def _parts(ex: Any) -> tuple[str, str, dict, float]:
    """(input, target, meta, score) of an Exemplar or an (input, target[, score[, meta]]) tuple."""
    if hasattr(ex, "target"):
        return ex.input, ex.target, dict(ex.meta), float(ex.score)
    inp, target = ex[0], ex[1]
    meta = dict(ex[3]) if len(ex) > 3 and isinstance(ex[3], Mapping) else {}
    return inp, target, meta, float(ex[2]) if len(ex) > 2 else 0.0


def candidates(source: str, lang: str, exemplars: Sequence[Any], generated: str | None, *,
               name: str = "") -> list[Candidate]:
    """The edited neighbours (best first) and the model's text, each with its feature vector.

    ``source``: the function's tokens (model format, no prefix); ``name``: its name when known."""
    query = signature(source, lang, name)
    q_name, q_terms = set(split_identifier(query.name)), _terms(source)
    out: list[Candidate] = []
    scores: list[float] = []
    shape: list[tuple[float, float, float]] = []  # per neighbour: name overlap, code overlap, same arity
    for rank, ex in enumerate(list(exemplars)[:GROUND_K]):
        inp, target, meta, score = _parts(ex)
        edit = adapt(target, signature(inp, lang, str(meta.get("func_name") or "")), query)
        # both the neighbour's text as it is and, when the edit changed it, edited: the chooser weighs them
        out.append(Candidate(target, "neighbour", rank, ex, 0))
        if edit.changes:
            out.append(Candidate(edit.text, "neighbour", rank, ex, edit.changes))
        scores.append(score)
        sig = signature(inp, lang)  # the features were fit on the name as the tokens give it
        shape.append((_jaccard(q_name, set(split_identifier(sig.name))), _jaccard(q_terms, _terms(inp)),
                      float(len(sig.params) == len(query.params))))
    if generated is not None and generated.strip():
        out.append(Candidate(generated, "generated"))
    top = max(scores) if scores else 0.0
    top_name = shape[0][0] if shape else 0.0
    texts = [_words(c.text) for c in out]
    gen_words = texts[-1] if out and out[-1].kind == "generated" else set()
    lang_hot = [1.0 if lang == x else 0.0 for x in LANGS]
    for i, c in enumerate(out):
        others = [texts[j] for j in range(len(out)) if j != i]
        consensus = sum(_f1(texts[i], o) for o in others) / len(others) if others else 0.0
        mentions = _mentions(q_name, texts[i])
        if c.kind == "neighbour":
            score = scores[c.rank]
            c.features = [1.0, math.log1p(max(score, 0.0)), score / top if top > 0 else 0.0, float(c.rank == 0),
                          float(c.rank), *shape[c.rank], float(c.changes > 0), math.log1p(len(c.text.split())), consensus,
                          _f1(texts[i], gen_words), mentions, math.log1p(max(top, 0.0)), top_name, *lang_hot]
        else:
            c.features = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, math.log1p(len(c.text.split())), consensus,
                          1.0, mentions, math.log1p(max(top, 0.0)), top_name, *lang_hot]
        edited, rank0 = c.features[_BASE.index("edited")], c.features[_BASE.index("rank0")]
        crossed = c.features[1:1 + len(_CROSSED)]
        c.features += [x * edited for x in crossed] + [x * rank0 for x in crossed]
    return out


@dataclass
class Chooser:
    """A linear estimate of each candidate's sentence BLEU, one weight vector per kind; the candidate
    with the highest estimate wins. ``fit`` says what it was fit on (shown in the card and the README)."""

    weights: dict[str, list[float]]
    mean: list[float]
    scale: list[float]
    fit_info: dict = field(default_factory=dict)
    features: tuple[str, ...] = FEATURES  # what each weight multiplies (commit messages have their own)

    def estimate(self, cand: Candidate) -> float:
        w = self.weights.get(cand.kind)
        if w is None:
            return float("-inf")
        return sum(wi * ((x - m) / s if i else x) for i, (wi, x, m, s) in
                   enumerate(zip(w, cand.features, self.mean, self.scale)))

    def choose(self, cands: Sequence[Candidate]) -> Candidate | None:
        return max(cands, key=self.estimate, default=None)

    def as_json(self) -> dict[str, Any]:
        return {"format": 1, "features": list(self.features), "weights": self.weights, "mean": self.mean,
                "scale": self.scale, "fit": self.fit_info}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], features: Sequence[str] = FEATURES) -> Chooser:
        if doc.get("format") != 1 or list(doc.get("features") or []) != list(features):
            raise CodeTransError("the chooser file was made for other features; refit it (codetrans chooser fit)")
        return cls({k: [float(x) for x in v] for k, v in doc["weights"].items()}, [float(x) for x in doc["mean"]],
                   [float(x) for x in doc["scale"]], dict(doc.get("fit") or {}), tuple(features))

    @classmethod
    def load(cls, path: str | Path | None = None, features: Sequence[str] = FEATURES) -> Chooser:
        path = Path(path) if path else DEFAULT_CHOOSER
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")), features)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CodeTransError(f"cannot read the chooser {path}: {exc}") from None


def load_chooser(model_dir: str | Path | None = None) -> Chooser:
    """The model's own ``chooser.json`` when it has one, else the package's (fit for the shipped model),
    else :func:`rule_chooser`."""
    own = Path(model_dir) / "chooser.json" if model_dir else None
    if own is not None and own.is_file():
        return Chooser.load(own)
    return Chooser.load(DEFAULT_CHOOSER) if DEFAULT_CHOOSER.is_file() else rule_chooser()


def rule_chooser() -> Chooser:
    """No fitted file: the nearest neighbour, edited (the measured top-1 baseline), else the model."""
    n = len(FEATURES)
    neighbour = [0.0] * n
    neighbour[FEATURES.index("bias")] = 1.0
    neighbour[FEATURES.index("rank0")] = 1.0
    neighbour[FEATURES.index("edited")] = 0.5  # the nearest, edited when the edit applies
    return Chooser({"neighbour": neighbour, "generated": [0.5] + [0.0] * (n - 1)}, [0.0] * n, [1.0] * n,
                   {"rule": "top-1 edited"})


def fit_chooser(groups: Sequence[tuple[Any, ...]], *, ridge: float = 30.0, info: dict | None = None,
                features: Sequence[str] = FEATURES, kinds: Sequence[str] = KINDS) -> Chooser:
    """Least squares (ridge) of each candidate's sentence BLEU on its features, per kind.
    ``groups``: (candidates of one function, their BLEU against its reference, ...)."""
    import numpy as np

    rows = [(c.kind, c.features, y) for cands, ys, *_ in groups for c, y in zip(cands, ys)]
    if not rows:
        raise CodeTransError("no candidates to fit the chooser on")
    x_all = np.array([f for _, f, _ in rows], dtype=float)
    mean = x_all.mean(axis=0)
    scale = x_all.std(axis=0)
    scale[scale < 1e-6] = 1.0
    mean[0], scale[0] = 0.0, 1.0
    weights = {}
    for kind in kinds:
        sel = [(f, y) for k, f, y in rows if k == kind]
        if not sel:
            continue
        x = (np.array([f for f, _ in sel]) - mean) / scale
        x[:, 0] = 1.0
        y = np.array([y for _, y in sel])
        reg = ridge * np.eye(x.shape[1])
        reg[0, 0] = 0.0  # the bias is not shrunk
        weights[kind] = np.linalg.solve(x.T @ x + reg, x.T @ y).round(6).tolist()
    return Chooser(weights, mean.round(6).tolist(), scale.round(6).tolist(),
                   {**(info or {}), "candidates": len(rows), "functions": len(groups), "ridge": ridge},
                   tuple(features))


def _where(cand: Candidate, lang: str) -> tuple[str, dict]:
    inp, _, meta, _ = _parts(cand.origin)
    name = str(meta.get("func_name") or "") or signature(inp, lang).name or "a neighbour"
    origin: dict[str, Any] = {"function": name}
    place = ""
    if meta.get("path"):
        origin["path"], origin["line"] = str(meta["path"]), meta.get("line")
        place = f" ({origin['path']}:{origin['line']})" if origin["line"] is not None else f" ({origin['path']})"
    verb = "adapted from" if cand.changes else "copied from"
    return f"{verb} {name}{place}", origin


DESCRIBED = "described from the code"


def verify_and_choose(verifier: Any, source: str, lang: str, cands: list[Candidate], *, name: str = "",
                      kind: str = "doc") -> Grounded:
    """The candidate the verifier trusts most; below the verifier's ``fallback_below`` confidence, a faithful
    description built from the code (:func:`codetrans.retrieval.describe.describe`) when the name allows one:
    when nothing is likely right, the answer shown is the one least likely to be false (a description is
    rarely more than vague, and its confidence — the judged share of descriptions that are correct — says so)."""
    from codetrans.retrieval.describe import describe

    name = name or signature(source, lang).name
    for c in cands:
        c.confidence = verifier.candidate_probability(kind, c.kind, c.features,
                                                      verifier.logit(source, c.text, kind=kind, name=name))
    best = max(cands, key=lambda c: c.confidence or 0.0, default=None)
    if best is None or (best.confidence or 0.0) < verifier.serving("fallback_below"):
        text = describe(source, lang, name)
        if text:
            described = Candidate(text, "described", confidence=verifier.serving("described_confidence"))
            cands = [*cands, described]
            return Grounded(text, DESCRIBED, None, tuple(cands), described.confidence)
    if best is None:
        return Grounded("", "generated", None, tuple(cands), 0.0)
    if best.kind == "generated":
        return Grounded(best.text, "generated", None, tuple(cands), best.confidence)
    provenance, origin = _where(best, lang)
    return Grounded(best.text, provenance, origin, tuple(cands), best.confidence)


def text_confidence(verifier: Any, source: str, lang: str, text: str, *, name: str = "", kind: str = "doc") -> float:
    """How sure the verifier is of one text offered alone (the model's, no neighbours beside it): the candidate
    scorer's probability for a lone generated candidate; for commit subjects the judged share of the model's
    subjects that are correct (its raw verifier probability is not calibrated: ``generated_commit_confidence``)."""
    from codetrans.serving.verifier import sigmoid

    if kind == "commit":
        return verifier.serving("generated_commit_confidence")
    name = name or signature(source, lang).name
    logit = verifier.logit(source, text, kind=kind, name=name)
    cands = candidates(source, lang, [], text, name=name)  # none for an empty text: the logit alone
    return verifier.candidate_probability(kind, cands[0].kind, cands[0].features, logit) if cands else sigmoid(logit)


def ground(source: str, lang: str, exemplars: Sequence[Any], generated: str | None, *,
           chooser: Chooser | None = None, name: str = "", verifier: Any = None) -> Grounded:
    """The grounded answer for one function: see the module doc. With a ``verifier``
    (:class:`codetrans.serving.verifier.Verifier`) it chooses by truth, not by predicted BLEU, and says how
    sure it is (:func:`verify_and_choose`)."""
    cands = candidates(source, lang, exemplars, generated, name=name)
    if verifier is not None:
        return verify_and_choose(verifier, source, lang, cands, name=name)
    best = (chooser or rule_chooser()).choose(cands)
    if best is None:
        return Grounded(generated or "", "generated", None, tuple(cands))
    if best.kind == "generated":
        return Grounded(best.text, "generated", None, tuple(cands))
    provenance, origin = _where(best, lang)
    return Grounded(best.text, provenance, origin, tuple(cands))


__all__ = ["Candidate", "Chooser", "DEFAULT_CHOOSER", "DESCRIBED", "FEATURES", "GROUND_K", "Grounded", "candidates",
           "fit_chooser", "ground", "load_chooser", "rule_chooser", "text_confidence", "verify_and_choose"]
