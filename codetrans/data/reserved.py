"""Projects reserved for independent evaluation: never harvested, never built into a corpus.

The list is ``ecosystem <TAB> package <TAB> upstream owner/name`` (``reserved.tsv``). A copy ships with
the package so every install enforces it; ``$CODETRANS_RESERVED`` (or ``../shared/data/reserved.tsv``
when it exists beside the working directory) adds to it. Package names match exactly, case-insensitively,
in any ecosystem (a Debian ``ruby-x`` is not the gem ``x``: each name is listed as it is published);
repositories match by ``owner/name``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PACKAGED = Path(__file__).with_name("reserved.tsv")
SHARED = Path("../shared/data/reserved.tsv")
# Harvest kinds -> the ecosystem column of reserved.tsv.
ECOSYSTEMS = {"apt": "debian", "pypi": "pypi", "npm": "npm"}


@dataclass(frozen=True)
class Reserved:
    packages: frozenset[str] = field(default_factory=frozenset)  # lower-case package names, any ecosystem
    repos: frozenset[str] = field(default_factory=frozenset)  # lower-case owner/name

    def package(self, name: str) -> bool:
        """Whether a package / source name is reserved (``click``, ``libguava-java``, ``phpoffice/x``)."""
        return name.strip().lower() in self.packages

    def repo(self, owner_name: str) -> bool:
        """Whether a repository (``owner/name``, ``owner__name``, or a URL ending in it) is reserved."""
        s = owner_name.strip().lower().removesuffix(".git").rstrip("/").replace("__", "/")
        parts = [p for p in s.replace(":", "/").split("/") if p]
        return len(parts) >= 2 and "/".join(parts[-2:]) in self.repos

    def source(self, name: str) -> bool:
        """A source's name may be a package or a repository: either match refuses it."""
        return self.package(name) or self.repo(name)


def parse(text: str) -> Reserved:
    packages, repos = set(), set()
    for line in text.splitlines():
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 2 or cols[0].strip().lower() in ("", "ecosystem") or line.startswith("#"):
            continue
        packages.add(cols[1].strip().lower())
        if len(cols) > 2 and cols[2].strip():
            repos.add(cols[2].strip().lower())
    return Reserved(frozenset(packages), frozenset(repos))


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> Reserved:
    packages, repos = set(), set()
    for p in paths:
        r = parse(Path(p).read_text(encoding="utf-8"))
        packages |= r.packages
        repos |= r.repos
    return Reserved(frozenset(packages), frozenset(repos))


def reserved() -> Reserved:
    """The packaged list, plus ``$CODETRANS_RESERVED`` and ``../shared/data/reserved.tsv`` if present."""
    paths = [PACKAGED]
    extra = os.environ.get("CODETRANS_RESERVED")
    for p in ([Path(extra)] if extra else []) + [SHARED]:
        if p.is_file():
            paths.append(p)
    return _load(tuple(str(p.resolve()) for p in paths))
