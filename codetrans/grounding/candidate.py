"""What a grounder chooses among and what it answers: :class:`Candidate` and :class:`Grounded`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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


def exemplar_parts(ex: Any) -> tuple[str, str, dict, float]:
    """(input, target, meta, score) of an Exemplar or an (input, target[, score[, meta]]) tuple."""
    if hasattr(ex, "target"):
        return ex.input, ex.target, dict(ex.meta), float(ex.score)
    inp, target = ex[0], ex[1]
    meta = dict(ex[3]) if len(ex) > 3 and isinstance(ex[3], Mapping) else {}
    return inp, target, meta, float(ex[2]) if len(ex) > 2 else 0.0


__all__ = ["Candidate", "Grounded", "exemplar_parts"]
