"""Counting what was kept and what was skipped, and why.

Every loader, walker and builder in :mod:`codetrans.data` takes or returns a :class:`SkipReport`, so
bad input (undecodable files, malformed lines, binaries, symlink loops...) is never dropped silently:
each skip is counted under a short reason and the first few examples are remembered for the summary.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

_MAX_EXAMPLES = 3


@dataclass
class SkipReport:
    """Kept/skipped counters of one source (or of several, merged)."""

    source: str = ""
    kept: int = 0
    skipped: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def keep(self, n: int = 1) -> None:
        self.kept += n

    def skip(self, reason: str, where: str = "", n: int = 1) -> None:
        """Count ``n`` items skipped for ``reason``; ``where`` (file:line, sha...) helps users find them."""
        self.skipped[reason] += n
        if where:
            ex = self.examples.setdefault(reason, [])
            if len(ex) < _MAX_EXAMPLES:
                ex.append(where)

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    def merge(self, other: SkipReport, prefix: str = "") -> SkipReport:
        """Add another report's counts into this one (reasons optionally prefixed, e.g. ``git:``)."""
        self.kept += other.kept
        for reason, n in other.skipped.items():
            self.skipped[prefix + reason] += n
        for reason, ex in other.examples.items():
            mine = self.examples.setdefault(prefix + reason, [])
            mine.extend(ex[: max(0, _MAX_EXAMPLES - len(mine))])
        return self

    def to_dict(self) -> dict:
        return {"source": self.source, "kept": self.kept, "skipped": dict(self.skipped),
                "examples": self.examples}

    @classmethod
    def from_dict(cls, d: dict) -> SkipReport:
        return cls(d.get("source", ""), int(d.get("kept", 0)), Counter(d.get("skipped", {})),
                   {k: list(v) for k, v in d.get("examples", {}).items()})

    def summary(self) -> str:
        """One line: ``source: kept N, skipped M (reason a, reason b ...)``."""
        parts = ", ".join(f"{r} {n}" for r, n in self.skipped.most_common())
        head = f"{self.source}: " if self.source else ""
        return f"{head}kept {self.kept}, skipped {self.total_skipped}" + (f" ({parts})" if parts else "")

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.summary()


class Records(list):
    """A list of record dicts that also carries the :class:`SkipReport` of the load that made it."""

    def __init__(self, items=(), report: SkipReport | None = None):
        super().__init__(items)
        self.report = report if report is not None else SkipReport()
