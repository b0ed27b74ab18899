"""Documentation grounded in the user's repository: retrieve, edit, choose, generate.

A repository already documents functions like the one at hand. For each function the grounded path

1. takes the :data:`GROUND_K` BM25-nearest documented functions of the repository (the unit itself never:
   see :func:`codetrans.retrieval.exemplars.nearest`);
2. **edits** each neighbour's docstring to the function (:func:`codetrans.grounding.edit.adapt`: the
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

import math
import re
from collections.abc import Sequence
from typing import Any

from codetrans.grounding.candidate import Candidate, Grounded, exemplar_parts
from codetrans.grounding.chooser import BASE_FEATURES, CROSSED, Chooser, rule_chooser
from codetrans.grounding.edit import adapt, signature
from codetrans.retrieval.bm25 import split_identifier
from codetrans.tasks import DOC_LANGUAGES

#: Neighbours considered per function (the chooser was fit with this many).
GROUND_K = 8
_WORD = re.compile(r"\w+")


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
        inp, target, meta, score = exemplar_parts(ex)
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
    lang_hot = [1.0 if lang == x else 0.0 for x in DOC_LANGUAGES]
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
        edited, rank0 = c.features[BASE_FEATURES.index("edited")], c.features[BASE_FEATURES.index("rank0")]
        crossed = c.features[1:1 + len(CROSSED)]
        c.features += [x * edited for x in crossed] + [x * rank0 for x in crossed]
    return out


def _where(cand: Candidate, lang: str) -> tuple[str, dict]:
    inp, _, meta, _ = exemplar_parts(cand.origin)
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
    description built from the code (:func:`codetrans.grounding.describe.describe`) when the name allows one:
    when nothing is likely right, the answer shown is the one least likely to be false (a description is
    rarely more than vague, and its confidence — the judged share of descriptions that are correct — says so)."""
    from codetrans.grounding.describe import describe

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
    from codetrans.grounding.verifier import sigmoid

    if kind == "commit":
        return verifier.serving("generated_commit_confidence")
    name = name or signature(source, lang).name
    logit = verifier.logit(source, text, kind=kind, name=name)
    cands = candidates(source, lang, [], text, name=name)  # none for an empty text: the logit alone
    return verifier.candidate_probability(kind, cands[0].kind, cands[0].features, logit) if cands else sigmoid(logit)


def ground(source: str, lang: str, exemplars: Sequence[Any], generated: str | None, *,
           chooser: Chooser | None = None, name: str = "", verifier: Any = None) -> Grounded:
    """The grounded answer for one function: see the module doc. With a ``verifier``
    (:class:`codetrans.grounding.verifier.Verifier`) it chooses by truth, not by predicted BLEU, and says how
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


__all__ = ["DESCRIBED", "GROUND_K", "candidates", "ground", "text_confidence", "verify_and_choose"]
