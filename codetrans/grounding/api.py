"""API sequences grounded in the model's index of its training pairs: the consensus of neighbours and model.

A query has no repository, but the training pool holds (description, API sequence) pairs; the
:data:`API_K` BM25-nearest descriptions' sequences and the model's text are the candidates, and the answer
is their **consensus** (minimum Bayes risk): the candidate with the highest mean smoothed BLEU against the
others, the model's text counting :data:`MODEL_VOTE` times. Retrieved sequences are real call sequences
someone wrote for a similar query; the vote pulls the choice toward the one the model agrees with.
Chosen on the by-project validation split of the API pool harvested from real Java projects
(``docs/data/api_pool.md``; ``scripts/tune_api.py``, 600 queries, session 15's index of 386,124 pairs): model
alone 20.73, BM25 top-1 20.72, consensus **29.46** (k = 8, vote 3, no margin; votes 0-4, k = 4 and margins 0-0.2 all
measured lower; a pair for the very same description answering as it is: 28.89, so off), the best of the 8 nearest
(an oracle) 39.48. The API specialist's text instead of the shipped model's (``training/zoo/api_specialist.yaml``:
25.48 alone) gave 29.33 at best: not shipped. The floor holds: the consensus never fell below top-1 on any setting
tried. ``confidence`` is a logistic fit of the answer's agreement with the other candidates on the same split
(mean 0.07 / 0.12 / 0.19 predicted against 0.07 / 0.10 / 0.24 measured in the agreement bins 0-0.2 / 0.2-0.4 /
0.4-0.6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from codetrans.grounding.candidate import Candidate, Grounded, exemplar_parts

#: Training pairs considered per query.
API_K = 8
#: How many neighbours' votes the model's text is worth (chosen on validation: 0, 1, 2, 3, 4 tried).
MODEL_VOTE = 3.0
#: How much more the consensus must agree with the candidates than the nearest pair to replace it.
MARGIN = 0.0
#: Whether a training pair written for the very same description answers without a consensus.
EXACT_FIRST = False  # measured: -0.57 on validation (session 15), so off
#: (slope, intercept) of :func:`api_confidence` on the agreement of the answer with the other candidates.
CONFIDENCE = (3.947, -3.232)


def api_candidates(exemplars: Sequence[Any], generated: str | None) -> list[Candidate]:
    """The nearest training pairs' sequences (best first) and the model's text."""
    out = [Candidate(target, "neighbour", rank, (inp, target, score, meta))
           for rank, (inp, target, meta, score) in enumerate(exemplar_parts(e) for e in list(exemplars)[:API_K])]
    if generated is not None and generated.strip():
        out.append(Candidate(generated, "generated"))
    return out


def agreements(cands: Sequence[Candidate], model_vote: float = MODEL_VOTE) -> list[float]:
    """Each candidate's weighted mean smoothed BLEU against the others, 0-1 (-1 when it has no other)."""
    from codetrans.metrics.bleu import sentence_smoothed_bleu

    weights = [model_vote if c.kind == "generated" else 1.0 for c in cands]
    out = []
    for i, c in enumerate(cands):
        total = sum(weights) - weights[i]
        out.append(-1.0 if total <= 0 else sum(
            w * sentence_smoothed_bleu(c.text, [o.text]) for j, (o, w) in enumerate(zip(cands, weights)) if j != i)
            / total / 100)
    return out


def consensus(cands: Sequence[Candidate], model_vote: float = MODEL_VOTE, margin: float = 0.0) -> int:
    """Index of the candidate closest on average (smoothed BLEU) to the others; the earliest on ties. With
    ``margin`` the nearest pair (index 0) stays unless another agrees with the rest by that much more: the
    floor, BM25 top-1, is what an uncertain consensus falls back to."""
    return choose(cands, agreements(cands, model_vote), margin) if cands else 0


def choose(cands: Sequence[Candidate], scores: Sequence[float], margin: float = 0.0) -> int:
    """:func:`consensus` given each candidate's agreement (computed once when several margins are compared)."""
    best = max(range(len(cands)), key=lambda i: (scores[i], -i))
    if cands[0].kind == "neighbour" and scores[best] - scores[0] < margin:
        return 0
    return best


def api_confidence(agreement: float) -> float:
    """The probability that an answer is close to what the developer wrote (sentence BLEU-4 >= 0.5 against
    the method's own calls), from how much the candidates agree with it: :data:`CONFIDENCE`, a logistic
    fit on the pool's by-project validation split (``scripts/tune_api.py``)."""
    from codetrans.grounding.verifier import sigmoid

    a, b = CONFIDENCE
    return sigmoid(a * max(agreement, 0.0) + b)


def same_description(query: str | None, cand: Candidate) -> bool:
    """Whether the nearest pair was written for this very description (its sequence is then the answer)."""
    from codetrans.lang.docstrings import api_query

    return bool(query) and cand.kind == "neighbour" and api_query(str(cand.origin[0])) == api_query(str(query))


def unique_description(query: str | None, cands: Sequence[Candidate]) -> int | None:
    """Index of the one neighbour written for this very description, when exactly one among the candidates is (a
    sentence several pairs share with other sequences, like "returns the value", says too little: consensus)."""
    same = [i for i, c in enumerate(cands) if same_description(query, c)]
    return same[0] if len(same) == 1 else None


def ground_api(exemplars: Sequence[Any], generated: str | None, query: str | None = None) -> Grounded:
    """The consensus sequence for one query, with where it came from and how sure it is. ``query``: the
    description as the index stores them; a pair written for the same description answers as it is."""
    cands = api_candidates(exemplars, generated)
    if not cands:
        return Grounded(generated or "", "generated", None)
    # one neighbour and the model: no consensus to find; the nearest pair (BM25 top-1 beats the model
    # alone on validation); likewise a pair for the same description
    exact = unique_description(query, cands) if EXACT_FIRST else None
    if len(cands) == 2 and cands[1].kind == "generated":
        best, agreement = cands[0], agreements(cands, 1.0)[0]
    elif exact is not None:
        best, agreement = cands[exact], agreements(cands, 1.0)[exact]
    else:
        scores = agreements(cands)
        i = choose(cands, scores, MARGIN)  # the agreements just computed
        best, agreement = cands[i], scores[i]
    confidence = api_confidence(agreement)
    if best.kind == "generated":
        return Grounded(best.text, "generated", None, tuple(cands), confidence)
    inp, _, _, meta = best.origin
    words = str(inp).split()
    query = " ".join(words[:12]) + (" ..." if len(words) > 12 else "")
    origin = {"query": query, **({"id": str(meta["id"])} if meta.get("id") else {})}
    return Grounded(best.text, f"copied from the training pair for '{query}' (the consensus of "
                    f"{len(cands) - (cands[-1].kind == 'generated')} nearest and the model)", origin, tuple(cands),
                    confidence)


__all__ = ["API_K", "CONFIDENCE", "EXACT_FIRST", "MARGIN", "MODEL_VOTE", "agreements", "api_candidates", "api_confidence", "choose", "consensus", "unique_description",
           "ground_api", "same_description"]
